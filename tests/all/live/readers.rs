//! The AWS reader against moto: roles deployed from a generated template
//! through the IAM API, then read back the way `drift` reads them.

use std::collections::BTreeMap;
use std::sync::Arc;

use rolesmith::live::aws::{AwsOptions, AwsReader};
use rolesmith::live::fleet::read_fleet_with;
use rolesmith::live::fleet_file::FleetRow;
use rolesmith::live::{ReadErrorKind, RoleTarget};

use super::deploy::{Deployed, Stack, deploy};
use super::moto::{Moto, account, moto, moto_managed};

const TEMPLATE: &str = include_str!("../../../generated/contact-flows/1.2.0/template.json");
pub const INSTANCE: &str = "0123abcd-0123-4567-89ab-0123456789ab";

/// Deploys the contact-flows template into `account` with `external_id`.
pub async fn deploy_contact_flows(m: &Moto, account: &str, external_id: &str) -> Deployed {
    let iam = m.iam_in(account).await;
    let template: serde_json::Value = serde_json::from_str(TEMPLATE).unwrap();
    let params = BTreeMap::from([
        ("ExternalId".to_string(), external_id.to_string()),
        ("InstanceId".to_string(), INSTANCE.to_string()),
    ]);
    let stack = Stack {
        account,
        region: "eu-west-2",
        name: "cx-portal-contact-flows",
        params,
    };
    deploy(&iam, &template, &stack).await
}

fn assumed(role_arn: &str, external_id: &str) -> RoleTarget {
    RoleTarget {
        role_arn: role_arn.into(),
        assume_role: Some(role_arn.into()),
        external_id: Some(external_id.into()),
        region: Some("eu-west-2".into()),
        stack_name: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_a_deployed_role_by_assuming_it() {
    let acct = account(1);
    let d = deploy_contact_flows(moto(), &acct, "acme-4f1c").await;
    let r = moto().reader().await;
    let (snap, calls) = r.read(&assumed(&d.role_arn, "acme-4f1c")).await;
    let snap = snap.unwrap();
    assert_eq!(
        snap.arn,
        format!("arn:aws:iam::{acct}:role/CXPortal-contact-flows")
    );
    assert_eq!(snap.deployed_version(), Some("1.2.0"));
    assert_eq!(
        snap.tags.get("vendor").map(String::as_str),
        Some("cx-portal")
    );
    assert_eq!(snap.max_session_duration, Some(3600));
    assert!(snap.role_id.starts_with("AROA"), "{}", snap.role_id);
    // URL-encoded by IAM (and moto), decoded by the reader.
    let trust: serde_json::Value = serde_json::from_str(snap.trust_policy.as_str()).unwrap();
    assert_eq!(
        trust["Statement"][0]["Condition"]["StringEquals"]["sts:ExternalId"],
        "acme-4f1c"
    );
    assert!(snap.inline.is_empty());
    assert_eq!(snap.attached.len(), 1);
    let p = &snap.attached[0];
    assert_eq!(p.name, "CXPortal-contact-flows-1");
    let doc: serde_json::Value =
        serde_json::from_str(p.document.as_ref().unwrap().as_str()).unwrap();
    assert_eq!(doc["Statement"][0]["Sid"], "ViewFlows1");
    assert_eq!(
        doc["Statement"][0]["Resource"][0],
        format!("arn:aws:connect:eu-west-2:{acct}:instance/{INSTANCE}")
    );
    assert_eq!(snap.boundary, None);
    // AssumeRole + GetRole + ListRolePolicies + ListAttachedRolePolicies
    // + GetPolicy + GetPolicyVersion: 3 + k + 2m with k = 0, m = 1, plus STS.
    assert_eq!(calls, 6);
    assert_eq!(r.api_calls(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inline_boundary_pagination_and_managed_cache() {
    let (a, b) = (account(2), account(3));
    let mut arns = Vec::new();
    for acct in [&a, &b] {
        let d = deploy_contact_flows(moto_managed(), acct, "ext-1234").await;
        let iam = moto_managed().iam_in(acct).await;
        for i in 0..5 {
            iam.put_role_policy()
                .role_name(&d.role_name)
                .policy_name(format!("hand-added-{i}"))
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
                .send()
                .await
                .unwrap();
        }
        iam.attach_role_policy()
            .role_name(&d.role_name)
            .policy_arn("arn:aws:iam::aws:policy/ReadOnlyAccess")
            .send()
            .await
            .unwrap();
        let boundary = iam
            .create_policy()
            .policy_name("Boundary")
            .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"connect:*","Resource":"*"}]}"#)
            .send()
            .await
            .unwrap();
        iam.put_role_permissions_boundary()
            .role_name(&d.role_name)
            .permissions_boundary(boundary.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
        arns.push(d.role_arn);
    }
    let r = AwsReader::connect(&AwsOptions {
        page_size: Some(2),
        ..moto_managed().options()
    })
    .await;
    let (first, calls_a) = r.read(&assumed(&arns[0], "ext-1234")).await;
    let (second, calls_b) = r.read(&assumed(&arns[1], "ext-1234")).await;
    let (first, second) = (first.unwrap(), second.unwrap());
    for snap in [&first, &second] {
        let names: Vec<&str> = snap.inline.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "hand-added-0",
                "hand-added-1",
                "hand-added-2",
                "hand-added-3",
                "hand-added-4"
            ]
        );
        assert_eq!(snap.attached.len(), 2);
        let ro = snap.attached.iter().find(|p| p.is_aws_managed()).unwrap();
        assert!(ro.document.as_ref().unwrap().as_str().contains("Statement"));
        let b = snap.boundary.as_ref().unwrap();
        assert_eq!(b.name, "Boundary");
        assert!(b.document.as_ref().unwrap().as_str().contains("connect:*"));
    }
    // Pages of 2: 3 ListRolePolicies and 1 ListAttachedRolePolicies (2 policies).
    // First role: STS + GetRole + 3 list + 5 GetRolePolicy + 1 list
    // + 2x2 managed + 2 boundary = 16. Second: ReadOnlyAccess comes from the cache.
    assert_eq!(calls_a, 16);
    assert_eq!(calls_b, 14);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_role_is_classified() {
    let acct = account(4);
    let r = moto().reader().await;
    let arn = format!("arn:aws:iam::{acct}:role/CXPortal-nowhere");
    let (res, _) = r.read(&assumed(&arn, "ext-1234")).await;
    let err = res.unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::RoleMissing);
    assert!(err.message.contains(&arn), "{}", err.message);
    let cause = std::error::Error::source(&err).expect("the SDK error as source");
    assert!(format!("{cause:?}").contains("NoSuchEntity"), "{cause:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_gives_module_version_and_parameters() {
    let acct = account(5);
    let d = deploy_contact_flows(moto(), &acct, "ext-5678").await;
    // moto's CloudFormation cannot create IAM roles properly, but a stack
    // with outputs and parameters is all DescribeStacks needs.
    let conf = moto().account_config(&acct).await;
    let cfn = aws_sdk_cloudformation::Client::new(
        &conf
            .into_builder()
            .region(aws_config::Region::new("eu-west-2"))
            .build(),
    );
    let body = r#"{"Parameters":{"InstanceId":{"Type":"String"}},
        "Resources":{"H":{"Type":"AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs":{"ModuleVersion":{"Value":"1.1.0"}}}"#;
    cfn.create_stack()
        .stack_name("cx-portal-contact-flows")
        .template_body(body)
        .parameters(
            aws_sdk_cloudformation::types::Parameter::builder()
                .parameter_key("InstanceId")
                .parameter_value(super::readers::INSTANCE)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let r = moto().reader().await;
    let mut t = assumed(&d.role_arn, "ext-5678");
    t.stack_name = Some("cx-portal-contact-flows".into());
    let (snap, _) = r.read(&t).await;
    let stack = snap.unwrap().stack.unwrap();
    assert_eq!(stack.module_version.as_deref(), Some("1.1.0"));
    assert_eq!(stack.status, "CREATE_COMPLETE");
    assert_eq!(
        stack.parameters.get("InstanceId").map(String::as_str),
        Some(INSTANCE)
    );
    assert_eq!(stack.region.as_deref(), Some("eu-west-2"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_reports_every_row_in_order() {
    let mut rows = Vec::new();
    for i in 0..30u32 {
        let acct = account(100 + i);
        let ext = format!("tenant-{i}-ext");
        // Every fifth tenant deleted its role: that row fails, the others not.
        let role_arn = if i % 5 == 4 {
            format!("arn:aws:iam::{acct}:role/CXPortal-contact-flows")
        } else {
            deploy_contact_flows(moto(), &acct, &ext).await.role_arn
        };
        rows.push(FleetRow {
            tenant: format!("tenant-{i}"),
            module: "contact-flows".into(),
            role_arn,
            external_id: Some(ext),
            region: Some("eu-west-2".into()),
            stack_name: None,
            status: None,
            deployed_version: None,
        });
    }
    let r = Arc::new(moto().reader().await);
    let bar = indicatif::ProgressBar::hidden();
    let read = read_fleet_with(Arc::clone(&r), &rows, 8, &bar).await;
    assert_eq!(read.rows.len(), 30);
    assert_eq!(bar.position(), 30);
    for (i, (row, got)) in rows.iter().zip(&read.rows).enumerate() {
        match &got.result {
            Ok(snap) => {
                assert_ne!(i % 5, 4);
                assert_eq!(snap.arn, row.role_arn);
                assert_eq!(got.api_calls, 6);
            }
            Err(e) => {
                assert_eq!(i % 5, 4, "{e}");
                assert_eq!(e.kind, ReadErrorKind::RoleMissing);
                assert_eq!(got.api_calls, 2);
            }
        }
    }
    assert_eq!(read.api_calls, 24 * 6 + 6 * 2);
}
