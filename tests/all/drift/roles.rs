//! Drift without AWS: one role snapshot per case under
//! `tests/fixtures/drift/roles/`, checked with `drift::check` and the JSON
//! report snapshotted. No network, no moto, no `aws` feature.
//!
//! A case file says what it is (`about`), who is checked (`module`, `tenant`,
//! `region`, `role_arn`) and what was read: `authorization_details` (the JSON
//! of `aws iam get-account-authorization-details`, read with the offline
//! reader) or `read_error` (a read failure as the AWS reader reports it).
//! Older versions come from the repository's release ledger. Optional:
//! `asked_role_arn` (the ARN the check was asked for, when the reader
//! returned another: `wrong_account`), `module` left out (taken from the
//! role's `rolesmith:module` tag, as `drift` without `--module`), and
//! `released_templates: false` (the released templates are not in
//! `generated/`, so older versions' managed policies cannot be named).

use std::path::Path;

use rolesmith::drift::{
    ModuleChoice, Report, Subject, choose_module, mismatch_report, unresolved_report,
};
use rolesmith::live::offline::AuthDetailsReader;
use rolesmith::live::{ReadError, ReadErrorKind, RoleReader, RoleSnapshot, RoleTarget};
use serde::Deserialize;
use serde_json::Value;

use super::project;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    /// What the case is and what the check must find (read by people).
    about: String,
    module: Option<String>,
    tenant: Option<String>,
    region: Option<String>,
    role_arn: String,
    asked_role_arn: Option<String>,
    #[serde(default = "yes")]
    released_templates: bool,
    authorization_details: Option<Value>,
    read_error: Option<CaseError>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseError {
    kind: String,
    message: String,
}

fn yes() -> bool {
    true
}

fn read_error_kind(s: &str) -> ReadErrorKind {
    match s {
        "role_missing" => ReadErrorKind::RoleMissing,
        "access_denied" => ReadErrorKind::AccessDenied,
        "throttled" => ReadErrorKind::Throttled,
        "timeout" => ReadErrorKind::Timeout,
        "other" => ReadErrorKind::Other,
        other => panic!("unknown read error kind `{other}`"),
    }
}

/// What the case's role reads as.
fn read(case: &Case, path: &Path) -> Result<RoleSnapshot, ReadError> {
    match (&case.authorization_details, &case.read_error) {
        (Some(details), None) => AuthDetailsReader::parse(&details.to_string(), path)
            .unwrap()
            .read_role(&RoleTarget::new(&case.role_arn)),
        (None, Some(e)) => Err(ReadError::new(read_error_kind(&e.kind), &e.message)),
        _ => panic!(
            "{}: give exactly one of `authorization_details` and `read_error`",
            path.display()
        ),
    }
}

fn check_case(path: &Path) -> (Case, Report) {
    let case: Case = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        !case.about.is_empty(),
        "{}: say what the case is",
        path.display()
    );
    let p = project();
    let asked = case.asked_role_arn.clone().unwrap_or(case.role_arn.clone());
    let read = read(&case, path);
    let module = match choose_module(case.module.as_deref(), read.as_ref()) {
        ModuleChoice::Use { module, .. } => module,
        ModuleChoice::Mismatch { asked: m, tagged } => {
            let report = mismatch_report(
                case.tenant.clone(),
                &asked,
                &m,
                &tagged,
                read.as_ref().unwrap(),
            );
            return (case, report);
        }
        ModuleChoice::Unknown => {
            let report = unresolved_report(case.tenant.clone(), &asked, read.as_ref().unwrap_err());
            return (case, report);
        }
    };
    let subject = Subject {
        tenant: case.tenant.clone(),
        module,
        role_arn: asked,
        region: case.region.clone(),
    };
    let report = if case.released_templates {
        p.check(&subject, &[], read.as_ref())
    } else {
        p.check_without_templates(&subject, read.as_ref())
    };
    (case, report)
}

#[test]
fn role_snapshots() {
    insta::glob!("../../fixtures/drift/roles", "*.json", |path| {
        let (case, report) = check_case(path);
        insta::with_settings!({
            snapshot_path => "../../../snapshots/drift",
            prepend_module_to_snapshot => false,
            description => case.about.as_str(),
        }, {
            insta::assert_json_snapshot!(report);
        });
    });
}

/// Every finding kind `drift` can give for a role of the project appears in
/// at least one case.
#[test]
fn cases_cover_every_finding_kind() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/drift/roles");
    let mut seen = std::collections::BTreeSet::new();
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_some_and(|x| x == "json") {
            let (_, report) = check_case(&path);
            seen.extend(report.findings.iter().map(|f| f.kind.as_str()));
        }
    }
    let all = [
        "role_missing",
        "access_denied",
        "read_failed",
        "unreadable_policy",
        "trust_principal_missing",
        "external_id_missing",
        "untrusted_principal",
        "missing_permission",
        "explicit_deny",
        "boundary_blocks",
        "conditional_permission",
        "version_behind",
        "excess_permission",
        "unknown_version",
        "wrong_account",
        "module_mismatch",
        "policy_detached",
        "policy_changed",
    ];
    let missing: Vec<&str> = all.into_iter().filter(|k| !seen.contains(k)).collect();
    assert!(missing.is_empty(), "no case gives {missing:?}");
}
