//! `rolesmith build [--check]`: loads the project, collects every output file
//! ([`super::project::load`], then the versioning step) and writes them all or none; `--check`
//! writes nothing and shows what `build` would change as unified diffs.
use std::path::{Path, PathBuf};

use clap::Args;

use super::{Exit, Global};
use crate::fsutil;

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Write nothing; exit 1 with a diff when `generated/` is stale. Older
    /// version folders are expected; a folder of a module without a manifest,
    /// or of a version newer than the manifest's, is a warning only.
    #[arg(long)]
    pub check: bool,
}

/// Runs `build`: 0 built (or up to date), 1 invalid manifests, failed
/// compilation or stale output, 2 unreadable files.
pub fn run(g: &Global, a: &BuildArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let files = match super::release::versioned(&l, a.check) {
        Ok(f) => f,
        Err(exit) => return exit,
    };
    let root = &l.root;
    let project = &l.project;
    for note in strays(root, project) {
        eprint_warning(&note);
    }
    if a.check {
        return check(root, &files);
    }
    let absolute: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(p, b)| (root.join(p), b.clone()))
        .collect();
    // Folders the write may create: removed again if it fails, so a failed
    // build leaves `generated/` as it was (not even empty folders).
    let mut new_dirs: Vec<PathBuf> = absolute
        .iter()
        .flat_map(|(p, _)| p.ancestors().skip(1))
        .filter(|d| d.starts_with(root) && *d != root.as_path() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    new_dirs.sort();
    new_dirs.dedup();
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
            // Deepest first; `remove_dir` leaves any folder that is not empty.
            for d in new_dirs.iter().rev() {
                let _ = std::fs::remove_dir(d);
            }
            Exit::Failure
        }
    }
}

/// Prints a one-line warning to stderr (does not change the exit code).
fn eprint_warning(msg: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "warning: {msg}");
}

/// Folders under `generated/` that no manifest explains: a module folder
/// without a manifest (renamed or retired module), or a version folder newer
/// than the manifest's version (version lowered by mistake). Older version
/// folders are expected: released versions stay after a bump. These are
/// notes, not failures: `build` never deletes, and a retired module's
/// templates may still be deployed by customers.
fn strays(root: &Path, project: &crate::manifest::Project) -> Vec<String> {
    let mut notes = Vec::new();
    let Ok(entries) = std::fs::read_dir(root.join("generated")) else {
        return notes;
    };
    let mut dirs: Vec<(String, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    dirs.sort();
    for (name, path) in dirs {
        let Some(m) = project.modules.iter().find(|m| m.id == name) else {
            notes.push(format!(
                "`generated/{name}/` has no manifest `modules/{name}.yaml`; delete the folder if the module is retired (build never deletes)"
            ));
            continue;
        };
        let Ok(versions) = std::fs::read_dir(&path) else {
            continue;
        };
        let mut newer: Vec<String> = versions
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter(|v| semver::Version::parse(v).is_ok_and(|v| v > m.version))
            .collect();
        newer.sort();
        for v in newer {
            notes.push(format!(
                "`generated/{name}/{v}/` is newer than the manifest's version `{}`; raise `version` in `modules/{name}.yaml` or delete the folder",
                m.version
            ));
        }
    }
    notes
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
