//! `rolesmith release [MODULE...]`.
use super::{Exit, Global};
use clap::Args;

/// Arguments of `release`.
#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// Modules to release (all when none are named).
    pub modules: Vec<String>,
}

pub fn run(_g: &Global, _a: &ReleaseArgs) -> Exit {
    super::not_yet("release")
}
