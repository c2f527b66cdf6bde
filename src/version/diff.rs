//! `rolesmith diff`: what changed between two versions of a module, from
//! their release records and template texts (the caller reads frozen
//! templates; this stays pure).
#![expect(clippy::result_large_err, reason = "one error per failed command")]

use serde::Serialize;

use super::{Comparison, FeatureChange, Ledger, Release, VersionError, feature_changes};

/// Changes of parameters between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ParameterChanges {
    /// Parameters only the newer version has.
    pub added: Vec<String>,
    /// Parameters only the older version has.
    pub removed: Vec<String>,
}

/// What changed between two versions of a module (`rolesmith diff`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionDiff {
    /// Module id.
    pub module: String,
    /// Older version.
    pub from: String,
    /// Newer version.
    pub to: String,
    /// Per changed feature, permissions added and removed.
    pub features: Vec<FeatureChange>,
    /// Parameters added and removed.
    pub parameters: ParameterChanges,
    /// Unified diff of the two templates.
    pub template_diff: String,
}

/// The two versions `diff` compares: `to` defaults to `current` (the
/// manifest's version), `from` to the last release before `to`; each must be
/// released or the current version.
pub fn resolve(
    ledger: &Ledger,
    module: &str,
    current: &semver::Version,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(semver::Version, semver::Version), VersionError> {
    let resolve = |text: &str| -> Result<semver::Version, VersionError> {
        let bad = || VersionError::UnknownVersion {
            module: module.to_string(),
            version: text.to_string(),
            released: ledger
                .releases(module)
                .iter()
                .map(|r| r.version.to_string())
                .collect(),
            current: current.to_string(),
        };
        let v = semver::Version::parse(text.trim_start_matches('v')).map_err(|_| bad())?;
        if v == *current || ledger.get(module, &v).is_some() {
            Ok(v)
        } else {
            Err(bad())
        }
    };
    let to_v = match to {
        Some(t) => resolve(t)?,
        None => current.clone(),
    };
    let from_v = match from {
        Some(f) => resolve(f)?,
        None => ledger
            .previous(module, &to_v)
            .map(|r| r.version.clone())
            .ok_or_else(|| VersionError::NothingBefore {
                module: module.to_string(),
                to: to_v.clone(),
            })?,
    };
    Ok((from_v, to_v))
}

/// One side of a diff: the version's release record and template.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// What the version grants and declares.
    pub release: &'a Release,
    /// The template text.
    pub template: &'a str,
    /// The template's path, for the diff header.
    pub path: &'a str,
}

/// Compares two versions of `module`.
pub fn diff(module: &str, old: Side<'_>, new: Side<'_>) -> VersionDiff {
    let cmp = Comparison::of(old.release, new.release);
    let mut added = cmp.parameters_added.clone();
    added.extend(cmp.parameters_added_without_default.iter().cloned());
    added.sort();
    let template_diff = similar::TextDiff::from_lines(old.template, new.template)
        .unified_diff()
        .context_radius(3)
        .header(old.path, new.path)
        .to_string();
    VersionDiff {
        module: module.to_string(),
        from: old.release.version.to_string(),
        to: new.release.version.to_string(),
        features: feature_changes(&old.release.grants, &new.release.grants),
        parameters: ParameterChanges {
            added,
            removed: cmp.parameters_removed,
        },
        template_diff,
    }
}

impl VersionDiff {
    /// The text report: per feature `+ action on resource` / `- ...`, the
    /// parameter changes, then the unified template diff.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "{} {} -> {}", self.module, self.from, self.to);
        if self.features.is_empty() {
            let _ = writeln!(out, "permissions: no change");
        }
        for f in &self.features {
            let _ = writeln!(out, "feature `{}`:", f.feature);
            for p in &f.added {
                let _ = writeln!(out, "  + {p}");
            }
            for p in &f.removed {
                let _ = writeln!(out, "  - {p}");
            }
        }
        for p in &self.parameters.added {
            let _ = writeln!(out, "parameter + `{p}`");
        }
        for p in &self.parameters.removed {
            let _ = writeln!(out, "parameter - `{p}`");
        }
        if self.template_diff.is_empty() {
            let _ = writeln!(out, "template: no change");
        } else {
            out.push('\n');
            out.push_str(&self.template_diff);
        }
        out
    }

    /// The JSON report, pretty, with a trailing newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        crate::json::pretty(self)
    }
}
