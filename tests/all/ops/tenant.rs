//! `tenant add` then `tenant verify`, with the DynamoDB mapping table and
//! with a fleet file: the row is `pending` until the customer's deployed
//! role passes every check, then `active` with its deployed version; a
//! tampered trust policy keeps it `pending`.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::{cmd, dynamodb, project};
use crate::live::moto::{account, moto};
use crate::live::readers::deploy_contact_flows;
use crate::util;

const VENDOR: &str = "arn:aws:iam::111122223333:role/CXPortalAuthoriserRole";

/// Sets a template URL base so that `tenant add` prints quick-create links.
fn with_url_base(dir: &std::path::Path) {
    let path = dir.join("rolesmith.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        "review:\n  template_url_base: https://cx-templates.s3.eu-west-2.amazonaws.com/cx\n",
    );
    std::fs::write(&path, text).unwrap();
}

/// The ExternalId `tenant add` printed.
fn external_id(stdout: &str) -> String {
    stdout
        .lines()
        .find_map(|l| {
            l.split_once(": ExternalId ")
                .map(|(_, id)| id.trim().to_string())
        })
        .unwrap_or_else(|| panic!("no ExternalId in {stdout}"))
}

async fn item(table: &str, tenant: &str, module: &str) -> HashMap<String, AttributeValue> {
    dynamodb()
        .await
        .get_item()
        .table_name(table)
        .key("tenant", AttributeValue::S(tenant.into()))
        .key("module", AttributeValue::S(module.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
        .unwrap_or_else(|| panic!("no row {tenant}/{module} in {table}"))
}

fn s<'a>(item: &'a HashMap<String, AttributeValue>, k: &str) -> Option<&'a str> {
    item.get(k).and_then(|v| v.as_s().ok()).map(String::as_str)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_added_then_verified_becomes_active() {
    let dir = project();
    with_url_base(dir.path());
    let table = "ops-tenants-verified";
    let acct = account(7001);
    let add = util::run(&mut cmd(
        dir.path(),
        &[
            "tenant",
            "add",
            "--tenant",
            "acme",
            "--account",
            &acct,
            "--modules",
            "contact-flows",
            "--region",
            "eu-west-2",
            "--table",
            table,
        ],
    ));
    assert_eq!(add.code, 0, "{}", add.text());
    assert!(
        add.stderr
            .contains(&format!("created the mapping table `{table}`")),
        "{}",
        add.stderr
    );
    let id = external_id(&add.stdout);
    assert_eq!(id.len(), 32, "{id}");
    // The link opens the tenant's region with stack name and ExternalId filled in.
    assert!(
        add.stdout.contains(&format!(
            "quick-create: https://console.aws.amazon.com/cloudformation/home?region=eu-west-2#/stacks/quickcreate?templateURL=https%3A%2F%2Fcx-templates.s3.eu-west-2.amazonaws.com%2Fcx%2Fcontact-flows%2F1.2.0%2Ftemplate.json&stackName=CXPortal-contact-flows&param_ExternalId={id}\n"
        )),
        "{}",
        add.stdout
    );
    let row = item(table, "acme", "contact-flows").await;
    let role_arn = format!("arn:aws:iam::{acct}:role/CXPortal-contact-flows");
    assert_eq!(s(&row, "status"), Some("pending"));
    assert_eq!(s(&row, "external_id"), Some(id.as_str()));
    assert_eq!(s(&row, "account_id"), Some(acct.as_str()));
    assert_eq!(s(&row, "role_arn"), Some(role_arn.as_str()));
    assert_eq!(s(&row, "region"), Some("eu-west-2"));

    // Not deployed yet: the role cannot be read, the row stays pending.
    let early = util::run(&mut cmd(
        dir.path(),
        &["tenant", "verify", "--tenant", "acme", "--table", table],
    ));
    assert_eq!(early.code, 3, "{}", early.text());
    assert!(
        early.stdout.contains("acme/contact-flows: pending"),
        "{}",
        early.stdout
    );
    assert_eq!(
        s(&item(table, "acme", "contact-flows").await, "status"),
        Some("pending")
    );

    deploy_contact_flows(moto(), &acct, &id).await;
    let verify = util::run(&mut cmd(
        dir.path(),
        &["tenant", "verify", "--tenant", "acme", "--table", table],
    ));
    assert_eq!(verify.code, 0, "{}", verify.text());
    assert!(
        verify
            .stdout
            .contains("acme/contact-flows: active (version 1.2.0"),
        "{}",
        verify.stdout
    );
    let row = item(table, "acme", "contact-flows").await;
    assert_eq!(s(&row, "status"), Some("active"));
    assert_eq!(s(&row, "deployed_version"), Some("1.2.0"));

    // Adding a module later keeps the tenant's ExternalId and its active row.
    let more = util::run(&mut cmd(
        dir.path(),
        &[
            "tenant",
            "add",
            "--tenant",
            "acme",
            "--account",
            &acct,
            "--modules",
            "contact-flows,integrations",
            "--region",
            "eu-west-2",
            "--table",
            table,
        ],
    ));
    assert_eq!(more.code, 0, "{}", more.text());
    assert_eq!(external_id(&more.stdout), id);
    assert!(
        more.stdout.contains("already recorded, left as it is"),
        "{}",
        more.stdout
    );
    assert!(more.stdout.contains("1 row recorded"), "{}", more.stdout);
    assert_eq!(
        s(&item(table, "acme", "contact-flows").await, "status"),
        Some("active")
    );
    assert_eq!(
        s(&item(table, "acme", "integrations").await, "external_id"),
        Some(id.as_str())
    );

    // Another account for the same tenant is refused.
    let other = util::run(&mut cmd(
        dir.path(),
        &[
            "tenant",
            "add",
            "--tenant",
            "acme",
            "--account",
            &account(7002),
            "--modules",
            "settings",
            "--table",
            table,
        ],
    ));
    assert_eq!(other.code, 2, "{}", other.text());
    assert!(
        other.stderr.contains("a tenant has one account"),
        "{}",
        other.stderr
    );
}

/// Adds and deploys tenant `tenant` in `acct`, changes the role's trust
/// policy to `trust`, and runs `tenant verify`.
async fn verify_tampered(
    table: &str,
    tenant: &str,
    acct: &str,
    trust: impl Fn(&str) -> String,
) -> util::Run {
    let dir = project();
    let add = util::run(&mut cmd(
        dir.path(),
        &[
            "tenant",
            "add",
            "--tenant",
            tenant,
            "--account",
            acct,
            "--modules",
            "contact-flows",
            "--region",
            "eu-west-2",
            "--table",
            table,
        ],
    ));
    assert_eq!(add.code, 0, "{}", add.text());
    let id = external_id(&add.stdout);
    let d = deploy_contact_flows(moto(), acct, &id).await;
    moto()
        .iam_in(acct)
        .await
        .update_assume_role_policy()
        .role_name(&d.role_name)
        .policy_document(trust(&id))
        .send()
        .await
        .unwrap();
    let out = util::run(&mut cmd(
        dir.path(),
        &["tenant", "verify", "--tenant", tenant, "--table", table],
    ));
    assert_eq!(
        s(&item(table, tenant, "contact-flows").await, "status"),
        Some("pending"),
        "{}",
        out.text()
    );
    assert_eq!(
        item(table, tenant, "contact-flows")
            .await
            .get("deployed_version"),
        None
    );
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trust_policy_without_the_external_id_is_refused() {
    let out = verify_tampered("ops-tenants-no-extid", "beta", &account(7010), |_| {
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{VENDOR}"}},"Action":"sts:AssumeRole"}}]}}"#)
    })
    .await;
    assert_eq!(out.code, 1, "{}", out.text());
    assert!(
        out.stdout.contains("beta/contact-flows: pending"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("can assume the role without an ExternalId"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trust_policy_with_a_second_principal_is_refused() {
    let out = verify_tampered("ops-tenants-second", "gamma", &account(7011), |id| {
        format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":["{VENDOR}","arn:aws:iam::444455556666:role/mallory"]}},"Action":"sts:AssumeRole","Condition":{{"StringEquals":{{"sts:ExternalId":"{id}"}}}}}}]}}"#)
    })
    .await;
    assert_eq!(out.code, 1, "{}", out.text());
    assert!(
        out.stdout
            .contains("`arn:aws:iam::444455556666:role/mallory` (AWS) can assume the role"),
        "{}",
        out.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_file_tenant_is_appended_then_verified() {
    let dir = project();
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(&fleet, "# tenants of CX Portal\n").unwrap();
    let acct = account(7020);
    let fleet_arg = fleet.to_str().unwrap();
    let add = util::run(&mut cmd(
        dir.path(),
        &[
            "tenant",
            "add",
            "--tenant",
            "delta",
            "--account",
            &acct,
            "--modules",
            "contact-flows",
            "--region",
            "eu-west-2",
            "--fleet",
            fleet_arg,
        ],
    ));
    assert_eq!(add.code, 0, "{}", add.text());
    assert!(
        add.stdout
            .contains("no quick-create link: set `review.template_url_base`"),
        "{}",
        add.stdout
    );
    let id = external_id(&add.stdout);
    let text = std::fs::read_to_string(&fleet).unwrap();
    assert_eq!(
        text,
        format!(
            "# tenants of CX Portal\n- {{tenant: \"delta\", module: \"contact-flows\", role_arn: \"arn:aws:iam::{acct}:role/CXPortal-contact-flows\", external_id: \"{id}\", region: \"eu-west-2\", status: \"pending\"}}\n"
        )
    );
    // A pending row is not checked by drift.
    let drift = util::run(&mut cmd(
        dir.path(),
        &["drift", "--fleet", fleet_arg, "--format", "json"],
    ));
    assert!(
        drift.stderr.contains("1 `pending` row skipped"),
        "{}",
        drift.text()
    );

    deploy_contact_flows(moto(), &acct, &id).await;
    let verify = util::run(&mut cmd(
        dir.path(),
        &[
            "tenant", "verify", "--tenant", "delta", "--fleet", fleet_arg,
        ],
    ));
    assert_eq!(verify.code, 0, "{}", verify.text());
    let text = std::fs::read_to_string(&fleet).unwrap();
    assert!(text.starts_with("# tenants of CX Portal\n"), "{text}");
    assert!(
        text.contains("status: \"active\", deployed_version: \"1.2.0\"}"),
        "{text}"
    );
    let drift = util::run(&mut cmd(
        dir.path(),
        &["drift", "--fleet", fleet_arg, "--format", "json"],
    ));
    assert_eq!(drift.code, 0, "{}", drift.text());
}
