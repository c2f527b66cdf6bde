//! The CloudFormation template of one module version, as a JSON value:
//! parameters, the role with its trust policy and tags, the managed policies
//! that hold the statements, outputs and metadata. `serde_json` sorts object
//! keys, so the rendering is the same bytes on every run.

use serde_json::{Map, Value, json};

use super::{Grant, ManagedPolicy};
use crate::manifest::{Config, Module};

/// Logical id of the role in every template.
pub const ROLE_ID: &str = "Role";
/// Condition that is true when a permissions boundary was given.
pub const HAS_BOUNDARY: &str = "HasPermissionsBoundary";
/// Parameter names the template adds to the module's own.
pub const EXTERNAL_ID: &str = "ExternalId";
/// Parameter holding the optional permissions boundary ARN.
pub const BOUNDARY: &str = "PermissionsBoundaryArn";

/// Characters AWS accepts in an external id (`[\w+=,.@:/-]`).
pub const EXTERNAL_ID_PATTERN: &str = r"[\w+=,.@:\/-]*";

/// A string that CloudFormation must substitute is wrapped in `Fn::Sub`;
/// one without placeholders stays plain (cfn-lint flags a needless `Fn::Sub`).
pub fn sub(s: &str) -> Value {
    if s.contains("${") {
        json!({ "Fn::Sub": s })
    } else {
        Value::String(s.to_string())
    }
}

/// One IAM statement of a grant.
pub fn statement(g: &Grant) -> Value {
    let mut st = Map::new();
    st.insert("Sid".into(), Value::String(g.sid.clone()));
    st.insert("Effect".into(), "Allow".into());
    st.insert(
        "Action".into(),
        Value::Array(g.actions.iter().map(|a| Value::String(a.clone())).collect()),
    );
    st.insert(
        "Resource".into(),
        Value::Array(g.resources.iter().map(|r| sub(r)).collect()),
    );
    if !g.conditions.is_empty() {
        let cond: Map<String, Value> = g
            .conditions
            .iter()
            .map(|(op, keys)| {
                let keys: Map<String, Value> = keys
                    .iter()
                    .map(|(k, vs)| (k.clone(), Value::Array(vs.iter().map(|v| sub(v)).collect())))
                    .collect();
                (op.clone(), Value::Object(keys))
            })
            .collect();
        st.insert("Condition".into(), Value::Object(cond));
    }
    if g.sid == super::grants::BOUNDARY_SID {
        // Only a stack that sets a boundary has one to read.
        return json!({ "Fn::If": [HAS_BOUNDARY, Value::Object(st), { "Ref": "AWS::NoValue" }] });
    }
    Value::Object(st)
}

/// The self-audit grants a template holds (the statements with the
/// self-audit Sids, in any of its policies), read back as [`statement`]
/// wrote them; `None` when the bytes are not a template.
pub fn self_audit_in(template: &[u8]) -> Option<Vec<Grant>> {
    let t: Value = serde_json::from_slice(template).ok()?;
    let sids = super::grants::self_audit_sids();
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        other => other.get("Fn::Sub")?.as_str().map(str::to_string),
    };
    let list = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::Array(items)) => items.iter().filter_map(text).collect(),
            Some(one) => text(one).into_iter().collect(),
            None => Vec::new(),
        }
    };
    let mut out = Vec::new();
    for resource in t.get("Resources")?.as_object()?.values() {
        let props = resource.get("Properties");
        let managed = props.and_then(|p| p.get("PolicyDocument")).into_iter();
        let inline = props
            .and_then(|p| p.get("Policies"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("PolicyDocument"));
        for doc in managed.chain(inline) {
            let statements = doc.get("Statement").and_then(Value::as_array);
            for st in statements.into_iter().flatten() {
                // A statement written only under a condition (`Fn::If`).
                let st = st.get("Fn::If").and_then(|f| f.get(1)).unwrap_or(st);
                let Some(sid) = st.get("Sid").and_then(Value::as_str) else {
                    continue;
                };
                if !sids.contains(sid) {
                    continue;
                }
                out.push(Grant {
                    sid: sid.to_string(),
                    feature: super::SELF_AUDIT_FEATURE.to_string(),
                    actions: list(st.get("Action")),
                    resources: list(st.get("Resource")),
                    conditions: Default::default(),
                });
            }
        }
    }
    Some(out)
}

/// A policy document holding `statements`.
pub fn policy_document(statements: Vec<Value>) -> Value {
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// The trust policy: only the vendor's authoriser may assume the role, and
/// (when enabled) only with the customer's external id.
#[expect(clippy::indexing_slicing, reason = "`st` is an object (json! above)")]
pub fn trust_policy(config: &Config) -> Value {
    let mut st = json!({
        "Sid": "TrustVendorAuthoriser",
        "Effect": "Allow",
        "Principal": { "AWS": sub(&config.vendor.authoriser_arn("${AWS::Partition}")) },
        "Action": "sts:AssumeRole",
    });
    if config.roles.external_id {
        st["Condition"] = json!({ "StringEquals": { "sts:ExternalId": { "Ref": EXTERNAL_ID } } });
    }
    policy_document(vec![st])
}

/// Keeps only characters IAM accepts in role and policy descriptions, within `max` characters.
fn iam_description(s: &str, max: usize) -> String {
    s.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' | '\u{20}'..='\u{7e}' | '\u{a1}'..='\u{ff}' => c,
            _ => '?',
        })
        .take(max)
        .collect()
}

/// Everything the template is built from.
pub struct Parts<'a> {
    /// Project config.
    pub config: &'a Config,
    /// The module.
    pub module: &'a Module,
    /// Role name.
    pub role_name: &'a str,
    /// Trust policy document.
    pub trust: &'a Value,
    /// Managed policies with their statements.
    pub policies: &'a [(ManagedPolicy, Vec<Value>)],
    /// The inline policy with its statements, if any.
    pub inline: Option<&'a (super::InlinePolicy, Vec<Value>)>,
    /// Catalogue version.
    pub catalogue: &'a str,
    /// Maximum length of each module parameter.
    pub max_lengths: &'a [(String, u32)],
}

/// The whole template.
pub fn template(p: &Parts<'_>) -> Value {
    let (config, module) = (p.config, p.module);
    let version = module.version.to_string();
    let vendor = &config.vendor.name;

    let mut params = Map::new();
    if config.roles.external_id {
        params.insert(
            EXTERNAL_ID.into(),
            json!({
                "Type": "String",
                "Description": format!(
                    "External ID that {vendor} gave you for this account; {vendor} can assume the role only with it"
                ),
                "MinLength": 2,
                "MaxLength": 1224,
                "AllowedPattern": EXTERNAL_ID_PATTERN,
                "ConstraintDescription": "2 to 1224 characters: letters, digits and + = , . @ : / - _",
            }),
        );
    }
    for (name, param) in &module.parameters {
        let mut v = Map::new();
        v.insert("Type".into(), "String".into());
        v.insert(
            "Description".into(),
            Value::String(param.description.clone()),
        );
        if let Some(pat) = &param.pattern {
            v.insert("AllowedPattern".into(), Value::String(pat.clone()));
        }
        if let Some(d) = &param.default {
            v.insert("Default".into(), Value::String(d.clone()));
        }
        if let Some((_, max)) = p.max_lengths.iter().find(|(n, _)| n == name) {
            v.insert("MaxLength".into(), json!(max));
        }
        params.insert(name.clone(), Value::Object(v));
    }
    let mut conditions = Map::new();
    if config.roles.permissions_boundary {
        params.insert(
            BOUNDARY.into(),
            json!({
                "Type": "String",
                "Description": "ARN of a managed policy to set as the role's permissions boundary; leave empty for none",
                "Default": "",
                "AllowedPattern": r"^(arn:[\w-]+:iam::(\d{12}|aws):policy/[\w+=,.@/-]+)?$",
                "ConstraintDescription": "empty, or the ARN of an IAM managed policy",
            }),
        );
        conditions.insert(
            HAS_BOUNDARY.into(),
            json!({ "Fn::Not": [{ "Fn::Equals": [{ "Ref": BOUNDARY }, ""] }] }),
        );
    }

    let mut tags: std::collections::BTreeMap<String, String> = config.roles.tags.clone();
    tags.insert("rolesmith:module".into(), module.id.clone());
    tags.insert("rolesmith:version".into(), version.clone());
    let tags: Vec<Value> = tags
        .into_iter()
        .map(|(k, v)| json!({ "Key": k, "Value": v }))
        .collect();

    let mut role = Map::new();
    role.insert("RoleName".into(), Value::String(p.role_name.to_string()));
    role.insert(
        "Description".into(),
        Value::String(iam_description(
            &format!(
                "{vendor} module {} {version}: {}. Managed by a CloudFormation stack; update it with the stack",
                module.id,
                module.description.trim_end_matches('.'),
            ),
            1000,
        )),
    );
    role.insert("AssumeRolePolicyDocument".into(), p.trust.clone());
    role.insert(
        "MaxSessionDuration".into(),
        json!(config.roles.max_session_duration),
    );
    if config.roles.permissions_boundary {
        role.insert(
            "PermissionsBoundary".into(),
            json!({ "Fn::If": [HAS_BOUNDARY, { "Ref": BOUNDARY }, { "Ref": "AWS::NoValue" }] }),
        );
    }
    role.insert("Tags".into(), Value::Array(tags));
    if let Some((policy, statements)) = p.inline {
        role.insert(
            "Policies".into(),
            json!([{
                "PolicyName": policy.name,
                "PolicyDocument": policy_document(statements.clone()),
            }]),
        );
    }

    let mut resources = Map::new();
    resources.insert(
        ROLE_ID.into(),
        json!({ "Type": "AWS::IAM::Role", "Properties": role }),
    );
    let total = p.policies.len();
    for (policy, statements) in p.policies {
        resources.insert(
            policy.logical_id.clone(),
            json!({
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": policy.name,
                    "Description": iam_description(&format!(
                        "{vendor} module {} {version}: permissions, part {} of {total}",
                        module.id, policy.index
                    ), 1000),
                    "PolicyDocument": policy_document(statements.clone()),
                    "Roles": [{ "Ref": ROLE_ID }],
                }
            }),
        );
    }

    // CloudFormation limits the template description to 1024 *bytes*, so a
    // description in another script must be cut at a character boundary
    // within that, not after 1024 characters.
    let mut description = format!(
        "{vendor}: {} (rolesmith module {} {version})",
        module.description.trim().trim_end_matches('.'),
        module.id
    );
    if description.len() > 1024 {
        let mut end = 1024;
        while !description.is_char_boundary(end) {
            end -= 1;
        }
        description.truncate(end);
    }

    let mut t = Map::new();
    t.insert("AWSTemplateFormatVersion".into(), "2010-09-09".into());
    t.insert("Description".into(), Value::String(description));
    t.insert(
        "Metadata".into(),
        json!({ "rolesmith": {
            "catalogue": p.catalogue,
            "generator": env!("CARGO_PKG_VERSION"),
            "manifest_digest": module.digest,
            "module": module.id,
            "version": version,
        }}),
    );
    if !params.is_empty() {
        t.insert("Parameters".into(), Value::Object(params));
    }
    if !conditions.is_empty() {
        t.insert("Conditions".into(), Value::Object(conditions));
    }
    t.insert("Resources".into(), Value::Object(resources));
    t.insert(
        "Outputs".into(),
        json!({
            "RoleArn": {
                "Description": format!("ARN of the role to register with {vendor}"),
                "Value": { "Fn::GetAtt": [ROLE_ID, "Arn"] },
            },
            "ModuleVersion": {
                "Description": "Version of the module this stack grants",
                "Value": version,
            },
        }),
    );
    Value::Object(t)
}
