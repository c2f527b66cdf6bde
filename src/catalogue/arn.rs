//! Does a manifest resource fit a catalogue ARN format, and which manifest
//! resource does a format give when nothing is written?
//!
//! Both sides are patterns. A catalogue format such as
//! `arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}` has
//! placeholders that stand for any non-empty value (and a few formats contain
//! a literal `*`, which stands for anything). A manifest resource is a
//! CloudFormation `Fn::Sub` string: `${AWS::Region}` or `${InstanceId}` stand
//! for an unknown non-empty value without `/` (a name or an id, not a path),
//! `*` and `?` are IAM wildcards (they may span `/`). A resource
//! *fits* a format when some string is described by both; the six
//! colon-separated ARN parts are compared separately, like IAM's `ArnLike`.
//! Literal text is compared case-sensitively (ARNs are case-sensitive).

use std::collections::BTreeSet;

/// One position of a pattern, after placeholders have been expanded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
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

/// Which side a segment comes from: placeholders mean the same on both sides,
/// but only a manifest resource may escape a literal `${` as `${!`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Side {
    Format,
    Resource,
}

/// Does the manifest `resource` fit the catalogue ARN `format`?
///
/// True when some value the resource can take (its parameters replaced by
/// non-empty values, its wildcards expanded) is also a value of the format.
/// A resource made only of `*` fits every format; any other resource must
/// have the six ARN parts (`arn:partition:service:region:account:resource`).
pub fn fits(format: &str, resource: &str) -> bool {
    if !resource.is_empty() && resource.chars().all(|c| c == '*') {
        return true;
    }
    let (Some(f), Some(r)) = (split_arn(format), split_arn(resource)) else {
        return false;
    };
    f.iter()
        .zip(r.iter())
        .all(|(fs, rs)| overlap(&tokens(fs, Side::Format), &tokens(rs, Side::Resource)))
}

/// Turns a catalogue ARN format into a manifest resource (`Fn::Sub` syntax).
///
/// `${Partition}`, `${Region}` and `${Account}` become the stack's pseudo
/// parameters; any other placeholder becomes `${Name}` when `Name` is one of
/// `params` (the module's declared parameters), else `*`. Runs of `*` are
/// collapsed, so `${BucketName}${Suffix}` gives `*`, and `${BucketName}/${ObjectName}`
/// gives `*/*`. The result always [`fits`] the format.
pub fn derive(format: &str, params: &BTreeSet<String>) -> String {
    let mut out = String::with_capacity(format.len() + 16);
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        if let Some((name, after)) = placeholder(rest) {
            match name {
                "Partition" => out.push_str("${AWS::Partition}"),
                "Region" => out.push_str("${AWS::Region}"),
                "Account" => out.push_str("${AWS::AccountId}"),
                _ if params.contains(name) => {
                    out.push_str("${");
                    out.push_str(name);
                    out.push('}');
                }
                _ => push_star(&mut out),
            }
            rest = after;
            continue;
        }
        if c == '*' {
            push_star(&mut out);
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn push_star(out: &mut String) {
    // `**` means the same as `*` in IAM; one is easier to read.
    if !out.ends_with('*') {
        out.push('*');
    }
}

/// The placeholder `${name}` at the start of `s`, and what follows it.
fn placeholder(s: &str) -> Option<(&str, &str)> {
    let inner = s.strip_prefix("${")?;
    let end = inner.find('}')?;
    Some((&inner[..end], &inner[end + 1..]))
}

/// Splits an ARN into its six parts; colons inside `${...}` (as in
/// `${AWS::Region}`) do not separate parts, and the resource part keeps any
/// further colons. `None` when there are fewer than six parts.
#[expect(clippy::indexing_slicing, reason = "the loop bounds i and n")]
pub fn split_arn(s: &str) -> Option<[&str; 6]> {
    let mut parts = [""; 6];
    let mut start = 0;
    let mut n = 0;
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() && n < 5 {
        match bytes[i] {
            b'$' if bytes.get(i + 1) == Some(&b'{') => {
                // Skip the whole placeholder when it is closed; else `$` is literal.
                match s[i..].find('}') {
                    Some(end) => i += end + 1,
                    None => i += 1,
                }
            }
            b':' => {
                parts[n] = &s[start..i];
                n += 1;
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    if n < 5 {
        return None;
    }
    parts[5] = &s[start..];
    Some(parts)
}

fn tokens(s: &str, side: Side) -> Vec<Tok> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        if let Some((name, after)) = placeholder(rest) {
            match name.strip_prefix('!') {
                // `${!Literal}` is CloudFormation's escape for the text `${Literal}`.
                Some(lit) if side == Side::Resource => {
                    out.push(Tok::Lit('$'));
                    out.push(Tok::Lit('{'));
                    out.extend(lit.chars().map(Tok::Lit));
                    out.push(Tok::Lit('}'));
                }
                // A manifest parameter (or pseudo parameter) is a name or an
                // id: never empty, never a path. Without that, a parameter could
                // stand for `i/contact-flow/f` and `instance/${InstanceId}/queue/${QueueId}`
                // would fit every `instance/...` format.
                _ if side == Side::Resource => {
                    out.push(Tok::OneNoSlash);
                    out.push(Tok::StarNoSlash);
                }
                // A catalogue placeholder: any non-empty value (object keys,
                // log group names and paths contain `/`).
                _ => {
                    out.push(Tok::One);
                    out.push(Tok::Star);
                }
            }
            rest = after;
            continue;
        }
        out.push(match c {
            '*' => Tok::Star,
            '?' => Tok::One,
            c => Tok::Lit(c),
        });
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Is there a string that both patterns match? Walks the product of the two
/// patterns' automata; at most (len a + 1) * (len b + 1) states.
#[expect(clippy::indexing_slicing, reason = "idx < (a.len() + 1) * width")]
fn overlap(a: &[Tok], b: &[Tok]) -> bool {
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut todo = vec![(0usize, 0usize)];
    while let Some((i, j)) = todo.pop() {
        let idx = i * width + j;
        if seen[idx] {
            continue;
        }
        seen[idx] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        let (ta, tb) = (a.get(i).copied(), b.get(j).copied());
        let is_star = |t: Tok| matches!(t, Tok::Star | Tok::StarNoSlash);
        // A star may match nothing.
        if ta.is_some_and(is_star) {
            todo.push((i + 1, j));
        }
        if tb.is_some_and(is_star) {
            todo.push((i, j + 1));
        }
        // Both read the same next character.
        if let (Some(x), Some(y)) = (ta, tb) {
            let no_slash = |t: Tok| matches!(t, Tok::OneNoSlash | Tok::StarNoSlash);
            let compatible = match (x, y) {
                (Tok::Lit(p), Tok::Lit(q)) => p == q,
                (Tok::Lit(c), t) | (t, Tok::Lit(c)) => !(c == '/' && no_slash(t)),
                _ => true,
            };
            let ni = if is_star(x) { i } else { i + 1 };
            let nj = if is_star(y) { j } else { j + 1 };
            if compatible && (ni, nj) != (i, j) {
                todo.push((ni, nj));
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/${ContactFlowId}";

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
    }

    #[test]
    fn overlap_basics() {
        let f = |s| tokens(s, Side::Format);
        let r = |s| tokens(s, Side::Resource);
        assert!(overlap(&f("a${X}b"), &r("a*")));
        assert!(!overlap(&f("a${X}b"), &r("ab")));
        assert!(overlap(&f("a${X}b"), &r("a?b")));
        assert!(!overlap(&f("abc"), &r("a?")));
        assert!(overlap(&f(""), &r("*")));
        assert!(!overlap(&f(""), &r("?")));
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
}
