//! Why a required permission is not granted, as a finding: missing, denied
//! explicitly, blocked by the boundary, or allowed only under conditions.

use super::{Finding, Kind, join_refs};
use crate::compile::Grant;
use crate::policy::coverage::{Coverage, DenyReason, Requirement};

pub(super) fn coverage_finding(
    cov: Coverage,
    g: &Grant,
    req: &Requirement,
    fix: &str,
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
            let mut f = Finding::new(
                Kind::BoundaryBlocks,
                if by.is_empty() {
                    format!(
                        "the permissions boundary does not allow {what}, which feature `{}` needs",
                        g.feature
                    )
                } else {
                    format!(
                        "the permissions boundary blocks {what}, which feature `{}` needs, with {}",
                        g.feature,
                        join_refs(&by)
                    )
                },
                format!(
                    "allow `{}` in the permissions boundary, or remove the boundary from the role",
                    req.action
                ),
            );
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
