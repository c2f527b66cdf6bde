//! Action and resource rules that need the IAM catalogue: names looked up
//! (case-insensitively) and written in the catalogue's spelling, wildcard
//! patterns that must match something, explicit resources that must fit the
//! actions' ARN formats.
//!
//! The catalogue is passed in (tests give a small catalogue text).

use std::collections::{BTreeMap, BTreeSet};

use super::diag::ProblemKind;
use super::walk::Ctx;
use super::yaml::Span;
use crate::catalogue::Catalogue;
use crate::iam::action;

/// What validation needs to know about one catalogue action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInfo {
    /// Canonical name (`connect:DescribeContactFlow`).
    pub name: String,
    /// ARN formats of all its resource types; empty for a wildcard-only action.
    pub arn_formats: Vec<String>,
}

fn info(a: &crate::catalogue::Action<'_>) -> ActionInfo {
    let mut arn_formats: Vec<String> = Vec::new();
    for t in &a.resource_types {
        for f in &t.arn_formats {
            if !arn_formats.iter().any(|x| x == f) {
                arn_formats.push((*f).to_owned());
            }
        }
    }
    ActionInfo {
        name: a.name.to_owned(),
        arn_formats,
    }
}

/// The action named `name` (case-insensitive).
fn action_info(cat: &Catalogue, name: &str) -> Option<ActionInfo> {
    cat.action(name).map(|a| info(&a))
}

/// Actions matching a `*`/`?` pattern.
fn matching(cat: &Catalogue, pattern: &str) -> Vec<ActionInfo> {
    cat.matching(pattern).iter().map(info).collect()
}

/// An action of the feature as resolved: its name in the model and the
/// formats it can be granted on.
struct Resolved {
    name: String,
    span: Span,
    formats: Vec<String>,
}

fn list(items: &[String], max: usize) -> String {
    let mut s: Vec<String> = items.iter().take(max).map(|i| format!("`{i}`")).collect();
    if items.len() > max {
        s.push(format!("and {} more", items.len() - max));
    }
    s.join(", ")
}

/// Checks a feature's actions and explicit resources against the catalogue;
/// `derived_with` holds the module's parameters when the feature has no
/// `resources` (its grants are derived). Returns the canonical, sorted,
/// unique actions.
pub fn check(
    cx: &mut Ctx<'_>,
    feature: &str,
    actions: Vec<(String, Span)>,
    resources: Option<Vec<(String, Span)>>,
    has_reason: bool,
    derived_with: Option<&[String]>,
) -> Option<Vec<String>> {
    let l = cx.catalogue;
    let before = cx.problems.len();
    let mut resolved = Vec::new();
    for (name, span) in actions {
        let service = action::service(&name).unwrap_or_default();
        if action::is_pattern(&name) {
            let found = matching(l, &name);
            if found.is_empty() {
                let msg = if l.has_service(service) {
                    format!("`{name}` matches no action of the IAM catalogue")
                } else {
                    format!("unknown service `{service}` in `{name}`")
                };
                let sugg = l.suggest(&name, 3);
                let help = if sugg.is_empty() {
                    "check the service prefix and the pattern (`rolesmith actions PATTERN` searches the catalogue)".to_owned()
                } else {
                    format!("did you mean {}?", list(&sugg, 3))
                };
                cx.report(
                    span,
                    ProblemKind::UnknownAction,
                    msg,
                    "matches nothing",
                    Some(help),
                );
                continue;
            }
            let mut formats: Vec<String> = Vec::new();
            for a in &found {
                for f in &a.arn_formats {
                    if !formats.contains(f) {
                        formats.push(f.clone());
                    }
                }
            }
            resolved.push(Resolved {
                name,
                span,
                formats,
            });
            continue;
        }
        match action_info(l, &name) {
            Some(a) => resolved.push(Resolved {
                name: a.name,
                span,
                formats: a.arn_formats,
            }),
            None => {
                let sugg = l.suggest(&name, 3);
                let (msg, label) = if l.has_service(service) {
                    (
                        format!("unknown action `{name}`"),
                        "not in the IAM catalogue",
                    )
                } else {
                    (
                        format!("unknown service `{service}` in action `{name}`"),
                        "unknown service",
                    )
                };
                let help = if sugg.is_empty() {
                    "check the name against the IAM service authorization reference (`rolesmith actions 'service:*'` lists a service's actions)".to_owned()
                } else {
                    format!("did you mean {}?", list(&sugg, 3))
                };
                cx.report(span, ProblemKind::UnknownAction, msg, label, Some(help));
            }
        }
    }

    if let Some(res) = &resources {
        check_resources(cx, feature, &resolved, res, has_reason);
    }
    // Resources are derived from the catalogue with the module's parameters.
    if let Some(params) = derived_with {
        broad_derived(cx, feature, &resolved, params);
    }

    if cx.problems.len() > before {
        return None;
    }
    let mut names: Vec<String> = resolved.into_iter().map(|r| r.name).collect();
    names.sort();
    names.dedup();
    Some(names)
}

/// Warns about derived grants broader than one account's named resources:
/// an action whose ARN format names its container (`${BucketName}`,
/// `${TableName}`, `${InstanceId}`) with no parameter for it is granted on
/// every such container of the account (`arn:...:s3:::*/*`). One warning
/// per feature and missing name, at its first action.
fn broad_derived(cx: &mut Ctx<'_>, feature: &str, actions: &[Resolved], params: &[String]) {
    // missing placeholder -> (first span, actions, an example derived resource)
    let mut broad: BTreeMap<&str, (Span, Vec<&str>, String)> = BTreeMap::new();
    let declared: BTreeSet<String> = params.iter().cloned().collect();
    // action -> (span, example) of formats whose account part is `*`
    // (`arn:${Partition}:${Vendor}:${Region}:*:...`): any account's resources.
    let mut any_account: Vec<(Span, &str, String)> = Vec::new();
    for a in actions {
        for f in &a.formats {
            let parts = crate::iam::arn::split_arn(f);
            if parts.is_some_and(|p| p[4] == "*") {
                if !any_account.iter().any(|(_, n, _)| *n == a.name) {
                    let example = crate::iam::arn::derive(f, &declared, "${AWS::Region}");
                    any_account.push((a.span, &a.name, example));
                }
                continue;
            }
            // Only the customer's own resources: a format with a literal
            // account (`aws:view/...`) names resources AWS owns.
            let own = parts.is_some_and(|p| p[4] == "${Account}" || p[4].is_empty());
            let Some(name) = container(f).filter(|_| own) else {
                continue;
            };
            if declared.contains(name) {
                continue;
            }
            let e = broad.entry(name).or_insert_with(|| {
                (
                    a.span,
                    Vec::new(),
                    crate::iam::arn::derive(f, &declared, "${AWS::Region}"),
                )
            });
            if !e.1.contains(&a.name.as_str()) {
                e.1.push(&a.name);
            }
        }
    }
    for (span, action, example) in any_account {
        cx.warn(
            span,
            ProblemKind::BroadResource,
            format!(
                "feature `{feature}` grants `{action}` on `{example}`: resources of any AWS account, not only the customer's (the catalogue's ARN format leaves the account open)"
            ),
            "derived for any account",
            Some(
                "give the feature `resources` that name the customer's account (`${AWS::AccountId}`) and the services meant; if every account is meant, list `resources` with the `*` written out so the review shows it".to_owned(),
            ),
        );
    }
    for (name, (span, acts, example)) in broad {
        cx.warn(
            span,
            ProblemKind::BroadResource,
            format!(
                "feature `{feature}` grants {} on `{example}`: every `{name}` of the customer's account, not one named resource",
                list(&acts.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>(), 3)
            ),
            "derived with `*`",
            Some(format!(
                "declare the parameter `{name}` (the customer names it when deploying) or give the feature `resources`; if every `{name}` is meant, list `resources` with the `*` written out so the review shows it"
            )),
        );
    }
}

/// The first placeholder of an ARN format that is not the partition,
/// region or account: the resource's container (bucket, table, instance).
fn container(format: &str) -> Option<&str> {
    crate::iam::sub::tokens(format).find_map(|t| match t {
        crate::iam::sub::Token::Placeholder(n)
            if !matches!(n, "Partition" | "Region" | "Account") =>
        {
            Some(n)
        }
        _ => None,
    })
}

fn check_resources(
    cx: &mut Ctx<'_>,
    feature: &str,
    actions: &[Resolved],
    resources: &[(String, Span)],
    has_reason: bool,
) {
    // `*` only for wildcard-only actions, or when the feature explains its wildcards.
    if let Some((_, star)) = resources.iter().find(|(r, _)| r == "*")
        && !has_reason
    {
        let scoped: Vec<String> = actions
            .iter()
            .filter(|a| !a.formats.is_empty())
            .map(|a| a.name.clone())
            .collect();
        if !scoped.is_empty() {
            cx.report(
                *star,
                ProblemKind::StarResource,
                format!(
                    "`*` would grant {} on every resource",
                    list(&scoped, 3)
                ),
                "every resource",
                Some("list the resources these actions need; `*` is only for actions with no resource types".to_owned()),
            );
        }
    }
    for a in actions {
        let fits_one = resources.iter().any(|(r, _)| {
            // `*` covers everything; when it is not allowed here the
            // `star_resource` problem above already says so.
            if r == "*" {
                true
            } else {
                a.formats.iter().any(|f| crate::iam::arn::fits(f, r))
            }
        });
        if fits_one {
            continue;
        }
        let help = if a.formats.is_empty() {
            "this action has no resource types, so it can only be granted on `*`: add `*` to `resources` or move it to a feature without `resources`".to_owned()
        } else {
            format!(
                "add a resource of an accepted format: {}",
                list(&a.formats, 6)
            )
        };
        cx.report(
            a.span,
            ProblemKind::ResourceMismatch,
            format!(
                "action `{}` fits none of the resources of feature `{feature}`",
                a.name
            ),
            "no matching resource",
            Some(help),
        );
    }
    for (r, span) in resources {
        if r == "*" {
            continue;
        }
        if actions
            .iter()
            .any(|a| a.formats.iter().any(|f| crate::iam::arn::fits(f, r)))
        {
            continue;
        }
        let mut all: Vec<String> = Vec::new();
        for a in actions {
            for f in &a.formats {
                if !all.contains(f) {
                    all.push(f.clone());
                }
            }
        }
        let help = if all.is_empty() {
            "none of the feature's actions take a resource ARN; remove it".to_owned()
        } else {
            format!("the feature's actions accept: {}", list(&all, 6))
        };
        cx.report(
            *span,
            ProblemKind::ResourceMismatch,
            format!("resource `{r}` fits no action of feature `{feature}`"),
            "fits no action",
            Some(help),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::diag::SourceFile;

    /// Two connect actions: one on contact flows, one wildcard-only.
    const TEXT: &str = "source\ttest\nlevels\tList\tRead\nsections\tconnect 0\n\
@connect\tAmazon Connect\n\
t\tcontact-flow\tarn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/${ContactFlowId}\t\n\
DescribeContactFlow\t1\t0*\t\n\
ListInstances\t0\t\t\n";

    fn fake() -> Catalogue {
        Catalogue::from_text(TEXT)
    }

    fn run(
        actions: &[&str],
        resources: Option<&[&str]>,
        reason: bool,
    ) -> (Option<Vec<String>>, Vec<String>) {
        let src = SourceFile::new("modules/x.yaml", "x");
        let mut problems = Vec::new();
        let cat = fake();
        let mut cx = Ctx {
            catalogue: &cat,
            src: &src,
            problems: &mut problems,
            warnings: Vec::new(),
        };
        let sp = Span::default();
        let r = check(
            &mut cx,
            "f",
            actions.iter().map(|a| (a.to_string(), sp)).collect(),
            resources.map(|rs| rs.iter().map(|r| (r.to_string(), sp)).collect()),
            reason,
            None,
        );
        (r, problems.iter().map(|p| p.message.clone()).collect())
    }

    #[test]
    fn canonical_sorted_names() {
        let (r, p) = run(
            &["connect:listinstances", "CONNECT:describecontactflow"],
            None,
            false,
        );
        assert!(p.is_empty(), "{p:?}");
        assert_eq!(
            r.unwrap(),
            vec!["connect:DescribeContactFlow", "connect:ListInstances"]
        );
    }

    #[test]
    fn unknown_action_and_service() {
        let (_, p) = run(&["connect:DescribeFlow", "conect:X"], None, false);
        assert_eq!(p[0], "unknown action `connect:DescribeFlow`");
        assert_eq!(p[1], "unknown service `conect` in action `conect:X`");
    }

    #[test]
    fn wildcard_must_match() {
        let (_, p) = run(&["connect:Nothing*"], None, true);
        assert_eq!(
            p,
            vec!["`connect:Nothing*` matches no action of the IAM catalogue"]
        );
        let (r, p) = run(&["connect:Describe*"], None, true);
        assert!(p.is_empty());
        assert_eq!(r.unwrap(), vec!["connect:Describe*"]);
    }

    #[test]
    fn resources_must_fit_both_ways() {
        let flow = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*/contact-flow/*";
        // Another service's resource fits no connect format (a queue under
        // `instance/*/` would: IAM's `*` spans `/`, so the patterns overlap).
        let queue = "arn:${AWS::Partition}:s3:::recordings/*";
        let (_, p) = run(&["connect:DescribeContactFlow"], Some(&[flow]), false);
        assert!(p.is_empty(), "{p:?}");
        let (_, p) = run(
            &["connect:DescribeContactFlow"],
            Some(&[flow, queue]),
            false,
        );
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("resource `arn"), "{p:?}");
        let (_, p) = run(
            &["connect:DescribeContactFlow", "connect:ListInstances"],
            Some(&[flow]),
            false,
        );
        assert_eq!(
            p,
            vec!["action `connect:ListInstances` fits none of the resources of feature `f`"]
        );
    }

    #[test]
    fn star_resource_rules() {
        let (_, p) = run(&["connect:ListInstances"], Some(&["*"]), false);
        assert!(p.is_empty(), "{p:?}");
        let (_, p) = run(&["connect:DescribeContactFlow"], Some(&["*"]), false);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].contains("on every resource"));
        let (_, p) = run(&["connect:Describe*"], Some(&["*"]), true);
        assert!(p.is_empty(), "{p:?}");
    }
}
