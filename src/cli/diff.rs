//! `rolesmith diff MODULE [FROM [TO]]`.
use super::{Exit, Format, Global};
use clap::Args;

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

pub fn run(_g: &Global, _a: &DiffArgs) -> Exit {
    super::not_yet("diff")
}
