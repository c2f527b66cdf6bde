//! Why a pipeline step failed. Each variant keeps its cause as a source;
//! the CLI chooses exit codes with [`PipelineError::exit_class`].

use std::path::PathBuf;

use crate::compile::CompileError;
use crate::fsutil::WriteError;
use crate::manifest::Diagnostics;
use crate::review::ReviewError;
use crate::version::VersionError;

/// What kind of failure an error is, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The input has problems the user must fix (exit 1).
    Problems,
    /// The tool could not do its job (exit 2).
    Failure,
}

/// Why a pipeline step failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum PipelineError {
    /// The config file is missing or not a file.
    #[error("cannot read the config `{}`; pass `--config PATH` to the project's rolesmith.yaml", path.display())]
    ConfigMissing {
        /// The path given.
        path: PathBuf,
    },
    /// The config or a manifest is invalid or unreadable.
    #[error("{0}")]
    Manifest(Diagnostics),
    /// A module does not compile.
    #[error("{} module problem{}", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Compile(Vec<CompileError>),
    /// The ledger exists but cannot be read.
    #[error("cannot read the release ledger `{}`", path.display())]
    #[diagnostic(
        code(rolesmith::version::ledger_unreadable),
        help("check the file's permissions")
    )]
    LedgerUnreadable {
        /// Ledger path.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The ledger is not what `release` writes.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Ledger(Box<VersionError>),
    /// The versioning step refused the change.
    #[error("{} problem{}", .0.len(), if .0.len() == 1 { "" } else { "s" })]
    Version(Vec<VersionError>),
    /// A review document could not be rendered (a defect in rolesmith).
    #[error(transparent)]
    #[diagnostic(transparent)]
    Review(#[from] ReviewError),
    /// A generated JSON file could not be serialised (a defect in rolesmith).
    #[error("cannot serialise `{}`", path.display())]
    #[diagnostic(
        code(rolesmith::pipeline::serialise),
        help("this is a bug in rolesmith; please report it")
    )]
    Serialise {
        /// The file.
        path: PathBuf,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
    /// A released file needed by `diff` or `review` cannot be read.
    #[error("cannot read `{}`", path.display())]
    #[diagnostic(
        code(rolesmith::version::unreadable),
        help("restore the released files from version control")
    )]
    Unreadable {
        /// The file, relative to the project root.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Writing `generated/` failed; nothing was changed.
    #[error(transparent)]
    #[diagnostic(transparent)]
    Write(#[from] WriteError),
}

impl PipelineError {
    /// Exit class: invalid input and refused changes are problems (1);
    /// unreadable files and defects are failures (2).
    pub fn exit_class(&self) -> Class {
        match self {
            PipelineError::Manifest(d)
                if d.iter()
                    .any(|p| p.kind == crate::manifest::ProblemKind::Unreadable) =>
            {
                Class::Failure
            }
            PipelineError::Manifest(_) | PipelineError::Compile(_) => Class::Problems,
            PipelineError::Version(errors) if errors.iter().all(VersionError::is_finding) => {
                Class::Problems
            }
            _ => Class::Failure,
        }
    }
}
