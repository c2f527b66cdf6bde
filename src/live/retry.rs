//! Retry policy for live reads: exponential backoff with full jitter on
//! every transient fault (throttling, 5xx, timeouts, connections refused,
//! reset or closed mid-response), as AWS recommends for IAM and STS (which
//! publish no rates); a deadline per row; and a circuit breaker shared by
//! every row of a run, which stops a fleet early when the endpoint answers
//! no connection at all. Pure: the async loop that sleeps lives in `aws`.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

/// How often and how long to retry one API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (at least 1).
    pub max_attempts: u32,
    /// Backoff ceiling of the first retry; doubles with each retry.
    pub base_delay: Duration,
    /// Largest backoff ceiling.
    pub max_delay: Duration,
    /// Time allowed to each attempt before it counts as timed out.
    pub attempt_timeout: Duration,
    /// Time allowed to one row (one role, every call and retry included);
    /// past it the row is reported as timed out (`--row-timeout`).
    pub row_timeout: Duration,
    /// Attempts in a row, across every row of the run, that got no answer at
    /// all (refused, reset or closed before a response, timed out) after
    /// which the endpoint is taken as down and no further call is made
    /// (0: never).
    pub breaker_after: u32,
}

/// Default of `--row-timeout`, in seconds.
pub const DEFAULT_ROW_TIMEOUT_SECS: u64 = 60;

/// Default of [`RetryPolicy::breaker_after`].
pub const DEFAULT_BREAKER_AFTER: u32 = 10;

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(20),
            row_timeout: Duration::from_secs(DEFAULT_ROW_TIMEOUT_SECS),
            breaker_after: DEFAULT_BREAKER_AFTER,
        }
    }
}

impl RetryPolicy {
    /// Delay before retry number `retry` (0 for the first retry), given a
    /// uniformly random `r`: full jitter, uniform in `[0, min(max, base * 2^retry)]`.
    pub fn backoff(&self, retry: u32, r: u64) -> Duration {
        let ceiling = self
            .base_delay
            .saturating_mul(1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX))
            .min(self.max_delay);
        let nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        if nanos == 0 {
            return Duration::ZERO;
        }
        Duration::from_nanos(r % (nanos + 1))
    }
}

/// What a failed attempt means for the retry loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transient {
    /// Throttling: retry after backoff.
    Throttled,
    /// A server error (5xx), or a response cut off mid-way: retry after backoff.
    ServerError,
    /// No answer at all: the connection was refused, reset or closed before
    /// a response. Retry after backoff; counts towards the breaker.
    NoAnswer,
    /// The attempt timed out: retry after backoff; counts towards the breaker.
    TimedOut,
}

impl Transient {
    /// True when the endpoint gave no answer at all (what the breaker counts).
    pub fn is_no_answer(self) -> bool {
        matches!(self, Transient::NoAnswer | Transient::TimedOut)
    }
}

/// The circuit breaker of one run: opens after `threshold` attempts in a
/// row (across every row) got no answer, and stays open, so the rows not
/// yet read fail at once instead of each retrying against a dead endpoint.
/// Any answer, even an error, closes the count again.
#[derive(Debug)]
pub struct Breaker {
    threshold: u32,
    silent: AtomicU32,
    open: AtomicBool,
    /// Why it opened: the last failure, in words.
    reason: Mutex<Option<String>>,
}

impl Breaker {
    /// A closed breaker opening after `threshold` silent attempts (0: never).
    pub fn new(threshold: u32) -> Self {
        Breaker {
            threshold,
            silent: AtomicU32::new(0),
            open: AtomicBool::new(false),
            reason: Mutex::new(None),
        }
    }

    /// True once the endpoint is taken as down.
    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// The endpoint answered (a response of any status).
    pub fn answered(&self) {
        self.silent.store(0, Ordering::Release);
    }

    /// An attempt got no answer; `why` describes it. Returns true when this
    /// attempt opened the breaker.
    pub fn no_answer(&self, why: impl FnOnce() -> String) -> bool {
        let n = self.silent.fetch_add(1, Ordering::AcqRel).saturating_add(1);
        if self.threshold == 0 || n < self.threshold || self.open.swap(true, Ordering::AcqRel) {
            return false;
        }
        if let Ok(mut r) = self.reason.lock() {
            *r = Some(why());
        }
        true
    }

    /// Attempts in a row needed to open it.
    pub fn threshold(&self) -> u32 {
        self.threshold
    }

    /// When open: the failure that opened it.
    pub fn reason(&self) -> Option<String> {
        if !self.is_open() {
            return None;
        }
        self.reason.lock().ok().and_then(|r| r.clone())
    }
}

/// True for the error codes AWS services use for throttling.
pub fn is_throttling_code(code: &str) -> bool {
    matches!(
        code,
        "Throttling"
            | "ThrottlingException"
            | "ThrottledException"
            | "RequestThrottledException"
            | "TooManyRequestsException"
            | "RequestLimitExceeded"
            | "RequestThrottled"
            | "SlowDown"
            | "PriorRequestNotComplete"
            | "BandwidthLimitExceeded"
    )
}

/// A cheap, thread-safe source of jitter (splitmix64). Jitter only spreads
/// retries apart; it needs no cryptographic quality.
#[derive(Debug)]
pub struct Jitter(AtomicU64);

impl Jitter {
    /// A generator started from `seed`.
    pub fn new(seed: u64) -> Self {
        Jitter(AtomicU64::new(seed))
    }

    /// A generator seeded from the clock and the process id, so concurrent
    /// processes do not retry in step.
    pub fn from_entropy() -> Self {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        Jitter::new(t ^ (u64::from(std::process::id()) << 32))
    }

    /// The next pseudo-random number.
    pub fn next(&self) -> u64 {
        let mut z = self
            .0
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            attempt_timeout: Duration::from_secs(1),
            ..RetryPolicy::default()
        }
    }

    #[test]
    fn breaker_opens_after_silent_attempts_in_a_row_and_stays_open() {
        let b = Breaker::new(3);
        assert!(!b.no_answer(|| "refused".into()));
        assert!(!b.no_answer(|| "refused".into()));
        // An answer in between starts the count again.
        b.answered();
        assert!(!b.no_answer(|| "refused".into()));
        assert!(!b.no_answer(|| "refused".into()));
        assert!(!b.is_open());
        assert_eq!(b.reason(), None);
        assert!(b.no_answer(|| "connection refused".into()));
        assert!(b.is_open());
        // Opened once: later silences do not open it again, answers do not close it.
        assert!(!b.no_answer(|| "other".into()));
        b.answered();
        assert!(b.is_open());
        assert_eq!(b.reason().as_deref(), Some("connection refused"));
    }

    #[test]
    fn a_breaker_of_zero_never_opens() {
        let b = Breaker::new(0);
        for _ in 0..100 {
            assert!(!b.no_answer(String::new));
        }
        assert!(!b.is_open());
    }

    #[test]
    fn backoff_ceiling_doubles_then_caps() {
        let p = policy();
        assert_eq!(
            p.backoff(0, u64::MAX),
            Duration::from_nanos(u64::MAX % 100_000_001)
        );
        // r = ceiling gives exactly the ceiling.
        assert_eq!(p.backoff(0, 100_000_000), Duration::from_millis(100));
        assert_eq!(p.backoff(1, 200_000_000), Duration::from_millis(200));
        assert_eq!(p.backoff(3, 800_000_000), Duration::from_millis(800));
        assert_eq!(p.backoff(4, 1_000_000_000), Duration::from_millis(1000));
        assert_eq!(p.backoff(40, 1_000_000_000), Duration::from_millis(1000));
    }

    #[test]
    fn backoff_never_exceeds_ceiling() {
        let p = policy();
        let j = Jitter::new(7);
        for retry in 0..10 {
            for _ in 0..100 {
                assert!(p.backoff(retry, j.next()) <= Duration::from_millis(1000));
            }
        }
    }

    #[test]
    fn jitter_spreads_values() {
        let j = Jitter::new(1);
        let vals: std::collections::BTreeSet<u64> = (0..100).map(|_| j.next() % 1000).collect();
        assert!(vals.len() > 80, "{}", vals.len());
    }

    #[test]
    fn throttling_codes() {
        assert!(is_throttling_code("Throttling"));
        assert!(is_throttling_code("TooManyRequestsException"));
        assert!(!is_throttling_code("AccessDenied"));
        assert!(!is_throttling_code("LimitExceeded"));
    }
}
