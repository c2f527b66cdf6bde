//! Turning what the reader returned into policies, and read failures into
//! findings: a document that does not parse is an `unreadable_policy`
//! finding, never a silent gap.

use super::{Finding, Kind};
use crate::compile::CompiledModule;
use crate::live::{AttachedPolicy, RawDoc, ReadError, ReadErrorKind, RoleSnapshot};
use crate::policy::Policy;

pub(super) struct Checker {
    pub(super) findings: Vec<Finding>,
    pub(super) notes: Vec<String>,
}

impl Checker {
    pub(super) fn parse_doc(&mut self, name: &str, what: &str, doc: &RawDoc) -> Option<Policy> {
        match Policy::parse_str(name, doc.as_str()) {
            Ok(p) => Some(p),
            Err(e) => {
                // An unknown boundary may block anything the role needs.
                let effect = if what == "permissions boundary" {
                    "; until it can be read, no permission of the role can be confirmed"
                } else {
                    ""
                };
                let mut f = Finding::new(
                    Kind::UnreadablePolicy,
                    format!("the {what} `{name}` cannot be parsed: {e}{effect}"),
                    format!(
                        "fix or remove `{name}`; rolesmith cannot tell what it allows or denies"
                    ),
                );
                f.policy = Some(name.to_string());
                self.findings.push(f);
                None
            }
        }
    }

    pub(super) fn parse_managed(&mut self, p: &AttachedPolicy, what: &str) -> Option<Policy> {
        match &p.document {
            Some(d) => self.parse_doc(&p.name, what, d),
            None => {
                let mut f = Finding::new(
                    Kind::UnreadablePolicy,
                    format!(
                        "the document of the {what} `{}` ({}) could not be read{}",
                        p.name,
                        p.arn,
                        if what == "permissions boundary" {
                            "; until it can be read, no permission of the role can be confirmed"
                        } else {
                            ""
                        }
                    ),
                    format!(
                        "include it (for the file, run `aws iam get-account-authorization-details` without `--filter`); read live, the role's self-audit statement reads only the module's own policies and AWS managed ones, so check the role with `--from-file`, or let it read `{}` (`iam:GetPolicy`, `iam:GetPolicyVersion`)",
                        p.arn
                    ),
                );
                f.policy = Some(p.name.clone());
                self.findings.push(f);
                None
            }
        }
    }

    pub(super) fn parse_identity(&mut self, snap: &RoleSnapshot) -> Vec<Policy> {
        let mut out = Vec::new();
        for (name, doc) in &snap.inline {
            out.extend(self.parse_doc(name, "inline policy", doc));
        }
        for p in &snap.attached {
            out.extend(self.parse_managed(p, "managed policy"));
        }
        out
    }
}

pub(super) fn read_failure(e: &ReadError, latest: &CompiledModule) -> Finding {
    failure(
        e,
        format!(
            "deploy the template of version {} of `{}` in the customer's account",
            latest.version, latest.module
        ),
    )
}

/// [`read_failure`] when the module is not known (not given, and the role
/// could not be read for its tag).
pub(super) fn read_failure_without_module(e: &ReadError) -> Finding {
    let mut f = failure(
        e,
        "deploy the module's template in the customer's account, or check the role ARN; give `--module` to be told which version to deploy".to_string(),
    );
    if e.kind != ReadErrorKind::RoleMissing {
        f.fix = format!(
            "{}; give `--module` when the role cannot be read for its `rolesmith:module` tag",
            f.fix
        );
    }
    f
}

fn failure(e: &ReadError, deploy: String) -> Finding {
    let (kind, fix) = match e.kind {
        ReadErrorKind::RoleMissing => (Kind::RoleMissing, deploy),
        ReadErrorKind::AccessDenied => (
            Kind::AccessDenied,
            "check that the role's trust policy still trusts the vendor's authoriser with the ExternalId, and that the role may read itself (update the stack to restore both)".to_string(),
        ),
        ReadErrorKind::Throttled | ReadErrorKind::Timeout | ReadErrorKind::Other => (
            Kind::ReadFailed,
            "run the check again; if it keeps failing, check credentials, network and `--endpoint-url`".to_string(),
        ),
    };
    Finding::new(kind, e.message.clone(), fix)
}
