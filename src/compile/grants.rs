//! Features -> permission statements ([`Grant`]s): which actions each
//! feature gets on which resources, grouped so that actions sharing the same
//! resources (and the feature's conditions) share one statement. Sids are
//! derived from the feature id and the group, so they only change when that
//! feature changes.

use std::collections::{BTreeMap, BTreeSet};

use super::{CompileError, Grant};
use crate::catalogue::Catalogue;
use crate::iam::arn;
use crate::manifest::{Feature, Module, Regions};

/// Feature name recorded on the self-audit grants (not a manifest feature).
pub const SELF_AUDIT_FEATURE: &str = "rolesmith:self-audit";

/// Resource that stands for "every resource" in IAM.
const ANY: &str = "*";

fn is_pattern(action: &str) -> bool {
    action.contains('*') || action.contains('?')
}

/// ARN formats of an action, or of every action a wildcard pattern matches.
/// `Ok(None)` means "granted on `*`": the action (or one that the pattern
/// matches) has no resource types, so no ARN can name what it acts on.
fn formats_of(
    catalogue: &Catalogue,
    module: &Module,
    feature: &Feature,
    action: &str,
) -> Result<Option<BTreeSet<String>>, CompileError> {
    let names = if is_pattern(action) {
        catalogue.matching_names(action)
    } else {
        vec![action.to_string()]
    };
    let unknown = || CompileError::UnknownAction {
        location: module.location(&feature.id),
        module: module.id.clone(),
        feature: feature.id.clone(),
        action: action.to_string(),
    };
    if names.is_empty() {
        return Err(unknown());
    }
    let mut all = BTreeSet::new();
    for name in &names {
        let entry = catalogue.action(name).ok_or_else(unknown)?;
        let formats = entry.grant_arn_formats();
        if formats.is_empty() {
            return Ok(None);
        }
        all.extend(formats.into_iter().map(str::to_string));
    }
    Ok(Some(all))
}

/// Resources one action of a feature is granted on (`Fn::Sub` strings,
/// sorted), given its ARN formats (`None`: granted on `*`).
///
/// A listed resource goes to every action it [`arn::fits`], except that a
/// resource some action of the feature fits *closely* ([`arn::fits_closely`])
/// goes only to the actions it fits closely: with `s3:ListBucket` and
/// `s3:GetObject` on `${Bucket}` and `${Bucket}/recordings/*`, the objects
/// are for `GetObject` only (a bucket name never holds `/`), while a log
/// group `log-group:/aws/*` that no format fits closely still goes to the
/// log actions.
fn resources_of(
    module: &Module,
    feature: &Feature,
    action: &str,
    formats: Option<&BTreeSet<String>>,
    closely_meant: &BTreeSet<&str>,
    params: &BTreeSet<String>,
    regions: Regions,
) -> Result<BTreeSet<String>, CompileError> {
    let Some(formats) = formats else {
        return Ok(BTreeSet::from([ANY.to_string()]));
    };
    let resources: BTreeSet<String> = match &feature.resources {
        None => formats
            .iter()
            .map(|f| arn::derive(f, params, regions.binding()))
            .collect(),
        Some(listed) => listed
            .iter()
            .filter(|r| {
                // `*` stands for everything only where the manifest justified it.
                if r.as_str() == ANY {
                    return feature.wildcard_reason.is_some();
                }
                if closely_meant.contains(r.as_str()) {
                    formats.iter().any(|f| arn::fits_closely(f, r))
                } else {
                    formats.iter().any(|f| arn::fits(f, r))
                }
            })
            .cloned()
            .collect(),
    };
    if resources.is_empty() {
        return Err(CompileError::NoResource {
            location: module.location(&feature.id),
            module: module.id.clone(),
            feature: feature.id.clone(),
            action: action.to_string(),
            formats: formats.iter().cloned().collect(),
        });
    }
    Ok(resources)
}

/// The listed resources of a feature that some of its actions fit closely.
fn closely_meant<'a>(
    feature: &'a Feature,
    formats: &[Option<Option<BTreeSet<String>>>],
) -> BTreeSet<&'a str> {
    let Some(listed) = &feature.resources else {
        return BTreeSet::new();
    };
    listed
        .iter()
        .filter(|r| {
            r.as_str() != ANY
                && formats
                    .iter()
                    .flatten()
                    .flatten()
                    .flatten()
                    .any(|f| arn::fits_closely(f, r))
        })
        .map(String::as_str)
        .collect()
}

/// CamelCase of a feature id, alphanumeric only (`view-flows` -> `ViewFlows`).
pub fn camel(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Grants of every feature of `module`, in manifest order, then by group.
///
/// Sids are `CamelCase(feature id)` + the group's 1-based index, groups
/// ordered by their resource lists. Should two features give the same Sid
/// (`x-1` and `x1`), the later feature gets a suffix derived from its id
/// alone, so Sids still never depend on other features' contents.
pub fn feature_grants(
    catalogue: &Catalogue,
    module: &Module,
    regions: Regions,
    reserved_sids: &BTreeSet<String>,
) -> Result<Vec<Grant>, Vec<CompileError>> {
    let params: BTreeSet<String> = module.parameters.keys().cloned().collect();
    let mut used = reserved_sids.clone();
    let mut grants = Vec::new();
    let mut errors = Vec::new();
    for feature in &module.features {
        // resources -> actions: actions sharing the exact same resources share a statement.
        let mut groups: BTreeMap<Vec<String>, BTreeSet<String>> = BTreeMap::new();
        let mut formats = Vec::with_capacity(feature.actions.len());
        for action in &feature.actions {
            match formats_of(catalogue, module, feature, action) {
                Ok(f) => formats.push(Some(f)),
                Err(e) => {
                    errors.push(e);
                    formats.push(None);
                }
            }
        }
        let meant = closely_meant(feature, &formats);
        for (action, formats) in feature.actions.iter().zip(&formats) {
            let Some(formats) = formats else {
                continue;
            };
            match resources_of(
                module,
                feature,
                action,
                formats.as_ref(),
                &meant,
                &params,
                regions,
            ) {
                Ok(res) => {
                    groups
                        .entry(res.into_iter().collect())
                        .or_default()
                        .insert(action.clone());
                }
                Err(e) => errors.push(e),
            }
        }
        let base = unique_base(&camel(&feature.id), &feature.id, &groups, &used);
        for (i, (resources, actions)) in groups.into_iter().enumerate() {
            let sid = format!("{base}{}", i + 1);
            used.insert(sid.clone());
            grants.push(Grant {
                sid,
                feature: feature.id.clone(),
                actions: actions.into_iter().collect(),
                resources,
                conditions: feature.conditions.clone(),
            });
        }
    }
    if errors.is_empty() {
        Ok(grants)
    } else {
        Err(errors)
    }
}

/// A Sid stem whose numbered Sids collide with none already used.
fn unique_base<T>(
    base: &str,
    feature_id: &str,
    groups: &BTreeMap<Vec<String>, T>,
    used: &BTreeSet<String>,
) -> String {
    let clashes = |b: &str| (1..=groups.len()).any(|i| used.contains(&format!("{b}{i}")));
    if !clashes(base) {
        return base.to_string();
    }
    // Derived from the feature id only, so it is as stable as the id itself.
    let digest = hex_digest(feature_id);
    for n in 8..=digest.len() {
        let candidate = format!("{base}X{}", &digest[..n]);
        if !clashes(&candidate) {
            return candidate;
        }
    }
    format!("{base}X{digest}")
}

fn hex_digest(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Self-audit grants: the role may read its own IAM definition and its own
/// stack, so drift checks need no extra role in the customer's account.
pub fn self_audit_grants(
    role_name: &str,
    policy_names: &[String],
    read_boundary: bool,
) -> Vec<Grant> {
    let grant = |sid: &str, actions: &[&str], resources: Vec<String>| Grant {
        sid: sid.to_string(),
        feature: SELF_AUDIT_FEATURE.to_string(),
        actions: actions.iter().map(|a| a.to_string()).collect(),
        resources,
        conditions: Default::default(),
    };
    let mut policies: Vec<String> = policy_names
        .iter()
        .map(|p| format!("arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:policy/{p}"))
        .collect();
    // AWS managed policies are the same in every account and hold no customer
    // data; a customer may attach one to the role by hand, and drift detection
    // must read it to see what it adds or takes away.
    policies.push("arn:${AWS::Partition}:iam::aws:policy/*".to_string());
    policies.sort();
    let mut out = vec![
        grant(
            "RolesmithSelfAuditRole",
            &[
                "iam:GetRole",
                "iam:GetRolePolicy",
                "iam:ListAttachedRolePolicies",
                "iam:ListRolePolicies",
            ],
            vec![format!(
                "arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{role_name}"
            )],
        ),
        grant(
            "RolesmithSelfAuditPolicies",
            &["iam:GetPolicy", "iam:GetPolicyVersion"],
            policies,
        ),
    ];
    if read_boundary {
        // Only the boundary the stack set (`PermissionsBoundaryArn`); the
        // template writes this statement only when the parameter is set.
        out.push(grant(
            BOUNDARY_SID,
            &["iam:GetPolicy", "iam:GetPolicyVersion"],
            vec![format!("${{{}}}", super::template::BOUNDARY)],
        ));
    }
    out.push(grant(
            "RolesmithSelfAuditStack",
            &["cloudformation:DescribeStacks"],
            vec![
                "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*"
                    .to_string(),
            ],
    ));
    out
}

/// Sid of the self-audit statement that reads the role's permissions
/// boundary (generation 2, `roles.permissions_boundary`).
pub const BOUNDARY_SID: &str = "RolesmithSelfAuditBoundary";

/// Sids of the self-audit grants, reserved before features are numbered.
pub fn self_audit_sids() -> BTreeSet<String> {
    self_audit_grants("", &[], true)
        .into_iter()
        .map(|g| g.sid)
        .collect()
}
