//! `rolesmith simulate` end to end: exit code, stdout and stderr together.

use std::process::Command;

use insta_cmd::assert_cmd_snapshot;

use crate::util::{self, rolesmith};

fn simulate(args: &[&str]) -> Command {
    let mut c = rolesmith();
    c.current_dir(util::fixtures("policy/simulate"))
        .arg("simulate")
        .args(args);
    c
}

macro_rules! snap {
    ($name:literal, $cmd:expr) => {
        insta::with_settings!({snapshot_path => "../../../snapshots/policy", prepend_module_to_snapshot => false}, {
            assert_cmd_snapshot!($name, $cmd);
        })
    };
}

#[test]
fn single_allowed_text() {
    snap!(
        "simulate_single_allowed",
        simulate(&[
            "--policy",
            "role.json",
            "--action",
            "connect:DescribeContactFlow",
            "--resource",
            "arn:aws:connect:eu-west-2:111122223333:instance/i/contact-flow/f",
            "--context",
            "aws:RequestedRegion=eu-west-2"
        ])
    );
}

#[test]
fn single_denied_json() {
    snap!(
        "simulate_single_denied_json",
        simulate(&[
            "--policy",
            "role.json",
            "--action",
            "connect:DescribeUser",
            "--resource",
            "arn:aws:connect:us-east-1:111122223333:instance/i/agent/a",
            "--context",
            "aws:RequestedRegion=us-east-1",
            "--format",
            "json"
        ])
    );
}

#[test]
fn single_boundary_blocks() {
    snap!(
        "simulate_single_boundary",
        simulate(&[
            "--policy",
            "role.json",
            "--boundary",
            "boundary.json",
            "--action",
            "connect:DescribeUser",
            "--resource",
            "arn:aws:connect:eu-west-2:111122223333:instance/i/agent/a"
        ])
    );
}

#[test]
fn single_malformed_policy() {
    snap!(
        "simulate_single_malformed",
        simulate(&[
            "--policy",
            "broken.json",
            "--action",
            "connect:DescribeUser",
            "--resource",
            "*"
        ])
    );
}

#[test]
fn single_missing_action() {
    snap!(
        "simulate_single_missing_action",
        simulate(&["--policy", "role.json", "--resource", "*"])
    );
}

#[test]
fn batch_goes_on_after_bad_lines() {
    snap!("simulate_batch", simulate(&["--batch", "batch.jsonl"]));
}

/// Issue 15: a line that is not UTF-8 gets an error line of its own and the
/// batch answers every line after it.
#[test]
fn batch_answers_lines_after_invalid_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/policy/simulate/batch.jsonl"
    ))
    .unwrap();
    let first = good.lines().next().unwrap();
    let mut bytes = Vec::new();
    bytes.extend_from_slice(first.as_bytes());
    bytes.extend_from_slice(b"\n{\"action\": \"s3:Get\xff\"}\n");
    bytes.extend_from_slice(first.as_bytes());
    bytes.push(b'\n');
    let path = dir.path().join("batch.jsonl");
    std::fs::write(&path, &bytes).unwrap();
    let out = simulate(&["--batch", path.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert_eq!(lines[0], lines[2]);
    assert!(lines[0].contains("\"decision\""), "{stdout}");
    assert_eq!(
        lines[1],
        r#"{"error":"line 2: not UTF-8 text (invalid byte at column 19); write requests as UTF-8 JSON"}"#
    );
    assert_eq!(out.status.code(), Some(1));
}

/// A batch of several blocks (answered by the workers side by side) keeps
/// input order, numbers bad lines by their place in the file, and reads
/// from stdin the same as from a file.
#[test]
fn a_large_batch_keeps_its_order_and_line_numbers() {
    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/even-*"}]}"#;
    let mut input = String::new();
    let mut want = Vec::new();
    // About 1.5 MB: several blocks of 256 KiB.
    for i in 1..=6000usize {
        match i {
            _ if i % 997 == 0 => {
                input.push_str("{not json\n");
                want.push(format!("error:line {i}:"));
            }
            _ if i % 1009 == 0 => input.push_str("   \n"),
            _ => {
                let (kind, decision) = if i % 2 == 0 {
                    ("even", "allowed")
                } else {
                    ("odd", "implicitDeny")
                };
                input.push_str(&format!(
                    "{{\"policies\":[{policy}],\"action\":\"s3:GetObject\",\"resource\":\"arn:aws:s3:::b/{kind}-{i}\",\"context\":{{\"pad\":\"{}\"}}}}\n",
                    "x".repeat(i % 97)
                ));
                want.push(decision.to_string());
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.jsonl");
    std::fs::write(&path, &input).unwrap();
    let check = |stdout: &str| {
        let got: Vec<&str> = stdout.lines().collect();
        assert_eq!(got.len(), want.len());
        for (line, w) in got.iter().zip(&want) {
            match w.strip_prefix("error:") {
                Some(prefix) => assert!(
                    line.starts_with(&format!("{{\"error\":\"{prefix}")),
                    "{line} (want {w})"
                ),
                None => assert!(
                    line.contains(&format!("\"decision\":\"{w}\"")),
                    "{line} (want {w})"
                ),
            }
        }
    };
    let from_file = simulate(&["--batch", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(from_file.status.code(), Some(1));
    let stdout = String::from_utf8(from_file.stdout).unwrap();
    check(&stdout);
    let from_stdin = simulate(&["--batch", "-"])
        .stdin(std::fs::File::open(&path).unwrap())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(from_stdin.stdout).unwrap(), stdout);
}

/// Issue 11: an unknown action warns on stderr with a did-you-mean, and the
/// decision is the same as without the warning.
#[test]
fn single_unknown_action_warns() {
    snap!(
        "simulate_single_unknown_action",
        simulate(&[
            "--policy",
            "kms.json",
            "--action",
            "kms:Decrpyt",
            "--resource",
            "arn:aws:kms:eu-west-2:111122223333:key/k-1",
        ])
    );
}

/// Issue 11: a context key the action never carries warns; `implicitDeny`
/// names the statement that names the action and why it failed (the
/// resource, and the condition's value).
#[test]
fn single_implicit_deny_explains_and_warns_on_foreign_keys() {
    snap!(
        "simulate_single_implicit_deny_explained",
        simulate(&[
            "--policy",
            "kms.json",
            "--action",
            "kms:Decrypt",
            "--resource",
            "arn:aws:kms:eu-west-2:111122223333:key/k-2",
            "--context",
            "kms:ViaService=ec2.eu-west-2.amazonaws.com",
            "--context",
            "connect:InstanceId=i-1",
        ])
    );
    snap!(
        "simulate_single_implicit_deny_explained_json",
        simulate(&[
            "--policy",
            "kms.json",
            "--action",
            "kms:Decrypt",
            "--resource",
            "arn:aws:kms:eu-west-2:111122223333:key/k-1",
            "--format",
            "json",
        ])
    );
}

/// Issue 11: `--policy` and `--boundary` are the defaults of batch lines
/// that leave them out (`"policies": []` is no policy at all); lines carry
/// `explanation` for an implicit deny and `warnings`.
#[test]
fn batch_defaults_explanations_and_warnings() {
    snap!(
        "simulate_batch_defaults",
        simulate(&["--batch", "defaults.jsonl", "--policy", "kms.json"])
    );
    // The decisions are the single-request ones, warnings or not.
    let out = simulate(&["--batch", "defaults.jsonl", "--policy", "kms.json"])
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let decisions: Vec<&str> = lines
        .iter()
        .map(|l| l["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        [
            "allowed",
            "implicitDeny",
            "implicitDeny",
            "implicitDeny",
            "allowed",
            "implicitDeny"
        ]
    );
    assert!(
        lines[3]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("did you mean `kms:Decrypt`?")
    );
    assert!(
        lines[4]["warnings"][0]
            .as_str()
            .unwrap()
            .contains("`s3:prefix`")
    );
    assert_eq!(
        lines[2]["explanation"][0]["reasons"][0]["kind"],
        "conditionKeyAbsent"
    );
    // With a boundary that allows only DescribeKey, the boundary's statements are explained.
    let dir = tempfile::tempdir().unwrap();
    let b = dir.path().join("b.json");
    std::fs::write(
        &b,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"OnlyKey2","Effect":"Allow","Action":"kms:*","Resource":"arn:aws:kms:eu-west-2:111122223333:key/k-2"}]}"#,
    )
    .unwrap();
    let out = simulate(&[
        "--batch",
        "defaults.jsonl",
        "--policy",
        "kms.json",
        "--boundary",
        b.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    let first: serde_json::Value = serde_json::from_str(
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(first["decision"], "implicitDeny");
    assert_eq!(first["boundaryBlocked"], true);
    assert_eq!(first["explanation"][0]["sid"], "OnlyKey2");
    assert_eq!(first["explanation"][0]["reasons"][0]["kind"], "resource");
}

/// The batch line format is in `--help`.
#[test]
fn help_documents_the_batch_line_format() {
    let out = simulate(&["--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "\"policies\"",
        "\"boundary\"",
        "\"context\"",
        "defaults to the",
        "\"warnings\"",
        "\"explanation\"",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
}
