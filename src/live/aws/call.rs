//! One API call: retried when the failure is transient, counted, bounded by
//! the row's deadline and the run's circuit breaker, and classified into a
//! [`ReadError`] when it finally fails.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Duration;

use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};

use super::{AwsReader, Ctx};
use crate::live::retry::{Transient, is_throttling_code};
use crate::live::{ReadError, ReadErrorKind};

/// Why one call failed after its retries.
pub(super) enum CallError<E> {
    // Boxed: the SDK error is large and failures are rare.
    Sdk(Box<SdkError<E>>),
    /// Every attempt ran out of its attempt timeout.
    TimedOut,
    /// The row's deadline passed; `last` is the failure before it, in words.
    Deadline {
        after: Duration,
        last: Option<String>,
    },
    /// Not tried (again): the run's circuit breaker is open; `last` is this
    /// call's own failure before it opened, in words.
    BreakerOpen {
        threshold: u32,
        last: Option<String>,
    },
}

impl AwsReader {
    /// One API call with retries: each attempt is counted and bounded by the
    /// attempt timeout and the row's deadline; throttling, 5xx, responses cut
    /// off mid-way, refused, reset or closed connections and timeouts are
    /// retried after a jittered exponential backoff. Attempts that get no
    /// answer at all feed the circuit breaker; once it is open no call is made.
    pub(super) async fn call<T, E, F, Fut>(&self, ctx: &Ctx, mut f: F) -> Result<T, CallError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let attempts = self.retry.max_attempts.max(1);
        let row_timeout = self.retry.row_timeout;
        let mut retry = 0;
        let mut last: Option<String> = None;
        loop {
            if self.breaker.is_open() {
                return Err(CallError::BreakerOpen {
                    threshold: self.breaker.threshold(),
                    last,
                });
            }
            let left = ctx
                .deadline
                .saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return Err(CallError::Deadline {
                    after: row_timeout,
                    last,
                });
            }
            self.calls.fetch_add(1, Ordering::Relaxed);
            ctx.calls.fetch_add(1, Ordering::Relaxed);
            let limit = self.retry.attempt_timeout.min(left);
            let outcome = tokio::time::timeout(limit, f()).await;
            let err = match outcome {
                Ok(Ok(v)) => {
                    self.breaker.answered();
                    return Ok(v);
                }
                Ok(Err(e)) => CallError::Sdk(Box::new(e)),
                Err(_) if limit < self.retry.attempt_timeout => {
                    // Cut short by the row's deadline, not by its own timeout.
                    return Err(CallError::Deadline {
                        after: row_timeout,
                        last,
                    });
                }
                Err(_) => CallError::TimedOut,
            };
            let kind = transient(&err);
            match kind {
                Some(k) if k.is_no_answer() => {
                    if self.breaker.no_answer(|| describe(&err)) {
                        return Err(err);
                    }
                }
                _ => self.breaker.answered(),
            }
            if kind.is_none() || retry + 1 >= attempts {
                return Err(err);
            }
            let pause = self.retry.backoff(retry, self.jitter.next());
            if tokio::time::Instant::now() + pause >= ctx.deadline {
                return Err(CallError::Deadline {
                    after: row_timeout,
                    last: Some(describe(&err)),
                });
            }
            last = Some(describe(&err));
            tokio::time::sleep(pause).await;
            retry += 1;
        }
    }
}

/// Which failures are worth another attempt.
fn transient<E: ProvideErrorMetadata>(err: &CallError<E>) -> Option<Transient> {
    match err {
        CallError::TimedOut => Some(Transient::TimedOut),
        CallError::Deadline { .. } | CallError::BreakerOpen { .. } => None,
        CallError::Sdk(e) => {
            let e = e.as_ref();
            if e.code().is_some_and(is_throttling_code) {
                return Some(Transient::Throttled);
            }
            match e {
                SdkError::TimeoutError(_) => Some(Transient::TimedOut),
                SdkError::DispatchFailure(d) if d.is_timeout() => Some(Transient::TimedOut),
                // Refused, reset, or closed before any response.
                SdkError::DispatchFailure(d) if d.is_io() => Some(Transient::NoAnswer),
                SdkError::DispatchFailure(d)
                    if d.as_other() == Some(aws_smithy_types::retry::ErrorKind::TransientError) =>
                {
                    Some(Transient::NoAnswer)
                }
                // A response began but could not be read (the connection
                // closed mid-body: "error reading a body from connection").
                SdkError::ResponseError(_) => Some(Transient::ServerError),
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

/// A failed attempt in plain words (for messages), never a Debug dump.
fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(err: &CallError<E>) -> String {
    match err {
        CallError::Sdk(e) => detail(e),
        CallError::TimedOut => "the attempt timed out".to_string(),
        CallError::Deadline { after, .. } => {
            format!("the row's deadline of {} passed", seconds(*after))
        }
        CallError::BreakerOpen { .. } => "not tried: the endpoint is down".to_string(),
    }
}

/// The service's message when it sent one, else the error and its causes
/// (after the HTTP status when there was an answer without an error code).
fn detail<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &SdkError<E>) -> String {
    if let Some(m) = e.message().filter(|m| !m.trim().is_empty()) {
        return one_line(m);
    }
    let status = e
        .raw_response()
        .map(|r| r.status().as_u16())
        .filter(|s| !(200..300).contains(s) && e.code().is_none());
    match status {
        Some(s) => format!("HTTP status {s}: {}", plain_chain(e)),
        None => plain_chain(e),
    }
}

/// An error and its `source()` chain as `outer: cause: root cause`, each
/// link's own words once (links that repeat the one before are skipped).
/// Unlike the SDK's `DisplayErrorContext`, it never appends a Debug dump.
pub fn plain_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = next {
        let text = one_line(&err.to_string());
        if !text.is_empty() && !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = err.source();
    }
    parts.join(": ")
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
        CallError::Deadline { after, last } => {
            let last = last.map_or_else(String::new, |l| format!(" (last failure: {l})"));
            return ReadError::new(
                ReadErrorKind::Timeout,
                format!(
                    "{op} on `{what}` did not succeed within the row's deadline of {}{last}; run again, or give it longer with `--row-timeout`",
                    seconds(after)
                ),
            );
        }
        CallError::BreakerOpen { threshold, last } => {
            let what_happened = match last {
                Some(l) => format!("failed ({l}) and was not retried"),
                None => "was not tried".to_string(),
            };
            return ReadError::new(
                ReadErrorKind::Other,
                format!(
                    "{op} on `{what}` {what_happened}: the endpoint answered none of {threshold} connection attempts in a row, so reading stopped; check the network and `--endpoint-url`, then run again"
                ),
            );
        }
        CallError::Sdk(e) => *e,
    };
    let code = e.code().unwrap_or_default().to_string();
    let detail = detail(&e);
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

/// `60 s`, `0.5 s`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer failure")]
    struct Outer(#[source] Middle);

    #[derive(Debug, thiserror::Error)]
    #[error("io error")]
    struct Middle(#[source] std::io::Error);

    #[test]
    fn the_chain_is_words_not_debug() {
        let e = Outer(Middle(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "Connection refused (os error 111)",
        )));
        assert_eq!(
            plain_chain(&e),
            "outer failure: io error: Connection refused (os error 111)"
        );
    }
}
