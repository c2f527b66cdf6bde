//! Versioned, additive releases: one fixture history per rule
//! (`tests/fixtures/version/rules/<case>/v1.yaml` is released, then
//! `v2.yaml` is built; exit code, stdout and stderr are snapshotted), a
//! three-release history for `diff`, the changelog and the capability
//! matrix, and the library API the review documents use.

use std::path::{Path, PathBuf};

use rolesmith::compile::Grant;
use rolesmith::manifest::Conditions;
use rolesmith::version::{self, Ledger};

use crate::util::{self, Run};

fn fixtures() -> PathBuf {
    util::fixtures("version")
}

/// A throw-away project with the shared config and no module yet.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixtures().join("rolesmith.yaml"),
        dir.path().join("rolesmith.yaml"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("modules")).unwrap();
    dir
}

fn put_manifest(dir: &Path, manifest: &Path) {
    std::fs::copy(manifest, dir.join("modules/flows.yaml")).unwrap();
}

/// `rolesmith --color never <args>` run in `dir`.
fn rolesmith(dir: &Path, args: &[&str]) -> Run {
    util::run(
        util::rolesmith()
            .current_dir(dir)
            .args(["--color", "never"])
            .args(args),
    )
}

fn ok(dir: &Path, args: &[&str]) -> Run {
    let r = rolesmith(dir, args);
    assert_eq!(r.code, 0, "rolesmith {args:?}:\n{}", r.text());
    r
}

/// Builds and releases one manifest.
fn release(dir: &Path, manifest: &Path) {
    put_manifest(dir, manifest);
    ok(dir, &["build"]);
    ok(dir, &["release"]);
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn rules() {
    insta::glob!("../fixtures/version/rules", "*/v2.yaml", |v2| {
        let case = v2.parent().unwrap();
        let dir = project();
        let d = dir.path();
        release(d, &case.join("v1.yaml"));
        let released = read(d, "generated/releases.json");
        let v1_template = read(d, "generated/flows/1.0.0/template.json");
        put_manifest(d, v2);
        // Issue 10: validate runs every check build runs (writing nothing)
        // and reports the same problems.
        let validate = rolesmith(d, &["validate"]);
        assert_eq!(read(d, "generated/releases.json"), released);
        let build = rolesmith(d, &["build"]);
        assert_eq!(validate.code, build.code, "{}", validate.text());
        if build.code != 0 {
            assert_eq!(
                validate.stderr.replace("validation failed", "build failed"),
                build.stderr
            );
        }
        insta::with_settings!({snapshot_path => "../../snapshots/version", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("rule", build.text());
        });
        // Whatever the outcome, the released version stays as it was.
        assert_eq!(read(d, "generated/flows/1.0.0/template.json"), v1_template);
        assert_eq!(read(d, "generated/releases.json"), released);
        if build.code == 0 {
            ok(d, &["build", "--check"]);
        } else {
            assert_eq!(build.code, 1);
            assert!(build.stderr.contains("nothing was written"));
            // Every problem points at the manifest's `version` line.
            let json = rolesmith(d, &["validate", "--format", "json"]);
            let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
            let line = std::fs::read_to_string(v2)
                .unwrap()
                .lines()
                .position(|l| l.starts_with("version:"))
                .unwrap()
                + 1;
            for p in report["problems"].as_array().unwrap() {
                assert_eq!(p["file"], "modules/flows.yaml", "{p}");
                assert_eq!(p["line"], line, "{p}");
                assert_eq!(p["column"], "version: ".len() + 1, "{p}");
            }
        }
    });
}

#[test]
fn history_diff_changelog_and_capabilities() {
    let h = fixtures().join("history");
    let dir = project();
    let d = dir.path();
    for v in ["v1", "v2", "v3"] {
        release(d, &h.join(format!("{v}.yaml")));
    }
    // Every released version's files are kept and verified.
    for v in ["1.0.0", "1.1.0", "2.0.0"] {
        assert!(
            d.join(format!("generated/flows/{v}/template.json"))
                .is_file()
        );
    }
    ok(d, &["build", "--check"]);
    let snap = |name: &str, text: String| {
        insta::with_settings!({snapshot_path => "../../snapshots/version", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, text);
        });
    };
    snap("diff_default_text", ok(d, &["diff", "flows"]).stdout);
    snap(
        "diff_1.0.0_2.0.0_json",
        ok(d, &["diff", "flows", "1.0.0", "2.0.0", "--format", "json"]).stdout,
    );
    snap("changelog", read(d, "generated/flows/CHANGELOG.md"));
    snap("capabilities", read(d, "generated/capabilities.json"));

    let json: serde_json::Value = serde_json::from_str(
        &ok(d, &["diff", "flows", "1.1.0", "2.0.0", "--format", "json"]).stdout,
    )
    .unwrap();
    let edit = json["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "edit-flows")
        .unwrap();
    // The tightened condition loses UpdateContactFlowContent as granted before.
    let removed: Vec<&str> = edit["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        removed,
        [
            "connect:UpdateContactFlowContent",
            "connect:UpdateContactFlowName"
        ]
    );
    assert_eq!(json["parameters"]["added"], serde_json::json!(["Team"]));

    // Releasing again is a no-op that says so.
    let again = ok(d, &["release"]);
    assert!(
        again.stdout.contains("already released"),
        "{}",
        again.stdout
    );

    // A released file altered on disk fails the check and names it.
    let old = d.join("generated/flows/1.0.0/template.json");
    let mut text = read(d, "generated/flows/1.0.0/template.json");
    text.push(' ');
    std::fs::write(&old, text).unwrap();
    let check = rolesmith(d, &["build", "--check"]);
    assert_eq!(check.code, 1, "{}", check.text());
    assert!(check.stderr.contains("generated/flows/1.0.0/template.json"));
    let rel = rolesmith(d, &["release"]);
    assert_eq!(rel.code, 1, "{}", rel.text());
}

#[test]
fn release_requires_generated_up_to_date() {
    let h = fixtures().join("history");
    let dir = project();
    let d = dir.path();
    put_manifest(d, &h.join("v1.yaml"));
    let r = rolesmith(d, &["release"]);
    assert_eq!(r.code, 1, "{}", r.text());
    assert!(r.stderr.contains("run `rolesmith build`"), "{}", r.stderr);
    assert!(!d.join("generated/releases.json").exists());
    let r = rolesmith(d, &["release", "nope"]);
    assert_eq!(r.code, 2, "{}", r.text());
    assert!(r.stderr.contains("unknown module `nope`"), "{}", r.stderr);
}

#[test]
fn diff_errors_exit_2() {
    let h = fixtures().join("history");
    let dir = project();
    let d = dir.path();
    release(d, &h.join("v1.yaml"));
    // Nothing released before the current version 1.0.0.
    let r = rolesmith(d, &["diff", "flows"]);
    assert_eq!(r.code, 2, "{}", r.text());
    assert!(r.stderr.contains("no release before 1.0.0"), "{}", r.stderr);
    let r = rolesmith(d, &["diff", "flows", "0.9.0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no version `0.9.0`"), "{}", r.stderr);
    let r = rolesmith(d, &["diff", "other"]);
    assert_eq!(r.code, 2);
}

fn grant(feature: &str, actions: &[&str], resources: &[&str], conditions: Conditions) -> Grant {
    Grant {
        sid: "S".into(),
        feature: feature.into(),
        actions: actions.iter().map(|s| s.to_string()).collect(),
        resources: resources.iter().map(|s| s.to_string()).collect(),
        conditions,
    }
}

const FLOW: &str = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*";

#[test]
fn feature_changes_judge_by_meaning() {
    let old = [grant(
        "f",
        &["connect:DescribeContactFlow"],
        &[FLOW],
        Conditions::new(),
    )];
    // Same meaning, other text: a pattern covering the old action.
    let new = [grant(
        "f",
        &["connect:Describe*"],
        &["*"],
        Conditions::new(),
    )];
    let ch = version::feature_changes(&old, &new);
    assert_eq!(ch.len(), 1);
    assert!(ch[0].removed.is_empty());
    assert_eq!(ch[0].added[0].action, "connect:Describe*");
    // A parameter is opaque: another parameter is another value.
    let other = [grant(
        "f",
        &["connect:DescribeContactFlow"],
        &[&FLOW.replace("InstanceId", "OtherId")],
        Conditions::new(),
    )];
    let ch = version::feature_changes(&old, &other);
    assert_eq!(ch[0].removed.len(), 1);
    assert_eq!(ch[0].added.len(), 1);
    // Unchanged features are not listed.
    assert!(version::feature_changes(&old, &old).is_empty());
    // Adding a condition narrows.
    let mut c = Conditions::new();
    c.entry("StringEquals".into())
        .or_default()
        .insert("aws:ResourceTag/team".into(), vec!["a".into()]);
    let conditioned = [grant("f", &["connect:DescribeContactFlow"], &[FLOW], c)];
    let ch = version::feature_changes(&old, &conditioned);
    assert_eq!(ch[0].removed.len(), 1);
    assert!(
        version::feature_changes(&conditioned, &old)[0]
            .removed
            .is_empty()
    );
}

#[test]
fn ledger_api_previous_and_since() {
    let h = fixtures().join("history");
    let dir = project();
    let d = dir.path();
    release(d, &h.join("v1.yaml"));
    release(d, &h.join("v2.yaml"));
    let ledger = rolesmith::pipeline::read_ledger(d).unwrap();
    let versions: Vec<String> = ledger
        .releases("flows")
        .iter()
        .map(|r| r.version.to_string())
        .collect();
    assert_eq!(versions, ["1.0.0", "1.1.0"]);
    let v = |s: &str| semver::Version::parse(s).unwrap();
    assert_eq!(
        ledger.previous("flows", &v("1.1.0")).unwrap().version,
        v("1.0.0")
    );
    assert!(ledger.previous("flows", &v("1.0.0")).is_none());
    assert!(
        rolesmith::pipeline::read_ledger(&d.join("nowhere"))
            .unwrap()
            .releases("flows")
            .is_empty()
    );

    put_manifest(d, &h.join("v3.yaml"));
    let project = rolesmith::manifest::load_project(
        rolesmith::catalogue::catalogue(),
        &d.join("rolesmith.yaml"),
    )
    .unwrap();
    let current = rolesmith::compile::compile_project(rolesmith::catalogue::catalogue(), &project)
        .unwrap()
        .remove(0);
    let since = version::since(&ledger, "flows", &current);
    // 2.0.0 narrowed `edit-flows` with a condition: 1.1.0 already granted all of it.
    assert_eq!(since["view-flows"], v("1.0.0"));
    assert_eq!(since["edit-flows"], v("1.1.0"));

    let bad = Ledger::parse(
        Path::new("releases.json"),
        b"{\"format\": 1, \"modules\": 3}",
    );
    assert!(bad.is_err());
}

#[test]
fn suggested_versions_skip_released_ones() {
    let h = fixtures().join("history");
    let dir = project();
    let d = dir.path();
    release(d, &h.join("v1.yaml"));
    release(d, &h.join("v2.yaml"));
    let ledger = rolesmith::pipeline::read_ledger(d).unwrap();
    let v = |s: &str| semver::Version::parse(s).unwrap();
    use version::Bump::*;
    // From 1.0.0, 1.1.0 is taken: a minor step goes to 1.2.0.
    assert_eq!(
        version::suggest(&ledger, "flows", &v("1.0.0"), Minor),
        v("1.2.0")
    );
    assert_eq!(
        version::suggest(&ledger, "flows", &v("1.0.0"), Patch),
        v("1.0.1")
    );
    assert_eq!(
        version::suggest(&ledger, "flows", &v("1.0.0"), Major),
        v("2.0.0")
    );
    // The ledger is written deterministically: loading and writing gives the same bytes.
    assert_eq!(
        ledger.to_bytes().unwrap(),
        std::fs::read(d.join("generated/releases.json")).unwrap()
    );
}

/// Issue 12: each release stores what it changed since the one before it,
/// so builds do not compare every pair of releases again; a lower version
/// released later re-bases the stored change of the one above it, and the
/// changelog is the same as when the versions are released in order.
#[test]
fn stored_deltas_follow_the_release_order() {
    let h = fixtures().join("history");
    let in_order = project();
    for v in ["v1", "v2", "v3"] {
        release(in_order.path(), &h.join(format!("{v}.yaml")));
    }
    let late = project();
    let d = late.path();
    release(d, &h.join("v1.yaml"));
    release(d, &h.join("v3.yaml"));
    let ledger = rolesmith::pipeline::read_ledger(d).unwrap();
    let previous = |l: &Ledger, v: &str| {
        l.get("flows", &semver::Version::parse(v).unwrap())
            .unwrap()
            .since_previous
            .as_ref()
            .map(|d| d.previous.to_string())
    };
    assert_eq!(previous(&ledger, "1.0.0"), None);
    assert_eq!(previous(&ledger, "2.0.0").as_deref(), Some("1.0.0"));
    // 1.1.0 after 2.0.0: 2.0.0's change is now against 1.1.0.
    release(d, &h.join("v2.yaml"));
    let ledger = rolesmith::pipeline::read_ledger(d).unwrap();
    assert_eq!(previous(&ledger, "1.1.0").as_deref(), Some("1.0.0"));
    assert_eq!(previous(&ledger, "2.0.0").as_deref(), Some("1.1.0"));
    // The changelog and capabilities `release` wrote use the re-based changes.
    for file in [
        "generated/flows/CHANGELOG.md",
        "generated/capabilities.json",
    ] {
        assert_eq!(read(d, file), read(in_order.path(), file), "{file}");
    }
    assert!(ledger.stored_capabilities("flows").is_some());
}

/// Issue 10: a release freezes what the customer deploys (the template,
/// with its grants and parameters); review documents are regenerated, so a
/// documentation setting never forces a bump, a lower version released
/// later does not make a higher one's document "change", and ledgers that
/// froze review documents keep working (their entries are ignored, then
/// dropped when `release` next writes the ledger).
#[test]
fn releases_freeze_templates_not_review_documents() {
    let h = fixtures().join("history");
    let dir = project();
    let d = dir.path();
    release(d, &h.join("v1.yaml"));
    let ledger = read(d, "generated/releases.json");
    assert!(ledger.contains("flows/1.0.0/template.json"));
    assert!(!ledger.contains("REVIEW.md") && !ledger.contains("review.html"));
    let template = read(d, "generated/flows/1.0.0/template.json");

    // A documentation setting changes the documents, not the release.
    let mut config = read(d, "rolesmith.yaml");
    config.push_str(
        "review:\n  template_url_base: https://example-templates.s3.amazonaws.com/roles\n",
    );
    std::fs::write(d.join("rolesmith.yaml"), config).unwrap();
    let check = rolesmith(d, &["build", "--check"]);
    assert_eq!(check.code, 1, "the documents are stale: {}", check.text());
    assert!(
        check
            .stdout
            .contains("+++ b/generated/flows/1.0.0/REVIEW.md")
    );
    assert!(
        !check
            .stdout
            .contains("b/generated/flows/1.0.0/template.json"),
        "{}",
        check.stdout
    );
    ok(d, &["build"]);
    assert!(read(d, "generated/flows/1.0.0/REVIEW.md").contains("quick-create page"));
    assert_eq!(read(d, "generated/flows/1.0.0/template.json"), template);
    assert_eq!(read(d, "generated/releases.json"), ledger);
    ok(d, &["build", "--check"]);
    let again = ok(d, &["release"]);
    assert!(
        again.stdout.contains("already released"),
        "{}",
        again.stdout
    );

    // 2.0.0 released after 1.0.0, then 1.1.0: 2.0.0 (current again) builds,
    // and its document now names 1.1.0 as the release before it.
    release(d, &h.join("v3.yaml"));
    release(d, &h.join("v2.yaml"));
    put_manifest(d, &h.join("v3.yaml"));
    ok(d, &["build"]);
    ok(d, &["build", "--check"]);
    assert!(
        read(d, "generated/flows/2.0.0/REVIEW.md").contains("Previous released version: 1.1.0.")
    );
}

#[test]
fn ledgers_that_froze_review_documents_keep_working() {
    let h = fixtures().join("history");
    let dir = project();
    let d = dir.path();
    release(d, &h.join("v1.yaml"));
    // The ledger as rolesmith wrote it before issue 10: the documents'
    // digests beside the template's (here digests of nothing like them).
    let legacy = read(d, "generated/releases.json").replace(
        "\"files\": {\n",
        "\"files\": {\n          \"flows/1.0.0/REVIEW.md\": \"sha256:00\",\n          \"flows/1.0.0/review.html\": \"sha256:11\",\n",
    );
    assert!(legacy.contains("REVIEW.md"));
    std::fs::write(d.join("generated/releases.json"), &legacy).unwrap();
    // Ignored: build and --check pass and keep the ledger's bytes.
    ok(d, &["build", "--check"]);
    ok(d, &["build"]);
    assert_eq!(read(d, "generated/releases.json"), legacy);
    // Dropped when release writes the ledger next.
    release(d, &h.join("v2.yaml"));
    let next = read(d, "generated/releases.json");
    assert!(
        !next.contains("REVIEW.md") && !next.contains("review.html"),
        "{next}"
    );
    assert!(next.contains("flows/1.0.0/template.json"));
    ok(d, &["build", "--check"]);
}
