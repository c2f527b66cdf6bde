//! Review documents for customer security teams: per module version, what
//! the role lets the vendor do, who can assume it, what deserves a second
//! look, what changed, how to deploy it and what the document cannot prove.
//!
//! Invariant: a document is built from the [`CompiledModule`] alone (its
//! grants, trust policy and template), the same values that become the
//! template, so the two cannot disagree; the module model only adds the
//! words (descriptions, wildcard reasons). Rendering is pure and
//! deterministic (no clock, no paths): Markdown and one self-contained HTML
//! page per version, and an index, through `minijinja` templates embedded
//! from `templates/`. Where the documents go is the pipeline's business:
//! the index is given each document's link.

mod deploy;
mod doc;
mod index;
pub mod lookup;
mod model;
mod render;
pub mod words;

use std::collections::BTreeMap;

pub use deploy::{
    TEMPLATE_BODY_LIMIT, module_quick_create_url, needs_s3, quick_create_url,
    release_quick_create_url, template_url, thousands,
};
pub use doc::{
    ActionDoc, Attention, Changes, Counts, Deploy, DeployParam, FeatureDoc, IndexEntry,
    IndexModule, Notice, ParamDoc, Permission, ResourceDoc, Review, StatementDoc, Trust,
};
pub use lookup::ResourceType;
pub use model::review;
pub use render::{
    render_html, render_index_html, render_index_md, render_markdown, render_vendor_md,
};

use crate::compile::{CompiledModule, Grant};
use crate::manifest::Project;
use crate::version::Ledger;

/// Document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `REVIEW.md`.
    Markdown,
    /// `review.html`, one self-contained page.
    Html,
}

/// What the release history says about one module version. Empty (the
/// default) means no release is recorded: every feature is new in the
/// version under review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// The previous released version, if any.
    pub previous: Option<semver::Version>,
    /// Per feature, what changed since `previous`.
    pub changes: Vec<crate::version::FeatureChange>,
    /// Released versions of the module (for the index), any order.
    pub released: Vec<semver::Version>,
    /// The feature grants of every released version below the one under
    /// review, ascending, with its self-audit grants where the ledger knows
    /// them: each permission's "Added in" is the first of them from which
    /// every later one grants it (by coverage).
    pub granted: Vec<(semver::Version, Vec<Grant>)>,
    /// Released versions (of `granted`) whose self-audit grants the ledger
    /// does not know: a self-audit row's "Added in" walk stops there.
    pub self_audit_unknown: Vec<semver::Version>,
}

impl History {
    /// What the ledger says about `current`: the previous released version
    /// and what each feature gained or lost since it, every released
    /// version, and the grants of the releases below `current`.
    pub fn of(ledger: &Ledger, current: &CompiledModule) -> History {
        let previous = ledger.previous(&current.module, &current.version);
        History {
            previous: previous.map(|p| p.version.clone()),
            changes: previous
                .map(|p| crate::version::feature_changes(&p.grants, &current.grants))
                .unwrap_or_default(),
            released: ledger
                .releases(&current.module)
                .iter()
                .map(|r| r.version.clone())
                .collect(),
            granted: ledger
                .releases(&current.module)
                .iter()
                .filter(|r| r.version < current.version)
                .map(|r| {
                    let mut grants = r.grants.clone();
                    grants.extend(r.self_audit.iter().flatten().cloned());
                    (r.version.clone(), grants)
                })
                .collect(),
            self_audit_unknown: ledger
                .releases(&current.module)
                .iter()
                .filter(|r| r.version < current.version && r.self_audit.is_none())
                .map(|r| r.version.clone())
                .collect(),
        }
    }
}

/// Project-wide settings of the documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Where templates are published (`https://bucket.s3.amazonaws.com/roles`):
    /// `<base>/<module>/<version>/template.json`. Enables the console
    /// quick-create link.
    pub template_url_base: Option<String>,
}

/// Why a review document could not be rendered (a template defect, never
/// the user's input).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReviewError {
    /// A minijinja template failed.
    #[error("review template `{template}` failed")]
    #[diagnostic(
        code(rolesmith::review::template),
        help("this is a bug in rolesmith; please report it with the module manifest")
    )]
    Template {
        /// Template name.
        template: String,
        /// What minijinja said.
        #[source]
        source: minijinja::Error,
    },
    /// The document model could not be turned into template values.
    #[error("the {document} could not be prepared for its template")]
    #[diagnostic(
        code(rolesmith::review::model),
        help("this is a bug in rolesmith; please report it with the module manifest")
    )]
    Model {
        /// Which document (`review of \`m\` 1.0.0`, `index`).
        document: String,
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

/// Renders one review in the given format.
pub fn render(review: &Review, format: Format) -> Result<String, ReviewError> {
    match format {
        Format::Markdown => render_markdown(review),
        Format::Html => render_html(review),
    }
}

/// Index entries for a set of compiled modules: each module's current
/// version and its released versions (from `histories`, by module id);
/// `link` gives a version's document path relative to the index.
pub fn index(
    project: &Project,
    compiled: &[CompiledModule],
    histories: &BTreeMap<String, History>,
    link: &dyn Fn(&str, &semver::Version, Format) -> String,
) -> Vec<IndexModule> {
    index::index(project, compiled, histories, link)
}

/// Document settings from the project config.
pub fn settings(config: &crate::manifest::Config) -> Settings {
    Settings {
        template_url_base: config.review.template_url_base.clone(),
    }
}
