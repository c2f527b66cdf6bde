//! The one pipeline every project command shares: load and validate the
//! project, compile every module once, load the release ledger, and collect
//! the files `build` writes (templates and review documents, with history).
//! Problems are printed here, so commands only choose what to do with the result.

use std::path::PathBuf;

use super::{Exit, Global};
use crate::manifest::Project;
use crate::version::Ledger;
use crate::{compile, manifest, version};

/// A loaded, compiled project with its release ledger and output files.
pub(super) struct Loaded {
    /// Project root (folder of the config).
    pub root: PathBuf,
    /// The validated project.
    pub project: Project,
    /// Every module, compiled.
    pub compiled: Vec<compile::CompiledModule>,
    /// The release ledger (empty when nothing is released).
    pub ledger: Ledger,
    /// Files `build` writes, relative to the root, sorted (without the
    /// versioning step's ledger, changelogs and capability matrix).
    pub files: Vec<(PathBuf, Vec<u8>)>,
}

/// Loads and validates the project; prints every problem. Exit 2 when the
/// config or a manifest cannot be read, 1 when they are invalid.
pub(super) fn load_project(g: &Global) -> Result<Project, Exit> {
    if !g.config.is_file() {
        super::eprint_error(format!(
            "cannot read the config `{}`; pass `--config PATH` to the project's rolesmith.yaml",
            g.config.display()
        ));
        return Err(Exit::Failure);
    }
    manifest::load_project(&g.config).map_err(|diags| {
        super::validate::eprint_problems(&diags);
        super::eprint_error(format!(
            "{diags}; run `rolesmith validate` after fixing them; nothing was written"
        ));
        super::validate::exit_for(&diags)
    })
}

/// Loads the project, compiles it once, loads the ledger and collects the
/// output files. Exit codes as [`load_project`]; 1 when a module does not
/// compile, 2 when the ledger cannot be read.
pub(super) fn load(g: &Global) -> Result<Loaded, Exit> {
    let project = load_project(g)?;
    let compiled = compile::compile_project(&project).map_err(print_compile)?;
    let root = g.root();
    let ledger = Ledger::load(&root.join(compile::GENERATED_DIR)).map_err(|e| {
        super::eprint_diagnostic(e);
        Exit::Failure
    })?;
    let histories = version::review_histories(&ledger, &compiled);
    let files = compile::outputs(&project, &compiled, &histories).map_err(print_compile)?;
    Ok(Loaded {
        root,
        project,
        compiled,
        ledger,
        files,
    })
}

fn print_compile(errors: Vec<compile::CompileError>) -> Exit {
    let n = errors.len();
    for e in errors {
        super::eprint_diagnostic(e);
    }
    super::eprint_error(format!(
        "{n} module problem{}; nothing was written",
        if n == 1 { "" } else { "s" }
    ));
    Exit::Problems
}
