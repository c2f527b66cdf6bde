//! `rolesmith release [MODULE...]`, and the versioning step `build` runs
//! ([`versioned`]): both load the project, compile it and hand the result to
//! [`crate::version`], which judges it; this file only prints.
use std::path::PathBuf;

use clap::Args;

use super::project::Loaded;
use super::{Exit, Global};
use crate::version::{self, Built, VersionError};

/// Arguments of `release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Modules to release (all when none are named).
    pub modules: Vec<String>,
}

/// Prints every error and returns the exit code they call for.
pub(super) fn report(errors: Vec<VersionError>, what: &str) -> Exit {
    let finding = errors.iter().all(VersionError::is_finding);
    let n = errors.len();
    for e in errors {
        super::eprint_diagnostic(e);
    }
    super::eprint_error(format!(
        "{what} failed: {n} problem{}; nothing was written",
        if n == 1 { "" } else { "s" }
    ));
    if finding {
        Exit::Problems
    } else {
        Exit::Failure
    }
}

/// `build`'s versioning step: checks the compiled project against the
/// release ledger (frozen versions, additivity), prints the removals of new
/// major versions, and returns `l.files` plus the ledger, changelogs and
/// capability matrix. With `check`, also verifies every released file on disk.
pub(super) fn versioned(l: &Loaded, check: bool) -> Result<Vec<(PathBuf, Vec<u8>)>, Exit> {
    let built = Built {
        root: &l.root,
        project: &l.project,
        compiled: &l.compiled,
        outputs: &l.files,
    };
    let mut errors = Vec::new();
    let plan = match version::plan_build(&l.ledger, &built) {
        Ok(plan) => Some(plan),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    if check {
        errors.extend(version::verify_released_files(&l.root, &l.ledger));
    }
    let Some(plan) = plan.filter(|_| errors.is_empty()) else {
        return Err(report(errors, "build"));
    };
    for note in &plan.notes {
        super::print_out(&format!("{note}\n"));
    }
    let mut files = l.files.clone();
    files.extend(plan.files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// Runs `release`: 0 released (or already released), 1 stale `generated/`
/// or a change the ledger refuses, 2 unknown module or unreadable files.
pub fn run(g: &Global, a: &ReleaseArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let files = match versioned(&l, false) {
        Ok(f) => f,
        Err(exit) => return exit,
    };
    let built = Built {
        root: &l.root,
        project: &l.project,
        compiled: &l.compiled,
        outputs: &files,
    };
    match version::release(&l.ledger, &built, &a.modules) {
        Ok(outcome) => {
            let mut out = String::new();
            for (m, v) in &outcome.released {
                out.push_str(&format!("released `{m}` {v}\n"));
            }
            for (m, v) in &outcome.unchanged {
                out.push_str(&format!(
                    "`{m}` {v} is already released with the same files; nothing to do\n"
                ));
            }
            super::print_out(&out);
            // The index of review documents lists release status: rebuild so
            // `generated/` matches the new ledger (`build --check` stays green).
            super::build::run(g, &super::build::BuildArgs { check: false })
        }
        Err(errors) => report(errors, "release"),
    }
}
