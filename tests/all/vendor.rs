//! The vendor side `build` writes (`generated/vendor/`): the authoriser
//! role's identity policy grants exactly `sts:AssumeRole` on the module
//! roles, in any account, judged by the crate's own evaluator; the template
//! holds the same statement; the files are rebuilt, checked and written
//! with everything else.

use rolesmith::compile::vendor::{self, VendorPolicy};
use rolesmith::policy::{self, Decision, Policy, Request};

use crate::util::{self, repo, with_config};

fn loaded() -> rolesmith::pipeline::Loaded<'static> {
    rolesmith::pipeline::load(
        rolesmith::catalogue::catalogue(),
        &repo().join("rolesmith.yaml"),
    )
    .unwrap()
}

fn shipped_policy() -> Policy {
    let text = std::fs::read_to_string(repo().join("generated/vendor/policy.json")).unwrap();
    Policy::parse_str("policy.json", &text).unwrap()
}

fn decide(p: &Policy, action: &str, resource: &str) -> Decision {
    let req = Request {
        action: action.into(),
        resource: resource.into(),
        ..Request::default()
    };
    policy::evaluate(&req, std::slice::from_ref(p), None).decision
}

#[test]
fn the_policy_allows_assume_role_on_module_roles_in_any_account_and_nothing_else() {
    let p = shipped_policy();
    let l = loaded();
    assert_eq!(l.compiled.len(), 6);
    for c in &l.compiled {
        for account in ["222233334444", "999988887777"] {
            let arn = format!("arn:aws:iam::{account}:role/{}", c.role_name);
            assert_eq!(
                decide(&p, "sts:AssumeRole", &arn),
                Decision::Allowed,
                "{arn}"
            );
            // Actions are case-insensitive in IAM; still the one action.
            assert_eq!(decide(&p, "STS:assumerole", &arn), Decision::Allowed);
            for other in [
                "sts:TagSession",
                "sts:SetSourceIdentity",
                "sts:AssumeRoleWithWebIdentity",
                "iam:PassRole",
                "iam:GetRole",
            ] {
                assert_eq!(decide(&p, other, &arn), Decision::ImplicitDeny, "{other}");
            }
        }
    }
    let denied = [
        "arn:aws:iam::222233334444:role/CXPortal-contact-flows-admin",
        "arn:aws:iam::222233334444:role/CXPortal-",
        "arn:aws:iam::222233334444:role/Admin",
        "arn:aws:iam::222233334444:role/cxportal-contact-flows",
        "arn:aws:iam::222233334444:role/team/CXPortal-contact-flows",
        "arn:aws:iam::222233334444:user/CXPortal-contact-flows",
        "arn:aws:iam::222233334444:role/CXPortal-unknown-module",
        "*",
    ];
    for arn in denied {
        assert_eq!(
            decide(&p, "sts:AssumeRole", arn),
            Decision::ImplicitDeny,
            "{arn}"
        );
    }
    // One statement: Allow, one action, one resource per module, no
    // condition, no NotAction/NotResource.
    let doc: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("generated/vendor/policy.json")).unwrap(),
    )
    .unwrap();
    let st = doc["Statement"].as_array().unwrap();
    assert_eq!(st.len(), 1);
    let keys: Vec<&str> = st[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["Action", "Effect", "Resource", "Sid"]);
    assert_eq!(st[0]["Action"], "sts:AssumeRole");
    let resources: Vec<String> = st[0]["Resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    let want: Vec<String> = l
        .compiled
        .iter()
        .map(|c| format!("arn:aws:iam::*:role/{}", c.role_name))
        .collect();
    assert_eq!(resources, want);
}

#[test]
fn the_template_attaches_the_same_statement_to_the_authoriser_role() {
    let l = loaded();
    let v = VendorPolicy::of(&l.project.config, &l.compiled);
    let t = v.template();
    let policy = &t["Resources"][vendor::POLICY_ID];
    assert_eq!(policy["Type"], "AWS::IAM::ManagedPolicy");
    assert_eq!(
        policy["Properties"]["Roles"],
        serde_json::json!(["CXPortalAuthoriserRole"])
    );
    assert_eq!(t["Resources"].as_object().unwrap().len(), 1);
    let st = &policy["Properties"]["PolicyDocument"]["Statement"][0];
    let subs: Vec<&str> = st["Resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["Fn::Sub"].as_str().unwrap())
        .collect();
    // The template's resources with the partition substituted are policy.json's.
    let as_aws: Vec<String> = subs
        .iter()
        .map(|s| s.replace("${AWS::Partition}", "aws"))
        .collect();
    let doc = v.policy_document("aws");
    let plain: Vec<String> = doc["Statement"][0]["Resource"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_string())
        .collect();
    assert_eq!(as_aws, plain);
    assert_eq!(st["Action"], "sts:AssumeRole");
    // Refuses any account but the vendor's.
    assert_eq!(
        t["Rules"]["VendorAccount"]["Assertions"][0]["Assert"]["Fn::Equals"][1],
        "111122223333"
    );
    // A path on the authoriser is dropped for `Roles` (it takes names).
    let mut cfg = l.project.config.clone();
    cfg.vendor.authoriser_role = "portal/Auth".into();
    let v = VendorPolicy::of(&cfg, &l.compiled);
    assert_eq!(
        v.template()["Resources"][vendor::POLICY_ID]["Properties"]["Roles"][0],
        "Auth"
    );
    assert_eq!(
        v.authoriser_arn,
        "arn:aws:iam::111122223333:role/portal/Auth"
    );
}

#[test]
fn the_shipped_files_are_what_build_gives() {
    let l = loaded();
    let files = l.build(false).unwrap().files;
    for name in ["policy.json", "template.json", "REVIEW.md"] {
        let rel = format!("generated/vendor/{name}");
        let (_, bytes) = files
            .iter()
            .find(|(p, _)| p == std::path::Path::new(&rel))
            .unwrap_or_else(|| panic!("build gives no {rel}"));
        assert!(
            std::fs::read(repo().join(&rel)).unwrap() == *bytes,
            "{rel} is stale: run `cargo run -- build`"
        );
    }
    let review = std::fs::read_to_string(repo().join("generated/vendor/REVIEW.md")).unwrap();
    for module in &l.compiled {
        assert!(
            review.contains(&format!("`{}`", module.role_name)),
            "{}",
            module.role_name
        );
    }
    assert!(review.contains("**Not granted:** `sts:TagSession`"));
    let index = std::fs::read_to_string(repo().join("generated/README.md")).unwrap();
    assert!(
        index.contains("[vendor/REVIEW.md](vendor/REVIEW.md)"),
        "{index}"
    );
}

#[test]
fn a_new_module_changes_the_vendor_side_and_check_sees_it() {
    let dir = util::temp_copy(&util::fixtures("compile").join("project"));
    let root = dir.path();
    let config = root.join("rolesmith.yaml");
    let (code, _, err) = with_config(&config, &["build"]).parts();
    assert_eq!(code, 0, "{err}");
    let policy = root.join("generated/vendor/policy.json");
    let before = std::fs::read_to_string(&policy).unwrap();
    // Released versions never freeze it: a release, then a new module.
    let (code, _, err) = with_config(&config, &["release"]).parts();
    assert_eq!(code, 0, "{err}");
    let tables = std::fs::read_to_string(root.join("modules/tables.yaml")).unwrap();
    std::fs::write(
        root.join("modules/extra.yaml"),
        tables.replacen("module: tables", "module: extra", 1),
    )
    .unwrap();
    let (code, out, _) = with_config(&config, &["build", "--check"]).parts();
    assert_eq!(code, 1);
    assert!(out.contains("+++ b/generated/vendor/policy.json"), "{out}");
    assert!(out.contains("role/"), "{out}");
    assert_eq!(std::fs::read_to_string(&policy).unwrap(), before);
    let (code, _, err) = with_config(&config, &["build"]).parts();
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read_to_string(&policy).unwrap();
    assert_ne!(after, before);
    assert!(after.contains("extra\""), "{after}");
    // No stray-folder warning for generated/vendor/.
    let (code, _, err) = with_config(&config, &["build", "--check"]).parts();
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("vendor"), "{err}");
}
