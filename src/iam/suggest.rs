//! "Did you mean": the one rule that says how close a known name is to what
//! was typed, and whether it is close enough to propose.
//!
//! Names are compared ASCII case-insensitively. A known name equal to the
//! typed text scores 0; one that starts with it scores 1 (a typed prefix is
//! a good hint: `max_session` for `max_session_duration`); any other scores
//! its optimal string alignment distance (edits, adjacent swaps counting
//! one). A qualified name (`AWS::Partition`) may also be reached by its last
//! part, for one more (`Partition` scores 1). Nothing scoring
//! above the threshold, a third of the typed length but at least 2, is
//! proposed. Lower scores are better; ties go to the name first in
//! case-insensitive order.

use std::cmp::Ordering;

/// Most a proposal may score for `typed` (a third of its length, at least 2).
pub fn threshold(typed: &str) -> usize {
    (typed.chars().count() / 3).max(2)
}

/// How far `candidate` is from `typed`, or `None` when too far to propose.
pub fn score(typed: &str, candidate: &str) -> Option<usize> {
    let limit = threshold(typed);
    let t = typed.to_ascii_lowercase();
    let whole = distance(&t, &candidate.to_ascii_lowercase(), limit);
    let last = candidate
        .rsplit_once(':')
        .filter(|(_, last)| !last.is_empty())
        .and_then(|(_, last)| distance(&t, &last.to_ascii_lowercase(), limit))
        .map(|d| d + 1);
    whole.into_iter().chain(last).filter(|d| *d <= limit).min()
}

/// Score of lower-cased `c` for lower-cased `t`, `None` when above `limit`.
fn distance(t: &str, c: &str, limit: usize) -> Option<usize> {
    let (tl, cl) = (t.chars().count(), c.chars().count());
    let d = if c.starts_with(t) {
        usize::from(cl != tl)
    } else if cl.abs_diff(tl) > limit {
        // The distance is at least the difference in length.
        return None;
    } else {
        strsim::osa_distance(t, c)
    };
    (d <= limit).then_some(d)
}

/// Orders two candidates when their scores tie: case-insensitively, then exactly.
pub fn cmp_names(a: &str, b: &str) -> Ordering {
    cmp_ci(a, b).then_with(|| a.cmp(b))
}

/// Names in ASCII-case-insensitive order (how IAM compares action and
/// condition-key names).
pub fn cmp_ci(a: &str, b: &str) -> Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// Up to `n` candidates close enough to `typed`, best first.
pub fn ranked<'c>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'c str>,
    n: usize,
) -> Vec<&'c str> {
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .filter_map(|c| score(typed, c).map(|d| (d, c)))
        .collect();
    scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| cmp_names(a.1, b.1)));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// The candidate closest to `typed`, when one is close enough.
pub fn best<'c>(typed: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    ranked(typed, candidates, 1).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores() {
        assert_eq!(score("vendor", "Vendor"), Some(0));
        assert_eq!(score("max_session", "max_session_duration"), Some(1));
        assert_eq!(score("Partition", "AWS::Partition"), Some(1));
        assert_eq!(score("Bucket", "ExportBucket"), None);
        assert_eq!(score("AWS::Regoin", "AWS::Region"), Some(1));
        assert_eq!(score("vendr", "vendor"), Some(1));
        assert_eq!(score("allowed_pattern", "pattern"), None);
        assert_eq!(score("extra", "version"), None);
        assert_eq!(score("", "x"), Some(1));
        // Stray spaces and hyphens are two edits of a long name: proposed.
        assert_eq!(
            score("GetPipelineB- lueprint", "GetPipelineBlueprint"),
            Some(2)
        );
    }

    #[test]
    fn best_and_ranked() {
        let ops = ["StringEqualsIgnoreCase", "StringEquals", "StringLike"];
        assert_eq!(best("StringEqual", ops), Some("StringEquals"));
        assert_eq!(
            best("ForSomeValues", ["ForAnyValue", "ForAllValues"]),
            Some("ForAllValues")
        );
        assert_eq!(best("zzz", ops), None);
        // Prefixes tie at 1, whatever their extra length: name order decides.
        assert_eq!(
            ranked("alarm", ["alarms", "alarm-x", "other"], 5),
            ["alarm-x", "alarms"]
        );
    }
}
