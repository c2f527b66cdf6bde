//! `rolesmith validate`: loads the config and every manifest, reports every
//! problem at once (stderr, or stdout as JSON) and writes nothing.
use super::{Exit, Format, Global};
use crate::manifest::{self, Diagnostics, Project};
use crate::pipeline::{self, PipelineError};
use clap::Args;

/// Arguments of `validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Output format: `text` (diagnostics on stderr) or `json` (a report on stdout).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `validate`: 0 valid, 1 problems found, 2 config or a manifest unreadable.
pub fn run(g: &Global, a: &ValidateArgs) -> Exit {
    if let Err(e) = std::fs::metadata(&g.config).and_then(|m| {
        if m.is_file() {
            Ok(())
        } else {
            Err(std::io::Error::other("not a file"))
        }
    }) {
        super::eprint_error(format!(
            "cannot read the config `{}`: {e}; pass `--config PATH` to the project's rolesmith.yaml",
            g.config.display()
        ));
        return Exit::Failure;
    }
    let project = manifest::load_project(crate::catalogue::catalogue(), &g.config);
    // Every check `build` runs, writing nothing: compile (size budgets,
    // policy count) and the versioning step against the ledger.
    let project = match project {
        Ok(project) => {
            // Warnings first, as `build` prints them, whatever comes after.
            if a.format == Format::Text {
                eprint_warnings(&project.warnings);
            }
            let warnings = project.warnings.clone();
            match later_checks(g, project) {
                Ok(project) => Ok(project),
                Err(e) => return report_later(e, a.format, &warnings),
            }
        }
        Err(d) => Err(d),
    };
    match project {
        Ok(project) => {
            match a.format {
                Format::Text => super::print_out(&format!("{}\n", summary(&project))),
                Format::Json => super::print_out(&format!(
                    "{}\n",
                    serde_json::json!({
                        "valid": true,
                        "modules": project.modules.len(),
                        "features": features(&project),
                        "actions": actions(&project),
                        "problems": [],
                        "warnings": project.warnings,
                    })
                )),
            }
            Exit::Ok
        }
        Err(diags) => {
            match a.format {
                Format::Text => {
                    eprint_problems(&diags);
                    eprint_warnings(&diags.warnings);
                    super::eprint_error(format!("validation failed: {diags}"));
                }
                Format::Json => super::print_out(&format!(
                    "{}\n",
                    serde_json::json!({"valid": false, "problems": diags.problems, "warnings": diags.warnings})
                )),
            }
            exit_for(&diags)
        }
    }
}

/// Compiles the project and runs `build`'s versioning step on it.
fn later_checks(g: &Global, project: Project) -> Result<Project, PipelineError> {
    let l = pipeline::from_project(crate::catalogue::catalogue(), g.root(), project)?;
    l.build(false)?;
    Ok(l.project)
}

/// Reports what compiling or versioning found, as text or in the JSON report.
fn report_later(e: PipelineError, format: Format, warnings: &[crate::manifest::Problem]) -> Exit {
    match format {
        Format::Text => super::project::report(e, "validation"),
        Format::Json => {
            let exit = match e.exit_class() {
                pipeline::Class::Problems => Exit::Problems,
                pipeline::Class::Failure => Exit::Failure,
            };
            let problems: Vec<serde_json::Value> = match &e {
                PipelineError::Compile(errors) => errors.iter().map(|e| problem_json(e)).collect(),
                PipelineError::Version(errors) => errors
                    .iter()
                    .map(|e| {
                        let mut p = problem_json(e);
                        if let (Some(at), Some(o)) = (e.manifest_at(), p.as_object_mut()) {
                            o.insert("file".into(), at.file.clone().into());
                            o.insert("line".into(), at.line.into());
                            o.insert("column".into(), at.column.into());
                        }
                        p
                    })
                    .collect(),
                other => vec![problem_json(other)],
            };
            super::print_out(&format!(
                "{}\n",
                serde_json::json!({"valid": false, "problems": problems, "warnings": warnings})
            ));
            exit
        }
    }
}

/// A compile or versioning problem in the shape of a manifest problem
/// (without a position: it is about a module, not a line).
fn problem_json(d: &dyn miette::Diagnostic) -> serde_json::Value {
    serde_json::json!({
        "code": d.code().map(|c| c.to_string()),
        "message": d.to_string(),
        "help": d.help().map(|h| h.to_string()),
    })
}

/// How many problems text output renders: past that a screenful of
/// snippets helps nobody (and rendering each one rescans its file).
pub(super) const SHOWN_PROBLEMS: usize = 50;

/// Renders the first [`SHOWN_PROBLEMS`] problems to stderr and counts the rest.
pub(super) fn eprint_problems(diags: &Diagnostics) {
    for p in diags.iter().take(SHOWN_PROBLEMS) {
        super::eprint_diagnostic(p.clone());
    }
    if diags.len() > SHOWN_PROBLEMS {
        super::eprint_error(format!(
            "{} more problems not shown ({}); `rolesmith validate --format json` lists them all",
            diags.len() - SHOWN_PROBLEMS,
            by_kind(diags.iter().skip(SHOWN_PROBLEMS).map(|p| p.kind.code()))
        ));
    }
}

/// `manifest::broad_resource: 120, manifest::unused_parameter: 3`: how many
/// of each code, most first (then by code).
fn by_kind<'a>(codes: impl Iterator<Item = &'a str>) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for c in codes {
        *counts.entry(c).or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
        .iter()
        .map(|(c, n)| format!("{c}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Renders warnings to stderr (at most [`SHOWN_PROBLEMS`]), then a count.
pub(super) fn eprint_warnings(warnings: &[crate::manifest::Problem]) {
    for p in warnings.iter().take(SHOWN_PROBLEMS) {
        super::eprint_diagnostic(p.clone());
    }
    if warnings.len() > SHOWN_PROBLEMS {
        super::eprint_warning(&format!(
            "{} more warnings not shown ({}); `rolesmith validate --format json` lists them all",
            warnings.len() - SHOWN_PROBLEMS,
            by_kind(warnings.iter().skip(SHOWN_PROBLEMS).map(|p| p.kind.code()))
        ));
    }
}

/// 2 when a file could not be read at all (the tool could not do its job),
/// else 1: the same rule for `validate` and `build`.
pub(super) fn exit_for(diags: &Diagnostics) -> Exit {
    if diags
        .iter()
        .any(|p| p.kind == crate::manifest::ProblemKind::Unreadable)
    {
        Exit::Failure
    } else {
        Exit::Problems
    }
}

fn features(p: &Project) -> usize {
    p.modules.iter().map(|m| m.features.len()).sum()
}

fn actions(p: &Project) -> usize {
    p.modules
        .iter()
        .flat_map(|m| &m.features)
        .map(|f| f.actions.len())
        .sum()
}

/// `ok: 6 modules, 23 features, 71 actions`.
pub fn summary(p: &Project) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "ok: {}, {}, {}",
        plural(p.modules.len(), "module"),
        plural(features(p), "feature"),
        plural(actions(p), "action")
    )
}
