//! `rolesmith drift --fleet` end to end: dozens of tenants in moto, some
//! changed, one gone, one naming another module than its role's tag; every
//! row reported in file order with a summary and the SCP note once. A fleet
//! file with mistakes is refused before any API call.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

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
        // Row 35 names another module than the role's tag: module_mismatch.
        let module = if i == 35 {
            "integrations"
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
    // Drift, no row unreadable: exit 1.
    assert_eq!(out.code, 1, "{}", out.stderr);
    let s = &report["summary"];
    assert_eq!(s["checked"], n);
    // Rows 1, 5, ..., 33 denied (9), row 34 missing, row 35 mismatched: 11 drift.
    assert_eq!(
        (s["ok"].as_u64(), s["drift"].as_u64(), s["error"].as_u64()),
        (Some(25), Some(11), Some(0))
    );
    // 35 readable roles x 6 calls + the missing one (AssumeRole + GetRole).
    assert!(s["api_calls"].as_u64().unwrap() >= 35 * 6 + 2, "{s}");
    // The SCP note once, for the whole report, not on every row.
    let scp = |notes: &Value| {
        notes
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n.as_str().unwrap().contains("SCP"))
            .count()
    };
    assert_eq!(scp(&report["notes"]), 1, "{}", report["notes"]);
    let results = report["results"].as_array().unwrap();
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["tenant"], format!("t{i}"));
        assert_eq!(scp(&r["notes"]), 0, "row {i}: {r}");
        let expected = match i {
            35 | 34 => "drift",
            _ if i % 4 == 1 => "drift",
            _ => "ok",
        };
        assert_eq!(r["status"], expected, "row {i}: {r}");
    }
    assert_eq!(results[1]["findings"][0]["kind"], "explicit_deny");
    assert_eq!(results[34]["findings"][0]["kind"], "role_missing");
    assert_eq!(results[35]["findings"][0]["kind"], "module_mismatch");
    assert_eq!(results[0]["deployed_version"], "1.2.0");
    assert_eq!(
        results[0]["features"][0],
        serde_json::json!({"id": "view-flows", "available": true})
    );
}

/// A diagnostic as one line: miette's wrapping and gutters taken out.
fn flat(stderr: &str) -> String {
    stderr
        .lines()
        .map(|l| l.trim().trim_start_matches(['x', '|', '×', '│']).trim())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A loopback endpoint that counts the connections made to it.
fn counting_endpoint() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (url, seen)
}

#[test]
fn fleet_file_with_mistakes_is_exit_2_before_any_api_call() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = dir.path().join("fleet.yaml");
    std::fs::write(
        &fleet,
        "- {tenant: a, module: contact-flows, role_arn: \"arn:aws:iam::222233334444:role/CXPortal-contact-flows\", external_id: x}\n\
         - {tenant: b, module: contact-flow, role_arn: \"arn:aws:iam::222233334445:role/CXPortal-contact-flows\", external_id: y}\n\
         - tenant: c\n  module: nope\n  role_arn: \"arn:aws:iam::222233334446:role/CXPortal-nope\"\n",
    )
    .unwrap();
    let (endpoint, seen) = counting_endpoint();
    let out = util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .args(["drift", "--fleet"])
            .arg(&fleet)
            .args(["--endpoint-url", &endpoint])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", dir.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none")),
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(out.stdout, "");
    let path = fleet.display().to_string();
    let stderr = flat(&out.stderr);
    // Every problem at once, each at its value.
    assert!(
        stderr.contains(&format!(
            "{path}:2:23: tenant `b`: unknown module `contact-flow`; did you mean `contact-flows`?"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("{path}:4:11: tenant `c`: unknown module `nope`")),
        "{}",
        out.stderr
    );
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert_eq!(seen.load(Ordering::SeqCst), 0, "an API call was made");

    // A role ARN that is not one: also exit 2, located, nothing read.
    std::fs::write(
        &fleet,
        "- {tenant: a, module: contact-flows, role_arn: \"arn:aws:s3:::bucket\"}\n",
    )
    .unwrap();
    let out = util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .args(["drift", "--fleet"])
            .arg(&fleet)
            .args(["--endpoint-url", &endpoint])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1"),
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "{path}:1:48: `arn:aws:s3:::bucket` (tenant `a`) is not an IAM role ARN"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(seen.load(Ordering::SeqCst), 0, "an API call was made");
}
