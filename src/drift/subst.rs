//! Turns the compiled module's `Fn::Sub` strings into the values of one
//! role: pseudo parameters from the role ARN and the stack, module
//! parameters from the stack; what stays unknown is inferred from the role's
//! own statements (the deployed template wrote the values there), else left
//! as `${Name}`, which coverage treats as an unknown value.

use std::collections::BTreeMap;

use crate::iam::sub::{self, Piece};

/// Values for `${...}` placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(pub BTreeMap<String, String>);

impl Values {
    /// Replaces every known `${Name}`; unknown names stay as written.
    pub fn apply(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        for p in sub::pieces(s) {
            match p.inner().and_then(|name| self.0.get(name)) {
                Some(v) => out.push_str(v),
                None => out.push_str(p.raw),
            }
        }
        out
    }

    /// Placeholder names left in `s` after [`Values::apply`].
    pub fn unknown_in(&self, s: &str) -> Vec<String> {
        placeholders(s)
            .into_iter()
            .filter(|n| !self.0.contains_key(n))
            .collect()
    }
}

/// `${Name}` placeholders of a `Fn::Sub` string, in order. An escape
/// `${!x}` is listed as the name `!x`, as written.
pub fn placeholders(s: &str) -> Vec<String> {
    sub::pieces(s)
        .filter_map(|p| p.inner())
        .map(str::to_string)
        .collect()
}

/// Binds the placeholders of `template` so that it equals `concrete`, or
/// `None`. A placeholder matches a non-empty run without `:` or `/` (ARN
/// parts and path segments), so a value never swallows structure.
pub fn bind(template: &str, concrete: &str) -> Option<BTreeMap<String, String>> {
    let mut binds = BTreeMap::new();
    let pieces: Vec<Piece<'_>> = sub::pieces(template).collect();
    if bind_from(&pieces, concrete, &mut binds) {
        Some(binds)
    } else {
        None
    }
}

fn bind_from(t: &[Piece<'_>], c: &str, binds: &mut BTreeMap<String, String>) -> bool {
    let Some((first, t_rest)) = t.split_first() else {
        return c.is_empty();
    };
    let Some(name) = first.inner() else {
        // Text (an unterminated `${` included) must be there as written.
        return c
            .strip_prefix(first.raw)
            .is_some_and(|c_rest| bind_from(t_rest, c_rest, binds));
    };
    let max = c.find([':', '/']).unwrap_or(c.len());
    for len in (1..=max).rev() {
        let (Some(value), Some(c_rest)) = (c.get(..len), c.get(len..)) else {
            // Not a character boundary.
            continue;
        };
        if binds.get(name).is_some_and(|v| v != value) {
            continue;
        }
        let mut trial = binds.clone();
        trial.insert(name.to_string(), value.to_string());
        if bind_from(t_rest, c_rest, &mut trial) {
            *binds = trial;
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_keeps_unknown_names() {
        let v = Values(BTreeMap::from([("AWS::Partition".into(), "aws".into())]));
        assert_eq!(
            v.apply("arn:${AWS::Partition}:connect:${AWS::Region}:x"),
            "arn:aws:connect:${AWS::Region}:x"
        );
        assert_eq!(
            v.unknown_in("arn:${AWS::Partition}:${AWS::Region}"),
            ["AWS::Region"]
        );
        assert_eq!(v.apply("no placeholder ${"), "no placeholder ${");
    }

    #[test]
    fn bind_infers_values_part_by_part() {
        let b = bind(
            "arn:aws:connect:${AWS::Region}:1:instance/${InstanceId}/contact-flow/*",
            "arn:aws:connect:eu-west-2:1:instance/abc-1/contact-flow/*",
        )
        .unwrap_or_default();
        assert_eq!(b.get("AWS::Region").map(String::as_str), Some("eu-west-2"));
        assert_eq!(b.get("InstanceId").map(String::as_str), Some("abc-1"));
        assert_eq!(bind("a/${X}/b", "a/x/y/b"), None);
        assert_eq!(bind("${X}-${X}", "a-b"), None);
        assert!(bind("${X}-${X}", "a-a").is_some());
    }
}
