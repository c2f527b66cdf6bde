//! Live readers: turn a customer's IAM role into plain data ([`RoleSnapshot`]).
//!
//! Every reader sits behind [`RoleReader`] and returns documents as decoded
//! JSON text ([`RawDoc`]), never parsed: parsing belongs to `drift`, so a
//! document that does not parse becomes an `unreadable_policy` finding rather
//! than a read failure. Readers: [`offline::AuthDetailsReader`] (the output of
//! `aws iam get-account-authorization-details`, always built) and, behind the
//! `aws` feature, `aws::AwsReader` (IAM, STS and CloudFormation through the
//! AWS SDK) with the concurrent fleet runner in `fleet`.

use std::collections::BTreeMap;
use std::sync::Arc;

#[cfg(feature = "aws")]
pub mod aws;
pub mod decode;
pub mod fleet_file;
pub mod offline;
pub mod retry;
pub mod shard;

#[cfg(feature = "aws")]
pub mod fleet;

pub use decode::decode_document;

/// A policy document as decoded JSON text (URL-decoding done, parsing not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDoc(pub String);

impl RawDoc {
    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A managed policy attached to a role (or used as its permissions boundary).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPolicy {
    /// Policy ARN.
    pub arn: String,
    /// Policy name.
    pub name: String,
    /// Default version id (`v3`), when known.
    pub version_id: Option<String>,
    /// The default version's document; `None` when it could not be obtained
    /// (for example absent from an authorization-details file), which drift
    /// reports as `unreadable_policy`.
    pub document: Option<RawDoc>,
}

impl AttachedPolicy {
    /// True for AWS managed policies (`arn:<partition>:iam::aws:policy/...`),
    /// which are the same in every account and so can be cached.
    pub fn is_aws_managed(&self) -> bool {
        is_aws_managed_arn(&self.arn)
    }
}

/// True when `arn` names an AWS managed policy.
pub fn is_aws_managed_arn(arn: &str) -> bool {
    crate::iam::arn::concrete_parts(arn).nth(4) == Some("aws")
}

/// What CloudFormation says about the stack that deployed the role.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StackInfo {
    /// Stack name.
    pub name: String,
    /// Stack status (`CREATE_COMPLETE`, `UPDATE_ROLLBACK_COMPLETE`, ...).
    pub status: String,
    /// The `ModuleVersion` output, when the stack has one.
    pub module_version: Option<String>,
    /// Stack parameters (name -> value); `NoEcho` values are as AWS returns them.
    pub parameters: BTreeMap<String, String>,
    /// Region of the stack, when known.
    pub region: Option<String>,
}

/// A role as read from an account: plain data, nothing interpreted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSnapshot {
    /// Role ARN.
    pub arn: String,
    /// Role name.
    pub name: String,
    /// Unique id (`AROA...`).
    pub role_id: String,
    /// Role path (`/`).
    pub path: String,
    /// Tags (key -> value).
    pub tags: BTreeMap<String, String>,
    /// `MaxSessionDuration` in seconds, when the source gives it.
    pub max_session_duration: Option<u32>,
    /// Trust policy (`AssumeRolePolicyDocument`).
    pub trust_policy: RawDoc,
    /// Inline policies, sorted by name.
    pub inline: Vec<(String, RawDoc)>,
    /// Attached managed policies, sorted by ARN.
    pub attached: Vec<AttachedPolicy>,
    /// Permissions boundary.
    pub boundary: Option<AttachedPolicy>,
    /// The CloudFormation stack, when one was named or discovered.
    pub stack: Option<StackInfo>,
}

impl RoleSnapshot {
    /// The deployed module version: the role's `rolesmith:version` tag, else
    /// the stack's `ModuleVersion` output.
    pub fn deployed_version(&self) -> Option<&str> {
        self.tags
            .get("rolesmith:version")
            .map(String::as_str)
            .or_else(|| self.stack.as_ref()?.module_version.as_deref())
    }

    /// The account id in the role ARN.
    pub fn account_id(&self) -> Option<&str> {
        crate::iam::arn::concrete_parts(&self.arn)
            .nth(4)
            .filter(|s| !s.is_empty())
    }

    /// The partition in the role ARN (`aws`, `aws-cn`, `aws-us-gov`).
    pub fn partition(&self) -> Option<&str> {
        crate::iam::arn::concrete_parts(&self.arn)
            .nth(1)
            .filter(|s| !s.is_empty())
    }
}

/// Which role to read, and how to reach it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoleTarget {
    /// ARN of the role to read.
    pub role_arn: String,
    /// Assume this role first (usually the role itself, for self-audit).
    pub assume_role: Option<String>,
    /// ExternalId for the assume-role call.
    pub external_id: Option<String>,
    /// Region for regional APIs (STS, CloudFormation).
    pub region: Option<String>,
    /// CloudFormation stack that deployed the role, when known.
    pub stack_name: Option<String>,
}

impl RoleTarget {
    /// A target read with the caller's own credentials.
    pub fn new(role_arn: impl Into<String>) -> Self {
        RoleTarget {
            role_arn: role_arn.into(),
            ..RoleTarget::default()
        }
    }

    /// Role name: the last path segment of the ARN's resource (`role/path/Name`).
    pub fn role_name(&self) -> Option<&str> {
        role_name_of(&self.role_arn)
    }
}

/// The role name in a role ARN, or `None` when `arn` is not a role ARN.
pub fn role_name_of(arn: &str) -> Option<&str> {
    let [arn_tag, _partition, service, _region, _account, resource] =
        crate::iam::arn::split_concrete(arn)?;
    if arn_tag != "arn" || service != "iam" {
        return None;
    }
    let rest = resource.strip_prefix("role/")?;
    rest.rsplit('/').next().filter(|n| !n.is_empty())
}

/// Why a role could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReadErrorKind {
    /// The role does not exist.
    RoleMissing,
    /// Assuming the role or reading it was refused.
    AccessDenied,
    /// Throttled past every retry.
    Throttled,
    /// A call timed out on every attempt.
    Timeout,
    /// Anything else: credentials, network, an unexpected answer.
    Other,
}

impl ReadErrorKind {
    /// Stable lowercase name used in reports (`role_missing`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ReadErrorKind::RoleMissing => "role_missing",
            ReadErrorKind::AccessDenied => "access_denied",
            ReadErrorKind::Throttled => "throttled",
            ReadErrorKind::Timeout => "timeout",
            ReadErrorKind::Other => "unreadable",
        }
    }
}

/// A role could not be read.
#[derive(Debug, Clone, thiserror::Error, miette::Diagnostic)]
#[error("{message}")]
pub struct ReadError {
    /// Classification, which decides the finding and the exit code.
    pub kind: ReadErrorKind,
    /// One line: what failed and what to do (what reports and the CLI print).
    pub message: String,
    /// The error behind it (the SDK's, the runtime's), for `Error::source`.
    #[source]
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// Equal when kind and message are: the cause is not compared.
impl PartialEq for ReadError {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.message == other.message
    }
}

impl Eq for ReadError {}

impl ReadError {
    /// A read error of `kind`.
    pub fn new(kind: ReadErrorKind, message: impl Into<String>) -> Self {
        ReadError {
            kind,
            message: message.into(),
            cause: None,
        }
    }

    /// The same error, caused by `cause` (kept as its `source`).
    pub fn caused_by(mut self, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.cause = Some(Arc::new(cause));
        self
    }
}

/// Something that can read roles. Synchronous on purpose: the pure core never
/// sees async; the AWS reader runs its own runtime.
pub trait RoleReader {
    /// Reads one role, with its policies, boundary and (when known) stack.
    fn read_role(&self, target: &RoleTarget) -> Result<RoleSnapshot, ReadError>;

    /// API calls made so far (0 for offline readers).
    fn api_calls(&self) -> u64 {
        0
    }
}
