//! `version_behind` and the capability matrix agree: a feature is available
//! in a version when that version grants what the feature needed in that
//! version, "since" is the first version where it is available, and what an
//! older version lacks of the latest (a feature extended later included) is
//! listed permission by permission.

use rolesmith::drift::{Kind, Subject};
use rolesmith::live::offline::AuthDetailsReader;
use rolesmith::live::{RoleReader, RoleTarget};
use rolesmith::version::{Ledger, Release};

use super::project;

const ARN: &str = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";

/// contact-flows as if 0.9.0 had view-flows without
/// `connect:DescribeContactFlowModule` (ViewFlows3), which 1.0.0 added to it.
fn release_0_9_0() -> Release {
    let p = project();
    let mut r = p
        .ledger
        .get("contact-flows", &semver::Version::new(1, 0, 0))
        .unwrap()
        .clone();
    r.version = semver::Version::new(0, 9, 0);
    r.grants.retain(|g| g.sid != "ViewFlows3");
    r.since_previous = None;
    r
}

#[test]
fn version_behind_lists_what_a_later_release_added_to_a_feature() {
    let p = project();
    // The role as 0.9.0 deploys it: the 1.0.0 fixture's role, tagged 0.9.0,
    // without ViewFlows3 (and without what 1.1.0 and 1.2.0 added).
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/drift/roles/version-behind-two-features.json");
    let case: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let mut details = case["authorization_details"].clone();
    let role = &mut details["RoleDetailList"][0];
    for t in role["Tags"].as_array_mut().unwrap() {
        if t["Key"] == "rolesmith:version" {
            t["Value"] = "0.9.0".into();
        }
    }
    let doc = &mut details["Policies"][0]["PolicyVersionList"][0]["Document"]["Statement"];
    doc.as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "ViewFlows3");
    let snap = AuthDetailsReader::parse(&details.to_string(), &path)
        .unwrap()
        .read_role(&RoleTarget::new(ARN))
        .unwrap();
    let subject = Subject {
        module: "contact-flows".into(),
        role_arn: ARN.into(),
        region: Some("eu-west-2".into()),
        ..Subject::default()
    };
    let report = p.check(&subject, &[release_0_9_0()], Ok(&snap));
    assert_eq!(report.deployed_version.as_deref(), Some("0.9.0"));
    let kinds: Vec<Kind> = report.findings.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [Kind::VersionBehind], "{report:#?}");
    let f = &report.findings[0];
    assert!(
        f.message.contains("`publish-flow-modules`, `audit-flows`")
            && f.message
                .contains("what version 1.2.0 added to `view-flows`"),
        "{}",
        f.message
    );
    let lacks: Vec<(&str, &str)> = f
        .permissions
        .iter()
        .map(|p| (p.feature.as_str(), p.action.as_str()))
        .collect();
    assert_eq!(
        lacks,
        [
            ("audit-flows", "connect:CreateContactFlowVersion"),
            ("audit-flows", "connect:ListContactFlowVersions"),
            ("publish-flow-modules", "connect:CreateContactFlowModule"),
            (
                "publish-flow-modules",
                "connect:UpdateContactFlowModuleContent"
            ),
            (
                "publish-flow-modules",
                "connect:UpdateContactFlowModuleMetadata"
            ),
            ("view-flows", "connect:DescribeContactFlowModule"),
        ]
    );
    // Placeholders resolved from the role and the tenant's region.
    let v3 = f.permissions.last().unwrap();
    assert_eq!(
        v3.resource,
        "arn:aws:connect:eu-west-2:222233334444:instance/0123abcd-0123-4567-89ab-0123456789ab/flow-module/*"
    );
    // view-flows is available on 0.9.0: it grants what view-flows needed in 0.9.0.
    let available: Vec<(&str, bool)> = report
        .features
        .iter()
        .map(|f| (f.id.as_str(), f.available))
        .collect();
    assert_eq!(
        available,
        [
            ("view-flows", true),
            ("publish-flows", true),
            ("publish-flow-modules", false),
            ("audit-flows", false)
        ]
    );

    // The capability matrix says the same of 0.9.0, and view-flows is "since 0.9.0".
    let mut ledger = Ledger::default();
    ledger.insert("contact-flows", release_0_9_0());
    for r in p.ledger.releases("contact-flows") {
        ledger.insert("contact-flows", r.clone());
    }
    let caps = rolesmith::version::capabilities(&ledger);
    let m = &caps.modules["contact-flows"];
    assert_eq!(m.features["view-flows"].since, "0.9.0");
    assert_eq!(m.features["publish-flow-modules"].since, "1.1.0");
    assert_eq!(m.versions[0].version, "0.9.0");
    let mut on_0_9: Vec<&str> = available
        .iter()
        .filter(|(_, a)| *a)
        .map(|(f, _)| *f)
        .collect();
    on_0_9.sort();
    assert_eq!(m.versions[0].features, on_0_9);
}
