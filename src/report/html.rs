//! A fleet report as one self-contained HTML page for support and
//! customer-success people: summary counts, a tenant x module matrix (each
//! cell says its state in a word and a symbol, not only in colour, with the
//! deployed version), the deployed versions of each module as an inline SVG
//! bar chart, and per tenant an upgrade notice (what it lacks, the version
//! to deploy, the quick-create link when templates are published).
//!
//! Invariants: no script, font, image or style sheet from anywhere (inline
//! CSS and SVG only), so the page opens offline and sends no request; every
//! value from the input is escaped (minijinja auto-escapes `.html`
//! templates, the template uses no `safe`); the same report gives the same
//! bytes (tenants and modules in the order given, versions sorted).

use std::collections::BTreeMap;

use minijinja::value::Value;

use serde::Serialize;

use super::FleetReport;
use crate::drift::{Kind, Report, Severity, Status};

const FLEET_HTML: &str = include_str!("templates/fleet.html");
const FLEET_CSS: &str = include_str!("templates/fleet.css");

/// What the page says about a module of the project (its columns, in
/// order): its latest version and, when templates are published, the
/// console quick-create link of that version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageModule {
    /// Module id.
    pub module: String,
    /// The manifest's version: the one to deploy.
    pub latest_version: String,
    /// Quick-create link of the latest version, when `review.template_url_base` is set.
    pub quick_create_url: Option<String>,
}

/// Why the page could not be rendered (a template defect, never the input).
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum ReportError {
    /// The minijinja template failed.
    #[error("report template `{template}` failed")]
    #[diagnostic(
        code(rolesmith::report::template),
        help("this is a bug in rolesmith; please report it with the fleet file")
    )]
    Template {
        /// Template name.
        template: String,
        /// What minijinja said.
        #[source]
        source: minijinja::Error,
    },
    /// The page model could not be turned into template values.
    #[error("the fleet page could not be prepared for its template")]
    #[diagnostic(
        code(rolesmith::report::model),
        help("this is a bug in rolesmith; please report it with the fleet file")
    )]
    Model {
        /// What serde said.
        #[source]
        source: serde_json::Error,
    },
}

/// The state a cell shows: the report's status, with `ok` split into up to
/// date and behind (a `version_behind` warning).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ok,
    Behind,
    Drift,
    Error,
}

impl State {
    fn of(r: &Report) -> State {
        match r.status {
            Status::Error => State::Error,
            Status::Drift => State::Drift,
            Status::Ok if r.findings.iter().any(|f| f.kind == Kind::VersionBehind) => State::Behind,
            Status::Ok => State::Ok,
        }
    }

    /// CSS class.
    fn class(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Behind => "behind",
            State::Drift => "drift",
            State::Error => "error",
        }
    }

    /// The word, for readers who do not see the colour.
    fn word(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Behind => "behind",
            State::Drift => "drift",
            State::Error => "unreadable",
        }
    }

    /// The symbol, for a glance.
    fn symbol(self) -> &'static str {
        match self {
            State::Ok => "\u{2714}",
            State::Behind => "\u{2191}",
            State::Drift => "\u{2716}",
            State::Error => "?",
        }
    }
}

#[derive(Debug, Serialize)]
struct Counts {
    checked: usize,
    ok: usize,
    behind: usize,
    drift: usize,
    error: usize,
    tenants: usize,
    modules: usize,
}

#[derive(Debug, Serialize)]
struct Cell {
    class: &'static str,
    word: &'static str,
    symbol: &'static str,
    version: String,
    role_arn: String,
}

#[derive(Debug, Serialize)]
struct Row {
    tenant: String,
    /// One list per column: usually one entry, none when the tenant has no
    /// row for the module, several when it has several roles of it.
    cells: Vec<Vec<Cell>>,
}

#[derive(Debug, Serialize)]
struct Bar {
    label: String,
    count: usize,
    latest: bool,
    y: usize,
    text_y: usize,
    width: usize,
    count_x: usize,
}

#[derive(Debug, Serialize)]
struct Chart {
    module: String,
    latest: String,
    height: usize,
    summary: String,
    bars: Vec<Bar>,
}

#[derive(Debug, Serialize)]
struct NoticeFinding {
    severity: &'static str,
    kind: &'static str,
    message: String,
    fix: String,
}

#[derive(Debug, Serialize)]
struct NoticeItem {
    module: String,
    class: &'static str,
    word: &'static str,
    symbol: &'static str,
    role_arn: String,
    deployed: String,
    latest: String,
    upgrade: bool,
    lacks: Vec<String>,
    findings: Vec<NoticeFinding>,
    quick_create_url: Option<String>,
}

#[derive(Debug, Serialize)]
struct Notice {
    tenant: String,
    anchor: String,
    items: Vec<NoticeItem>,
}

#[derive(Debug, Serialize)]
struct Page {
    counts: Counts,
    api_calls: u64,
    modules: Vec<String>,
    rows: Vec<Row>,
    charts: Vec<Chart>,
    notices: Vec<Notice>,
    up_to_date: Vec<String>,
    notes: Vec<String>,
}

/// Label of a report without a tenant (one role checked without `--tenant`).
const NO_TENANT: &str = "(no tenant)";
/// Column of rows whose module could not be known.
const NO_MODULE: &str = "(unknown module)";

// Chart geometry (px): a label column, bars up to BAR_MAX wide, the count after.
const LABEL_W: usize = 120;
const BAR_MAX: usize = 260;
const BAR_H: usize = 18;
const BAR_GAP: usize = 6;

/// The fleet report as one HTML page; `modules` gives the columns' order,
/// latest versions and quick-create links (a module of the report that it
/// does not name gets a column after them).
pub fn fleet_html(f: &FleetReport, modules: &[PageModule]) -> Result<String, ReportError> {
    let page =
        serde_json::to_value(page(f, modules)).map_err(|source| ReportError::Model { source })?;
    let mut env = crate::json::template_environment().map_err(|e| template_error("syntax", e))?;
    env.add_template("fleet.html", FLEET_HTML)
        .map_err(|e| template_error("fleet.html", e))?;
    let t = env
        .get_template("fleet.html")
        .map_err(|e| template_error("fleet.html", e))?;
    t.render(minijinja::context! {
        page => crate::json::template_value(&page),
        // Our own style sheet, not input: inserted as is.
        style => Value::from_safe_string(FLEET_CSS.to_string()),
    })
    .map_err(|e| template_error("fleet.html", e))
}

fn template_error(template: &str, source: minijinja::Error) -> ReportError {
    ReportError::Template {
        template: template.to_string(),
        source,
    }
}

fn tenant_of(r: &Report) -> String {
    r.tenant.clone().unwrap_or_else(|| NO_TENANT.to_string())
}

fn module_of(r: &Report) -> &str {
    if r.module.is_empty() {
        NO_MODULE
    } else {
        &r.module
    }
}

fn page(f: &FleetReport, modules: &[PageModule]) -> Page {
    // Columns: the project's modules that the fleet has, in the project's
    // order, then any other module of the report in the report's order.
    let mut columns: Vec<String> = modules
        .iter()
        .filter(|m| f.results.iter().any(|r| r.module == m.module))
        .map(|m| m.module.clone())
        .collect();
    let mut tenants: Vec<String> = Vec::new();
    for r in &f.results {
        let m = module_of(r).to_string();
        if !columns.contains(&m) {
            columns.push(m);
        }
        let t = tenant_of(r);
        if !tenants.contains(&t) {
            tenants.push(t);
        }
    }
    let info = |m: &str| modules.iter().find(|p| p.module == m);

    let rows = tenants
        .iter()
        .map(|t| Row {
            tenant: t.clone(),
            cells: columns
                .iter()
                .map(|c| {
                    f.results
                        .iter()
                        .filter(|r| &tenant_of(r) == t && module_of(r) == c)
                        .map(|r| {
                            let s = State::of(r);
                            Cell {
                                class: s.class(),
                                word: s.word(),
                                symbol: s.symbol(),
                                version: r
                                    .deployed_version
                                    .clone()
                                    .unwrap_or_else(|| "version unknown".to_string()),
                                role_arn: r.role_arn.clone(),
                            }
                        })
                        .collect()
                })
                .collect(),
        })
        .collect();

    let charts = columns
        .iter()
        .map(|c| {
            let latest = info(c)
                .map(|m| m.latest_version.clone())
                .unwrap_or_else(|| {
                    f.results
                        .iter()
                        .find(|r| module_of(r) == c)
                        .map(|r| r.latest_version.clone())
                        .unwrap_or_default()
                });
            chart(c, &latest, f.results.iter().filter(|r| module_of(r) == c))
        })
        .collect();

    let mut notices = Vec::new();
    let mut up_to_date = Vec::new();
    for t in &tenants {
        let items: Vec<NoticeItem> = f
            .results
            .iter()
            .filter(|r| &tenant_of(r) == t)
            .filter(|r| State::of(r) != State::Ok || !r.findings.is_empty())
            .map(|r| notice_item(r, info(&r.module)))
            .collect();
        if items.is_empty() {
            up_to_date.push(t.clone());
        } else {
            notices.push(Notice {
                tenant: t.clone(),
                anchor: format!("tenant-{}", notices.len() + 1),
                items,
            });
        }
    }

    let count = |s: State| f.results.iter().filter(|r| State::of(r) == s).count();
    Page {
        counts: Counts {
            checked: f.results.len(),
            ok: count(State::Ok),
            behind: count(State::Behind),
            drift: count(State::Drift),
            error: count(State::Error),
            tenants: tenants.len(),
            modules: columns.len(),
        },
        api_calls: f.summary.api_calls,
        modules: columns,
        rows,
        charts,
        notices,
        up_to_date,
        notes: f.notes.clone(),
    }
}

fn notice_item(r: &Report, info: Option<&PageModule>) -> NoticeItem {
    let s = State::of(r);
    let deployed = r.deployed_version.clone();
    let upgrade = match &deployed {
        Some(d) => *d != r.latest_version && !r.latest_version.is_empty(),
        None => false,
    };
    NoticeItem {
        module: module_of(r).to_string(),
        class: s.class(),
        word: s.word(),
        symbol: s.symbol(),
        role_arn: r.role_arn.clone(),
        deployed: deployed.unwrap_or_else(|| "unknown".to_string()),
        latest: r.latest_version.clone(),
        upgrade,
        // An unreadable role's features are unknown, not missing.
        lacks: r
            .features
            .iter()
            .filter(|f| !f.available && s != State::Error)
            .map(|f| f.id.clone())
            .collect(),
        findings: r
            .findings
            .iter()
            .map(|f| NoticeFinding {
                severity: match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                kind: f.kind.as_str(),
                message: f.message.clone(),
                fix: f.fix.clone(),
            })
            .collect(),
        // The link deploys the latest version: only worth giving when the
        // role is not on it, or is broken and a fresh stack would mend it.
        quick_create_url: info
            .and_then(|m| m.quick_create_url.clone())
            .filter(|_| upgrade || s != State::Ok),
    }
}

/// Deployed versions of one module: newest first (semantic order), then
/// versions that do not parse (by text), then `unknown`.
fn chart<'a>(module: &str, latest: &str, reports: impl Iterator<Item = &'a Report>) -> Chart {
    let mut by_version: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown = 0;
    for r in reports {
        match &r.deployed_version {
            Some(v) => *by_version.entry(v.clone()).or_default() += 1,
            None => unknown += 1,
        }
    }
    let mut versions: Vec<(String, usize)> = by_version.into_iter().collect();
    versions.sort_by(|(a, _), (b, _)| {
        match (semver::Version::parse(a), semver::Version::parse(b)) {
            (Ok(x), Ok(y)) => y.cmp(&x),
            (Ok(_), Err(_)) => std::cmp::Ordering::Less,
            (Err(_), Ok(_)) => std::cmp::Ordering::Greater,
            (Err(_), Err(_)) => a.cmp(b),
        }
    });
    if unknown > 0 {
        versions.push(("unknown".to_string(), unknown));
    }
    let most = versions.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let bars: Vec<Bar> = versions
        .iter()
        .enumerate()
        .map(|(i, (v, n))| {
            let y = BAR_GAP / 2 + i * (BAR_H + BAR_GAP);
            let width = (n * BAR_MAX).div_ceil(most).max(2);
            Bar {
                label: v.clone(),
                count: *n,
                latest: v == latest,
                y,
                text_y: y + BAR_H - 5,
                width,
                count_x: LABEL_W + width + 6,
            }
        })
        .collect();
    let summary = versions
        .iter()
        .map(|(v, n)| format!("{v}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    Chart {
        module: module.to_string(),
        latest: latest.to_string(),
        height: bars.len() * (BAR_H + BAR_GAP),
        summary,
        bars,
    }
}
