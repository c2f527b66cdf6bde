//! `explain`: an AWS `AccessDenied` message from the product's logs ->
//! which module's role was denied, which feature needs the action, the
//! first released version granting it, and what to do.
//!
//! Pure: [`parse`] reads a message, [`explain`] answers it from values (the
//! project, the compiled modules, the release ledger, the templates of the
//! releases). The module is found by the role name (`roles.name_prefix` +
//! module id, as `compile` names roles); the action and resource are
//! matched against every version's grants with the crate's IAM vocabulary
//! (action wildcards, [`crate::iam::arn::fits`] for resources, the role's
//! partition and account bound in place of `${AWS::Partition}` and
//! `${AWS::AccountId}`). "First released version" is the first release in
//! the ledger whose grants allow the request: the ledger is what
//! `capabilities.json` and drift's `version_behind` are computed from.

pub mod parse;

use serde::Serialize;

pub use parse::{Denial, PolicyType, Principal, Reason, parse};

use crate::compile::{CompiledModule, Grant, SELF_AUDIT_FEATURE};
use crate::drift::subst::Values;
use crate::iam::Conditions;
use crate::manifest::Project;
use crate::version::Ledger;

/// Why a line could not be explained.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ExplainError {
    /// No `is not authorized to perform:` in the line.
    #[error("not an AccessDenied message (no `is not authorized to perform:`): `{excerpt}`")]
    #[diagnostic(
        code(rolesmith::explain::not_access_denied),
        help(
            "give the message as AWS wrote it: `User: ARN is not authorized to perform: ACTION on resource: RESOURCE because ...`"
        )
    )]
    NotAccessDenied {
        /// The start of the line.
        excerpt: String,
    },
    /// Nothing before `is not authorized to perform:`.
    #[error("the message names no principal before `is not authorized to perform:`")]
    #[diagnostic(
        code(rolesmith::explain::no_principal),
        help("give the whole message, from `User: ARN`")
    )]
    NoPrincipal,
    /// No action after `is not authorized to perform:`.
    #[error("the message names no action after `is not authorized to perform:` (found `{found}`)")]
    #[diagnostic(
        code(rolesmith::explain::no_action),
        help("give the whole message: the action is `service:Action`")
    )]
    NoAction {
        /// What follows instead.
        found: String,
    },
}

/// What rolesmith concludes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The principal is not an IAM role (a user, the root user, a service).
    NotARole,
    /// The role's name is no module's role name.
    UnknownModule,
    /// The vendor's authoriser lacks `sts:AssumeRole` on a module role (its
    /// own identity policy, `generated/vendor/`).
    VendorPolicy,
    /// The customer's role refused the authoriser (trust policy, external
    /// id, missing role).
    CustomerTrust,
    /// No version of the module's manifest grants the action on the resource.
    NotDeclared,
    /// Only the current, unreleased manifest version grants it.
    NotReleased,
    /// Released versions granted it, the latest release no longer does.
    Removed,
    /// The deployed version is older than the first granting it.
    DeployVersion,
    /// The deployed version grants it: the customer changed the role.
    RoleChanged,
    /// The deployed version is unknown: deploy the version, or the role changed.
    DeployVersionOrRoleChanged,
    /// The customer's permissions boundary does not allow it.
    CustomerBoundary,
    /// A service control policy denies it.
    ServiceControlPolicy,
    /// A resource control policy denies it.
    ResourceControlPolicy,
    /// The resource's own policy denies it.
    ResourcePolicy,
    /// The session policy the product passed when assuming the role.
    SessionPolicy,
    /// A VPC endpoint policy on the request's network path.
    VpcEndpointPolicy,
    /// Another policy type the message names.
    OtherPolicy,
}

/// How the message says the request was denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeniedBy {
    /// `implicit` (no policy allows), `explicit` (a Deny statement), or
    /// `unstated` (the older message form).
    pub effect: &'static str,
    /// The policy type named (`identity-based`, `permissions-boundary`,
    /// `service-control`, `resource-control`, `resource-based`, `session`,
    /// `vpc-endpoint`, `role-trust`, or the words as written); `null` when
    /// the message names none.
    pub policy_type: Option<String>,
    /// The denying policy's ARN, when the message gives it.
    pub policy_arn: Option<String>,
}

/// A feature of the module that grants the action on the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FeatureMatch {
    /// Feature id (`self-audit` for the role's read access to itself).
    pub id: String,
    /// What it is for.
    pub description: String,
    /// The grant's resources that fit the request (`Fn::Sub` strings).
    pub resources: Vec<String>,
    /// The grant's conditions (empty: none).
    #[serde(skip_serializing_if = "Conditions::is_empty")]
    pub conditions: Conditions,
}

/// The answer to one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    /// The principal as written.
    pub principal: String,
    /// The action.
    pub action: String,
    /// The resource (`null` when the message names none).
    pub resource: Option<String>,
    /// How it was denied.
    pub denied_by: DeniedBy,
    /// True when the principal is the vendor's authoriser role (the answer
    /// is about `sts:AssumeRole` on a module role: `vendor_policy` or
    /// `customer_trust`).
    pub authoriser: bool,
    /// The role's name (`null` when the principal is no role).
    pub role: Option<String>,
    /// The role's account.
    pub account: Option<String>,
    /// The module whose role it is.
    pub module: Option<String>,
    /// Features granting the action on the resource (the current version's,
    /// else the last release's that had them).
    pub features: Vec<FeatureMatch>,
    /// The first released version whose grants allow the request.
    pub first_version: Option<String>,
    /// The module's latest released version.
    pub latest_release: Option<String>,
    /// The deployed version given with `--deployed`.
    pub deployed_version: Option<String>,
    /// The conclusion.
    pub verdict: Verdict,
    /// What happened, in one sentence.
    pub cause: String,
    /// What to do.
    pub fix: String,
    /// A command to run, when one helps.
    pub command: Option<String>,
    /// The console quick-create link of the version to deploy
    /// (`review.template_url_base` set).
    pub quick_create_url: Option<String>,
    /// The denial in words, for text output.
    #[serde(skip)]
    pub denied_words: String,
}

/// What [`explain`] answers from.
pub struct Context<'a> {
    /// The validated project.
    pub project: &'a Project,
    /// Every module, compiled at its current version.
    pub compiled: &'a [CompiledModule],
    /// The release ledger.
    pub ledger: &'a Ledger,
    /// The tenant's deployed version, when known (`--deployed`).
    pub deployed: Option<&'a semver::Version>,
    /// The template of a module version (the compiled one for the current
    /// version, the released file for others); `None` when unknown.
    pub template: &'a dyn Fn(&str, &semver::Version) -> Option<serde_json::Value>,
}

impl Context<'_> {
    fn compiled_by_role(&self, role: &str) -> Option<&CompiledModule> {
        self.compiled
            .iter()
            .find(|c| c.role_name == role)
            .or_else(|| {
                self.compiled
                    .iter()
                    .find(|c| c.role_name.eq_ignore_ascii_case(role))
            })
    }

    fn description(&self, module: &str, feature: &str) -> String {
        if feature == SELF_AUDIT_FEATURE {
            return "Read the role's own IAM definition and its stack, so drift checks need nothing else".into();
        }
        let current = self
            .project
            .modules
            .iter()
            .find(|m| m.id == module)
            .and_then(|m| m.features.iter().find(|f| f.id == feature))
            .map(|f| f.description.trim().to_string());
        current
            .or_else(|| {
                self.ledger
                    .releases(module)
                    .iter()
                    .rev()
                    .find_map(|r| r.feature_description(feature))
                    .map(|d| d.trim().to_string())
            })
            .unwrap_or_default()
    }

    /// The quick-create link of `module` at `version`, when templates are published.
    fn link(&self, c: &CompiledModule, version: &semver::Version) -> Option<String> {
        let base = self.project.config.review.template_url_base.as_deref()?;
        let template = (self.template)(&c.module, version)?;
        Some(crate::review::release_quick_create_url(
            base,
            &c.module,
            version,
            &c.role_name,
            &template,
        ))
    }
}

/// The request as grants are matched: placeholders the role's ARN decides.
struct Request<'d> {
    action: &'d str,
    resource: Option<&'d str>,
    values: Values,
}

impl Request<'_> {
    /// The resources of `g` that allow the request, when `g` names the action.
    fn fitting(&self, g: &Grant) -> Vec<String> {
        if !g
            .actions
            .iter()
            .any(|a| crate::iam::wildcard::glob_match_ci(a, self.action))
        {
            return Vec::new();
        }
        g.resources
            .iter()
            .filter(|r| match self.resource {
                None => true,
                Some("*") => r.as_str() == "*",
                Some(concrete) => crate::iam::arn::fits(concrete, &self.values.apply(r)),
            })
            .cloned()
            .collect()
    }

    /// Does a grant name the action at all (whatever the resource)?
    fn names_action(g: &Grant, action: &str) -> bool {
        g.actions
            .iter()
            .any(|a| crate::iam::wildcard::glob_match_ci(a, action))
    }

    fn allowed_by<'g>(&self, grants: impl IntoIterator<Item = &'g Grant>) -> bool {
        grants.into_iter().any(|g| !self.fitting(g).is_empty())
    }
}

fn denied_by(d: &Denial) -> DeniedBy {
    let (effect, policy_type) = match &d.reason {
        Reason::Implicit(t) => ("implicit", Some(t.name().to_string())),
        Reason::Explicit(t) => ("explicit", t.as_ref().map(|t| t.name().to_string())),
        Reason::Unstated => ("unstated", None),
    };
    DeniedBy {
        effect,
        policy_type,
        policy_arn: d.policy_arn.clone(),
    }
}

/// `` `action` on `resource` `` (or without the resource).
fn request_words(d: &Denial) -> String {
    match &d.resource {
        Some(r) => format!("`{}` on `{r}`", d.action),
        None => format!("`{}`", d.action),
    }
}

/// The fix when the role's policies were changed.
const RUN_DRIFT: &str =
    "run drift on the role: it names the detached or changed policy and the exact fix";

/// Answers one parsed message.
pub fn explain(ctx: &Context<'_>, d: &Denial) -> Answer {
    let mut a = Answer {
        principal: d.principal_text.clone(),
        action: d.action.clone(),
        resource: d.resource.clone(),
        denied_by: denied_by(d),
        authoriser: false,
        role: None,
        account: None,
        module: None,
        features: Vec::new(),
        first_version: None,
        latest_release: None,
        deployed_version: ctx.deployed.map(ToString::to_string),
        verdict: Verdict::NotARole,
        cause: String::new(),
        fix: String::new(),
        command: None,
        quick_create_url: None,
        denied_words: match &d.reason {
            Reason::Implicit(t) => format!(
                "no {} allows it",
                t.words().split_once(' ').map_or("", |(_, w)| w)
            ),
            Reason::Explicit(Some(t)) => format!("an explicit deny in {}", t.words()),
            Reason::Explicit(None) => "an explicit deny".into(),
            Reason::Unstated => "the message gives no reason".into(),
        },
    };
    let (partition, account, role) = match &d.principal {
        Principal::AssumedRole {
            partition,
            account,
            role,
            ..
        }
        | Principal::Role {
            partition,
            account,
            role,
        } => (partition.clone(), account.clone(), role.clone()),
        Principal::Other(p) => {
            a.cause = format!("`{p}` is not an IAM role, so it is no module's role");
            a.fix = "explain answers for the module roles the product assumes (`arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`); look at the policies of this principal itself".into();
            return a;
        }
    };
    a.role = Some(role.clone());
    a.account = Some(account.clone());
    let config = &ctx.project.config;
    let authoriser = crate::compile::vendor::authoriser_name(&config.vendor.authoriser_role);
    if role == authoriser && account == config.vendor.account_id {
        a.authoriser = true;
        return vendor_side(ctx, d, a);
    }
    let Some(c) = ctx.compiled_by_role(&role) else {
        return unknown_module(ctx, &role, a);
    };
    a.module = Some(c.module.clone());
    let role_arn = format!("arn:{partition}:iam::{account}:role/{}", c.role_name);
    let req = Request {
        action: &d.action,
        resource: d.resource.as_deref(),
        values: Values(
            [
                ("AWS::Partition".to_string(), partition.clone()),
                ("AWS::AccountId".to_string(), account.clone()),
            ]
            .into_iter()
            .collect(),
        ),
    };
    let releases = ctx.ledger.releases(&c.module);
    let latest = releases.last().copied();
    a.latest_release = latest.map(|r| r.version.to_string());
    // A release grants the request by a feature, or by its self-audit
    // grants (recorded in the ledger; unknown for a release whose template
    // is gone: then never claimed).
    let release_allows = |r: &crate::version::Release| {
        req.allowed_by(&r.grants) || r.self_audit.as_ref().is_some_and(|g| req.allowed_by(g))
    };
    let first = releases.iter().copied().find(|r| release_allows(r));
    a.first_version = first.map(|r| r.version.to_string());
    let current_allows = req.allowed_by(c.all_grants());
    a.features = features(ctx, &req, c, &releases);
    let what = request_words(d);
    let who = format!("the role `{}` of module `{}`", c.role_name, c.module);

    // Nothing grants it: the manifest must declare it.
    if first.is_none() && !current_allows {
        a.verdict = Verdict::NotDeclared;
        let file = ctx
            .project
            .modules
            .iter()
            .find(|m| m.id == c.module)
            .map(|m| m.location(""))
            .unwrap_or_default();
        let elsewhere: Vec<String> = c
            .all_grants()
            .filter(|g| Request::names_action(g, &d.action))
            .flat_map(|g| {
                g.resources
                    .iter()
                    .map(|r| format!("`{r}` (feature `{}`)", g.feature))
                    .collect::<Vec<_>>()
            })
            .collect();
        let others: Vec<String> = ctx
            .compiled
            .iter()
            .filter(|o| o.module != c.module && req.allowed_by(o.all_grants()))
            .map(|o| format!("`{}`", o.module))
            .collect();
        a.cause = format!("no version of module `{}` grants {what}", c.module);
        if !elsewhere.is_empty() {
            a.cause.push_str(&format!(
                "; it grants `{}` only on {}",
                d.action,
                elsewhere.join(", ")
            ));
        }
        a.fix = format!(
            "add `{}` to a feature in `{file}` (with a resource that fits the request), raise the minor version, run `rolesmith build` and `rolesmith release {}`, then ask the customer to update the stack",
            d.action, c.module
        );
        if !others.is_empty() {
            a.fix.push_str(&format!(
                "; module {} grants it: maybe the product used the wrong module's role",
                others.join(", ")
            ));
        }
        return a;
    }
    let Some(first) = first else {
        a.verdict = Verdict::NotReleased;
        a.cause = format!(
            "only the unreleased version {} of module `{}` grants {what}",
            c.version, c.module
        );
        a.fix = format!(
            "release it (`rolesmith release {}`, after `rolesmith build`), then ask the customer to deploy {}",
            c.module, c.version
        );
        return a;
    };
    let latest = latest.unwrap_or(first);
    if !release_allows(latest) {
        a.verdict = Verdict::Removed;
        a.cause = format!(
            "version {} of module `{}` granted {what}, but the latest release {} no longer does",
            first.version, c.module, latest.version
        );
        a.fix = format!(
            "the product should not need it from {} on; if it still does, add it back to a feature of module `{}` and release a new version",
            latest.version, c.module
        );
        return a;
    }

    let deploy_fix = |a: &mut Answer| {
        a.quick_create_url = ctx.link(c, &latest.version);
        let link = match &a.quick_create_url {
            Some(u) => format!(" (quick-create link: {u})"),
            None => String::new(),
        };
        format!(
            "ask the customer to update the stack `{}` to version {} or later (latest: {}){link}",
            c.role_name, first.version, latest.version
        )
    };
    let drift = format!(
        "rolesmith drift --module {} --role-arn {role_arn} --assume-role {role_arn} --external-id <the tenant's external id>",
        c.module
    );
    let policy_named = |t: &str| match &d.policy_arn {
        Some(arn) => format!("{t} `{arn}`"),
        None => t.to_string(),
    };
    let granted = format!(
        "{who} grants {what} from version {} (feature{} {})",
        first.version,
        if a.features.len() == 1 { "" } else { "s" },
        a.features
            .iter()
            .map(|f| format!("`{}`", f.id))
            .collect::<Vec<_>>()
            .join(", ")
    );
    match &d.reason {
        Reason::Implicit(PolicyType::IdentityBased) | Reason::Unstated => {
            // Granted since the module's first release: every deployed
            // version grants it, whatever `--deployed` says.
            let always = releases.first().is_some_and(|r| r.version == first.version);
            match ctx.deployed.filter(|_| !always) {
                Some(v) if *v < first.version => {
                    a.verdict = Verdict::DeployVersion;
                    a.cause = format!("{granted}; the tenant is on {v}, which does not");
                    a.fix = deploy_fix(&mut a);
                }
                Some(v) => {
                    a.verdict = Verdict::RoleChanged;
                    a.cause = format!(
                        "{granted}; the tenant's version {v} grants it, so the role's policies were changed (a managed policy detached or edited)"
                    );
                    a.fix = RUN_DRIFT.into();
                    a.command = Some(drift);
                }
                None if always => {
                    a.verdict = Verdict::RoleChanged;
                    a.cause = format!(
                        "{granted}, the module's first release, so every version grants it: the role's policies were changed (a managed policy detached or edited)"
                    );
                    a.fix = RUN_DRIFT.into();
                    a.command = Some(drift);
                }
                None => {
                    a.verdict = Verdict::DeployVersionOrRoleChanged;
                    a.cause = format!("{granted}; the role's own policies do not allow it");
                    let deploy = deploy_fix(&mut a);
                    a.fix = format!(
                        "if the tenant's stack is older than {}: {deploy}; if it is {} or later, the customer changed the role: run drift (give `--deployed VERSION` to get one answer)",
                        first.version, first.version
                    );
                    a.command = Some(drift);
                }
            }
        }
        Reason::Explicit(None | Some(PolicyType::IdentityBased)) => {
            a.verdict = Verdict::RoleChanged;
            a.cause = format!(
                "{granted}, but a Deny statement in {} blocks it; rolesmith's templates have no Deny statement, so the customer added it",
                policy_named("the role's policies")
            );
            a.fix = "ask the customer to remove the Deny statement (drift names it, with `explicit_deny`)".into();
            a.command = Some(drift);
        }
        Reason::Implicit(PolicyType::PermissionsBoundary)
        | Reason::Explicit(Some(PolicyType::PermissionsBoundary)) => {
            a.verdict = Verdict::CustomerBoundary;
            a.cause = format!(
                "{granted}, but {} set on the role does not allow it",
                policy_named("the customer's permissions boundary")
            );
            a.fix = format!(
                "ask the customer to allow {what} in the permissions boundary of `{role_arn}` (the stack parameter `PermissionsBoundaryArn`), or to remove the boundary"
            );
            a.command = Some(drift);
        }
        Reason::Implicit(PolicyType::ServiceControl)
        | Reason::Explicit(Some(PolicyType::ServiceControl)) => {
            a.verdict = Verdict::ServiceControlPolicy;
            a.cause = format!(
                "{granted}, but {} of the customer's AWS Organizations denies it in account `{account}`",
                policy_named("a service control policy")
            );
            a.fix = format!(
                "ask the customer's AWS Organizations administrator to allow {what} for `{role_arn}` in the service control policies of account `{account}` (rolesmith cannot read SCPs)"
            );
        }
        Reason::Implicit(PolicyType::ResourceControl)
        | Reason::Explicit(Some(PolicyType::ResourceControl)) => {
            a.verdict = Verdict::ResourceControlPolicy;
            a.cause = format!(
                "{granted}, but {} of the resource owner's AWS Organizations denies it",
                policy_named("a resource control policy")
            );
            a.fix = format!(
                "ask the customer's AWS Organizations administrator to allow {what} for `{role_arn}` in the resource control policies that apply to the resource"
            );
        }
        Reason::Implicit(PolicyType::ResourceBased)
        | Reason::Explicit(Some(PolicyType::ResourceBased | PolicyType::RoleTrust))
        | Reason::Implicit(PolicyType::RoleTrust) => {
            a.verdict = Verdict::ResourcePolicy;
            let res = d.resource.as_deref().unwrap_or("the resource");
            a.cause = format!(
                "{granted}, but the resource's own policy (bucket, key, queue ... policy of `{res}`) {}",
                if matches!(d.reason, Reason::Explicit(_)) {
                    "denies it"
                } else {
                    "does not allow it"
                }
            );
            a.fix = format!(
                "ask the customer to allow `{role_arn}` to call `{}` in the resource policy of `{res}`",
                d.action
            );
        }
        Reason::Implicit(PolicyType::Session) | Reason::Explicit(Some(PolicyType::Session)) => {
            a.verdict = Verdict::SessionPolicy;
            a.cause = format!(
                "{granted}, but the session policy passed when the role was assumed does not allow it"
            );
            a.fix = format!(
                "the session policy is the product's own (`Policy` or `PolicyArns` of its `sts:AssumeRole` call as `{}`): allow {what} in it, or assume the role without one; the customer has nothing to change",
                c.role_name
            );
        }
        Reason::Implicit(PolicyType::VpcEndpoint)
        | Reason::Explicit(Some(PolicyType::VpcEndpoint)) => {
            a.verdict = Verdict::VpcEndpointPolicy;
            a.cause = format!(
                "{granted}, but the policy of the VPC endpoint the request went through does not allow it"
            );
            a.fix = format!(
                "allow {what} for `{role_arn}` in the policy of the VPC endpoint on the product's network path (the vendor's, when the product runs in its own VPC)"
            );
        }
        Reason::Implicit(PolicyType::Other(t)) | Reason::Explicit(Some(PolicyType::Other(t))) => {
            a.verdict = Verdict::OtherPolicy;
            a.cause = format!("{granted}, but a `{t}` policy denies it");
            a.fix = format!(
                "find the `{t}` policy that applies to {what} for `{role_arn}` and allow the request there"
            );
        }
    }
    a
}

/// The features of the module that grant the request: the current
/// version's; else, of the last release that granted it.
fn features(
    ctx: &Context<'_>,
    req: &Request<'_>,
    c: &CompiledModule,
    releases: &[&crate::version::Release],
) -> Vec<FeatureMatch> {
    let of = |grants: &mut dyn Iterator<Item = &Grant>| -> Vec<FeatureMatch> {
        let mut out: Vec<FeatureMatch> = Vec::new();
        for g in grants {
            let resources = req.fitting(g);
            if resources.is_empty() {
                continue;
            }
            match out
                .iter_mut()
                .find(|f| f.id == g.feature && f.conditions == g.conditions)
            {
                Some(f) => f.resources.extend(resources),
                None => out.push(FeatureMatch {
                    id: g.feature.clone(),
                    description: ctx.description(&c.module, &g.feature),
                    resources,
                    conditions: g.conditions.clone(),
                }),
            }
        }
        for f in &mut out {
            f.resources.sort();
            f.resources.dedup();
        }
        out
    };
    let current = of(&mut c.all_grants());
    if !current.is_empty() {
        return current;
    }
    releases
        .iter()
        .rev()
        .map(|r| of(&mut r.grants.iter().chain(r.self_audit.iter().flatten())))
        .find(|f| !f.is_empty())
        .unwrap_or_default()
}

/// A role that is no module's.
fn unknown_module(ctx: &Context<'_>, role: &str, mut a: Answer) -> Answer {
    a.verdict = Verdict::UnknownModule;
    let prefix = &ctx.project.config.roles.name_prefix;
    let names: Vec<&str> = ctx.compiled.iter().map(|c| c.role_name.as_str()).collect();
    // Suggest by module id: the shared prefix would make every name look close.
    let hint = role
        .strip_prefix(prefix.as_str())
        .and_then(|id| {
            crate::iam::suggest::best(id, ctx.compiled.iter().map(|c| c.module.as_str()))
        })
        .and_then(|id| ctx.compiled.iter().find(|c| c.module == id))
        .map(|c| format!("; did you mean `{}`?", c.role_name))
        .unwrap_or_default();
    a.cause = format!(
        "the role `{role}` is no module's role (module roles are named `{prefix}<module>`: {}){hint}",
        names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    a.fix = match role.strip_prefix(prefix.as_str()) {
        Some(id) if !id.is_empty() => format!(
            "there is no manifest `modules/{id}.yaml`: the role belongs to a retired or renamed module, or to another project (`--config`)"
        ),
        _ => "this role is not one rolesmith generates; look at its own policies".into(),
    };
    a
}

/// The vendor's authoriser was denied: its own policy, or the customer's trust.
fn vendor_side(ctx: &Context<'_>, d: &Denial, mut a: Answer) -> Answer {
    let config = &ctx.project.config;
    let target = d
        .resource
        .as_deref()
        .and_then(crate::iam::arn::split_concrete)
        .and_then(|[_, _, service, _, _, res]| {
            (service == "iam")
                .then(|| res.strip_prefix("role/"))
                .flatten()
                .and_then(|r| r.rsplit('/').next())
        })
        .and_then(|name| ctx.compiled_by_role(name));
    let assume = d.action.eq_ignore_ascii_case("sts:AssumeRole");
    let Some(c) = target.filter(|_| assume) else {
        a.verdict = Verdict::UnknownModule;
        a.cause = format!(
            "`{}` is the vendor's authoriser role, not a module role; {} is not `sts:AssumeRole` on a module role",
            config.vendor.authoriser_role,
            request_words(d)
        );
        a.fix = "the authoriser needs only `sts:AssumeRole` on the module roles (`generated/vendor/`); look at why the product asks for anything else".into();
        return a;
    };
    a.module = Some(c.module.clone());
    a.latest_release = ctx.ledger.latest(&c.module).map(|r| r.version.to_string());
    let role_arn = d.resource.clone().unwrap_or_default();
    match &d.reason {
        Reason::Implicit(PolicyType::IdentityBased)
        | Reason::Explicit(None | Some(PolicyType::IdentityBased)) => {
            a.verdict = Verdict::VendorPolicy;
            a.cause = format!(
                "the authoriser's own identity policy does not allow `sts:AssumeRole` on `{role_arn}` (both sides must allow it)"
            );
            a.fix = format!(
                "deploy `generated/vendor/template.json` as the stack `{}` in account `{}` (or update it: a stack older than module `{}` does not name its role); see `generated/vendor/REVIEW.md`{}",
                crate::compile::vendor::VendorPolicy::of(config, ctx.compiled).stack_name,
                config.vendor.account_id,
                c.module,
                if matches!(d.reason, Reason::Explicit(_)) {
                    "; and remove the Deny statement in the authoriser's policies"
                } else {
                    ""
                }
            );
            a.command = Some(format!(
                "aws cloudformation deploy --stack-name {} --template-file generated/vendor/template.json --capabilities CAPABILITY_NAMED_IAM",
                crate::compile::vendor::VendorPolicy::of(config, ctx.compiled).stack_name
            ));
        }
        Reason::Implicit(PolicyType::ServiceControl)
        | Reason::Explicit(Some(PolicyType::ServiceControl)) => {
            a.verdict = Verdict::ServiceControlPolicy;
            a.cause = format!(
                "a service control policy of the vendor's AWS Organizations denies `sts:AssumeRole` for the authoriser in account `{}`",
                config.vendor.account_id
            );
            a.fix = format!(
                "allow `sts:AssumeRole` on `{role_arn}` in the SCPs of the vendor account `{}`",
                config.vendor.account_id
            );
        }
        _ => {
            a.verdict = Verdict::CustomerTrust;
            a.cause = format!(
                "the customer's role `{role_arn}` refused the authoriser: its trust policy does not let it in (a wrong or missing external id, an edited trust policy), or the role does not exist"
            );
            a.fix = format!(
                "check that the tenant's external id is the stack's `ExternalId` parameter, and ask the customer whether the stack `{}` exists; the customer can run drift with their own credentials",
                c.role_name
            );
            a.command = Some(format!(
                "rolesmith drift --module {} --role-arn {role_arn}",
                c.module
            ));
        }
    }
    a
}

impl Answer {
    /// The answer as text lines (no trailing newline).
    pub fn to_text(&self) -> String {
        let mut lines = Vec::new();
        let denied = &self.denied_words;
        let what = match &self.resource {
            Some(r) => format!("`{}` on `{r}`", self.action),
            None => format!("`{}`", self.action),
        };
        let who = match (&self.role, &self.module) {
            (Some(r), _) if self.authoriser => format!("the vendor's authoriser role `{r}`"),
            (Some(r), Some(m)) => format!("role `{r}` (module `{m}`)"),
            (Some(r), None) => format!("role `{r}`"),
            _ => format!("`{}`", self.principal),
        };
        lines.push(format!("{who} was denied {what}: {denied}"));
        for f in &self.features {
            let desc = if f.description.is_empty() {
                String::new()
            } else {
                format!(": {}", f.description)
            };
            lines.push(format!("  feature: `{}`{desc}", f.id));
        }
        if let Some(v) = &self.first_version {
            let latest = self
                .latest_release
                .as_deref()
                .map(|l| format!(" (latest release {l})"))
                .unwrap_or_default();
            lines.push(format!("  first granted in: {v}{latest}"));
        }
        lines.push(format!("  cause: {}", self.cause));
        lines.push(format!("  fix: {}", self.fix));
        if let Some(c) = &self.command {
            lines.push(format!("  run: {c}"));
        }
        if let Some(u) = &self.quick_create_url {
            lines.push(format!("  link: {u}"));
        }
        lines.join("\n")
    }
}
