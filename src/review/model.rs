//! Builds the review document ([`super::doc`]) from a compiled module: its
//! grants, trust policy and template, with the words of the manifest.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::lookup::{self, ResourceType};
use super::{History, Settings, words};
use crate::catalogue::Catalogue;
use crate::compile::{CompiledModule, Grant, SELF_AUDIT_FEATURE};
use crate::manifest::{Module, Project};

use super::deploy::deploy;
use super::doc::*;
use crate::iam::action::is_pattern;
use crate::version::Permission as VersionPermission;
use crate::version::compare::Granted;

/// A pattern matching more actions than this shows the count, then the
/// folded list.
const FOLD_MATCHES_OVER: usize = 12;

fn has_level(level: &str, wanted: &str) -> bool {
    level.split(',').any(|l| l.trim() == wanted)
}

fn action_doc(cat: &Catalogue, name: &str) -> ActionDoc {
    if is_pattern(name) {
        let matches = cat.matching_names(name);
        let levels: BTreeSet<String> = matches
            .iter()
            .filter_map(|m| lookup::access_level(cat, m))
            .flat_map(|l| {
                l.split(',')
                    .map(|p| p.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        let wildcard_only = matches
            .iter()
            .any(|m| lookup::resource_types(cat, m).is_empty());
        ActionDoc {
            name: name.to_string(),
            access_level: levels.into_iter().collect::<Vec<_>>().join(", "),
            fold_matches: matches.len() > FOLD_MATCHES_OVER,
            matches,
            wildcard_only,
        }
    } else {
        ActionDoc {
            name: name.to_string(),
            access_level: lookup::access_level(cat, name)
                .unwrap_or_else(|| "not in the catalogue".to_string()),
            matches: Vec::new(),
            fold_matches: false,
            wildcard_only: lookup::resource_types(cat, name).is_empty(),
        }
    }
}

/// Resource types of every action of a grant (patterns expanded), for words.
fn grant_types(cat: &Catalogue, g: &Grant) -> Vec<ResourceType> {
    let mut out: Vec<ResourceType> = Vec::new();
    for a in &g.actions {
        let names = if is_pattern(a) {
            cat.matching_names(a)
        } else {
            vec![a.clone()]
        };
        for n in names {
            for t in lookup::resource_types(cat, &n) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

fn statement_doc(cat: &Catalogue, g: &Grant) -> StatementDoc {
    let types = grant_types(cat, g);
    StatementDoc {
        sid: g.sid.clone(),
        actions: g.actions.iter().map(|a| action_doc(cat, a)).collect(),
        resources: g
            .resources
            .iter()
            .map(|r| ResourceDoc {
                arn: r.clone(),
                words: words::resource(r, &types, |p| cat.service_name(p).map(str::to_string)),
                broad: words::broad_parts(r, &types),
            })
            .collect(),
        conditions: words::conditions(&g.conditions),
    }
}

/// A permission added or removed, in words, with its ARN and conditions:
/// "`sns:Publish` on the Amazon SNS topic given as `TopicName`
/// (`arn:...`)".
fn change_words(cat: &Catalogue, p: &VersionPermission) -> String {
    let grant = Grant {
        sid: String::new(),
        feature: String::new(),
        actions: vec![p.action.clone()],
        resources: vec![p.resource.clone()],
        conditions: p.conditions.clone(),
    };
    let types = grant_types(cat, &grant);
    let words = words::resource(&p.resource, &types, |s| {
        cat.service_name(s).map(str::to_string)
    });
    let mut out = format!("`{}` on {words} (`{}`)", p.action, p.resource);
    let conditions = words::conditions(&p.conditions);
    if !conditions.is_empty() {
        out.push_str(" when ");
        out.push_str(&conditions.join(" and "));
    }
    out
}

const SELF_AUDIT_WHY: &str = "Lets the role read its own IAM definition (the role, its policies, and AWS managed policies attached to it) and its own stack, so the vendor can check that the role still grants what this version needs without any extra role in your account. Read only.";

const SELF_AUDIT_WITH_BOUNDARY_WHY: &str = "Lets the role read its own IAM definition (the role, its policies, AWS managed policies attached to it, and the permissions boundary your stack sets, if any: that policy and no other) and its own stack, so the vendor can check that the role still grants what this version needs without any extra role in your account. Read only.";

fn str_at<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter().try_fold(v, |v, k| v.get(k))
}

/// A string or `{"Fn::Sub": string}` as text; `{"Ref": X}` as `${X}`.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("Fn::Sub")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| {
                o.get("Ref")
                    .and_then(Value::as_str)
                    .map(|r| format!("${{{r}}}"))
            }),
        _ => None,
    }
}

fn texts_of(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(text_of).collect(),
        other => text_of(other).into_iter().collect(),
    }
}

fn trust(project: &Project, compiled: &CompiledModule) -> Trust {
    let statements = compiled
        .trust_policy
        .get("Statement")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut principals = Vec::new();
    let mut conditions = Vec::new();
    let mut external_id_parameter = None;
    for st in &statements {
        if let Some(p) = str_at(st, &["Principal", "AWS"]) {
            principals.extend(texts_of(p));
        }
        if let Some(cond) = st.get("Condition").and_then(Value::as_object) {
            let mut c = crate::manifest::Conditions::new();
            for (op, keys) in cond {
                let Some(keys) = keys.as_object() else {
                    continue;
                };
                for (k, vs) in keys {
                    if op == "StringEquals"
                        && k.eq_ignore_ascii_case("sts:ExternalId")
                        && let Some(r) = vs.get("Ref").and_then(Value::as_str)
                    {
                        external_id_parameter = Some(r.to_string());
                        continue;
                    }
                    c.entry(op.clone())
                        .or_default()
                        .insert(k.clone(), texts_of(vs));
                }
            }
            conditions.extend(words::conditions(&c));
        }
    }
    let role = str_at(&compiled.template, &["Resources", "Role", "Properties"]);
    let max_session_seconds = role
        .and_then(|r| r.get("MaxSessionDuration"))
        .and_then(Value::as_u64)
        .unwrap_or(3600);
    let boundary_parameter = role
        .and_then(|r| r.get("PermissionsBoundary"))
        .and_then(|b| b.get("Fn::If"))
        .and_then(|f| f.get(1))
        .and_then(|r| r.get("Ref"))
        .and_then(Value::as_str)
        .map(str::to_string);
    Trust {
        principals,
        vendor_account: project.config.vendor.account_id.clone(),
        authoriser_role: project.config.vendor.authoriser_role.clone(),
        external_id_parameter,
        conditions,
        max_session: words::duration(max_session_seconds),
        max_session_seconds,
        boundary_parameter,
    }
}

pub(super) fn parameters(compiled: &CompiledModule) -> Vec<ParamDoc> {
    let Some(params) = compiled
        .template
        .get("Parameters")
        .and_then(Value::as_object)
    else {
        return Vec::new();
    };
    params
        .iter()
        .map(|(name, p)| ParamDoc {
            name: name.clone(),
            description: p
                .get("Description")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            pattern: p
                .get("AllowedPattern")
                .and_then(Value::as_str)
                .map(str::to_string),
            default: p.get("Default").and_then(Value::as_str).map(str::to_string),
        })
        .collect()
}

fn notice(p: &Permission, why: String) -> Notice {
    Notice {
        action: p.action.name.clone(),
        feature: p.feature.clone(),
        access_level: p.action.access_level.clone(),
        limited_to: p.resources.iter().map(|r| r.words.clone()).collect(),
        conditions: p.conditions.clone(),
        why,
    }
}

fn attention(permissions: &[Permission], features: &[FeatureDoc]) -> Attention {
    let reason = |feature: &str| {
        features
            .iter()
            .find(|f| f.id == feature)
            .and_then(|f| f.wildcard_reason.clone())
    };
    let mut a = Attention::default();
    for p in permissions {
        let level = &p.action.access_level;
        if has_level(level, "Write") {
            a.write.push(notice(p, p.why.clone()));
        }
        if has_level(level, "Permissions management") {
            a.permissions_management.push(notice(p, p.why.clone()));
        }
        if has_level(level, "Tagging") {
            a.tagging.push(notice(p, p.why.clone()));
        }
        let passes_role = std::iter::once(&p.action.name)
            .chain(p.action.matches.iter())
            .any(|n| n.eq_ignore_ascii_case("iam:PassRole"));
        if passes_role {
            a.pass_role.push(notice(p, p.why.clone()));
        }
        if p.action.wildcard_only {
            let why = match reason(&p.feature) {
                Some(r) if is_pattern(&p.action.name) => format!(
                    "Some of the actions the pattern matches have no resource types, so it is granted on `*`. {r}"
                ),
                Some(r) => format!("AWS offers no resource-level permission for it. {r}"),
                None => "AWS offers no resource-level permission for it: IAM can only grant it on every resource (`*`).".to_string(),
            };
            a.wildcard_only.push(notice(p, why));
        }
        let broad: Vec<&str> = p
            .resources
            .iter()
            .flat_map(|r| r.broad.iter().map(String::as_str))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if !broad.is_empty() {
            let open = broad.join(", ");
            let mut why =
                format!("Not limited to named resources: the ARN leaves {open} open (`*`).");
            if let Some(r) = reason(&p.feature) {
                why.push(' ');
                why.push_str(&r);
            }
            a.broad.push(notice(p, why));
        }
        // Wildcard-only actions are on `*` by necessity, listed above once.
        if !p.action.wildcard_only && p.resources.iter().any(|r| r.arn == "*") {
            let why = reason(&p.feature).unwrap_or_else(|| p.why.clone());
            a.on_star.push(notice(p, why));
        }
        if is_pattern(&p.action.name) {
            let why = reason(&p.feature).unwrap_or_else(|| p.why.clone());
            a.patterns.push(notice(p, why));
        }
    }
    a
}

/// Each grant's actions (features' and self-audit's) with the version each
/// was added in: the
/// first released version from which every release up to the one under
/// review grants the action on all of the statement's resources under its
/// conditions (judged by `policy::coverage`, whatever feature granted it
/// then); the version under review when the last release below it does not.
/// By `(sid, action)`.
fn added_in_by_permission(
    compiled: &CompiledModule,
    history: &History,
) -> BTreeMap<(String, String), String> {
    let indexed: Vec<(&semver::Version, Granted<'_>)> = history
        .granted
        .iter()
        .map(|(v, grants)| (v, Granted::new(grants.iter())))
        .collect();
    let mut out = BTreeMap::new();
    for g in compiled.grants.iter().chain(&compiled.self_audit) {
        let self_audit = g.feature == SELF_AUDIT_FEATURE;
        for action in &g.actions {
            let wanted: Vec<VersionPermission> = g
                .resources
                .iter()
                .map(|r| VersionPermission {
                    action: action.clone(),
                    resource: r.clone(),
                    conditions: g.conditions.clone(),
                })
                .collect();
            let mut since = compiled.version.to_string();
            for (v, granted) in indexed.iter().rev() {
                let unknown = self_audit && history.self_audit_unknown.contains(v);
                if !unknown && wanted.iter().all(|p| granted.covers(p)) {
                    since = v.to_string();
                } else {
                    break;
                }
            }
            out.insert((g.sid.clone(), action.clone()), since);
        }
    }
    out
}

/// Builds the review of one compiled module version.
pub fn review(
    cat: &Catalogue,
    project: &Project,
    module: &Module,
    compiled: &CompiledModule,
    history: &History,
    settings: &Settings,
) -> Review {
    let current = compiled.version.to_string();
    // A feature is added in the first release from which every release up
    // to this one has it (by id); its permissions may come later, row by row.
    let added_in = |feature: &str| {
        let mut since = current.clone();
        for (v, grants) in history.granted.iter().rev() {
            let unknown = feature == SELF_AUDIT_FEATURE && history.self_audit_unknown.contains(v);
            if !unknown && grants.iter().any(|g| g.feature == feature) {
                since = v.to_string();
            } else {
                break;
            }
        }
        since
    };
    // Features in manifest order; a grant whose feature the manifest does not
    // list (cannot happen after compilation) still gets its own section, so
    // the document never drops a granted action.
    let mut order: Vec<String> = module.features.iter().map(|f| f.id.clone()).collect();
    for g in &compiled.grants {
        if !order.contains(&g.feature) {
            order.push(g.feature.clone());
        }
    }
    let features: Vec<FeatureDoc> = order
        .iter()
        .map(|id| {
            let f = module.features.iter().find(|f| &f.id == id);
            FeatureDoc {
                id: id.clone(),
                description: f
                    .map(|f| f.description.trim().to_string())
                    .unwrap_or_default(),
                added_in: added_in(id),
                wildcard_reason: f.and_then(|f| f.wildcard_reason.clone()),
                statements: compiled
                    .grants
                    .iter()
                    .filter(|g| &g.feature == id)
                    .map(|g| statement_doc(cat, g))
                    .collect(),
            }
        })
        .collect();
    let self_audit = (!compiled.self_audit.is_empty()).then(|| FeatureDoc {
        id: SELF_AUDIT_FEATURE.to_string(),
        description: if compiled
            .self_audit
            .iter()
            .any(|g| g.sid == crate::compile::grants::BOUNDARY_SID)
        {
            SELF_AUDIT_WITH_BOUNDARY_WHY.to_string()
        } else {
            SELF_AUDIT_WHY.to_string()
        },
        added_in: added_in(SELF_AUDIT_FEATURE),
        wildcard_reason: None,
        statements: compiled
            .self_audit
            .iter()
            .map(|g| statement_doc(cat, g))
            .collect(),
    });
    let by_permission = added_in_by_permission(compiled, history);
    let by_permission = &by_permission;
    let permissions: Vec<Permission> = features
        .iter()
        .chain(self_audit.iter())
        .flat_map(|f| {
            f.statements.iter().flat_map(move |s| {
                s.actions.iter().map(move |a| Permission {
                    feature: f.id.clone(),
                    why: f.description.clone(),
                    sid: s.sid.clone(),
                    action: a.clone(),
                    resources: s.resources.clone(),
                    conditions: s.conditions.clone(),
                    added_in: by_permission
                        .get(&(s.sid.clone(), a.name.clone()))
                        .cloned()
                        .unwrap_or_else(|| f.added_in.clone()),
                })
            })
        })
        .collect();
    let trust = trust(project, compiled);
    let parameters = parameters(compiled);
    let deploy = deploy(compiled, &parameters, &trust, settings);
    let attention = attention(&permissions, &features);
    let meta = |k: &str| {
        str_at(&compiled.template, &["Metadata", "rolesmith", k])
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let uses_region = compiled
        .all_grants()
        .flat_map(|g| g.resources.iter())
        .any(|r| r.contains("${AWS::Region}"));
    let distinct = |it: &mut dyn Iterator<Item = &String>| it.collect::<BTreeSet<_>>().len();
    let counts = Counts {
        feature_actions: distinct(&mut compiled.grants.iter().flat_map(|g| g.actions.iter())),
        features: features.len(),
        self_audit_actions: distinct(
            &mut compiled.self_audit.iter().flat_map(|g| g.actions.iter()),
        ),
        write_or_permissions: distinct(
            &mut attention
                .write
                .iter()
                .chain(attention.permissions_management.iter())
                .map(|n| &n.action),
        ),
        on_star: distinct(
            &mut permissions
                .iter()
                .filter(|p| p.resources.iter().any(|r| r.arn == "*"))
                .map(|p| &p.action.name),
        ),
    };
    Review {
        counts,
        vendor: project.config.vendor.name.clone(),
        module: compiled.module.clone(),
        version: current.clone(),
        description: module.description.trim().to_string(),
        role_name: compiled.role_name.clone(),
        trust,
        parameters,
        features,
        self_audit,
        permissions,
        attention,
        changes: Changes {
            previous: history.previous.as_ref().map(ToString::to_string),
            features: history
                .changes
                .iter()
                .map(|c| ChangeDoc {
                    feature: c.feature.clone(),
                    added: c.added.iter().map(|p| change_words(cat, p)).collect(),
                    removed: c.removed.iter().map(|p| change_words(cat, p)).collect(),
                })
                .collect(),
        },
        deploy,
        policies: compiled
            .policies
            .iter()
            .map(|p| (p.name.clone(), p.sids.clone()))
            .collect(),
        inline_policy: compiled
            .inline_policy
            .as_ref()
            .map(|p| (p.name.clone(), p.sids.clone())),
        any_region: module.regions(&project.config) == crate::manifest::Regions::Any,
        catalogue: meta("catalogue"),
        manifest_digest: meta("manifest_digest"),
        uses_region,
    }
}
