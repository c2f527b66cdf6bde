//! The AWS reader: IAM (and STS, CloudFormation) through the AWS SDK.
//!
//! Every call is scoped to the role or to one of its policies, so the role's
//! own self-audit permissions are enough (3 + k + 2m calls for k inline and m
//! attached policies; AWS managed policies are fetched once per reader).
//! The SDK's own retries are off: [`AwsReader`] retries each call itself
//! (backoff with jitter, per-attempt timeout, a deadline per role) so that
//! it can count every attempt and classify what finally failed; its circuit
//! breaker, shared by every read, stops all reading once the endpoint has
//! answered none of many attempts in a row.
//!
//! One file per job: `client` (configuration and assumed-role clients),
//! `call` (one call with retries, and what a failure means), `role` (the
//! role and its inline and attached policies), `policy` (managed policies,
//! AWS managed ones cached), `stack` (the CloudFormation stack) and
//! `blocking` (the synchronous reader and its runtime); beside the reader,
//! `dynamodb` (the vendor's role-mapping table) and `s3` (the bucket
//! `publish` writes to).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use tokio::sync::OnceCell;

use super::retry::{Breaker, Jitter, RetryPolicy};
use super::{AttachedPolicy, ReadError, ReadErrorKind, RoleSnapshot, RoleTarget, role_name_of};

mod blocking;
mod call;
mod client;
pub mod dynamodb;
mod policy;
mod role;
pub mod s3;
mod stack;

pub use blocking::BlockingAwsReader;
pub(crate) use blocking::runtime;
pub use client::{AwsOptions, load_config, standard_retries};

/// Reads roles through the AWS SDK. Async; see [`BlockingAwsReader`] for the
/// synchronous [`RoleReader`](super::RoleReader).
pub struct AwsReader {
    base: SdkConfig,
    retry: RetryPolicy,
    page_size: Option<i32>,
    jitter: Jitter,
    calls: AtomicU64,
    /// Shared by every read of this reader (every row of a fleet).
    breaker: Breaker,
    /// AWS managed policies are identical in every account: one fetch per ARN.
    managed_cache: Mutex<HashMap<String, Arc<OnceCell<AttachedPolicy>>>>,
}

impl std::fmt::Debug for AwsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsReader")
            .field("region", &self.base.region())
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

/// Per-read state: the IAM client (maybe with assumed credentials), the
/// number of calls this read made, and when it must give up.
struct Ctx {
    iam: aws_sdk_iam::Client,
    cfn_conf: SdkConfig,
    calls: AtomicU64,
    deadline: tokio::time::Instant,
}

impl AwsReader {
    /// API calls made so far by this reader (every attempt counts).
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// When the circuit breaker stopped reading: why, in one line (the
    /// fleet runner says it once; each unread row carries its own message).
    pub fn stopped(&self) -> Option<String> {
        let why = self.breaker.reason()?;
        Some(format!(
            "the endpoint answered none of {} connection attempts in a row (last: {why}); stopped reading, and every role not read is reported as `read_failed`; check the network and `--endpoint-url`",
            self.breaker.threshold()
        ))
    }

    /// Reads one role within the row deadline; returns the snapshot and the
    /// calls this read made.
    pub async fn read(&self, target: &RoleTarget) -> (Result<RoleSnapshot, ReadError>, u64) {
        let deadline = tokio::time::Instant::now() + self.retry.row_timeout;
        let mut calls = 0;
        let r = self.read_inner(target, deadline, &mut calls).await;
        (r, calls)
    }

    async fn read_inner(
        &self,
        target: &RoleTarget,
        deadline: tokio::time::Instant,
        calls: &mut u64,
    ) -> Result<RoleSnapshot, ReadError> {
        let name = role_name_of(&target.role_arn).ok_or_else(|| {
            ReadError::new(
                ReadErrorKind::Other,
                format!("`{}` is not an IAM role ARN", target.role_arn),
            )
        })?;
        let ctx = self.context(target, deadline).await;
        let ctx = match ctx {
            Ok(c) => c,
            Err((e, n)) => {
                *calls += n;
                return Err(e);
            }
        };
        let r = self.read_with(&ctx, target, name).await;
        *calls += ctx.calls.load(Ordering::Relaxed);
        r
    }
}
