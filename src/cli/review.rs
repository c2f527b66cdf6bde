//! `rolesmith review MODULE [--version V] [--format md|html]`: prints the
//! review document of a module version. The current version is compiled and
//! rendered now; an earlier version is read from its frozen document under
//! `generated/<module>/<version>/`, since its manifest is gone.
use super::{Exit, Global};
use crate::{pipeline, review};
use clap::{Args, ValueEnum};

/// Document format of `review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ReviewFormat {
    /// Markdown (`REVIEW.md`).
    #[default]
    Md,
    /// One self-contained HTML page (`review.html`).
    Html,
}

/// Arguments of `review`.
#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Module id.
    pub module: String,
    /// Version to review (default: the manifest's current version).
    #[arg(long)]
    pub version: Option<String>,
    /// Document format.
    #[arg(long, value_enum, default_value_t = ReviewFormat::Md)]
    pub format: ReviewFormat,
}

/// Runs `review`: 0 printed, 1 invalid manifests, 2 unknown module or
/// version, unreadable config.
pub fn run(g: &Global, a: &ReviewArgs) -> Exit {
    let l = match super::project::load_quiet(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let Some(module) = l.project.modules.iter().find(|m| m.id == a.module) else {
        let ids: Vec<&str> = l.project.modules.iter().map(|m| m.id.as_str()).collect();
        let hint = crate::iam::suggest::best(&a.module, ids.iter().copied())
            .map(|id| format!("did you mean `{id}`? "))
            .unwrap_or_default();
        let known = if ids.is_empty() {
            "none".to_string()
        } else {
            ids.iter()
                .map(|i| format!("`{i}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        super::eprint_error(format!(
            "unknown module `{}`; {hint}modules: {known}",
            a.module
        ));
        return Exit::Failure;
    };
    let format = match a.format {
        ReviewFormat::Md => review::Format::Markdown,
        ReviewFormat::Html => review::Format::Html,
    };
    let wanted = match &a.version {
        None => module.version.clone(),
        Some(v) => match semver::Version::parse(v) {
            Ok(w) => w,
            Err(e) => {
                super::eprint_error(format!(
                    "`--version {v}` is not a version ({e}); give MAJOR.MINOR.PATCH, e.g. `1.2.0`"
                ));
                return Exit::Failure;
            }
        },
    };
    // The current version's document is the one `build` writes now (same
    // compiled module, same history); an earlier version's is frozen on disk.
    let text = match l.review(&module.id, Some(&wanted), format) {
        Ok(t) => t,
        Err(e) => return super::project::report(e, "review"),
    };
    match text {
        Some(text) => {
            super::print_out(&text);
            Exit::Ok
        }
        None => {
            super::eprint_error(format!(
                "module `{}` has no review of version `{wanted}` in `{}` (current version: `{}`); give a version that `rolesmith build` wrote, or omit `--version`",
                module.id,
                pipeline::layout::GENERATED_DIR,
                module.version
            ));
            Exit::Failure
        }
    }
}
