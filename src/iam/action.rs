//! Action names: `service:ActionName`, split at the first `:`, with `*` and
//! `?` allowed as wildcards in patterns. IAM compares action names
//! ASCII case-insensitively ([`super::wildcard::glob_match_ci`]).
//!
//! Three spellings are accepted, from strict to lenient, and each caller
//! keeps the one its input needs: [`is_manifest_name`] (what a module
//! manifest may list), [`ActionPattern::parse`] (what the `actions` command
//! searches with), [`is_policy_action`] (what an IAM policy document may
//! hold, checked only for its colon, as IAM does).

use miette::Diagnostic;
use thiserror::Error;

use super::wildcard::has_wildcard;

/// Splits `service:Action` at the first `:`; `None` without a colon.
pub fn split(name: &str) -> Option<(&str, &str)> {
    name.split_once(':')
}

/// The service prefix of an action name (`connect`); `None` without a colon.
pub fn service(name: &str) -> Option<&str> {
    split(name).map(|(s, _)| s)
}

/// Is the name a pattern (does it contain `*` or `?`)?
pub fn is_pattern(name: &str) -> bool {
    has_wildcard(name)
}

/// The spelling a module manifest accepts: a non-empty service of ASCII
/// letters, digits and `-`, a `:`, and a non-empty action of ASCII letters,
/// digits and the wildcards `*` and `?`.
pub fn is_manifest_name(name: &str) -> bool {
    match split(name) {
        Some((svc, act)) => {
            !svc.is_empty()
                && !act.is_empty()
                && svc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && act
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '*' || c == '?')
        }
        None => false,
    }
}

/// What an IAM policy's `Action` may hold: `*`, or text with a `:`.
pub fn is_policy_action(a: &str) -> bool {
    a == "*" || a.contains(':')
}

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
        let Some((service, action)) = split(pattern) else {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(split("s3:Get:Object"), Some(("s3", "Get:Object")));
        assert_eq!(service("connect:Describe*"), Some("connect"));
        assert_eq!(service("connect"), None);
        assert!(is_manifest_name("connect:Describe*"));
        assert!(!is_manifest_name("connect:Get_Thing"));
        assert!(!is_manifest_name(":x"));
        assert!(ActionPattern::parse("connect:Get_Thing").is_ok());
        assert!(is_policy_action("*"));
        assert!(!is_policy_action("s3"));
        assert!(is_pattern("s3:Get?"));
    }
}
