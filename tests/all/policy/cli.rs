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
