//! Differential tests against the reference evaluator (`tests/reference/`,
//! a separate Node process; see `tests/reference/DIFFERENCES.md`).
//!
//! The reference is a test tool like moto: when `node` or
//! `tests/reference/node_modules` is missing the tests fail (never skip)
//! and say how to install it (`scripts/test.sh` does).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::util;

fn root() -> PathBuf {
    util::repo()
}

/// Fails the test, saying how to install it, when the reference evaluator
/// cannot run.
fn require_reference() {
    let module = root().join("tests/reference/node_modules/@cloud-copilot/iam-simulate");
    assert!(
        module.is_dir(),
        "the reference evaluator is not installed ({} is missing): run `cd tests/reference && npm ci` (or `scripts/test.sh`)",
        module.display()
    );
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.as_ref().is_ok_and(|o| o.status.success()),
        "`node` cannot run ({node:?}): install Node.js, then run `cd tests/reference && npm ci` (or `scripts/test.sh`)"
    );
}

/// Runs a batch through `cmd` (stdin -> stdout), one JSON value per line.
fn run_batch(mut cmd: Command, input: &str) -> Vec<Value> {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ours(input: &str) -> Vec<Value> {
    let mut cmd = util::rolesmith();
    cmd.args(["simulate", "--batch", "-"]);
    run_batch(cmd, input)
}

fn reference(input: &str) -> Vec<Value> {
    let mut cmd = Command::new("node");
    cmd.arg(root().join("tests/reference/simulate-batch.cjs"))
        .arg("-");
    run_batch(cmd, input)
}

fn decision(v: &Value) -> String {
    v.get("decision")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("error: {v}"))
}

fn fixtures() -> Vec<PathBuf> {
    let dir = root().join("tests/fixtures/policy/cases");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

/// The fixture as a request line (fields starting with `_` are notes).
fn request_line(path: &Path) -> (String, Option<String>) {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut m = v.as_object().unwrap().clone();
    let differs = m
        .get("_reference_differs")
        .and_then(Value::as_str)
        .map(str::to_string);
    m.retain(|k, _| !k.starts_with('_'));
    (Value::Object(m).to_string(), differs)
}

#[test]
fn hand_written_cases() {
    let files = fixtures();
    let lines: Vec<(String, Option<String>)> = files.iter().map(|p| request_line(p)).collect();
    let input: String = lines.iter().map(|(l, _)| format!("{l}\n")).collect();
    let got = ours(&input);
    assert_eq!(got.len(), files.len());
    insta::with_settings!({snapshot_path => "../../../snapshots/policy", prepend_module_to_snapshot => false}, {
        insta::glob!("../../fixtures/policy/cases", "*.json", |path| {
            let i = files.iter().position(|f| f == path).unwrap();
            insta::assert_json_snapshot!(got[i]);
        });
    });
    require_reference();
    let want = reference(&input);
    assert_eq!(want.len(), files.len());
    for (i, f) in files.iter().enumerate() {
        let (a, b) = (decision(&got[i]), decision(&want[i]));
        match &lines[i].1 {
            None => assert_eq!(a, b, "{}: rolesmith vs reference", f.display()),
            Some(why) => assert_ne!(
                a,
                b,
                "{}: documented as differing ({why}) but both say {a}; update DIFFERENCES.md",
                f.display()
            ),
        }
    }
}

#[test]
fn random_requests_agree_with_reference() {
    require_reference();
    let seed = std::env::var("ROLESMITH_DIFF_SEED").unwrap_or_else(|_| "20261127".into());
    let count = std::env::var("ROLESMITH_DIFF_COUNT").unwrap_or_else(|_| "3000".into());
    let generated = Command::new("node")
        .arg(root().join("tests/reference/gen-requests.cjs"))
        .args([&seed, &count])
        .output()
        .unwrap();
    assert!(generated.status.success());
    let input = String::from_utf8(generated.stdout).unwrap();
    let n = input.lines().count();
    assert_eq!(n.to_string(), count);
    let (a, b) = (ours(&input), reference(&input));
    assert_eq!((a.len(), b.len()), (n, n));
    let mut bad = Vec::new();
    let mut decisions = std::collections::BTreeMap::<String, usize>::new();
    for (i, line) in input.lines().enumerate() {
        let (x, y) = (decision(&a[i]), decision(&b[i]));
        *decisions.entry(x.clone()).or_default() += 1;
        if x != y {
            bad.push(format!(
                "line {}: rolesmith {x}, reference {y}\n  {line}",
                i + 1
            ));
        }
    }
    // The generator must exercise every decision, or agreement means little.
    for d in ["allowed", "explicitDeny", "implicitDeny"] {
        assert!(
            decisions.get(d).copied().unwrap_or(0) > n / 20,
            "{decisions:?}"
        );
    }
    assert!(
        bad.is_empty(),
        "{} of {n} requests disagree (seed {seed}):\n{}",
        bad.len(),
        bad.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
}
