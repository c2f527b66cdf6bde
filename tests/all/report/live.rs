//! `drift --fleet ... --format html|csv` end to end against moto: a few
//! tenants deployed, one changed, one gone; the page and the table carry
//! every row and the exit code is drift's.

use crate::live::moto::{account, moto};
use crate::live::readers::deploy_contact_flows;
use crate::util;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_page_and_table_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::new();
    for i in 0..4u32 {
        let acct = account(3000 + i);
        let ext = format!("p{i}-ext");
        if i != 3 {
            let d = deploy_contact_flows(moto(), &acct, &ext).await;
            if i == 1 {
                moto()
                    .iam_in(&acct)
                    .await
                    .put_role_policy()
                    .role_name(&d.role_name)
                    .policy_name("no-publish")
                    .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"connect:UpdateContactFlowContent","Resource":"*"}]}"#)
                    .send()
                    .await
                    .unwrap();
            }
        }
        let tenant = if i == 2 {
            "<b>bold</b>, \"quoted\"".to_string()
        } else {
            format!("p{i}")
        };
        rows.push_str(&format!(
            "- {{tenant: '{tenant}', module: contact-flows, role_arn: \"arn:aws:iam::{acct}:role/CXPortal-contact-flows\", external_id: \"{ext}\", region: eu-west-2}}\n"
        ));
    }
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(&fleet, rows).unwrap();
    let run = |format: &str| {
        util::run(
            util::rolesmith()
                .current_dir(util::repo())
                .args(["drift", "--fleet"])
                .arg(&fleet)
                .args(["--format", format, "--endpoint-url", &moto().endpoint])
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_REGION", "us-east-1")
                .env_remove("AWS_PROFILE")
                .env("AWS_CONFIG_FILE", dir.path().join("none"))
                .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none")),
        )
    };
    let html = run("html");
    // Drift (a deny, a missing role), every role readable: exit 1.
    assert_eq!(html.code, 1, "{}", html.text());
    for t in [
        "p0",
        "p1",
        "&lt;b&gt;bold&lt;&#x2f;b&gt;, &quot;quoted&quot;",
        "p3",
    ] {
        assert!(
            html.stdout.contains(&format!("<th scope=\"row\">{t}</th>")),
            "{t}"
        );
    }
    assert!(!html.stdout.contains("<b>bold"));
    assert_eq!(html.stdout.matches("\u{2716} drift <span").count(), 2);
    let csv = run("csv");
    assert_eq!(csv.code, 1, "{}", csv.text());
    let lines: Vec<&str> = csv.stdout.split_terminator("\r\n").collect();
    assert_eq!(lines.len(), 5, "{}", csv.stdout);
    assert!(
        lines[3].starts_with("\"<b>bold</b>, \"\"quoted\"\"\",contact-flows,"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4].contains(",drift,,1.2.0,1,0,role_missing"),
        "{}",
        lines[4]
    );
}
