//! `rolesmith release [MODULE...]`: freezes the current version of modules
//! through [`crate::pipeline::Loaded::release`]; this file only prints.
use clap::Args;

use super::{Exit, Global};

/// Arguments of `release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Modules to release (all when none are named).
    pub modules: Vec<String>,
}

/// Runs `release`: 0 released (or already released), 1 stale `generated/`
/// or a change the ledger refuses, 2 unknown module or unreadable files.
pub fn run(g: &Global, a: &ReleaseArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let r = match l.release(&a.modules) {
        Ok(r) => r,
        Err(e) => return super::project::report(e, "release"),
    };
    let mut out = String::new();
    for note in &r.notes {
        out.push_str(&format!("{note}\n"));
    }
    for (m, v) in &r.outcome.released {
        out.push_str(&format!("released `{m}` {v}\n"));
    }
    for (m, v) in &r.outcome.unchanged {
        out.push_str(&format!(
            "`{m}` {v} is already released with the same files; nothing to do\n"
        ));
    }
    out.push_str(&super::build::summary(l.project.modules.len(), r.changed));
    super::print_out(&out);
    Exit::Ok
}
