//! Drift from authorization-details files: one fixture per case under
//! `tests/fixtures/drift/offline/`, the JSON report snapshotted.

use rolesmith::drift::Subject;
use rolesmith::live::offline::AuthDetailsReader;
use rolesmith::live::{RoleReader, RoleTarget};

use super::project;
use crate::util;

#[test]
fn offline_cases() {
    insta::glob!("../../fixtures/drift/offline", "*.json", |path| {
        let reader = AuthDetailsReader::load(path).unwrap();
        let p = project();
        let arn = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";
        let subject = Subject {
            tenant: Some("acme".into()),
            module: "contact-flows".into(),
            role_arn: arn.into(),
            region: Some("eu-west-2".into()),
        };
        let read = reader.read_role(&RoleTarget::new(arn));
        let report = p.check(&subject, &[], read.as_ref());
        insta::with_settings!({snapshot_path => "../../../snapshots/drift", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(rolesmith::report::text(&report));
        });
    });
}

/// `rolesmith drift <args>`, run from the repository root.
fn cli(args: &[&str]) -> (i32, String, String) {
    util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .arg("drift")
            .args(args),
    )
    .parts()
}

const ARN: &str = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";

#[test]
fn cli_exit_codes_from_file() {
    let fixture = |n: &str| format!("tests/fixtures/drift/offline/{n}.json");
    let ok = fixture("as-deployed");
    let (code, out, _) = cli(&[
        "--module",
        "contact-flows",
        "--role-arn",
        ARN,
        "--from-file",
        &ok,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(v["latest_version"], "1.2.0");
    assert_eq!(v["tenant"], serde_json::Value::Null);

    let bad = fixture("unreadable-policies");
    let (code, out, _) = cli(&[
        "--module",
        "contact-flows",
        "--role-arn",
        ARN,
        "--from-file",
        &bad,
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("DRIFT: contact-flows"), "{out}");

    let (code, _, err) = cli(&[
        "--module",
        "contact-flow",
        "--role-arn",
        ARN,
        "--from-file",
        &ok,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("did you mean `contact-flows`?"), "{err}");

    let (code, _, err) = cli(&[
        "--module",
        "contact-flows",
        "--role-arn",
        ARN,
        "--from-file",
        "Cargo.toml",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("Cargo.toml:1:2: expected value"), "{err}");

    // Issue 15: valid JSON that is not a dump is refused (exit 2), never
    // taken for an account without the role.
    let dir = tempfile::tempdir().unwrap();
    for (name, text, says) in [
        ("empty.json", "{}", "an empty object"),
        ("array.json", "[]", "an array"),
        (
            "get-role.json",
            r#"{"Role": {"RoleName": "CXPortal-contact-flows", "Arn": "arn:aws:iam::222233334444:role/CXPortal-contact-flows"}}"#,
            "an object with `Role`",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (code, out, err) = cli(&[
            "--module",
            "contact-flows",
            "--role-arn",
            ARN,
            "--from-file",
            path.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{name}: {out}{err}");
        assert!(out.is_empty(), "{name}: {out}");
        assert!(
            err.contains("is not an authorization-details dump"),
            "{name}: {err}"
        );
        assert!(err.contains(says), "{name}: {err}");
    }
}

/// Issue 15: a `rolesmith:version` tag that names no version of the module
/// is an `unknown_version` error, not "ok, deployed x".
#[test]
fn unknown_version_tags_are_findings() {
    let text = std::fs::read_to_string("tests/fixtures/drift/offline/as-deployed.json").unwrap();
    let dir = tempfile::tempdir().unwrap();
    for tag in ["x", "", "9.9.9", "1.0.0-rc1"] {
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let tags = v["RoleDetailList"][0]["Tags"].as_array_mut().unwrap();
        let t = tags
            .iter_mut()
            .find(|t| t["Key"] == "rolesmith:version")
            .unwrap();
        t["Value"] = serde_json::Value::from(tag);
        let path = dir.path().join("dump.json");
        std::fs::write(&path, v.to_string()).unwrap();
        let (code, out, err) = cli(&[
            "--module",
            "contact-flows",
            "--role-arn",
            ARN,
            "--from-file",
            path.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert_eq!(code, 1, "tag `{tag}`: {out}{err}");
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(r["status"], "drift", "tag `{tag}`");
        assert_eq!(
            r["deployed_version"],
            serde_json::Value::Null,
            "tag `{tag}`"
        );
        let f = r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "unknown_version")
            .unwrap_or_else(|| panic!("tag `{tag}`: {out}"));
        assert_eq!(f["severity"], "error");
        assert!(
            f["message"]
                .as_str()
                .unwrap()
                .contains(&format!("says version `{tag}`")),
            "{f}"
        );
    }
}

#[test]
fn drift_does_not_repeat_the_manifests_warnings() {
    // A project whose other module has a warning: build shows it, drift
    // (run by support on one role) does not.
    let dir = util::temp_project(&util::repo());
    util::copy_tree(
        &util::repo().join("generated"),
        &dir.path().join("generated"),
    );
    std::fs::write(
        dir.path().join("modules/extra.yaml"),
        "module: extra\nversion: 1.0.0\ndescription: An extra module.\nparameters:\n  Unused:\n    description: Used nowhere.\nfeatures:\n  - id: read\n    description: Read the account's alias.\n    actions:\n      - iam:ListAccountAliases\n",
    )
    .unwrap();
    let config = dir.path().join("rolesmith.yaml");
    let build = util::with_config(&config, &["build"]);
    assert_eq!(build.code, 0, "{}", build.text());
    assert!(
        build.stderr.contains("unused_parameter"),
        "{}",
        build.text()
    );
    let fixture = util::repo().join("tests/fixtures/drift/offline/as-deployed.json");
    let drift = util::with_config(
        &config,
        &[
            "drift",
            "--module",
            "contact-flows",
            "--role-arn",
            ARN,
            "--from-file",
            fixture.to_str().unwrap(),
        ],
    );
    assert_eq!(drift.code, 0, "{}", drift.text());
    assert!(
        !drift.stderr.contains("unused_parameter"),
        "{}",
        drift.text()
    );
    assert!(
        drift.stdout.starts_with("ok: contact-flows"),
        "{}",
        drift.text()
    );
}
