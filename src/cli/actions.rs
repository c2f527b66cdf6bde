//! `rolesmith actions PATTERN`: looks actions up in the embedded catalogue
//! and prints name, access level and resource types (required ones marked).
//! Exit 0 when something matches, 1 when nothing does (with a hint), 2 for a
//! malformed pattern.

use std::fmt::Write as _;

use super::{Exit, Format, Global, eprint_diagnostic, eprint_error, print_out};
use crate::catalogue::{self, Action, Catalogue};
use crate::iam::action::ActionPattern;
use crate::iam::wildcard::has_wildcard;
use clap::Args;

/// Arguments of `actions`.
#[derive(Debug, Args)]
pub struct ActionsArgs {
    /// `service:Action` pattern, `*` and `?` allowed (case-insensitive).
    pub pattern: String,
    /// Output format: `text` (a table) or `json` (name, access level, resource types per action).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs `actions`.
pub fn run(_g: &Global, a: &ActionsArgs) -> Exit {
    let pattern = match ActionPattern::parse(&a.pattern) {
        Ok(p) => p,
        Err(e) => {
            eprint_diagnostic(e);
            return Exit::Failure;
        }
    };
    let cat = catalogue::catalogue();
    let found = cat.matching(&a.pattern);
    if found.is_empty() {
        eprint_error(no_match_message(cat, &a.pattern, pattern));
        // An empty result is still a result: keep stdout parseable for scripts.
        if a.format == Format::Json {
            print_out("[]\n");
        }
        return Exit::Problems;
    }
    match a.format {
        Format::Text => print_out(&render_text(&found)),
        Format::Json => print_out(&render_json(&found)),
    }
    Exit::Ok
}

fn no_match_message(cat: &Catalogue, raw: &str, p: ActionPattern<'_>) -> String {
    let mut msg = format!("no action in the catalogue matches `{raw}`");
    if !has_wildcard(p.service) && !cat.has_service(p.service) {
        let _ = write!(msg, "; there is no service `{}`", p.service);
        let close = cat.suggest_services(p.service, 3);
        if !close.is_empty() {
            let _ = write!(
                msg,
                "; did you mean {}?",
                quoted(close.iter().map(|s| format!("{s}:{}", p.action)))
            );
        }
        return msg;
    }
    let close = cat.suggest(raw, 3);
    if close.is_empty() {
        let _ = write!(
            msg,
            "; list the service's actions with `rolesmith actions '{}:*'`",
            p.service
        );
    } else {
        let _ = write!(msg, "; did you mean {}?", quoted(close.into_iter()));
    }
    msg
}

fn quoted(items: impl Iterator<Item = String>) -> String {
    items
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Resource types as one cell: `contact-flow*, instance` (`*` = required).
fn types_cell(a: &Action<'_>) -> String {
    if a.is_wildcard_only() {
        return "(none: granted on `*`)".to_owned();
    }
    a.resource_types
        .iter()
        .map(|t| {
            if t.required {
                format!("{}*", t.name)
            } else {
                t.name.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_text(found: &[Action<'_>]) -> String {
    let head = ["ACTION", "ACCESS LEVEL", "RESOURCE TYPES (* = required)"];
    let rows: Vec<[String; 3]> = found
        .iter()
        .map(|a| [a.name.to_owned(), a.access_level.to_owned(), types_cell(a)])
        .collect();
    let w0 = rows
        .iter()
        .map(|r| r[0].chars().count())
        .chain([head[0].len()])
        .max()
        .unwrap_or(0);
    let w1 = rows
        .iter()
        .map(|r| r[1].chars().count())
        .chain([head[1].len()])
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for r in std::iter::once(head.map(str::to_owned)).chain(rows) {
        let _ = writeln!(out, "{:w0$}  {:w1$}  {}", r[0], r[1], r[2]);
    }
    out
}

fn render_json(found: &[Action<'_>]) -> String {
    let mut s = serde_json::to_string_pretty(found).unwrap_or_else(|_| "[]".to_owned());
    s.push('\n');
    s
}
