//! The CLI side of [`crate::pipeline`]: loads the project against the
//! embedded catalogue and prints a pipeline error the way every project
//! command does, returning the exit code it calls for.

use super::{Exit, Global};
use crate::pipeline::{self, Class, Loaded, PipelineError};

/// Loads, validates and compiles the project and reads its ledger; prints
/// every problem. Exit 2 when the config or a manifest cannot be read, 1
/// when they are invalid or a module does not compile.
/// Prints the manifests' warnings too: for the commands that write what
/// the manifests say (`build`, `release`).
pub(super) fn load(g: &Global) -> Result<Loaded<'static>, Exit> {
    let loaded = load_quiet(g)?;
    super::validate::eprint_warnings(&loaded.project.warnings);
    Ok(loaded)
}

/// [`load`] without the manifests' warnings: for the commands that read
/// the project to answer something else (`drift`, `diff`, `review`), whose
/// users (support, reviewers) cannot act on them.
pub(super) fn load_quiet(g: &Global) -> Result<Loaded<'static>, Exit> {
    pipeline::load(crate::catalogue::catalogue(), &g.config).map_err(|e| report(e, "build"))
}

/// Prints `e` (every problem it holds) and returns its exit code. `what`
/// names the command in the summary line of refused versioning steps.
pub(super) fn report(e: PipelineError, what: &str) -> Exit {
    let exit = match e.exit_class() {
        Class::Problems => Exit::Problems,
        Class::Failure => Exit::Failure,
    };
    match e {
        PipelineError::ConfigMissing { .. } => super::eprint_error(e),
        PipelineError::Manifest(diags) => {
            super::validate::eprint_problems(&diags);
            super::eprint_error(format!(
                "{diags}; run `rolesmith validate` after fixing them; nothing was written"
            ));
        }
        PipelineError::Compile(errors) => {
            let n = errors.len();
            for e in errors {
                super::eprint_diagnostic(e);
            }
            super::eprint_error(format!(
                "{n} module problem{}; nothing was written",
                if n == 1 { "" } else { "s" }
            ));
        }
        PipelineError::Version(errors) => {
            let n = errors.len();
            for e in errors {
                super::eprint_diagnostic(e);
            }
            super::eprint_error(format!(
                "{what} failed: {n} problem{}; nothing was written",
                if n == 1 { "" } else { "s" }
            ));
        }
        other => super::eprint_diagnostic(other),
    }
    exit
}
