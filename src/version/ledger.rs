//! The release ledger, `generated/releases.json`: per module, every released
//! version with the digest of each file it froze, the manifest digest, and
//! the grants and parameters it shipped, so history never depends on
//! re-reading old manifests. Written sorted and pretty, with a trailing
//! newline, so the same ledger is always the same bytes. The pipeline
//! reads and writes the file; this module only parses and prints it.
#![expect(clippy::result_large_err, reason = "one error per failed command")]

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::VersionError;
use super::history::ModuleCapabilities;
use crate::compile::{CompiledModule, Grant};
use crate::manifest::Module;

/// Format number written in the ledger; bumped only on incompatible changes.
pub const LEDGER_FORMAT: u32 = 1;

/// What a released version froze.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    /// The released version.
    #[serde(with = "version_text")]
    pub version: semver::Version,
    /// `sha256:<hex>` of the manifest it was built from.
    pub manifest_digest: String,
    /// Released files, paths relative to `generated/` (`m/1.0.0/template.json`),
    /// with their `sha256:<hex>` digests: what the customer deploys (the
    /// template). Ledgers written before issue 10 also list the review
    /// documents; those entries are ignored ([`Release::frozen_files`]) and
    /// dropped when `release` next writes the ledger.
    pub files: BTreeMap<String, String>,
    /// Parameters of that version's template.
    pub parameters: BTreeMap<String, ParameterInfo>,
    /// Features, in manifest order, with their descriptions.
    pub features: Vec<FeatureInfo>,
    /// The feature grants it shipped (self-audit grants excluded: they follow
    /// the policy split, not the product's features).
    pub grants: Vec<Grant>,
    /// The self-audit grants it shipped (empty: self-audit was off). Absent
    /// in ledgers written before they were recorded; the pipeline then reads
    /// them from the released template ([`Ledger::fill_self_audit`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_audit: Option<Vec<Grant>>,
    /// The compiler generation it was built at (absent: the first,
    /// [`crate::compile::FIRST_GENERATION`]); building it again uses the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u32>,
    /// What it changed since the release before it, stored by `release`
    /// (absent in older ledgers, and for a first release: then computed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub since_previous: Option<super::compare::Delta>,
}

/// A parameter as far as stack updates care.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParameterInfo {
    /// Whether the parameter has a default (an update without a value works).
    pub has_default: bool,
}

/// A feature's id and description.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureInfo {
    /// Feature id.
    pub id: String,
    /// Why the feature needs its permissions.
    pub description: String,
}

impl Release {
    /// The release record of a compiled module; `files` are the files it
    /// freezes (paths relative to `generated/`, `/`-separated) with their
    /// `sha256:<hex>` digests.
    pub fn of(
        module: &Module,
        compiled: &CompiledModule,
        files: BTreeMap<String, String>,
    ) -> Release {
        Release {
            version: compiled.version.clone(),
            manifest_digest: module.digest.clone(),
            files,
            parameters: module
                .parameters
                .iter()
                .map(|(n, p)| {
                    (
                        n.clone(),
                        ParameterInfo {
                            has_default: p.default.is_some(),
                        },
                    )
                })
                .collect(),
            features: module
                .features
                .iter()
                .map(|f| FeatureInfo {
                    id: f.id.clone(),
                    description: f.description.clone(),
                })
                .collect(),
            grants: compiled.grants.clone(),
            self_audit: Some(compiled.self_audit.clone()),
            generation: Some(compiled.generation),
            since_previous: None,
        }
    }

    /// The files this release froze: [`Release::files`] without the review
    /// documents older ledgers listed (documents are regenerated from the
    /// ledger, so documentation settings never force a version bump).
    pub fn frozen_files(&self) -> BTreeMap<&str, &str> {
        self.files
            .iter()
            .filter(|(p, _)| !is_document(p))
            .map(|(p, d)| (p.as_str(), d.as_str()))
            .collect()
    }

    /// Description of a feature of this release.
    pub fn feature_description(&self, id: &str) -> Option<&str> {
        self.features
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.description.as_str())
    }
}

/// File names of the review documents that ledgers written before issue 10
/// froze with the template (`m/1.0.0/REVIEW.md`, `m/1.0.0/review.html`).
const LEGACY_DOCUMENTS: [&str; 2] = ["REVIEW.md", "review.html"];

/// Is a ledger path one of the review documents older ledgers froze?
fn is_document(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|name| LEGACY_DOCUMENTS.contains(&name))
}

/// Every release of every module.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ledger {
    modules: BTreeMap<String, Vec<Release>>,
    /// Each module's capabilities as `release` last computed them (derived
    /// data, kept so builds need not recompute them over every release).
    capabilities: BTreeMap<String, ModuleCapabilities>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LedgerFile {
    format: u32,
    modules: BTreeMap<String, Vec<Release>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    capabilities: BTreeMap<String, ModuleCapabilities>,
}

impl Ledger {
    /// Parses ledger bytes (`path` is for messages only).
    #[expect(clippy::indexing_slicing, reason = "windows(2) gives two items")]
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Ledger, VersionError> {
        let bad = |message: String| VersionError::LedgerMalformed {
            path: path.to_path_buf(),
            message,
        };
        let file: LedgerFile = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        if file.format != LEDGER_FORMAT {
            return Err(bad(format!(
                "format {} is not the {LEDGER_FORMAT} this rolesmith reads",
                file.format
            )));
        }
        let mut modules = file.modules;
        for (m, releases) in &mut modules {
            releases.sort_by(|a, b| a.version.cmp(&b.version));
            if let Some(w) = releases.windows(2).find(|w| w[0].version == w[1].version) {
                return Err(bad(format!(
                    "module `{m}` lists version {} twice",
                    w[0].version
                )));
            }
        }
        Ok(Ledger {
            modules,
            capabilities: file.capabilities,
        })
    }

    /// The ledger as written: pretty JSON, sorted, trailing newline.
    pub fn to_bytes(&self) -> Result<Vec<u8>, serde_json::Error> {
        let file = LedgerFile {
            format: LEDGER_FORMAT,
            modules: self.modules.clone(),
            capabilities: self.capabilities.clone(),
        };
        crate::json::pretty(&file).map(String::into_bytes)
    }

    /// Modules that have at least one release, sorted.
    pub fn modules(&self) -> impl Iterator<Item = &str> {
        self.modules.keys().map(String::as_str)
    }

    /// Releases of a module, ascending by version (empty when none).
    pub fn releases(&self, module: &str) -> Vec<&Release> {
        self.modules
            .get(module)
            .map(|r| r.iter().collect())
            .unwrap_or_default()
    }

    /// Fills in the self-audit grants of releases recorded before ledgers
    /// held them, from each release's template as `read` returns it (a path
    /// relative to `generated/`); a release whose template cannot be read
    /// keeps `None` (its self-audit grants stay unknown).
    pub fn fill_self_audit(&mut self, read: &dyn Fn(&str) -> Option<Vec<u8>>) {
        for r in self.modules.values_mut().flat_map(|rs| rs.iter_mut()) {
            if r.self_audit.is_some() {
                continue;
            }
            r.self_audit = r
                .frozen_files()
                .keys()
                .find(|p| p.ends_with("/template.json"))
                .and_then(|p| read(p))
                .and_then(|bytes| crate::compile::template::self_audit_in(&bytes));
        }
    }

    /// The compiler generation to build `module` at `version` with: the one
    /// it was released at, or the latest for a version not released.
    pub fn generation(&self, module: &str, version: &semver::Version) -> u32 {
        match self.get(module, version) {
            Some(r) => r.generation.unwrap_or(crate::compile::FIRST_GENERATION),
            None => crate::compile::GENERATION,
        }
    }

    /// The release of exactly this version.
    pub fn get(&self, module: &str, version: &semver::Version) -> Option<&Release> {
        self.modules
            .get(module)?
            .iter()
            .find(|r| &r.version == version)
    }

    /// The last release strictly below `before`.
    pub fn previous(&self, module: &str, before: &semver::Version) -> Option<&Release> {
        self.modules
            .get(module)?
            .iter()
            .rev()
            .find(|r| &r.version < before)
    }

    /// The highest released version of a module.
    pub fn latest(&self, module: &str) -> Option<&Release> {
        self.modules.get(module)?.last()
    }

    /// Adds (or replaces) a release, keeping versions ascending, and stores
    /// each release's change since the one before it where it is missing or
    /// was made against another release (a lower version released later).
    pub fn insert(&mut self, module: &str, release: Release) {
        let list = self.modules.entry(module.to_string()).or_default();
        list.retain(|r| r.version != release.version);
        list.push(release);
        list.sort_by(|a, b| a.version.cmp(&b.version));
        for i in 1..list.len() {
            let (Some(prev), Some(r)) = (list.get(i - 1), list.get(i)) else {
                continue;
            };
            if r.since_previous.as_ref().map(|d| &d.previous) != Some(&prev.version) {
                let delta = super::compare::Delta::between(prev, r);
                if let Some(r) = list.get_mut(i) {
                    r.since_previous = Some(delta);
                }
            }
        }
        if let Some(first) = list.first_mut() {
            first.since_previous = None;
        }
        let releases: Vec<&Release> = list.iter().collect();
        match super::history::module_capabilities(&releases) {
            Some(c) => self.capabilities.insert(module.to_string(), c),
            None => self.capabilities.remove(module),
        };
    }

    /// Drops the review-document entries older ledgers froze (see
    /// [`Release::frozen_files`]); `release` calls it before writing.
    pub fn drop_documents(&mut self) {
        for r in self.modules.values_mut().flatten() {
            r.files.retain(|p, _| !is_document(p));
        }
    }

    /// Capabilities of `module` as `release` stored them (may be stale:
    /// see [`super::capabilities`]).
    pub fn stored_capabilities(&self, module: &str) -> Option<&ModuleCapabilities> {
        self.capabilities.get(module)
    }
}

/// Versions are written as text (`1.2.0`), as in manifests.
pub(super) mod version_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &semver::Version, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<semver::Version, D::Error> {
        let text = String::deserialize(d)?;
        semver::Version::parse(&text).map_err(serde::de::Error::custom)
    }
}
