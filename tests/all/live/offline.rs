//! The offline reader over an authorization-details file.

use std::path::Path;

use rolesmith::live::offline::{AuthDetailsReader, OfflineError};
use rolesmith::live::{ReadErrorKind, RoleReader, RoleTarget};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/drift/auth-details.json"
);
const ROLE: &str = "arn:aws:iam::222233334444:role/CXPortal-contact-flows";

#[test]
fn reads_role_with_inline_attached_and_boundary() {
    let reader = AuthDetailsReader::load(Path::new(FIXTURE)).unwrap();
    let snap = reader.read_role(&RoleTarget::new(ROLE)).unwrap();
    assert_eq!(snap.name, "CXPortal-contact-flows");
    assert_eq!(snap.role_id, "AROAEXAMPLEROLE00001");
    assert_eq!(snap.deployed_version(), Some("1.1.0"));
    assert_eq!(snap.account_id(), Some("222233334444"));
    // Inline policies sorted by name; the URL-encoded one is decoded.
    let names: Vec<&str> = snap.inline.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["aa-encoded", "zz-extra"]);
    assert_eq!(
        snap.inline[0].1.as_str(),
        r#"{"Version":"2012-10-17","Statement":[]}"#
    );
    // Attached sorted by ARN; the AWS managed one is absent from the file.
    assert_eq!(snap.attached.len(), 2);
    let own = &snap.attached[0];
    assert_eq!(
        own.arn,
        "arn:aws:iam::222233334444:policy/CXPortal-contact-flows-1"
    );
    assert_eq!(own.version_id.as_deref(), Some("v2"));
    assert!(
        own.document
            .as_ref()
            .unwrap()
            .as_str()
            .contains("ViewFlows1")
    );
    let aws = &snap.attached[1];
    assert!(aws.is_aws_managed());
    assert_eq!(aws.document, None);
    let boundary = snap.boundary.unwrap();
    assert_eq!(boundary.name, "Boundary");
    assert!(
        boundary
            .document
            .unwrap()
            .as_str()
            .contains(r#""Action":"connect:*""#)
    );
    let trust: serde_json::Value = serde_json::from_str(snap.trust_policy.as_str()).unwrap();
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        "acme-4f1c"
    );
}

#[test]
fn absent_role_is_role_missing() {
    let reader = AuthDetailsReader::load(Path::new(FIXTURE)).unwrap();
    let err = reader
        .read_role(&RoleTarget::new("arn:aws:iam::222233334444:role/Nope"))
        .unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::RoleMissing);
    assert!(
        err.message
            .contains("`arn:aws:iam::222233334444:role/Nope`"),
        "{}",
        err.message
    );
}

#[test]
fn malformed_file_names_line_and_column() {
    let err = AuthDetailsReader::parse(
        "{\n  \"RoleDetailList\": [ {\"Arn\": 3} ]\n}",
        Path::new("auth.json"),
    )
    .unwrap_err();
    match err {
        OfflineError::Malformed {
            line,
            column,
            message,
            ..
        } => {
            assert_eq!(line, 2);
            assert!(column > 20, "{column}");
            assert!(message.contains("invalid type"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
