//! Issue 13 against moto: `publish` to S3, `tenant add` / `tenant verify`
//! with the DynamoDB mapping table and with a fleet file, and `drift` over
//! the table, in shards, as JSON Lines.
//!
//! Accounts `account(7000..7999)` belong to these tests; every test uses
//! its own bucket and table names, so they never meet under `cargo test`.

#[cfg(feature = "aws")]
mod drift_table;
#[cfg(feature = "aws")]
mod publish;
#[cfg(feature = "aws")]
mod stream;
#[cfg(feature = "aws")]
mod tenant;

#[cfg(feature = "aws")]
use std::path::Path;
#[cfg(feature = "aws")]
use std::process::Command;

#[cfg(feature = "aws")]
use crate::live::moto::moto;
#[cfg(feature = "aws")]
use crate::util;

#[cfg(feature = "aws")]
/// A copy of the repository's project with what it generated (templates
/// released and frozen), so commands see the real ledger.
pub fn project() -> tempfile::TempDir {
    let dir = util::temp_project(&util::repo());
    util::copy_tree(
        &util::repo().join("generated"),
        &dir.path().join("generated"),
    );
    dir
}

#[cfg(feature = "aws")]
/// `rolesmith ARGS --config DIR/rolesmith.yaml`, acting against moto with
/// the vendor's test credentials and no AWS files of the machine.
pub fn cmd(project: &Path, args: &[&str]) -> Command {
    let mut c = util::rolesmith();
    c.args(args)
        .arg("--config")
        .arg(project.join("rolesmith.yaml"))
        .args(["--color", "never"])
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &moto().endpoint)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("AWS_BATCH_JOB_ARRAY_INDEX")
        .env("AWS_CONFIG_FILE", project.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            project.join("no-aws-credentials"),
        );
    c
}

#[cfg(feature = "aws")]
/// A DynamoDB client in the vendor account.
pub async fn dynamodb() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&moto().vendor_config().await)
}
