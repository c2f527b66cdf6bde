//! `rolesmith drift`.
use std::path::PathBuf;

use super::{Exit, Format, Global};
use clap::Args;

/// Arguments of `drift`.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// Module whose manifest the role is checked against.
    #[arg(long, required_unless_present = "fleet")]
    pub module: Option<String>,
    /// ARN of the customer's role.
    #[arg(long, required_unless_present = "fleet")]
    pub role_arn: Option<String>,
    /// Tenant name to put in the report.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Assume this role first (with `--external-id`) and read with its credentials.
    #[arg(long, requires = "external_id")]
    pub assume_role: Option<String>,
    /// ExternalId for `--assume-role`.
    #[arg(long)]
    pub external_id: Option<String>,
    /// CloudFormation stack of the module (its `ModuleVersion` output gives the deployed version).
    #[arg(long)]
    pub stack_name: Option<String>,
    /// Read the output of `aws iam get-account-authorization-details` instead of the live account.
    #[arg(long, value_name = "AUTH_DETAILS.json", conflicts_with_all = ["fleet", "assume_role"])]
    pub from_file: Option<PathBuf>,
    /// Check every row of a fleet file (YAML list of tenant, module, role_arn, external_id, region).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["module", "role_arn"])]
    pub fleet: Option<PathBuf>,
    /// Rows checked at once in fleet mode.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// AWS named profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region.
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint URL for AWS APIs (also `AWS_ENDPOINT_URL`).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub fn run(_g: &Global, _a: &DriftArgs) -> Exit {
    super::not_yet("drift")
}
