//! Writing a set of files as one transaction: either every file gets its
//! new bytes, or the tree is left exactly as it was (same bytes, same
//! folders). A reader never sees half a file.
//!
//! How: every new file is first written in full to a staging file beside
//! its target (so the final rename stays within one file system); then each
//! target that exists is moved aside to a backup name and the staged file
//! renamed into place. If any step fails, the files already moved are put
//! back, the backups restored, the staging files and the folders this write
//! created removed. Files are created with `OpenOptions`, so they get the
//! mode the umask gives (0644 under umask 022), as any other tool's output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Error writing output (nothing was changed).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write `{}`", path.display())]
#[diagnostic(
    code(rolesmith::write),
    help(
        "check that the folder exists and is writable, and that no folder or locked file has the file's name; nothing was changed"
    )
)]
pub struct WriteError {
    /// File that could not be written.
    pub path: PathBuf,
    /// Underlying I/O error.
    #[source]
    pub source: std::io::Error,
}

/// A file name beside `target` that nothing else uses: `.<name>.<pid>.<n>.<tag>`.
fn sibling(target: &Path, tag: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.{}.{n}.{tag}", std::process::id()))
}

/// Creates `path` (which must not exist) with `bytes`, flushed to disk.
fn create_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// One file of the transaction.
struct Step {
    target: PathBuf,
    staged: PathBuf,
    /// Where the old file went, once moved aside.
    backup: Option<PathBuf>,
    /// Whether the staged file is in place.
    placed: bool,
}

/// Undoes every step (in reverse) and removes `created` folders, deepest first.
fn roll_back(steps: &mut [Step], created: &[PathBuf]) {
    for s in steps.iter_mut().rev() {
        if s.placed {
            let _ = std::fs::remove_file(&s.target);
        } else {
            let _ = std::fs::remove_file(&s.staged);
        }
        if let Some(b) = &s.backup {
            let _ = std::fs::rename(b, &s.target);
        }
    }
    for d in created.iter().rev() {
        let _ = std::fs::remove_dir(d);
    }
}

/// Writes every file so that either all of them change or none does (see
/// the module docs). Files whose bytes are already right are not touched.
/// Returns how many files changed.
pub fn write_all_atomic(files: &[(PathBuf, Vec<u8>)]) -> Result<usize, WriteError> {
    write_all_atomic_with(files, &mut |_| Ok(()))
}

/// [`write_all_atomic`], calling `before_place` with each target just
/// before its staged file is renamed into place: an error from it fails the
/// write there (tests use it to inject a failure at every point).
pub fn write_all_atomic_with(
    files: &[(PathBuf, Vec<u8>)],
    before_place: &mut dyn FnMut(&Path) -> std::io::Result<()>,
) -> Result<usize, WriteError> {
    let mut steps: Vec<Step> = Vec::new();
    let mut created: Vec<PathBuf> = Vec::new();
    let fail = |steps: &mut Vec<Step>, created: &[PathBuf], path: &Path, source| {
        roll_back(steps, created);
        WriteError {
            path: path.to_path_buf(),
            source,
        }
    };
    // Stage: nothing visible changes yet.
    for (path, bytes) in files {
        if std::fs::read(path).is_ok_and(|old| &old == bytes) {
            continue;
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut missing: Vec<PathBuf> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .map(Path::to_path_buf)
            .collect();
        missing.reverse();
        for d in missing {
            if let Err(e) = std::fs::create_dir(&d) {
                return Err(fail(&mut steps, &created, &d, e));
            }
            created.push(d);
        }
        let staged = sibling(path, "new");
        if let Err(e) = create_new(&staged, bytes) {
            let _ = std::fs::remove_file(&staged);
            return Err(fail(&mut steps, &created, path, e));
        }
        steps.push(Step {
            target: path.clone(),
            staged,
            backup: None,
            placed: false,
        });
    }
    // Place: move each old file aside, then the new one in.
    for i in 0..steps.len() {
        let Some(step) = steps.get_mut(i) else {
            break;
        };
        let target = step.target.clone();
        let result = (|| {
            before_place(&target)?;
            if let Ok(meta) = std::fs::symlink_metadata(&target) {
                if meta.is_dir() {
                    return Err(std::io::Error::other(
                        "a folder has this file's name; move it away",
                    ));
                }
                let backup = sibling(&target, "old");
                std::fs::rename(&target, &backup)?;
                step.backup = Some(backup);
            }
            std::fs::rename(&step.staged, &target)?;
            step.placed = true;
            Ok(())
        })();
        if let Err(e) = result {
            return Err(fail(&mut steps, &created, &target, e));
        }
    }
    let n = steps.len();
    for s in &steps {
        if let Some(b) = &s.backup {
            // The new file is in place; a backup that cannot be removed is litter, not a failure.
            let _ = std::fs::remove_file(b);
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::os::unix::fs::PermissionsExt;

    /// Every entry under `root`: path -> bytes (`None` for a folder).
    fn tree(root: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
        let mut out = BTreeMap::new();
        let mut todo = vec![root.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let rel = p.strip_prefix(root).unwrap().to_path_buf();
                if p.is_dir() {
                    out.insert(rel, None);
                    todo.push(p);
                } else {
                    out.insert(rel, Some(std::fs::read(&p).unwrap()));
                }
            }
        }
        out
    }

    /// A tree with old files, and a write that changes two, adds two (one
    /// in a new folder) and leaves one alone.
    fn setup() -> (tempfile::TempDir, Vec<(PathBuf, Vec<u8>)>) {
        let dir = tempfile::tempdir().unwrap();
        let r = dir.path();
        std::fs::create_dir_all(r.join("g/m/1.0.0")).unwrap();
        std::fs::write(r.join("g/index.html"), "old index").unwrap();
        std::fs::write(r.join("g/m/1.0.0/template.json"), "same").unwrap();
        std::fs::write(r.join("g/m/CHANGELOG.md"), "old log").unwrap();
        let files = vec![
            (r.join("g/index.html"), b"new index".to_vec()),
            (r.join("g/m/1.0.0/template.json"), b"same".to_vec()),
            (r.join("g/m/CHANGELOG.md"), b"new log".to_vec()),
            (r.join("g/m/1.1.0/template.json"), b"new template".to_vec()),
            (r.join("g/m/1.1.0/deep/REVIEW.md"), b"new review".to_vec()),
        ];
        (dir, files)
    }

    #[test]
    fn writes_every_changed_file_with_the_umask_mode() {
        let (dir, files) = setup();
        let n = write_all_atomic(&files).unwrap();
        assert_eq!(n, 4);
        for (p, b) in &files {
            assert_eq!(&std::fs::read(p).unwrap(), b);
        }
        // The mode a plain `File::create` gets here is what the umask gives.
        let probe = dir.path().join("probe");
        std::fs::File::create(&probe).unwrap();
        let want = std::fs::metadata(&probe).unwrap().permissions().mode() & 0o777;
        std::fs::remove_file(&probe).unwrap();
        assert_ne!(want, 0o600, "the test needs a umask other than 077");
        for (p, _) in &files {
            let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, want, "{}", p.display());
        }
        // No staging or backup files are left.
        let names: Vec<String> = tree(dir.path())
            .keys()
            .map(|p| p.display().to_string())
            .filter(|p| p.contains("/."))
            .collect();
        assert!(names.is_empty(), "{names:?}");
    }

    #[test]
    fn a_failure_at_any_rename_restores_the_tree_exactly() {
        let (dir, files) = setup();
        let before = tree(dir.path());
        // The four changed files are placed in order: fail at each one.
        for k in 0..4 {
            let mut seen = 0;
            let err = write_all_atomic_with(&files, &mut |_| {
                seen += 1;
                if seen == k + 1 {
                    Err(std::io::Error::other("injected"))
                } else {
                    Ok(())
                }
            })
            .unwrap_err();
            assert_eq!(err.source.to_string(), "injected");
            assert_eq!(tree(dir.path()), before, "failure at rename {k}");
        }
    }

    #[test]
    fn a_folder_in_the_way_fails_and_changes_nothing() {
        let (dir, mut files) = setup();
        let r = dir.path();
        std::fs::remove_file(r.join("g/m/CHANGELOG.md")).unwrap();
        std::fs::create_dir(r.join("g/m/CHANGELOG.md")).unwrap();
        std::fs::write(r.join("g/m/CHANGELOG.md/keep"), "user data").unwrap();
        // Sorted as the pipeline sorts: index.html is placed before CHANGELOG.md.
        files.sort();
        let before = tree(r);
        let err = write_all_atomic(&files).unwrap_err();
        assert!(err.path.ends_with("CHANGELOG.md"), "{}", err.path.display());
        assert_eq!(tree(r), before);
    }

    #[test]
    fn a_folder_that_cannot_be_created_fails_and_changes_nothing() {
        let (dir, mut files) = setup();
        let r = dir.path();
        // A file where a new folder must go.
        std::fs::write(r.join("g/blocked"), "a file").unwrap();
        files.push((r.join("g/blocked/x/template.json"), b"x".to_vec()));
        let before = tree(r);
        assert!(write_all_atomic(&files).is_err());
        assert_eq!(tree(r), before);
    }
}
