//! The versioning step, as pure functions of the ledger and the release
//! records the current build would get: released versions stay frozen
//! ([`plan_build`]), unreleased ones respect semver against the last release
//! below them, [`release`] computes the next ledger, [`verify_released`]
//! checks released files given a way to read them.
#![expect(clippy::result_large_err, reason = "one error per failed command")]

use super::{Bump, Comparison, Ledger, Release, VersionError, history};

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

/// Checks one module's current version against the ledger; `Ok` holds the
/// removal notes of a major version.
fn check_module(ledger: &Ledger, module: &str, now: &Release) -> Result<Vec<String>, VersionError> {
    if let Some(released) = ledger.get(module, &now.version) {
        let (was, is) = (released.frozen_files(), now.frozen_files());
        if was == is {
            return Ok(Vec::new());
        }
        let mut files: Vec<String> = was
            .iter()
            .filter(|(p, d)| is.get(*p) != Some(*d))
            .map(|(p, _)| p.to_string())
            .collect();
        files.extend(
            is.keys()
                .filter(|p| !was.contains_key(*p))
                .map(|p| p.to_string()),
        );
        let bump = Comparison::of(released, now).needed();
        return Err(VersionError::Frozen {
            at: Default::default(),
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
            at: Default::default(),
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
            at: Default::default(),
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

/// `build`'s versioning step over `now`, the release record each module of
/// the project would get (module id, record). Refuses changes to released
/// versions and non-additive minor/patch versions (every module's problems
/// at once); returns the removal notes of new major versions. Never asks to
/// delete anything: older released versions' files stay as they are.
pub fn plan_build(
    ledger: &Ledger,
    now: &[(String, Release)],
) -> Result<Vec<String>, Vec<VersionError>> {
    let mut errors = Vec::new();
    let mut notes = Vec::new();
    for (m, r) in now {
        match check_module(ledger, m, r) {
            Ok(n) => notes.extend(n),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(notes)
    } else {
        Err(errors)
    }
}

/// Changelog text of every module released or in `now` (by module id,
/// sorted). Nothing when no module was ever released, so a project that
/// does not use releases gets no changelogs.
pub fn changelogs(ledger: &Ledger, now: &[(String, Release)]) -> Vec<(String, String)> {
    if ledger.modules().next().is_none() {
        return Vec::new();
    }
    let mut ids: Vec<&str> = ledger.modules().collect();
    ids.extend(now.iter().map(|(m, _)| m.as_str()));
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|m| {
            let current = now
                .iter()
                .find(|(id, r)| id == m && ledger.get(m, &r.version).is_none())
                .map(|(_, r)| r);
            (
                m.to_string(),
                history::changelog(m, &ledger.releases(m), current),
            )
        })
        .collect()
}

/// Every released file checked against its ledger digest. `read` gives a
/// file's bytes by its path relative to `generated/` (`None`: missing).
/// Only what the release froze is checked: review documents listed by
/// older ledgers are regenerated, not frozen ([`Release::frozen_files`]).
pub fn verify_released(
    ledger: &Ledger,
    read: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Vec<VersionError> {
    let mut errors = Vec::new();
    for m in ledger.modules() {
        for r in ledger.releases(m) {
            for (path, digest) in r.frozen_files() {
                let state = match read(path) {
                    Some(bytes) if crate::manifest::digest(&bytes) == digest => continue,
                    Some(_) => "differs from its released digest",
                    None => "is missing",
                };
                errors.push(VersionError::ReleasedFileChanged {
                    module: m.to_string(),
                    version: r.version.clone(),
                    path: path.to_string(),
                    state: state.to_string(),
                });
            }
        }
    }
    errors
}

/// What `release` did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReleaseOutcome {
    /// `(module, version)` newly released.
    pub released: Vec<(String, semver::Version)>,
    /// `(module, version)` already released with the same files.
    pub unchanged: Vec<(String, semver::Version)>,
}

/// The ledger after freezing the current version of `modules` (every
/// module of `now` when empty). `known` are the project's module ids. Every
/// module of `now` must pass the versioning step; the caller checks that
/// `generated/` holds the built files and that released files are intact.
pub fn release(
    ledger: &Ledger,
    now: &[(String, Release)],
    known: &[String],
    modules: &[String],
) -> Result<(Ledger, ReleaseOutcome), Vec<VersionError>> {
    let unknown: Vec<VersionError> = modules
        .iter()
        .filter(|m| !known.contains(m))
        .map(|m| VersionError::UnknownModule {
            module: m.clone(),
            known: known.to_vec(),
        })
        .collect();
    if !unknown.is_empty() {
        return Err(unknown);
    }
    let errors: Vec<VersionError> = now
        .iter()
        .filter_map(|(m, r)| check_module(ledger, m, r).err())
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut next = ledger.clone();
    next.drop_documents();
    let mut outcome = ReleaseOutcome::default();
    for (m, r) in now {
        if !modules.is_empty() && !modules.contains(m) {
            continue;
        }
        if ledger.get(m, &r.version).is_some() {
            outcome.unchanged.push((m.clone(), r.version.clone()));
        } else {
            outcome.released.push((m.clone(), r.version.clone()));
            next.insert(m, r.clone());
        }
    }
    Ok((next, outcome))
}
