//! "Does this grant cover that requirement": patterns against patterns.
//!
//! The one comparison the evaluator's unknown-context mode, the additivity
//! check and drift detection share. A requirement is an action pattern, a
//! resource pattern and the conditions the requirement itself carries; the
//! answer says whether the policies grant all of it ([`Coverage::Granted`]),
//! only under conditions ([`Coverage::Conditional`]), not at all
//! ([`Coverage::NotGranted`]), or whether a Deny or the boundary blocks some
//! of it ([`Coverage::Denied`]).
//!
//! Laws (property-tested in `tests/all/policy`): covering is reflexive and
//! transitive, `*` covers everything, and `covers(g, r)` implies that every
//! concrete string matched by `r` is matched by `g`. Unsure answers err on
//! "not covered" for grants and on "denied" for denies.

use super::condition::{Base, Operator};
use super::{ConditionalStatement, Effect, Element, Policy, Statement, StatementRef};
use crate::iam::Conditions;
use crate::iam::arn;
use crate::iam::pattern::{Pattern, glob_includes, glob_overlaps};

/// Every action matched by `required` is matched by `grant` (ignoring case;
/// `*` and `?` on both sides).
pub fn action_covers(grant: &str, required: &str) -> bool {
    glob_includes(&action_pattern(grant), &action_pattern(required)).unwrap_or(false)
}

/// Some action could be matched by both patterns.
pub fn action_overlaps(a: &str, b: &str) -> bool {
    glob_overlaps(&action_pattern(a), &action_pattern(b))
}

/// Every resource matched by `required` is matched by `grant` (case-sensitive,
/// wildcards on both sides, ARN parts compared part by part). A `${...}` in
/// `required` is an opaque unknown value: only a `*` (or the same variable)
/// in `grant` covers it.
pub fn resource_covers(grant: &str, required: &str) -> bool {
    arn::resource_includes(&Pattern::new(grant, true), &Pattern::new(required, true))
}

/// Some resource could be matched by both patterns (variables may take any value).
pub fn resource_overlaps(a: &str, b: &str) -> bool {
    arn::resource_overlaps(&Pattern::new(a, true), &Pattern::new(b, true))
}

fn action_pattern(s: &str) -> Pattern {
    Pattern::new(s, false).lowercased()
}

/// What a module needs: an action (pattern), a resource (pattern, may hold
/// policy variables) and the conditions it is granted under.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Requirement {
    /// Action or action pattern.
    pub action: String,
    /// Resource ARN or pattern.
    pub resource: String,
    /// Conditions the requirement carries (operator -> key -> values).
    pub conditions: Conditions,
}

/// Why a requirement is blocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// A Deny statement (identity policy or boundary) matches part of it.
    ExplicitDeny,
    /// The permissions boundary does not allow it.
    Boundary,
}

/// The answer of [`covers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// Fully granted, by these allow statements (identity, then boundary).
    Granted {
        /// The allow statements.
        by: Vec<StatementRef>,
    },
    /// Granted only if conditions the requirement does not imply hold.
    Conditional {
        /// Allow statements that would grant it under their conditions.
        allow: Vec<ConditionalStatement>,
        /// Deny statements that block it if their conditions hold.
        deny_unless: Vec<ConditionalStatement>,
        /// Every statement involved (unconditional allows included).
        by: Vec<StatementRef>,
    },
    /// Blocked: by the Deny statements named, or by the boundary.
    Denied {
        /// Deny statements (empty when the boundary simply does not allow).
        by: Vec<StatementRef>,
        /// Deny statement or boundary.
        reason: DenyReason,
    },
    /// No statement grants it.
    NotGranted,
}

/// How one statement applies to a requirement.
enum Applies {
    No,
    Fully,
    IfConditions(Conditions, Vec<String>),
}

/// Compiled form of a requirement.
pub(crate) struct Req<'a> {
    action: Pattern,
    resource: Pattern,
    conditions: &'a Conditions,
}

impl<'a> Req<'a> {
    pub(crate) fn new(action: &str, resource: &str, conditions: &'a Conditions) -> Req<'a> {
        Req {
            action: action_pattern(action),
            resource: Pattern::new(resource, true),
            conditions,
        }
    }
}

/// Does the policy set grant the requirement? Explicit denies (even on part
/// of the required pattern) win; an allow in the identity policies and, when
/// a boundary is given, in the boundary is needed.
pub fn covers(identity: &[Policy], boundary: Option<&Policy>, req: &Requirement) -> Coverage {
    covers_req(
        identity,
        boundary,
        &Req::new(&req.action, &req.resource, &req.conditions),
    )
}

pub(crate) fn covers_req(
    identity: &[Policy],
    boundary: Option<&Policy>,
    req: &Req<'_>,
) -> Coverage {
    let mut deny_full = Vec::new();
    let mut deny_cond = Vec::new();
    let mut id = Side::default();
    let mut bd = Side::default();
    let all = identity
        .iter()
        .map(|p| (p, false))
        .chain(boundary.map(|b| (b, true)));
    for (policy, in_boundary) in all {
        for (i, st) in policy.statements().iter().enumerate() {
            let applies = match st.effect {
                Effect::Deny => deny_applies(st, req),
                Effect::Allow => allow_applies(st, req),
            };
            let r = || StatementRef::new(policy, i);
            let cond = |conditions, variables| ConditionalStatement {
                statement: r(),
                effect: st.effect,
                in_boundary,
                conditions,
                variables,
            };
            let side = if in_boundary { &mut bd } else { &mut id };
            match (st.effect, applies) {
                (_, Applies::No) => {}
                (Effect::Deny, Applies::Fully) => deny_full.push(r()),
                (Effect::Deny, Applies::IfConditions(c, v)) => deny_cond.push(cond(c, v)),
                (Effect::Allow, Applies::Fully) => side.full.push(r()),
                (Effect::Allow, Applies::IfConditions(c, v)) => side.cond.push(cond(c, v)),
            }
        }
    }
    if !deny_full.is_empty() {
        return Coverage::Denied {
            by: deny_full,
            reason: DenyReason::ExplicitDeny,
        };
    }
    if id.is_empty() {
        return Coverage::NotGranted;
    }
    if boundary.is_some() && bd.is_empty() {
        return Coverage::Denied {
            by: Vec::new(),
            reason: DenyReason::Boundary,
        };
    }
    let id_full = !id.full.is_empty();
    let bd_full = boundary.is_none() || !bd.full.is_empty();
    if id_full && bd_full && deny_cond.is_empty() {
        let mut by = id.full;
        by.extend(bd.full);
        return Coverage::Granted { by };
    }
    let mut by: Vec<StatementRef> = id.full.clone();
    by.extend(bd.full.iter().cloned());
    let mut allow = Vec::new();
    if !id_full {
        allow.extend(id.cond);
    }
    if !bd_full {
        allow.extend(bd.cond);
    }
    by.extend(allow.iter().map(|c| c.statement.clone()));
    by.extend(deny_cond.iter().map(|c| c.statement.clone()));
    Coverage::Conditional {
        allow,
        deny_unless: deny_cond,
        by,
    }
}

#[derive(Default)]
struct Side {
    full: Vec<StatementRef>,
    cond: Vec<ConditionalStatement>,
}

impl Side {
    fn is_empty(&self) -> bool {
        self.full.is_empty() && self.cond.is_empty()
    }
}

fn allow_applies(st: &Statement, req: &Req<'_>) -> Applies {
    let acts = st.action_patterns();
    let action_ok = match &st.action {
        Element::Listed(_) => acts
            .iter()
            .any(|p| glob_includes(p, &req.action).unwrap_or(false)),
        Element::Not(_) => !acts.iter().any(|p| glob_overlaps(p, &req.action)),
    };
    if !action_ok {
        return Applies::No;
    }
    let res = &st.compiled.resources;
    let mut variables = Vec::new();
    let resource_ok = match &st.resource {
        None => false,
        Some(Element::Listed(_)) => {
            if res.iter().any(|p| arn::resource_includes(p, &req.resource)) {
                true
            } else if let Some(p) = res
                .iter()
                .find(|p| p.has_variables() && arn::resource_includes(&p.widened(), &req.resource))
            {
                variables = p.variables();
                true
            } else {
                false
            }
        }
        Some(Element::Not(_)) => !res.iter().any(|p| arn::resource_overlaps(p, &req.resource)),
    };
    if !resource_ok {
        return Applies::No;
    }
    let residual = residual_conditions(st, req.conditions);
    if residual.is_empty() && variables.is_empty() {
        Applies::Fully
    } else {
        Applies::IfConditions(residual, variables)
    }
}

fn deny_applies(st: &Statement, req: &Req<'_>) -> Applies {
    let acts = st.action_patterns();
    let action_hit = match &st.action {
        Element::Listed(_) => acts.iter().any(|p| glob_overlaps(p, &req.action)),
        Element::Not(_) => !acts
            .iter()
            .any(|p| glob_includes(p, &req.action).unwrap_or(false)),
    };
    if !action_hit {
        return Applies::No;
    }
    let res = &st.compiled.resources;
    let mut variables = Vec::new();
    let resource_hit = match &st.resource {
        None => false,
        Some(Element::Listed(_)) => {
            // Opaque comparison first: a concrete overlap is certain.
            if res
                .iter()
                .any(|p| arn::resource_overlaps_opaque(p, &req.resource))
            {
                true
            } else {
                let vars: Vec<String> = res
                    .iter()
                    .filter(|p| arn::resource_overlaps(p, &req.resource))
                    .flat_map(|p| p.variables().into_iter().chain(req.resource.variables()))
                    .collect();
                variables = vars;
                !variables.is_empty()
            }
        }
        Some(Element::Not(_)) => !res.iter().any(|p| arn::resource_includes(p, &req.resource)),
    };
    if !resource_hit {
        return Applies::No;
    }
    let residual = residual_conditions(st, req.conditions);
    if residual.is_empty() && variables.is_empty() {
        Applies::Fully
    } else {
        Applies::IfConditions(residual, variables)
    }
}

/// The statement's conditions that the requirement's own conditions do not
/// imply, as written.
fn residual_conditions(st: &Statement, req: &Conditions) -> Conditions {
    let mut out = Conditions::new();
    for c in st.condition_clauses() {
        if !clause_implied(&c.operator, &c.key, &c.values, req) {
            out.entry(c.operator_text.clone())
                .or_default()
                .insert(c.key.clone(), c.values.clone());
        }
    }
    out
}

/// True when every request satisfying `req` satisfies the grant's clause
/// `op key: values`.
pub fn clause_implied(op: &Operator, key: &str, gvals: &[String], req: &Conditions) -> bool {
    for (rop_text, keys) in req {
        let Some(rop) = Operator::parse(rop_text) else {
            continue;
        };
        if rop != *op {
            continue;
        }
        for (rkey, rvals) in keys {
            if !rkey.eq_ignore_ascii_case(key) {
                continue;
            }
            if values_implied(op.base, gvals, rvals) {
                return true;
            }
        }
    }
    false
}

fn values_implied(base: Base, g: &[String], r: &[String]) -> bool {
    use Base::*;
    let subset = |small: &[String], big: &[String], ci: bool| {
        small.iter().all(|s| {
            big.iter().any(|b| {
                if ci {
                    b.eq_ignore_ascii_case(s)
                } else {
                    b == s
                }
            })
        })
    };
    match base {
        // The requirement admits a subset of the values the grant admits.
        StringEquals | ArnEquals | BinaryEquals | NumericEquals | DateEquals | IpAddress => {
            subset(r, g, false)
        }
        StringEqualsIgnoreCase | Bool => subset(r, g, true),
        StringLike => r.iter().all(|rv| {
            g.iter().any(|gv| {
                glob_includes(&Pattern::new(gv, true), &Pattern::new(rv, true)).unwrap_or(false)
            })
        }),
        ArnLike => r
            .iter()
            .all(|rv| g.iter().any(|gv| resource_covers(gv, rv))),
        // The requirement excludes at least what the grant excludes.
        StringNotEquals | ArnNotEquals | ArnNotLike | StringNotLike | NumericNotEquals
        | DateNotEquals | NotIpAddress => subset(g, r, false),
        StringNotEqualsIgnoreCase => subset(g, r, true),
        // Ordering and presence operators: only the same values are sure.
        _ => subset(g, r, false) && subset(r, g, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        assert!(action_covers("s3:*", "S3:Get*"));
        assert!(!action_covers("s3:Get*", "s3:*"));
        assert!(resource_covers("*", "arn:aws:s3:::b/${aws:username}"));
        assert!(!resource_covers(
            "arn:aws:s3:::b/x",
            "arn:aws:s3:::b/${aws:username}"
        ));
        assert!(resource_covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/?x*"));
    }
}
