//! The validated model: what the rest of rolesmith works with. Every value
//! here has passed validation (names canonical, versions parsed, placeholders
//! checked), so later stages never re-check user input.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// Project configuration (`rolesmith.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Vendor identity.
    pub vendor: Vendor,
    /// How module roles are shaped.
    pub roles: RolesConfig,
    /// Review documents.
    pub review: ReviewConfig,
}

/// Settings of the review documents (`review:` in `rolesmith.yaml`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReviewConfig {
    /// `https://` base under which templates are published as
    /// `<base>/<module>/<version>/template.json`; enables the console
    /// quick-create link. No trailing `/`.
    pub template_url_base: Option<String>,
}

/// The vendor whose authoriser role every module role trusts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vendor {
    /// Display name, used in descriptions and review documents.
    pub name: String,
    /// 12-digit account id.
    pub account_id: String,
    /// Authoriser role name, optionally with a path (`portal/CXPortalAuthoriserRole`).
    pub authoriser_role: String,
}

impl Vendor {
    /// ARN of the authoriser role, with `partition` (e.g. `aws` or `${AWS::Partition}`).
    pub fn authoriser_arn(&self, partition: &str) -> String {
        format!(
            "arn:{partition}:iam::{}:role/{}",
            self.account_id, self.authoriser_role
        )
    }
}

/// Role settings shared by every module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolesConfig {
    /// Role name = prefix + module id.
    pub name_prefix: String,
    /// Seconds, 3600..=43200.
    pub max_session_duration: u32,
    /// Require `sts:ExternalId` in every trust policy.
    pub external_id: bool,
    /// Add an optional `PermissionsBoundaryArn` parameter.
    pub permissions_boundary: bool,
    /// Let each role read its own IAM definition.
    pub self_audit: bool,
    /// Tags added to every role.
    pub tags: BTreeMap<String, String>,
    /// Where derived ARNs point, for modules that do not say (`roles.regions`).
    pub regions: Regions,
    /// Managed policies a role may have attached (`roles.max_managed_policies`,
    /// 10..=20: IAM's default quota is 10, raisable to 20); what does not fit
    /// goes into the role's inline policy.
    pub max_managed_policies: usize,
}

/// The region derived ARNs name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Regions {
    /// The stack's region (`${AWS::Region}`): the role acts where it is deployed.
    #[default]
    Stack,
    /// Any region (`*`): one role for the customer's resources in every region.
    Any,
}

impl Regions {
    /// What `${Region}` of a catalogue ARN format becomes.
    pub fn binding(self) -> &'static str {
        match self {
            Regions::Stack => "${AWS::Region}",
            Regions::Any => "*",
        }
    }
}

/// A validated module manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Module id (file stem).
    pub id: String,
    /// Current version.
    pub version: semver::Version,
    /// What the module does.
    pub description: String,
    /// Declared parameters, by name.
    pub parameters: BTreeMap<String, Parameter>,
    /// Features, in manifest order.
    pub features: Vec<Feature>,
    /// `regions` of the manifest; `None`: the config's `roles.regions`.
    pub regions: Option<Regions>,
    /// Line of each feature's `id` in the manifest (for messages only).
    pub feature_lines: BTreeMap<String, usize>,
    /// Line and column (1-based; 0 when unknown) of the `version` value.
    pub version_at: (usize, usize),
    /// Manifest file, relative to the project root (for messages only).
    pub source: PathBuf,
    /// `sha256:<hex>` of the manifest file's bytes.
    pub digest: String,
}

impl Module {
    /// `modules/x.yaml:12`: where feature `feature` is written (the file
    /// alone when the line is unknown), for messages of later stages.
    pub fn location(&self, feature: &str) -> String {
        let file = self.source_text();
        match self.feature_lines.get(feature) {
            Some(line) => format!("{file}:{line}"),
            None => file,
        }
    }

    /// The manifest file as `/`-separated text, line and column of its
    /// `version` value: where versioning problems point.
    pub fn version_location(&self) -> (String, usize, usize) {
        (self.source_text(), self.version_at.0, self.version_at.1)
    }

    /// The manifest file as `/`-separated text, on every platform.
    fn source_text(&self) -> String {
        self.source
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The region this module's derived ARNs name, under `config`.
    pub fn regions(&self, config: &Config) -> Regions {
        self.regions.unwrap_or(config.roles.regions)
    }
}

/// A module parameter (a CloudFormation `String` parameter).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parameter {
    /// Why the customer has to give it.
    pub description: String,
    /// `AllowedPattern`.
    pub pattern: Option<String>,
    /// Default value.
    pub default: Option<String>,
    /// `MaxLength` (1..=4096, default 128); also the length assumed for
    /// worst-case policy size budgets.
    pub max_length: u32,
}

/// One feature of a module: the actions it needs and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feature {
    /// Feature id, unique in the module.
    pub id: String,
    /// Why the feature needs these actions.
    pub description: String,
    /// Actions in the catalogue's spelling (`connect:DescribeContactFlow`),
    /// or wildcard patterns when `wildcard_reason` is set; sorted, unique.
    pub actions: Vec<String>,
    /// Explicit resources (`Fn::Sub` strings); `None` means derived from the catalogue.
    pub resources: Option<Vec<String>>,
    /// IAM condition block: operator -> key -> values (`Fn::Sub` strings).
    pub conditions: Conditions,
    /// Why a wildcard action is acceptable.
    pub wildcard_reason: Option<String>,
}

/// Condition blocks are IAM vocabulary; re-exported where manifests use them.
pub use crate::iam::Conditions;

/// A loaded, validated project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    /// Project root (folder of `rolesmith.yaml`).
    pub root: PathBuf,
    /// The config.
    pub config: Config,
    /// Modules sorted by id.
    pub modules: Vec<Module>,
    /// Warnings found while validating (the project is valid), in file order.
    pub warnings: Vec<crate::manifest::Problem>,
}
