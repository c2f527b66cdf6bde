//! Policy sizes as IAM counts them, and the split of statements across
//! managed policies.
//!
//! IAM counts a policy's characters without whitespace, after CloudFormation
//! has substituted every `${...}` and `Ref`. We count the minified document
//! with every substitution at its longest possible value, so a template that
//! fits here fits in every customer account, whatever parameters are given.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::iam::sub::{self, Token};

/// Most characters in one customer managed policy (not adjustable).
pub const MANAGED_POLICY_LIMIT: usize = 6_144;
/// Most characters in a trust policy (the default quota).
pub const TRUST_POLICY_LIMIT: usize = 2_048;
/// Most managed policies attached to one role (the quota raised to its
/// maximum; the default is 10, `roles.max_managed_policies`).
pub const MAX_POLICIES: usize = 20;
/// Most characters of all inline policies of one role together.
pub const INLINE_POLICY_LIMIT: usize = 10_240;

/// Longest value of each pseudo parameter, and of each module parameter.
#[derive(Debug, Clone)]
pub struct WorstCase {
    lengths: BTreeMap<String, usize>,
}

impl WorstCase {
    /// Pseudo parameters plus the given parameters with their maximum lengths.
    pub fn new<'a>(params: impl IntoIterator<Item = (&'a str, usize)>) -> Self {
        let mut lengths: BTreeMap<String, usize> = [
            // `aws-us-gov`, the longest partition name.
            ("AWS::Partition", 10),
            // The longest region codes today are 15 characters
            // (`us-isof-south-1`); regions keep being added, so leave room.
            ("AWS::Region", 20),
            ("AWS::AccountId", 12),
            // CloudFormation stack names are at most 128 characters.
            ("AWS::StackName", 128),
            ("AWS::URLSuffix", 20),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for (k, v) in params {
            lengths.insert(k.to_string(), v);
        }
        Self { lengths }
    }

    /// Length a `${name}` or `Ref: name` can take; unknown names count as
    /// their own text (CloudFormation would reject them anyway).
    fn len_of(&self, name: &str) -> usize {
        self.lengths
            .get(name)
            .copied()
            .unwrap_or(name.chars().count() + 3)
    }

    /// A string as it would read after `Fn::Sub`, with placeholders padded
    /// to their worst-case length.
    fn substitute(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for t in sub::tokens(s) {
            match t {
                // `${!x}` is Fn::Sub's escape for a literal `${x}`.
                Token::Escaped(literal) => {
                    out.push_str("${");
                    out.push_str(literal);
                    out.push('}');
                }
                Token::Placeholder(name) => out.push_str(&"x".repeat(self.len_of(name))),
                Token::Literal(text) | Token::Unterminated(text) => out.push_str(text),
            }
        }
        out
    }

    /// The document as IAM would store it in the worst case: intrinsic
    /// functions resolved to padded strings.
    pub fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 => {
                if let Some(Value::String(s)) = m.get("Fn::Sub") {
                    return Value::String(self.substitute(s));
                }
                if let Some(Value::String(name)) = m.get("Ref") {
                    return Value::String("x".repeat(self.len_of(name)));
                }
                Value::Object(
                    m.iter()
                        .map(|(k, v)| (k.clone(), self.resolve(v)))
                        .collect(),
                )
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .collect(),
            ),
            Value::Array(a) => Value::Array(a.iter().map(|v| self.resolve(v)).collect()),
            other => other.clone(),
        }
    }

    /// Characters IAM counts for `doc` (minified, worst case).
    pub fn size(&self, doc: &Value) -> usize {
        minified_len(&self.resolve(doc))
    }
}

/// Characters of the minified JSON text (serde_json writes no whitespace).
pub fn minified_len(v: &Value) -> usize {
    v.to_string().chars().count()
}

/// Outcome of [`first_fit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// Statement indexes per policy, in statement order within each policy.
    Fits(Vec<Vec<usize>>),
    /// Statement `index` alone needs `size` characters, more than a policy holds.
    TooLarge {
        /// Index of the statement.
        index: usize,
        /// Its size inside an otherwise empty policy.
        size: usize,
    },
}

/// Places statements (given by their worst-case sizes) into policies, each
/// into the first policy with room, in the given order. `empty` is the size
/// of a policy document without statements; statements are separated by a
/// comma.
pub fn first_fit(empty: usize, sizes: &[usize], limit: usize) -> Split {
    let mut bins: Vec<(usize, Vec<usize>)> = Vec::new();
    for (i, &s) in sizes.iter().enumerate() {
        if empty + s > limit {
            return Split::TooLarge {
                index: i,
                size: empty + s,
            };
        }
        match bins.iter_mut().find(|(used, _)| used + 1 + s <= limit) {
            Some((used, items)) => {
                *used += 1 + s;
                items.push(i);
            }
            None => bins.push((empty + s, vec![i])),
        }
    }
    Split::Fits(bins.into_iter().map(|(_, items)| items).collect())
}
