//! The authorizer: a pure function from a request and policies to a decision
//! plus the statements that decided it (AWS's evaluation logic for identity
//! policies and a permissions boundary within one account).

use super::condition::Context;
use super::coverage::{Coverage, DenyReason, Req, covers_req};
use super::pattern::resource_matches;
use super::{Decision, Effect, Element, Evaluation, Policy, Request, Statement, StatementRef};
use crate::manifest::Conditions;

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
    let ctx = Context::new(&req.context);
    let mut denies = Vec::new();
    let mut allows = Vec::new();
    let mut boundary_allows = Vec::new();
    for policy in identity {
        scan(policy, req, &ctx, &mut denies, &mut allows);
    }
    if let Some(b) = boundary {
        scan(b, req, &ctx, &mut denies, &mut boundary_allows);
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
    policy: &Policy,
    req: &Request,
    ctx: &Context<'_>,
    denies: &mut Vec<StatementRef>,
    allows: &mut Vec<StatementRef>,
) {
    for (i, st) in policy.statements().iter().enumerate() {
        if applies(st, req, ctx) {
            match st.effect {
                Effect::Deny => denies.push(StatementRef::new(policy, i)),
                Effect::Allow => allows.push(StatementRef::new(policy, i)),
            }
        }
    }
}

/// The statement matches the request's action, resource and context.
fn applies(st: &Statement, req: &Request, ctx: &Context<'_>) -> bool {
    if !st.matches_action(&req.action) {
        return false;
    }
    let Some(resource) = &st.resource else {
        return false;
    };
    // A variable without a value makes its pattern match nothing (AWS IAM
    // User Guide, "Policy variables": "...then the condition does not match").
    let any = st.compiled.resources.iter().any(|p| {
        p.resolve(|k| ctx.single(k))
            .is_some_and(|p| resource_matches(&p, &req.resource))
    });
    if any == matches!(resource, Element::Not(_)) {
        return false;
    }
    st.compiled.conditions.iter().all(|c| c.eval(ctx))
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
