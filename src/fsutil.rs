//! Writing output whole or not at all: every file goes to a temporary file
//! in the same folder and is renamed into place, so a reader never sees half
//! a file and a failed command leaves the folder as it was.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Error writing output.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error("cannot write `{path}`: {source}")]
#[diagnostic(help("check that the folder exists and is writable"))]
pub struct WriteError {
    /// File that could not be written.
    pub path: PathBuf,
    /// Underlying I/O error.
    #[source]
    pub source: std::io::Error,
}

/// Writes `bytes` to `path` atomically (temporary file + rename), creating parent folders.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |source| WriteError {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.as_file().sync_all().map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}

/// Writes a set of files so that either all of them change or none does:
/// every file is staged first, and only when all are staged are they renamed
/// into place. Files whose content is already right are not touched.
pub fn write_all_atomic(files: &[(PathBuf, Vec<u8>)]) -> Result<usize, WriteError> {
    let mut staged = Vec::new();
    for (path, bytes) in files {
        if std::fs::read(path).is_ok_and(|old| &old == bytes) {
            continue;
        }
        let err = |source| WriteError {
            path: path.clone(),
            source,
        };
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
        tmp.write_all(bytes).map_err(err)?;
        staged.push((path.clone(), tmp));
    }
    let n = staged.len();
    for (path, tmp) in staged {
        tmp.persist(&path).map_err(|e| WriteError {
            path,
            source: e.error,
        })?;
    }
    Ok(n)
}
