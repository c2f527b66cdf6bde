//! A fleet report as a table (RFC 4180): a header, then one record per
//! tenant and module, in the fleet file's order. Records end in CRLF, as
//! RFC 4180 says and as spreadsheets expect; a field holding a comma, a
//! double quote, CR or LF is quoted, its quotes doubled. Values are written
//! as the report has them (a tenant named `=1+1` stays `=1+1`).

use super::FleetReport;
use crate::drift::{Report, Severity};

/// The columns, in order.
const HEADER: [&str; 9] = [
    "tenant",
    "module",
    "role_arn",
    "status",
    "deployed_version",
    "latest_version",
    "errors",
    "warnings",
    "finding_kinds",
];

/// The fleet report as CSV: [`HEADER`], then one record per result.
pub fn fleet_csv(f: &FleetReport) -> String {
    let mut out = String::new();
    record(&mut out, HEADER.iter().map(|h| (*h).to_string()));
    for r in &f.results {
        record(&mut out, fields(r));
    }
    out
}

fn fields(r: &Report) -> impl Iterator<Item = String> {
    let count = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    // Each kind once, in the report's order (errors first).
    let mut kinds: Vec<&str> = Vec::new();
    for f in &r.findings {
        if !kinds.contains(&f.kind.as_str()) {
            kinds.push(f.kind.as_str());
        }
    }
    [
        r.tenant.clone().unwrap_or_default(),
        r.module.clone(),
        r.role_arn.clone(),
        super::status_name(r.status).to_string(),
        r.deployed_version.clone().unwrap_or_default(),
        r.latest_version.clone(),
        count(Severity::Error).to_string(),
        count(Severity::Warning).to_string(),
        kinds.join(" "),
    ]
    .into_iter()
}

fn record(out: &mut String, fields: impl Iterator<Item = String>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&field(&f));
    }
    out.push_str("\r\n");
}

/// One field, quoted when RFC 4180 requires it.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn fields_are_quoted_only_when_needed() {
        assert_eq!(field("acme"), "acme");
        assert_eq!(field(""), "");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(field("cr\r"), "\"cr\r\"");
    }
}
