//! `rolesmith build [--check]`: loads the project, collects every output file
//! ([`crate::compile::outputs`]) and writes them all or none; `--check`
//! writes nothing and shows what `build` would change as unified diffs.
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Exit, Global};
use crate::{compile, fsutil, manifest};

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Write nothing; exit 1 with a diff when `generated/` is stale.
    #[arg(long)]
    pub check: bool,
}

/// Runs `build`: 0 built (or up to date), 1 invalid manifests, failed
/// compilation or stale output, 2 unreadable files.
pub fn run(g: &Global, a: &BuildArgs) -> Exit {
    if !g.config.is_file() {
        super::eprint_error(format!(
            "cannot read the config `{}`; pass `--config PATH` to the project's rolesmith.yaml",
            g.config.display()
        ));
        return Exit::Failure;
    }
    let project = match manifest::load_project(&g.config) {
        Ok(p) => p,
        Err(diags) => {
            for p in diags.iter() {
                super::eprint_diagnostic(p.clone());
            }
            super::eprint_error(format!("build failed: {diags}; nothing was written"));
            let unreadable = diags.iter().any(|p| p.code == "manifest::unreadable");
            return if unreadable {
                Exit::Failure
            } else {
                Exit::Problems
            };
        }
    };
    let files = match compile::outputs(&project) {
        Ok(f) => f,
        Err(errors) => {
            let n = errors.len();
            for e in errors {
                super::eprint_diagnostic(e);
            }
            super::eprint_error(format!(
                "build failed: {n} problem{}; nothing was written",
                if n == 1 { "" } else { "s" }
            ));
            return Exit::Problems;
        }
    };
    let root = g.root();
    let files = match super::release::versioned(&root, &project, files, a.check) {
        Ok(f) => f,
        Err(exit) => return exit,
    };
    if a.check {
        return check(&root, &files);
    }
    let absolute: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (root.join(p), b.clone()))
        .collect();
    match fsutil::write_all_atomic(&absolute) {
        Ok(changed) => {
            let modules = project.modules.len();
            super::print_out(&format!(
                "built {modules} module{}: {changed} file{} changed\n",
                if modules == 1 { "" } else { "s" },
                if changed == 1 { "" } else { "s" },
            ));
            Exit::Ok
        }
        Err(e) => {
            super::eprint_diagnostic(e);
            Exit::Failure
        }
    }
}

/// Prints a unified diff (current file -> what `build` would write) for
/// every stale or missing file; exit 1 when there is any.
fn check(root: &Path, files: &[(PathBuf, Vec<u8>)]) -> Exit {
    let mut stale = 0;
    let mut out = String::new();
    for (rel, want) in files {
        let current = std::fs::read(root.join(rel)).ok();
        if current.as_deref() == Some(want.as_slice()) {
            continue;
        }
        stale += 1;
        let old = current
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let new = String::from_utf8_lossy(want);
        let shown = rel.display().to_string();
        let old_name = if current.is_some() {
            format!("a/{shown}")
        } else {
            "/dev/null".to_string()
        };
        out.push_str(
            &similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
                .unified_diff()
                .header(&old_name, &format!("b/{shown}"))
                .to_string(),
        );
    }
    if stale == 0 {
        super::print_out(&format!(
            "up to date: {} file{}\n",
            files.len(),
            if files.len() == 1 { "" } else { "s" }
        ));
        return Exit::Ok;
    }
    super::print_out(&out);
    super::eprint_error(format!(
        "`generated/` is stale: {stale} {} from what the manifests give; run `rolesmith build`",
        if stale == 1 {
            "file differs"
        } else {
            "files differ"
        }
    ));
    Exit::Problems
}
