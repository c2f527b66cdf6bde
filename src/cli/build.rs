//! `rolesmith build [--check]`.
use super::{Exit, Global};
use clap::Args;

/// Arguments of `build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// Write nothing; exit 1 with a diff when `generated/` is stale.
    #[arg(long)]
    pub check: bool,
}

pub fn run(_g: &Global, _a: &BuildArgs) -> Exit {
    super::not_yet("build")
}
