//! `rolesmith simulate`.
use std::path::PathBuf;

use super::{Exit, Format, Global};
use clap::Args;

/// Arguments of `simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Identity policy document (JSON); repeatable.
    #[arg(long = "policy", value_name = "FILE")]
    pub policies: Vec<PathBuf>,
    /// Permissions boundary document (JSON).
    #[arg(long, value_name = "FILE")]
    pub boundary: Option<PathBuf>,
    /// Action of the request, e.g. `connect:DescribeUser`.
    #[arg(long)]
    pub action: Option<String>,
    /// Resource ARN of the request.
    #[arg(long)]
    pub resource: Option<String>,
    /// Request context entry `KEY=VALUE`; repeat a key for several values.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    pub context: Vec<String>,
    /// JSON Lines file of requests (`-` for stdin); one result line per request line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["policies", "boundary", "action", "resource", "context"])]
    pub batch: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(_g: &Global, _a: &SimulateArgs) -> Exit {
    super::not_yet("simulate")
}
