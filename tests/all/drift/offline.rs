//! Drift from authorization-details files: one fixture per case under
//! `tests/fixtures/drift/offline/`, the JSON report snapshotted.

use rolesmith::drift::{ModuleVersions, Subject, check};
use rolesmith::live::offline::AuthDetailsReader;
use rolesmith::live::{RoleReader, RoleTarget};

use super::project;

#[test]
fn offline_cases() {
    insta::glob!("../../fixtures/drift/offline", "*.json", |path| {
        let reader = AuthDetailsReader::load(path).unwrap();
        let p = project();
        let latest = p.module("contact-flows");
        let releases = p.releases("contact-flows", &[]);
        let versions = ModuleVersions {
            latest,
            releases: &releases,
        };
        let arn = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";
        let subject = Subject {
            tenant: Some("acme".into()),
            module: "contact-flows".into(),
            role_arn: arn.into(),
            region: Some("eu-west-2".into()),
        };
        let read = reader.read_role(&RoleTarget::new(arn));
        let report = check(&p.config, &versions, &subject, read.as_ref());
        insta::with_settings!({snapshot_path => "../../../snapshots/drift", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(rolesmith::report::text(&report));
        });
    });
}
