//! What a drift check reports: who was checked, each finding with its kind,
//! severity, message and fix, and the features that still work.

use serde::Serialize;

use super::statement_label;
use crate::policy::StatementRef;

/// Who is checked, for the report.
#[derive(Debug, Clone, Default)]
pub struct Subject {
    /// Tenant name, when known.
    pub tenant: Option<String>,
    /// Module id.
    pub module: String,
    /// Role ARN as asked.
    pub role_arn: String,
    /// Region of the tenant, for `${AWS::Region}` when no stack says it.
    pub region: Option<String>,
}

/// `ok`, `drift` or `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Nothing of severity error.
    Ok,
    /// At least one finding of severity error.
    Drift,
    /// The role could not be read.
    Error,
}

/// `error` or `warning`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Makes the status `drift`.
    Error,
    /// Reported only.
    Warning,
}

/// The finding kinds of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The role does not exist.
    RoleMissing,
    /// The role could not be assumed or read.
    AccessDenied,
    /// The role could not be read for another reason (throttling, network).
    ReadFailed,
    /// A policy document could not be parsed.
    UnreadablePolicy,
    /// The authoriser can no longer assume the role.
    TrustPrincipalMissing,
    /// The authoriser can assume the role without the ExternalId.
    ExternalIdMissing,
    /// Another principal may assume the role.
    UntrustedPrincipal,
    /// An action of the deployed version is not allowed.
    MissingPermission,
    /// An explicit Deny blocks a required action.
    ExplicitDeny,
    /// The permissions boundary blocks a required action.
    BoundaryBlocks,
    /// Allowed only under conditions that cannot be resolved offline.
    ConditionalPermission,
    /// The deployed version is older than the latest.
    VersionBehind,
    /// The role allows more than the manifest asks for.
    ExcessPermission,
    /// The deployed-version tag (or stack output) names no version of the module.
    UnknownVersion,
    /// The credentials read a role in another account than the ARN's.
    WrongAccount,
    /// The module asked for is not the one the role's `rolesmith:module` tag names.
    ModuleMismatch,
    /// A managed policy of the deployed version is no longer attached to the role.
    PolicyDetached,
    /// A managed policy of the deployed version no longer holds what the template wrote.
    PolicyChanged,
}

impl Kind {
    /// The severity the contract gives this kind.
    pub fn severity(self) -> Severity {
        match self {
            Kind::ConditionalPermission | Kind::VersionBehind | Kind::ExcessPermission => {
                Severity::Warning
            }
            _ => Severity::Error,
        }
    }

    /// The contract's name (`missing_permission`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::RoleMissing => "role_missing",
            Kind::AccessDenied => "access_denied",
            Kind::ReadFailed => "read_failed",
            Kind::UnreadablePolicy => "unreadable_policy",
            Kind::TrustPrincipalMissing => "trust_principal_missing",
            Kind::ExternalIdMissing => "external_id_missing",
            Kind::UntrustedPrincipal => "untrusted_principal",
            Kind::MissingPermission => "missing_permission",
            Kind::ExplicitDeny => "explicit_deny",
            Kind::BoundaryBlocks => "boundary_blocks",
            Kind::ConditionalPermission => "conditional_permission",
            Kind::VersionBehind => "version_behind",
            Kind::ExcessPermission => "excess_permission",
            Kind::UnknownVersion => "unknown_version",
            Kind::WrongAccount => "wrong_account",
            Kind::ModuleMismatch => "module_mismatch",
            Kind::PolicyDetached => "policy_detached",
            Kind::PolicyChanged => "policy_changed",
        }
    }
}

/// One problem found, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Kind.
    pub kind: Kind,
    /// Severity (from the kind).
    pub severity: Severity,
    /// Feature concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// Action concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// Resource concerned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Policy concerned (name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Statement concerned (`Sid`, or `#n`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// What is wrong, for the customer.
    pub message: String,
    /// What to do.
    pub fix: String,
    /// Permissions the role lacks because of what the finding names (a
    /// detached or changed managed policy), instead of one
    /// `missing_permission` finding each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<LostPermission>,
}

/// A permission of the deployed version the role no longer has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LostPermission {
    /// Feature that needs it.
    pub feature: String,
    /// Action.
    pub action: String,
    /// Resource (placeholders resolved where known).
    pub resource: String,
    /// Statement of the deployed template that granted it.
    pub statement: String,
}

impl Finding {
    /// Names the policy and statement the finding is about.
    pub(super) fn point_at(&mut self, s: &StatementRef) {
        self.policy = Some(s.policy.clone());
        self.statement = Some(statement_label(s.sid.as_deref(), s.index));
    }

    pub(super) fn new(kind: Kind, message: String, fix: String) -> Finding {
        Finding {
            kind,
            severity: kind.severity(),
            feature: None,
            action: None,
            resource: None,
            policy: None,
            statement: None,
            message,
            fix,
            permissions: Vec::new(),
        }
    }
}

/// Whether a feature of the latest version works on this role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureStatus {
    /// Feature id.
    pub id: String,
    /// False when any of its actions is not allowed (or the version lacks it).
    pub available: bool,
}

/// The result for one role (the JSON report of the contract).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Tenant, when known.
    pub tenant: Option<String>,
    /// Module id.
    pub module: String,
    /// Role ARN.
    pub role_arn: String,
    /// Version deployed (role tag or stack output), when known.
    pub deployed_version: Option<String>,
    /// Version of the current manifest.
    pub latest_version: String,
    /// `ok`, `drift` or `error`.
    pub status: Status,
    /// Features of the latest version.
    pub features: Vec<FeatureStatus>,
    /// Findings, errors first.
    pub findings: Vec<Finding>,
    /// Limits of the check, for the reader.
    pub notes: Vec<String>,
}
