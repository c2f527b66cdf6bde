//! `rolesmith explain MESSAGE` (or `-`: log lines on stdin, one answer
//! each): reads AWS `AccessDenied` messages and says which module, which
//! feature, which version to deploy and what to do ([`crate::explain`]).
//! This file reads the input and the released templates and prints.

use std::io::BufRead;

use clap::Args;

use super::{Exit, Format, Global};
use crate::explain::{self, Answer, Context, ExplainError};
use crate::pipeline::{Loaded, layout};

/// Arguments of `explain`.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 every line was explained; 1 a line was not an AccessDenied message \
(each gets its own error, the others are still answered); 2 bad arguments or a project that does not load.\n\
With `-`, blank lines are skipped and every other line gets one answer, in order \
(with `--format json`, one JSON object per line: the answer, or {\"line\", \"error\"})."
)]
pub struct ExplainArgs {
    /// The AccessDenied message (quote it), or `-` to read log lines from stdin.
    pub message: String,
    /// The tenant's deployed module version, when known (the mapping table's
    /// `deployed_version`): decides between "deploy a newer version" and
    /// "the customer changed the role".
    #[arg(long, value_name = "VERSION")]
    pub deployed: Option<String>,
    /// Output format: text, or JSON (one object; JSON Lines with `-`).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// One input line's outcome.
enum Outcome {
    Answer(Box<Answer>),
    Error(ExplainError),
}

/// Runs `explain`.
pub fn run(g: &Global, a: &ExplainArgs) -> Exit {
    let deployed = match a.deployed.as_deref().map(semver::Version::parse) {
        None => None,
        Some(Ok(v)) => Some(v),
        Some(Err(e)) => {
            super::eprint_error(format!(
                "`--deployed {}` is not a version ({e}); give MAJOR.MINOR.PATCH, e.g. `1.2.0`",
                a.deployed.as_deref().unwrap_or_default()
            ));
            return Exit::Failure;
        }
    };
    let l = match super::project::load_quiet(g) {
        Ok(l) => l,
        // The project is the input of every answer: a project that does not load is a usage error here.
        Err(_) => return Exit::Failure,
    };
    let template = |module: &str, version: &semver::Version| template_of(&l, module, version);
    let ctx = Context {
        project: &l.project,
        compiled: &l.compiled,
        ledger: &l.ledger,
        deployed: deployed.as_ref(),
        template: &template,
    };
    let answer = |line: &str| match explain::parse(line) {
        Ok(d) => Outcome::Answer(Box::new(explain::explain(&ctx, &d))),
        Err(e) => Outcome::Error(e),
    };
    if a.message != "-" {
        let outcome = answer(&a.message);
        return match outcome {
            Outcome::Answer(ans) => {
                match a.format {
                    Format::Text => super::print_out(&format!("{}\n", ans.to_text())),
                    Format::Json => match crate::json::pretty(&ans) {
                        Ok(t) => super::print_out(&t),
                        Err(e) => {
                            super::eprint_error(format!("cannot serialise the answer: {e}"));
                            return Exit::Failure;
                        }
                    },
                }
                Exit::Ok
            }
            Outcome::Error(e) => {
                super::eprint_error(e);
                Exit::Problems
            }
        };
    }
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let mut buf = Vec::new();
    let mut number = 0usize;
    let mut failed = 0usize;
    loop {
        buf.clear();
        match input.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                super::eprint_error(format!("cannot read stdin: {e}"));
                return Exit::Failure;
            }
        }
        number += 1;
        let text = String::from_utf8_lossy(&buf);
        let line = text.trim();
        if line.is_empty() {
            continue;
        }
        match answer(line) {
            Outcome::Answer(ans) => match a.format {
                Format::Text => {
                    super::print_out(&format!("line {number}: {}\n", ans.to_text()));
                }
                Format::Json => {
                    let mut v = serde_json::to_value(&*ans).unwrap_or_default();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("line".into(), number.into());
                    }
                    super::print_out(&format!("{v}\n"));
                }
            },
            Outcome::Error(e) => {
                failed += 1;
                match a.format {
                    Format::Text => super::eprint_error(format!("line {number}: {e}")),
                    Format::Json => super::print_out(&format!(
                        "{}\n",
                        serde_json::json!({ "line": number, "error": e.to_string() })
                    )),
                }
            }
        }
    }
    if failed > 0 {
        super::eprint_error(format!(
            "{failed} of the lines {} not an AccessDenied message",
            if failed == 1 { "was" } else { "were" }
        ));
        return Exit::Problems;
    }
    Exit::Ok
}

/// The template of a module version: the compiled one for the current
/// version, the released file for the others (`None` when missing).
fn template_of(
    l: &Loaded<'_>,
    module: &str,
    version: &semver::Version,
) -> Option<serde_json::Value> {
    if let Some(c) = l
        .compiled
        .iter()
        .find(|c| c.module == module && c.version == *version)
    {
        return Some(c.template.clone());
    }
    let bytes = std::fs::read(l.root.join(layout::template(module, version))).ok()?;
    serde_json::from_slice(&bytes).ok()
}
