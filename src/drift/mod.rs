//! Drift detection: a pure comparison of one role, as read ([`RoleSnapshot`]),
//! with what its module version grants and needs.
//!
//! Every required (action, resource) pair goes through
//! [`policy::coverage::covers`]; excess grants go the other way, expanding the
//! role's allowed actions against the catalogue. What the **deployed**
//! version needs but the role does not allow is the customer's change
//! (`missing_permission`); what only a newer version needs is `version_behind`.
//! No I/O: the caller reads the role and the ledger.

mod excess;
mod explain;
mod finding;
mod policies;
mod read;
mod subject;
pub mod subst;
mod trust;

use std::collections::{BTreeMap, BTreeSet};

use crate::catalogue::Catalogue;
use crate::compile::{CompiledModule, Grant};
use crate::live::{ReadError, ReadErrorKind, RoleSnapshot};
use crate::manifest::Config;
use crate::policy::coverage::{Coverage, Requirement, covers};
use crate::policy::{Effect, Element, Policy, StatementRef};
use crate::version::Release;
use crate::version::compare::{Granted, Permission};
use subst::Values;

use excess::excess;
use explain::{BoundaryName, coverage_finding};
pub use finding::{
    FeatureStatus, Finding, Kind, LostPermission, Report, Severity, Status, Subject,
};
pub use policies::{PolicyLayout, VersionLayout, policy_layouts};
use read::{Checker, read_failure};
pub use subject::{MODULE_TAG, ModuleChoice, choose_module, mismatch_report, unresolved_report};

/// Always added to reports: what an account's own view cannot show.
pub const SCP_NOTE: &str = "service control policies (SCPs) cannot be read from the customer's account: an action allowed by the role may still be denied by an SCP of the organization";

/// What a module looks like in each version the checker knows.
#[derive(Debug, Clone, Copy)]
pub struct ModuleVersions<'a> {
    /// The module compiled from the current manifest (the latest version).
    pub latest: &'a CompiledModule,
    /// Released versions from the ledger (older versions' grants), any order.
    pub releases: &'a [&'a Release],
    /// The managed policies of released versions' templates (see
    /// [`policy_layouts`]); a version missing here gets no
    /// `policy_detached`/`policy_changed` findings, only `missing_permission`.
    pub layouts: &'a [VersionLayout],
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

    fn layout_of(&self, v: &semver::Version) -> Option<Vec<PolicyLayout>> {
        if *v == self.latest.version {
            return Some(
                self.latest
                    .policies
                    .iter()
                    .map(|p| PolicyLayout {
                        name: p.name.clone(),
                        logical_id: p.logical_id.clone(),
                        sids: p.sids.clone(),
                    })
                    .collect(),
            );
        }
        self.layouts
            .iter()
            .find(|(lv, _)| lv == v)
            .map(|(_, l)| l.clone())
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
    let unavailable_all = || {
        feature_ids(&latest.grants)
            .into_iter()
            .map(|id| FeatureStatus {
                id,
                available: false,
            })
            .collect()
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
            report.features = unavailable_all();
            return report;
        }
    };
    // Another account's role says nothing about the customer's: stop here.
    if let Some(f) = subject::wrong_account(&subject.role_arn, snap) {
        report.findings.push(f);
        report.status = Status::Error;
        report.features = unavailable_all();
        return report;
    }
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

    let with_audit: Vec<Grant> = required
        .iter()
        .chain(latest_self_audit(deployed.as_ref(), latest, snap))
        .cloned()
        .collect();
    let values = values_for(snap, subject, &identity, &with_audit);
    let requirements = |g: &Grant| -> Vec<Requirement> {
        let conditions: crate::iam::Conditions = g
            .conditions
            .iter()
            .map(|(op, kv)| {
                (
                    op.clone(),
                    kv.iter()
                        .map(|(k, vs)| (k.clone(), vs.iter().map(|v| values.apply(v)).collect()))
                        .collect(),
                )
            })
            .collect();
        g.actions
            .iter()
            .flat_map(|action| {
                g.resources.iter().map(|resource| Requirement {
                    action: action.clone(),
                    resource: values.apply(resource),
                    conditions: conditions.clone(),
                })
            })
            .collect()
    };
    let shown_version = deployed.as_ref().unwrap_or(&latest.version).to_string();
    // The deployed version's managed policies, one by one.
    let mut lost = match versions.layout_of(deployed.as_ref().unwrap_or(&latest.version)) {
        Some(layouts) => policies::lost_policies(
            snap,
            &layouts,
            with_audit.iter(),
            // A resource with an unknown value cannot be compared exactly.
            &|g| {
                let mut r = requirements(g);
                r.retain(|r| values.unknown_in(&r.resource).is_empty());
                r
            },
            &|name| identity.iter().find(|p| p.name() == name),
        ),
        None => Vec::new(),
    };
    let boundary_name = snap.boundary.as_ref().map(|b| BoundaryName {
        name: &b.name,
        arn: &b.arn,
    });
    let mut unavailable = BTreeSet::new();
    for g in &required {
        let audit_fix = format!(
            "restore statement `{}` as the template of version {shown_version} has it (an update of the stack with the same template changes nothing: CloudFormation acts only on what the template changes)",
            g.sid
        );
        for req in requirements(g) {
            let cov = covers(&identity, boundary.as_ref(), &req);
            if let Some(mut f) = coverage_finding(cov, g, &req, &audit_fix, boundary_name.as_ref())
            {
                if f.kind != Kind::ConditionalPermission {
                    unavailable.insert(g.feature.clone());
                }
                if f.kind == Kind::MissingPermission
                    && let Some(l) = lost.iter_mut().find(|l| l.layout.sids.contains(&g.sid))
                {
                    // Explained by the detached or changed policy: listed under it.
                    l.explains.push(LostPermission {
                        feature: g.feature.clone(),
                        action: req.action.clone(),
                        resource: req.resource.clone(),
                        statement: g.sid.clone(),
                    });
                    continue;
                }
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
                c.findings.push(f);
            }
        }
    }
    // The self-audit statements a detached or changed policy took are listed
    // under it (their absence is that policy's finding), where their
    // resources are known (the stack's own ARN needs its name).
    for g in latest_self_audit(deployed.as_ref(), latest, snap) {
        let Some(l) = lost.iter_mut().find(|l| l.layout.sids.contains(&g.sid)) else {
            continue;
        };
        for req in requirements(g) {
            if values.unknown_in(&req.resource).is_empty()
                && matches!(
                    covers(&identity, boundary.as_ref(), &req),
                    Coverage::NotGranted
                )
            {
                l.explains.push(LostPermission {
                    feature: g.feature.clone(),
                    action: req.action.clone(),
                    resource: req.resource.clone(),
                    statement: g.sid.clone(),
                });
            }
        }
    }
    for l in &mut lost {
        l.explains.sort();
        c.findings
            .push(l.finding(snap, &subject.module, &shown_version));
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

    // What running an older version lacks: its features, and every
    // permission of the latest (features it has included) it does not grant.
    let latest_features = feature_ids(&latest.grants);
    if let Some(d) = &deployed
        && *d < latest.version
    {
        c.findings.push(behind(
            &subject.module,
            d,
            latest,
            &required,
            &deployed_features,
            &values,
        ));
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

/// The `version_behind` finding of a role on `deployed`: the features of the
/// latest version it lacks, and every permission of the latest it does not
/// grant (listed under `permissions`, placeholders resolved), including what
/// a later release added to a feature the deployed version has.
fn behind(
    module: &str,
    deployed: &semver::Version,
    latest: &CompiledModule,
    required: &[Grant],
    deployed_features: &[String],
    values: &Values,
) -> Finding {
    let granted = Granted::new(required);
    let mut lacks = Vec::new();
    for g in &latest.grants {
        for action in &g.actions {
            for resource in &g.resources {
                let p = Permission {
                    action: action.clone(),
                    resource: resource.clone(),
                    conditions: g.conditions.clone(),
                };
                if !granted.covers(&p) {
                    lacks.push(LostPermission {
                        feature: g.feature.clone(),
                        action: action.clone(),
                        resource: values.apply(resource),
                        statement: g.sid.clone(),
                    });
                }
            }
        }
    }
    lacks.sort();
    lacks.dedup();
    let missing_features: Vec<String> = feature_ids(&latest.grants)
        .into_iter()
        .filter(|f| !deployed_features.contains(f))
        .collect();
    let extended: BTreeSet<&str> = lacks
        .iter()
        .map(|p| p.feature.as_str())
        .filter(|f| deployed_features.iter().any(|d| d == f))
        .collect();
    let ticks = |v: &mut dyn Iterator<Item = &str>| {
        v.map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")
    };
    let mut parts = Vec::new();
    if !missing_features.is_empty() {
        parts.push(format!(
            "feature{} {}",
            if missing_features.len() == 1 { "" } else { "s" },
            ticks(&mut missing_features.iter().map(String::as_str))
        ));
    }
    if !extended.is_empty() {
        parts.push(format!(
            "what version {} added to {}",
            latest.version,
            ticks(&mut extended.iter().copied())
        ));
    }
    let message = if parts.is_empty() {
        format!(
            "the role runs version {deployed} of `{module}`; version {} is available",
            latest.version
        )
    } else {
        format!(
            "the role runs version {deployed} of `{module}`, which lacks {} of version {}: {} permission{} (listed under `permissions`)",
            parts.join(" and "),
            latest.version,
            lacks.len(),
            if lacks.len() == 1 { "" } else { "s" }
        )
    };
    let mut f = Finding::new(
        Kind::VersionBehind,
        message,
        format!(
            "update the CloudFormation stack of `{module}` with the template of version {}",
            latest.version
        ),
    );
    f.feature = match missing_features.as_slice() {
        [only] if extended.is_empty() => Some(only.clone()),
        _ => None,
    };
    f.permissions = lacks;
    f
}

/// The self-audit grants of the deployed version, when it is the latest
/// (older versions' self-audit statements are not in the ledger). The
/// statement that reads the permissions boundary exists only when the stack
/// set one: it is required only of a role that has a boundary.
fn latest_self_audit<'a>(
    deployed: Option<&semver::Version>,
    latest: &'a CompiledModule,
    snap: &RoleSnapshot,
) -> impl Iterator<Item = &'a Grant> + Clone {
    let same = deployed.is_none_or(|d| *d == latest.version);
    let has_boundary = snap.boundary.is_some();
    latest
        .self_audit
        .iter()
        .filter(move |g| same && (has_boundary || g.sid != crate::compile::grants::BOUNDARY_SID))
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
    // The boundary the stack set is the role's boundary.
    if let Some(b) = &snap.boundary {
        v.entry(crate::compile::template::BOUNDARY.to_string())
            .or_insert_with(|| b.arn.clone());
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
