//! Action-name patterns: `service:Action` with IAM's `*` and `?` wildcards,
//! compared case-insensitively (IAM action names are case-insensitive).

use miette::Diagnostic;
use thiserror::Error;

/// Why an action pattern is malformed.
#[derive(Debug, Clone, PartialEq, Eq, Error, Diagnostic)]
pub enum PatternError {
    /// No `:` between service and action.
    #[error(
        "action pattern `{0}` has no `:`; write it as `service:Action`, for example `connect:Describe*`"
    )]
    #[diagnostic(code(rolesmith::catalogue::pattern))]
    NoColon(String),
    /// More than one `:`.
    #[error("action pattern `{0}` has more than one `:`; write it as `service:Action`")]
    #[diagnostic(code(rolesmith::catalogue::pattern))]
    ExtraColon(String),
    /// Empty service or action part.
    #[error(
        "action pattern `{0}` has an empty service or action part; write it as `service:Action`"
    )]
    #[diagnostic(code(rolesmith::catalogue::pattern))]
    EmptyPart(String),
    /// A character no action name can contain.
    #[error(
        "action pattern `{pattern}` contains `{ch}`; use letters, digits, `-`, `_`, `.`, and the wildcards `*` and `?`"
    )]
    #[diagnostic(code(rolesmith::catalogue::pattern))]
    BadChar {
        /// The whole pattern.
        pattern: String,
        /// The first offending character.
        ch: char,
    },
}

/// A checked `service:Action` pattern, split at its colon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionPattern<'p> {
    /// Pattern of the service prefix (`connect`, `s3*`).
    pub service: &'p str,
    /// Pattern of the action name (`Describe*`).
    pub action: &'p str,
}

impl<'p> ActionPattern<'p> {
    /// Checks the shape of `pattern`: one `:`, both parts non-empty, only
    /// characters that occur in action names plus `*` and `?`.
    pub fn parse(pattern: &'p str) -> Result<Self, PatternError> {
        let Some((service, action)) = pattern.split_once(':') else {
            return Err(PatternError::NoColon(pattern.to_owned()));
        };
        if action.contains(':') {
            return Err(PatternError::ExtraColon(pattern.to_owned()));
        }
        if service.is_empty() || action.is_empty() {
            return Err(PatternError::EmptyPart(pattern.to_owned()));
        }
        if let Some(ch) = pattern.chars().find(|&c| {
            !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?' | ':'))
        }) {
            return Err(PatternError::BadChar {
                pattern: pattern.to_owned(),
                ch,
            });
        }
        Ok(Self { service, action })
    }

    /// Does the pattern contain a wildcard?
    pub fn has_wildcard(&self) -> bool {
        has_wildcard(self.service) || has_wildcard(self.action)
    }
}

/// Does `s` contain `*` or `?`?
pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Matches `text` against `pattern` with `*` (any run, possibly empty) and
/// `?` (exactly one character), ignoring ASCII case.
///
/// Linear-time greedy matching with one backtrack point, as in classic glob
/// implementations, so hostile patterns cannot make it slow.
#[expect(clippy::indexing_slicing, reason = "the loop keeps ti, bt < t.len()")]
pub fn glob_match_ci(pattern: &str, text: &str) -> bool {
    let p = pattern.as_bytes();
    let t = text.as_bytes();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut back: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    back = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                b'?' => {
                    // `?` is one character, not one byte.
                    pi += 1;
                    ti += utf8_len(t[ti]);
                    continue;
                }
                c if c.eq_ignore_ascii_case(&t[ti]) => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
        }
        match back {
            Some((bp, bt)) => {
                let next = bt + utf8_len(t[bt]);
                back = Some((bp, next));
                pi = bp + 1;
                ti = next;
            }
            None => return false,
        }
    }
    p[pi.min(p.len())..].iter().all(|&c| c == b'*')
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob() {
        assert!(glob_match_ci("Describe*", "describecontactflow"));
        assert!(glob_match_ci("*flow", "DescribeContactFlow"));
        assert!(glob_match_ci("d?scribe*", "Describe"));
        assert!(!glob_match_ci("d?scribe?", "Describe"));
        assert!(glob_match_ci("*", ""));
        assert!(!glob_match_ci("", "a"));
        assert!(glob_match_ci("a*b*c", "aXbYbZc"));
        assert!(!glob_match_ci("a*b*c", "aXbYbZ"));
        assert!(glob_match_ci("?", "é"));
    }
}
