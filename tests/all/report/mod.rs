//! The fleet page and table (issue 14): a fleet of 56 tenants x 4 modules
//! in mixed states (`tests/fixtures/report/fleet.yaml`), each role made
//! offline from the released template of its version (as an
//! authorization-details dump, changed the way the row says) and checked
//! with `drift::check`; the page rendered in headless Chromium, the table
//! parsed back. Snapshots under `snapshots/report/`.

#[cfg(feature = "aws")]
mod live;

use std::path::Path;

use rolesmith::drift::Subject;
use rolesmith::live::offline::AuthDetailsReader;
use rolesmith::live::{ReadError, ReadErrorKind, RoleReader, RoleSnapshot, RoleTarget};
use rolesmith::report::{FleetReport, PageModule};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::drift::project;
use crate::util;

/// Where the quick-create links of the tests point.
const BASE: &str = "https://templates.example.com/roles";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Row {
    tenant: String,
    account: u32,
    module: String,
    version: String,
    state: String,
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(util::fixtures("report").join("fleet.yaml")).unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// A module parameter's value in every tenant's account.
fn parameter(name: &str) -> &'static str {
    match name {
        "InstanceId" => "0123abcd-0123-4567-89ab-0123456789ab",
        "KeyId" => "1234abcd-12ab-34cd-56ef-1234567890ab",
        "RecordingsBucket" => "tenant-recordings",
        "TableName" => "portal-settings",
        "EventsTargetRoleName" => "events-target",
        other => panic!("no test value for parameter `{other}`"),
    }
}

/// `v` with every `Fn::Sub` and `Ref` of the template resolved, as
/// CloudFormation would in `account` (stack named like the role).
fn resolve(v: &Value, account: &str, stack: &str, external_id: &str) -> Value {
    let sub = |s: &str| {
        let mut out = s
            .replace("${AWS::Partition}", "aws")
            .replace("${AWS::Region}", "eu-west-2")
            .replace("${AWS::AccountId}", account)
            .replace("${AWS::StackName}", stack);
        while let Some(start) = out.find("${") {
            let end = start + out[start..].find('}').unwrap();
            let name = out[start + 2..end].to_string();
            out.replace_range(start..=end, parameter(&name));
        }
        out
    };
    match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("Fn::Sub") => {
            Value::from(sub(o["Fn::Sub"].as_str().unwrap()))
        }
        Value::Object(o) if o.len() == 1 && o.get("Ref") == Some(&json!("ExternalId")) => {
            Value::from(external_id)
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), resolve(v, account, stack, external_id)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|v| resolve(v, account, stack, external_id))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// What reading the row's role gives: the role as its version's template
/// deploys it, then changed as `state` says.
fn read(row: &Row) -> (String, Result<RoleSnapshot, ReadError>) {
    let account = format!("2222000000{:02}", row.account);
    let path = util::repo().join(rolesmith::pipeline::layout::template(
        &row.module,
        &row.version.parse().unwrap(),
    ));
    let template: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let props = &template["Resources"]["Role"]["Properties"];
    let name = props["RoleName"].as_str().unwrap().to_string();
    let arn = format!("arn:aws:iam::{account}:role/{name}");
    if row.state == "access-denied" {
        let e = ReadError::new(
            ReadErrorKind::AccessDenied,
            format!("sts:AssumeRole on `{arn}` was refused (AccessDenied)"),
        );
        return (arn, Err(e));
    }
    let ext = format!("{}-ext", row.account);
    let mut policies = Vec::new();
    let mut attached = Vec::new();
    let mut first_action = None;
    for r in template["Resources"].as_object().unwrap().values() {
        if r["Type"] != "AWS::IAM::ManagedPolicy" {
            continue;
        }
        let p = &r["Properties"];
        let pname = p["ManagedPolicyName"].as_str().unwrap();
        let parn = format!("arn:aws:iam::{account}:policy/{pname}");
        let doc = resolve(&p["PolicyDocument"], &account, &name, &ext);
        first_action.get_or_insert_with(|| doc["Statement"][0]["Action"][0].clone());
        policies.push(json!({
            "PolicyName": pname, "Arn": parn, "DefaultVersionId": "v1",
            "PolicyVersionList": [{"Document": doc, "VersionId": "v1", "IsDefaultVersion": true}]
        }));
        attached.push(json!({"PolicyName": pname, "PolicyArn": parn}));
    }
    let inline = match row.state.as_str() {
        "deny" => vec![json!({"PolicyName": "customer-deny", "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Action": first_action.unwrap(), "Resource": "*"}]}})],
        "excess" => vec![json!({"PolicyName": "customer-extra", "PolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}})],
        _ => Vec::new(),
    };
    if row.state == "detached" {
        attached.clear();
    }
    let role = json!({
        "Path": "/", "RoleName": name, "RoleId": format!("AROAEXAMPLE{:09}", row.account), "Arn": arn,
        "AssumeRolePolicyDocument": resolve(&props["AssumeRolePolicyDocument"], &account, &name, &ext),
        "RolePolicyList": inline, "AttachedManagedPolicies": attached, "Tags": props["Tags"],
    });
    let roles = if row.state == "missing" {
        vec![]
    } else {
        vec![role]
    };
    let dump = json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": policies});
    let reader = AuthDetailsReader::parse(&dump.to_string(), Path::new("fleet.json")).unwrap();
    let read = reader.read_role(&RoleTarget::new(&arn));
    (arn, read)
}

/// The fleet report of `rows`, checked against the repository's project.
fn fleet_of(rows: &[Row]) -> FleetReport {
    let p = project();
    let results = rows
        .iter()
        .map(|row| {
            let (arn, got) = read(row);
            let subject = Subject {
                tenant: Some(row.tenant.clone()),
                module: row.module.clone(),
                role_arn: arn,
                region: Some("eu-west-2".into()),
            };
            p.check(&subject, &[], got.as_ref())
        })
        .collect();
    FleetReport::new(results, 0)
}

/// The project's modules as the page shows them (links when `base` is given).
fn page_modules(base: Option<&str>) -> Vec<PageModule> {
    let settings = rolesmith::review::Settings {
        template_url_base: base.map(str::to_string),
    };
    project()
        .compiled
        .iter()
        .map(|c| PageModule {
            module: c.module.clone(),
            latest_version: c.version.to_string(),
            quick_create_url: rolesmith::review::module_quick_create_url(c, &settings),
        })
        .collect()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "../../../snapshots/report", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

/// The first `n` tenants' rows of the fixture.
fn first_tenants(n: usize) -> Vec<Row> {
    let mut seen: Vec<String> = Vec::new();
    rows()
        .into_iter()
        .filter(|r| {
            if !seen.contains(&r.tenant) {
                seen.push(r.tenant.clone());
            }
            seen.iter().position(|t| *t == r.tenant).unwrap() < n
        })
        .collect()
}

#[test]
fn fleet_fixture_has_mixed_states() {
    let rows = rows();
    let fleet = fleet_of(&rows);
    let s = &fleet.summary;
    let tenants: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.tenant.as_str()).collect();
    assert!(tenants.len() >= 50, "{} tenants", tenants.len());
    assert_eq!(s.checked, rows.len());
    assert!(s.ok > 0 && s.drift > 0 && s.error > 0, "{s:?}");
    let behind = fleet
        .results
        .iter()
        .filter(|r| {
            r.findings
                .iter()
                .any(|f| f.kind.as_str() == "version_behind")
        })
        .count();
    assert!(behind > 0);
    // Each state gives what it says.
    for (row, r) in rows.iter().zip(&fleet.results) {
        let kinds: Vec<&str> = r.findings.iter().map(|f| f.kind.as_str()).collect();
        let expect = match row.state.as_str() {
            "as-deployed" => None,
            "deny" => Some("explicit_deny"),
            "detached" => Some("policy_detached"),
            "excess" => Some("excess_permission"),
            "missing" => Some("role_missing"),
            "access-denied" => Some("access_denied"),
            other => panic!("unknown state `{other}`"),
        };
        match expect {
            Some(k) => assert!(kinds.contains(&k), "{row:?}: {kinds:?}"),
            None => assert!(
                r.findings
                    .iter()
                    .all(|f| f.kind.as_str() == "version_behind"),
                "{row:?}: {kinds:?}"
            ),
        }
    }
}

#[test]
fn fleet_page_and_table_snapshots() {
    let fleet = fleet_of(&first_tenants(12));
    let html = rolesmith::report::fleet_html(&fleet, &page_modules(Some(BASE))).unwrap();
    snapshot("fleet.html", &html);
    snapshot("fleet.csv", &rolesmith::report::fleet_csv(&fleet));
    // Same report, same bytes.
    let again = rolesmith::report::fleet_html(&fleet, &page_modules(Some(BASE))).unwrap();
    assert_eq!(html, again);
}

#[test]
fn fleet_page_escapes_every_input_value() {
    let fleet = fleet_of(&first_tenants(12));
    let html = rolesmith::report::fleet_html(&fleet, &page_modules(None)).unwrap();
    assert!(!html.contains("<script"), "a tenant name became markup");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt;"));
    assert!(html.contains("Smith, &quot;Jones&quot; &amp; Co"));
    assert!(!html.contains("alert(1)</"));
    // The SCP note is said once, for the whole fleet.
    assert_eq!(html.matches("service control policies").count(), 1);
}

#[test]
fn fleet_page_gives_each_tenant_its_upgrade_notice() {
    let fleet = fleet_of(&first_tenants(12));
    let html = rolesmith::report::fleet_html(&fleet, &page_modules(Some(BASE))).unwrap();
    // globex (row 2) runs contact-flows 1.2.0 and agents-routing 1.0.0 ...
    // each behind tenant is told the version to deploy and given the link.
    let behind: Vec<_> = fleet
        .results
        .iter()
        .filter(|r| r.deployed_version.as_deref() != Some(r.latest_version.as_str()))
        .filter(|r| r.deployed_version.is_some())
        .collect();
    assert!(!behind.is_empty());
    for r in behind {
        assert!(
            html.contains(&format!(
                "Deploy version <b>{}</b> of the <code>{}</code> stack",
                r.latest_version, r.module
            )),
            "{} {}",
            r.tenant.as_deref().unwrap(),
            r.module
        );
    }
    let link = "quickcreate?templateURL=https%3A%2F%2Ftemplates.example.com%2Froles%2Fcontact-flows%2F1.2.0%2Ftemplate.json";
    assert!(html.contains(link), "no quick-create link of contact-flows");
    // Without published templates there is no link at all.
    let plain = rolesmith::report::fleet_html(&fleet, &page_modules(None)).unwrap();
    assert!(!plain.contains("quick-create page"));
}

/// Splits RFC 4180 text into records of fields.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "a lone CR"),
            (false, '\n') => panic!("a record ends in LF without CR"),
            (false, c) => field.push(c),
        }
        if !quoted && c == '\r' {
            record.push(std::mem::take(&mut field));
            records.push(std::mem::take(&mut record));
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "the last record has no CRLF"
    );
    records
}

#[test]
fn fleet_table_is_rfc_4180_with_one_record_per_role() {
    let rows = rows();
    let fleet = fleet_of(&rows);
    let csv = rolesmith::report::fleet_csv(&fleet);
    let records = parse_csv(&csv);
    assert_eq!(records.len(), rows.len() + 1);
    assert_eq!(
        records[0],
        [
            "tenant",
            "module",
            "role_arn",
            "status",
            "deployed_version",
            "latest_version",
            "errors",
            "warnings",
            "finding_kinds"
        ]
    );
    for ((rec, row), r) in records[1..].iter().zip(&rows).zip(&fleet.results) {
        assert_eq!(rec.len(), 9, "{rec:?}");
        assert_eq!(rec[0], row.tenant);
        assert_eq!(rec[1], row.module);
        assert_eq!(rec[3], serde_json::to_value(r.status).unwrap());
        let errors = r
            .findings
            .iter()
            .filter(|f| f.severity == rolesmith::drift::Severity::Error)
            .count();
        assert_eq!(rec[6], errors.to_string());
        if row.state != "missing" && row.state != "access-denied" {
            assert_eq!(rec[4], row.version);
        }
    }
    assert!(csv.contains("\"Smith, \"\"Jones\"\" & Co\","), "not quoted");
}

// ---- headless Chromium ----

/// Every attribute value of `name` in `dom`.
fn attributes<'a>(dom: &'a str, name: &str) -> Vec<&'a str> {
    let pat = format!(" {name}=\"");
    dom.match_indices(&pat)
        .map(|(i, _)| {
            let rest = &dom[i + pat.len()..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect()
}

#[test]
fn fleet_page_renders_in_headless_chromium_with_every_tenant_and_module() {
    let rows = rows();
    let fleet = fleet_of(&rows);
    let dir = tempfile::tempdir().unwrap();
    for base in [None, Some(BASE)] {
        let html = rolesmith::report::fleet_html(&fleet, &page_modules(base)).unwrap();
        let file = dir.path().join("fleet.html");
        std::fs::write(&file, &html).unwrap();
        let dom = util::chromium_dom(&file);
        assert!(
            dom.contains("<h1>Fleet drift report</h1>"),
            "the page did not render: {}",
            &dom[..dom.len().min(500)]
        );
        for r in &rows {
            // The DOM serialises text escaped, as the page wrote it.
            let t = r
                .tenant
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            assert!(
                dom.contains(&format!("<th scope=\"row\">{t}</th>")),
                "tenant `{}` is not in the matrix",
                r.tenant
            );
            assert!(
                dom.contains(&format!("<th scope=\"col\">{}</th>", r.module)),
                "module `{}` is not a column",
                r.module
            );
        }
        assert_eq!(
            dom.matches("<tr><th scope=\"row\">").count(),
            rows.iter()
                .map(|r| &r.tenant)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        );
        assert_eq!(dom.matches("<svg ").count(), 4, "one chart per module");
        // Nothing is loaded from anywhere: no scripts, no sources, and the only
        // links are the quick-create pages (navigation, not requests).
        assert!(!dom.contains("<script"));
        assert!(!dom.contains("<link"));
        assert!(attributes(&dom, "src").is_empty());
        assert!(!dom.contains("url("), "the style sheet loads something");
        let hrefs = attributes(&dom, "href");
        match base {
            None => assert!(hrefs.is_empty(), "{hrefs:?}"),
            Some(_) => {
                assert!(!hrefs.is_empty());
                assert_eq!(
                    dom.matches("<a class=\"quick-create\" href=\"https://console.aws.amazon.com/")
                        .count(),
                    hrefs.len()
                );
            }
        }
        assert!(!dom.contains("http://"));
    }
    // It prints: a PDF with the page in it (an empty page prints ~1 KB).
    let pdf = util::chromium_pdf(&dir.path().join("fleet.html"));
    assert!(pdf.starts_with(b"%PDF-"), "not a PDF");
    assert!(pdf.len() > 20_000, "the PDF is {} bytes", pdf.len());
}

// ---- CLI ----

const ARN: &str = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";

fn drift_from_file(fixture: &str, format: &str) -> util::Run {
    util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .args([
                "drift",
                "--module",
                "contact-flows",
                "--role-arn",
                ARN,
                "--tenant",
                "acme",
                "--from-file",
            ])
            .arg(format!("tests/fixtures/drift/offline/{fixture}.json"))
            .args(["--format", format]),
    )
}

#[test]
fn drift_html_and_csv_of_one_role_keep_the_exit_codes() {
    for (fixture, code, status) in [
        ("as-deployed", 0, "ok"),
        ("unreadable-policies", 1, "drift"),
    ] {
        let html = drift_from_file(fixture, "html");
        assert_eq!(html.code, code, "{}", html.text());
        assert!(
            html.stdout.starts_with("<!DOCTYPE html>"),
            "{}",
            html.text()
        );
        assert!(html.stdout.contains("<th scope=\"row\">acme</th>"));
        let csv = drift_from_file(fixture, "csv");
        assert_eq!(csv.code, code, "{}", csv.text());
        let records = parse_csv(&csv.stdout);
        assert_eq!(records.len(), 2);
        assert_eq!(records[1][0], "acme");
        assert_eq!(records[1][3], status);
    }
    let bad = drift_from_file("as-deployed", "xml");
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .contains("possible values: text, json, jsonl, html, csv"),
        "{}",
        bad.stderr
    );
}

#[test]
fn drift_help_describes_every_format() {
    let out = util::run(util::rolesmith().args(["drift", "--help"]));
    assert_eq!(out.code, 0);
    for f in ["`html`", "`csv`", "`json`"] {
        assert!(out.stdout.contains(f), "{f}: {}", out.stdout);
    }
}
