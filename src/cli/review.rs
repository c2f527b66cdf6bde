//! `rolesmith review MODULE [--version V] [--format md|html]`: prints the
//! review document of a module version. The current version is compiled and
//! rendered now; an earlier version is read from its frozen document under
//! `generated/<module>/<version>/`, since its manifest is gone.
use super::{Exit, Global};
use crate::{catalogue, compile, manifest, review};
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
    if !g.config.is_file() {
        super::eprint_error(format!(
            "cannot read the config `{}`; pass `--config PATH` to the project's rolesmith.yaml",
            g.config.display()
        ));
        return Exit::Failure;
    }
    let project = match manifest::load_project(&g.config) {
        Ok(p) => p,
        Err(diags) => {
            for p in diags.iter() {
                super::eprint_diagnostic(p.clone());
            }
            super::eprint_error(format!(
                "cannot review: {diags}; run `rolesmith validate` and fix them"
            ));
            let unreadable = diags.iter().any(|p| p.code == "manifest::unreadable");
            return if unreadable {
                Exit::Failure
            } else {
                Exit::Problems
            };
        }
    };
    let Some(module) = project.modules.iter().find(|m| m.id == a.module) else {
        let ids: Vec<&str> = project.modules.iter().map(|m| m.id.as_str()).collect();
        let hint = ids
            .iter()
            .filter(|id| strsim::damerau_levenshtein(id, &a.module) <= 3)
            .min_by_key(|id| strsim::damerau_levenshtein(id, &a.module))
            .map(|id| format!("did you mean `{id}`? "))
            .unwrap_or_default();
        super::eprint_error(format!(
            "unknown module `{}`; {hint}modules: {}",
            a.module,
            if ids.is_empty() {
                "none".to_string()
            } else {
                ids.iter()
                    .map(|i| format!("`{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        ));
        return Exit::Failure;
    };
    let file = match a.format {
        ReviewFormat::Md => review::MARKDOWN_FILE,
        ReviewFormat::Html => review::HTML_FILE,
    };
    if let Some(v) = &a.version {
        let wanted = match semver::Version::parse(v) {
            Ok(w) => w,
            Err(e) => {
                super::eprint_error(format!(
                    "`--version {v}` is not a version ({e}); give MAJOR.MINOR.PATCH, e.g. `1.2.0`"
                ));
                return Exit::Failure;
            }
        };
        if wanted != module.version {
            // An earlier (released) version: its document is frozen on disk.
            let path = g
                .root()
                .join(compile::GENERATED_DIR)
                .join(&module.id)
                .join(wanted.to_string())
                .join(file);
            return match std::fs::read_to_string(&path) {
                Ok(text) => {
                    super::print_out(&text);
                    Exit::Ok
                }
                Err(_) => {
                    super::eprint_error(format!(
                        "module `{}` has no review of version `{wanted}` in `{}` (current version: `{}`); give a version that `rolesmith build` wrote, or omit `--version`",
                        module.id,
                        compile::GENERATED_DIR,
                        module.version
                    ));
                    Exit::Failure
                }
            };
        }
    }
    let cat = catalogue::catalogue();
    let compiled = match compile::compile_module_with(cat, &project.config, module) {
        Ok(c) => c,
        Err(errors) => {
            for e in errors {
                super::eprint_diagnostic(e);
            }
            super::eprint_error(format!(
                "cannot review module `{}`: it does not compile",
                module.id
            ));
            return Exit::Problems;
        }
    };
    let doc = review::review(
        cat,
        &project,
        module,
        &compiled,
        &review::History::default(),
        &review::settings(&project),
    );
    let format = match a.format {
        ReviewFormat::Md => review::Format::Markdown,
        ReviewFormat::Html => review::Format::Html,
    };
    match review::render(&doc, format) {
        Ok(text) => {
            super::print_out(&text);
            Exit::Ok
        }
        Err(e) => {
            super::eprint_diagnostic(e);
            Exit::Failure
        }
    }
}
