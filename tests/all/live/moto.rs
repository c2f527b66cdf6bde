//! The moto harness: one moto server per test process, on a free loopback
//! port, started from `.venv` (created by `scripts/test.sh`), and helpers to
//! act in any account (moto honours AssumeRole into other account ids).
//!
//! Two servers at most: [`moto`] for nearly everything, and
//! [`moto_managed`] with AWS managed policies loaded, which moto does at
//! about 3.5 s per account, so only the tests of managed policies use it.
//! Set `ROLESMITH_MOTO_ENDPOINT` to use a running server instead of [`moto`].

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

use aws_config::{BehaviorVersion, Region};
use rolesmith::live::aws::{AwsOptions, AwsReader};
use rolesmith::live::retry::RetryPolicy;

pub struct Moto {
    pub endpoint: String,
    // Held open for the life of the test process: moto exits when it closes.
    _child: Option<Child>,
}

static MOTO: OnceLock<Result<Moto, String>> = OnceLock::new();
static MOTO_MANAGED: OnceLock<Result<Moto, String>> = OnceLock::new();

/// The shared moto server; fails the test (never skips it) when moto cannot start.
pub fn moto() -> &'static Moto {
    match MOTO.get_or_init(|| match std::env::var("ROLESMITH_MOTO_ENDPOINT") {
        Ok(endpoint) => Ok(Moto {
            endpoint,
            _child: None,
        }),
        Err(_) => spawn(false, None),
    }) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

/// A second server whose accounts hold the AWS managed policies.
pub fn moto_managed() -> &'static Moto {
    match MOTO_MANAGED.get_or_init(|| spawn(true, None)) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

/// Starts a moto server of its own; `latency_ms` delays every answer
/// (the fleet benchmark's stand-in for the network round trip to IAM).
pub fn spawn(managed: bool, latency_ms: Option<u32>) -> Result<Moto, String> {
    let root = env!("CARGO_MANIFEST_DIR");
    let python = format!("{root}/.venv/bin/python");
    if !std::path::Path::new(&python).exists() {
        return Err(format!(
            "moto is not installed: run `scripts/test.sh` (it creates `.venv` with the pinned moto), \
             or set ROLESMITH_MOTO_ENDPOINT to a running moto server ({python} is missing)"
        ));
    }
    let mut cmd = Command::new(&python);
    cmd.arg(format!("{root}/scripts/moto_server.py"));
    if managed {
        cmd.arg("--managed-policies");
    }
    if let Some(ms) = latency_ms {
        cmd.args(["--latency-ms", &ms.to_string()]);
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start moto with {python}: {e}; run `scripts/test.sh`"))?;
    let stdout = child.stdout.take().ok_or("moto has no stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .map_err(|e| format!("moto did not start: {e}; run `scripts/test.sh`"))?;
    let port = line
        .trim()
        .strip_prefix("port ")
        .ok_or_else(|| format!("moto did not start (said `{line}`); run `scripts/test.sh`"))?;
    Ok(Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        _child: Some(child),
    })
}

impl Moto {
    /// Reader options pointing at moto with the vendor's static credentials.
    pub fn options(&self) -> AwsOptions {
        AwsOptions {
            profile: None,
            region: Some("us-east-1".into()),
            endpoint_url: Some(self.endpoint.clone()),
            static_credentials: Some(("testing".into(), "testing".into())),
            retry: RetryPolicy::default(),
            page_size: None,
        }
    }

    pub async fn reader(&self) -> AwsReader {
        AwsReader::connect(&self.options()).await
    }

    /// SDK config acting in the vendor account.
    pub async fn vendor_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new("us-east-1"))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await
    }

    /// SDK config acting in `account` (by assuming any role there, as moto allows).
    pub async fn account_config(&self, account: &str) -> aws_config::SdkConfig {
        let base = self.vendor_config().await;
        let sts = aws_sdk_sts::Client::new(&base);
        let out = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{account}:role/test-admin"))
            .role_session_name("seed")
            .send()
            .await
            .unwrap();
        let c = out.credentials().unwrap();
        base.into_builder()
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(
                aws_sdk_iam::config::Credentials::new(
                    c.access_key_id(),
                    c.secret_access_key(),
                    Some(c.session_token().to_string()),
                    None,
                    "test",
                ),
            ))
            .build()
    }

    /// IAM client acting in `account`.
    pub async fn iam_in(&self, account: &str) -> aws_sdk_iam::Client {
        aws_sdk_iam::Client::new(&self.account_config(account).await)
    }
}

/// A fresh customer account id for one test, so tests never share state.
pub fn account(n: u32) -> String {
    format!("{:012}", 200_000_000_000u64 + u64::from(n))
}
