//! Compiler and `rolesmith build`: snapshots of every shipped template,
//! determinism, `generated/` freshness, grants of the shipped modules against
//! the real catalogue, and the CLI's exit codes and all-or-nothing writes.

use std::path::PathBuf;

use rolesmith::compile::{self, CompiledModule, Grant};
use rolesmith::manifest::{self, Project};

use crate::util::{self, repo, with_config};

fn fixtures() -> PathBuf {
    util::fixtures("compile")
}

fn shipped() -> Project {
    manifest::load_project(
        rolesmith::catalogue::catalogue(),
        &repo().join("rolesmith.yaml"),
    )
    .unwrap_or_else(|d| panic!("shipped project invalid: {:?}", d.problems))
}

fn compiled(module: &str) -> CompiledModule {
    let p = shipped();
    let m = p.modules.iter().find(|m| m.id == module).unwrap();
    compile::compile_module(rolesmith::catalogue::catalogue(), &p.config, m).unwrap()
}

fn grant<'a>(c: &'a CompiledModule, feature: &str, action: &str) -> &'a Grant {
    c.grants
        .iter()
        .find(|g| g.feature == feature && g.actions.iter().any(|a| a == action))
        .unwrap_or_else(|| panic!("no grant of `{action}` in `{feature}`"))
}

const INSTANCE: &str =
    "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}";

#[test]
fn template_snapshots() {
    let project = shipped();
    let ledger = rolesmith::pipeline::read_ledger(&repo()).unwrap();
    insta::glob!("../../modules", "*.yaml", |path| {
        let stem = path.file_stem().unwrap().to_string_lossy();
        let m = project.modules.iter().find(|m| m.id == stem).unwrap();
        // The shipped versions are released: at the generation they were.
        let generation = ledger.generation(&m.id, &m.version);
        let c = compile::compile_module_at(
            rolesmith::catalogue::catalogue(),
            &project.config,
            m,
            generation,
        )
        .unwrap();
        let text = String::from_utf8(c.template_bytes()).unwrap();
        insta::with_settings!({snapshot_path => "../../snapshots/compile", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("template", text);
        });
    });
}

#[test]
fn compiling_twice_gives_the_same_bytes() {
    let outputs = || {
        let l = rolesmith::pipeline::load(
            rolesmith::catalogue::catalogue(),
            &repo().join("rolesmith.yaml"),
        )
        .unwrap();
        l.build(false).unwrap().files
    };
    let (a, b) = (outputs(), outputs());
    assert_eq!(a, b);
    let templates = a
        .iter()
        .filter(|(p, _)| p.ends_with("template.json") && !p.starts_with("generated/vendor"))
        .count();
    assert_eq!(templates, shipped().modules.len());
    for (path, bytes) in &a {
        assert!(path.starts_with("generated"), "{}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        // Templates, the review documents written beside them, and (the
        // shipped modules are released) the history files.
        assert!(
            [
                "template.json",
                "REVIEW.md",
                "review.html",
                "index.html",
                "README.md",
                "CHANGELOG.md",
                "capabilities.json",
                "releases.json",
                // generated/vendor/: the authoriser's side.
                "policy.json",
            ]
            .contains(&name.as_ref()),
            "{}",
            path.display()
        );
        assert_eq!(bytes.last(), Some(&b'\n'));
    }
}

#[test]
fn shipped_policies_fit_with_parameters_at_their_maximum() {
    for m in &shipped().modules {
        let c = compile::compile_module(rolesmith::catalogue::catalogue(), &shipped().config, m)
            .unwrap();
        assert!(!c.policies.is_empty());
        for p in &c.policies {
            assert!(p.worst_case_size <= 6144, "{} {p:?}", m.id);
        }
        assert!(c.trust_policy_size <= 2048);
    }
}

#[test]
fn derived_resources_follow_the_catalogue() {
    let c = compiled("contact-flows");
    let flows = format!("{INSTANCE}/contact-flow/*");
    assert_eq!(
        grant(&c, "view-flows", "connect:DescribeContactFlow").resources,
        std::slice::from_ref(&flows)
    );
    // ListContactFlows' only type is the `contact-flow/*` wildcard type.
    let list = grant(&c, "view-flows", "connect:ListContactFlows");
    assert_eq!(list.resources, [flows]);
    assert!(
        list.actions
            .contains(&"connect:DescribeContactFlow".to_string())
    );
    assert_eq!(
        grant(&c, "view-flows", "connect:SearchContactFlows").resources,
        [INSTANCE]
    );
    // Two required resource types: the action is granted on both.
    let c = compiled("agents-routing");
    let g = grant(&c, "assign-agents", "connect:UpdateUserRoutingProfile");
    assert_eq!(
        g.resources,
        [
            format!("{INSTANCE}/agent/*"),
            format!("{INSTANCE}/routing-profile/*")
        ]
    );
}

#[test]
fn explicit_resources_and_constrained_pass_role() {
    let c = compiled("integrations");
    let pass = grant(&c, "pass-target-role", "iam:PassRole");
    assert_eq!(pass.actions, ["iam:PassRole"]);
    assert_eq!(
        pass.resources,
        ["arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${EventsTargetRoleName}"]
    );
    assert_eq!(
        pass.conditions["StringEquals"]["iam:PassedToService"],
        ["events.amazonaws.com"]
    );
    // Wildcard-only action: `*`, alone in its statement.
    let list = grant(&c, "list-rules", "events:ListRules");
    assert_eq!(list.actions, ["events:ListRules"]);
    assert_eq!(list.resources, ["*"]);
    let rules = "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/cx-portal-*";
    let manage = grant(&c, "manage-rules", "events:PutTargets");
    assert_eq!(manage.resources, [rules]);
    assert_eq!(manage.actions.len(), 6);
    // No other statement grants anything on `*`.
    let stars: Vec<&str> = c
        .grants
        .iter()
        .filter(|g| g.resources.iter().any(|r| r == "*"))
        .map(|g| g.feature.as_str())
        .collect();
    assert_eq!(stars, ["list-rules"]);
}

#[test]
fn recordings_are_scoped_to_the_bucket_and_key() {
    let c = compiled("call-recordings");
    assert_eq!(
        grant(&c, "list-recordings", "s3:ListBucket").resources,
        ["arn:${AWS::Partition}:s3:::${RecordingsBucket}"]
    );
    assert_eq!(
        grant(&c, "play-recordings", "s3:GetObject").resources,
        ["arn:${AWS::Partition}:s3:::${RecordingsBucket}/*"]
    );
    let kms = grant(&c, "decrypt-recordings", "kms:Decrypt");
    assert_eq!(
        kms.resources,
        ["arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/${KeyId}"]
    );
    assert_eq!(
        kms.conditions["StringEquals"]["kms:ViaService"],
        ["s3.${AWS::Region}.amazonaws.com"]
    );
    // The condition renders through Fn::Sub in the template.
    let text = String::from_utf8(c.template_bytes()).unwrap();
    assert!(text.contains(r#""Fn::Sub": "s3.${AWS::Region}.amazonaws.com""#));
}

#[test]
fn every_manifest_action_is_granted_exactly_once_per_feature() {
    let p = shipped();
    for m in &p.modules {
        let c = compile::compile_module(rolesmith::catalogue::catalogue(), &p.config, m).unwrap();
        for f in &m.features {
            let mut granted: Vec<&String> = c
                .grants
                .iter()
                .filter(|g| g.feature == f.id)
                .flat_map(|g| &g.actions)
                .collect();
            granted.sort();
            assert_eq!(
                granted,
                f.actions.iter().collect::<Vec<_>>(),
                "{} {}",
                m.id,
                f.id
            );
        }
    }
}

// ---- CLI ----

fn temp_copy(name: &str) -> tempfile::TempDir {
    util::temp_copy(&fixtures().join(name))
}

#[test]
fn repository_generated_folder_is_up_to_date() {
    let (code, out, err) =
        with_config(&repo().join("rolesmith.yaml"), &["build", "--check"]).parts();
    assert_eq!(
        code, 0,
        "generated/ is stale; run `cargo run -- build`\n{out}\n{err}"
    );
}

#[test]
fn build_then_check_and_stale_files() {
    let dir = temp_copy("project");
    let root = dir.path();
    let (code, out, err) = with_config(&root.join("rolesmith.yaml"), &["build", "--check"]).parts();
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("+++ b/generated/flows/2.0.1/template.json"),
        "{out}"
    );

    let (code, out, err) = with_config(&root.join("rolesmith.yaml"), &["build"]).parts();
    assert_eq!(code, 0, "{err}");
    // 2 templates, 2 x 2 review documents, 2 index pages, the vendor
    // side's policy, template and review.
    assert_eq!(out, "built 2 modules: 11 files changed\n");
    let flows = root.join("generated/flows/2.0.1/template.json");
    let tables = root.join("generated/tables/0.3.0/template.json");
    assert!(flows.is_file() && tables.is_file());

    let (code, out, _) = with_config(&root.join("rolesmith.yaml"), &["build"]).parts();
    assert_eq!(
        (code, out.as_str()),
        (0, "built 2 modules: 0 files changed\n")
    );
    let (code, out, err) = with_config(&root.join("rolesmith.yaml"), &["build", "--check"]).parts();
    assert_eq!(code, 0, "{out}{err}");

    // A hand edit is stale: exit 1 with a diff that shows it, nothing written.
    let text = std::fs::read_to_string(&flows).unwrap();
    let edited = text.replace(
        "\"MaxSessionDuration\": 7200",
        "\"MaxSessionDuration\": 43200",
    );
    assert_ne!(text, edited);
    std::fs::write(&flows, &edited).unwrap();
    let (code, out, err) = with_config(&root.join("rolesmith.yaml"), &["build", "--check"]).parts();
    assert_eq!(code, 1);
    assert!(
        out.contains("-        \"MaxSessionDuration\": 43200,"),
        "{out}"
    );
    assert!(
        out.contains("+        \"MaxSessionDuration\": 7200,"),
        "{out}"
    );
    assert!(err.contains("1 file"), "{err}");
    assert_eq!(std::fs::read_to_string(&flows).unwrap(), edited);

    let (code, _, _) = with_config(&root.join("rolesmith.yaml"), &["build"]).parts();
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&flows).unwrap(), text);
}

#[test]
fn failing_build_writes_nothing() {
    let dir = temp_copy("too-large");
    let root = dir.path();
    let (code, out, err) = with_config(&root.join("rolesmith.yaml"), &["build"]).parts();
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("read-everything"), "{err}");
    assert!(err.contains("huge"), "{err}");
    assert!(!root.join("generated").exists());
    let (code, _, _) = with_config(&root.join("rolesmith.yaml"), &["build", "--check"]).parts();
    assert_eq!(code, 1);
}

#[test]
fn invalid_manifest_is_exit_1_and_missing_config_exit_2() {
    let dir = temp_copy("project");
    let root = dir.path();
    std::fs::write(
        root.join("modules/tables.yaml"),
        "module: tables\nversion: one\n",
    )
    .unwrap();
    let (code, _, err) = with_config(&root.join("rolesmith.yaml"), &["build"]).parts();
    assert_eq!(code, 1, "{err}");
    assert!(!root.join("generated").exists());
    let (code, _, _) = with_config(&root.join("nowhere/rolesmith.yaml"), &["build"]).parts();
    assert_eq!(code, 2);
}

/// Issue 15: a Windows checkout (`core.autocrlf`) or an editor's byte-order
/// mark must not change a manifest's digest, so neither changes a release:
/// the template is byte-identical.
#[test]
fn crlf_and_bom_manifests_build_the_same_bytes() {
    let config = std::fs::read_to_string(repo().join("rolesmith.yaml")).unwrap();
    let text = std::fs::read_to_string(repo().join("modules/contact-flows.yaml")).unwrap();
    assert!(!text.contains('\r'));
    let build = |manifest: String| {
        let p = manifest::load_project_str(
            rolesmith::catalogue::catalogue(),
            std::path::Path::new("."),
            &config,
            &[(PathBuf::from("modules/contact-flows.yaml"), manifest)],
        )
        .unwrap_or_else(|d| panic!("{:?}", d.problems));
        let m = &p.modules[0];
        let c = compile::compile_module(rolesmith::catalogue::catalogue(), &p.config, m).unwrap();
        (m.digest.clone(), c.template_bytes())
    };
    let lf = build(text.clone());
    let crlf = build(text.replace('\n', "\r\n"));
    let bom = build(format!("\u{feff}{}", text.replace('\n', "\r\n")));
    assert_eq!(lf, crlf);
    assert_eq!(lf, bom);
}

// ---- compiler generations (issue 11: the self-audit reads the boundary) ----

#[test]
fn released_versions_compile_at_their_generation_new_ones_read_the_boundary() {
    use rolesmith::compile::grants::BOUNDARY_SID;
    use rolesmith::policy::{Decision, Policy, Request, evaluate};
    let p = shipped();
    let m = p.modules.iter().find(|m| m.id == "contact-flows").unwrap();
    let cat = rolesmith::catalogue::catalogue();
    // Generation 1 is what 1.2.0 was released with: the same bytes.
    let first = compile::compile_module_at(cat, &p.config, m, compile::FIRST_GENERATION).unwrap();
    assert_eq!(
        first.template_bytes(),
        std::fs::read(repo().join("generated/contact-flows/1.2.0/template.json")).unwrap()
    );
    assert!(!first.self_audit.iter().any(|g| g.sid == BOUNDARY_SID));
    // The latest generation reads the boundary the stack sets, and only it.
    let latest = compile::compile_module_at(cat, &p.config, m, compile::GENERATION).unwrap();
    let g = latest
        .self_audit
        .iter()
        .find(|g| g.sid == BOUNDARY_SID)
        .unwrap();
    assert_eq!(g.resources, ["${PermissionsBoundaryArn}"]);
    let statements: Vec<&serde_json::Value> = latest.template["Resources"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|r| r["Properties"]["PolicyDocument"]["Statement"].as_array())
        .flatten()
        .filter(|s| s.get("Fn::If").is_some())
        .collect();
    assert_eq!(statements.len(), 1, "{statements:?}");
    let f = &statements[0]["Fn::If"];
    assert_eq!(f[0], "HasPermissionsBoundary");
    assert_eq!(f[2], serde_json::json!({"Ref": "AWS::NoValue"}));
    assert_eq!(f[1]["Sid"], BOUNDARY_SID);
    // Resolved as the stack would with a boundary set: only that policy.
    let boundary = "arn:aws:iam::222233334444:policy/CustomerBoundary";
    let mut st = f[1].clone();
    st["Resource"] = serde_json::json!([boundary]);
    let policy = Policy::parse(
        "self-audit",
        &serde_json::json!({"Version": "2012-10-17", "Statement": [st]}),
    )
    .unwrap();
    let decide = |action: &str, resource: &str| {
        evaluate(
            &Request {
                action: action.into(),
                resource: resource.into(),
                context: Default::default(),
            },
            std::slice::from_ref(&policy),
            None,
        )
        .decision
    };
    assert_eq!(decide("iam:GetPolicy", boundary), Decision::Allowed);
    assert_eq!(decide("iam:GetPolicyVersion", boundary), Decision::Allowed);
    assert_eq!(
        decide("iam:GetPolicy", "arn:aws:iam::222233334444:policy/Other"),
        Decision::ImplicitDeny
    );
    assert_eq!(decide("iam:DeletePolicy", boundary), Decision::ImplicitDeny);
}

#[test]
fn a_new_version_gets_the_latest_generation_and_keeps_it_once_released() {
    let dir = util::temp_project(&repo());
    util::copy_tree(&repo().join("generated"), &dir.path().join("generated"));
    let d = dir.path();
    let manifest = d.join("modules/contact-flows.yaml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("version: 1.2.0", "version: 1.3.0")).unwrap();
    let config = d.join("rolesmith.yaml");
    let r = with_config(&config, &["build"]);
    assert_eq!(r.code, 0, "{}", r.text());
    let new =
        std::fs::read_to_string(d.join("generated/contact-flows/1.3.0/template.json")).unwrap();
    assert!(new.contains("RolesmithSelfAuditBoundary"), "{new}");
    // Released templates are untouched.
    for v in ["1.0.0", "1.1.0", "1.2.0"] {
        let rel = format!("generated/contact-flows/{v}/template.json");
        assert_eq!(
            std::fs::read(d.join(&rel)).unwrap(),
            std::fs::read(repo().join(&rel)).unwrap(),
            "{rel}"
        );
    }
    let r = with_config(&config, &["release", "contact-flows"]);
    assert_eq!(r.code, 0, "{}", r.text());
    let ledger: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d.join("generated/releases.json")).unwrap()).unwrap();
    let releases = ledger["modules"]["contact-flows"].as_array().unwrap();
    let generation =
        |v: &str| releases.iter().find(|r| r["version"] == v).unwrap()["generation"].clone();
    assert_eq!(generation("1.3.0"), serde_json::json!(compile::GENERATION));
    assert_eq!(generation("1.2.0"), serde_json::Value::Null);
    // Built again after the release: the same bytes (it stays at its generation).
    let r = with_config(&config, &["build", "--check"]);
    assert_eq!(r.code, 0, "{}", r.text());
    assert_eq!(
        std::fs::read_to_string(d.join("generated/contact-flows/1.3.0/template.json")).unwrap(),
        new
    );
}
