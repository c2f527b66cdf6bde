//! Drift from authorization-details files: one fixture per case under
//! `tests/fixtures/drift/offline/`, the JSON report snapshotted.

use rolesmith::drift::{ModuleVersions, Subject, check};
use rolesmith::live::offline::AuthDetailsReader;
use rolesmith::live::{RoleReader, RoleTarget};

use super::project;
use crate::util;

#[test]
fn offline_cases() {
    insta::glob!("../../fixtures/drift/offline", "*.json", |path| {
        let reader = AuthDetailsReader::load(path).unwrap();
        let p = project();
        let latest = p.module("contact-flows");
        let releases = p.releases("contact-flows", &[]);
        let versions = ModuleVersions {
            latest,
            releases: &releases,
        };
        let arn = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";
        let subject = Subject {
            tenant: Some("acme".into()),
            module: "contact-flows".into(),
            role_arn: arn.into(),
            region: Some("eu-west-2".into()),
        };
        let read = reader.read_role(&RoleTarget::new(arn));
        let report = check(&p.config, &versions, &subject, read.as_ref());
        insta::with_settings!({snapshot_path => "../../../snapshots/drift", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(rolesmith::report::text(&report));
        });
    });
}

/// `rolesmith drift <args>`, run from the repository root.
fn cli(args: &[&str]) -> (i32, String, String) {
    util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .arg("drift")
            .args(args),
    )
    .parts()
}

const ARN: &str = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";

#[test]
fn cli_exit_codes_from_file() {
    let fixture = |n: &str| format!("tests/fixtures/drift/offline/{n}.json");
    let ok = fixture("as-deployed");
    let (code, out, _) = cli(&[
        "--module",
        "contact-flows",
        "--role-arn",
        ARN,
        "--from-file",
        &ok,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["latest_version"], "1.2.0");
    assert_eq!(v["tenant"], serde_json::Value::Null);

    let bad = fixture("unreadable-policies");
    let (code, out, _) = cli(&[
        "--module",
        "contact-flows",
        "--role-arn",
        ARN,
        "--from-file",
        &bad,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("DRIFT: contact-flows"), "{out}");

    let (code, _, err) = cli(&[
        "--module",
        "contact-flow",
        "--role-arn",
        ARN,
        "--from-file",
        &ok,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `contact-flows`?"), "{err}");

    let (code, _, err) = cli(&[
        "--module",
        "contact-flows",
        "--role-arn",
        ARN,
        "--from-file",
        "Cargo.toml",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("Cargo.toml:1:2: expected value"), "{err}");
}
