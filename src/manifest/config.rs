//! `rolesmith.yaml` -> [`Config`]: vendor identity and role settings.

use super::diag::ProblemKind;
use std::collections::BTreeMap;

use super::diag::Problem;
use super::diag::SourceFile;
use super::model::{Config, Regions, ReviewConfig, RolesConfig, Vendor};
use super::rules;
use super::walk::Ctx;
use super::yaml::{Node, Value};

/// Seconds allowed for `max_session_duration`.
pub const SESSION_RANGE: std::ops::RangeInclusive<i128> = 3600..=43200;

/// Tags rolesmith adds itself; the config must not set them.
pub const RESERVED_TAGS: [&str; 2] = ["rolesmith:module", "rolesmith:version"];

/// Checks the config text. Problems go to `problems`; the config is returned
/// when nothing is wrong with it. `name_prefix` is returned even when other
/// parts are wrong, so module ids can still be checked against it.
pub fn check(
    catalogue: &crate::catalogue::Catalogue,
    src: &SourceFile,
    problems: &mut Vec<Problem>,
) -> (Option<Config>, Option<String>) {
    let before = problems.len();
    let root = match super::parse_yaml(src, problems) {
        Some(n) => n,
        None => return (None, None),
    };
    let mut cx = Ctx {
        catalogue,
        src,
        problems,
        warnings: Vec::new(),
    };
    let (config, prefix) = check_root(&mut cx, &root);
    if cx.problems.len() > before {
        (None, prefix)
    } else {
        (config, prefix)
    }
}

fn check_root(cx: &mut Ctx<'_>, root: &Node) -> (Option<Config>, Option<String>) {
    let Some(top) = cx.fields(root, root.span, "", &["vendor", "roles", "review"]) else {
        return (None, None);
    };
    let vendor = top
        .required(
            cx,
            "vendor",
            "{name: ..., account_id: \"111122223333\", authoriser_role: ...}",
        )
        .and_then(|v| vendor(cx, v, top.key("vendor").map_or(root.span, |k| k.span)));
    let (roles, prefix) = match top.get("roles") {
        Some(r) => roles(cx, r, top.key("roles").map_or(root.span, |k| k.span)),
        None => (Some(default_roles()), Some(String::new())),
    };
    let review = match top.get("review") {
        Some(r) => review(cx, r, top.key("review").map_or(root.span, |k| k.span)),
        None => Some(ReviewConfig::default()),
    };
    let config = match (vendor, roles, review) {
        (Some(vendor), Some(roles), Some(review)) => Some(Config {
            vendor,
            roles,
            review,
        }),
        _ => None,
    };
    (config, prefix)
}

fn default_roles() -> RolesConfig {
    RolesConfig {
        name_prefix: String::new(),
        max_session_duration: 3600,
        external_id: true,
        permissions_boundary: false,
        self_audit: true,
        regions: Regions::Stack,
        max_managed_policies: 10,
        tags: BTreeMap::new(),
    }
}

fn vendor(cx: &mut Ctx<'_>, node: &Node, at: super::yaml::Span) -> Option<Vendor> {
    let f = cx.fields(
        node,
        at,
        "vendor",
        &["name", "account_id", "authoriser_role"],
    )?;
    let name = f
        .required(cx, "name", "Your Company")
        .and_then(|n| cx.text(n, "vendor.name"));
    let account = f
        .required(cx, "account_id", "\"111122223333\"")
        .and_then(|n| account_id(cx, n));
    let role = f
        .required(cx, "authoriser_role", "YourAuthoriserRole")
        .and_then(|n| {
            let s = cx.text(n, "vendor.authoriser_role")?;
            match rules::role_with_path(s) {
                Ok(()) => Some(s),
                Err(why) => {
                    cx.report(
                        n.span,
                        ProblemKind::AuthoriserRole,
                        format!("`vendor.authoriser_role` `{s}` is not a valid IAM role name: {why}"),
                        "invalid role name",
                        Some("give the role's name as IAM shows it, optionally with its path: `path/RoleName`; names use letters, digits and `+=,.@_-`, at most 64 characters".to_owned()),
                    );
                    None
                }
            }
        });
    Some(Vendor {
        name: name?.to_owned(),
        account_id: account?,
        authoriser_role: role?.to_owned(),
    })
}

fn account_id(cx: &mut Ctx<'_>, n: &Node) -> Option<String> {
    match &n.value {
        Value::Str(s) if s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit()) => Some(s.clone()),
        Value::Str(s) => {
            cx.report(
                n.span,
                ProblemKind::AccountId,
                format!("`vendor.account_id` `{s}` is not a 12-digit AWS account id"),
                "expected 12 digits",
                Some(
                    "write the vendor's account id as 12 digits in quotes, e.g. \"111122223333\""
                        .to_owned(),
                ),
            );
            None
        }
        Value::Int(_) | Value::Float(_) => {
            // YAML reads an unquoted id as a number: leading zeros would be lost,
            // so the help quotes the digits as written in the file.
            let written = cx
                .src
                .text
                .get(n.span.offset..n.span.offset + n.span.len)
                .unwrap_or_default()
                .trim()
                .to_owned();
            cx.report(
                n.span,
                ProblemKind::AccountId,
                "`vendor.account_id` must be a quoted string, not a number".to_owned(),
                "unquoted number",
                Some(format!(
                    "put it in quotes: `account_id: \"{written}\"` (a number loses leading zeros)"
                )),
            );
            None
        }
        _ => {
            cx.wrong_type(n, "vendor.account_id", "a quoted 12-digit string", None);
            None
        }
    }
}

fn roles(
    cx: &mut Ctx<'_>,
    node: &Node,
    at: super::yaml::Span,
) -> (Option<RolesConfig>, Option<String>) {
    let Some(f) = cx.fields(
        node,
        at,
        "roles",
        &[
            "name_prefix",
            "max_session_duration",
            "external_id",
            "permissions_boundary",
            "self_audit",
            "regions",
            "max_managed_policies",
            "tags",
        ],
    ) else {
        return (None, None);
    };
    let mut ok = true;
    let mut r = default_roles();
    let mut prefix_out = Some(String::new());
    if let Some(n) = f.get("name_prefix") {
        prefix_out = None;
        match &n.value {
            Value::Null => prefix_out = Some(String::new()),
            _ => match cx.string(n, "roles.name_prefix") {
                Some(p) => {
                    if let Some(c) = p.chars().find(|c| !rules::is_role_name_char(*c)) {
                        cx.report(
                            n.span,
                            ProblemKind::NamePrefix,
                            format!("`roles.name_prefix` `{p}` has `{c}`, which IAM role names do not allow"),
                            "invalid character",
                            Some("use only letters, digits and `+=,.@_-`".to_owned()),
                        );
                        ok = false;
                    } else if p.chars().count() >= rules::MAX_ROLE_NAME {
                        cx.report(
                            n.span,
                            ProblemKind::NamePrefix,
                            format!(
                                "`roles.name_prefix` is {} characters long, leaving no room for module ids in a 64-character role name",
                                p.chars().count()
                            ),
                            "too long",
                            Some("shorten the prefix".to_owned()),
                        );
                        ok = false;
                    } else {
                        r.name_prefix = p.to_owned();
                        prefix_out = Some(p.to_owned());
                    }
                }
                None => ok = false,
            },
        }
    }
    if let Some(n) = f.get("max_session_duration") {
        match cx.int(n, "roles.max_session_duration") {
            Some(v) if SESSION_RANGE.contains(&v) => {
                r.max_session_duration = u32::try_from(v).unwrap_or(3600);
            }
            Some(v) => {
                cx.report(
                    n.span,
                    ProblemKind::MaxSessionDuration,
                    format!("`roles.max_session_duration` {v} is outside 3600..=43200 seconds"),
                    "out of range",
                    Some(
                        "IAM allows 1 to 12 hours: give a number of seconds from 3600 to 43200"
                            .to_owned(),
                    ),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    if let Some(n) = f.get("regions") {
        match super::module::regions(cx, n, "roles.regions") {
            Some(v) => r.regions = v,
            None => ok = false,
        }
    }
    if let Some(n) = f.get("max_managed_policies") {
        match cx.int(n, "roles.max_managed_policies") {
            Some(v @ 10..=20) => r.max_managed_policies = usize::try_from(v).unwrap_or(10),
            Some(v) => {
                cx.report(
                    n.span,
                    ProblemKind::MaxManagedPolicies,
                    format!("`roles.max_managed_policies` {v} is outside 10..=20"),
                    "out of range",
                    Some("IAM attaches 10 managed policies to a role by default and at most 20 once the customer raises the quota: give 10 to 20".to_owned()),
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    for (key, slot) in [
        ("external_id", &mut r.external_id),
        ("permissions_boundary", &mut r.permissions_boundary),
        ("self_audit", &mut r.self_audit),
    ] {
        if let Some(n) = f.get(key) {
            match cx.bool(n, &format!("roles.{key}")) {
                Some(b) => *slot = b,
                None => ok = false,
            }
        }
    }
    if let Some(n) = f.get("tags") {
        match tags(cx, n) {
            Some(t) => r.tags = t,
            None => ok = false,
        }
    }
    (ok.then_some(r), prefix_out)
}

fn tags(cx: &mut Ctx<'_>, node: &Node) -> Option<BTreeMap<String, String>> {
    let before = cx.problems.len();
    let mut out = BTreeMap::new();
    let entries = cx.entries(node, "roles.tags");
    if entries.len() > 48 {
        cx.report(
            node.span,
            ProblemKind::Tags,
            format!(
                "`roles.tags` has {} tags; IAM allows 50 per role and rolesmith adds 2",
                entries.len()
            ),
            "too many tags",
            Some("keep at most 48 tags".to_owned()),
        );
    }
    for (k, kn, vn) in entries {
        if k.is_empty() || k.chars().count() > 128 {
            cx.report(
                kn.span,
                ProblemKind::Tags,
                format!("tag key `{k}` must be 1 to 128 characters long"),
                "invalid tag key",
                None,
            );
        } else if let Some(c) = k.chars().find(|c| !rules::is_tag_char(*c)) {
            cx.report(
                kn.span,
                ProblemKind::Tags,
                format!("tag key `{k}` has `{c}`, which AWS tags do not allow"),
                "invalid tag key",
                Some("use letters, digits, spaces and `_.:/=+-@`".to_owned()),
            );
        } else if k.to_ascii_lowercase().starts_with("aws:") {
            cx.report(
                kn.span,
                ProblemKind::Tags,
                format!("tag key `{k}` uses the reserved `aws:` prefix"),
                "reserved prefix",
                Some("choose a key that does not start with `aws:`".to_owned()),
            );
        } else if RESERVED_TAGS.contains(&k) {
            cx.report(
                kn.span,
                ProblemKind::Tags,
                format!("tag key `{k}` is set by rolesmith on every role"),
                "reserved by rolesmith",
                Some(
                    "remove it; rolesmith adds `rolesmith:module` and `rolesmith:version` itself"
                        .to_owned(),
                ),
            );
        }
        let v = match &vn.value {
            Value::Str(s) => s.clone(),
            Value::Int(i) => i.to_string(),
            Value::Bool(b) => b.to_string(),
            Value::Float(f) => f.to_string(),
            Value::Null => String::new(),
            _ => {
                cx.wrong_type(vn, &format!("roles.tags.{k}"), "a string", None);
                continue;
            }
        };
        if v.chars().count() > 256 {
            cx.report(
                vn.span,
                ProblemKind::Tags,
                format!(
                    "value of tag `{k}` is {} characters long, AWS allows at most 256",
                    v.chars().count()
                ),
                "too long",
                Some("shorten the value".to_owned()),
            );
        } else if let Some(c) = v.chars().find(|c| !rules::is_tag_char(*c)) {
            cx.report(
                vn.span,
                ProblemKind::Tags,
                format!("value of tag `{k}` has `{c}`, which AWS tags do not allow"),
                "invalid tag value",
                Some("use letters, digits, spaces and `_.:/=+-@`".to_owned()),
            );
        }
        out.insert(k.to_owned(), v);
    }
    (cx.problems.len() == before).then_some(out)
}

fn review(cx: &mut Ctx<'_>, node: &Node, at: super::yaml::Span) -> Option<ReviewConfig> {
    let f = cx.fields(node, at, "review", &["template_url_base"])?;
    let mut out = ReviewConfig::default();
    if let Some(n) = f.get("template_url_base") {
        let base = cx.string(n, "review.template_url_base")?;
        let ok = base
            .strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'))
            && !base
                .chars()
                .any(|c| c.is_whitespace() || matches!(c, '?' | '#'));
        if !ok {
            cx.report(
                n.span,
                ProblemKind::TemplateUrlBase,
                format!("`review.template_url_base` `{base}` is not an https URL of a folder"),
                "expected https://host/path",
                Some("give the https address under which `<module>/<version>/template.json` is published, e.g. `https://my-bucket.s3.amazonaws.com/roles`, without `?` or `#`".to_owned()),
            );
            return None;
        }
        out.template_url_base = Some(base.trim_end_matches('/').to_owned());
    }
    Some(out)
}
