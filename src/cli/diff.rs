//! `rolesmith diff MODULE [FROM [TO]]`: permissions added and removed per
//! feature, parameter changes and the template diff, as text or JSON.
use clap::Args;

use super::{Exit, Format, Global};
use crate::version::{self, Built, Ledger};

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Module id.
    pub module: String,
    /// Version to compare from (default: the last released version before TO).
    pub from: Option<String>,
    /// Version to compare to (default: the current manifest version).
    pub to: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `diff`: 0 with the report on stdout, 2 for an unknown module or
/// version or unreadable files (a difference is not a problem).
pub fn run(g: &Global, a: &DiffArgs) -> Exit {
    // No versioning step: a refused change is exactly what one wants to diff.
    let l = match super::release::load(g, false) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let ledger = match Ledger::load(&l.root.join(crate::compile::GENERATED_DIR)) {
        Ok(l) => l,
        Err(e) => {
            super::eprint_diagnostic(e);
            return Exit::Failure;
        }
    };
    let built = Built {
        root: &l.root,
        project: &l.project,
        compiled: &l.compiled,
        outputs: &l.files,
    };
    match version::diff(
        &ledger,
        &built,
        &a.module,
        a.from.as_deref(),
        a.to.as_deref(),
    ) {
        Ok(d) => {
            super::print_out(&match a.format {
                Format::Text => d.to_text(),
                Format::Json => d.to_json(),
            });
            Exit::Ok
        }
        Err(e) => {
            super::eprint_diagnostic(e);
            Exit::Failure
        }
    }
}
