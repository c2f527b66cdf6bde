//! Comparing two versions' grants by what they grant, not by their text.
//!
//! Every (action, resource, conditions) of one version is a [`Permission`];
//! a permission is kept by another version when one of its grants covers it
//! according to `policy::coverage` (the matcher the evaluator and drift
//! detection use): the grant's action pattern covers the action, its
//! resource pattern covers the resource (a `${Param}` is an opaque value,
//! equal only to itself), and the permission's own conditions imply every
//! condition of the grant. So a narrowed resource, or a tightened, added or
//! changed condition, loses the permission; a wildcard that covers an old
//! action keeps it. Coverage by one grant at a time: sound, never claims a
//! permission is kept when it is not.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::compile::Grant;
use crate::iam::wildcard::has_wildcard;
use crate::manifest::Conditions;
use crate::policy::condition::Operator;
use crate::policy::coverage::{action_covers, clause_implied, resource_covers};

/// One action on one resource under the grant's conditions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Permission {
    /// Action (or justified action pattern).
    pub action: String,
    /// Resource, an `Fn::Sub` string.
    pub resource: String,
    /// Conditions it is granted under (empty: none).
    pub conditions: Conditions,
}

impl std::fmt::Display for Permission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` on `{}`", self.action, self.resource)?;
        if !self.conditions.is_empty() {
            let c = serde_json::to_string(&self.conditions).map_err(|_| std::fmt::Error)?;
            write!(f, " when `{c}`")?;
        }
        Ok(())
    }
}

/// A permission with the feature that grants it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct FeaturePermission {
    /// Feature id.
    pub feature: String,
    /// The permission.
    #[serde(flatten)]
    pub permission: Permission,
}

impl std::fmt::Display for FeaturePermission {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (feature `{}`)", self.permission, self.feature)
    }
}

/// What one feature gained and lost between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureChange {
    /// Feature id.
    #[serde(rename = "id")]
    pub feature: String,
    /// Permissions of the new version the old one did not grant to this feature.
    pub added: Vec<Permission>,
    /// Permissions of the old version the new one no longer grants to this feature.
    pub removed: Vec<Permission>,
}

/// Every permission of a list of grants, with its feature, sorted and unique.
pub fn permissions<'g>(grants: impl IntoIterator<Item = &'g Grant>) -> Vec<FeaturePermission> {
    let mut out = BTreeSet::new();
    for g in grants {
        for a in &g.actions {
            for r in &g.resources {
                out.insert(FeaturePermission {
                    feature: g.feature.clone(),
                    permission: Permission {
                        action: a.clone(),
                        resource: r.clone(),
                        conditions: g.conditions.clone(),
                    },
                });
            }
        }
    }
    out.into_iter().collect()
}

/// Does this grant give everything the permission asks for?
pub fn grant_covers(g: &Grant, p: &Permission) -> bool {
    g.actions.iter().any(|a| action_covers(a, &p.action))
        && g.resources.iter().any(|r| resource_covers(r, &p.resource))
        && conditions_implied(&g.conditions, &p.conditions)
}

/// Every request that satisfies `held` satisfies `required` (an unknown
/// operator is never implied: unsure answers say "not covered").
fn conditions_implied(required: &Conditions, held: &Conditions) -> bool {
    required.iter().all(|(op_text, keys)| {
        let Some(op) = Operator::parse(op_text) else {
            return false;
        };
        keys.iter()
            .all(|(key, values)| clause_implied(&op, key, values, held))
    })
}

/// A grant list prepared for many "is this permission granted?" questions.
///
/// Between two versions of a module nearly every permission is kept word
/// for word, so an exact (action, resource, conditions) hit answers most
/// questions with one hash lookup; only the rest are asked of
/// `policy::coverage`, and only of the grants that name the action or
/// carry an action pattern. An exact hit is used only where
/// coverage itself would say yes: the grant's action and resource cover
/// themselves and its conditions imply themselves (checked once, here), so
/// the answers are exactly [`grant_covers`]'s.
pub struct Granted<'g> {
    exact: HashSet<(&'g str, &'g str, &'g Conditions)>,
    /// Grants by each literal action they name (lower-case, as IAM compares
    /// actions): a literal action covers only itself.
    by_action: HashMap<String, Vec<&'g Grant>>,
    /// Grants with an action pattern (`*`, `?`): they may cover anything.
    patterned: Vec<&'g Grant>,
}

impl<'g> Granted<'g> {
    /// Indexes `grants`.
    pub fn new(grants: impl IntoIterator<Item = &'g Grant>) -> Granted<'g> {
        let mut exact = HashSet::new();
        let mut by_action: HashMap<String, Vec<&'g Grant>> = HashMap::new();
        let mut patterned = Vec::new();
        for g in grants {
            if g.actions.iter().any(|a| has_wildcard(a)) {
                patterned.push(g);
            }
            for a in g.actions.iter().filter(|a| !has_wildcard(a)) {
                by_action.entry(a.to_ascii_lowercase()).or_default().push(g);
            }
            if !conditions_implied(&g.conditions, &g.conditions) {
                continue;
            }
            let resources: Vec<&str> = g
                .resources
                .iter()
                .filter(|r| covers_itself(r, Coverage::Resource))
                .map(String::as_str)
                .collect();
            for a in g
                .actions
                .iter()
                .filter(|a| covers_itself(a, Coverage::Action))
            {
                for r in &resources {
                    exact.insert((a.as_str(), *r, &g.conditions));
                }
            }
        }
        Granted {
            exact,
            by_action,
            patterned,
        }
    }

    /// Is the permission granted by one of the grants?
    pub fn covers(&self, p: &Permission) -> bool {
        if self
            .exact
            .contains(&(p.action.as_str(), p.resource.as_str(), &p.conditions))
        {
            return true;
        }
        // Only grants that name the action, or have a pattern, can cover it.
        let named = self.by_action.get(&p.action.to_ascii_lowercase());
        named
            .into_iter()
            .flatten()
            .chain(self.patterned.iter())
            .any(|g| grant_covers(g, p))
    }
}

/// Which coverage question [`covers_itself`] asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Coverage {
    Resource,
    Action,
}

/// Does a pattern cover itself? Text without `*` or `?` always does (a
/// literal, or an opaque `${...}` equal only to itself); a pattern is asked.
///
/// Remembered per thread: the same patterns come back in every release's
/// grants, and asking costs two pattern compilations and an inclusion walk
/// (the answer depends on the text alone).
fn covers_itself(p: &str, what: Coverage) -> bool {
    thread_local! {
        static KNOWN: std::cell::RefCell<HashMap<(String, Coverage), bool>> =
            std::cell::RefCell::new(HashMap::new());
    }
    if !has_wildcard(p) {
        return true;
    }
    let key = (p.to_string(), what);
    let covers = match what {
        Coverage::Resource => resource_covers,
        Coverage::Action => action_covers,
    };
    if let Some(known) = KNOWN.with(|k| k.borrow().get(&key).copied()) {
        return known;
    }
    let answer = covers(p, p);
    KNOWN.with(|k| k.borrow_mut().insert(key, answer));
    answer
}

/// Permissions of `old` that no grant of `new` covers (whatever its feature:
/// a permission that moved to another feature is not lost for the role).
pub fn lost<'g>(
    old: impl IntoIterator<Item = &'g Grant>,
    new: impl IntoIterator<Item = &'g Grant>,
) -> Vec<FeaturePermission> {
    let new = Granted::new(new);
    permissions(old)
        .into_iter()
        .filter(|p| !new.covers(&p.permission))
        .collect()
}

/// Per feature, what `new` added and removed compared with `old`, judged by
/// coverage within the feature. Features in `new`'s order, then features
/// only `old` had; only features that changed are listed.
pub fn feature_changes<'g>(old: &'g [Grant], new: &'g [Grant]) -> Vec<FeatureChange> {
    let mut ids: Vec<&str> = Vec::new();
    for g in new.iter().chain(old.iter()) {
        if !ids.contains(&g.feature.as_str()) {
            ids.push(&g.feature);
        }
    }
    let of = |grants: &'g [Grant], id: &str| -> Vec<&'g Grant> {
        grants.iter().filter(|g| g.feature == id).collect()
    };
    let mut out = Vec::new();
    for id in ids {
        let (o, n) = (of(old, id), of(new, id));
        let removed: Vec<Permission> = lost(o.iter().copied(), n.iter().copied())
            .into_iter()
            .map(|p| p.permission)
            .collect();
        let added: Vec<Permission> = lost(n.iter().copied(), o.iter().copied())
            .into_iter()
            .map(|p| p.permission)
            .collect();
        if !added.is_empty() || !removed.is_empty() {
            out.push(FeatureChange {
                feature: id.to_string(),
                added,
                removed,
            });
        }
    }
    out
}

/// How big a version step is, or must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Bump {
    /// Same grants.
    Patch,
    /// Only additions.
    Minor,
    /// Removals or breaking parameter changes.
    Major,
}

impl Bump {
    /// The step from `from` to a higher `to`.
    pub fn between(from: &semver::Version, to: &semver::Version) -> Bump {
        if to.major != from.major {
            Bump::Major
        } else if to.minor != from.minor {
            Bump::Minor
        } else {
            Bump::Patch
        }
    }

    /// `patch`, `minor`, `major`.
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::Patch => "patch",
            Bump::Minor => "minor",
            Bump::Major => "major",
        }
    }

    /// Why a change needs this step (for messages).
    pub fn reason(self) -> &'static str {
        match self {
            Bump::Patch => "same grants",
            Bump::Minor => "added permissions",
            Bump::Major => "removed permissions",
        }
    }
}

/// Everything that changed for customers between two releases.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Comparison {
    /// Old permissions the new version does not grant.
    pub lost: Vec<FeaturePermission>,
    /// New permissions the old version did not grant.
    pub gained: Vec<FeaturePermission>,
    /// Parameters the new version no longer has.
    pub parameters_removed: Vec<String>,
    /// Parameters added without a default (an update without a value fails).
    pub parameters_added_without_default: Vec<String>,
    /// Parameters added with a default.
    pub parameters_added: Vec<String>,
    /// Parameters that had a default and lost it.
    pub parameters_lost_default: Vec<String>,
}

impl Comparison {
    /// Compares two releases (the new one may be unreleased).
    pub fn of(old: &super::Release, new: &super::Release) -> Comparison {
        let mut c = Comparison {
            lost: lost(&old.grants, &new.grants),
            gained: lost(&new.grants, &old.grants),
            ..Comparison::default()
        };
        for name in old.parameters.keys() {
            if !new.parameters.contains_key(name) {
                c.parameters_removed.push(name.clone());
            }
        }
        for (name, p) in &new.parameters {
            match old.parameters.get(name) {
                None if p.has_default => c.parameters_added.push(name.clone()),
                None => c.parameters_added_without_default.push(name.clone()),
                Some(o) if o.has_default && !p.has_default => {
                    c.parameters_lost_default.push(name.clone())
                }
                Some(_) => {}
            }
        }
        c
    }

    /// True when a customer's stack update could fail on parameters.
    pub fn breaks_parameters(&self) -> bool {
        !self.parameters_removed.is_empty()
            || !self.parameters_added_without_default.is_empty()
            || !self.parameters_lost_default.is_empty()
    }

    /// The smallest step that allows this change.
    pub fn needed(&self) -> Bump {
        if !self.lost.is_empty() || self.breaks_parameters() {
            Bump::Major
        } else if !self.gained.is_empty() {
            Bump::Minor
        } else {
            Bump::Patch
        }
    }
}

/// What a release changed since the one before it: what its changelog
/// section says. Stored in the ledger when the release is made, so builds
/// read it instead of comparing every pair of releases again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delta {
    /// The release compared with (a delta for another one is stale).
    #[serde(with = "super::ledger::version_text")]
    pub previous: semver::Version,
    /// The smallest step the change allows.
    pub needed: Bump,
    /// Per changed feature, permissions added and removed.
    pub features: Vec<FeatureChange>,
    /// Parameters added with a default.
    pub parameters_added: Vec<String>,
    /// Parameters added without a default.
    pub parameters_added_without_default: Vec<String>,
    /// Parameters removed.
    pub parameters_removed: Vec<String>,
    /// Parameters that lost their default.
    pub parameters_lost_default: Vec<String>,
}

impl Delta {
    /// Compares `new` with `old`, the release before it.
    pub fn between(old: &super::Release, new: &super::Release) -> Delta {
        let cmp = Comparison::of(old, new);
        Delta {
            previous: old.version.clone(),
            needed: cmp.needed(),
            features: feature_changes(&old.grants, &new.grants),
            parameters_added: cmp.parameters_added,
            parameters_added_without_default: cmp.parameters_added_without_default,
            parameters_removed: cmp.parameters_removed,
            parameters_lost_default: cmp.parameters_lost_default,
        }
    }

    /// True when a customer's stack update could fail on parameters.
    pub fn breaks_parameters(&self) -> bool {
        !self.parameters_removed.is_empty()
            || !self.parameters_added_without_default.is_empty()
            || !self.parameters_lost_default.is_empty()
    }

    /// The stored delta of `new` when it was made against `old`, else computed.
    pub fn of(old: &super::Release, new: &super::Release) -> Delta {
        match &new.since_previous {
            Some(d) if d.previous == old.version => d.clone(),
            _ => Delta::between(old, new),
        }
    }
}
