//! Versioned, additive releases.
//!
//! - [`Ledger`] (`generated/releases.json`) records what each released
//!   module version froze: file digests, manifest digest, grants, parameters.
//! - [`plan_build`] is `build`'s hook: a released version's files must stay
//!   byte-identical; an unreleased version must respect semver against the
//!   last release below it, judged by meaning with `policy::coverage`
//!   ([`compare`]): patch grants the same, minor grants a superset, major may
//!   remove (the removals are listed). Parameters may only be added, with
//!   defaults, within a major version. It also returns the generated
//!   changelogs and capability matrix ([`history`]).
//! - [`release`] freezes versions; [`diff`] compares two versions.
//!
//! Pure except [`Ledger::load`], [`verify_released_files`], [`release`]
//! (writes the ledger atomically) and [`diff`]'s template reads.
// Errors are built once per failed command and carry the versions and
// permissions their messages name; boxing them would only obscure the variants.
#![expect(clippy::result_large_err, reason = "one error per failed command")]

pub mod compare;
pub mod history;
mod ledger;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use compare::{
    Bump, Comparison, FeatureChange, FeaturePermission, Permission, feature_changes,
};
pub use history::{Capabilities, capabilities, changelog, since};
pub use ledger::{FeatureInfo, LEDGER_FILE, Ledger, ParameterInfo, Release};

use crate::compile::{CompiledModule, GENERATED_DIR};
use crate::manifest::{Module, Project};

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

/// Why a versioning step cannot go ahead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum VersionError {
    /// The ledger exists but cannot be read.
    #[error("cannot read the release ledger `{}`: {message}", path.display())]
    #[diagnostic(
        code(rolesmith::version::ledger_unreadable),
        help("check the file's permissions")
    )]
    LedgerUnreadable {
        /// Ledger path.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
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
        "`{module}` {version} is released and its files would change ({}); bump to {suggestion} ({})",
        names(files), bump.reason()
    )]
    #[diagnostic(
        code(rolesmith::version::frozen),
        help("set `version: {suggestion}` in the module's manifest, or undo the change")
    )]
    Frozen {
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
        "`{module}` {version} is a {} version after {previous} but {}: {}; bump to {suggestion} ({})",
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
        "`{module}` {version} is a {} version after {previous} but breaks stack updates: {}; bump to {suggestion} (parameters may only be added, with defaults, within a major version)",
        step.as_str(), problems.join("; ")
    )]
    #[diagnostic(
        code(rolesmith::version::parameters),
        help(
            "keep the parameters of {previous} (give new ones a `default`), or set `version: {suggestion}`"
        )
    )]
    Parameters {
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
    /// A file needed by `diff` cannot be read.
    #[error("cannot read `{}`: {message}", path.display())]
    #[diagnostic(
        code(rolesmith::version::unreadable),
        help("restore the released files from version control")
    )]
    Unreadable {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// Writing the ledger failed.
    #[error("cannot write `{}`: {message}", path.display())]
    #[diagnostic(
        code(rolesmith::version::write),
        help("check that the folder exists and is writable")
    )]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
}

impl VersionError {
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

/// The version a change of size `bump` from `from` should get: one past
/// the highest release of the same line, so it is never taken already.
pub fn suggest(
    ledger: &Ledger,
    module: &str,
    from: &semver::Version,
    bump: Bump,
) -> semver::Version {
    let releases = ledger.releases(module);
    let highest = |keep: &dyn Fn(&semver::Version) -> bool| {
        releases
            .iter()
            .map(|r| &r.version)
            .filter(|v| keep(v))
            .chain(std::iter::once(from))
            .max()
            .cloned()
            .unwrap_or_else(|| from.clone())
    };
    match bump {
        Bump::Patch => {
            let h = highest(&|v| v.major == from.major && v.minor == from.minor);
            semver::Version::new(h.major, h.minor, h.patch + 1)
        }
        Bump::Minor => {
            let h = highest(&|v| v.major == from.major);
            semver::Version::new(h.major, h.minor + 1, 0)
        }
        Bump::Major => {
            let h = highest(&|_| true);
            semver::Version::new(h.major + 1, 0, 0)
        }
    }
}

/// A compiled project and every file `build` writes for it: what the
/// versioning steps read.
#[derive(Debug, Clone, Copy)]
pub struct Built<'a> {
    /// Project root (folder of `rolesmith.yaml`).
    pub root: &'a Path,
    /// The validated project.
    pub project: &'a Project,
    /// Every module, compiled.
    pub compiled: &'a [CompiledModule],
    /// Every file `build` writes, paths relative to the root (`generated/...`).
    pub outputs: &'a [(PathBuf, Vec<u8>)],
}

/// What the versioning stage adds to `build`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BuildPlan {
    /// Files to write with the compiler's (paths relative to the project
    /// root): changelogs, the capability matrix and the ledger as it stands.
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Lines for stdout: what each new major version removes.
    pub notes: Vec<String>,
}

fn module_of<'p>(project: &'p Project, id: &str) -> Option<&'p Module> {
    project.modules.iter().find(|m| m.id == id)
}

/// The release record each compiled module would get now, by module id.
fn current_releases(
    project: &Project,
    compiled: &[CompiledModule],
    outputs: &[(PathBuf, Vec<u8>)],
) -> Vec<(String, Release)> {
    compiled
        .iter()
        .filter_map(|c| {
            module_of(project, &c.module).map(|m| (c.module.clone(), Release::of(m, c, outputs)))
        })
        .collect()
}

/// Checks one module's current version against the ledger; `Ok` holds the
/// removal notes of a major version.
fn check_module(ledger: &Ledger, module: &str, now: &Release) -> Result<Vec<String>, VersionError> {
    if let Some(released) = ledger.get(module, &now.version) {
        if released.files == now.files {
            return Ok(Vec::new());
        }
        let mut files: Vec<String> = released
            .files
            .iter()
            .filter(|(p, d)| now.files.get(*p) != Some(*d))
            .map(|(p, _)| p.clone())
            .collect();
        files.extend(
            now.files
                .keys()
                .filter(|p| !released.files.contains_key(*p))
                .cloned(),
        );
        let bump = Comparison::of(released, now).needed();
        return Err(VersionError::Frozen {
            module: module.to_string(),
            version: now.version.clone(),
            files,
            bump,
            suggestion: suggest(ledger, module, &now.version, bump),
        });
    }
    let Some(prev) = ledger.previous(module, &now.version) else {
        return Ok(Vec::new());
    };
    let cmp = Comparison::of(prev, now);
    let step = Bump::between(&prev.version, &now.version);
    let needed = cmp.needed();
    if step == Bump::Major {
        return Ok(cmp
            .lost
            .iter()
            .map(|p| {
                format!(
                    "`{module}` {} removes {p}, granted by {}",
                    now.version, prev.version
                )
            })
            .chain(cmp.parameters_removed.iter().map(|p| {
                format!(
                    "`{module}` {} removes parameter `{p}` (declared by {})",
                    now.version, prev.version
                )
            }))
            .collect());
    }
    if cmp.breaks_parameters() {
        let mut problems = Vec::new();
        problems.extend(
            cmp.parameters_removed
                .iter()
                .map(|p| format!("parameter `{p}` removed")),
        );
        problems.extend(
            cmp.parameters_added_without_default
                .iter()
                .map(|p| format!("parameter `{p}` added without a default")),
        );
        problems.extend(
            cmp.parameters_lost_default
                .iter()
                .map(|p| format!("parameter `{p}` lost its default")),
        );
        return Err(VersionError::Parameters {
            module: module.to_string(),
            version: now.version.clone(),
            previous: prev.version.clone(),
            step,
            problems,
            suggestion: suggest(ledger, module, &prev.version, Bump::Major),
        });
    }
    if needed > step {
        return Err(VersionError::NotAdditive {
            module: module.to_string(),
            version: now.version.clone(),
            previous: prev.version.clone(),
            step,
            needed,
            lost: cmp.lost,
            gained: cmp.gained,
            suggestion: suggest(ledger, module, &prev.version, needed),
        });
    }
    Ok(Vec::new())
}

/// `build`'s versioning step. `built.outputs` are the compiler's files. Refuses changes to
/// released versions and non-additive minor/patch versions (every module's
/// problems at once); returns the generated history files and the removal
/// notes of new major versions. Never asks to delete anything: older
/// released versions' files stay as they are.
pub fn plan_build(ledger: &Ledger, built: &Built<'_>) -> Result<BuildPlan, Vec<VersionError>> {
    let now = current_releases(built.project, built.compiled, built.outputs);
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    for (m, r) in &now {
        match check_module(ledger, m, r) {
            Ok(n) => notes.extend(n),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(BuildPlan {
        files: history_files(ledger, &now),
        notes,
    })
}

/// Changelogs (every module released or in the project), the capability
/// matrix and the ledger, paths relative to the project root. Nothing when
/// no module was ever released, so a project that does not use releases
/// gets no extra files.
fn history_files(ledger: &Ledger, now: &[(String, Release)]) -> Vec<(PathBuf, Vec<u8>)> {
    let generated = Path::new(GENERATED_DIR);
    let mut files = Vec::new();
    if ledger.modules().next().is_none() {
        return files;
    }
    let mut ids: Vec<&str> = ledger.modules().collect();
    ids.extend(now.iter().map(|(m, _)| m.as_str()));
    ids.sort_unstable();
    ids.dedup();
    for m in ids {
        let current = now
            .iter()
            .find(|(id, r)| id == m && ledger.get(m, &r.version).is_none())
            .map(|(_, r)| r);
        let text = changelog(m, &ledger.releases(m), current);
        files.push((
            generated.join(m).join(history::CHANGELOG_FILE),
            text.into_bytes(),
        ));
    }
    files.push((
        generated.join(history::CAPABILITIES_FILE),
        capabilities(ledger).to_bytes(),
    ));
    files.push((generated.join(LEDGER_FILE), ledger.to_bytes()));
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// Every released file, checked on disk against its ledger digest (for
/// `build --check` and `release`). `root` is the project root.
pub fn verify_released_files(root: &Path, ledger: &Ledger) -> Vec<VersionError> {
    let mut errors = Vec::new();
    for m in ledger.modules() {
        for r in ledger.releases(m) {
            for (path, digest) in &r.files {
                let state = match std::fs::read(root.join(GENERATED_DIR).join(path)) {
                    Ok(bytes) if &crate::manifest::digest(&bytes) == digest => continue,
                    Ok(_) => "differs from its released digest",
                    Err(_) => "is missing",
                };
                errors.push(VersionError::ReleasedFileChanged {
                    module: m.to_string(),
                    version: r.version.clone(),
                    path: path.clone(),
                    state: state.to_string(),
                });
            }
        }
    }
    errors
}

/// Paths (relative to the project root) of every released file, so a
/// stale-file check knows they belong in `generated/`.
pub fn released_paths(ledger: &Ledger) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = ledger
        .modules()
        .flat_map(|m| ledger.releases(m))
        .flat_map(|r| r.files.keys())
        .map(|p| Path::new(GENERATED_DIR).join(p))
        .collect();
    out.sort();
    out
}

/// What `release` did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleaseOutcome {
    /// `(module, version)` newly released.
    pub released: Vec<(String, semver::Version)>,
    /// `(module, version)` already released with the same files.
    pub unchanged: Vec<(String, semver::Version)>,
}

/// Freezes the current version of `modules` (every module when empty).
///
/// `built.outputs` must be every file `build` writes, the versioning files
/// included (what [`plan_build`] returned). Requires `generated/` to hold
/// exactly those bytes and every released file to be intact; writes the new
/// ledger, changelogs and capability matrix together, atomically.
pub fn release(
    ledger: &Ledger,
    built: &Built<'_>,
    modules: &[String],
) -> Result<ReleaseOutcome, Vec<VersionError>> {
    let Built {
        root,
        project,
        compiled,
        outputs,
    } = *built;
    let known: Vec<String> = project.modules.iter().map(|m| m.id.clone()).collect();
    let unknown: Vec<VersionError> = modules
        .iter()
        .filter(|m| !known.contains(m))
        .map(|m| VersionError::UnknownModule {
            module: m.clone(),
            known: known.clone(),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let mut errors = verify_released_files(root, ledger);
    let stale: Vec<String> = outputs
        .iter()
        .filter(|(p, b)| std::fs::read(root.join(p)).ok().as_ref() != Some(b))
        .map(|(p, _)| ledger::rel_text(p))
        .collect();
    if !stale.is_empty() {
        errors.push(VersionError::Stale { files: stale });
    }
    let now = current_releases(project, compiled, outputs);
    for (m, r) in &now {
        if let Err(e) = check_module(ledger, m, r) {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut next = ledger.clone();
    let mut outcome = ReleaseOutcome::default();
    for (m, r) in now {
        if !modules.is_empty() && !modules.contains(&m) {
            continue;
        }
        if ledger.get(&m, &r.version).is_some() {
            outcome.unchanged.push((m, r.version));
        } else {
            outcome.released.push((m.clone(), r.version.clone()));
            next.insert(&m, r);
        }
    }
    if outcome.released.is_empty() {
        return Ok(outcome);
    }
    let now = current_releases(project, compiled, outputs);
    let files: Vec<(PathBuf, Vec<u8>)> = history_files(&next, &now)
        .into_iter()
        .map(|(p, b)| (root.join(p), b))
        .collect();
    crate::fsutil::write_all_atomic(&files).map_err(|e| {
        vec![VersionError::Write {
            path: e.path,
            message: e.source.to_string(),
        }]
    })?;
    Ok(outcome)
}

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

/// Compares two versions of `module`: `from` defaults to the last release
/// before `to`, `to` to the manifest's current version. Released versions
/// come from the ledger and their frozen template under `generated/`; the
/// current version from `current`.
pub fn diff(
    ledger: &Ledger,
    built: &Built<'_>,
    module: &str,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<VersionDiff, VersionError> {
    let Built {
        root,
        project,
        compiled,
        outputs,
    } = *built;
    let known: Vec<String> = project.modules.iter().map(|m| m.id.clone()).collect();
    let unknown = || VersionError::UnknownModule {
        module: module.to_string(),
        known: known.clone(),
    };
    let (Some(m), Some(c)) = (
        module_of(project, module),
        compiled.iter().find(|c| c.module == module),
    ) else {
        return Err(unknown());
    };
    let current = Release::of(m, c, outputs);
    let template_path = |v: &semver::Version| {
        Path::new(GENERATED_DIR)
            .join(module)
            .join(v.to_string())
            .join("template.json")
    };
    let current_template = outputs
        .iter()
        .find(|(p, _)| p == &template_path(&c.version))
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    let resolve = |text: &str| -> Result<semver::Version, VersionError> {
        let bad = || VersionError::UnknownVersion {
            module: module.to_string(),
            version: text.to_string(),
            released: ledger
                .releases(module)
                .iter()
                .map(|r| r.version.to_string())
                .collect(),
            current: c.version.to_string(),
        };
        let v = semver::Version::parse(text.trim_start_matches('v')).map_err(|_| bad())?;
        if v == c.version || ledger.get(module, &v).is_some() {
            Ok(v)
        } else {
            Err(bad())
        }
    };
    let to_v = match to {
        Some(t) => resolve(t)?,
        None => c.version.clone(),
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
    // A released version is what was frozen; the current one, if unreleased, is what builds now.
    let side = |v: &semver::Version| -> Result<(Release, String), VersionError> {
        match ledger.get(module, v) {
            Some(r) => {
                let text = std::fs::read_to_string(root.join(template_path(v))).map_err(|e| {
                    VersionError::Unreadable {
                        path: template_path(v),
                        message: e.to_string(),
                    }
                })?;
                Ok((r.clone(), text))
            }
            None => Ok((current.clone(), current_template.clone())),
        }
    };
    let (old, old_text) = side(&from_v)?;
    let (new, new_text) = side(&to_v)?;
    let cmp = Comparison::of(&old, &new);
    let mut added = cmp.parameters_added.clone();
    added.extend(cmp.parameters_added_without_default.iter().cloned());
    added.sort();
    let template_diff = similar::TextDiff::from_lines(&old_text, &new_text)
        .unified_diff()
        .context_radius(3)
        .header(
            &ledger::rel_text(&template_path(&from_v)),
            &ledger::rel_text(&template_path(&to_v)),
        )
        .to_string();
    Ok(VersionDiff {
        module: module.to_string(),
        from: from_v.to_string(),
        to: to_v.to_string(),
        features: feature_changes(&old.grants, &new.grants),
        parameters: ParameterChanges {
            added,
            removed: cmp.parameters_removed,
        },
        template_diff,
    })
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
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }
}
