//! Drift detection: a pure comparison of one role, as read ([`RoleSnapshot`]),
//! with what its module version grants and needs.
//!
//! Every required (action, resource) pair goes through
//! [`policy::coverage::covers`]; excess grants go the other way, expanding the
//! role's allowed actions against the catalogue. What the **deployed**
//! version needs but the role does not allow is the customer's change
//! (`missing_permission`); what only a newer version needs is `version_behind`.
//! No I/O: the caller reads the role and the ledger.

pub mod subst;
mod trust;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::catalogue::Catalogue;
use crate::compile::{CompiledModule, Grant};
use crate::live::{AttachedPolicy, RawDoc, ReadError, ReadErrorKind, RoleSnapshot};
use crate::manifest::Config;
use crate::policy::coverage::{Coverage, DenyReason, Requirement, action_covers, covers};
use crate::policy::{Effect, Element, Policy, StatementRef};
use crate::version::Release;
use subst::Values;

/// Always added to reports: what an account's own view cannot show.
pub const SCP_NOTE: &str = "service control policies (SCPs) cannot be read from the customer's account: an action allowed by the role may still be denied by an SCP of the organization";

/// What a module looks like in each version the checker knows.
#[derive(Debug, Clone, Copy)]
pub struct ModuleVersions<'a> {
    /// The module compiled from the current manifest (the latest version).
    pub latest: &'a CompiledModule,
    /// Released versions from the ledger (older versions' grants), any order.
    pub releases: &'a [&'a Release],
}

impl ModuleVersions<'_> {
    fn grants_of(&self, v: &semver::Version) -> Option<Vec<Grant>> {
        if *v == self.latest.version {
            return Some(self.latest.grants.clone());
        }
        self.releases
            .iter()
            .find(|r| r.version == *v)
            .map(|r| r.grants.clone())
    }

    fn features_of(&self, v: &semver::Version) -> Option<Vec<String>> {
        if *v == self.latest.version {
            return Some(feature_ids(&self.latest.grants));
        }
        self.releases
            .iter()
            .find(|r| r.version == *v)
            .map(|r| r.features.iter().map(|f| f.id.clone()).collect())
    }
}

fn feature_ids(grants: &[Grant]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for g in grants {
        if !out.contains(&g.feature) {
            out.push(g.feature.clone());
        }
    }
    out
}

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
}

impl Finding {
    /// Names the policy and statement the finding is about.
    fn point_at(&mut self, s: &StatementRef) {
        self.policy = Some(s.policy.clone());
        self.statement = Some(statement_label(s.sid.as_deref(), s.index));
    }

    fn new(kind: Kind, message: String, fix: String) -> Finding {
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

/// Checks one role (or reports why it could not be read); `catalogue`
/// expands the role's action patterns to find what it allows in excess.
pub fn check(
    catalogue: &Catalogue,
    config: &Config,
    versions: &ModuleVersions<'_>,
    subject: &Subject,
    read: Result<&RoleSnapshot, &ReadError>,
) -> Report {
    let latest = versions.latest;
    let mut report = Report {
        tenant: subject.tenant.clone(),
        module: subject.module.clone(),
        role_arn: subject.role_arn.clone(),
        deployed_version: None,
        latest_version: latest.version.to_string(),
        status: Status::Ok,
        features: Vec::new(),
        findings: Vec::new(),
        notes: vec![SCP_NOTE.to_string()],
    };
    let snap = match read {
        Ok(s) => s,
        Err(e) => {
            report.findings.push(read_failure(e, latest));
            report.status = if e.kind == ReadErrorKind::RoleMissing {
                Status::Drift
            } else {
                Status::Error
            };
            report.features = feature_ids(&latest.grants)
                .into_iter()
                .map(|id| FeatureStatus {
                    id,
                    available: false,
                })
                .collect();
            return report;
        }
    };
    let mut c = Checker {
        findings: Vec::new(),
        notes: Vec::new(),
    };
    report.deployed_version = snap.deployed_version().map(str::to_string);

    // Which version's grants the role must hold.
    let mut deployed = report
        .deployed_version
        .as_deref()
        .and_then(|v| semver::Version::parse(v.trim_start_matches('v')).ok());
    let (required, deployed_features) = match deployed
        .as_ref()
        .and_then(|v| Some((versions.grants_of(v)?, versions.features_of(v)?)))
    {
        Some(found) => found,
        None => {
            match &report.deployed_version {
                Some(v) => {
                    let source = if snap.tags.contains_key("rolesmith:version") {
                        "the role's `rolesmith:version` tag"
                    } else {
                        "the stack's `ModuleVersion` output"
                    };
                    let known: Vec<String> =
                        versions.releases.iter().map(|r| r.version.to_string()).collect();
                    c.findings.push(Finding::new(
                        Kind::UnknownVersion,
                        format!(
                            "{source} says version `{v}`, which is no version of `{}` (released: {}; latest: {}); the role was checked against the latest version {}",
                            subject.module,
                            if known.is_empty() { "none".to_string() } else { known.join(", ") },
                            latest.version,
                            latest.version
                        ),
                        format!(
                            "update the stack of `{}` to version {} (its template tags the role), or set the tag to the version the stack deployed: `aws iam tag-role --role-name {} --tags Key=rolesmith:version,Value=VERSION`",
                            subject.module, latest.version, snap.name
                        ),
                    ));
                    // What the tag claims is not a version: the report does not
                    // repeat it, nor compare it with the latest (no version_behind).
                    report.deployed_version = None;
                    deployed = None;
                }
                None => c.notes.push(format!(
                    "the role has no `rolesmith:version` tag and no stack `ModuleVersion` output; it was checked against the latest version {}",
                    latest.version
                )),
            }
            (latest.grants.clone(), feature_ids(&latest.grants))
        }
    };

    let unreadable_before = c.findings.len();
    let identity = c.parse_identity(snap);
    // Names of identity policies rolesmith could not read: what they grant is
    // unknown, so a permission not found elsewhere may still be granted there.
    let unreadable: Vec<String> = c
        .findings
        .iter()
        .skip(unreadable_before)
        .filter_map(|f| f.policy.clone())
        .collect();
    let boundary = snap
        .boundary
        .as_ref()
        .and_then(|b| c.parse_managed(b, "permissions boundary"));
    match Policy::parse_str("trust policy", snap.trust_policy.as_str()) {
        Ok(t) => c.findings.extend(trust::check(config, snap, &t)),
        Err(e) => {
            // The trust policy belongs to the role: the fix restores it, it
            // never removes anything.
            let mut f = Finding::new(
                Kind::UnreadablePolicy,
                format!(
                    "the trust policy of role `{}` cannot be parsed: {e}; who may assume the role is unknown",
                    snap.name
                ),
                format!(
                    "restore the trust policy from the template of `{}` (`AssumeRolePolicyDocument` of the role), with `aws iam update-assume-role-policy --role-name {}`, or update the stack",
                    subject.module, snap.name
                ),
            );
            f.policy = Some("trust policy".to_string());
            c.findings.push(f);
        }
    }

    let values = values_for(snap, subject, &identity, &required);
    let mut unavailable = BTreeSet::new();
    let audit_fix = match &report.deployed_version {
        Some(v) => format!(
            "update the stack of `{}` to version {v} again (or restore the statement as the template has it) so the role gets back what the module needs",
            subject.module
        ),
        None => format!(
            "update the stack of `{}` to version {} so the role gets back what the module needs",
            subject.module, latest.version
        ),
    };
    for g in &required {
        for action in &g.actions {
            for resource in &g.resources {
                let req = Requirement {
                    action: action.clone(),
                    resource: values.apply(resource),
                    conditions: g
                        .conditions
                        .iter()
                        .map(|(op, kv)| {
                            (
                                op.clone(),
                                kv.iter()
                                    .map(|(k, vs)| {
                                        (k.clone(), vs.iter().map(|v| values.apply(v)).collect())
                                    })
                                    .collect(),
                            )
                        })
                        .collect(),
                };
                let cov = covers(&identity, boundary.as_ref(), &req);
                if let Some(mut f) = coverage_finding(cov, g, &req, &audit_fix) {
                    if f.kind == Kind::MissingPermission && !unreadable.is_empty() {
                        let names = unreadable
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ");
                        f.message = format!(
                            "{}; it may be granted by {names}, which could not be read",
                            f.message.replacen(
                                "the role no longer allows",
                                "no readable policy of the role allows",
                                1
                            )
                        );
                        f.fix = format!(
                            "make {names} readable first (see the `unreadable_policy` findings), then check again; if it is still missing: {}",
                            f.fix
                        );
                    }
                    if f.kind != Kind::ConditionalPermission {
                        unavailable.insert(g.feature.clone());
                    }
                    c.findings.push(f);
                }
            }
        }
    }
    let unknown: BTreeSet<String> = required
        .iter()
        .flat_map(|g| g.resources.iter())
        .flat_map(|r| values.unknown_in(r))
        .collect();
    if !unknown.is_empty() {
        c.notes.push(format!(
            "the values of {} are unknown (no stack parameters, and the role's statements do not show them): resources that use them could not be matched exactly",
            unknown.iter().map(|u| format!("`{u}`")).collect::<Vec<_>>().join(", ")
        ));
    }

    // Features lost by running an older version.
    let latest_features = feature_ids(&latest.grants);
    let missing_features: Vec<String> = latest_features
        .iter()
        .filter(|f| !deployed_features.contains(f))
        .cloned()
        .collect();
    if let Some(d) = &deployed
        && *d < latest.version
    {
        let mut f = Finding::new(
            Kind::VersionBehind,
            if missing_features.is_empty() {
                format!(
                    "the role runs version {d} of `{}`; version {} is available",
                    subject.module, latest.version
                )
            } else {
                format!(
                    "the role runs version {d} of `{}`, which lacks {} of version {}",
                    subject.module,
                    missing_features
                        .iter()
                        .map(|f| format!("`{f}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    latest.version
                )
            },
            format!(
                "update the CloudFormation stack of `{}` with the template of version {}",
                subject.module, latest.version
            ),
        );
        f.feature = match missing_features.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        };
        c.findings.push(f);
    }

    // Excess grants: compare against everything the deployed version and the
    // self-audit may use.
    let allowed_here: Vec<&Grant> = required.iter().chain(latest.self_audit.iter()).collect();
    c.findings
        .extend(excess(catalogue, &identity, &allowed_here));

    report.features = latest_features
        .into_iter()
        .map(|id| FeatureStatus {
            available: deployed_features.contains(&id) && !unavailable.contains(&id),
            id,
        })
        .collect();
    c.findings.sort_by(|a, b| {
        (
            a.severity,
            a.kind,
            &a.feature,
            &a.action,
            &a.resource,
            &a.policy,
        )
            .cmp(&(
                b.severity,
                b.kind,
                &b.feature,
                &b.action,
                &b.resource,
                &b.policy,
            ))
    });
    c.findings.dedup();
    report.status = if c.findings.iter().any(|f| f.severity == Severity::Error) {
        Status::Drift
    } else {
        Status::Ok
    };
    report.findings = c.findings;
    report.notes.extend(c.notes);
    report
}

/// The report of a fleet row whose module is not in the project.
pub fn check_unknown_module(subject: &Subject, message: &str) -> Report {
    Report {
        tenant: subject.tenant.clone(),
        module: subject.module.clone(),
        role_arn: subject.role_arn.clone(),
        deployed_version: None,
        latest_version: String::new(),
        status: Status::Error,
        features: Vec::new(),
        findings: vec![Finding::new(
            Kind::ReadFailed,
            message.to_string(),
            "fix the module id in the fleet file".to_string(),
        )],
        notes: Vec::new(),
    }
}

/// A statement's `Sid`, or `#n` (1-based position) when it has none.
fn statement_label(sid: Option<&str>, index: usize) -> String {
    sid.map_or_else(|| format!("#{}", index + 1), str::to_string)
}

/// `` `policy` statement `Sid` ``, comma-separated.
fn join_refs(refs: &[StatementRef]) -> String {
    refs.iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

struct Checker {
    findings: Vec<Finding>,
    notes: Vec<String>,
}

impl Checker {
    fn parse_doc(&mut self, name: &str, what: &str, doc: &RawDoc) -> Option<Policy> {
        match Policy::parse_str(name, doc.as_str()) {
            Ok(p) => Some(p),
            Err(e) => {
                // An unknown boundary may block anything the role needs.
                let effect = if what == "permissions boundary" {
                    "; until it can be read, no permission of the role can be confirmed"
                } else {
                    ""
                };
                let mut f = Finding::new(
                    Kind::UnreadablePolicy,
                    format!("the {what} `{name}` cannot be parsed: {e}{effect}"),
                    format!(
                        "fix or remove `{name}`; rolesmith cannot tell what it allows or denies"
                    ),
                );
                f.policy = Some(name.to_string());
                self.findings.push(f);
                None
            }
        }
    }

    fn parse_managed(&mut self, p: &AttachedPolicy, what: &str) -> Option<Policy> {
        match &p.document {
            Some(d) => self.parse_doc(&p.name, what, d),
            None => {
                let mut f = Finding::new(
                    Kind::UnreadablePolicy,
                    format!(
                        "the document of the {what} `{}` ({}) could not be read{}",
                        p.name,
                        p.arn,
                        if what == "permissions boundary" {
                            "; until it can be read, no permission of the role can be confirmed"
                        } else {
                            ""
                        }
                    ),
                    "include it (for the file, run `aws iam get-account-authorization-details` without `--filter`), or grant the role `iam:GetPolicy` and `iam:GetPolicyVersion` on it".to_string(),
                );
                f.policy = Some(p.name.clone());
                self.findings.push(f);
                None
            }
        }
    }

    fn parse_identity(&mut self, snap: &RoleSnapshot) -> Vec<Policy> {
        let mut out = Vec::new();
        for (name, doc) in &snap.inline {
            out.extend(self.parse_doc(name, "inline policy", doc));
        }
        for p in &snap.attached {
            out.extend(self.parse_managed(p, "managed policy"));
        }
        out
    }
}

/// Values for placeholders: partition and account from the ARN, region and
/// parameters from the stack or the subject, the rest inferred from the role's
/// statements that carry the grant's Sid (then any statement).
fn values_for(
    snap: &RoleSnapshot,
    subject: &Subject,
    identity: &[Policy],
    required: &[Grant],
) -> Values {
    let mut v = BTreeMap::new();
    if let Some(p) = snap.partition() {
        v.insert("AWS::Partition".to_string(), p.to_string());
    }
    if let Some(a) = snap.account_id() {
        v.insert("AWS::AccountId".to_string(), a.to_string());
    }
    v.insert("AWS::URLSuffix".to_string(), "amazonaws.com".to_string());
    if let Some(s) = &snap.stack {
        v.insert("AWS::StackName".to_string(), s.name.clone());
        for (k, val) in &s.parameters {
            v.insert(k.clone(), val.clone());
        }
        if let Some(r) = &s.region {
            v.insert("AWS::Region".to_string(), r.clone());
        }
    }
    let mut values = Values(v);
    // Inference: a resource of the grant, with known values applied, bound
    // against the resources of the role's statement with the same Sid.
    for same_sid in [true, false] {
        for g in required {
            for r in &g.resources {
                let t = values.apply(r);
                if values.unknown_in(&t).is_empty() {
                    continue;
                }
                let found = identity
                    .iter()
                    .flat_map(|p| p.statements())
                    .filter(|s| s.effect == Effect::Allow)
                    .filter(|s| !same_sid || s.sid.as_deref() == Some(g.sid.as_str()))
                    .flat_map(|s| match &s.resource {
                        Some(Element::Listed(rs)) => rs.clone(),
                        _ => Vec::new(),
                    })
                    .find_map(|concrete| subst::bind(&t, &concrete));
                if let Some(b) = found {
                    values.0.extend(b);
                }
            }
        }
    }
    if !values.0.contains_key("AWS::Region")
        && let Some(r) = &subject.region
    {
        values.0.insert("AWS::Region".to_string(), r.clone());
    }
    values
}

fn coverage_finding(cov: Coverage, g: &Grant, req: &Requirement, fix: &str) -> Option<Finding> {
    let what = format!("`{}` on `{}`", req.action, req.resource);
    let mut f = match cov {
        Coverage::Granted { .. } => return None,
        Coverage::NotGranted => Finding::new(
            Kind::MissingPermission,
            format!(
                "the role no longer allows {what}, which feature `{}` needs (statement `{}` of the deployed template)",
                g.feature, g.sid
            ),
            fix.to_string(),
        ),
        Coverage::Denied {
            by,
            reason: DenyReason::ExplicitDeny,
        } => {
            let mut f = Finding::new(
                Kind::ExplicitDeny,
                format!(
                    "{what}, which feature `{}` needs, is denied by {}",
                    g.feature,
                    join_refs(&by)
                ),
                format!(
                    "remove {} or narrow it so it no longer matches `{}`",
                    join_refs(&by),
                    req.action
                ),
            );
            if let Some(s) = by.first() {
                f.point_at(s);
            }
            f
        }
        Coverage::Denied {
            by,
            reason: DenyReason::Boundary,
        } => {
            let mut f = Finding::new(
                Kind::BoundaryBlocks,
                if by.is_empty() {
                    format!(
                        "the permissions boundary does not allow {what}, which feature `{}` needs",
                        g.feature
                    )
                } else {
                    format!(
                        "the permissions boundary blocks {what}, which feature `{}` needs, with {}",
                        g.feature,
                        join_refs(&by)
                    )
                },
                format!(
                    "allow `{}` in the permissions boundary, or remove the boundary from the role",
                    req.action
                ),
            );
            if let Some(s) = by.first() {
                f.point_at(s);
            }
            f
        }
        Coverage::Conditional {
            allow, deny_unless, ..
        } => {
            let stmts: Vec<String> = allow
                .iter()
                .chain(deny_unless.iter())
                .map(|s| {
                    let keys: Vec<&String> =
                        s.conditions.values().flat_map(|kv| kv.keys()).collect();
                    format!(
                        "{} (when {})",
                        s.statement,
                        keys.iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                })
                .collect();
            let mut f = Finding::new(
                Kind::ConditionalPermission,
                format!(
                    "{what}, which feature `{}` needs, is allowed only under conditions that cannot be checked offline: {}",
                    g.feature,
                    stmts.join("; ")
                ),
                "make sure the conditions hold for CX Portal's requests, or remove them from the statements named".to_string(),
            );
            if let Some(s) = allow.first().or(deny_unless.first()) {
                f.point_at(&s.statement);
            }
            f
        }
    };
    f.feature = Some(g.feature.clone());
    f.action = Some(req.action.clone());
    f.resource = Some(req.resource.clone());
    Some(f)
}

/// Allow statements of the role that grant actions the module does not ask
/// for: each statement's action patterns expanded against the catalogue.
fn excess(cat: &Catalogue, identity: &[Policy], allowed: &[&Grant]) -> Vec<Finding> {
    let needed = |name: &str| {
        allowed
            .iter()
            .any(|g| g.actions.iter().any(|a| action_covers(a, name)))
    };
    let mut out = Vec::new();
    for p in identity {
        for (i, s) in p.statements().iter().enumerate() {
            if s.effect != Effect::Allow {
                continue;
            }
            let stmt = statement_label(s.sid.as_deref(), i);
            let (extra, how): (Vec<String>, &str) = match &s.action {
                Element::Not(except) => (
                    vec![format!("every action except {}", except.join(", "))],
                    "NotAction",
                ),
                Element::Listed(patterns) => {
                    let mut extra = BTreeSet::new();
                    for pat in patterns {
                        let matched = cat.matching(pat);
                        if matched.is_empty() && !needed(pat) {
                            // Not in the catalogue (newer than it, or a typo):
                            // still more than the manifest asks for.
                            extra.insert(pat.clone());
                        }
                        for a in matched {
                            if !needed(a.name) {
                                extra.insert(a.name.to_string());
                            }
                        }
                    }
                    (extra.into_iter().collect(), "Action")
                }
            };
            if extra.is_empty() {
                continue;
            }
            let shown: Vec<String> = extra.iter().take(8).map(|a| format!("`{a}`")).collect();
            let more = if extra.len() > 8 {
                format!(" and {} more", extra.len() - 8)
            } else {
                String::new()
            };
            let mut f = Finding::new(
                Kind::ExcessPermission,
                format!(
                    "statement `{stmt}` of `{}` allows {}{more}, which the module does not need ({how})",
                    p.name(),
                    shown.join(", ")
                ),
                format!(
                    "remove statement `{stmt}` from `{}` (or the policy from the role) unless your own tooling needs it; the module's stack grants everything it needs",
                    p.name()
                ),
            );
            f.policy = Some(p.name().to_string());
            f.statement = Some(stmt);
            out.push(f);
        }
    }
    out
}

fn read_failure(e: &ReadError, latest: &CompiledModule) -> Finding {
    let (kind, fix) = match e.kind {
        ReadErrorKind::RoleMissing => (
            Kind::RoleMissing,
            format!(
                "deploy the template of version {} of `{}` in the customer's account",
                latest.version, latest.module
            ),
        ),
        ReadErrorKind::AccessDenied => (
            Kind::AccessDenied,
            "check that the role's trust policy still trusts the vendor's authoriser with the ExternalId, and that the role may read itself (update the stack to restore both)".to_string(),
        ),
        ReadErrorKind::Throttled | ReadErrorKind::Timeout | ReadErrorKind::Other => (
            Kind::ReadFailed,
            "run the check again; if it keeps failing, check credentials, network and `--endpoint-url`".to_string(),
        ),
    };
    Finding::new(kind, e.message.clone(), fix)
}
