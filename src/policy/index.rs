//! Which statements of a policy can name an action: built once per parsed
//! document, so that evaluating a request looks only at the statements
//! whose `Action` spells the request's service prefix, plus those that may
//! match any service (`*`, `*:Delete*`, a wildcard in the prefix,
//! `NotAction`).
//!
//! Only a filter: the evaluator still matches every candidate with the one
//! wildcard engine, so decisions are exactly those of a scan of every
//! statement.

use std::collections::HashMap;

use super::{Element, Statement};
use crate::fasthash::FastHash;

/// Longest service prefix looked up without allocating; longer (or
/// non-ASCII) request prefixes scan every statement.
const PREFIX_MAX: usize = 64;

/// Statement positions by the service prefix their actions name.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ActionIndex {
    /// Lower-case prefix -> positions (ascending) of the statements that
    /// name it, merged with `any`.
    by_service: HashMap<Box<str>, Box<[u32]>, FastHash>,
    /// Positions (ascending) of the statements that may match any action.
    any: Box<[u32]>,
    /// Number of statements (the full scan's range).
    len: usize,
    /// More statements than positions fit in `u32`: always a full scan.
    unindexed: bool,
}

/// The statements to look at for one action.
pub(crate) enum Candidates<'a> {
    /// These positions, ascending.
    Some(&'a [u32]),
    /// Every statement (`0..len`).
    All(usize),
}

impl Candidates<'_> {
    /// The positions, ascending.
    pub(crate) fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        let (some, all) = match self {
            Candidates::Some(s) => (*s, 0),
            Candidates::All(n) => (&[][..], *n),
        };
        some.iter().map(|i| *i as usize).chain(0..all)
    }
}

/// The lower-case literal service prefix of a compiled (lower-cased) action
/// pattern; `None` when a wildcard may stand in it, or it is not plain ASCII.
fn literal_prefix(p: &str) -> Option<String> {
    let (prefix, _) = p.split_once(':')?;
    prefix
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase() && b != b'*' && b != b'?')
        .then(|| prefix.to_string())
}

impl ActionIndex {
    /// Indexes statements (their compiled, lower-cased action patterns).
    pub(crate) fn new(statements: &[Statement]) -> ActionIndex {
        let mut named: HashMap<String, Vec<u32>> = HashMap::new();
        let mut any = Vec::new();
        let len = statements.len();
        for (i, st) in statements.iter().enumerate() {
            let Ok(pos) = u32::try_from(i) else {
                // Beyond any real policy: every statement is scanned.
                return ActionIndex {
                    len,
                    unindexed: true,
                    ..ActionIndex::default()
                };
            };
            let prefixes: Option<Vec<String>> = match st.action {
                Element::Not(_) => None,
                Element::Listed(_) => st
                    .compiled
                    .action_text
                    .iter()
                    .map(|a| literal_prefix(a))
                    .collect(),
            };
            match prefixes {
                Some(mut ps) => {
                    ps.sort_unstable();
                    ps.dedup();
                    for p in ps {
                        named.entry(p).or_default().push(pos);
                    }
                }
                None => any.push(pos),
            }
        }
        let by_service = named
            .into_iter()
            .map(|(k, mut v)| {
                v.extend_from_slice(&any);
                v.sort_unstable();
                (k.into_boxed_str(), v.into_boxed_slice())
            })
            .collect();
        ActionIndex {
            by_service,
            any: any.into_boxed_slice(),
            len,
            unindexed: false,
        }
    }

    /// The statements that may match `action` (a request's action, matched
    /// ignoring case).
    pub(crate) fn candidates(&self, action: &str) -> Candidates<'_> {
        if self.unindexed {
            return Candidates::All(self.len);
        }
        let prefix = action.split(':').next().unwrap_or(action);
        if !action.contains(':') {
            // No statement in `by_service` matches text without a colon.
            return Candidates::Some(&self.any);
        }
        let hit = if prefix
            .bytes()
            .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
        {
            self.by_service.get(prefix)
        } else if prefix.is_ascii() && prefix.len() <= PREFIX_MAX {
            let mut buf = [0u8; PREFIX_MAX];
            let lower = buf.get_mut(..prefix.len());
            let Some(lower) = lower else {
                return Candidates::All(self.len);
            };
            lower.copy_from_slice(prefix.as_bytes());
            lower.make_ascii_lowercase();
            match std::str::from_utf8(lower) {
                Ok(l) => self.by_service.get(l),
                Err(_) => return Candidates::All(self.len),
            }
        } else {
            // Non-ASCII text lower-cases in ways the index does not follow.
            return Candidates::All(self.len);
        };
        Candidates::Some(hit.map_or(&self.any, |v| v))
    }
}

#[cfg(test)]
mod tests {
    use crate::policy::Policy;
    use serde_json::json;

    fn positions(p: &Policy, action: &str) -> Vec<usize> {
        p.index.candidates(action).iter().collect()
    }

    #[test]
    fn candidates_are_the_statements_that_can_name_the_action() {
        let p = Policy::parse(
            "p",
            &json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"},
                {"Effect": "Allow", "Action": ["EC2:Describe*", "s3:List*"], "Resource": "*"},
                {"Effect": "Deny", "Action": "*:Delete*", "Resource": "*"},
                {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
                {"Effect": "Allow", "Action": ["sqs:*", "s?s:*"], "Resource": "*"},
                {"Effect": "Allow", "Action": "sqs:Send*", "Resource": "*"}
            ]}),
        )
        .unwrap();
        assert_eq!(positions(&p, "s3:GetObject"), [0, 1, 2, 3, 4]);
        assert_eq!(positions(&p, "S3:GetObject"), [0, 1, 2, 3, 4]);
        assert_eq!(positions(&p, "ec2:RunInstances"), [1, 2, 3, 4]);
        assert_eq!(positions(&p, "sqs:SendMessage"), [2, 3, 4, 5]);
        assert_eq!(positions(&p, "kms:Decrypt"), [2, 3, 4]);
        assert_eq!(positions(&p, "nocolon"), [2, 3, 4]);
        // Non-ASCII prefixes scan everything.
        assert_eq!(positions(&p, "ſ3:GetObject"), [0, 1, 2, 3, 4, 5]);
    }
}
