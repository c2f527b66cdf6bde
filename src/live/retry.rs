//! Retry policy for live reads: exponential backoff with full jitter on
//! throttling, 5xx and timeouts, as AWS recommends for IAM and STS (which
//! publish no rates). Pure: the async loop that sleeps lives in `aws`.

use std::sync::atomic::{AtomicU64, Ordering};
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
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            attempt_timeout: Duration::from_secs(20),
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
    /// A server error (5xx) or a dropped connection: retry after backoff.
    ServerError,
    /// The attempt timed out: retry after backoff.
    TimedOut,
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
        }
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
