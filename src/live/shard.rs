//! Shards of a fleet: `--shard K/N` checks only the rows of shard K of N,
//! so N processes started by a scheduler (a Kubernetes Indexed Job, an AWS
//! Batch array job) cover every row exactly once.
//!
//! A fleet file's row belongs to the shard its key `(tenant, module)`
//! hashes to (SHA-256, so the assignment is the same in every process,
//! platform and rolesmith version, whatever the order of the file). The
//! DynamoDB mapping table is split by DynamoDB itself: shard K reads the
//! parallel-scan segments `K, K+N, K+2N, ...` of `N * SEGMENTS_PER_SHARD`,
//! which DynamoDB guarantees to partition the table.

use sha2::{Digest, Sha256};

/// Parallel-scan segments each shard reads of the mapping table.
pub const SEGMENTS_PER_SHARD: u32 = 4;

/// Most shards (DynamoDB allows 1,000,000 segments in all).
pub const MAX_SHARDS: u32 = 1_000_000 / SEGMENTS_PER_SHARD;

/// The environment variables that give a worker's index, in the order
/// `--shard auto/N` looks: Kubernetes Indexed Jobs, AWS Batch array jobs.
pub const INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "AWS_BATCH_JOB_ARRAY_INDEX"];

/// Shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, `0..count`.
    pub index: u32,
    /// How many shards there are.
    pub count: u32,
}

impl Default for Shard {
    /// The whole fleet.
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    /// Parses `K/N`, or `auto/N` where K comes from the first of
    /// [`INDEX_VARIABLES`] that `env` knows; `Err` says what is wrong and
    /// what to give instead.
    pub fn parse(text: &str, env: impl Fn(&str) -> Option<String>) -> Result<Shard, String> {
        let usage = "give `--shard K/N` (K from 0 to N-1) or `--shard auto/N` (K from `JOB_COMPLETION_INDEX` or `AWS_BATCH_JOB_ARRAY_INDEX`)";
        let Some((k, n)) = text.split_once('/') else {
            return Err(format!("`{text}` is not a shard; {usage}"));
        };
        let count: u32 = n
            .trim()
            .parse()
            .ok()
            .filter(|c| (1..=MAX_SHARDS).contains(c))
            .ok_or_else(|| {
                format!("`{n}` in `--shard {text}` is not a shard count from 1 to {MAX_SHARDS}")
            })?;
        let (index_text, from) = if k.trim() == "auto" {
            let found = INDEX_VARIABLES
                .iter()
                .find_map(|v| env(v).filter(|s| !s.is_empty()).map(|s| (s, *v)));
            let Some((value, var)) = found else {
                return Err(format!(
                    "`--shard auto/{count}` needs `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job) or `AWS_BATCH_JOB_ARRAY_INDEX` (AWS Batch array job), and neither is set; {usage}"
                ));
            };
            (value, Some(var))
        } else {
            (k.trim().to_string(), None)
        };
        let index: u32 = index_text.parse().map_err(|_| match from {
            Some(var) => format!("`{var}` is `{index_text}`, not a shard index"),
            None => format!("`{k}` in `--shard {text}` is not a shard index; {usage}"),
        })?;
        if index >= count {
            let whence = from.map_or_else(String::new, |v| format!(" (from `{v}`)"));
            return Err(format!(
                "shard {index}{whence} is not below the shard count {count}: shards are 0 to {}",
                count - 1
            ));
        }
        Ok(Shard { index, count })
    }

    /// True for the whole fleet (`0/1`).
    pub fn is_all(self) -> bool {
        self.count <= 1
    }

    /// The shard a fleet-file row of `tenant` and `module` belongs to.
    pub fn of_key(tenant: &str, module: &str, count: u32) -> u32 {
        let mut h = Sha256::new();
        h.update(tenant.as_bytes());
        h.update([0]);
        h.update(module.as_bytes());
        let d = h.finalize();
        let mut first = [0u8; 8];
        for (slot, byte) in first.iter_mut().zip(d.iter()) {
            *slot = *byte;
        }
        let n = u64::from_be_bytes(first) % u64::from(count.max(1));
        u32::try_from(n).unwrap_or(0)
    }

    /// Does this shard check the fleet-file row of `tenant` and `module`?
    pub fn contains(self, tenant: &str, module: &str) -> bool {
        self.is_all() || Shard::of_key(tenant, module, self.count) == self.index
    }

    /// The mapping table's parallel-scan segments this shard reads, and
    /// their total.
    pub fn segments(self) -> (Vec<i32>, i32) {
        let count = self.count.max(1);
        let total = count * SEGMENTS_PER_SHARD;
        let segs = (0..SEGMENTS_PER_SHARD)
            .map(|i| i * count + self.index)
            .filter_map(|s| i32::try_from(s).ok())
            .collect();
        (segs, i32::try_from(total).unwrap_or(i32::MAX))
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn parses_explicit_shards() {
        assert_eq!(
            Shard::parse("2/5", no_env),
            Ok(Shard { index: 2, count: 5 })
        );
        assert!(Shard::parse("5/5", no_env).is_err_and(|e| e.contains("0 to 4")));
        assert!(Shard::parse("1/0", no_env).is_err());
        assert!(Shard::parse("x/3", no_env).is_err_and(|e| e.contains("`x`")));
        assert!(Shard::parse("3", no_env).is_err());
    }

    #[test]
    fn auto_reads_the_schedulers_index() {
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "3".to_string());
        assert_eq!(
            Shard::parse("auto/4", k8s),
            Ok(Shard { index: 3, count: 4 })
        );
        let batch = |v: &str| (v == "AWS_BATCH_JOB_ARRAY_INDEX").then(|| "1".to_string());
        assert_eq!(
            Shard::parse("auto/2", batch),
            Ok(Shard { index: 1, count: 2 })
        );
        assert!(Shard::parse("auto/2", no_env).is_err_and(|e| e.contains("neither is set")));
        let big = |_: &str| Some("7".to_string());
        assert!(
            Shard::parse("auto/4", big).is_err_and(|e| e.contains("from `JOB_COMPLETION_INDEX`"))
        );
    }

    #[test]
    fn shards_cover_every_key_exactly_once() {
        let keys: Vec<(String, String)> = (0..500)
            .map(|i| (format!("tenant-{i}"), format!("m{}", i % 7)))
            .collect();
        for count in [1u32, 2, 3, 8] {
            let mut per_shard = vec![0usize; count as usize];
            for (t, m) in &keys {
                let owners: Vec<u32> = (0..count)
                    .filter(|&index| Shard { index, count }.contains(t, m))
                    .collect();
                assert_eq!(owners.len(), 1, "{t}/{m} in {count} shards: {owners:?}");
                per_shard[owners[0] as usize] += 1;
            }
            assert_eq!(per_shard.iter().sum::<usize>(), keys.len());
            // Roughly even: no shard is empty with 500 keys.
            assert!(per_shard.iter().all(|&n| n > 0), "{per_shard:?}");
        }
    }

    #[test]
    fn assignment_is_stable() {
        // Fixed values (SHA-256 of `tenant\0module`, first 8 bytes, big
        // endian): a change here would move rows between running shards.
        assert_eq!(Shard::of_key("acme", "contact-flows", 1000), 288);
        assert_eq!(Shard::of_key("zeta", "reports", 1000), 523);
        // The separator keeps `ab`+`c` apart from `a`+`bc`.
        assert_ne!(
            Shard::of_key("ab", "c", 1 << 20),
            Shard::of_key("a", "bc", 1 << 20)
        );
    }

    #[test]
    fn table_segments_partition() {
        let count = 3;
        let mut all: Vec<i32> = Vec::new();
        for index in 0..count {
            let (segs, total) = Shard { index, count }.segments();
            assert_eq!(total, 12);
            all.extend(segs);
        }
        all.sort_unstable();
        assert_eq!(all, (0..12).collect::<Vec<_>>());
    }
}
