//! `rolesmith release [MODULE...]`, and the versioning step `build` runs
//! ([`versioned`]): both load the project, compile it and hand the result to
//! [`crate::version`], which judges it; this file only prints.
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Exit, Global};
use crate::manifest::Project;
use crate::version::{self, Built, Ledger, VersionError};
use crate::{compile, manifest};

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
/// major versions, and adds the ledger, changelogs and capability matrix to
/// `files`. With `check`, also verifies every released file on disk.
pub(super) fn versioned(
    root: &Path,
    project: &Project,
    mut files: Vec<(PathBuf, Vec<u8>)>,
    check: bool,
) -> Result<Vec<(PathBuf, Vec<u8>)>, Exit> {
    let ledger = load_ledger(root)?;
    let compiled = compile_project(project)?;
    let built = Built {
        root,
        project,
        compiled: &compiled,
        outputs: &files,
    };
    let mut errors = Vec::new();
    let plan = match version::plan_build(&ledger, &built) {
        Ok(plan) => Some(plan),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    if check {
        errors.extend(version::verify_released_files(root, &ledger));
    }
    let Some(plan) = plan.filter(|_| errors.is_empty()) else {
        return Err(report(errors, "build"));
    };
    for note in &plan.notes {
        super::print_out(&format!("{note}\n"));
    }
    files.extend(plan.files);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

fn load_ledger(root: &Path) -> Result<Ledger, Exit> {
    Ledger::load(&root.join(compile::GENERATED_DIR)).map_err(|e| {
        super::eprint_diagnostic(e);
        Exit::Failure
    })
}

fn compile_project(project: &Project) -> Result<Vec<compile::CompiledModule>, Exit> {
    compile::compile_project(project).map_err(|errors| {
        for e in errors {
            super::eprint_diagnostic(e);
        }
        Exit::Problems
    })
}

/// A loaded, compiled project with its output files.
pub(super) struct Loaded {
    pub root: PathBuf,
    pub project: Project,
    pub compiled: Vec<compile::CompiledModule>,
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

/// Loads and compiles the project and collects its outputs; with
/// `versioning`, runs `build`'s versioning step too (its files included).
pub(super) fn load(g: &Global, versioning: bool) -> Result<Loaded, Exit> {
    if !g.config.is_file() {
        super::eprint_error(format!(
            "cannot read the config `{}`; pass `--config PATH` to the project's rolesmith.yaml",
            g.config.display()
        ));
        return Err(Exit::Failure);
    }
    let project = manifest::load_project(&g.config).map_err(|diags| {
        for p in diags.iter() {
            super::eprint_diagnostic(p.clone());
        }
        super::eprint_error(format!("{diags}; fix the manifests first"));
        if diags.iter().any(|p| p.code == "manifest::unreadable") {
            Exit::Failure
        } else {
            Exit::Problems
        }
    })?;
    let compiled = compile_project(&project)?;
    let files = compile::outputs(&project).map_err(|errors| {
        for e in errors {
            super::eprint_diagnostic(e);
        }
        Exit::Problems
    })?;
    let root = g.root();
    let files = if versioning {
        versioned(&root, &project, files, false)?
    } else {
        files
    };
    Ok(Loaded {
        root,
        project,
        compiled,
        files,
    })
}

/// Runs `release`: 0 released (or already released), 1 stale `generated/`
/// or a change the ledger refuses, 2 unknown module or unreadable files.
pub fn run(g: &Global, a: &ReleaseArgs) -> Exit {
    let l = match load(g, true) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let ledger = match load_ledger(&l.root) {
        Ok(ledger) => ledger,
        Err(exit) => return exit,
    };
    let built = Built {
        root: &l.root,
        project: &l.project,
        compiled: &l.compiled,
        outputs: &l.files,
    };
    match version::release(&ledger, &built, &a.modules) {
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
            Exit::Ok
        }
        Err(errors) => report(errors, "release"),
    }
}
