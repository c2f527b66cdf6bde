//! Client setup: the AWS configuration, and per-read clients (with the
//! target role's credentials when it is assumed first).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_types::retry::RetryConfig;

use super::call::classify;
use super::{AwsReader, Ctx};
use crate::live::retry::{Breaker, Jitter, RetryPolicy};
use crate::live::{ReadError, ReadErrorKind, RoleTarget};

/// How to reach AWS: the AWS CLI's conventions, on top of the standard
/// credential chain and `AWS_*` variables (which `aws-config` reads itself).
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Named profile (`--profile`, `AWS_PROFILE`).
    pub profile: Option<String>,
    /// Region (`--region`); IAM's `us-east-1` when nothing sets one.
    pub region: Option<String>,
    /// Endpoint for every service (`--endpoint-url`; `AWS_ENDPOINT_URL` is read by the SDK).
    pub endpoint_url: Option<String>,
    /// Static access key and secret instead of the credential chain (tests).
    pub static_credentials: Option<(String, String)>,
    /// Retries and timeouts.
    pub retry: RetryPolicy,
    /// Page size of list calls (`MaxItems`); the service default when `None`.
    pub page_size: Option<i32>,
}

/// The AWS configuration of `opts` (credential chain, profile, region,
/// endpoint) with `retry`; IAM's `us-east-1` when nothing sets a region.
pub async fn load_config(opts: &AwsOptions, retry: RetryConfig) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).retry_config(retry);
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    if let Some(r) = &opts.region {
        loader = loader.region(Region::new(r.clone()));
    }
    if let Some(u) = &opts.endpoint_url {
        loader = loader.endpoint_url(u);
    }
    if let Some((key, secret)) = &opts.static_credentials {
        loader = loader.credentials_provider(aws_sdk_iam::config::Credentials::new(
            key,
            secret,
            None,
            None,
            "rolesmith-static",
        ));
    }
    let base = loader.load().await;
    if base.region().is_some() {
        return base;
    }
    // IAM is global with its control plane in us-east-1; the SDK still
    // needs a region to sign and to resolve endpoints.
    base.into_builder().region(Region::new("us-east-1")).build()
}

/// The standard retries (with backoff) for the mapping table and S3, whose
/// calls are few and need not be counted.
pub fn standard_retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(5)
}

impl AwsReader {
    /// The configuration this reader was connected with, with the SDK's
    /// standard retries (for the mapping table the fleet reads).
    pub fn config_with_retries(&self) -> SdkConfig {
        self.base
            .clone()
            .into_builder()
            .retry_config(standard_retries())
            .build()
    }

    /// Loads the AWS configuration (credential chain, profile, region, endpoint).
    pub async fn connect(opts: &AwsOptions) -> AwsReader {
        // The SDK would retry on its own; we retry ourselves to count and classify.
        let base = load_config(opts, RetryConfig::disabled()).await;
        AwsReader {
            base,
            retry: opts.retry,
            page_size: opts.page_size,
            jitter: Jitter::from_entropy(),
            calls: AtomicU64::new(0),
            breaker: Breaker::new(opts.retry.breaker_after),
            managed_cache: Mutex::new(HashMap::new()),
        }
    }

    /// Builds the clients for one read, assuming the target role first when asked.
    pub(super) async fn context(
        &self,
        target: &RoleTarget,
        deadline: tokio::time::Instant,
    ) -> Result<Ctx, (ReadError, u64)> {
        let mut conf = self.base.clone();
        if let Some(region) = &target.region {
            conf = conf
                .into_builder()
                .region(Region::new(region.clone()))
                .build();
        }
        let pre = Ctx {
            iam: aws_sdk_iam::Client::new(&conf),
            cfn_conf: conf.clone(),
            calls: AtomicU64::new(0),
            deadline,
        };
        let Some(assume) = &target.assume_role else {
            return Ok(pre);
        };
        let sts = aws_sdk_sts::Client::new(&conf);
        let out = self
            .call(&pre, || {
                let mut req = sts
                    .assume_role()
                    .role_arn(assume)
                    .role_session_name("rolesmith-drift");
                if let Some(id) = &target.external_id {
                    req = req.external_id(id);
                }
                req.send()
            })
            .await;
        let n = pre.calls.load(Ordering::Relaxed);
        let out = out.map_err(|e| (classify("sts:AssumeRole", assume, e), n))?;
        let Some(c) = out.credentials() else {
            return Err((
                ReadError::new(
                    ReadErrorKind::Other,
                    format!("assuming `{assume}` returned no credentials"),
                ),
                n,
            ));
        };
        let creds = aws_sdk_iam::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            std::time::SystemTime::try_from(*c.expiration()).ok(),
            "rolesmith-assume-role",
        );
        let assumed = conf
            .into_builder()
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(creds))
            .build();
        Ok(Ctx {
            iam: aws_sdk_iam::Client::new(&assumed),
            cfn_conf: assumed,
            calls: AtomicU64::new(n),
            deadline,
        })
    }
}
