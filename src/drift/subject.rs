//! Is what was read what was asked? The role's account must be the asked
//! ARN's account (else `wrong_account`), and the module checked against
//! comes from `--module` or the role's `rolesmith:module` tag; a given module
//! that differs from the tag is `module_mismatch`.

use super::{Finding, Kind, Report, SCP_NOTE, Status};
use crate::live::{ReadError, RoleSnapshot};

/// The role tag that names the module a stack deployed.
pub const MODULE_TAG: &str = "rolesmith:module";

/// Which module a role is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModuleChoice {
    /// Check against this module (asked, or from the tag: `from_tag`).
    Use {
        /// Module id.
        module: String,
        /// True when it came from the role's tag.
        from_tag: bool,
    },
    /// The module asked for is not the one the role's tag names.
    Mismatch {
        /// Asked for.
        asked: String,
        /// The role's `rolesmith:module` tag.
        tagged: String,
    },
    /// No module asked for and the role has no tag (or could not be read).
    Unknown,
}

/// The module to check `read` against, given the one asked for (if any).
pub fn choose_module(asked: Option<&str>, read: Result<&RoleSnapshot, &ReadError>) -> ModuleChoice {
    let tagged = read.ok().and_then(|s| s.tags.get(MODULE_TAG));
    match (asked, tagged) {
        (Some(a), Some(t)) if a != t.as_str() => ModuleChoice::Mismatch {
            asked: a.to_string(),
            tagged: t.clone(),
        },
        (Some(a), _) => ModuleChoice::Use {
            module: a.to_string(),
            from_tag: false,
        },
        (None, Some(t)) => ModuleChoice::Use {
            module: t.clone(),
            from_tag: true,
        },
        (None, None) => ModuleChoice::Unknown,
    }
}

/// The account id of an ARN (`arn:aws:iam::123456789012:role/x`).
fn account_of(arn: &str) -> Option<&str> {
    crate::iam::arn::concrete_parts(arn)
        .nth(4)
        .filter(|s| !s.is_empty())
}

/// A `wrong_account` finding when the role read is in another account than
/// the one `asked_arn` names.
pub(super) fn wrong_account(asked_arn: &str, snap: &RoleSnapshot) -> Option<Finding> {
    let asked = account_of(asked_arn)?;
    let read = snap.account_id()?;
    if asked == read {
        return None;
    }
    let mut f = Finding::new(
        Kind::WrongAccount,
        format!(
            "asked to check `{asked_arn}` in account {asked}, but the credentials read `{}` in account {read}: nothing was checked, since that role is not the customer's",
            snap.arn
        ),
        format!(
            "read the customer's account: add `--assume-role {asked_arn} --external-id <the tenant's external id>` (or use credentials of account {asked})"
        ),
    );
    f.resource = Some(snap.arn.clone());
    Some(f)
}

/// The report when the role's `rolesmith:module` tag names another module
/// than the one asked for: nothing is compared (every permission of the
/// other module would read as missing).
pub fn mismatch_report(
    tenant: Option<String>,
    role_arn: &str,
    asked: &str,
    tagged: &str,
    snap: &RoleSnapshot,
) -> Report {
    let mut f = Finding::new(
        Kind::ModuleMismatch,
        format!(
            "asked to check `{role_arn}` against module `{asked}`, but the role's `{MODULE_TAG}` tag says `{tagged}`: its stack deployed `{tagged}`, so it was not compared with `{asked}`"
        ),
        format!(
            "check it against its own module (`--module {tagged}`, or leave `--module` out to take it from the tag), or fix the module of this row in the fleet file; if the role really is `{asked}`'s, update its stack with the template of `{asked}`"
        ),
    );
    f.resource = Some(snap.arn.clone());
    Report {
        tenant,
        module: asked.to_string(),
        role_arn: role_arn.to_string(),
        deployed_version: snap.deployed_version().map(str::to_string),
        latest_version: String::new(),
        status: Status::Drift,
        features: Vec::new(),
        findings: vec![f],
        notes: vec![SCP_NOTE.to_string()],
    }
}

/// The report of a role that could not be read when no module was given:
/// without the role's tag the module is unknown, so only the failure is
/// reported.
pub fn unresolved_report(tenant: Option<String>, role_arn: &str, e: &ReadError) -> Report {
    let mut f = super::read::read_failure_without_module(e);
    f.resource = Some(role_arn.to_string());
    Report {
        tenant,
        module: String::new(),
        role_arn: role_arn.to_string(),
        deployed_version: None,
        latest_version: String::new(),
        status: if e.kind == crate::live::ReadErrorKind::RoleMissing {
            Status::Drift
        } else {
            Status::Error
        },
        features: Vec::new(),
        findings: vec![f],
        notes: vec![SCP_NOTE.to_string()],
    }
}
