//! The review document as plain data: what the templates render. Built by
//! [`super::model`]; every field is serialised in this order.

use serde::Serialize;

/// One module version's review.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Review {
    /// Vendor name.
    pub vendor: String,
    /// Module id.
    pub module: String,
    /// Module version.
    pub version: String,
    /// What the module does.
    pub description: String,
    /// IAM role name.
    pub role_name: String,
    /// Who may assume the role.
    pub trust: Trust,
    /// Stack parameters, as in the template.
    pub parameters: Vec<ParamDoc>,
    /// Features in manifest order, each with its statements.
    pub features: Vec<FeatureDoc>,
    /// The role's read access to its own definition, if granted.
    pub self_audit: Option<FeatureDoc>,
    /// One row per granted action (features, then self-audit).
    pub permissions: Vec<Permission>,
    /// What a reviewer should look at first.
    pub attention: Attention,
    /// What changed since the previous released version.
    pub changes: Changes,
    /// How to deploy.
    pub deploy: Deploy,
    /// Managed policies of the template: name and statement ids.
    pub policies: Vec<(String, Vec<String>)>,
    /// The role's inline policy, when the managed policies cannot hold
    /// everything: name and statement ids.
    pub inline_policy: Option<(String, Vec<String>)>,
    /// Derived ARNs name every region (`regions: any`).
    pub any_region: bool,
    /// Catalogue the access levels come from.
    pub catalogue: String,
    /// Digest of the manifest the template was built from.
    pub manifest_digest: String,
    /// Some resource ARN uses the stack's region.
    pub uses_region: bool,
    /// Counts for the summary.
    pub counts: Counts,
}

/// Counts shown at the top of a review.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Counts {
    /// Distinct actions (or patterns) granted to features.
    pub feature_actions: usize,
    /// Features.
    pub features: usize,
    /// Distinct actions of the self-audit.
    pub self_audit_actions: usize,
    /// Distinct write or permissions-management actions.
    pub write_or_permissions: usize,
    /// Distinct actions granted on `*`.
    pub on_star: usize,
}

/// The trust relationship.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Trust {
    /// Principals allowed to call `sts:AssumeRole` (`Fn::Sub` strings).
    pub principals: Vec<String>,
    /// The vendor's account id.
    pub vendor_account: String,
    /// The vendor's authoriser role (with path).
    pub authoriser_role: String,
    /// Name of the parameter holding the external id, when one is required.
    pub external_id_parameter: Option<String>,
    /// Conditions of the trust statement, in words.
    pub conditions: Vec<String>,
    /// `MaxSessionDuration` in seconds.
    pub max_session_seconds: u64,
    /// The same, in words.
    pub max_session: String,
    /// The role takes an optional permissions boundary parameter.
    pub boundary_parameter: Option<String>,
}

/// A stack parameter.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ParamDoc {
    /// Name.
    pub name: String,
    /// Description from the template.
    pub description: String,
    /// `AllowedPattern`, if any.
    pub pattern: Option<String>,
    /// Default value, if any.
    pub default: Option<String>,
}

/// A feature (or the self-audit) with its statements.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FeatureDoc {
    /// Feature id.
    pub id: String,
    /// Why it is needed.
    pub description: String,
    /// Version it was added in.
    pub added_in: String,
    /// Why wildcard actions (or `*`) are acceptable, when the manifest says.
    pub wildcard_reason: Option<String>,
    /// Its statements.
    pub statements: Vec<StatementDoc>,
}

/// One statement of the template.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StatementDoc {
    /// Statement id in the template.
    pub sid: String,
    /// Actions.
    pub actions: Vec<ActionDoc>,
    /// Resources.
    pub resources: Vec<ResourceDoc>,
    /// Conditions, in words.
    pub conditions: Vec<String>,
}

/// One granted action.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ActionDoc {
    /// Action name, or a wildcard pattern as granted.
    pub name: String,
    /// Access level (several, joined, for a pattern).
    pub access_level: String,
    /// For a pattern: the actions it matches today.
    pub matches: Vec<String>,
    /// The list is long: documents show the count and fold the list.
    pub fold_matches: bool,
    /// AWS offers no resource-level permission for it: granted on `*`.
    pub wildcard_only: bool,
}

/// One granted resource.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ResourceDoc {
    /// As in the template (`Fn::Sub` syntax).
    pub arn: String,
    /// In plain words.
    pub words: String,
    /// What it leaves open with `*` ("any bucket", "any account"...);
    /// empty when it names its account, region and outermost resource.
    pub broad: Vec<String>,
}

/// One row of the permission table: one action of one statement.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Permission {
    /// Feature id.
    pub feature: String,
    /// Why the feature needs it.
    pub why: String,
    /// Statement id.
    pub sid: String,
    /// The action.
    pub action: ActionDoc,
    /// Resources.
    pub resources: Vec<ResourceDoc>,
    /// Conditions, in words.
    pub conditions: Vec<String>,
    /// Version it was added in.
    pub added_in: String,
}

/// A point for the reviewer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Notice {
    /// The action (or pattern).
    pub action: String,
    /// Its feature.
    pub feature: String,
    /// Its access level.
    pub access_level: String,
    /// What it is limited to, in words.
    pub limited_to: Vec<String>,
    /// Conditions, in words.
    pub conditions: Vec<String>,
    /// Why it is granted this way.
    pub why: String,
}

/// What stands out for a reviewer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct Attention {
    /// Actions that change resources (access level Write).
    pub write: Vec<Notice>,
    /// Actions that change permissions.
    pub permissions_management: Vec<Notice>,
    /// Actions that change tags.
    pub tagging: Vec<Notice>,
    /// `iam:PassRole`, with what it is limited to.
    pub pass_role: Vec<Notice>,
    /// Actions AWS cannot limit to a resource (granted on `*`).
    pub wildcard_only: Vec<Notice>,
    /// Other actions granted on `*` (those of `wildcard_only` are not
    /// repeated: one table per fact).
    pub on_star: Vec<Notice>,
    /// Actions on resources that leave a part open with `*`: any bucket,
    /// table or instance, any account, any region.
    pub broad: Vec<Notice>,
    /// Wildcard action patterns.
    pub patterns: Vec<Notice>,
}

/// Changes since the previous released version.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Changes {
    /// Previous released version, if any.
    pub previous: Option<String>,
    /// Per feature: added and removed grants, in words.
    pub features: Vec<ChangeDoc>,
}

/// What changed in one feature.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ChangeDoc {
    /// Feature id.
    pub feature: String,
    /// Added.
    pub added: Vec<String>,
    /// Removed.
    pub removed: Vec<String>,
}

/// How to deploy.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Deploy {
    /// Stack name suggested (the role name).
    pub stack_name: String,
    /// Parameters with the value to give.
    pub parameters: Vec<DeployParam>,
    /// The `aws cloudformation deploy` command (with `--s3-bucket` when
    /// the template is over CloudFormation's template-body limit).
    pub command: String,
    /// The template's size in bytes, in words (`90,123`).
    pub template_size: String,
    /// The template is over CloudFormation's 51,200-byte limit for a
    /// template body: it must be deployed from S3.
    pub over_body_limit: bool,
    /// `aws cloudformation create-stack --template-url`, for a template over
    /// the limit when a template URL base is configured.
    pub url_command: Option<String>,
    /// Console quick-create link, when a template URL base is configured.
    pub quick_create_url: Option<String>,
}

/// A parameter of the deploy command.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct DeployParam {
    /// Name.
    pub name: String,
    /// Placeholder or default shown in the command.
    pub value: String,
    /// Optional (has a default).
    pub optional: bool,
}

/// A module on the index page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IndexModule {
    /// Module id.
    pub module: String,
    /// What it does.
    pub description: String,
    /// IAM role name.
    pub role_name: String,
    /// Versions, newest first.
    pub versions: Vec<IndexEntry>,
}

/// A version on the index page.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct IndexEntry {
    /// Version.
    pub version: String,
    /// The manifest's current version.
    pub current: bool,
    /// Recorded as released.
    pub released: bool,
    /// HTML review, relative to `generated/`.
    pub html: String,
    /// Markdown review, relative to `generated/`.
    pub markdown: String,
}
