//! History for people and programs, derived from the ledger: the Markdown
//! changelog of a module, the capability matrix the product reads to know
//! which features a tenant on an old stack can use, and each feature's
//! "since" version. Pure functions of the ledger (and, for the changelog and
//! [`since`], of the current unreleased version), so `build` regenerates them
//! and `build --check` can compare them.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::compare::{Bump, Delta, FeatureChange, feature_changes};
use super::{Ledger, Release};
use crate::compile::{CompiledModule, Grant};

/// Feature ids of a grant list, first-seen order.
fn feature_ids(grants: &[Grant]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for g in grants {
        if !ids.contains(&g.feature) {
            ids.push(g.feature.clone());
        }
    }
    ids
}

/// For each feature of `reference`, the first version of `history`
/// (ascending) in which it is available.
///
/// A feature is available in a version when that version grants what the
/// feature needed *in that version*: every version grants its own
/// features, so it is the first version that has the feature. Judging an
/// old version by what the latest release needs would mark a feature that a
/// later release extended as missing from the versions before, as if their
/// tenants could not use it at all; what an older version lacks of a newer
/// one is drift's `version_behind` (permission by permission).
fn since_in(
    reference: &[Grant],
    history: &[(&semver::Version, &[Grant])],
) -> BTreeMap<String, semver::Version> {
    let mut out = BTreeMap::new();
    for f in feature_ids(reference) {
        if let Some((v, _)) = history
            .iter()
            .find(|(_, grants)| grants.iter().any(|g| g.feature == f))
        {
            out.insert(f, (*v).clone());
        }
    }
    out
}

/// Each feature of `current` with the first version that has it (released
/// versions below the current one, then the current one itself, released or
/// not): see [`since_in`].
pub fn since(
    ledger: &Ledger,
    module: &str,
    current: &CompiledModule,
) -> BTreeMap<String, semver::Version> {
    let mut history: Vec<(&semver::Version, &[Grant])> = ledger
        .releases(module)
        .into_iter()
        .filter(|r| r.version < current.version)
        .map(|r| (&r.version, r.grants.as_slice()))
        .collect();
    history.push((&current.version, current.grants.as_slice()));
    since_in(&current.grants, &history)
}

/// The capability matrix (`generated/capabilities.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Capabilities {
    /// Per module with at least one release.
    pub modules: BTreeMap<String, ModuleCapabilities>,
}

/// One module's capabilities across its released versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModuleCapabilities {
    /// Highest released version.
    pub latest: String,
    /// Features of the latest release: description and "since" version.
    pub features: BTreeMap<String, FeatureSince>,
    /// Every released version, ascending, with the features of the latest
    /// release available in it.
    pub versions: Vec<VersionCapabilities>,
}

/// A feature of the latest release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureSince {
    /// What the feature is for.
    pub description: String,
    /// First released version in which the feature is available (grants
    /// what the feature needed in that version).
    pub since: String,
}

/// The features available in one released version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionCapabilities {
    /// The version.
    pub version: String,
    /// Ids of the latest release's features that this version has (it grants
    /// what each needed in this version), sorted.
    pub features: Vec<String>,
}

/// The capability matrix of every released module.
pub fn capabilities(ledger: &Ledger) -> Capabilities {
    let mut modules = BTreeMap::new();
    for m in ledger.modules() {
        let releases = ledger.releases(m);
        // Stored by `release`; valid while no release was added since.
        let stored = ledger
            .stored_capabilities(m)
            .filter(|c| fresh(c, &releases))
            .cloned();
        if let Some(c) = stored.or_else(|| module_capabilities(&releases)) {
            modules.insert(m.to_string(), c);
        }
    }
    Capabilities { modules }
}

/// Whether stored capabilities describe exactly these releases.
fn fresh(c: &ModuleCapabilities, releases: &[&Release]) -> bool {
    c.versions.len() == releases.len()
        && c.versions
            .iter()
            .zip(releases)
            .all(|(v, r)| v.version == r.version.to_string())
}

/// One module's capabilities across its releases (ascending); `None` when
/// it has none.
pub(super) fn module_capabilities(releases: &[&Release]) -> Option<ModuleCapabilities> {
    let latest = releases.last()?;
    let history: Vec<(&semver::Version, &[Grant])> = releases
        .iter()
        .map(|r| (&r.version, r.grants.as_slice()))
        .collect();
    let since = since_in(&latest.grants, &history);
    let ids = feature_ids(&latest.grants);
    let features = since
        .iter()
        .map(|(f, v)| {
            (
                f.clone(),
                FeatureSince {
                    description: latest
                        .feature_description(f)
                        .unwrap_or_default()
                        .to_string(),
                    since: v.to_string(),
                },
            )
        })
        .collect();
    let versions = releases
        .iter()
        .map(|r| {
            let mut features: Vec<String> = ids
                .iter()
                .filter(|f| r.grants.iter().any(|g| &g.feature == *f))
                .cloned()
                .collect();
            features.sort();
            VersionCapabilities {
                version: r.version.to_string(),
                features,
            }
        })
        .collect();
    Some(ModuleCapabilities {
        latest: latest.version.to_string(),
        features,
        versions,
    })
}

impl Capabilities {
    /// The file's bytes: pretty JSON, trailing newline.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        crate::json::pretty(self).map(String::into_bytes)
    }
}

/// Markdown lines for one feature change.
fn change_lines(out: &mut String, c: &FeatureChange, description: Option<&str>, first: bool) {
    match description {
        Some(d) => {
            let _ = writeln!(out, "- `{}` ({}):", c.feature, d.trim());
        }
        None => {
            let _ = writeln!(out, "- `{}`:", c.feature);
        }
    }
    let gained = if first { "grants" } else { "gained" };
    for p in &c.added {
        let _ = writeln!(out, "  - {gained} {p}");
    }
    for p in &c.removed {
        let _ = writeln!(out, "  - lost {p}");
    }
}

/// The Markdown changelog of a module: newest version first; `current` is
/// the manifest's version when it is not released yet.
pub fn changelog(module: &str, releases: &[&Release], current: Option<&Release>) -> String {
    let mut all: Vec<&Release> = releases.to_vec();
    if let Some(c) = current {
        all.push(c);
        all.sort_by(|a, b| a.version.cmp(&b.version));
    }
    let mut out = String::new();
    let _ = writeln!(out, "# Changelog of `{module}`\n");
    let _ = writeln!(
        out,
        "Generated by rolesmith from the release ledger (`generated/releases.json`); do not edit.\n"
    );
    for (i, r) in all.iter().enumerate().rev() {
        let unreleased = current.is_some_and(|c| c.version == r.version);
        let mark = if unreleased { " (unreleased)" } else { "" };
        let _ = writeln!(out, "## {}{mark}\n", r.version);
        let Some(prev) = i.checked_sub(1).and_then(|j| all.get(j)) else {
            let _ = writeln!(out, "First release.\n");
            for c in feature_changes(&[], &r.grants) {
                change_lines(&mut out, &c, r.feature_description(&c.feature), true);
            }
            out.push('\n');
            continue;
        };
        let delta = Delta::of(prev, r);
        let step = Bump::between(&prev.version, &r.version);
        let _ = writeln!(
            out,
            "{} version after {}: {}.\n",
            capitalise(step.as_str()),
            prev.version,
            match delta.needed {
                Bump::Patch => "grants exactly the same",
                Bump::Minor => "grants everything it granted, and more",
                Bump::Major => "removes or narrows permissions",
            }
        );
        let changes = &delta.features;
        for c in changes {
            change_lines(&mut out, c, r.feature_description(&c.feature), false);
        }
        for p in &delta.parameters_added {
            let _ = writeln!(out, "- parameter `{p}` added (with a default)");
        }
        for p in &delta.parameters_added_without_default {
            let _ = writeln!(
                out,
                "- parameter `{p}` added (no default: stack updates must give it)"
            );
        }
        for p in &delta.parameters_removed {
            let _ = writeln!(out, "- parameter `{p}` removed");
        }
        for p in &delta.parameters_lost_default {
            let _ = writeln!(out, "- parameter `{p}` no longer has a default");
        }
        if changes.is_empty() && !delta.breaks_parameters() && delta.parameters_added.is_empty() {
            let _ = writeln!(out, "No permission changes.");
        }
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
        None => String::new(),
    }
}
