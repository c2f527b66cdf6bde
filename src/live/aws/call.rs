//! One API call: retried when the failure is transient, counted, and
//! classified into a [`ReadError`] when it finally fails.

use std::future::Future;
use std::sync::atomic::Ordering;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use super::{AwsReader, Ctx};
use crate::live::retry::{Transient, is_throttling_code};
use crate::live::{ReadError, ReadErrorKind};

/// Why one call failed after its retries.
pub(super) enum CallError<E> {
    // Boxed: the SDK error is large and failures are rare.
    Sdk(Box<SdkError<E>>),
    TimedOut,
}

impl AwsReader {
    /// One API call with retries: each attempt is counted and bounded by the
    /// attempt timeout; throttling, 5xx, dropped connections and timeouts are
    /// retried after a jittered exponential backoff.
    pub(super) async fn call<T, E, F, Fut>(&self, ctx: &Ctx, mut f: F) -> Result<T, CallError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata,
    {
        let attempts = self.retry.max_attempts.max(1);
        let mut retry = 0;
        loop {
            self.calls.fetch_add(1, Ordering::Relaxed);
            ctx.calls.fetch_add(1, Ordering::Relaxed);
            let outcome = tokio::time::timeout(self.retry.attempt_timeout, f()).await;
            let err = match outcome {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => CallError::Sdk(Box::new(e)),
                Err(_) => CallError::TimedOut,
            };
            if transient(&err).is_none() || retry + 1 >= attempts {
                return Err(err);
            }
            tokio::time::sleep(self.retry.backoff(retry, self.jitter.next())).await;
            retry += 1;
        }
    }
}

/// Which failures are worth another attempt.
fn transient<E: ProvideErrorMetadata>(err: &CallError<E>) -> Option<Transient> {
    match err {
        CallError::TimedOut => Some(Transient::TimedOut),
        CallError::Sdk(e) => {
            let e = e.as_ref();
            if e.code().is_some_and(is_throttling_code) {
                return Some(Transient::Throttled);
            }
            match e {
                SdkError::TimeoutError(_) => Some(Transient::TimedOut),
                SdkError::DispatchFailure(d) if d.is_timeout() => Some(Transient::TimedOut),
                SdkError::DispatchFailure(d) if d.is_io() => Some(Transient::ServerError),
                _ => {
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    match status {
                        Some(429) => Some(Transient::Throttled),
                        Some(s) if s >= 500 => Some(Transient::ServerError),
                        _ => None,
                    }
                }
            }
        }
    }
}

/// Turns the final failure of `op` on `what` into a classified, actionable error.
pub(super) fn classify<E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static>(
    op: &str,
    what: &str,
    err: CallError<E>,
) -> ReadError {
    let e = match err {
        CallError::TimedOut => {
            return ReadError::new(
                ReadErrorKind::Timeout,
                format!(
                    "{op} on `{what}` timed out on every attempt; check the network and the endpoint, then run again"
                ),
            );
        }
        CallError::Sdk(e) => *e,
    };
    let code = e.code().unwrap_or_default().to_string();
    let detail = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| one_line(&aws_sdk_iam::error::DisplayErrorContext(&e).to_string()));
    let (kind, message) = if is_throttling_code(&code)
        || e.raw_response().is_some_and(|r| r.status().as_u16() == 429)
    {
        (
            ReadErrorKind::Throttled,
            format!(
                "{op} on `{what}` was throttled past every retry; run again later or lower `--concurrency`"
            ),
        )
    } else {
        match code.as_str() {
            "NoSuchEntity" if op == "iam:GetRole" => (
                ReadErrorKind::RoleMissing,
                format!("role `{what}` does not exist"),
            ),
            "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => (
                ReadErrorKind::AccessDenied,
                format!("{op} on `{what}` was denied: {detail}"),
            ),
            "" => (
                ReadErrorKind::Other,
                format!("{op} on `{what}` failed: {detail}"),
            ),
            _ => (
                ReadErrorKind::Other,
                format!("{op} on `{what}` failed with `{code}`: {detail}"),
            ),
        }
    };
    ReadError::new(kind, message).caused_by(e)
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
