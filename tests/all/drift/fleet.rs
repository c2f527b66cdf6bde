//! `rolesmith drift --fleet` end to end: dozens of tenants in moto, some
//! changed, one gone, one with an unknown module; every row reported in file
//! order with a summary.

use serde_json::Value;

use crate::live::moto::{account, moto};
use crate::live::readers::deploy_contact_flows;
use crate::util;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_of_dozens_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = String::new();
    let n = 36;
    for i in 0..n {
        let acct = account(600 + i);
        let ext = format!("t{i}-ext");
        let module = if i == 35 {
            "contact-flow"
        } else {
            "contact-flows"
        };
        let arn = format!("arn:aws:iam::{acct}:role/CXPortal-contact-flows");
        if i != 34 {
            let d = deploy_contact_flows(moto(), &acct, &ext).await;
            if i % 4 == 1 {
                // The customer added a deny for publishing.
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
        rows.push_str(&format!(
            "- {{tenant: t{i}, module: {module}, role_arn: \"{arn}\", external_id: \"{ext}\", region: eu-west-2}}\n"
        ));
    }
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(&fleet, rows).unwrap();
    let out = util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .args(["drift", "--fleet"])
            .arg(&fleet)
            .args([
                "--concurrency",
                "8",
                "--format",
                "json",
                "--endpoint-url",
                &moto().endpoint,
            ])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", dir.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none")),
    );
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    // The unknown module makes one row `error`: exit 3.
    assert_eq!(out.code, 3, "{}", out.stderr);
    let s = &report["summary"];
    assert_eq!(s["checked"], n);
    // Rows 1, 5, ..., 33 denied (9), row 34 missing: 10 drift; row 35 error.
    assert_eq!(
        (s["ok"].as_u64(), s["drift"].as_u64(), s["error"].as_u64()),
        (Some(25), Some(10), Some(1))
    );
    // 34 readable roles x 6 calls + the missing one (AssumeRole + GetRole); no
    // call for the unknown module's row is skipped either: it is read too.
    assert!(s["api_calls"].as_u64().unwrap() >= 34 * 6 + 2, "{s}");
    let results = report["results"].as_array().unwrap();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["tenant"], format!("t{i}"));
        let expected = match i {
            35 => "error",
            34 => "drift",
            _ if i % 4 == 1 => "drift",
            _ => "ok",
        };
        assert_eq!(r["status"], expected, "row {i}: {r}");
    }
    assert_eq!(results[1]["findings"][0]["kind"], "explicit_deny");
    assert_eq!(results[34]["findings"][0]["kind"], "role_missing");
    assert_eq!(results[0]["deployed_version"], "1.2.0");
    assert_eq!(
        results[0]["features"][0],
        serde_json::json!({"id": "view-flows", "available": true})
    );
}
