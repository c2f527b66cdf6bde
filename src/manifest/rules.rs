//! Pure rules about names and strings that IAM and CloudFormation impose:
//! role names and paths, tags, `Fn::Sub` placeholders, condition operators.
//! No locations here: callers attach them.

use std::ops::Range;

use crate::iam::sub::{self, Token};

/// Characters IAM allows in role names (`[\w+=,.@-]`).
pub fn is_role_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

/// Longest IAM role name.
pub const MAX_ROLE_NAME: usize = 64;

/// Checks an authoriser role (`Name` or `path/to/Name`). Returns what is wrong.
pub fn role_with_path(s: &str) -> Result<(), String> {
    if s.starts_with('/') || s.ends_with('/') {
        return Err("must not start or end with `/`".to_owned());
    }
    let mut parts: Vec<&str> = s.split('/').collect();
    let name = parts.pop().unwrap_or_default();
    if name.is_empty() {
        return Err("the role name is empty".to_owned());
    }
    if name.chars().count() > MAX_ROLE_NAME {
        return Err(format!(
            "the role name is {} characters long, IAM allows at most {MAX_ROLE_NAME}",
            name.chars().count()
        ));
    }
    if let Some(c) = name.chars().find(|c| !is_role_name_char(*c)) {
        return Err(format!("`{c}` is not allowed in an IAM role name"));
    }
    for p in parts {
        if p.is_empty() {
            return Err("the path has an empty segment (`//`)".to_owned());
        }
        if let Some(c) = p.chars().find(|c| !is_role_name_char(*c)) {
            return Err(format!("`{c}` is not allowed in an IAM role path"));
        }
    }
    if s.len() - name.len() + 2 > 512 {
        return Err("the path is longer than IAM's 512 characters".to_owned());
    }
    Ok(())
}

/// Characters AWS allows in tag keys and values.
pub fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || (c.is_whitespace() && !c.is_control()) || "_.:/=+-@".contains(c)
}

/// Module id rule: `^[a-z][a-z0-9-]{0,39}$`.
pub fn is_module_id(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some('a'..='z'))
        && s.len() <= 40
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Feature id rule: `^[a-z][a-z0-9-]*$`.
pub fn is_feature_id(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some('a'..='z'))
        && cs.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// CloudFormation logical id: `^[A-Za-z0-9]+$` (at most 255 characters).
pub fn is_logical_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 255 && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Parameters the generator itself declares.
pub const RESERVED_PARAMETERS: [&str; 2] = ["ExternalId", "PermissionsBoundaryArn"];

/// Pseudo parameters allowed in `${...}`.
pub const PSEUDO: [&str; 3] = ["AWS::Partition", "AWS::Region", "AWS::AccountId"];

/// A bad `${...}` in a string: byte range inside the string, message, help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceholderError {
    /// Byte range of the placeholder in the string.
    pub range: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// Checks `Fn::Sub` placeholders: only pseudo parameters of [`PSEUDO`] and
/// declared `params` may appear; `${!x}` is Fn::Sub's escape for a literal
/// `${x}` (e.g. IAM policy variables) and is left alone.
pub fn placeholders<'p>(
    s: &str,
    params: impl Iterator<Item = &'p str> + Clone,
) -> Vec<PlaceholderError> {
    let mut out = Vec::new();
    for piece in sub::pieces(s) {
        let name = match piece.token {
            Token::Placeholder(name) => name,
            Token::Literal(_) | Token::Escaped(_) => continue,
            Token::Unterminated(_) => {
                out.push(PlaceholderError {
                    range: piece.range(),
                    message: "unterminated `${` placeholder".to_owned(),
                    help: "close it with `}`, e.g. `${AWS::Region}`".to_owned(),
                });
                break;
            }
        };
        if PSEUDO.contains(&name) || params.clone().any(|p| p == name) {
            continue;
        }
        let declared: Vec<String> = params.clone().map(|p| format!("`${{{p}}}`")).collect();
        let mut allowed: Vec<String> = PSEUDO.iter().map(|p| format!("`${{{p}}}`")).collect();
        allowed.extend(declared);
        let mut help = format!("allowed: {}", allowed.join(", "));
        let cands = PSEUDO.iter().copied().chain(params.clone());
        if let Some(s) = super::walk::did_you_mean(name, cands) {
            help = format!("did you mean `${{{s}}}`? {help}");
        } else if !name.contains("::") && !name.is_empty() {
            help.push_str(&format!(
                "; declare `{name}` under `parameters` to use it, or write `${{!{name}}}` for a literal"
            ));
        }
        out.push(PlaceholderError {
            range: piece.range(),
            message: format!("unknown placeholder `${{{name}}}`"),
            help,
        });
    }
    out
}

/// IAM condition operators (without `IfExists` and set prefixes).
pub const CONDITION_OPERATORS: [&str; 27] = [
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
];

/// Checks a condition operator; on error returns (message, suggestion).
pub fn condition_operator(op: &str) -> Result<(), (String, Option<String>)> {
    let crate::iam::operator::OperatorParts {
        qualifier: prefix,
        base,
        if_exists,
    } = crate::iam::operator::split(op, false);
    if let Some(p) = prefix
        && p != "ForAnyValue"
        && p != "ForAllValues"
    {
        let sugg = super::walk::did_you_mean(p, ["ForAnyValue", "ForAllValues"])
            .map(|s| op.replacen(p, s, 1));
        return Err((format!("unknown set operator prefix `{p}:`"), sugg));
    }
    if !CONDITION_OPERATORS.contains(&base) {
        let sugg = super::walk::did_you_mean(base, CONDITION_OPERATORS.iter().copied()).map(|s| {
            let mut r = String::new();
            if let Some(p) = prefix {
                r.push_str(p);
                r.push(':');
            }
            r.push_str(s);
            if if_exists {
                r.push_str("IfExists");
            }
            r
        });
        return Err((format!("unknown condition operator `{op}`"), sugg));
    }
    if base == "Null" && (if_exists || prefix.is_some()) {
        return Err((
            format!("`{op}` is not a valid operator: `Null` takes no `IfExists` or set prefix"),
            Some("Null".to_owned()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operators() {
        assert!(condition_operator("StringEquals").is_ok());
        assert!(condition_operator("ForAnyValue:StringLikeIfExists").is_ok());
        assert!(condition_operator("ArnLikeIfExists").is_ok());
        let e = condition_operator("StringEqual").unwrap_err();
        assert_eq!(e.1.as_deref(), Some("StringEquals"));
        assert!(condition_operator("ForSomeValues:StringLike").is_err());
        assert!(condition_operator("NullIfExists").is_err());
    }

    #[test]
    fn placeholder_rules() {
        let p = ["InstanceId"];
        assert!(
            placeholders("arn:${AWS::Partition}:x:${InstanceId}", p.iter().copied()).is_empty()
        );
        assert!(placeholders("${!aws:username}", p.iter().copied()).is_empty());
        let e = placeholders("a${Instance}b", p.iter().copied());
        assert_eq!(e[0].range, 1..12);
        assert!(e[0].help.contains("did you mean `${InstanceId}`"));
        let e = placeholders("a${AWS::Region", p.iter().copied());
        assert!(e[0].message.contains("unterminated"));
        assert_eq!(
            placeholders("${AWS::StackName}", p.iter().copied()).len(),
            1
        );
    }

    #[test]
    fn names() {
        assert!(role_with_path("portal/CXPortalAuthoriserRole").is_ok());
        assert!(role_with_path("/x/Role").is_err());
        assert!(role_with_path("Role!").is_err());
        assert!(is_module_id("contact-flows"));
        assert!(!is_module_id("Contact"));
        assert!(!is_module_id(&"a".repeat(41)));
    }
}
