//! Permissions the role has beyond what the module asks for: each Allow
//! statement's action patterns expanded against the catalogue.

use std::collections::BTreeSet;

use super::{Finding, Kind, statement_label};
use crate::catalogue::Catalogue;
use crate::compile::Grant;
use crate::policy::coverage::action_covers;
use crate::policy::{Effect, Element, Policy};

/// Allow statements of the role that grant actions the module does not ask
/// for: each statement's action patterns expanded against the catalogue.
pub(super) fn excess(cat: &Catalogue, identity: &[Policy], allowed: &[&Grant]) -> Vec<Finding> {
    let needed = |name: &str| {
        allowed
            .iter()
            .any(|g| g.actions.iter().any(|a| action_covers(a, name)))
    };
    let mut out = Vec::new();
    for p in identity {
        for (i, s) in p.statements().iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let stmt = statement_label(s.sid.as_deref(), i);
            let (extra, how): (Vec<String>, &str) = match &s.action {
                Element::Not(except) => (
                    vec![format!("every action except {}", except.join(", "))],
                    "NotAction",
                ),
                Element::Listed(patterns) => {
                    let mut extra = BTreeSet::new();
                    for pat in patterns {
                        let matched = cat.matching(pat);
                        if matched.is_empty() && !needed(pat) {
                            // Not in the catalogue (newer than it, or a typo):
                            // still more than the manifest asks for.
                            extra.insert(pat.clone());
                        }
                        for a in matched {
                            if !needed(a.name) {
                                extra.insert(a.name.to_string());
                            }
                        }
                    }
                    (extra.into_iter().collect(), "Action")
                }
            };
            if extra.is_empty() {
                continue;
            }
            let shown: Vec<String> = extra.iter().take(8).map(|a| format!("`{a}`")).collect();
            let more = if extra.len() > 8 {
                format!(" and {} more", extra.len() - 8)
            } else {
                String::new()
            };
            let mut f = Finding::new(
                Kind::ExcessPermission,
                format!(
                    "statement `{stmt}` of `{}` allows {}{more}, which the module does not need ({how})",
                    p.name(),
                    shown.join(", ")
                ),
                format!(
                    "remove statement `{stmt}` from `{}` (or the policy from the role) unless your own tooling needs it; the module's stack grants everything it needs",
                    p.name()
                ),
            );
            f.policy = Some(p.name().to_string());
            f.statement = Some(stmt);
            out.push(f);
        }
    }
    out
}
