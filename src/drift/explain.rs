//! Why a required permission is not granted, as a finding: missing, denied
//! explicitly, blocked by the boundary, or allowed only under conditions.

use super::{Finding, Kind, join_refs};
use crate::compile::Grant;
use crate::policy::coverage::{Coverage, DenyReason, Requirement};

/// The role's permissions boundary, for findings that name it.
pub(super) struct BoundaryName<'a> {
    /// Policy name.
    pub name: &'a str,
    /// Policy ARN.
    pub arn: &'a str,
}

pub(super) fn coverage_finding(
    cov: Coverage,
    g: &Grant,
    req: &Requirement,
    fix: &str,
    boundary: Option<&BoundaryName<'_>>,
) -> Option<Finding> {
    let what = format!("`{}` on `{}`", req.action, req.resource);
    let mut f = match cov {
        Coverage::Granted { .. } => return None,
        Coverage::NotGranted => Finding::new(
            Kind::MissingPermission,
            format!(
                "the role no longer allows {what}, which feature `{}` needs (statement `{}` of the deployed template)",
                g.feature, g.sid
            ),
            fix.to_string(),
        ),
        Coverage::Denied {
            by,
            reason: DenyReason::ExplicitDeny,
        } => {
            let mut f = Finding::new(
                Kind::ExplicitDeny,
                format!(
                    "{what}, which feature `{}` needs, is denied by {}",
                    g.feature,
                    join_refs(&by)
                ),
                format!(
                    "remove {} or narrow it so it no longer matches `{}`",
                    join_refs(&by),
                    req.action
                ),
            );
            if let Some(s) = by.first() {
                f.point_at(s);
            }
            f
        }
        Coverage::Denied {
            by,
            reason: DenyReason::Boundary,
        } => {
            let (name, arn) = boundary.map_or(("", ""), |b| (b.name, b.arn));
            let mut f = Finding::new(
                Kind::BoundaryBlocks,
                if by.is_empty() {
                    format!(
                        "no statement of the permissions boundary `{name}` ({arn}) allows {what}, which feature `{}` needs",
                        g.feature
                    )
                } else {
                    format!(
                        "the permissions boundary `{name}` ({arn}) blocks {what}, which feature `{}` needs, with {}",
                        g.feature,
                        join_refs(&by)
                    )
                },
                if by.is_empty() {
                    format!(
                        "add a statement allowing `{}` on `{}` to the boundary `{name}` (a new default version: `aws iam create-policy-version --policy-arn {arn} --set-as-default ...`), or remove the boundary from the role (`aws iam delete-role-permissions-boundary --role-name ROLE`)",
                        req.action, req.resource
                    )
                } else {
                    format!(
                        "remove {} from the boundary `{name}` or narrow it so it no longer matches `{}`, or remove the boundary from the role",
                        join_refs(&by),
                        req.action
                    )
                },
            );
            f.policy = Some(name.to_string());
            if let Some(s) = by.first() {
                f.point_at(s);
            }
            f
        }
        Coverage::Conditional {
            allow, deny_unless, ..
        } => {
            let stmts: Vec<String> = allow
                .iter()
                .chain(deny_unless.iter())
                .map(|s| {
                    let keys: Vec<&String> =
                        s.conditions.values().flat_map(|kv| kv.keys()).collect();
                    format!(
                        "{} (when {})",
                        s.statement,
                        keys.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect();
            let mut f = Finding::new(
                Kind::ConditionalPermission,
                format!(
                    "{what}, which feature `{}` needs, is allowed only under conditions that cannot be checked offline: {}",
                    g.feature,
                    stmts.join("; ")
                ),
                "make sure the conditions hold for CX Portal's requests, or remove them from the statements named".to_string(),
            );
            if let Some(s) = allow.first().or(deny_unless.first()) {
                f.point_at(&s.statement);
            }
            f
        }
    };
    f.feature = Some(g.feature.clone());
    f.action = Some(req.action.clone());
    f.resource = Some(req.resource.clone());
    Some(f)
}
