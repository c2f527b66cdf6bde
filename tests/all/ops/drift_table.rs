//! `drift --fleet dynamodb://TABLE`: rows from the mapping table (pending
//! ones skipped), `--shard K/N` covering every row exactly once for the
//! table and for a fleet file, and `--format jsonl` one line per row.

use std::collections::BTreeSet;

use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use serde_json::Value;

use super::{cmd, dynamodb, project};
use crate::live::moto::{account, moto};
use crate::live::readers::deploy_contact_flows;
use crate::util;

/// Rows of the fleet: tenant, account, ExternalId; deployed into moto.
async fn deployed(first: u32, n: u32) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let acct = account(first + i);
        let ext = format!("ext-{first}-{i}");
        deploy_contact_flows(moto(), &acct, &ext).await;
        out.push((format!("t{i:02}"), acct, ext));
    }
    out
}

fn arn(acct: &str) -> String {
    format!("arn:aws:iam::{acct}:role/CXPortal-contact-flows")
}

async fn table_with(name: &str, rows: &[(String, String, String)], pending: &[&str]) {
    let db = dynamodb().await;
    let key = |n: &str, k: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(n)
            .key_type(k)
            .build()
            .unwrap()
    };
    let attr = |n: &str| {
        AttributeDefinition::builder()
            .attribute_name(n)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .unwrap()
    };
    db.create_table()
        .table_name(name)
        .key_schema(key("tenant", KeyType::Hash))
        .key_schema(key("module", KeyType::Range))
        .attribute_definitions(attr("tenant"))
        .attribute_definitions(attr("module"))
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    let s = |v: &str| AttributeValue::S(v.to_string());
    for (tenant, acct, ext) in rows {
        db.put_item()
            .table_name(name)
            .item("tenant", s(tenant))
            .item("module", s("contact-flows"))
            .item("account_id", s(acct))
            .item("role_arn", s(&arn(acct)))
            .item("external_id", s(ext))
            .item("region", s("eu-west-2"))
            .item("status", s("active"))
            .item("deployed_version", s("1.2.0"))
            .send()
            .await
            .unwrap();
    }
    for tenant in pending {
        db.put_item()
            .table_name(name)
            .item("tenant", s(tenant))
            .item("module", s("contact-flows"))
            .item("role_arn", s(&arn(&account(7999))))
            .item("external_id", s("never-deployed"))
            .item("status", s("pending"))
            .send()
            .await
            .unwrap();
    }
}

/// `(tenant, status)` of each JSON line; fails on a line that is not one report.
fn lines(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .map(|l| {
            let r: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: `{l}`"));
            (
                r["tenant"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Runs every shard of `count` over `fleet` as JSON Lines and checks
/// that together they report each of `tenants` exactly once.
fn shards_cover(dir: &std::path::Path, fleet: &str, count: u32, tenants: &BTreeSet<String>) {
    let mut seen: Vec<String> = Vec::new();
    let mut sizes = Vec::new();
    for k in 0..count {
        let shard = format!("{k}/{count}");
        let out = util::run(&mut cmd(
            dir,
            &[
                "drift", "--fleet", fleet, "--shard", &shard, "--format", "jsonl",
            ],
        ));
        assert_eq!(out.code, 0, "shard {shard}: {}", out.text());
        let got = lines(&out.stdout);
        assert!(got.iter().all(|(_, st)| st == "ok"), "{got:?}");
        assert!(
            out.stderr
                .contains(&format!("shard {shard}: {} checked", got.len())),
            "{}",
            out.stderr
        );
        sizes.push(got.len());
        seen.extend(got.into_iter().map(|(t, _)| t));
    }
    let unique: BTreeSet<String> = seen.iter().cloned().collect();
    assert_eq!(
        seen.len(),
        tenants.len(),
        "a row was checked twice or missed: {sizes:?} {seen:?}"
    );
    assert_eq!(&unique, tenants);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_read_from_the_table() {
    let dir = project();
    let rows = deployed(7100, 10).await;
    let table = "ops-drift-table";
    table_with(table, &rows, &["zz-pending"]).await;
    let fleet = format!("dynamodb://{table}");

    let out = util::run(&mut cmd(
        dir.path(),
        &["drift", "--fleet", &fleet, "--format", "json"],
    ));
    assert_eq!(out.code, 0, "{}", out.text());
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["summary"]["checked"], 10, "{}", out.stdout);
    assert_eq!(report["summary"]["ok"], 10, "{}", out.stdout);
    // Sorted by tenant: a table's scan order means nothing.
    let tenants: Vec<&str> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["tenant"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = rows.iter().map(|(t, _, _)| t.clone()).collect();
    assert_eq!(tenants, expected);
    assert!(
        out.stderr.contains("1 `pending` row skipped"),
        "{}",
        out.stderr
    );

    // JSON Lines: one report per row.
    let jsonl = util::run(&mut cmd(
        dir.path(),
        &["drift", "--fleet", &fleet, "--format", "jsonl"],
    ));
    assert_eq!(jsonl.code, 0, "{}", jsonl.text());
    let got = lines(&jsonl.stdout);
    assert_eq!(got.len(), 10, "{}", jsonl.stdout);

    let all: BTreeSet<String> = expected.into_iter().collect();
    shards_cover(dir.path(), &fleet, 3, &all);

    // `auto/N` takes the index from a Kubernetes Indexed Job's variable.
    let auto = util::run(
        cmd(
            dir.path(),
            &[
                "drift", "--fleet", &fleet, "--shard", "auto/3", "--format", "jsonl",
            ],
        )
        .env("JOB_COMPLETION_INDEX", "2"),
    );
    let explicit = util::run(&mut cmd(
        dir.path(),
        &[
            "drift", "--fleet", &fleet, "--shard", "2/3", "--format", "jsonl",
        ],
    ));
    let set = |o: &str| lines(o).into_iter().collect::<BTreeSet<_>>();
    assert_eq!(set(&auto.stdout), set(&explicit.stdout), "{}", auto.text());
    let unset = util::run(&mut cmd(
        dir.path(),
        &["drift", "--fleet", &fleet, "--shard", "auto/3"],
    ));
    assert_eq!(unset.code, 2, "{}", unset.text());
    assert!(unset.stderr.contains("neither is set"), "{}", unset.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_table_row_is_named_and_the_others_checked() {
    let dir = project();
    let rows = deployed(7200, 2).await;
    let table = "ops-drift-malformed";
    table_with(table, &rows, &[]).await;
    dynamodb()
        .await
        .put_item()
        .table_name(table)
        .item("tenant", AttributeValue::S("broken".into()))
        .item("module", AttributeValue::S("contact-flows".into()))
        .send()
        .await
        .unwrap();
    let out = util::run(&mut cmd(
        dir.path(),
        &[
            "drift",
            "--fleet",
            &format!("dynamodb://{table}"),
            "--format",
            "jsonl",
        ],
    ));
    assert_eq!(out.code, 2, "{}", out.text());
    assert_eq!(lines(&out.stdout).len(), 2, "{}", out.stdout);
    assert!(
        out.stderr.contains(
            "mapping row `broken/contact-flows`: the string attribute `role_arn` is missing"
        ),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shards_of_a_fleet_file_cover_every_row_once() {
    let dir = project();
    let rows = deployed(7300, 9).await;
    let mut text = String::new();
    for (t, acct, ext) in &rows {
        text.push_str(&format!(
            "- {{tenant: {t}, module: contact-flows, role_arn: \"{}\", external_id: \"{ext}\", region: eu-west-2}}\n",
            arn(acct)
        ));
    }
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(&fleet, text).unwrap();
    let all: BTreeSet<String> = rows.iter().map(|(t, _, _)| t.clone()).collect();
    shards_cover(dir.path(), fleet.to_str().unwrap(), 4, &all);
    let one = util::run(&mut cmd(
        dir.path(),
        &[
            "drift",
            "--fleet",
            fleet.to_str().unwrap(),
            "--format",
            "jsonl",
        ],
    ));
    assert_eq!(lines(&one.stdout).len(), 9, "{}", one.text());
}
