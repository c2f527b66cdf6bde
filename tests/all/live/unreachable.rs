//! Issue 15 through the CLI: an unreachable endpoint over a 200-row fleet
//! (one breaker message, every row reported, a handful of attempts), and the
//! bounds of `--concurrency` and `--row-timeout`.

use serde_json::Value;

use super::faults::{assert_plain, closed_endpoint};
use super::moto::account;
use crate::util;

fn drift(dir: &std::path::Path, args: &[&str]) -> util::Run {
    util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .arg("drift")
            .args(args)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .env("AWS_CONFIG_FILE", dir.join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none")),
    )
}

fn fleet_file(dir: &std::path::Path, n: u32) -> std::path::PathBuf {
    let mut rows = String::new();
    for i in 0..n {
        let acct = account(2000 + i);
        rows.push_str(&format!(
            "- {{tenant: t{i}, module: contact-flows, role_arn: \"arn:aws:iam::{acct}:role/CXPortal-contact-flows\", external_id: \"t{i}-ext\", region: eu-west-2}}\n"
        ));
    }
    let path = dir.join("fleet.yaml");
    std::fs::write(&path, rows).unwrap();
    path
}

#[test]
fn an_unreachable_endpoint_over_200_rows_stops_early_and_reports_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = fleet_file(dir.path(), 200);
    let endpoint = closed_endpoint();
    let out = drift(
        dir.path(),
        &[
            "--fleet",
            fleet.to_str().unwrap(),
            "--format",
            "json",
            "--endpoint-url",
            &endpoint,
        ],
    );
    assert_eq!(out.code, 3, "{}", out.stderr);
    // Said once, in words.
    let said: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("stopped reading"))
        .collect();
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(
        said[0].starts_with("error: the endpoint answered none of 10 connection attempts in a row"),
        "{}",
        said[0]
    );
    assert_plain(&out.stderr);

    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    let s = &report["summary"];
    assert_eq!(s["checked"], 200);
    assert_eq!(s["error"], 200);
    // The breaker opens at the 10th refused attempt; the default 8 rows at
    // once may each have one more on the wire: far from 200 x 6.
    let calls = s["api_calls"].as_u64().unwrap();
    assert!((10..=10 + 7).contains(&calls), "{calls} attempts");
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 200);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r["tenant"], format!("t{i}"));
        assert_eq!(r["status"], "error");
        let findings = r["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{r}");
        assert_eq!(findings[0]["kind"], "read_failed");
        let message = findings[0]["message"].as_str().unwrap();
        assert!(
            message.contains("connection attempts in a row") || message.contains("refused"),
            "{message}"
        );
        assert_plain(message);
    }
}

/// `drift --fleet FLEET OPTION=VALUE` is refused with exit 2 and clap's
/// message naming the value and the option (`<PLACEHOLDER>` as in `--help`);
/// returns the run.
fn assert_refused(dir: &std::path::Path, fleet: &str, option: &str, value: &str) -> util::Run {
    let arg = format!("{option}={value}");
    let out = drift(dir, &["--fleet", fleet, &arg]);
    assert_eq!(out.code, 2, "{arg}: {}", out.text());
    let placeholder = match option {
        "--concurrency" => "CONCURRENCY",
        _ => "SECONDS",
    };
    assert!(
        out.stderr.contains(&format!(
            "invalid value '{value}' for '{option} <{placeholder}>'"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
    out
}

#[test]
fn concurrency_is_1_to_256() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = fleet_file(dir.path(), 1);
    let fleet = fleet.to_str().unwrap();
    for bad in ["257", "-1", "many"] {
        assert_refused(dir.path(), fleet, "--concurrency", bad);
    }
    for bad in ["0", "100000"] {
        let out = assert_refused(dir.path(), fleet, "--concurrency", bad);
        let why = format!("{bad} is not in 1..=256");
        assert!(out.stderr.contains(&why), "{}", out.stderr);
    }
    // The bounds themselves are accepted: the run reads (and fails on) the row.
    let endpoint = closed_endpoint();
    for ok in ["1", "256"] {
        let out = drift(
            dir.path(),
            &[
                "--fleet",
                fleet,
                "--concurrency",
                ok,
                "--endpoint-url",
                &endpoint,
            ],
        );
        assert_eq!(out.code, 3, "--concurrency {ok}: {}", out.text());
        assert!(out.stdout.contains("read_failed"), "{}", out.stdout);
    }
}

#[test]
fn row_timeout_is_1_to_3600_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let fleet = fleet_file(dir.path(), 1);
    for bad in ["0", "3601", "1.5"] {
        assert_refused(dir.path(), fleet.to_str().unwrap(), "--row-timeout", bad);
    }
}
