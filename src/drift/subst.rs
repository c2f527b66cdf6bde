//! Turns the compiled module's `Fn::Sub` strings into the values of one
//! role: pseudo parameters from the role ARN and the stack, module
//! parameters from the stack; what stays unknown is inferred from the role's
//! own statements (the deployed template wrote the values there), else left
//! as `${Name}`, which coverage treats as an unknown value.

use std::collections::BTreeMap;

/// Values for `${...}` placeholders.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Values(pub BTreeMap<String, String>);

impl Values {
    /// Replaces every known `${Name}`; unknown names stay as written.
    pub fn apply(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let after = &rest[i + 2..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match self.0.get(name) {
                        Some(v) => out.push_str(v),
                        None => out.push_str(&rest[i..i + 3 + end]),
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[i..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
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

/// `${Name}` placeholders of a `Fn::Sub` string, in order.
pub fn placeholders(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        out.push(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

/// Binds the placeholders of `template` so that it equals `concrete`, or
/// `None`. A placeholder matches a non-empty run without `:` or `/` (ARN
/// parts and path segments), so a value never swallows structure.
pub fn bind(template: &str, concrete: &str) -> Option<BTreeMap<String, String>> {
    let mut binds = BTreeMap::new();
    if bind_from(template, concrete, &mut binds) {
        Some(binds)
    } else {
        None
    }
}

fn bind_from(t: &str, c: &str, binds: &mut BTreeMap<String, String>) -> bool {
    let Some(i) = t.find("${") else {
        return t == c;
    };
    if !c.starts_with(&t[..i]) {
        return false;
    }
    let after = &t[i + 2..];
    let Some(end) = after.find('}') else {
        return t == c;
    };
    let name = &after[..end];
    let t_rest = &after[end + 1..];
    let c_rest = &c[i..];
    let max = c_rest.find([':', '/']).unwrap_or(c_rest.len());
    for len in (1..=max).rev() {
        let value = &c_rest[..len];
        if binds.get(name).is_some_and(|v| v != value) {
            continue;
        }
        let mut trial = binds.clone();
        trial.insert(name.to_string(), value.to_string());
        if bind_from(t_rest, &c_rest[len..], &mut trial) {
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
