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
//! from `templates/`.

pub mod lookup;
mod model;
mod render;
pub mod words;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use lookup::{ResourceType, ReviewLookup};
pub use model::{
    ActionDoc, Attention, Changes, Counts, Deploy, DeployParam, FeatureDoc, IndexEntry,
    IndexModule, Notice, ParamDoc, Permission, ResourceDoc, Review, StatementDoc, Trust,
};
pub use render::{render_html, render_index_html, render_index_md, render_markdown};

use crate::compile::{CompiledModule, GENERATED_DIR};
use crate::manifest::{Module, Project};

/// Document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `REVIEW.md`.
    Markdown,
    /// `review.html`, one self-contained page.
    Html,
}

/// File name of the Markdown review beside each template.
pub const MARKDOWN_FILE: &str = "REVIEW.md";
/// File name of the HTML review beside each template.
pub const HTML_FILE: &str = "review.html";
/// Index pages, relative to `generated/`.
pub const INDEX_HTML: &str = "index.html";
/// Markdown index, relative to `generated/`.
pub const INDEX_MD: &str = "README.md";

/// What the release history says about one module version. Empty (the
/// default) means no release is recorded: every feature is new in the
/// version under review.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// Version each feature first appeared in, among released versions.
    /// A feature that is not listed is new in the version under review.
    pub since: BTreeMap<String, semver::Version>,
    /// The previous released version, if any.
    pub previous: Option<semver::Version>,
    /// Per feature, what changed since `previous`.
    pub changes: Vec<crate::version::FeatureChange>,
    /// Released versions of the module (for the index), any order.
    pub released: Vec<semver::Version>,
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum ReviewError {
    /// A minijinja template failed.
    #[error("review template `{template}` failed: {message}")]
    #[diagnostic(
        code(rolesmith::review::template),
        help("this is a bug in rolesmith; please report it with the module manifest")
    )]
    Template {
        /// Template name.
        template: String,
        /// What minijinja said.
        message: String,
    },
}

/// Builds the review of one compiled module version.
pub fn review(
    lookup: &dyn ReviewLookup,
    project: &Project,
    module: &Module,
    compiled: &CompiledModule,
    history: &History,
    settings: &Settings,
) -> Review {
    model::build(lookup, project, module, compiled, history, settings)
}

/// Renders one review in the given format.
pub fn render(review: &Review, format: Format) -> Result<String, ReviewError> {
    match format {
        Format::Markdown => render_markdown(review),
        Format::Html => render_html(review),
    }
}

/// Index entries for a set of compiled modules: each module's current
/// version and its released versions (from `histories`, by module id).
pub fn index(
    project: &Project,
    compiled: &[CompiledModule],
    histories: &BTreeMap<String, History>,
) -> Vec<IndexModule> {
    model::index(project, compiled, histories)
}

/// Every review file `build` writes, paths relative to the project root:
/// `generated/<module>/<version>/REVIEW.md` and `review.html` for each
/// compiled module, and the index pages `generated/index.html` and
/// `generated/README.md`.
pub fn files(
    lookup: &dyn ReviewLookup,
    project: &Project,
    compiled: &[CompiledModule],
    histories: &BTreeMap<String, History>,
    settings: &Settings,
) -> Result<Vec<(PathBuf, Vec<u8>)>, ReviewError> {
    let empty = History::default();
    let mut out = Vec::new();
    for c in compiled {
        let Some(module) = project.modules.iter().find(|m| m.id == c.module) else {
            continue;
        };
        let history = histories.get(&c.module).unwrap_or(&empty);
        let r = review(lookup, project, module, c, history, settings);
        let dir = PathBuf::from(GENERATED_DIR).join(c.dir());
        out.push((dir.join(MARKDOWN_FILE), render_markdown(&r)?.into_bytes()));
        out.push((dir.join(HTML_FILE), render_html(&r)?.into_bytes()));
    }
    let idx = index(project, compiled, histories);
    let vendor = &project.config.vendor.name;
    out.push((
        PathBuf::from(GENERATED_DIR).join(INDEX_HTML),
        render_index_html(vendor, &idx)?.into_bytes(),
    ));
    out.push((
        PathBuf::from(GENERATED_DIR).join(INDEX_MD),
        render_index_md(vendor, &idx)?.into_bytes(),
    ));
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// The review files `build` writes for `compiled` (see [`files`]), with
/// the project's settings and no release history.
pub fn build_files(
    lookup: &dyn ReviewLookup,
    project: &Project,
    compiled: &[CompiledModule],
) -> Result<Vec<(PathBuf, Vec<u8>)>, ReviewError> {
    files(
        lookup,
        project,
        compiled,
        &BTreeMap::new(),
        &settings(project),
    )
}

/// Document settings from the project config.
pub fn settings(project: &Project) -> Settings {
    Settings {
        template_url_base: project.config.review.template_url_base.clone(),
    }
}
