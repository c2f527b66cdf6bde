//! Why a request was implicitly denied: the Allow statements that name the
//! action, and for each what failed (the resource, a condition key absent
//! from the request, or its value). Computed only for an `implicitDeny`,
//! after the decision: the evaluator's path is unchanged.

use serde::Serialize;

use super::condition::Context;
use super::eval::resource_applies;
use super::{Decision, Effect, Element, Evaluation, Policy, Request, StatementRef};

/// An Allow statement that names the action but did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NearMiss {
    /// The statement.
    #[serde(flatten)]
    pub statement: StatementRef,
    /// Everything that failed, resource first.
    pub reasons: Vec<Miss>,
}

/// One reason an Allow statement did not apply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Miss {
    /// The request's resource is not one of `Resource` (or is one of `NotResource`).
    #[serde(rename_all = "camelCase")]
    Resource {
        /// `Resource` or `NotResource`.
        element: &'static str,
        /// Its entries as written.
        patterns: Vec<String>,
    },
    /// A condition's key is not in the request.
    #[serde(rename_all = "camelCase")]
    ConditionKeyAbsent {
        /// Operator as written.
        operator: String,
        /// Key as written.
        key: String,
    },
    /// A condition's key is in the request with values that do not satisfy it.
    #[serde(rename_all = "camelCase")]
    ConditionValue {
        /// Operator as written.
        operator: String,
        /// Key as written.
        key: String,
        /// The condition's values.
        values: Vec<String>,
        /// The request's values.
        request_values: Vec<String>,
    },
}

impl std::fmt::Display for Miss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[String]| {
            v.iter()
                .map(|x| format!("`{x}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Miss::Resource { element, patterns } if *element == "NotResource" => {
                write!(
                    f,
                    "the resource is excluded by `NotResource` {}",
                    list(patterns)
                )
            }
            Miss::Resource { patterns, .. } => {
                write!(f, "the resource is not in `Resource` {}", list(patterns))
            }
            Miss::ConditionKeyAbsent { operator, key } => write!(
                f,
                "condition `{operator}` on `{key}`: the request has no `{key}`"
            ),
            Miss::ConditionValue {
                operator,
                key,
                values,
                request_values,
            } => write!(
                f,
                "condition `{operator}` on `{key}`: the request's {} does not satisfy {}",
                list(request_values),
                list(values)
            ),
        }
    }
}

/// For an `implicitDeny`, the Allow statements that name the action and
/// why each did not apply: the boundary's when the boundary blocked, else
/// the identity policies'. Empty for any other decision.
pub fn explain(
    ev: &Evaluation,
    req: &Request,
    identity: &[(&str, &Policy)],
    boundary: Option<(&str, &Policy)>,
) -> Vec<NearMiss> {
    if ev.decision != Decision::ImplicitDeny {
        return Vec::new();
    }
    let ctx = Context::new(&req.context);
    let looked_at: Vec<(&str, &Policy)> = if ev.boundary_blocked {
        boundary.into_iter().collect()
    } else {
        identity.to_vec()
    };
    let mut out = Vec::new();
    for (name, policy) in looked_at {
        for (i, st) in policy.statements().iter().enumerate() {
            if st.effect != Effect::Allow || !st.matches_action(&req.action) {
                continue;
            }
            let mut reasons = Vec::new();
            if !resource_applies(st, req, &ctx) {
                let (element, patterns) = match &st.resource {
                    Some(Element::Listed(p)) => ("Resource", p.clone()),
                    Some(Element::Not(p)) => ("NotResource", p.clone()),
                    None => ("Resource", Vec::new()),
                };
                reasons.push(Miss::Resource { element, patterns });
            }
            for c in st.condition_clauses() {
                if c.eval(&ctx) {
                    continue;
                }
                reasons.push(match ctx.get(&c.key_lower) {
                    None => Miss::ConditionKeyAbsent {
                        operator: c.operator_text.clone(),
                        key: c.key.clone(),
                    },
                    Some(got) => Miss::ConditionValue {
                        operator: c.operator_text.clone(),
                        key: c.key.clone(),
                        values: c.values.clone(),
                        request_values: got.to_vec(),
                    },
                });
            }
            out.push(NearMiss {
                statement: StatementRef::named(name, st, i),
                reasons,
            });
        }
    }
    out
}
