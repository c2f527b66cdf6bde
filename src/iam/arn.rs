//! ARNs: splitting them into their six parts, IAM's part-by-part matching of
//! resource patterns, and how a manifest resource relates to a catalogue ARN
//! format.
//!
//! An ARN is `arn:partition:service:region:account:resource`; the resource
//! part may hold further colons. In `Fn::Sub` text (manifest resources,
//! catalogue formats) a colon inside `${...}` (as in `${AWS::Region}`) does
//! not separate parts; in a concrete ARN every colon does.
//!
//! Fitting: a catalogue format such as
//! `arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}` has
//! placeholders that stand for any non-empty value (and a few formats contain
//! a literal `*`, which stands for anything). A manifest resource is a
//! CloudFormation `Fn::Sub` string: `${AWS::Region}` or `${InstanceId}` stand
//! for an unknown non-empty value without `/` (a name or an id, not a path),
//! `*` and `?` are IAM wildcards (they may span `/`). A resource *fits* a
//! format when some string is described by both; the six parts are compared
//! separately, like IAM's `ArnLike`. Literal text is compared
//! case-sensitively (ARNs are case-sensitive).

use std::collections::BTreeSet;

use super::pattern::{Pattern, Tok, glob_includes, glob_overlaps};
use super::sub::{self, Token};
use super::wildcard::{self, Case, Position};

/// Number of colon-separated parts of an ARN: `arn`, partition, service,
/// region, account, resource (the resource part may hold more colons).
pub const ARN_PARTS: usize = 6;

/// The parts of `Fn::Sub` text split at colons outside `${...}`, at most
/// six (the last keeps any further colons). Fewer parts when the text has
/// fewer colons.
pub fn sub_parts(s: &str) -> impl Iterator<Item = &str> {
    let mut cuts = [0usize; ARN_PARTS - 1];
    let mut n = 0;
    'scan: for piece in sub::pieces(s) {
        // Colons inside a closed placeholder do not count; an unterminated
        // `${` is text.
        if piece.inner().is_some() {
            continue;
        }
        for (i, _) in piece.raw.match_indices(':') {
            let Some(cut) = cuts.get_mut(n) else {
                break 'scan;
            };
            *cut = piece.start + i;
            n += 1;
        }
    }
    let ends = cuts.into_iter().take(n).chain([s.len()]);
    let mut start = 0;
    ends.map(move |end| {
        let part = s.get(start..end).unwrap_or_default();
        start = end + 1;
        part
    })
}

/// Splits `Fn::Sub` text into the six ARN parts (see [`sub_parts`]); `None`
/// when there are fewer than six.
pub fn split_arn(s: &str) -> Option<[&str; ARN_PARTS]> {
    let mut parts = [""; ARN_PARTS];
    let mut n = 0;
    for (slot, part) in parts.iter_mut().zip(sub_parts(s)) {
        *slot = part;
        n += 1;
    }
    (n == ARN_PARTS).then_some(parts)
}

/// The parts of a concrete ARN (every colon separates), at most six.
pub fn concrete_parts(s: &str) -> std::str::SplitN<'_, char> {
    s.splitn(ARN_PARTS, ':')
}

/// Splits a concrete ARN into its six parts; `None` when there are fewer.
pub fn split_concrete(s: &str) -> Option<[&str; ARN_PARTS]> {
    let mut it = concrete_parts(s);
    let mut parts = [""; ARN_PARTS];
    for slot in &mut parts {
        *slot = it.next()?;
    }
    Some(parts)
}

// ---------------------------------------------------------------------------
// Resource patterns, as IAM matches them.

/// The six ARN parts of a pattern that starts with `arn:`, missing trailing
/// parts filled with `*` (AWS expands short ARNs in identity policies).
fn arn_parts(p: &Pattern) -> Vec<Pattern> {
    let mut parts = p.split_colons(ARN_PARTS);
    while parts.len() < ARN_PARTS {
        parts.push(Pattern::from_toks(vec![Tok::Star]));
    }
    parts
}

/// Matches a concrete resource against a resolved resource pattern, under
/// AWS's ARN rules: `*` alone matches everything; an ARN pattern is matched
/// part by part (a wildcard never spans the colons between partition,
/// service, region, account and resource), short ARNs padded with `*`.
/// Never allocates (the evaluator's hot path).
pub fn resource_matches(p: &Pattern, resource: &str) -> bool {
    if p.is_any() {
        return true;
    }
    if !p.is_arn() {
        return p.matches(resource);
    }
    let mut got = concrete_parts(resource);
    let spelled = part_count(p.toks());
    let mut rest = p.toks();
    for part in 0..ARN_PARTS {
        let Some(g) = got.next() else {
            return false;
        };
        if part >= spelled {
            // Missing trailing parts of a short ARN pattern are `*`.
            continue;
        }
        let end = if part + 1 == ARN_PARTS {
            rest.len()
        } else {
            rest.iter()
                .position(|t| *t == Tok::Char(':'))
                .unwrap_or(rest.len())
        };
        if !wildcard::matches(rest.get(..end).unwrap_or(rest), g, Case::Sensitive) {
            return false;
        }
        rest = rest.get(end + 1..).unwrap_or(&[]);
    }
    true
}

/// Number of ARN parts a pattern spells out (at most six).
fn part_count(toks: &[Tok]) -> usize {
    (toks.iter().filter(|t| **t == Tok::Char(':')).count() + 1).min(ARN_PARTS)
}

/// Every resource matched by `r` is matched by `g`, both possibly patterns
/// (see [`resource_matches`] for the rules). Undecidably large comparisons
/// answer false (not covered), the safe side.
pub fn resource_includes(g: &Pattern, r: &Pattern) -> bool {
    if g.is_any() || g == r {
        return true;
    }
    match (g.is_arn(), r.is_arn()) {
        (true, true) => arn_parts(g)
            .iter()
            .zip(arn_parts(r).iter())
            .all(|(gp, rp)| glob_includes(gp, rp).unwrap_or(false)),
        // An ARN pattern matches only ARNs; `r` may match other strings.
        (true, false) => false,
        // A part wildcard of `r` matches less than the same wildcard read
        // over the whole string, so whole-string inclusion is sufficient.
        (false, true) => glob_includes(g, &Pattern::join_colons(&arn_parts(r))).unwrap_or(false),
        (false, false) => glob_includes(g, r).unwrap_or(false),
    }
}

/// Some resource could be matched by both patterns (variables widened to `*`:
/// "for some value of the variables").
pub fn resource_overlaps(a: &Pattern, b: &Pattern) -> bool {
    resource_overlaps_opaque(&a.widened(), &b.widened())
}

/// Some resource is matched by both patterns, variables being opaque symbols
/// (only a `*` or the same variable meets one): an overlap that holds
/// whatever the variables' values.
pub fn resource_overlaps_opaque(a: &Pattern, b: &Pattern) -> bool {
    if a.is_any() || b.is_any() {
        return true;
    }
    match (a.is_arn(), b.is_arn()) {
        (true, true) => arn_parts(a)
            .iter()
            .zip(arn_parts(b).iter())
            .all(|(x, y)| glob_overlaps(x, y)),
        (true, false) => glob_overlaps(&Pattern::join_colons(&arn_parts(a)), b),
        (false, true) => glob_overlaps(a, &Pattern::join_colons(&arn_parts(b))),
        (false, false) => glob_overlaps(a, b),
    }
}

// ---------------------------------------------------------------------------
// Manifest resources against catalogue ARN formats.

/// One position of a fitting pattern, after placeholders have been expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fit {
    /// Exactly this character.
    Lit(char),
    /// Any one character.
    One,
    /// Any run of characters, possibly empty.
    Star,
    /// Any one character but `/`.
    OneNoSlash,
    /// Any run of characters without `/`, possibly empty.
    StarNoSlash,
}

impl Position for Fit {
    type Sym = char;
    fn is_star(&self) -> bool {
        matches!(self, Fit::Star | Fit::StarNoSlash)
    }
    fn meets(&self, other: &Self) -> bool {
        let no_slash = |t: &Fit| matches!(t, Fit::OneNoSlash | Fit::StarNoSlash);
        match (self, other) {
            (Fit::Lit(p), Fit::Lit(q)) => p == q,
            (Fit::Lit(c), t) | (t, Fit::Lit(c)) => !(*c == '/' && no_slash(t)),
            _ => true,
        }
    }
    fn named(&self) -> Option<char> {
        match self {
            Fit::Lit(c) => Some(*c),
            Fit::OneNoSlash | Fit::StarNoSlash => Some('/'),
            Fit::One | Fit::Star => None,
        }
    }
    fn reads(&self, sym: Option<&char>) -> bool {
        match self {
            Fit::Lit(c) => sym == Some(c),
            Fit::OneNoSlash | Fit::StarNoSlash => sym != Some(&'/'),
            Fit::One | Fit::Star => true,
        }
    }
}

/// Which side a part comes from: placeholders mean different things on the
/// two sides, and only a manifest resource may escape a literal `${` as `${!`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Format,
    /// A format whose placeholders are single names but for a path tail
    /// (see [`fits_closely`]).
    FormatClosely,
    Resource,
}

/// Does the manifest `resource` fit the catalogue ARN `format`?
///
/// True when some value the resource can take (its parameters replaced by
/// non-empty values, its wildcards expanded) is also a value of the format.
/// A resource made only of `*` fits every format; any other resource must
/// have the six ARN parts (`arn:partition:service:region:account:resource`).
pub fn fits(format: &str, resource: &str) -> bool {
    fit_with(format, resource, Side::Format)
}

/// Does `resource` fit `format` when the format's placeholders are read as
/// single names: a placeholder holds no `/` unless it is the path tail of the
/// format (its last placeholder, after a `/` of the resource part, as
/// `${ObjectName}` in `${BucketName}/${ObjectName}` or `${RoleNameWithPath}`
/// in `role/${RoleNameWithPath}`).
///
/// The catalogue does not say which names may hold `/` (log group names and
/// SSM parameter names do), so [`fits`] must allow it; this closer reading
/// tells a compiler which of several fitting formats a resource is *meant*
/// for: `${Bucket}/recordings/*` fits the bucket format loosely (a bucket
/// name holding `/recordings/`), but only the object format closely.
pub fn fits_closely(format: &str, resource: &str) -> bool {
    fit_with(format, resource, Side::FormatClosely)
}

fn fit_with(format: &str, resource: &str, side: Side) -> bool {
    if !resource.is_empty() && resource.chars().all(|c| c == '*') {
        return true;
    }
    let (Some(f), Some(r)) = (split_arn(format), split_arn(resource)) else {
        return false;
    };
    f.iter()
        .zip(r.iter())
        .all(|(fs, rs)| wildcard::overlaps(&fit_tokens(fs, side), &fit_tokens(rs, Side::Resource)))
}

/// Turns a catalogue ARN format into a manifest resource (`Fn::Sub` syntax).
///
/// `${Partition}` and `${Account}` become the stack's pseudo parameters,
/// `${Region}` becomes `region` (`${AWS::Region}` for the stack's region, or
/// `*` for any); any other placeholder becomes `${Name}` when `Name` is one of
/// `params` (the module's declared parameters), else `*`. Runs of `*` are
/// collapsed, so `${BucketName}${Suffix}` gives `*`, and `${BucketName}/${ObjectName}`
/// gives `*/*`. The result always [`fits`] the format.
pub fn derive(format: &str, params: &BTreeSet<String>, region: &str) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    for piece in sub::pieces(format) {
        match piece.inner() {
            Some("Partition") => out.push_str("${AWS::Partition}"),
            Some("Region") if region == "*" => push_star(&mut out),
            Some("Region") => out.push_str(region),
            Some("Account") => out.push_str("${AWS::AccountId}"),
            Some(name) if params.contains(name) => {
                out.push_str("${");
                out.push_str(name);
                out.push('}');
            }
            Some(_) => push_star(&mut out),
            None => {
                for c in piece.raw.chars() {
                    if c == '*' {
                        push_star(&mut out);
                    } else {
                        out.push(c);
                    }
                }
            }
        }
    }
    out
}

fn push_star(out: &mut String) {
    // `**` means the same as `*` in IAM; one is easier to read.
    if !out.ends_with('*') {
        out.push('*');
    }
}

fn fit_tokens(s: &str, side: Side) -> Vec<Fit> {
    let mut out = Vec::with_capacity(s.len());
    let text = |out: &mut Vec<Fit>, t: &str| {
        out.extend(t.chars().map(|c| match c {
            '*' => Fit::Star,
            '?' => Fit::One,
            c => Fit::Lit(c),
        }));
    };
    // The path tail of a closely read format: its last placeholder, when a
    // `/` comes before it.
    let tail = match side {
        Side::FormatClosely => sub::pieces(s)
            .filter(|p| matches!(p.token, Token::Placeholder(_) | Token::Escaped(_)))
            .last()
            .filter(|p| s.get(..p.start).is_some_and(|before| before.contains('/')))
            .map(|p| p.start),
        _ => None,
    };
    for piece in sub::pieces(s) {
        match (piece.token, side) {
            (Token::Literal(t) | Token::Unterminated(t), _) => text(&mut out, t),
            // `${!Literal}` is CloudFormation's escape for the text `${Literal}`.
            (Token::Escaped(lit), Side::Resource) => {
                out.push(Fit::Lit('$'));
                out.push(Fit::Lit('{'));
                out.extend(lit.chars().map(Fit::Lit));
                out.push(Fit::Lit('}'));
            }
            // A manifest parameter (or pseudo parameter) is a name or an
            // id: never empty, never a path. Without that, a parameter could
            // stand for `i/contact-flow/f` and `instance/${InstanceId}/queue/${QueueId}`
            // would fit every `instance/...` format.
            (Token::Placeholder(_), Side::Resource) => {
                out.push(Fit::OneNoSlash);
                out.push(Fit::StarNoSlash);
            }
            // A catalogue placeholder: any non-empty value (object keys,
            // log group names and paths contain `/`).
            (Token::Placeholder(_) | Token::Escaped(_), Side::Format) => {
                out.push(Fit::One);
                out.push(Fit::Star);
            }
            (Token::Placeholder(_) | Token::Escaped(_), Side::FormatClosely) => {
                if tail == Some(piece.start) {
                    out.push(Fit::One);
                    out.push(Fit::Star);
                } else {
                    out.push(Fit::OneNoSlash);
                    out.push(Fit::StarNoSlash);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/${ContactFlowId}";

    fn overlap(a: &[Fit], b: &[Fit]) -> bool {
        wildcard::overlaps(a, b)
    }

    #[test]
    fn split_keeps_pseudo_parameters_whole() {
        let p = split_arn("arn:${AWS::Partition}:s3:::b/${AWS::Region}:x").unwrap_or_default();
        assert_eq!(
            p,
            [
                "arn",
                "${AWS::Partition}",
                "s3",
                "",
                "",
                "b/${AWS::Region}:x"
            ]
        );
        assert!(split_arn("arn:aws:s3").is_none());
        // An unterminated `${` is text: its colons separate.
        assert_eq!(
            split_arn("arn:${x:a:b:c:d").unwrap_or_default(),
            ["arn", "${x", "a", "b", "c", "d"]
        );
        assert_eq!(
            sub_parts("arn:aws:zzz").collect::<Vec<_>>(),
            ["arn", "aws", "zzz"]
        );
        assert_eq!(sub_parts("").collect::<Vec<_>>(), [""]);
        assert_eq!(
            concrete_parts("arn:aws:connect:${AWS::Region}:1:x").nth(3),
            Some("${AWS")
        );
        assert_eq!(
            split_concrete("arn:aws:iam::1:role/a:b"),
            Some(["arn", "aws", "iam", "", "1", "role/a:b"])
        );
        assert_eq!(split_concrete("arn:aws:iam::1"), None);
    }

    #[test]
    fn overlap_basics() {
        let f = |s| fit_tokens(s, Side::Format);
        let r = |s| fit_tokens(s, Side::Resource);
        assert!(overlap(&f("a${X}b"), &r("a*")));
        assert!(!overlap(&f("a${X}b"), &r("ab")));
        assert!(overlap(&f("a${X}b"), &r("a?b")));
        assert!(!overlap(&f("abc"), &r("a?")));
        assert!(overlap(&f(""), &r("*")));
        assert!(!overlap(&f(""), &r("?")));
        // A resource parameter never holds `/`.
        assert!(!overlap(&f("a/b"), &r("${X}")));
        assert!(overlap(&f("${Key}"), &r("a/b")));
    }

    #[test]
    fn escaped_dollar_is_literal_text() {
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        assert!(fits(object, "arn:aws:s3:::b/${!Literal}"));
        assert!(fits("arn:${Partition}:x:::a/${!B}", "arn:aws:x:::a/${!B}"));
        assert!(!fits("arn:${Partition}:x:::a/b", "arn:aws:x:::a/${!B}"));
        // Unclosed `${` is plain text on both sides.
        assert!(fits("arn:${Partition}:x:::a/${", "arn:aws:x:::a/${"));
        assert!(!fits("arn:${Partition}:x:::a/${", "arn:aws:x:::a/$"));
    }

    #[test]
    fn flow_resource_fits() {
        let r = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*";
        assert!(fits(FLOW, r));
        assert!(!fits(
            FLOW,
            &r.replace("contact-flow/*", "queue/${QueueId}")
        ));
    }

    #[test]
    fn close_fits_read_placeholders_as_names() {
        let bucket = "arn:${Partition}:s3:::${BucketName}";
        let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
        let objects = "arn:${AWS::Partition}:s3:::${Bucket}/recordings/*";
        // A bucket name cannot hold `/recordings/` when read closely.
        assert!(fits(bucket, objects));
        assert!(!fits_closely(bucket, objects));
        assert!(fits_closely(object, objects));
        assert!(fits_closely(bucket, "arn:${AWS::Partition}:s3:::${Bucket}"));
        // The path tail holds `/`; a placeholder before it does not.
        let role = "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}";
        assert!(fits_closely(role, "arn:aws:iam::1:role/team/app-*"));
        assert!(fits_closely(object, "arn:aws:s3:::a/b"));
        assert!(fits_closely(object, "arn:aws:s3:::a/b/c"));
        assert!(!fits_closely(
            FLOW,
            "arn:aws:connect:r:1:instance/a/b/contact-flow/c"
        ));
        assert!(fits(
            FLOW,
            "arn:aws:connect:r:1:instance/a/b/contact-flow/c"
        ));
    }

    #[test]
    fn derive_keeps_parameters() {
        let params = BTreeSet::from(["InstanceId".to_string()]);
        assert_eq!(
            derive(FLOW, &params, "${AWS::Region}"),
            "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*"
        );
        assert_eq!(derive("a${X}${Y}*b", &params, "${AWS::Region}"), "a*b");
    }

    fn p(s: &str) -> Pattern {
        Pattern::new(s, true)
    }

    #[test]
    fn variables_are_opaque() {
        let r = p("bucket/${aws:username}/x");
        assert!(resource_includes(&p("bucket/*"), &r));
        assert!(!resource_includes(&p("bucket/alice/x"), &r));
        assert!(resource_includes(&p("bucket/${AWS:username}/*"), &r));
        assert!(!resource_includes(&p("bucket/?/x"), &r));
    }

    #[test]
    fn arn_wildcards_stay_in_their_part() {
        let g = p("arn:aws:s3:*");
        assert!(resource_matches(&g, "arn:aws:s3:eu-west-1:1:x"));
        assert!(!resource_matches(&p("arn:aws:*:x"), "arn:aws:s3:eu:1:x"));
        assert!(resource_matches(&p("arn:aws:*"), "arn:aws:s3:eu:1:x:y"));
        assert!(resource_matches(
            &p("arn:aws:s3:::b/*"),
            "arn:aws:s3:::b/k:e:y"
        ));
    }
}
