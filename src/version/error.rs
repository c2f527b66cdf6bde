//! Why a versioning step cannot go ahead: one enum, matched by callers to
//! choose the exit code ([`VersionError::is_finding`]).

use std::path::PathBuf;

use super::{Bump, FeaturePermission};

/// Lists items as `a; b; c` for one-line messages.
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

fn names(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a module's manifest writes its `version`: what a versioning
/// problem points at (set by the pipeline, which knows the manifests;
/// empty when unknown).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ManifestAt {
    /// Manifest file, relative to the project root (`modules/x.yaml`).
    pub file: String,
    /// 1-based line (0: unknown).
    pub line: usize,
    /// 1-based column (0: unknown).
    pub column: usize,
}

impl std::fmt::Display for ManifestAt {
    /// `modules/x.yaml:3:10: `, or nothing when unknown (a message prefix).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.file.is_empty(), self.line) {
            (true, _) => Ok(()),
            (false, 0) => write!(f, "{}: ", self.file),
            (false, line) => write!(f, "{}:{line}:{}: ", self.file, self.column),
        }
    }
}

/// Why a versioning step cannot go ahead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum VersionError {
    /// The ledger is not what `release` writes.
    #[error("the release ledger `{}` is malformed: {message}", path.display())]
    #[diagnostic(
        code(rolesmith::version::ledger_malformed),
        help(
            "restore it from version control (`git checkout -- generated/releases.json`); it is written only by `rolesmith release`"
        )
    )]
    LedgerMalformed {
        /// Ledger path.
        path: PathBuf,
        /// What is wrong, with line and column.
        message: String,
    },
    /// A released version's files would change.
    #[error(
        "{at}`{module}` {version} is released and its files would change ({}); bump to {suggestion} ({})",
        names(files), bump.reason()
    )]
    #[diagnostic(
        code(rolesmith::version::frozen),
        help("set `version: {suggestion}` in the module's manifest, or undo the change")
    )]
    Frozen {
        /// Where the manifest writes the version.
        at: ManifestAt,
        /// Module id.
        module: String,
        /// The released version.
        version: semver::Version,
        /// Files (relative to `generated/`) that would differ.
        files: Vec<String>,
        /// The smallest step the change allows.
        bump: Bump,
        /// The version that step gives.
        suggestion: semver::Version,
    },
    /// A minor or patch version loses permissions or adds some in a patch.
    #[error(
        "{at}`{module}` {version} is a {} version after {previous} but {}: {}; bump to {suggestion} ({})",
        step.as_str(),
        if lost.is_empty() { "adds permissions" } else { "loses permissions" },
        if lost.is_empty() { list(gained) } else { list(lost) },
        needed.reason()
    )]
    #[diagnostic(
        code(rolesmith::version::not_additive),
        help(
            "set `version: {suggestion}` in the module's manifest, or make it grant what {previous} granted{}",
            if *step == Bump::Patch { ", no more and no less" } else { ", or more" }
        )
    )]
    NotAdditive {
        /// Where the manifest writes the version.
        at: ManifestAt,
        /// Module id.
        module: String,
        /// The new version.
        version: semver::Version,
        /// The last release below it.
        previous: semver::Version,
        /// The step the version numbers make.
        step: Bump,
        /// The step the change needs.
        needed: Bump,
        /// Permissions of `previous` it does not grant.
        lost: Vec<FeaturePermission>,
        /// Permissions it grants that `previous` did not.
        gained: Vec<FeaturePermission>,
        /// The version that would be allowed.
        suggestion: semver::Version,
    },
    /// A minor or patch version changes parameters in a way that breaks updates.
    #[error(
        "{at}`{module}` {version} is a {} version after {previous} but breaks stack updates: {}; bump to {suggestion} (parameters may only be added, with defaults, within a major version)",
        step.as_str(), problems.join("; ")
    )]
    #[diagnostic(
        code(rolesmith::version::parameters),
        help(
            "keep the parameters of {previous} (give new ones a `default`), or set `version: {suggestion}`"
        )
    )]
    Parameters {
        /// Where the manifest writes the version.
        at: ManifestAt,
        /// Module id.
        module: String,
        /// The new version.
        version: semver::Version,
        /// The last release below it.
        previous: semver::Version,
        /// The step the version numbers make.
        step: Bump,
        /// One phrase per parameter problem.
        problems: Vec<String>,
        /// The version that would be allowed.
        suggestion: semver::Version,
    },
    /// A released file on disk is not what was released.
    #[error("`{module}` {version} is released but `generated/{path}` {state}")]
    #[diagnostic(
        code(rolesmith::version::released_file),
        help("restore it from version control: `git checkout -- generated/{path}`")
    )]
    ReleasedFileChanged {
        /// Module id.
        module: String,
        /// Released version.
        version: semver::Version,
        /// Path relative to `generated/`.
        path: String,
        /// `is missing` or `differs from its released digest`.
        state: String,
    },
    /// A module name that the project does not have.
    #[error("unknown module `{module}`{}", if known.is_empty() { String::new() } else { format!(" (modules: {})", names(known)) })]
    #[diagnostic(
        code(rolesmith::version::unknown_module),
        help("name a module of `modules/`")
    )]
    UnknownModule {
        /// The name given.
        module: String,
        /// Known modules.
        known: Vec<String>,
    },
    /// A version that is neither released nor the current one.
    #[error("`{module}` has no version `{version}` (released: {}; current: {current})", if released.is_empty() { "none".to_string() } else { released.join(", ") })]
    #[diagnostic(
        code(rolesmith::version::unknown_version),
        help("name a released version or the manifest's current version")
    )]
    UnknownVersion {
        /// Module id.
        module: String,
        /// The version given.
        version: String,
        /// Released versions.
        released: Vec<String>,
        /// The manifest's version.
        current: String,
    },
    /// `diff` without FROM and nothing released before TO.
    #[error("`{module}` has no release before {to} to compare with")]
    #[diagnostic(
        code(rolesmith::version::nothing_before),
        help("name the version to compare from: `rolesmith diff {module} FROM`")
    )]
    NothingBefore {
        /// Module id.
        module: String,
        /// The version compared to.
        to: semver::Version,
    },
    /// `release` with `generated/` not up to date.
    #[error(
        "`generated/` is not up to date ({}); run `rolesmith build` before releasing",
        names(files)
    )]
    #[diagnostic(code(rolesmith::version::stale))]
    Stale {
        /// Stale files, relative to the project root.
        files: Vec<String>,
    },
}

impl VersionError {
    /// The module whose manifest's `version` the problem is about, and where
    /// that is written (to be filled in by who knows the manifests).
    pub fn manifest_at_mut(&mut self) -> Option<(&str, &mut ManifestAt)> {
        match self {
            VersionError::Frozen { module, at, .. }
            | VersionError::NotAdditive { module, at, .. }
            | VersionError::Parameters { module, at, .. } => Some((module.as_str(), at)),
            _ => None,
        }
    }

    /// Where the manifest writes the version the problem is about, when known.
    pub fn manifest_at(&self) -> Option<&ManifestAt> {
        match self {
            VersionError::Frozen { at, .. }
            | VersionError::NotAdditive { at, .. }
            | VersionError::Parameters { at, .. } => Some(at).filter(|a| !a.file.is_empty()),
            _ => None,
        }
    }

    /// True when the error is a finding (exit 1: a non-additive change, stale
    /// or altered files), false when the tool could not do its job (exit 2).
    pub fn is_finding(&self) -> bool {
        matches!(
            self,
            VersionError::Frozen { .. }
                | VersionError::NotAdditive { .. }
                | VersionError::Parameters { .. }
                | VersionError::ReleasedFileChanged { .. }
                | VersionError::Stale { .. }
        )
    }
}
