//! The managed policies of the deployed version, one by one: a policy the
//! template created that is no longer attached (`policy_detached`), or whose
//! document no longer grants what the template wrote (`policy_changed`), is
//! one finding naming the policy, with the exact command that fixes it; the
//! permissions the role lacks because of it are listed under it instead of
//! as separate `missing_permission` findings.

use serde_json::Value;

use super::{Finding, Kind, LostPermission};
use crate::compile::Grant;
use crate::live::RoleSnapshot;
use crate::policy::Policy;
use crate::policy::coverage::{Coverage, Requirement, covers};

/// A managed policy of a version's template: its name and the Sids it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLayout {
    /// `ManagedPolicyName`.
    pub name: String,
    /// Logical id in the template (`Policy1`).
    pub logical_id: String,
    /// Sids of its statements.
    pub sids: Vec<String>,
}

/// A released version with the managed policies of its template.
pub type VersionLayout = (semver::Version, Vec<PolicyLayout>);

/// The managed policies of a template (its `AWS::IAM::ManagedPolicy`
/// resources), in logical-id order.
pub fn policy_layouts(template: &Value) -> Vec<PolicyLayout> {
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|(_, r)| r.get("Type").and_then(Value::as_str) == Some("AWS::IAM::ManagedPolicy"))
        .filter_map(|(id, r)| {
            let props = r.get("Properties")?;
            let name = props.get("ManagedPolicyName")?.as_str()?.to_string();
            let sids = props
                .get("PolicyDocument")
                .and_then(|d| d.get("Statement"))
                .and_then(Value::as_array)
                .map(|st| {
                    st.iter()
                        .filter_map(|s| s.get("Sid").and_then(Value::as_str))
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            Some(PolicyLayout {
                name,
                logical_id: id.clone(),
                sids,
            })
        })
        .collect()
}

/// What happened to one managed policy of the deployed version.
#[derive(Debug)]
pub(super) struct Lost {
    /// The template's policy.
    pub layout: PolicyLayout,
    /// Its ARN in the customer's account.
    pub arn: String,
    /// `policy_detached` or `policy_changed`.
    pub kind: Kind,
    /// The default version id when attached (`v2`).
    pub version_id: Option<String>,
    /// Permissions of its statements the role does not hold any more.
    pub explains: Vec<LostPermission>,
}

/// The deployed version's policies that are detached or changed. `requirements`
/// gives the (resolved) requirements of a grant; `parsed` finds an attached
/// policy's parsed document by name (`None`: unreadable, already reported).
pub(super) fn lost_policies<'g>(
    snap: &RoleSnapshot,
    layouts: &[PolicyLayout],
    grants: impl Iterator<Item = &'g Grant> + Clone,
    requirements: &dyn Fn(&Grant) -> Vec<Requirement>,
    parsed: &dyn Fn(&str) -> Option<&'g Policy>,
) -> Vec<Lost> {
    let partition = snap.partition().unwrap_or("aws");
    let account = snap.account_id().unwrap_or_default();
    let mut out = Vec::new();
    for l in layouts {
        let arn = format!("arn:{partition}:iam::{account}:policy/{}", l.name);
        let attached = snap.attached.iter().find(|p| p.arn == arn);
        let kind = match attached {
            None => Kind::PolicyDetached,
            Some(p) => {
                let Some(doc) = parsed(&p.name) else {
                    // Unreadable: its own finding says so.
                    continue;
                };
                let one = std::slice::from_ref(doc);
                // Only what the policy no longer grants at all: a condition
                // added is `conditional_permission`, a Deny `explicit_deny`.
                let changed = grants.clone().filter(|g| l.sids.contains(&g.sid)).any(|g| {
                    requirements(g)
                        .iter()
                        .any(|r| matches!(covers(one, None, r), Coverage::NotGranted))
                });
                if !changed {
                    continue;
                }
                Kind::PolicyChanged
            }
        };
        out.push(Lost {
            layout: l.clone(),
            arn,
            kind,
            version_id: attached.and_then(|p| p.version_id.clone()),
            explains: Vec::new(),
        });
    }
    out
}

impl Lost {
    /// The finding, once the permissions it explains are known.
    pub(super) fn finding(&self, snap: &RoleSnapshot, module: &str, version: &str) -> Finding {
        let name = &self.layout.name;
        let arn = &self.arn;
        let template = format!("generated/{module}/{version}/template.json");
        let lacks = if self.explains.is_empty() {
            String::new()
        } else {
            let n = self.explains.len();
            format!(
                "; the role lacks {n} permission{} because of it (listed under `permissions`)",
                if n == 1 { "" } else { "s" }
            )
        };
        let (message, fix) = match self.kind {
            Kind::PolicyDetached => (
                format!(
                    "managed policy `{name}` ({arn}) of version {version} of `{module}` is no longer attached to role `{}`{lacks}",
                    snap.name
                ),
                format!(
                    "attach it again: `aws iam attach-role-policy --role-name {} --policy-arn {arn}` (updating the stack with the same template does not: CloudFormation changes only what the template changes); if the policy was deleted, create it again from resource `{}` of `{template}` and attach it",
                    snap.name, self.layout.logical_id
                ),
            ),
            _ => {
                let now = self
                    .version_id
                    .as_deref()
                    .map(|v| format!(", default version `{v}`"))
                    .unwrap_or_default();
                let restore = match self.version_id.as_deref() {
                    Some(v) if v != "v1" => format!(
                        "restore the version the stack created: `aws iam set-default-policy-version --policy-arn {arn} --version-id v1` (`aws iam list-policy-versions --policy-arn {arn}` lists the versions); if v1 was deleted, "
                    ),
                    _ => String::new(),
                };
                (
                    format!(
                        "managed policy `{name}` ({arn}{now}) no longer grants what version {version} of `{module}` wrote in it{lacks}"
                    ),
                    format!(
                        "{restore}put the document of resource `{}` of `{template}` back: `aws iam create-policy-version --policy-arn {arn} --set-as-default --policy-document file://{name}.json`",
                        self.layout.logical_id
                    ),
                )
            }
        };
        let mut f = Finding::new(self.kind, message, fix);
        f.policy = Some(name.clone());
        f.resource = Some(arn.clone());
        f.permissions = self.explains.clone();
        let features: std::collections::BTreeSet<&str> =
            self.explains.iter().map(|p| p.feature.as_str()).collect();
        if let [only] = features.into_iter().collect::<Vec<_>>().as_slice() {
            f.feature = Some((*only).to_string());
        }
        f
    }
}
