//! `rolesmith validate`.
use super::{Exit, Global};
use clap::Args;

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {}

pub fn run(_g: &Global, _a: &ValidateArgs) -> Exit {
    super::not_yet("validate")
}
