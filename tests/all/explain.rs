//! `rolesmith explain`: every AccessDenied message variant of the fixture
//! file (`tests/fixtures/explain/messages.txt`, real-shaped messages against
//! the shipped project) answered in text and JSON Lines, snapshotted; the
//! verdicts that matter asserted one by one (a role of no module, an action
//! in no manifest, an action first granted in a later release); the first
//! version agrees with `capabilities.json`; the quick-create link is the
//! review document's; unparseable lines and bad arguments.

use std::io::Write;
use std::process::Stdio;

use serde_json::Value;

use crate::util::{self, Run, repo};

const ROLE: &str = "arn:aws:sts::222233334444:assumed-role/CXPortal-contact-flows/tenant-acme";
const FLOW: &str = "arn:aws:connect:eu-west-2:222233334444:instance/0f1e2d3c-aaaa-bbbb-cccc-111122223333/contact-flow/7c9e6679";

fn messages() -> String {
    std::fs::read_to_string(util::fixtures("explain").join("messages.txt")).unwrap()
}

/// `rolesmith explain <args>` with `stdin`, against the project at `config`.
fn explain_in(config: &std::path::Path, args: &[&str], stdin: &str) -> Run {
    let mut child = util::rolesmith()
        .arg("explain")
        .args(args)
        .arg("--config")
        .arg(config)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn explain(args: &[&str], stdin: &str) -> Run {
    explain_in(&repo().join("rolesmith.yaml"), args, stdin)
}

/// The JSON answer to one message.
fn answer(message: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    args.push(message);
    let run = explain(&args, "");
    assert_eq!(run.code, 0, "{}", run.text());
    serde_json::from_str(&run.stdout).unwrap()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "../../snapshots/explain", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn every_message_variant_in_text() {
    let run = explain(&["-"], &messages());
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(run.stderr, "");
    // One answer per line, in order.
    let lines = messages().lines().count();
    let answered = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("line "))
        .count();
    assert_eq!(answered, lines);
    snapshot("messages_text", &run.stdout);
}

#[test]
fn every_message_variant_in_json_lines() {
    let run = explain(&["-", "--format", "json"], &messages());
    assert_eq!(run.code, 0, "{}", run.text());
    let answers: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(answers.len(), messages().lines().count());
    let verdicts: Vec<(u64, &str, Option<&str>, Option<&str>)> = answers
        .iter()
        .map(|a| {
            (
                a["line"].as_u64().unwrap(),
                a["verdict"].as_str().unwrap(),
                a["denied_by"]["policy_type"].as_str(),
                a["first_version"].as_str(),
            )
        })
        .collect();
    let want: Vec<(u64, &str, Option<&str>, Option<&str>)> = vec![
        (
            1,
            "deploy_version_or_role_changed",
            Some("identity-based"),
            Some("1.2.0"),
        ),
        (2, "role_changed", Some("identity-based"), Some("1.0.0")),
        (
            3,
            "customer_boundary",
            Some("permissions-boundary"),
            Some("1.0.0"),
        ),
        (
            4,
            "customer_boundary",
            Some("permissions-boundary"),
            Some("1.0.0"),
        ),
        (
            5,
            "service_control_policy",
            Some("service-control"),
            Some("1.0.0"),
        ),
        (
            6,
            "service_control_policy",
            Some("service-control"),
            Some("1.0.0"),
        ),
        (
            7,
            "resource_control_policy",
            Some("resource-control"),
            Some("1.0.0"),
        ),
        (8, "resource_policy", Some("resource-based"), Some("1.0.0")),
        (9, "resource_policy", Some("resource-based"), Some("1.0.0")),
        (10, "session_policy", Some("session"), Some("1.0.0")),
        (11, "session_policy", Some("session"), Some("1.0.0")),
        (
            12,
            "vpc_endpoint_policy",
            Some("vpc-endpoint"),
            Some("1.0.0"),
        ),
        (
            13,
            "vpc_endpoint_policy",
            Some("vpc-endpoint"),
            Some("1.0.0"),
        ),
        (14, "role_changed", None, Some("1.0.0")),
        (15, "deploy_version_or_role_changed", None, Some("1.2.0")),
        (16, "role_changed", None, Some("1.0.0")),
        (
            17,
            "deploy_version_or_role_changed",
            Some("identity-based"),
            Some("1.1.0"),
        ),
        (18, "not_declared", Some("identity-based"), None),
        (19, "unknown_module", Some("identity-based"), None),
        (20, "unknown_module", Some("identity-based"), None),
        (21, "not_a_role", Some("identity-based"), None),
        (22, "vendor_policy", Some("identity-based"), None),
        (23, "customer_trust", None, None),
        (24, "role_changed", Some("identity-based"), Some("1.0.0")),
    ];
    assert_eq!(verdicts, want);
    // The explicit deny's policy ARN is kept.
    assert_eq!(
        answers[4]["denied_by"]["policy_arn"],
        "arn:aws:organizations::999988887777:policy/o-a1b2c3d4e5/service_control_policy/p-examplescp"
    );
    assert_eq!(answers[1]["denied_by"]["effect"], "explicit");
    assert_eq!(answers[13]["denied_by"]["effect"], "unstated");
    assert_eq!(answers[14]["resource"], Value::Null);
    snapshot("messages_json", &run.stdout);
}

#[test]
fn an_action_first_granted_in_a_later_release() {
    let msg = format!(
        "User: {ROLE} is not authorized to perform: connect:CreateContactFlowVersion on resource: {FLOW} because no identity-based policy allows the connect:CreateContactFlowVersion action"
    );
    let a = answer(&msg, &["--deployed", "1.1.0"]);
    assert_eq!(a["verdict"], "deploy_version");
    assert_eq!(a["first_version"], "1.2.0");
    assert_eq!(a["latest_release"], "1.2.0");
    assert_eq!(a["features"][0]["id"], "audit-flows");
    assert!(
        a["fix"]
            .as_str()
            .unwrap()
            .contains("to version 1.2.0 or later"),
        "{a}"
    );
    assert_eq!(a["command"], Value::Null);
    // On 1.2.0 the role should allow it: the customer changed the role.
    let a = answer(&msg, &["--deployed", "1.2.0"]);
    assert_eq!(a["verdict"], "role_changed");
    assert_eq!(
        a["command"],
        "rolesmith drift --module contact-flows --role-arn arn:aws:iam::222233334444:role/CXPortal-contact-flows --assume-role arn:aws:iam::222233334444:role/CXPortal-contact-flows --external-id <the tenant's external id>"
    );
}

#[test]
fn a_role_of_no_module_and_an_action_in_no_manifest() {
    let a = answer(
        &format!(
            "User: arn:aws:sts::222233334444:assumed-role/CXPortal-contact-flow/s is not authorized to perform: connect:ListContactFlows on resource: {FLOW} because no identity-based policy allows the connect:ListContactFlows action"
        ),
        &[],
    );
    assert_eq!(a["verdict"], "unknown_module");
    assert_eq!(a["module"], Value::Null);
    assert!(
        a["cause"]
            .as_str()
            .unwrap()
            .contains("did you mean `CXPortal-contact-flows`?"),
        "{a}"
    );
    let a = answer(
        &format!(
            "User: {ROLE} is not authorized to perform: connect:DeleteContactFlow on resource: {FLOW} because no identity-based policy allows the connect:DeleteContactFlow action"
        ),
        &[],
    );
    assert_eq!(a["verdict"], "not_declared");
    assert_eq!(a["module"], "contact-flows");
    assert_eq!(a["features"], serde_json::json!([]));
    assert!(
        a["fix"].as_str().unwrap().starts_with(
            "add `connect:DeleteContactFlow` to a feature in `modules/contact-flows.yaml`"
        ),
        "{a}"
    );
    // Granted, but on other resources: not declared for this one, and said so.
    let a = answer(
        &format!(
            "User: {ROLE} is not authorized to perform: connect:DescribeContactFlow on resource: arn:aws:connect:eu-west-2:555566667777:instance/i/contact-flow/f because no identity-based policy allows the connect:DescribeContactFlow action"
        ),
        &[],
    );
    assert_eq!(a["verdict"], "not_declared");
    assert!(
        a["cause"]
            .as_str()
            .unwrap()
            .contains("only on `arn:${AWS::Partition}"),
        "{a}"
    );
}

/// The first version explain gives is the ledger's: for every feature of
/// `capabilities.json`, a permission the feature had in its "since" version
/// is first granted in exactly that version.
#[test]
fn first_version_is_the_capability_matrix_since() {
    let caps: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("generated/capabilities.json")).unwrap(),
    )
    .unwrap();
    let ledger: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("generated/releases.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for (module, m) in caps["modules"].as_object().unwrap() {
        for (feature, f) in m["features"].as_object().unwrap() {
            let since = f["since"].as_str().unwrap();
            let release = ledger["modules"][module]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["version"] == since)
                .unwrap();
            let grant = release["grants"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["feature"] == feature.as_str())
                .unwrap();
            let action = grant["actions"][0].as_str().unwrap();
            let resource = concrete(grant["resources"][0].as_str().unwrap());
            let msg = format!(
                "User: arn:aws:sts::222233334444:assumed-role/CXPortal-{module}/s is not authorized to perform: {action} on resource: {resource} because no identity-based policy allows the {action} action"
            );
            let a = answer(&msg, &[]);
            assert_eq!(a["module"], module.as_str(), "{msg}");
            assert_eq!(a["first_version"], since, "{module} {feature}: {a}");
            assert!(
                a["features"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["id"] == feature.as_str()),
                "{module} {feature}: {a}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
}

/// A concrete ARN from a grant's `Fn::Sub` resource.
fn concrete(r: &str) -> String {
    if r == "*" {
        return r.into();
    }
    let mut out = r
        .replace("${AWS::Partition}", "aws")
        .replace("${AWS::Region}", "eu-west-2")
        .replace("${AWS::AccountId}", "222233334444");
    while let Some(start) = out.find("${") {
        let end = out[start..].find('}').unwrap() + start;
        out.replace_range(start..=end, "p1");
    }
    out.replace('*', "x")
}

#[test]
fn the_quick_create_link_is_the_review_documents() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["modules", "generated"] {
        util::copy_tree(&repo().join(sub), &dir.path().join(sub));
    }
    let config = std::fs::read_to_string(repo().join("rolesmith.yaml")).unwrap()
        + "review:\n  template_url_base: https://cx-portal-templates.s3.eu-west-2.amazonaws.com/roles\n";
    std::fs::write(dir.path().join("rolesmith.yaml"), config).unwrap();
    let config = dir.path().join("rolesmith.yaml");
    let run = util::with_config(&config, &["build"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let msg = format!(
        "User: {ROLE} is not authorized to perform: connect:CreateContactFlowVersion on resource: {FLOW} because no identity-based policy allows the connect:CreateContactFlowVersion action"
    );
    let run = explain_in(
        &config,
        &["--format", "json", "--deployed", "1.0.0", &msg],
        "",
    );
    assert_eq!(run.code, 0, "{}", run.text());
    let a: Value = serde_json::from_str(&run.stdout).unwrap();
    let link = a["quick_create_url"].as_str().unwrap();
    assert!(link.starts_with("https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?templateURL=https%3A%2F%2Fcx-portal-templates"), "{link}");
    assert!(
        link.contains("%2Fcontact-flows%2F1.2.0%2Ftemplate.json"),
        "{link}"
    );
    let review =
        std::fs::read_to_string(dir.path().join("generated/contact-flows/1.2.0/REVIEW.md"))
            .unwrap();
    assert!(
        review.contains(link),
        "the review of 1.2.0 gives another link"
    );
    // Text names it too.
    let run = explain_in(&config, &["--deployed", "1.0.0", &msg], "");
    assert!(
        run.stdout.contains(&format!("  link: {link}\n")),
        "{}",
        run.stdout
    );
}

#[test]
fn lines_that_are_no_access_denied_message_are_exit_1_and_the_rest_answered() {
    let input = format!(
        "hello world\n\nUser: {ROLE} is not authorized to perform: connect:ListContactFlows on resource: {FLOW}\nUser: x is not authorized to perform: \n"
    );
    let run = explain(&["-"], &input);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stdout
            .starts_with("line 3: role `CXPortal-contact-flows`"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stderr,
        "error: line 1: not an AccessDenied message (no `is not authorized to perform:`): `hello world`\n\
         error: line 4: the message names no action after `is not authorized to perform:` (found ``)\n\
         error: 2 of the lines were not an AccessDenied message\n"
    );
    let run = explain(&["-", "--format", "json"], &input);
    assert_eq!(run.code, 1);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["line"], 1);
    assert!(
        lines[0]["error"]
            .as_str()
            .unwrap()
            .starts_with("not an AccessDenied message")
    );
    assert_eq!(lines[1]["line"], 3);
    assert_eq!(lines[2]["line"], 4);
    // One message that is not one: exit 1, the reason on stderr.
    let run = explain(&["nothing to see"], "");
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(
        run.stderr.contains("not an AccessDenied message"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_are_exit_2() {
    let run = explain(&[], "");
    assert_eq!(run.code, 2, "{}", run.text());
    let run = explain(&["--deployed", "one", "x"], "");
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(
        run.stderr.contains("`--deployed one` is not a version"),
        "{}",
        run.stderr
    );
    let run = explain_in(&repo().join("nowhere/rolesmith.yaml"), &["x"], "");
    assert_eq!(run.code, 2, "{}", run.text());
}

/// An action only the current, unreleased version grants: release it first.
#[test]
fn an_action_only_the_unreleased_version_grants() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["modules", "generated"] {
        util::copy_tree(&repo().join(sub), &dir.path().join(sub));
    }
    std::fs::copy(
        repo().join("rolesmith.yaml"),
        dir.path().join("rolesmith.yaml"),
    )
    .unwrap();
    let manifest = dir.path().join("modules/settings.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text.replace("version: 1.0.0", "version: 1.1.0").replace(
        "      - dynamodb:Query\n",
        "      - dynamodb:Query\n      - dynamodb:Scan\n",
    );
    std::fs::write(&manifest, text).unwrap();
    let config = dir.path().join("rolesmith.yaml");
    let run = util::with_config(&config, &["build"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let msg = "User: arn:aws:sts::222233334444:assumed-role/CXPortal-settings/t is not authorized to perform: dynamodb:Scan on resource: arn:aws:dynamodb:eu-west-2:222233334444:table/portal-settings because no identity-based policy allows the dynamodb:Scan action";
    let run = explain_in(&config, &["--format", "json", msg], "");
    assert_eq!(run.code, 0, "{}", run.text());
    let a: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(a["verdict"], "not_released", "{a}");
    assert_eq!(a["first_version"], Value::Null);
    assert_eq!(a["features"][0]["id"], "read-settings");
    assert!(
        a["fix"]
            .as_str()
            .unwrap()
            .contains("rolesmith release settings"),
        "{a}"
    );
    // GetItem is granted since 1.0.0: unchanged by the unreleased version.
    let run = explain_in(
        &config,
        &["--format", "json", &msg.replace("Scan", "GetItem")],
        "",
    );
    let a: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        (a["verdict"].as_str(), a["first_version"].as_str()),
        (Some("role_changed"), Some("1.0.0"))
    );
}

/// A permission a later major release removed: deploying the latest does not help.
#[test]
fn a_permission_the_latest_major_release_removed() {
    let dir = tempfile::tempdir().unwrap();
    for sub in ["modules", "generated"] {
        util::copy_tree(&repo().join(sub), &dir.path().join(sub));
    }
    std::fs::copy(
        repo().join("rolesmith.yaml"),
        dir.path().join("rolesmith.yaml"),
    )
    .unwrap();
    let manifest = dir.path().join("modules/settings.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let text = text
        .replace("version: 1.0.0", "version: 2.0.0")
        .replace("      - dynamodb:DeleteItem\n", "");
    std::fs::write(&manifest, text).unwrap();
    let config = dir.path().join("rolesmith.yaml");
    for cmd in [&["build"][..], &["release", "settings"][..]] {
        let run = util::with_config(&config, cmd);
        assert_eq!(run.code, 0, "{cmd:?}: {}", run.text());
    }
    let msg = "User: arn:aws:sts::222233334444:assumed-role/CXPortal-settings/t is not authorized to perform: dynamodb:DeleteItem on resource: arn:aws:dynamodb:eu-west-2:222233334444:table/portal-settings because no identity-based policy allows the dynamodb:DeleteItem action";
    let run = explain_in(&config, &["--format", "json", msg], "");
    assert_eq!(run.code, 0, "{}", run.text());
    let a: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(a["verdict"], "removed", "{a}");
    assert_eq!(a["first_version"], "1.0.0");
    assert_eq!(a["latest_release"], "2.0.0");
    assert_eq!(a["features"][0]["id"], "write-settings");
    assert!(
        a["cause"]
            .as_str()
            .unwrap()
            .contains("the latest release 2.0.0 no longer does"),
        "{a}"
    );
}
