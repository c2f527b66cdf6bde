//! The review document as plain data (what the templates render), built
//! from a compiled module: its grants, trust policy and template.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use super::lookup::{ResourceType, ReviewLookup};
use super::{History, Settings, words};
use crate::compile::{CompiledModule, Grant, SELF_AUDIT_FEATURE};
use crate::manifest::{Module, Project};

/// One module version's review.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Review {
    /// Vendor name.
    pub vendor: String,
    /// Module id.
    pub module: String,
    /// Module version.
    pub version: String,
    /// What the module does.
    pub description: String,
    /// IAM role name.
    pub role_name: String,
    /// Who may assume the role.
    pub trust: Trust,
    /// Stack parameters, as in the template.
    pub parameters: Vec<ParamDoc>,
    /// Features in manifest order, each with its statements.
    pub features: Vec<FeatureDoc>,
    /// The role's read access to its own definition, if granted.
    pub self_audit: Option<FeatureDoc>,
    /// One row per granted action (features, then self-audit).
    pub permissions: Vec<Permission>,
    /// What a reviewer should look at first.
    pub attention: Attention,
    /// What changed since the previous released version.
    pub changes: Changes,
    /// How to deploy.
    pub deploy: Deploy,
    /// Managed policies of the template: name and statement ids.
    pub policies: Vec<(String, Vec<String>)>,
    /// Catalogue the access levels come from.
    pub catalogue: String,
    /// Digest of the manifest the template was built from.
    pub manifest_digest: String,
    /// Some resource ARN uses the stack's region.
    pub uses_region: bool,
    /// Counts for the summary.
    pub counts: Counts,
}

/// Counts shown at the top of a review.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Counts {
    /// Distinct actions (or patterns) granted to features.
    pub feature_actions: usize,
    /// Features.
    pub features: usize,
    /// Distinct actions of the self-audit.
    pub self_audit_actions: usize,
    /// Distinct write or permissions-management actions.
    pub write_or_permissions: usize,
    /// Distinct actions granted on `*`.
    pub on_star: usize,
}

/// The trust relationship.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Trust {
    /// Principals allowed to call `sts:AssumeRole` (`Fn::Sub` strings).
    pub principals: Vec<String>,
    /// The vendor's account id.
    pub vendor_account: String,
    /// The vendor's authoriser role (with path).
    pub authoriser_role: String,
    /// Name of the parameter holding the external id, when one is required.
    pub external_id_parameter: Option<String>,
    /// Conditions of the trust statement, in words.
    pub conditions: Vec<String>,
    /// `MaxSessionDuration` in seconds.
    pub max_session_seconds: u64,
    /// The same, in words.
    pub max_session: String,
    /// The role takes an optional permissions boundary parameter.
    pub boundary_parameter: Option<String>,
}

/// A stack parameter.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ParamDoc {
    /// Name.
    pub name: String,
    /// Description from the template.
    pub description: String,
    /// `AllowedPattern`, if any.
    pub pattern: Option<String>,
    /// Default value, if any.
    pub default: Option<String>,
}

/// A feature (or the self-audit) with its statements.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FeatureDoc {
    /// Feature id.
    pub id: String,
    /// Why it is needed.
    pub description: String,
    /// Version it was added in.
    pub added_in: String,
    /// Why wildcard actions (or `*`) are acceptable, when the manifest says.
    pub wildcard_reason: Option<String>,
    /// Its statements.
    pub statements: Vec<StatementDoc>,
}

/// One statement of the template.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatementDoc {
    /// Statement id in the template.
    pub sid: String,
    /// Actions.
    pub actions: Vec<ActionDoc>,
    /// Resources.
    pub resources: Vec<ResourceDoc>,
    /// Conditions, in words.
    pub conditions: Vec<String>,
}

/// One granted action.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ActionDoc {
    /// Action name, or a wildcard pattern as granted.
    pub name: String,
    /// Access level (several, joined, for a pattern).
    pub access_level: String,
    /// For a pattern: the actions it matches today.
    pub matches: Vec<String>,
    /// AWS offers no resource-level permission for it: granted on `*`.
    pub wildcard_only: bool,
}

/// One granted resource.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResourceDoc {
    /// As in the template (`Fn::Sub` syntax).
    pub arn: String,
    /// In plain words.
    pub words: String,
}

/// One row of the permission table: one action of one statement.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Permission {
    /// Feature id.
    pub feature: String,
    /// Why the feature needs it.
    pub why: String,
    /// Statement id.
    pub sid: String,
    /// The action.
    pub action: ActionDoc,
    /// Resources.
    pub resources: Vec<ResourceDoc>,
    /// Conditions, in words.
    pub conditions: Vec<String>,
    /// Version it was added in.
    pub added_in: String,
}

/// A point for the reviewer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Notice {
    /// The action (or pattern).
    pub action: String,
    /// Its feature.
    pub feature: String,
    /// Its access level.
    pub access_level: String,
    /// What it is limited to, in words.
    pub limited_to: Vec<String>,
    /// Conditions, in words.
    pub conditions: Vec<String>,
    /// Why it is granted this way.
    pub why: String,
}

/// What stands out for a reviewer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Attention {
    /// Actions that change resources (access level Write).
    pub write: Vec<Notice>,
    /// Actions that change permissions.
    pub permissions_management: Vec<Notice>,
    /// Actions that change tags.
    pub tagging: Vec<Notice>,
    /// `iam:PassRole`, with what it is limited to.
    pub pass_role: Vec<Notice>,
    /// Actions AWS cannot limit to a resource.
    pub wildcard_only: Vec<Notice>,
    /// Anything granted on `*`.
    pub on_star: Vec<Notice>,
    /// Wildcard action patterns.
    pub patterns: Vec<Notice>,
}

/// Changes since the previous released version.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Changes {
    /// Previous released version, if any.
    pub previous: Option<String>,
    /// Per feature: added and removed grants, in words.
    pub features: Vec<ChangeDoc>,
}

/// What changed in one feature.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChangeDoc {
    /// Feature id.
    pub feature: String,
    /// Added.
    pub added: Vec<String>,
    /// Removed.
    pub removed: Vec<String>,
}

/// How to deploy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Deploy {
    /// Stack name suggested (the role name).
    pub stack_name: String,
    /// Parameters with the value to give.
    pub parameters: Vec<DeployParam>,
    /// The `aws cloudformation deploy` command.
    pub command: String,
    /// Console quick-create link, when a template URL base is configured.
    pub quick_create_url: Option<String>,
}

/// A parameter of the deploy command.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeployParam {
    /// Name.
    pub name: String,
    /// Placeholder or default shown in the command.
    pub value: String,
    /// Optional (has a default).
    pub optional: bool,
}

/// A module on the index page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IndexModule {
    /// Module id.
    pub module: String,
    /// What it does.
    pub description: String,
    /// IAM role name.
    pub role_name: String,
    /// Versions, newest first.
    pub versions: Vec<IndexEntry>,
}

/// A version on the index page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IndexEntry {
    /// Version.
    pub version: String,
    /// The manifest's current version.
    pub current: bool,
    /// Recorded as released.
    pub released: bool,
    /// HTML review, relative to `generated/`.
    pub html: String,
    /// Markdown review, relative to `generated/`.
    pub markdown: String,
}

fn has_level(level: &str, wanted: &str) -> bool {
    level.split(',').any(|l| l.trim() == wanted)
}

fn is_pattern(action: &str) -> bool {
    action.contains('*') || action.contains('?')
}

fn action_doc(lookup: &dyn ReviewLookup, name: &str) -> ActionDoc {
    if is_pattern(name) {
        let matches = lookup.matching(name);
        let levels: BTreeSet<String> = matches
            .iter()
            .filter_map(|m| lookup.access_level(m))
            .flat_map(|l| {
                l.split(',')
                    .map(|p| p.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .collect();
        let wildcard_only = matches.iter().any(|m| lookup.resource_types(m).is_empty());
        ActionDoc {
            name: name.to_string(),
            access_level: levels.into_iter().collect::<Vec<_>>().join(", "),
            matches,
            wildcard_only,
        }
    } else {
        ActionDoc {
            name: name.to_string(),
            access_level: lookup
                .access_level(name)
                .unwrap_or_else(|| "not in the catalogue".to_string()),
            matches: Vec::new(),
            wildcard_only: lookup.resource_types(name).is_empty(),
        }
    }
}

/// Resource types of every action of a grant (patterns expanded), for words.
fn grant_types(lookup: &dyn ReviewLookup, g: &Grant) -> Vec<ResourceType> {
    let mut out: Vec<ResourceType> = Vec::new();
    for a in &g.actions {
        let names = if is_pattern(a) {
            lookup.matching(a)
        } else {
            vec![a.clone()]
        };
        for n in names {
            for t in lookup.resource_types(&n) {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }
    out
}

fn statement_doc(lookup: &dyn ReviewLookup, g: &Grant) -> StatementDoc {
    let types = grant_types(lookup, g);
    StatementDoc {
        sid: g.sid.clone(),
        actions: g.actions.iter().map(|a| action_doc(lookup, a)).collect(),
        resources: g
            .resources
            .iter()
            .map(|r| ResourceDoc {
                arn: r.clone(),
                words: words::resource(r, &types, |p| lookup.service_name(p)),
            })
            .collect(),
        conditions: words::conditions(&g.conditions),
    }
}

const SELF_AUDIT_WHY: &str = "Lets the role read its own IAM definition (the role, its policies, and AWS managed policies attached to it) and its own stack, so the vendor can check that the role still grants what this version needs without any extra role in your account. Read only.";

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

fn parameters(compiled: &CompiledModule) -> Vec<ParamDoc> {
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

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn deploy(
    compiled: &CompiledModule,
    params: &[ParamDoc],
    trust: &Trust,
    settings: &Settings,
) -> Deploy {
    let stack_name = compiled.role_name.clone();
    let parameters: Vec<DeployParam> = params
        .iter()
        .map(|p| {
            let value = match (&p.default, trust.external_id_parameter.as_deref()) {
                (Some(d), _) => d.clone(),
                (None, Some(x)) if x == p.name => "<external id from the vendor>".to_string(),
                (None, _) => format!("<{}>", p.name),
            };
            DeployParam {
                name: p.name.clone(),
                optional: p.default.is_some(),
                value,
            }
        })
        .collect();
    let mut command = format!(
        "aws cloudformation deploy \\\n  --stack-name {stack_name} \\\n  --template-file template.json \\\n  --capabilities CAPABILITY_NAMED_IAM"
    );
    let required: Vec<&DeployParam> = parameters.iter().filter(|p| !p.optional).collect();
    if !required.is_empty() {
        command.push_str(" \\\n  --parameter-overrides");
        for p in &required {
            let v = if p.value.contains(' ') || p.value.contains('<') {
                format!("'{}'", p.value)
            } else {
                p.value.clone()
            };
            command.push_str(&format!(" \\\n    {}={v}", p.name));
        }
    }
    let quick_create_url = settings.template_url_base.as_ref().map(|base| {
        let template = format!(
            "{}/{}/{}/template.json",
            base.trim_end_matches('/'),
            compiled.module,
            compiled.version
        );
        let mut url = format!(
            "https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?templateURL={}&stackName={}",
            url_encode(&template),
            url_encode(&stack_name)
        );
        for p in params {
            url.push_str(&format!(
                "&param_{}={}",
                url_encode(&p.name),
                url_encode(p.default.as_deref().unwrap_or_default())
            ));
        }
        url
    });
    Deploy {
        stack_name,
        parameters,
        command,
        quick_create_url,
    }
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
        if p.resources.iter().any(|r| r.arn == "*") {
            let why = match (p.action.wildcard_only, reason(&p.feature)) {
                (_, Some(r)) => r,
                (true, None) => {
                    "The action has no resource types, so it cannot be narrowed.".to_string()
                }
                (false, None) => p.why.clone(),
            };
            a.on_star.push(notice(p, why));
        }
        if is_pattern(&p.action.name) {
            let why = reason(&p.feature).unwrap_or_else(|| p.why.clone());
            a.patterns.push(notice(p, why));
        }
    }
    a
}

/// Builds the document; see [`super::review`].
pub fn build(
    lookup: &dyn ReviewLookup,
    project: &Project,
    module: &Module,
    compiled: &CompiledModule,
    history: &History,
    settings: &Settings,
) -> Review {
    let current = compiled.version.to_string();
    let added_in = |feature: &str| {
        history
            .since
            .get(feature)
            .map_or_else(|| current.clone(), |v| v.to_string())
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
                    .map(|g| statement_doc(lookup, g))
                    .collect(),
            }
        })
        .collect();
    let self_audit = (!compiled.self_audit.is_empty()).then(|| FeatureDoc {
        id: SELF_AUDIT_FEATURE.to_string(),
        description: SELF_AUDIT_WHY.to_string(),
        added_in: added_in(SELF_AUDIT_FEATURE),
        wildcard_reason: None,
        statements: compiled
            .self_audit
            .iter()
            .map(|g| statement_doc(lookup, g))
            .collect(),
    });
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
                    added_in: f.added_in.clone(),
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
        on_star: distinct(&mut attention.on_star.iter().map(|n| &n.action)),
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
                    added: c.added.iter().map(ToString::to_string).collect(),
                    removed: c.removed.iter().map(ToString::to_string).collect(),
                })
                .collect(),
        },
        deploy,
        policies: compiled
            .policies
            .iter()
            .map(|p| (p.name.clone(), p.sids.clone()))
            .collect(),
        catalogue: meta("catalogue"),
        manifest_digest: meta("manifest_digest"),
        uses_region,
    }
}

/// Index entries; see [`super::index`].
pub fn index(
    project: &Project,
    compiled: &[CompiledModule],
    histories: &BTreeMap<String, History>,
    link: &dyn Fn(&str, &semver::Version, super::Format) -> String,
) -> Vec<IndexModule> {
    let mut out = Vec::new();
    for c in compiled {
        let description = project
            .modules
            .iter()
            .find(|m| m.id == c.module)
            .map(|m| m.description.trim().to_string())
            .unwrap_or_default();
        let released: BTreeSet<semver::Version> = histories
            .get(&c.module)
            .map(|h| h.released.iter().cloned().collect())
            .unwrap_or_default();
        let mut versions: BTreeSet<semver::Version> = released.clone();
        versions.insert(c.version.clone());
        let entries = versions
            .iter()
            .rev()
            .map(|v| IndexEntry {
                version: v.to_string(),
                current: *v == c.version,
                released: released.contains(v),
                html: link(&c.module, v, super::Format::Html),
                markdown: link(&c.module, v, super::Format::Markdown),
            })
            .collect();
        out.push(IndexModule {
            module: c.module.clone(),
            description,
            role_name: c.role_name.clone(),
            versions: entries,
        });
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}
