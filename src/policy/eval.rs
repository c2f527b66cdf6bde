//! The authorizer: a pure function from a request and policies to a decision
//! plus the statements that decided it (AWS's evaluation logic for identity
//! policies and a permissions boundary within one account).

use super::condition::Context;
use super::coverage::{Coverage, DenyReason, Req, covers_req};
use super::{Decision, Effect, Element, Evaluation, Policy, Request, Statement, StatementRef};
use crate::iam::Conditions;
use crate::iam::arn::resource_matches;

/// Decides a concrete request. Explicit deny (identity or boundary) wins;
/// otherwise an allow is needed in the identity policies and, when a
/// boundary is given, in the boundary too; otherwise implicit deny.
pub fn evaluate(req: &Request, identity: &[Policy], boundary: Option<&Policy>) -> Evaluation {
    let refs: Vec<&Policy> = identity.iter().collect();
    evaluate_refs(req, &refs, boundary)
}

/// [`evaluate`] over borrowed policies (callers that cache parsed documents
/// need not copy them into one slice).
pub fn evaluate_refs(req: &Request, identity: &[&Policy], boundary: Option<&Policy>) -> Evaluation {
    let named: Vec<(&str, &Policy)> = identity.iter().map(|p| (p.name(), *p)).collect();
    evaluate_as(req, &named, boundary.map(|b| (b.name(), b)))
}

/// [`evaluate`] with the name each policy goes by in the answer's
/// [`StatementRef`]s given by the caller: one parsed document can then be
/// shared by several positions (batch mode's cache).
pub fn evaluate_as(
    req: &Request,
    identity: &[(&str, &Policy)],
    boundary: Option<(&str, &Policy)>,
) -> Evaluation {
    let ctx = Context::new(&req.context);
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    let mut boundary_allows = Vec::new();
    for (name, policy) in identity {
        scan(name, policy, req, &ctx, &mut denies, &mut allows);
    }
    if let Some((name, b)) = boundary {
        scan(name, b, req, &ctx, &mut denies, &mut boundary_allows);
    }
    if !denies.is_empty() {
        return Evaluation {
            decision: Decision::ExplicitDeny,
            deciding: denies,
            boundary_blocked: false,
        };
    }
    if allows.is_empty() {
        return Evaluation {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
            boundary_blocked: false,
        };
    }
    if boundary.is_some() && boundary_allows.is_empty() {
        return Evaluation {
            decision: Decision::ImplicitDeny,
            deciding: allows,
            boundary_blocked: true,
        };
    }
    allows.extend(boundary_allows);
    Evaluation {
        decision: Decision::Allowed,
        deciding: allows,
        boundary_blocked: false,
    }
}

fn scan(
    name: &str,
    policy: &Policy,
    req: &Request,
    ctx: &Context<'_>,
    denies: &mut Vec<StatementRef>,
    allows: &mut Vec<StatementRef>,
) {
    // Only the statements that can name the action (document order).
    for i in policy.index.candidates(&req.action).iter() {
        let Some(st) = policy.statements.get(i) else {
            continue;
        };
        // Once a Deny matched, allows cannot change the decision nor appear
        // among the deciding statements: skip their conditions.
        if st.effect == Effect::Allow && !denies.is_empty() {
            continue;
        }
        if applies(st, req, ctx) {
            match st.effect {
                Effect::Deny => denies.push(StatementRef::named(name, st, i)),
                Effect::Allow => allows.push(StatementRef::named(name, st, i)),
            }
        }
    }
}

/// The statement matches the request's action, resource and context.
fn applies(st: &Statement, req: &Request, ctx: &Context<'_>) -> bool {
    if !st.matches_action(&req.action) {
        return false;
    }
    if !resource_applies(st, req, ctx) {
        return false;
    }
    st.compiled.conditions.iter().all(|c| c.eval(ctx))
}

/// The statement's `Resource`/`NotResource` matches the request's resource.
#[inline]
pub(super) fn resource_applies(st: &Statement, req: &Request, ctx: &Context<'_>) -> bool {
    let Some(resource) = &st.resource else {
        return false;
    };
    // A variable without a value makes its pattern match nothing (AWS IAM
    // User Guide, "Policy variables": "...then the condition does not match").
    match resource {
        Element::Listed(_) => st.compiled.resources.iter().any(|p| {
            p.resolve(|k| ctx.single(k))
                .is_some_and(|p| resource_matches(&p, &req.resource))
        }),
        // An entry whose variable has no value is "unknown", not "no
        // match": the `NotResource` applies only if no value could make the
        // entry match (the variable widened to `*` does not match either).
        Element::Not(_) => {
            st.compiled
                .resources
                .iter()
                .all(|p| match p.resolve(|k| ctx.single(k)) {
                    Some(p) => !resource_matches(&p, &req.resource),
                    None => !resource_matches(&p.widened(), &req.resource),
                })
        }
    }
}

/// Decides a request whose context is unknown: statements with conditions
/// (or with policy variables in their resources) apply only "if", so the
/// answer may be [`Decision::Conditional`]. Uses [`super::coverage`].
pub fn evaluate_unknown_context(
    req_action: &str,
    req_resource: &str,
    identity: &[Policy],
    boundary: Option<&Policy>,
) -> Evaluation {
    let none = Conditions::new();
    let cov = covers_req(
        identity,
        boundary,
        &Req::new(req_action, req_resource, &none),
    );
    match cov {
        Coverage::Granted { by } => Evaluation {
            decision: Decision::Allowed,
            deciding: by,
            boundary_blocked: false,
        },
        Coverage::Denied {
            by,
            reason: DenyReason::ExplicitDeny,
        } => Evaluation {
            decision: Decision::ExplicitDeny,
            deciding: by,
            boundary_blocked: false,
        },
        Coverage::Denied {
            by,
            reason: DenyReason::Boundary,
        } => Evaluation {
            decision: Decision::ImplicitDeny,
            deciding: by,
            boundary_blocked: true,
        },
        Coverage::NotGranted => Evaluation {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
            boundary_blocked: false,
        },
        Coverage::Conditional {
            allow,
            deny_unless,
            by,
        } => Evaluation {
            decision: Decision::Conditional { allow, deny_unless },
            deciding: by,
            boundary_blocked: false,
        },
    }
}
