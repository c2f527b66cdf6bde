//! `rolesmith actions PATTERN`.
use super::{Exit, Format, Global};
use clap::Args;

/// Arguments of `actions`.
#[derive(Debug, Args)]
pub struct ActionsArgs {
    /// `service:Action` pattern, `*` and `?` allowed (case-insensitive).
    pub pattern: String,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(_g: &Global, _a: &ActionsArgs) -> Exit {
    super::not_yet("actions")
}
