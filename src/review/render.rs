//! Rendering with `minijinja`: templates embedded from `templates/`, HTML
//! auto-escaped (templates ending in `.html`), undefined variables are
//! errors so a template typo fails the tests instead of printing nothing.

use minijinja::Environment;
use minijinja::value::Value;
use serde::Serialize;

use super::ReviewError;
use super::doc::{IndexModule, Review};
use crate::compile::vendor::{self, VendorPolicy};

const REVIEW_MD: &str = include_str!("templates/review.md");
const REVIEW_HTML: &str = include_str!("templates/review.html");
const INDEX_MD: &str = include_str!("templates/index.md");
const INDEX_HTML: &str = include_str!("templates/index.html");
const VENDOR_MD: &str = include_str!("templates/vendor.md");
const STYLE_CSS: &str = include_str!("templates/style.css");

/// Escapes text for HTML.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// HTML for words that mark names with backticks: escaped, then each
/// backticked run becomes `<code>`.
fn words_html(s: String) -> Value {
    let escaped = escape_html(&s);
    let mut out = String::with_capacity(escaped.len() + 16);
    let mut open = false;
    for part in escaped.split('`') {
        out.push_str(part);
        out.push_str(if open { "</code>" } else { "<code>" });
        open = !open;
    }
    // Drop the tag added after the last part.
    let trailing = if open { "<code>" } else { "</code>" };
    if let Some(stripped) = out.strip_suffix(trailing) {
        out.truncate(stripped.len());
    }
    if !open {
        // An odd number of backticks left a `<code>` open: close it.
        out.push_str("</code>");
    }
    Value::from_safe_string(out)
}

/// An attribute value: escaped like text, but `/` kept as is so links read
/// naturally in the source.
fn attr(s: String) -> Value {
    Value::from_safe_string(escape_html(&s))
}

/// Text for a Markdown table cell: no line breaks, `|` escaped.
fn cell(s: String) -> String {
    s.replace('\n', " ").replace('|', "\\|")
}

/// Free text (descriptions, reasons) for Markdown: characters that would
/// start markup are escaped, so `<x>` or `a_b_c` read as written.
fn md(s: String) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '<' | '>' | '[' | ']' | '#' | '|'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// CSS classes of an access level: `Tagging, Write` -> `level level-tagging level-write`.
fn level_class(level: String) -> String {
    let mut out = "level".to_string();
    for part in level.split(',') {
        out.push_str(" level-");
        out.push_str(&anchor(part.trim().to_string()));
    }
    out
}

/// An `id` attribute value from any text.
fn anchor(s: String) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect()
}

fn context(document: &str, v: &impl Serialize) -> Result<Value, ReviewError> {
    serde_json::to_value(v)
        .map(|j| crate::json::template_value(&j))
        .map_err(|source| ReviewError::Model {
            document: document.to_string(),
            source,
        })
}

fn environment() -> Result<Environment<'static>, ReviewError> {
    let mut env = crate::json::template_environment().map_err(|e| err("syntax", e))?;
    env.add_filter("words", words_html);
    env.add_filter("cell", cell);
    env.add_filter("md", md);
    env.add_filter("attr", attr);
    env.add_filter("anchor", anchor);
    env.add_filter("level_class", level_class);
    for (name, src) in [
        ("review.md", REVIEW_MD),
        ("review.html", REVIEW_HTML),
        ("index.md", INDEX_MD),
        ("index.html", INDEX_HTML),
        ("vendor.md", VENDOR_MD),
    ] {
        env.add_template(name, src).map_err(|e| err(name, e))?;
    }
    Ok(env)
}

fn err(template: &str, e: minijinja::Error) -> ReviewError {
    ReviewError::Template {
        template: template.to_string(),
        source: e,
    }
}

fn render(name: &str, ctx: Value) -> Result<String, ReviewError> {
    let env = environment()?;
    let t = env.get_template(name).map_err(|e| err(name, e))?;
    let mut s = t.render(ctx).map_err(|e| err(name, e))?;
    // One trailing newline, whatever the template's whitespace.
    while s.ends_with("\n\n") {
        s.pop();
    }
    if !s.ends_with('\n') {
        s.push('\n');
    }
    Ok(s)
}

/// Markdown review (`REVIEW.md`).
pub fn render_markdown(r: &Review) -> Result<String, ReviewError> {
    let doc = format!("review of `{}` {}", r.module, r.version);
    render("review.md", minijinja::context! { r => context(&doc, r)? })
}

/// Self-contained HTML review (`review.html`): inline CSS, no scripts,
/// fonts, images or links to anything but the optional quick-create page.
pub fn render_html(r: &Review) -> Result<String, ReviewError> {
    let doc = format!("review of `{}` {}", r.module, r.version);
    render(
        "review.html",
        minijinja::context! { r => context(&doc, r)?, style => Value::from_safe_string(STYLE_CSS.to_string()) },
    )
}

/// Markdown index (`generated/README.md`).
pub fn render_index_md(vendor: &str, modules: &[IndexModule]) -> Result<String, ReviewError> {
    render(
        "index.md",
        minijinja::context! { vendor => vendor, modules => context("index", &modules)? },
    )
}

/// HTML index (`generated/index.html`).
pub fn render_index_html(vendor: &str, modules: &[IndexModule]) -> Result<String, ReviewError> {
    render(
        "index.html",
        minijinja::context! { vendor => vendor, modules => context("index", &modules)?, style => Value::from_safe_string(STYLE_CSS.to_string()) },
    )
}

/// The vendor side's review (`generated/vendor/REVIEW.md`).
pub fn render_vendor_md(v: &VendorPolicy) -> Result<String, ReviewError> {
    render(
        "vendor.md",
        minijinja::context! {
            v => context("vendor review", v)?,
            partition => vendor::POLICY_JSON_PARTITION,
            sid => vendor::STATEMENT_SID,
            action => vendor::ASSUME_ROLE,
            external_id => v.external_id,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_code_and_are_escaped() {
        assert_eq!(
            words_html("the role `<x>` & `y`".into()).to_string(),
            "the role <code>&lt;x&gt;</code> &amp; <code>y</code>"
        );
        assert_eq!(words_html("plain".into()).to_string(), "plain");
        assert_eq!(
            words_html("odd `tick".into()).to_string(),
            "odd <code>tick</code>"
        );
    }

    #[test]
    fn cells_escape_pipes() {
        assert_eq!(cell("a|b\nc".into()), "a\\|b c");
    }
}
