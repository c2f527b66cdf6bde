//! Compiler: validated model -> CloudFormation template and the permission
//! statements ([`Grant`]s) that the drift, versioning and review stages
//! compare against.
//!
//! Pure: takes values, returns values; it knows nothing of review documents
//! or of where files go (the pipeline decides both). Invariants: the same project always gives
//! the same bytes; every managed policy fits IAM's size limit with every
//! parameter at its maximum length; the role trusts only the vendor's
//! authoriser.

pub mod grants;
pub mod size;
pub mod template;
pub mod vendor;

use std::collections::BTreeSet;

use serde_json::Value;

pub use grants::SELF_AUDIT_FEATURE;
use size::{
    INLINE_POLICY_LIMIT, MANAGED_POLICY_LIMIT, MAX_POLICIES, Split, TRUST_POLICY_LIMIT, WorstCase,
};

use crate::catalogue::Catalogue;
use crate::manifest::{Conditions, Config, Module, Project};

/// Maximum length budgeted for a module parameter.
fn max_length(p: &crate::manifest::Parameter) -> u32 {
    p.max_length
}

/// One permission statement: the actions a feature needs on some resources.
///
/// This is the compiled form of a manifest that the other stages consume:
/// drift detection checks that every grant of the deployed version is still
/// allowed, versioning compares grants across versions, review documents
/// list them per feature.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Grant {
    /// Statement id, unique in the module, stable while the feature is unchanged.
    pub sid: String,
    /// Feature id ([`SELF_AUDIT_FEATURE`] for the self-audit grants).
    pub feature: String,
    /// Actions, in the catalogue's spelling, sorted (may hold wildcard
    /// patterns where the manifest justified them).
    pub actions: Vec<String>,
    /// Resources as `Fn::Sub` strings (`arn:${AWS::Partition}:...`, or `*`), sorted.
    pub resources: Vec<String>,
    /// IAM condition block of the feature (values are `Fn::Sub` strings).
    pub conditions: Conditions,
}

/// One `AWS::IAM::ManagedPolicy` of the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// 1-based position.
    pub index: usize,
    /// Logical id in the template (`Policy1`, …).
    pub logical_id: String,
    /// `ManagedPolicyName`: role name + `-<index>`.
    pub name: String,
    /// Sids of the statements it holds, in order.
    pub sids: Vec<String>,
    /// Characters IAM counts with every parameter at its maximum length.
    pub worst_case_size: usize,
}

/// The role's inline policy: the statements that do not fit the managed
/// policies (`roles.max_managed_policies`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePolicy {
    /// `PolicyName`: role name + `-inline`.
    pub name: String,
    /// Sids of the statements it holds, in order.
    pub sids: Vec<String>,
    /// Characters IAM counts with every parameter at its maximum length.
    pub worst_case_size: usize,
}

/// What this compiler emits, by generation: a released version is compiled
/// again at the generation it was released with (the ledger records it), so
/// its template stays byte-identical; new versions get the latest.
///
/// 1. The first: everything before generation 2.
/// 2. With `roles.permissions_boundary`, the self-audit statement may also
///    read the role's permissions boundary (when the stack sets one).
pub const GENERATION: u32 = 2;

/// The generation of a release recorded before generations were.
pub const FIRST_GENERATION: u32 = 1;

/// A module compiled for one version.
#[derive(Debug, Clone, PartialEq)]
pub struct CompiledModule {
    /// Module id.
    pub module: String,
    /// Module version.
    pub version: semver::Version,
    /// IAM role name (prefix + module id).
    pub role_name: String,
    /// The manifest's permissions, per feature in manifest order.
    pub grants: Vec<Grant>,
    /// The role's read access to its own definition (empty when `self_audit` is off).
    pub self_audit: Vec<Grant>,
    /// Trust policy document, with CloudFormation intrinsics (`Fn::Sub`, `Ref`).
    pub trust_policy: Value,
    /// Characters IAM counts for the trust policy, external id at its maximum.
    pub trust_policy_size: usize,
    /// How the statements are split across managed policies.
    pub policies: Vec<ManagedPolicy>,
    /// The inline policy, when the managed policies cannot hold everything.
    pub inline_policy: Option<InlinePolicy>,
    /// The CloudFormation template.
    pub template: Value,
    /// The compiler generation it was compiled at ([`GENERATION`]).
    pub generation: u32,
}

impl CompiledModule {
    /// Template bytes: pretty JSON, keys sorted, trailing newline. (A
    /// `Value` always prints: its `Display` cannot fail, unlike serialising.)
    pub fn template_bytes(&self) -> Vec<u8> {
        format!("{:#}\n", self.template).into_bytes()
    }

    /// Every grant, features first, then self-audit.
    pub fn all_grants(&self) -> impl Iterator<Item = &Grant> {
        self.grants.iter().chain(self.self_audit.iter())
    }
}

/// Why a module cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum CompileError {
    /// An action the catalogue does not know (validation normally catches it).
    #[error("{location}: module `{module}`, feature `{feature}`: unknown action `{action}`")]
    #[diagnostic(
        code(rolesmith::compile::unknown_action),
        help("run `rolesmith validate` and fix the action name")
    )]
    UnknownAction {
        /// `modules/x.yaml:12`: the feature in its manifest.
        location: String,
        /// Module id.
        module: String,
        /// Feature id.
        feature: String,
        /// The action.
        action: String,
    },
    /// An action that none of the feature's listed resources fits.
    #[error(
        "{location}: module `{module}`, feature `{feature}`: no listed resource fits action `{action}` (accepted formats: {})",
        formats.join(", ")
    )]
    #[diagnostic(
        code(rolesmith::compile::no_resource),
        help(
            "add a resource of one of the accepted formats, or move the action to another feature"
        )
    )]
    NoResource {
        /// `modules/x.yaml:12`: the feature in its manifest.
        location: String,
        /// Module id.
        module: String,
        /// Feature id.
        feature: String,
        /// The action.
        action: String,
        /// ARN formats it accepts.
        formats: Vec<String>,
    },
    /// One statement alone exceeds a managed policy.
    #[error(
        "{location}: module `{module}`, feature `{feature}`: statement `{sid}` needs {size} characters with every parameter at its maximum length, more than the {limit} of an IAM managed policy"
    )]
    #[diagnostic(
        code(rolesmith::compile::statement_too_large),
        help(
            "split the feature into smaller features (fewer actions or resources each), or lower the `max_length` of the parameters it uses"
        )
    )]
    StatementTooLarge {
        /// `modules/x.yaml:12`: the feature in its manifest.
        location: String,
        /// Module id.
        module: String,
        /// Feature id.
        feature: String,
        /// Statement id.
        sid: String,
        /// Worst-case size inside an otherwise empty policy.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The statements need more managed policies than a role can have.
    #[error(
        "{location}: module `{module}`: its permissions need {needed} managed policies of 6,144 characters with every parameter at its maximum length; the role holds {limit} managed policies (`roles.max_managed_policies`) and an inline policy of 10,240 characters, and the statements past the {limit}th policy need {inline_size} (the first that does not fit is feature `{feature}`)"
    )]
    #[diagnostic(
        code(rolesmith::compile::too_many_policies),
        help(
            "raise `roles.max_managed_policies` (up to 20, once the customer's quota allows it), split the module into two modules, or lower the `max_length` of its parameters"
        )
    )]
    TooManyPolicies {
        /// `modules/x.yaml:12`: the feature in its manifest.
        location: String,
        /// Module id.
        module: String,
        /// Policies needed.
        needed: usize,
        /// Managed policies allowed (`roles.max_managed_policies`).
        limit: usize,
        /// Characters the statements past the managed policies need inline.
        inline_size: usize,
        /// Feature of the first statement past the limit.
        feature: String,
    },
    /// The trust policy exceeds its quota.
    #[error(
        "module `{module}`: the trust policy needs {size} characters with the external id at its maximum length, more than the {limit} IAM allows"
    )]
    #[diagnostic(
        code(rolesmith::compile::trust_too_large),
        help("shorten the authoriser role's path or name")
    )]
    TrustPolicyTooLarge {
        /// Module id.
        module: String,
        /// Worst-case size.
        size: usize,
        /// The limit.
        limit: usize,
    },
}

/// Compiles one module at the latest [`GENERATION`].
pub fn compile_module(
    catalogue: &Catalogue,
    config: &Config,
    module: &Module,
) -> Result<CompiledModule, Vec<CompileError>> {
    compile_module_at(catalogue, config, module, GENERATION)
}

/// Compiles one module at `generation` (see [`GENERATION`]).
pub fn compile_module_at(
    catalogue: &Catalogue,
    config: &Config,
    module: &Module,
    generation: u32,
) -> Result<CompiledModule, Vec<CompileError>> {
    let read_boundary = generation >= 2 && config.roles.permissions_boundary;
    let role_name = format!("{}{}", config.roles.name_prefix, module.id);
    let reserved = if config.roles.self_audit {
        grants::self_audit_sids()
    } else {
        BTreeSet::new()
    };
    let feature_grants =
        grants::feature_grants(catalogue, module, module.regions(config), &reserved)?;

    let max_lengths: Vec<(String, u32)> = module
        .parameters
        .iter()
        .map(|(n, p)| (n.clone(), max_length(p)))
        .collect();
    let worst = WorstCase::new(
        max_lengths
            .iter()
            .map(|(n, l)| (n.as_str(), *l as usize))
            .chain([
                (template::EXTERNAL_ID, 1224),
                // IAM's longest policy ARN.
                (template::BOUNDARY, 2048),
            ]),
    );

    let trust = template::trust_policy(config);
    let trust_size = worst.size(&trust);
    if trust_size > TRUST_POLICY_LIMIT {
        return Err(vec![CompileError::TrustPolicyTooLarge {
            module: module.id.clone(),
            size: trust_size,
            limit: TRUST_POLICY_LIMIT,
        }]);
    }

    let empty = worst.size(&template::policy_document(vec![]));
    let policy_name = |i: usize| format!("{role_name}-{i}");

    // The self-audit statement names the policies, and its size decides how
    // many policies there are: start from one and grow until the count holds.
    let limit = config.roles.max_managed_policies.clamp(1, MAX_POLICIES);
    let mut count = 1;
    let (self_audit, bins) = loop {
        let self_audit = if config.roles.self_audit {
            let names: Vec<String> = (1..=count).map(policy_name).collect();
            grants::self_audit_grants(&role_name, &names, read_boundary)
        } else {
            Vec::new()
        };
        let all: Vec<&Grant> = feature_grants.iter().chain(self_audit.iter()).collect();
        let sizes: Vec<usize> = all
            .iter()
            .map(|g| worst.size(&template::statement(g)))
            .collect();
        match size::first_fit(empty, &sizes, MANAGED_POLICY_LIMIT) {
            Split::TooLarge { index, size } => {
                let g = all.get(index);
                return Err(vec![CompileError::StatementTooLarge {
                    location: module.location(&g.map(|g| g.feature.clone()).unwrap_or_default()),
                    module: module.id.clone(),
                    feature: g.map(|g| g.feature.clone()).unwrap_or_default(),
                    sid: g.map(|g| g.sid.clone()).unwrap_or_default(),
                    size,
                    limit: MANAGED_POLICY_LIMIT,
                }]);
            }
            Split::Fits(bins) => {
                // What does not fit the managed policies goes inline.
                let over: Vec<Value> = bins
                    .get(limit..)
                    .unwrap_or_default()
                    .iter()
                    .flatten()
                    .filter_map(|&k| all.get(k))
                    .map(|g| template::statement(g))
                    .collect();
                if !over.is_empty() {
                    let inline_size = worst.size(&template::policy_document(over));
                    if inline_size > INLINE_POLICY_LIMIT {
                        let first_over = bins
                            .get(limit)
                            .and_then(|b| b.first())
                            .and_then(|&i| all.get(i));
                        return Err(vec![CompileError::TooManyPolicies {
                            location: module.location(
                                &first_over.map(|g| g.feature.clone()).unwrap_or_default(),
                            ),
                            module: module.id.clone(),
                            needed: bins.len(),
                            limit,
                            inline_size,
                            feature: first_over.map(|g| g.feature.clone()).unwrap_or_default(),
                        }]);
                    }
                }
                let managed = bins.len().min(limit);
                if managed <= count {
                    break (self_audit, bins);
                }
                count = managed;
            }
        }
    };

    let all: Vec<&Grant> = feature_grants.iter().chain(self_audit.iter()).collect();
    let inline_bin: Vec<usize> = bins.get(limit..).unwrap_or_default().concat();
    let inline = (!inline_bin.is_empty()).then(|| {
        let statements: Vec<Value> = inline_bin
            .iter()
            .filter_map(|&k| all.get(k))
            .map(|g| template::statement(g))
            .collect();
        let policy = InlinePolicy {
            name: format!("{role_name}-inline"),
            sids: inline_bin
                .iter()
                .filter_map(|&k| all.get(k))
                .map(|g| g.sid.clone())
                .collect(),
            worst_case_size: worst.size(&template::policy_document(statements.clone())),
        };
        (policy, statements)
    });
    let mut policies = Vec::new();
    for (i, bin) in bins.iter().take(limit).enumerate() {
        let statements: Vec<Value> = bin
            .iter()
            .filter_map(|&k| all.get(k))
            .map(|g| template::statement(g))
            .collect();
        let sids = bin
            .iter()
            .filter_map(|&k| all.get(k))
            .map(|g| g.sid.clone())
            .collect();
        let worst_case_size = worst.size(&template::policy_document(statements.clone()));
        policies.push((
            ManagedPolicy {
                index: i + 1,
                logical_id: format!("Policy{}", i + 1),
                name: policy_name(i + 1),
                sids,
                worst_case_size,
            },
            statements,
        ));
    }
    let template = template::template(&template::Parts {
        config,
        module,
        role_name: &role_name,
        trust: &trust,
        policies: &policies,
        inline: inline.as_ref(),
        catalogue: catalogue.source(),
        max_lengths: &max_lengths,
    });
    Ok(CompiledModule {
        module: module.id.clone(),
        version: module.version.clone(),
        role_name,
        grants: feature_grants,
        self_audit,
        trust_policy: trust,
        trust_policy_size: trust_size,
        policies: policies.into_iter().map(|(p, _)| p).collect(),
        inline_policy: inline.map(|(p, _)| p),
        template,
        generation,
    })
}

/// Compiles every module of a project at the latest generation, reporting
/// every module's problems.
pub fn compile_project(
    catalogue: &Catalogue,
    project: &Project,
) -> Result<Vec<CompiledModule>, Vec<CompileError>> {
    compile_project_at(catalogue, project, &|_| GENERATION)
}

/// Compiles every module of a project, each at the generation
/// `generation_of` gives it (a released version: the one it was released
/// with), reporting every module's problems.
pub fn compile_project_at(
    catalogue: &Catalogue,
    project: &Project,
    generation_of: &dyn Fn(&Module) -> u32,
) -> Result<Vec<CompiledModule>, Vec<CompileError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for m in &project.modules {
        match compile_module_at(catalogue, &project.config, m, generation_of(m)) {
            Ok(c) => out.push(c),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests;
