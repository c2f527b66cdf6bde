//! Plain words for what a security reviewer reads: resources (an `Fn::Sub`
//! ARN aligned with the catalogue's ARN format of its resource type),
//! condition blocks and session lengths. Backticks mark names (parameters,
//! literal values); the HTML renderer turns them into `<code>`.

use super::lookup::ResourceType;
use crate::iam::Conditions;
use crate::iam::sub::{self, Token};

/// One piece of an ARN format: literal text or a `${Name}` placeholder.
#[derive(Debug, PartialEq, Eq)]
enum Piece<'a> {
    Lit(&'a str),
    Ph(&'a str),
}

fn pieces(format: &str) -> Vec<Piece<'_>> {
    sub::pieces(format)
        .map(|p| match p.inner() {
            Some(name) => Piece::Ph(name),
            None => Piece::Lit(p.raw),
        })
        .collect()
}

/// Splits a resource into units: a `${...}` reference is one unit, so a
/// placeholder of the format takes it whole.
fn units(resource: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for p in sub::pieces(resource) {
        match p.token {
            // One unit per character.
            Token::Literal(text) => out.extend(text.split_inclusive(|_: char| true)),
            Token::Placeholder(_) | Token::Escaped(_) | Token::Unterminated(_) => out.push(p.raw),
        }
    }
    out
}

/// Aligns a resource with an ARN format: the value each placeholder of the
/// format takes, in order, or `None` when the resource does not fit. A
/// placeholder takes at least one unit, never a `:`, and a `/` only when it
/// ends the format (object keys and paths).
fn align<'a>(format: &'a str, resource: &str) -> Option<Vec<(&'a str, String)>> {
    let ps = pieces(format);
    let us = units(resource);
    let mut out = Vec::new();
    if go(&ps, &us, &mut out) {
        Some(out)
    } else {
        None
    }
}

#[expect(clippy::indexing_slicing, reason = "k only counts us.get(k) hits")]
fn go<'a>(ps: &[Piece<'a>], us: &[&str], out: &mut Vec<(&'a str, String)>) -> bool {
    match ps.split_first() {
        None => us.is_empty(),
        Some((Piece::Lit(l), rest)) => {
            let mut k = 0;
            let mut matched = 0;
            while matched < l.len() {
                match us.get(k) {
                    Some(u) if l[matched..].starts_with(u) => {
                        matched += u.len();
                        k += 1;
                    }
                    _ => return false,
                }
            }
            go(rest, &us[k..], out)
        }
        Some((Piece::Ph(name), rest)) => {
            let last = rest.is_empty();
            for k in 1..=us.len() {
                let Some(u) = us.get(k - 1) else { break };
                if *u == ":" || (*u == "/" && !last) {
                    break;
                }
                out.push((name, us[..k].concat()));
                if go(rest, &us[k..], out) {
                    return true;
                }
                out.pop();
            }
            false
        }
    }
}

/// `ContactFlowId` -> `contact flow`; `contact-flow` -> `contact flow`.
fn noun(name: &str) -> String {
    // An acronym (`UUID`, `ARN`) is a word of its own: `any UUID`.
    if name.len() > 1
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return name.to_string();
    }
    let mut base = name;
    for suffix in ["NameWithPath", "Name", "Id", "Arn", "Path", "ID"] {
        if let Some(b) = base.strip_suffix(suffix)
            && !b.is_empty()
        {
            base = b;
            break;
        }
    }
    let mut words = String::new();
    let mut prev_lower = false;
    for c in base.chars() {
        if c == '-' || c == '_' || c == ' ' {
            if !words.ends_with(' ') {
                words.push(' ');
            }
            prev_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && prev_lower {
            words.push(' ');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        words.push(c.to_ascii_lowercase());
    }
    words.trim().to_string()
}

fn is_pseudo(name: &str) -> bool {
    matches!(name, "Partition" | "Region" | "Account")
}

/// How a value of an ARN reads: `*` is "every", a parameter is named.
enum Val<'a> {
    Any,
    Param(&'a str),
    ThisStack,
    Pattern(&'a str),
    Literal(&'a str),
}

fn val(v: &str) -> Val<'_> {
    if v == "*" {
        Val::Any
    } else if v == "${AWS::StackName}" {
        Val::ThisStack
    } else if let Some(p) = only_placeholder(v)
        && !p.contains("${")
        && !p.starts_with("AWS::")
    {
        Val::Param(p)
    } else if crate::iam::wildcard::has_wildcard(v) {
        Val::Pattern(v)
    } else {
        Val::Literal(v)
    }
}

/// The name inside `v` when `v` is one `${...}` and nothing else.
fn only_placeholder(v: &str) -> Option<&str> {
    let mut ps = sub::pieces(v);
    match (ps.next(), ps.next()) {
        (Some(p), None) => p.inner(),
        _ => None,
    }
}

fn subject(noun: &str, v: &str) -> String {
    match val(v) {
        Val::Any => format!("every {noun}"),
        Val::Param(p) => format!("the {noun} given as `{p}`"),
        Val::ThisStack if noun.ends_with("stack") => "this stack itself".to_string(),
        Val::ThisStack => format!("the {noun} named after this stack"),
        Val::Pattern(p) => format!("every {noun} matching `{p}`{}", crosses_slash(p)),
        Val::Literal(l) => format!("the {noun} `{l}`"),
    }
}

/// IAM's `*` matches any characters, `/` included: a pattern's words say
/// so, since names such as `cx-portal-a/b` (or keys under a prefix) match.
fn crosses_slash(pattern: &str) -> &'static str {
    if pattern.contains('*') {
        " (`*` also matches `/`)"
    } else {
        ""
    }
}

fn qualifier(noun: &str, v: &str) -> String {
    match val(v) {
        Val::Any => format!("of any {noun}"),
        Val::Param(p) => format!("of the {noun} given as `{p}`"),
        Val::ThisStack => "of this stack".to_string(),
        Val::Pattern(p) => format!("of any {noun} matching `{p}`{}", crosses_slash(p)),
        Val::Literal(l) => format!("of the {noun} `{l}`"),
    }
}

/// `AWS Identity and Access Management (IAM)` -> `AWS IAM`: the short
/// name when the catalogue gives one in parentheses.
fn short_service(name: &str) -> String {
    match (name.split_once(' '), name.rsplit_once(" (")) {
        (Some((brand, _)), Some((_, short))) if short.ends_with(')') => {
            format!("{brand} {}", short.trim_end_matches(')'))
        }
        _ => name.to_string(),
    }
}

/// The service part of an ARN, not counting `:` inside `${...}`.
fn arn_service(resource: &str) -> &str {
    crate::iam::arn::sub_parts(resource)
        .nth(2)
        .unwrap_or_default()
}

/// Plain words for one granted resource (an `Fn::Sub` string): which
/// resources of which service, using the resource types of the grant's
/// actions to name them. Falls back to the ARN itself.
pub fn resource(
    resource: &str,
    types: &[ResourceType],
    service_name: impl Fn(&str) -> Option<String>,
) -> String {
    if resource == "*" {
        return "every resource (`*`)".to_string();
    }
    // A resource that is one stack parameter (`${PermissionsBoundaryArn}`).
    if let Some(name) = only_placeholder(resource) {
        return if name == crate::compile::template::BOUNDARY {
            format!(
                "the role's permissions boundary: the managed policy given as `{name}` (the statement exists only when the stack sets one)"
            )
        } else {
            format!("the resource given as `{name}`")
        };
    }
    let fitting = types.iter().find_map(|t| {
        t.arn_formats
            .iter()
            .find_map(|f| align(f, resource).map(|b| (t, b)))
    });
    let any_service = arn_service(resource) == "*";
    let service = arn_service(resource);
    let service = service_name(service)
        .map(|n| short_service(&n))
        .unwrap_or_else(|| {
            if any_service {
                "AWS".to_string()
            } else {
                format!("`{service}`")
            }
        });
    let Some((ty, bindings)) = fitting else {
        return format!("{service} resources matching `{resource}`");
    };
    let type_noun = noun(&ty.name);
    let mut where_ = Vec::new();
    let mut managed = false;
    for (name, v) in &bindings {
        match (*name, v.as_str()) {
            ("Account", "aws") => managed = true,
            ("Account", "${AWS::AccountId}") | ("Region", "${AWS::Region}") => {}
            ("Account", "*") => where_.push("in any account".to_string()),
            ("Region", "*") => where_.push("in any region".to_string()),
            ("Account", a) => where_.push(format!("in the account `{a}`")),
            ("Region", r) => where_.push(format!("in the region `{r}`")),
            _ => {}
        }
    }
    // A format whose service part is a placeholder (`${Vendor}`) granted
    // with `*`: resources of any service, said once below.
    if any_service {
        where_.insert(0, "of any AWS service".to_string());
    }
    // A format whose account part is a literal `*` binds no placeholder.
    if crate::iam::arn::sub_parts(resource).nth(4) == Some("*")
        && !where_.iter().any(|w| w == "in any account")
    {
        where_.push("in any account".to_string());
    }
    let service_part = |n: &str| any_service && matches!(n, "Vendor" | "Service");
    let named: Vec<(String, &str)> = bindings
        .iter()
        .filter(|(n, _)| !is_pseudo(n) && !service_part(n))
        .map(|(n, v)| (noun(n), v.as_str()))
        .collect();
    // The placeholder named like the type is the resource itself; the ones
    // before it locate it (its instance, bucket...), later ones are sub-ids.
    let subject_at = named
        .iter()
        .position(|(n, _)| *n == type_noun)
        .unwrap_or(named.len().saturating_sub(1));
    let mut qualifiers: Vec<String> = Vec::new();
    for (i, (n, v)) in named.iter().enumerate() {
        if i < subject_at {
            qualifiers.push(qualifier(n, v));
        } else if i > subject_at && *v != "*" {
            qualifiers.push(format!("with {n} `{v}`"));
        }
    }
    let subject_noun = if managed {
        format!("AWS managed {service} {type_noun}")
    } else if subject_at == 0 {
        format!("{service} {type_noun}")
    } else {
        type_noun.clone()
    };
    let subject_value = named.get(subject_at).map_or("*", |(_, v)| *v);
    let mut out = subject(&subject_noun, subject_value);
    // The service is named once, on the outermost thing.
    let mut first = true;
    for q in qualifiers.iter() {
        out.push(' ');
        if first && subject_at > 0 && !managed {
            out.push_str(
                &q.replacen("of the ", &format!("of the {service} "), 1)
                    .replacen("of any ", &format!("of any {service} "), 1),
            );
        } else {
            out.push_str(q);
        }
        first = false;
    }
    for w in where_ {
        out.push(' ');
        out.push_str(&w);
    }
    out
}

/// What a granted resource leaves open with `*`, in words: "any bucket"
/// when its outermost named part (bucket, table, instance, rule...) is
/// `*`, "any account", "any region". Empty when the resource names its
/// account, region and outermost resource (a parameter, a name or a name
/// pattern). `*` itself is "every resource", reported on its own.
pub fn broad_parts(resource: &str, types: &[ResourceType]) -> Vec<String> {
    if resource == "*" {
        return Vec::new();
    }
    let bindings = types
        .iter()
        .find_map(|t| t.arn_formats.iter().find_map(|f| align(f, resource)));
    let mut out = Vec::new();
    match bindings {
        // AWS managed resources (account `aws`) are the same for everyone.
        Some(bindings) if bindings.iter().any(|(n, v)| *n == "Account" && v == "aws") => {}
        Some(bindings) => {
            if let Some((name, _)) = bindings
                .iter()
                .find(|(n, _)| !is_pseudo(n))
                .filter(|(_, v)| v == "*")
            {
                out.push(format!("any {}", noun(name)));
            }
            for (name, v) in &bindings {
                match (*name, v.as_str()) {
                    ("Account", "*") => out.push("any account".to_string()),
                    ("Region", "*") => out.push("any region".to_string()),
                    _ => {}
                }
            }
            // A format whose account part is a literal `*` (no placeholder).
            let account = crate::iam::arn::sub_parts(resource).nth(4);
            if account == Some("*") && !out.iter().any(|w| w == "any account") {
                out.push("any account".to_string());
            }
        }
        None => {
            let parts: Vec<&str> = crate::iam::arn::sub_parts(resource).collect();
            if parts.get(3) == Some(&"*") {
                out.push("any region".to_string());
            }
            if parts.get(4) == Some(&"*") {
                out.push("any account".to_string());
            }
            if parts.get(5).is_some_and(|r| r.starts_with('*')) {
                out.push("any resource of the service".to_string());
            }
        }
    }
    out
}

fn operator_words(op: &str) -> (&'static str, String, bool) {
    let parts = crate::iam::operator::split(op, false);
    let set = match parts.qualifier {
        Some("ForAnyValue") => "any value of ",
        Some("ForAllValues") => "every value of ",
        _ => "",
    };
    let (base, if_exists) = (parts.base, parts.if_exists);
    let verb = match base {
        "StringEquals" | "ArnEquals" | "Bool" | "BinaryEquals" => "is",
        "StringEqualsIgnoreCase" => "is, ignoring case,",
        "StringNotEquals" | "ArnNotEquals" => "is not",
        "StringNotEqualsIgnoreCase" => "is not, ignoring case,",
        "StringLike" | "ArnLike" => "matches",
        "StringNotLike" | "ArnNotLike" => "does not match",
        "NumericEquals" => "equals",
        "NumericNotEquals" => "does not equal",
        "NumericLessThan" => "is less than",
        "NumericLessThanEquals" => "is at most",
        "NumericGreaterThan" => "is more than",
        "NumericGreaterThanEquals" => "is at least",
        "DateEquals" => "is the date",
        "DateNotEquals" => "is not the date",
        "DateLessThan" => "is before",
        "DateLessThanEquals" => "is at or before",
        "DateGreaterThan" => "is after",
        "DateGreaterThanEquals" => "is at or after",
        "IpAddress" => "is in",
        "NotIpAddress" => "is not in",
        _ => return ("", format!("`{op}`"), false),
    };
    (set, verb.to_string(), if_exists)
}

/// One sentence per condition key: "`aws:ResourceTag/managed-by` is `cx-portal`".
pub fn conditions(c: &Conditions) -> Vec<String> {
    let mut out = Vec::new();
    for (op, keys) in c {
        for (key, values) in keys {
            let list = values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let sentence = if op == "Null" {
                match values.as_slice() {
                    [v] if v == "true" => format!("`{key}` is absent from the request"),
                    [v] if v == "false" => format!("`{key}` is present in the request"),
                    _ => format!("`Null` `{key}` {list}"),
                }
            } else {
                let (set, verb, if_exists) = operator_words(op);
                let one_of = if values.len() > 1 { "one of " } else { "" };
                let tail = if if_exists {
                    ", or the request does not have it"
                } else {
                    ""
                };
                format!("{set}`{key}` {verb} {one_of}{list}{tail}")
            };
            out.push(sentence);
        }
    }
    out
}

/// `3600` -> `1 hour`, `5400` -> `1 hour 30 minutes`.
pub fn duration(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, (seconds % 3600) / 60, seconds % 60);
    let unit = |n: u64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    let mut parts = Vec::new();
    if h > 0 {
        parts.push(unit(h, "hour"));
    }
    if m > 0 {
        parts.push(unit(m, "minute"));
    }
    if s > 0 || parts.is_empty() {
        parts.push(unit(s, "second"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLOW: &str = "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/${ContactFlowId}";
    const INSTANCE: &str = "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}";

    fn types(list: &[(&str, &str)]) -> Vec<ResourceType> {
        list.iter()
            .map(|(n, f)| ResourceType {
                name: n.to_string(),
                arn_formats: vec![f.to_string()],
            })
            .collect()
    }

    fn names(p: &str) -> Option<String> {
        match p {
            "connect" => Some("Amazon Connect".into()),
            "iam" => Some("AWS Identity and Access Management (IAM)".into()),
            "s3" => Some("Amazon S3".into()),
            "cloudformation" => Some("AWS CloudFormation".into()),
            _ => None,
        }
    }

    #[test]
    fn contact_flows_of_an_instance() {
        let t = types(&[("contact-flow", FLOW), ("instance", INSTANCE)]);
        assert_eq!(
            resource(
                "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*",
                &t,
                names
            ),
            "every contact flow of the Amazon Connect instance given as `InstanceId`"
        );
        assert_eq!(
            resource(
                "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}",
                &t,
                names
            ),
            "the Amazon Connect instance given as `InstanceId`"
        );
    }

    #[test]
    fn managed_policies_roles_and_stacks() {
        let policy = types(&[(
            "policy",
            "arn:${Partition}:iam::${Account}:policy/${PolicyNameWithPath}",
        )]);
        assert_eq!(
            resource("arn:${AWS::Partition}:iam::aws:policy/*", &policy, names),
            "every AWS managed AWS IAM policy"
        );
        assert_eq!(
            resource(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/CXPortal-x-1",
                &policy,
                names
            ),
            "the AWS IAM policy `CXPortal-x-1`"
        );
        let stack = types(&[(
            "stack",
            "arn:${Partition}:cloudformation:${Region}:${Account}:stack/${StackName}/${Id}",
        )]);
        assert_eq!(
            resource(
                "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*",
                &stack,
                names
            ),
            "this stack itself"
        );
    }

    #[test]
    fn object_keys_take_slashes_and_regions_can_be_any() {
        let obj = types(&[(
            "object",
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        )]);
        assert_eq!(
            resource(
                "arn:${AWS::Partition}:s3:::${Bucket}/exports/*",
                &obj,
                names
            ),
            "every object matching `exports/*` (`*` also matches `/`) of the Amazon S3 bucket given as `Bucket`"
        );
        let t = types(&[("instance", INSTANCE)]);
        assert_eq!(
            resource("arn:${AWS::Partition}:connect:*:*:instance/*", &t, names),
            "every Amazon Connect instance in any region in any account"
        );
    }

    #[test]
    fn patterns_say_that_star_crosses_slashes() {
        let rule = types(&[(
            "rule-on-default-event-bus",
            "arn:${Partition}:events:${Region}:${Account}:rule/${RuleName}",
        )]);
        assert_eq!(
            resource(
                "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/cx-portal-*",
                &rule,
                names
            ),
            "every `events` rule on default event bus matching `cx-portal-*` (`*` also matches `/`)"
        );
        // `?` alone is one character: no note.
        assert!(
            !resource(
                "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/cx-?",
                &rule,
                names
            )
            .contains("also matches")
        );
    }

    #[test]
    fn broad_parts_name_what_star_leaves_open() {
        let obj = types(&[(
            "object",
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
        )]);
        assert_eq!(
            broad_parts("arn:${AWS::Partition}:s3:::*/*", &obj),
            ["any bucket"]
        );
        assert!(broad_parts("arn:${AWS::Partition}:s3:::${Bucket}/*", &obj).is_empty());
        let table = types(&[(
            "table",
            "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}",
        )]);
        assert_eq!(
            broad_parts(
                "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/*",
                &table
            ),
            ["any table"]
        );
        let t = types(&[("instance", INSTANCE), ("contact-flow", FLOW)]);
        assert!(
            broad_parts(
                "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*",
                &t
            )
            .is_empty()
        );
        assert_eq!(
            broad_parts("arn:${AWS::Partition}:connect:*:*:instance/*", &t),
            ["any instance", "any region", "any account"]
        );
        // A name pattern is a limit (its words say `*` crosses `/`).
        let rule = types(&[(
            "rule",
            "arn:${Partition}:events:${Region}:${Account}:rule/${RuleName}",
        )]);
        assert!(
            broad_parts(
                "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/cx-portal-*",
                &rule
            )
            .is_empty()
        );
        // Unaligned: the ARN's own parts.
        assert_eq!(
            broad_parts("arn:aws:zzz:*:*:thing", &[]),
            ["any region", "any account"]
        );
        assert!(broad_parts("*", &obj).is_empty());
        // AWS managed policies are public, the same in every account.
        let policy = types(&[(
            "policy",
            "arn:${Partition}:iam::${Account}:policy/${PolicyNameWithPath}",
        )]);
        assert!(broad_parts("arn:${AWS::Partition}:iam::aws:policy/*", &policy).is_empty());
        assert_eq!(
            broad_parts(
                "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/*",
                &policy
            ),
            ["any policy"]
        );
    }

    #[test]
    fn a_format_open_in_service_and_account_says_so() {
        let t = types(&[(
            "recoveryPoint",
            "arn:${Partition}:${Vendor}:${Region}:*:${ResourceType}:${RecoveryPointId}",
        )]);
        let arn = "arn:${AWS::Partition}:*:${AWS::Region}:*:*:*";
        let words = resource(arn, &t, names);
        assert!(words.contains("of any AWS service"), "{words}");
        assert!(words.contains("in any account"), "{words}");
        assert!(!words.contains("`*`"), "{words}");
        assert!(broad_parts(arn, &t).contains(&"any account".to_string()));
    }

    #[test]
    fn acronyms_stay_words() {
        assert_eq!(noun("UUID"), "UUID");
        assert_eq!(noun("ContactFlowId"), "contact flow");
        assert_eq!(noun("BucketName"), "bucket");
    }

    #[test]
    fn fallbacks() {
        assert_eq!(resource("*", &[], names), "every resource (`*`)");
        assert_eq!(
            resource("arn:aws:zzz:::thing", &[], names),
            "`zzz` resources matching `arn:aws:zzz:::thing`"
        );
        // Never panics on odd input.
        for r in ["", "arn", "${", "arn:${AWS::Partition", "::::::", "é:é:é"] {
            let _ = resource(r, &types(&[("x", "arn:${Partition}:x:::${X}")]), names);
        }
    }

    #[test]
    fn condition_sentences() {
        let mut c = Conditions::new();
        c.entry("StringEquals".into()).or_default().insert(
            "aws:ResourceTag/managed-by".into(),
            vec!["cx-portal".into()],
        );
        c.entry("StringLikeIfExists".into())
            .or_default()
            .insert("iam:PassedToService".into(), vec!["a".into(), "b".into()]);
        c.entry("Null".into())
            .or_default()
            .insert("aws:TagKeys".into(), vec!["false".into()]);
        assert_eq!(
            conditions(&c),
            vec![
                "`aws:TagKeys` is present in the request",
                "`aws:ResourceTag/managed-by` is `cx-portal`",
                "`iam:PassedToService` matches one of `a`, `b`, or the request does not have it",
            ]
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(5400), "1 hour 30 minutes");
        assert_eq!(duration(43200), "12 hours");
        assert_eq!(duration(0), "0 seconds");
    }
}
