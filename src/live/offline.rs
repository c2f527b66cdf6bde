//! Offline reader: the JSON that `aws iam get-account-authorization-details`
//! prints (documents as objects) or the raw API returns (URL-encoded strings).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use super::{
    AttachedPolicy, RawDoc, ReadError, ReadErrorKind, RoleReader, RoleSnapshot, RoleTarget,
    decode_document,
};

/// An authorization-details file could not be used.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum OfflineError {
    /// Not readable.
    #[error("cannot read `{path}`: {source}")]
    #[diagnostic(help("check the path given to `--from-file`"))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Not the expected JSON.
    #[error("{path}:{line}:{column}: {message}")]
    #[diagnostic(help(
        "give the JSON printed by `aws iam get-account-authorization-details --output json`"
    ))]
    Malformed {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Valid JSON, but not what `get-account-authorization-details` prints
    /// (for example `{}`, `[]` or the output of `aws iam get-role`).
    #[error("`{}` is not an authorization-details dump: {found}", path.display())]
    #[diagnostic(help(
        "give the JSON printed by `aws iam get-account-authorization-details --output json` (it has a `RoleDetailList`)"
    ))]
    NotAuthDetails {
        /// The file.
        path: PathBuf,
        /// What the file holds instead.
        found: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AuthDetails {
    role_detail_list: Vec<RoleDetail>,
    #[serde(default)]
    policies: Vec<ManagedPolicyDetail>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RoleDetail {
    arn: String,
    role_name: String,
    #[serde(default)]
    role_id: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    assume_role_policy_document: Option<Value>,
    #[serde(default)]
    role_policy_list: Vec<InlinePolicy>,
    #[serde(default)]
    attached_managed_policies: Vec<AttachedRef>,
    #[serde(default)]
    permissions_boundary: Option<BoundaryRef>,
    #[serde(default)]
    tags: Vec<Tag>,
    #[serde(default)]
    max_session_duration: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct InlinePolicy {
    policy_name: String,
    #[serde(default)]
    policy_document: Option<Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttachedRef {
    policy_name: String,
    policy_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BoundaryRef {
    permissions_boundary_arn: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Tag {
    key: String,
    value: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ManagedPolicyDetail {
    arn: String,
    #[serde(default)]
    policy_name: String,
    #[serde(default)]
    default_version_id: Option<String>,
    #[serde(default)]
    policy_version_list: Vec<PolicyVersion>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyVersion {
    #[serde(default)]
    document: Option<Value>,
    #[serde(default)]
    version_id: Option<String>,
    #[serde(default)]
    is_default_version: bool,
}

/// Reads roles from an authorization-details document held in memory.
#[derive(Debug)]
pub struct AuthDetailsReader {
    roles: BTreeMap<String, RoleDetail>,
    policies: BTreeMap<String, ManagedPolicyDetail>,
}

/// What valid JSON that is not a dump holds instead (`None`: it has a
/// `RoleDetailList`, so the located serde error says more).
fn not_auth_details(path: &Path, value: &Value) -> Option<OfflineError> {
    let found = match value {
        Value::Object(o) if o.contains_key("RoleDetailList") => return None,
        Value::Object(o) if o.is_empty() => "an empty object".to_string(),
        Value::Object(o) => format!(
            "an object with {} and no `RoleDetailList`",
            o.keys()
                .take(5)
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Array(_) => "an array".to_string(),
        _ => "a single value".to_string(),
    };
    Some(OfflineError::NotAuthDetails {
        path: path.to_path_buf(),
        found,
    })
}

/// A JSON syntax or shape error, located, without serde's own "at line" suffix.
fn malformed(path: &Path, e: &serde_json::Error) -> OfflineError {
    OfflineError::Malformed {
        path: path.to_path_buf(),
        line: e.line(),
        column: e.column(),
        message: e
            .to_string()
            .split(" at line ")
            .next()
            .unwrap_or_default()
            .to_string(),
    }
}

impl AuthDetailsReader {
    /// Loads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Self, OfflineError> {
        let text = std::fs::read_to_string(path).map_err(|source| OfflineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, path)
    }

    /// Parses authorization-details JSON (`path` is used in messages only).
    pub fn parse(text: &str, path: &Path) -> Result<Self, OfflineError> {
        let details: AuthDetails = serde_json::from_str(text).map_err(|e| {
            // Valid JSON of another shape gets a plain word on what it is.
            match serde_json::from_str::<Value>(text) {
                Ok(value) => not_auth_details(path, &value).unwrap_or_else(|| malformed(path, &e)),
                Err(_) => malformed(path, &e),
            }
        })?;
        Ok(AuthDetailsReader {
            // Role names are unique ignoring case; ARNs keep their case.
            roles: details
                .role_detail_list
                .into_iter()
                .map(|r| (r.arn.clone(), r))
                .collect(),
            policies: details
                .policies
                .into_iter()
                .map(|p| (p.arn.clone(), p))
                .collect(),
        })
    }

    fn managed(&self, arn: &str, name: &str) -> AttachedPolicy {
        let detail = self.policies.get(arn);
        let version = detail.and_then(|p| {
            p.policy_version_list
                .iter()
                .find(|v| v.is_default_version)
                .or_else(|| {
                    let id = p.default_version_id.as_deref()?;
                    p.policy_version_list
                        .iter()
                        .find(|v| v.version_id.as_deref() == Some(id))
                })
        });
        AttachedPolicy {
            arn: arn.to_string(),
            name: detail
                .map(|p| p.policy_name.clone())
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| name.to_string()),
            version_id: version
                .and_then(|v| v.version_id.clone())
                .or_else(|| detail.and_then(|p| p.default_version_id.clone())),
            document: version.and_then(|v| v.document.as_ref()).map(raw_doc),
        }
    }
}

/// A document as the CLI prints it (an object) or as the API returns it (a
/// URL-encoded string).
fn raw_doc(v: &Value) -> RawDoc {
    match v {
        Value::String(s) => RawDoc(decode_document(s)),
        other => RawDoc(other.to_string()),
    }
}

impl RoleReader for AuthDetailsReader {
    fn read_role(&self, target: &RoleTarget) -> Result<RoleSnapshot, ReadError> {
        let role = self.roles.get(&target.role_arn).ok_or_else(|| {
            ReadError::new(
                ReadErrorKind::RoleMissing,
                format!(
                    "role `{}` is not in the authorization details file",
                    target.role_arn
                ),
            )
        })?;
        let mut inline: Vec<(String, RawDoc)> = role
            .role_policy_list
            .iter()
            .map(|p| {
                (
                    p.policy_name.clone(),
                    p.policy_document
                        .as_ref()
                        .map(raw_doc)
                        .unwrap_or_else(|| RawDoc(String::new())),
                )
            })
            .collect();
        inline.sort_by(|a, b| a.0.cmp(&b.0));
        let mut attached: Vec<AttachedPolicy> = role
            .attached_managed_policies
            .iter()
            .map(|a| self.managed(&a.policy_arn, &a.policy_name))
            .collect();
        attached.sort_by(|a, b| a.arn.cmp(&b.arn));
        let boundary = role.permissions_boundary.as_ref().map(|b| {
            let arn = &b.permissions_boundary_arn;
            let name = arn.rsplit('/').next().unwrap_or(arn);
            self.managed(arn, name)
        });
        Ok(RoleSnapshot {
            arn: role.arn.clone(),
            name: role.role_name.clone(),
            role_id: role.role_id.clone(),
            path: role.path.clone(),
            tags: role
                .tags
                .iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect(),
            max_session_duration: role.max_session_duration,
            trust_policy: role
                .assume_role_policy_document
                .as_ref()
                .map(raw_doc)
                .unwrap_or_else(|| RawDoc(String::new())),
            inline,
            attached,
            boundary,
            stack: None,
        })
    }
}
