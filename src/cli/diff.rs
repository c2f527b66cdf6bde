//! `rolesmith diff MODULE [FROM [TO]]`: permissions added and removed per
//! feature, parameter changes, the bump the change requires, the policy
//! statements matched by content and the diff of the rest of the template,
//! as text or JSON.
use clap::Args;

use super::{Exit, Format, Global};
use crate::pipeline::PipelineError;

/// Arguments of `diff`.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// Module id.
    pub module: String,
    /// Version to compare from (default: the last released version before TO).
    pub from: Option<String>,
    /// Version to compare to (default: the current manifest version).
    pub to: Option<String>,
    /// Report format: text, or JSON (features, parameters, verdict,
    /// statements, template_diff).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `diff`: 0 with the report on stdout, 2 for an unknown module or
/// version or unreadable files (a difference is not a problem).
pub fn run(g: &Global, a: &DiffArgs) -> Exit {
    // No versioning step: a refused change is exactly what one wants to diff.
    let l = match super::project::load_quiet(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    let d = match l.diff(&a.module, a.from.as_deref(), a.to.as_deref()) {
        Ok(d) => d,
        Err(PipelineError::Version(errors)) => {
            for e in errors {
                super::eprint_diagnostic(e);
            }
            return Exit::Failure;
        }
        Err(e) => return super::project::report(e, "diff"),
    };
    let text = match a.format {
        Format::Text => d.to_text(),
        Format::Json => match d.to_json() {
            Ok(t) => t,
            Err(e) => {
                super::eprint_error(format!("cannot serialise the diff: {e}"));
                return Exit::Failure;
            }
        },
    };
    super::print_out(&text);
    Exit::Ok
}
