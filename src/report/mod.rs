//! Renderers of drift reports: text for people, JSON for programs (the
//! fields of the contract), for one role and for a fleet; and for a fleet
//! also one self-contained HTML page (`html`) and an RFC 4180 table (`csv`).
//! Every renderer is pure: the same report gives the same bytes.

use serde::Serialize;

mod csv;
mod html;

pub use csv::fleet_csv;
pub use html::{PageModule, ReportError, fleet_html};

use crate::drift::{Report, SCP_NOTE, Severity, Status};

/// Counts of a fleet run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Rows checked.
    pub checked: usize,
    /// Rows with status `ok`.
    pub ok: usize,
    /// Rows with status `drift`.
    pub drift: usize,
    /// Rows with status `error`.
    pub error: usize,
    /// API calls made (retries included).
    pub api_calls: u64,
}

impl Summary {
    /// Counts the reports.
    pub fn of(reports: &[Report], api_calls: u64) -> Summary {
        let mut s = Summary {
            api_calls,
            ..Summary::default()
        };
        for r in reports {
            s.count(r.status);
        }
        s
    }

    /// Counts one more report of status `status`.
    pub fn count(&mut self, status: Status) {
        self.checked += 1;
        match status {
            Status::Ok => self.ok += 1,
            Status::Drift => self.drift += 1,
            Status::Error => self.error += 1,
        }
    }
}

/// A fleet report: summary, the notes that hold for every row (the SCP
/// note, once), and one report per row, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FleetReport {
    /// Counts.
    pub summary: Summary,
    /// Limits of the check that hold for every row.
    pub notes: Vec<String>,
    /// One report per row (their notes are their own only).
    pub results: Vec<Report>,
}

impl FleetReport {
    /// The fleet report of `results`: the SCP note moves from every row to
    /// the report, said once.
    pub fn new(mut results: Vec<Report>, api_calls: u64) -> FleetReport {
        for r in &mut results {
            r.notes.retain(|n| n != SCP_NOTE);
        }
        FleetReport {
            summary: Summary::of(&results, api_calls),
            notes: vec![SCP_NOTE.to_string()],
            results,
        }
    }
}

/// One report as one line of JSON (JSON Lines: `drift --format jsonl`),
/// with its newline. The SCP note, the same for every row, is left out.
pub fn jsonl(report: &Report) -> Result<String, serde_json::Error> {
    let mut r = report.clone();
    r.notes.retain(|n| n != SCP_NOTE);
    let mut line = serde_json::to_string(&r)?;
    line.push('\n');
    Ok(line)
}

/// One report as pretty JSON with a trailing newline.
pub fn json(report: &Report) -> Result<String, serde_json::Error> {
    crate::json::pretty(report)
}

/// A fleet report as pretty JSON with a trailing newline.
pub fn fleet_json(report: &FleetReport) -> Result<String, serde_json::Error> {
    crate::json::pretty(report)
}

/// The contract's name of a status (`ok`, `drift`, `error`).
fn status_name(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Drift => "drift",
        Status::Error => "error",
    }
}

fn status_word(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Drift => "DRIFT",
        Status::Error => "ERROR",
    }
}

/// One report as text.
pub fn text(r: &Report) -> String {
    let mut out = String::new();
    let tenant = r
        .tenant
        .as_deref()
        .map(|t| format!(" (tenant {t})"))
        .unwrap_or_default();
    out.push_str(&format!(
        "{}: {}{tenant}\n  role {}\n  deployed {}, latest {}\n",
        status_word(r.status),
        if r.module.is_empty() {
            "module unknown"
        } else {
            &r.module
        },
        r.role_arn,
        r.deployed_version.as_deref().unwrap_or("unknown"),
        if r.latest_version.is_empty() {
            "unknown"
        } else {
            &r.latest_version
        }
    ));
    if !r.features.is_empty() {
        let feats: Vec<String> = r
            .features
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f.id,
                    if f.available { "ok" } else { "unavailable" }
                )
            })
            .collect();
        out.push_str(&format!("  features: {}\n", feats.join(", ")));
    }
    for f in &r.findings {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("  {sev}[{}]: {}\n", f.kind.as_str(), f.message));
        out.push_str(&format!("    fix: {}\n", f.fix));
    }
    if r.findings.is_empty() {
        out.push_str("  no findings\n");
    }
    for n in &r.notes {
        out.push_str(&format!("  note: {n}\n"));
    }
    out
}

/// A fleet report as text: every row, then the summary.
pub fn fleet_text(f: &FleetReport) -> String {
    let mut out = String::new();
    for r in &f.results {
        out.push_str(&text(r));
        out.push('\n');
    }
    let s = &f.summary;
    out.push_str(&format!(
        "checked {}: {} ok, {} drift, {} error; {} API calls\n",
        s.checked, s.ok, s.drift, s.error, s.api_calls
    ));
    for n in &f.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}
