//! The vendor's side of the trust: the authoriser role's own identity
//! policy. A module role trusts the authoriser, but IAM needs both sides to
//! allow a cross-account `sts:AssumeRole`: the customer's trust policy and
//! the authoriser's identity policy. This is that identity policy, and a
//! small CloudFormation template that attaches it to the authoriser role in
//! the vendor's account.
//!
//! Invariants: the policy allows `sts:AssumeRole` and nothing else, on
//! exactly the module roles' names (`roles.name_prefix` + module id, no
//! path: the templates set none) in any account, one resource per module.
//! `sts:TagSession` is not granted: the module roles' trust policies allow
//! only `sts:AssumeRole`, so the product cannot pass session tags, and no
//! module relies on them. Pure, like the rest of `compile`; the same
//! project always gives the same bytes.

use serde_json::{Value, json};

use super::CompiledModule;
use super::template::policy_document;
use crate::manifest::Config;

/// The one action the authoriser needs on the module roles.
pub const ASSUME_ROLE: &str = "sts:AssumeRole";
/// Sid of the policy's one statement.
pub const STATEMENT_SID: &str = "AssumeModuleRoles";
/// Logical id of the managed policy in the vendor template.
pub const POLICY_ID: &str = "AssumeModuleRolesPolicy";
/// Partition written into `policy.json` (the template substitutes the
/// partition it is deployed in).
pub const POLICY_JSON_PARTITION: &str = "aws";

/// One module role the authoriser may assume.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AssumableRole {
    /// Module id.
    pub module: String,
    /// Role name (prefix + module id).
    pub role_name: String,
    /// The resource, as an `Fn::Sub` string: `arn:${AWS::Partition}:iam::*:role/<name>`.
    pub resource: String,
}

/// The vendor side of every module role.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VendorPolicy {
    /// Vendor name (for descriptions).
    pub vendor: String,
    /// The vendor's account id.
    pub account_id: String,
    /// The authoriser role as configured (may carry a path).
    pub authoriser_role: String,
    /// The authoriser role's name without its path (what CloudFormation's
    /// `Roles` takes).
    pub authoriser_role_name: String,
    /// ARN of the authoriser role, in the `aws` partition (as `policy.json`).
    pub authoriser_arn: String,
    /// `ManagedPolicyName` of the policy the template creates.
    pub policy_name: String,
    /// Name of the stack to deploy the template as.
    pub stack_name: String,
    /// Module roles, sorted by module id.
    pub roles: Vec<AssumableRole>,
    /// Whether the policy grants `sts:TagSession` (never: see the module docs).
    pub tag_session: bool,
    /// Whether the module roles require `sts:ExternalId` (`roles.external_id`).
    pub external_id: bool,
}

/// The authoriser role's name without its path (`portal/Auth` -> `Auth`):
/// what CloudFormation's `Roles` takes and what assumed-role ARNs show.
pub fn authoriser_name(authoriser_role: &str) -> &str {
    authoriser_role
        .rsplit('/')
        .next()
        .unwrap_or(authoriser_role)
}

/// `arn:<partition>:iam::*:role/<role_name>`.
pub fn role_resource(partition: &str, role_name: &str) -> String {
    format!("arn:{partition}:iam::*:role/{role_name}")
}

impl VendorPolicy {
    /// The vendor side for these compiled modules under `config`.
    pub fn of(config: &Config, compiled: &[CompiledModule]) -> VendorPolicy {
        let mut roles: Vec<AssumableRole> = compiled
            .iter()
            .map(|c| AssumableRole {
                module: c.module.clone(),
                role_name: c.role_name.clone(),
                resource: role_resource("${AWS::Partition}", &c.role_name),
            })
            .collect();
        roles.sort_by(|a, b| a.module.cmp(&b.module));
        roles.dedup_by(|a, b| a.module == b.module);
        let authoriser = &config.vendor.authoriser_role;
        let authoriser_role_name = authoriser_name(authoriser).to_string();
        VendorPolicy {
            vendor: config.vendor.name.clone(),
            account_id: config.vendor.account_id.clone(),
            authoriser_role: authoriser.clone(),
            authoriser_role_name,
            authoriser_arn: config.vendor.authoriser_arn(POLICY_JSON_PARTITION),
            policy_name: format!("{}assume-module-roles", config.roles.name_prefix),
            stack_name: format!("{}authoriser-policy", config.roles.name_prefix),
            roles,
            tag_session: false,
            external_id: config.roles.external_id,
        }
    }

    /// The policy's one statement, resources with `partition` (`aws`, or
    /// `${AWS::Partition}` inside the template).
    fn statement(&self, partition: &str) -> Value {
        let resources: Vec<Value> = self
            .roles
            .iter()
            .map(|r| Value::String(role_resource(partition, &r.role_name)))
            .collect();
        json!({
            "Sid": STATEMENT_SID,
            "Effect": "Allow",
            "Action": ASSUME_ROLE,
            "Resource": resources,
        })
    }

    /// The identity policy document for `partition` (`policy.json` is
    /// written for [`POLICY_JSON_PARTITION`]).
    pub fn policy_document(&self, partition: &str) -> Value {
        policy_document(vec![self.statement(partition)])
    }

    /// The CloudFormation template: one managed policy attached to the
    /// authoriser role, in the partition it is deployed in; a rule refuses
    /// any account but the vendor's.
    pub fn template(&self) -> Value {
        let statement = self.statement("${AWS::Partition}");
        let resources: Vec<Value> = statement
            .get("Resource")
            .and_then(Value::as_array)
            .map(|rs| {
                rs.iter()
                    .filter_map(Value::as_str)
                    .map(super::template::sub)
                    .collect()
            })
            .unwrap_or_default();
        let mut statement = statement;
        if let Some(st) = statement.as_object_mut() {
            st.insert("Resource".into(), Value::Array(resources));
        }
        let modules: Vec<&str> = self.roles.iter().map(|r| r.module.as_str()).collect();
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": format!(
                "{}: lets the authoriser role {} assume the module roles in customer accounts (sts:AssumeRole only; rolesmith vendor side)",
                self.vendor, self.authoriser_role
            ),
            "Metadata": { "rolesmith": {
                "generator": env!("CARGO_PKG_VERSION"),
                "modules": modules,
                "side": "vendor",
            }},
            "Rules": { "VendorAccount": { "Assertions": [{
                "Assert": { "Fn::Equals": [{ "Ref": "AWS::AccountId" }, self.account_id] },
                "AssertDescription": format!(
                    "Deploy this stack in the vendor account {}, where the authoriser role {} is",
                    self.account_id, self.authoriser_role
                ),
            }]}},
            "Resources": { POLICY_ID: {
                "Type": "AWS::IAM::ManagedPolicy",
                "Properties": {
                    "ManagedPolicyName": self.policy_name,
                    "Description": format!(
                        "{}: the authoriser may assume the module roles (one per module) in any account; each customer's trust policy decides who gets in",
                        self.vendor
                    ),
                    "PolicyDocument": policy_document(vec![statement]),
                    "Roles": [self.authoriser_role_name],
                },
            }},
            "Outputs": { "PolicyArn": {
                "Description": "ARN of the managed policy attached to the authoriser role",
                "Value": { "Ref": POLICY_ID },
            }},
        })
    }
}

/// Pretty JSON bytes with a trailing newline (as module templates are written).
pub fn to_bytes(v: &Value) -> Vec<u8> {
    format!("{v:#}\n").into_bytes()
}
