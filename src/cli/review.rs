//! `rolesmith review MODULE [--version V] [--format md|html]`.
use super::{Exit, Global};
use clap::{Args, ValueEnum};

/// Document format of `review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReviewFormat {
    #[default]
    Md,
    Html,
}

/// Arguments of `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Module id.
    pub module: String,
    /// Version to review (default: the manifest's current version).
    #[arg(long)]
    pub version: Option<String>,
    #[arg(long, value_enum, default_value_t = ReviewFormat::Md)]
    pub format: ReviewFormat,
}

pub fn run(_g: &Global, _a: &ReviewArgs) -> Exit {
    super::not_yet("review")
}
