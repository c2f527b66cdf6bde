//! A manifest's `features`: ids, descriptions, actions (checked against the
//! catalogue), resources, conditions and wildcard reasons.

use std::collections::BTreeMap;

use super::diag::ProblemKind;
use super::diag::SourceFile;
use super::model::{Conditions, Feature};
use super::walk::Ctx;
use super::yaml::{Node, Span, Value};
use super::{actions, rules};
use crate::iam::action;

pub(super) fn features(
    cx: &mut Ctx<'_>,
    node: &Node,
    at: Span,
    params: &[String],
) -> Option<Vec<Feature>> {
    let items = cx.seq(node, "features")?;
    if items.is_empty() {
        cx.report(
            node.span,
            ProblemKind::NoFeatures,
            "a module needs at least one feature".to_owned(),
            "empty",
            Some("add a feature: `- {id: ..., description: ..., actions: [...]}`".to_owned()),
        );
        return None;
    }
    let _ = at;
    let before = cx.problems.len();
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        if let Some(f) = feature(cx, item, i, params, &mut seen) {
            out.push(f);
        }
    }
    (cx.problems.len() == before).then_some(out)
}

fn feature(
    cx: &mut Ctx<'_>,
    node: &Node,
    index: usize,
    params: &[String],
    seen: &mut BTreeMap<String, Span>,
) -> Option<Feature> {
    let label = format!("features[{index}]");
    let f = cx.fields(
        node,
        node.span,
        &label,
        &[
            "id",
            "description",
            "actions",
            "resources",
            "conditions",
            "wildcard_reason",
        ],
    )?;
    let id = f.required(cx, "id", "a-feature-id").and_then(|n| {
        let id = cx.string(n, &format!("{label}.id"))?;
        if !rules::is_feature_id(id) {
            cx.report(
                n.span,
                ProblemKind::FeatureId,
                format!("feature id `{id}` is not valid"),
                "invalid feature id",
                Some("use lowercase letters, digits and `-`, starting with a letter (`^[a-z][a-z0-9-]*$`)".to_owned()),
            );
            return None;
        }
        if let Some(first) = seen.get(id) {
            let line = cx.src.line_of(*first);
            cx.report(
                n.span,
                ProblemKind::DuplicateFeature,
                format!("feature id `{id}` is used twice in this module"),
                "duplicate feature id",
                Some(format!("rename one of them; the first is on line {line}")),
            );
            return None;
        }
        seen.insert(id.to_owned(), n.span);
        Some(id.to_owned())
    });
    let name = id.clone().unwrap_or_else(|| label.clone());
    let description = f
        .required(cx, "description", "why this feature needs these actions")
        .and_then(|n| cx.text(n, &format!("features.{name}.description")));
    let reason_node = f.get("wildcard_reason");
    let wildcard_reason =
        reason_node.and_then(|n| cx.text(n, &format!("features.{name}.wildcard_reason")));
    let actions_node = f.required(cx, "actions", "[service:Action]");
    let actions = actions_node.and_then(|n| action_list(cx, n, &name));
    let before_resources = cx.problems.len();
    let resources = match f.get("resources") {
        Some(n) => resources(cx, n, &name, params).map(Some),
        None => Some(None),
    };
    // A resource with its own problem is left out of the list; fitting the
    // rest against the actions would only add misleading errors.
    let resources_clean = cx.problems.len() == before_resources;
    // The services whose requests the feature's statements match: a
    // condition key of another service is never in those requests.
    let services: Vec<String> = actions
        .iter()
        .flatten()
        .filter_map(|(a, _)| action::service(a))
        .map(str::to_ascii_lowercase)
        .collect();
    let conditions = match f.get("conditions") {
        Some(n) => conditions(cx, n, &name, params, &services),
        None => Some(Conditions::new()),
    };

    // Wildcard rule: `wildcard_reason` iff an action has `*` or `?`.
    if let Some(acts) = &actions {
        let wild: Vec<&(String, Span)> =
            acts.iter().filter(|(a, _)| action::is_pattern(a)).collect();
        match (wild.first(), reason_node) {
            (Some((a, span)), None) => cx.report(
                *span,
                ProblemKind::WildcardReason,
                format!("wildcard action `{a}` needs a `wildcard_reason`"),
                "wildcard action",
                Some(format!(
                    "add `wildcard_reason:` to feature `{name}` saying why naming each action is not possible, or list the actions (`rolesmith actions '{a}'` shows them)"
                )),
            ),
            (None, Some(r)) => cx.report(
                r.span,
                ProblemKind::WildcardReason,
                format!("feature `{name}` has a `wildcard_reason` but no wildcard action"),
                "not needed",
                Some("remove `wildcard_reason`; it is only for actions with `*` or `?`".to_owned()),
            ),
            _ => {}
        }
    }

    let resources = resources?;
    let actions = actions::check(
        cx,
        &name,
        actions?,
        resources.clone().filter(|_| resources_clean),
        wildcard_reason.is_some(),
        f.get("resources").is_none().then_some(params),
    )?;
    let resources = resources.map(|r| r.into_iter().map(|(r, _)| r).collect());
    Some(Feature {
        id: id?,
        description: description?.to_owned(),
        actions,
        resources,
        conditions: conditions?,
        wildcard_reason: wildcard_reason.map(str::to_owned),
    })
}

/// The action strings with their spans, syntax and duplicates checked.
fn action_list(cx: &mut Ctx<'_>, node: &Node, feature: &str) -> Option<Vec<(String, Span)>> {
    let what = format!("features.{feature}.actions");
    let items = cx.seq(node, &what)?;
    if items.is_empty() {
        cx.report(
            node.span,
            ProblemKind::NoActions,
            format!("feature `{feature}` has no actions"),
            "empty",
            Some("list at least one `service:Action`".to_owned()),
        );
        return None;
    }
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    let mut out = Vec::new();
    for item in items {
        let Some(a) = cx.string(item, &what) else {
            continue;
        };
        let a = a.trim();
        if !action::is_manifest_name(a) {
            // A stray space, hyphen or line break (`osis:GetPipelineB- lueprint`):
            // suggest from the name without the characters no action holds.
            // `connect DescribeContactFlow`: the separator written as a space.
            let keep = |c: &char| c.is_ascii_alphanumeric() || matches!(c, ':' | '*' | '?');
            let cleaned: String = a.chars().filter(keep).collect();
            let separated: String = a
                .replacen(char::is_whitespace, ":", 1)
                .chars()
                .filter(keep)
                .collect();
            let sugg = [cleaned, separated]
                .iter()
                .filter(|c| action::is_manifest_name(c))
                .map(|c| cx.catalogue.suggest(c, 3))
                .find(|s| !s.is_empty())
                .unwrap_or_default();
            let help = match sugg.as_slice() {
                [] => "write actions as `service:Action`, e.g. `connect:DescribeContactFlow`"
                    .to_owned(),
                [one] => format!("did you mean `{one}`? actions are written `service:Action`"),
                many => format!(
                    "did you mean {}? actions are written `service:Action`",
                    many.iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            cx.report(
                item.span,
                ProblemKind::ActionSyntax,
                format!("`{a}` is not an action name"),
                "expected `service:Action`",
                Some(help),
            );
            continue;
        }
        let key = a.to_ascii_lowercase();
        if let Some(first) = seen.get(&key) {
            let line = cx.src.line_of(*first);
            cx.report(
                item.span,
                ProblemKind::DuplicateAction,
                format!("action `{a}` is listed twice in feature `{feature}`"),
                "duplicate",
                Some(format!("remove this one; the first is on line {line}")),
            );
            continue;
        }
        seen.insert(key, item.span);
        out.push((a.to_owned(), item.span));
    }
    // Problems are recorded; the valid rest still feeds the wildcard and
    // catalogue checks so every problem shows at once.
    Some(out)
}

/// Span of a byte range inside a string scalar, when the scalar's source text
/// maps one-to-one onto its value (plain or simply quoted); else the whole node.
pub fn inner_span(
    src: &SourceFile,
    node: &Node,
    value: &str,
    range: std::ops::Range<usize>,
) -> Span {
    let text = src.text.as_str();
    for skip in [0usize, 1] {
        let start = node.span.offset + skip;
        if text.get(start..start + value.len()) == Some(value) {
            return Span {
                offset: start + range.start,
                len: range.len(),
            };
        }
    }
    node.span
}

/// Checks `${...}` in a string; reports at the placeholder.
fn check_placeholders(cx: &mut Ctx<'_>, node: &Node, s: &str, params: &[String]) -> bool {
    let errs = rules::placeholders(s, params.iter().map(String::as_str));
    let ok = errs.is_empty();
    for e in errs {
        let span = inner_span(cx.src, node, s, e.range);
        cx.report(
            span,
            ProblemKind::Placeholder,
            e.message,
            "here",
            Some(e.help),
        );
    }
    ok
}

fn resources(
    cx: &mut Ctx<'_>,
    node: &Node,
    feature: &str,
    params: &[String],
) -> Option<Vec<(String, Span)>> {
    let what = format!("features.{feature}.resources");
    let items = cx.seq(node, &what)?;
    if items.is_empty() {
        cx.report(
            node.span,
            ProblemKind::NoResources,
            format!("feature `{feature}` has an empty `resources` list"),
            "empty",
            Some(
                "list the resources, or remove `resources` to grant on the catalogue's ARN formats"
                    .to_owned(),
            ),
        );
        return None;
    }
    let mut out: Vec<(String, Span)> = Vec::new();
    for item in items {
        let Some(r) = cx.string(item, &what) else {
            continue;
        };
        if r.trim().is_empty() {
            cx.report(
                item.span,
                ProblemKind::Empty,
                "a resource must not be empty".to_owned(),
                "empty",
                Some("write an ARN or `*`".to_owned()),
            );
            continue;
        }
        if r != "*" && !r.starts_with("arn:") {
            cx.report(
                item.span,
                ProblemKind::ResourceSyntax,
                format!("resource `{r}` is not an ARN"),
                "expected an ARN",
                Some("write `arn:${AWS::Partition}:service:${AWS::Region}:${AWS::AccountId}:...` or `*`".to_owned()),
            );
            continue;
        }
        if !check_placeholders(cx, item, r, params) {
            continue;
        }
        if let Some((_, first)) = out.iter().find(|(x, _)| x == r) {
            let line = cx.src.line_of(*first);
            cx.report(
                item.span,
                ProblemKind::DuplicateResource,
                format!("resource `{r}` is listed twice in feature `{feature}`"),
                "duplicate",
                Some(format!("remove this one; the first is on line {line}")),
            );
            continue;
        }
        hard_coded_partition(cx, item, r);
        out.push((r.to_owned(), item.span));
    }
    Some(out)
}

/// Warns about an ARN that names its partition (`arn:aws:`): the stack then
/// grants nothing in the China or GovCloud partitions.
fn hard_coded_partition(cx: &mut Ctx<'_>, node: &Node, s: &str) {
    for partition in ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"] {
        let written = format!("arn:{partition}:");
        if let Some(at) = s.find(&written) {
            let start = at + 4;
            let span = inner_span(cx.src, node, s, start..start + partition.len());
            cx.warn(
                span,
                ProblemKind::HardcodedPartition,
                format!("`{s}` names the partition `{partition}`"),
                "hard-coded partition",
                Some("write `arn:${AWS::Partition}:` so the stack works in every partition (China, GovCloud)".to_owned()),
            );
            return;
        }
    }
}

fn conditions(
    cx: &mut Ctx<'_>,
    node: &Node,
    feature: &str,
    params: &[String],
    services: &[String],
) -> Option<Conditions> {
    let what = format!("features.{feature}.conditions");
    let before = cx.problems.len();
    let mut out = Conditions::new();
    for (op, on, keys) in cx.entries(node, &what) {
        if let Err((msg, sugg)) = rules::condition_operator(op) {
            let help = match sugg {
                Some(s) => format!("did you mean `{s}`? operators are IAM's: String*, Arn*, Numeric*, Date*, Bool, BinaryEquals, IpAddress, NotIpAddress, Null, with optional `IfExists` and `ForAnyValue:`/`ForAllValues:`"),
                None => "use an IAM condition operator: String*, Arn*, Numeric*, Date*, Bool, BinaryEquals, IpAddress, NotIpAddress, Null, with optional `IfExists` and `ForAnyValue:`/`ForAllValues:`".to_owned(),
            };
            cx.report(
                on.span,
                ProblemKind::ConditionOperator,
                msg,
                "unknown operator",
                Some(help),
            );
            continue;
        }
        let mut block = BTreeMap::new();
        let empty = match &keys.value {
            Value::Null => true,
            Value::Map(m) => m.is_empty(),
            _ => false,
        };
        let entries = cx.entries(keys, &format!("{what}.{op}"));
        if empty {
            cx.report(
                on.span,
                ProblemKind::ConditionEmpty,
                format!("condition `{op}` has no keys"),
                "empty",
                Some("add `condition-key: value` under it, or remove it".to_owned()),
            );
        }
        for (key, kn, vn) in entries {
            match key.split_once(':') {
                Some((p, k)) if !p.is_empty() && !k.is_empty() => {}
                _ => {
                    cx.report(
                        kn.span,
                        ProblemKind::ConditionKey,
                        format!("condition key `{key}` has no service prefix"),
                        "expected `prefix:key`",
                        Some("write condition keys with their prefix, e.g. `aws:ResourceTag/managed-by`".to_owned()),
                    );
                    continue;
                }
            }
            if !condition_key(cx, op, key, kn.span, feature, services) {
                continue;
            }
            let values: Vec<&Node> = match &vn.value {
                Value::Seq(items) => items.iter().collect(),
                _ => vec![vn],
            };
            if values.is_empty() {
                cx.report(
                    vn.span,
                    ProblemKind::ConditionValue,
                    format!("condition `{op}` `{key}` has no values"),
                    "empty list",
                    Some("give at least one value".to_owned()),
                );
                continue;
            }
            let mut vals = Vec::new();
            for v in values {
                let s = match &v.value {
                    Value::Str(s) => s.clone(),
                    Value::Int(i) => i.to_string(),
                    Value::Float(f) => f.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => {
                        cx.wrong_type(
                            v,
                            &format!("{what}.{op}.{key}"),
                            "a string or a list of strings",
                            None,
                        );
                        continue;
                    }
                };
                let base = crate::iam::operator::split(op, false).base;
                if (base == "Bool" || base == "Null") && s != "true" && s != "false" {
                    cx.report(
                        v.span,
                        ProblemKind::ConditionValue,
                        format!("`{op}` takes `true` or `false`, not `{s}`"),
                        "expected true or false",
                        None,
                    );
                    continue;
                }
                if check_placeholders(cx, v, &s, params) {
                    hard_coded_partition(cx, v, &s);
                    vals.push(s);
                }
            }
            block.insert(key.to_owned(), vals);
        }
        out.insert(op.to_owned(), block);
    }
    (cx.problems.len() == before).then_some(out)
}

/// Checks a condition key against the catalogue: it must exist (a global
/// key or one of its service's), belong to a service the feature's actions
/// are in (another service's key is never in their requests, so the
/// statement would never match), and suit the operator's type. False when
/// it was reported.
fn condition_key(
    cx: &mut Ctx<'_>,
    op: &str,
    key: &str,
    span: Span,
    feature: &str,
    services: &[String],
) -> bool {
    let catalogue = cx.catalogue;
    let prefixes: Vec<&str> = services.iter().map(String::as_str).collect();
    let Some(known) = catalogue.condition_key(key) else {
        let sugg = catalogue.suggest_condition_keys(key, &prefixes, 1);
        let help = match sugg.first() {
            Some(s) => format!(
                "did you mean `{s}`? an unknown key is absent from every request, so the statement would never match"
            ),
            None => "use a condition key of the feature's services (`rolesmith actions SERVICE:ACTION --format json` lists them) or a global `aws:` key; an unknown key is absent from every request, so the statement would never match".to_owned(),
        };
        cx.report(
            span,
            ProblemKind::UnknownConditionKey,
            format!("unknown condition key `{key}`"),
            "not in the IAM catalogue",
            Some(help),
        );
        return false;
    };
    let prefix = key
        .split_once(':')
        .map(|(p, _)| p.to_ascii_lowercase())
        .unwrap_or_default();
    let any_service = services.iter().any(|s| action::is_pattern(s));
    if !known.global && !any_service && !services.contains(&prefix) {
        cx.report(
            span,
            ProblemKind::ConditionKeyService,
            format!(
                "condition key `{key}` belongs to `{prefix}`, but feature `{feature}` has no `{prefix}` action"
            ),
            "another service's key",
            Some(format!(
                "requests for the feature's actions ({}) never carry `{key}`, so the statement would never match; use one of their keys or a global `aws:` key",
                list_services(services)
            )),
        );
        return false;
    }
    let base = crate::iam::operator::split(op, false).base;
    if !known.kind.accepts(base) {
        cx.report(
            span,
            ProblemKind::ConditionType,
            format!("`{op}` cannot compare `{key}` (type {})", known.kind.name()),
            "operator does not suit the key",
            Some(format!("use {} for `{key}`", known.kind.operators())),
        );
        return false;
    }
    true
}

fn list_services(services: &[String]) -> String {
    let mut s: Vec<&str> = services.iter().map(String::as_str).collect();
    s.sort_unstable();
    s.dedup();
    s.iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
