//! One test per finding kind: a role deployed in moto from the generated
//! template of `contact-flows` 1.2.0, changed the way customers change roles,
//! then read and checked.

use aws_sdk_iam::Client;
use rolesmith::drift::{Kind, Report, Status, Subject};
use rolesmith::live::RoleTarget;
use rolesmith::version::Release;
use serde_json::{Value, json};

use super::project;
use crate::live::deploy::Deployed;
use crate::live::moto::{account, moto};
use crate::live::readers::deploy_contact_flows;

const EXT: &str = "tenant-ext-1";

struct Role {
    iam: Client,
    d: Deployed,
    account: String,
}

async fn role(n: u32) -> Role {
    let acct = account(500 + n);
    let d = deploy_contact_flows(moto(), &acct, EXT).await;
    Role {
        iam: moto().iam_in(&acct).await,
        d,
        account: acct,
    }
}

impl Role {
    async fn check_with(&self, extra: &[Release]) -> Report {
        let r = moto().reader().await;
        let (read, _) = r
            .read(&RoleTarget {
                assume_role: Some(self.d.role_arn.clone()),
                external_id: Some(EXT.into()),
                region: Some("eu-west-2".into()),
                ..RoleTarget::new(&self.d.role_arn)
            })
            .await;
        let p = project();
        let subject = Subject {
            tenant: Some("acme".into()),
            module: "contact-flows".into(),
            role_arn: self.d.role_arn.clone(),
            region: Some("eu-west-2".into()),
        };
        p.check(&subject, extra, read.as_ref())
    }

    async fn check(&self) -> Report {
        self.check_with(&[]).await
    }

    fn policy_arn(&self) -> String {
        format!(
            "arn:aws:iam::{}:policy/CXPortal-contact-flows-1",
            self.account
        )
    }

    /// The deployed managed policy's document.
    async fn policy_doc(&self) -> Value {
        let arn = self.policy_arn();
        let v = self
            .iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id("v1")
            .send()
            .await
            .unwrap();
        let text = v.policy_version().unwrap().document().unwrap().to_string();
        serde_json::from_str(&rolesmith::live::decode_document(&text)).unwrap()
    }

    /// Replaces the managed policy's default version, as a customer editing it in the console.
    async fn edit_policy(&self, f: impl FnOnce(&mut Value)) {
        let mut doc = self.policy_doc().await;
        f(&mut doc);
        self.iam
            .create_policy_version()
            .policy_arn(self.policy_arn())
            .policy_document(doc.to_string())
            .set_as_default(true)
            .send()
            .await
            .unwrap();
    }

    async fn put_inline(&self, name: &str, doc: Value) {
        self.iam
            .put_role_policy()
            .role_name(&self.d.role_name)
            .policy_name(name)
            .policy_document(doc.to_string())
            .send()
            .await
            .unwrap();
    }

    async fn set_trust(&self, doc: Value) {
        self.iam
            .update_assume_role_policy()
            .role_name(&self.d.role_name)
            .policy_document(doc.to_string())
            .send()
            .await
            .unwrap();
    }
}

fn kinds(r: &Report) -> Vec<Kind> {
    let mut k: Vec<Kind> = r.findings.iter().map(|f| f.kind).collect();
    k.dedup();
    k
}

fn vendor_statement(condition: bool) -> Value {
    let mut s = json!({
        "Sid": "TrustVendorAuthoriser", "Effect": "Allow", "Action": "sts:AssumeRole",
        "Principal": {"AWS": "arn:aws:iam::111122223333:role/CXPortalAuthoriserRole"}
    });
    if condition {
        s["Condition"] = json!({"StringEquals": {"sts:ExternalId": EXT}});
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn as_deployed_is_ok() {
    let r = role(1).await.check().await;
    assert_eq!(r.status, Status::Ok, "{r:#?}");
    assert!(r.findings.is_empty(), "{r:#?}");
    assert_eq!(r.deployed_version.as_deref(), Some("1.2.0"));
    assert!(r.features.iter().all(|f| f.available));
    assert!(r.notes[0].contains("SCP"));
}

/// The customer edits the managed policy (a new default version without
/// PublishFlows1): one `policy_changed` naming it, the four permissions under
/// it, and the fix restores the version the stack created.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_changed_when_a_statement_is_removed() {
    let role = role(2).await;
    role.edit_policy(|doc| {
        let st = doc["Statement"].as_array_mut().unwrap();
        st.retain(|s| s["Sid"] != "PublishFlows1");
    })
    .await;
    let r = role.check().await;
    assert_eq!(r.status, Status::Drift);
    assert_eq!(kinds(&r), [Kind::PolicyChanged], "{r:#?}");
    assert_eq!(r.findings.len(), 1, "{r:#?}");
    let f = &r.findings[0];
    assert_eq!(f.policy.as_deref(), Some("CXPortal-contact-flows-1"));
    assert_eq!(f.feature.as_deref(), Some("publish-flows"));
    assert!(f.message.contains("default version `v2`"), "{}", f.message);
    assert!(
        f.fix.contains(&format!(
            "`aws iam set-default-policy-version --policy-arn {} --version-id v1`",
            role.policy_arn()
        )),
        "{}",
        f.fix
    );
    assert_eq!(f.permissions.len(), 4, "{f:#?}");
    let p = &f.permissions[0];
    assert_eq!(p.action, "connect:CreateContactFlow");
    assert_eq!(p.statement, "PublishFlows1");
    assert_eq!(
        p.resource,
        format!(
            "arn:aws:connect:eu-west-2:{}:instance/{}/contact-flow/*",
            role.account,
            crate::live::readers::INSTANCE
        )
    );
    let pf = r.features.iter().find(|f| f.id == "publish-flows").unwrap();
    assert!(!pf.available);
    assert!(
        r.features
            .iter()
            .filter(|f| f.id != "publish-flows")
            .all(|f| f.available)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn explicit_deny_names_the_statement() {
    let role = role(3).await;
    role.put_inline(
        "guardrail",
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "NoPublishing", "Effect": "Deny", "Action": "connect:UpdateContactFlowContent", "Resource": "*"}]}),
    )
    .await;
    let r = role.check().await;
    assert_eq!(kinds(&r), [Kind::ExplicitDeny]);
    let f = &r.findings[0];
    assert_eq!(f.policy.as_deref(), Some("guardrail"));
    assert_eq!(f.statement.as_deref(), Some("NoPublishing"));
    assert!(
        f.message.contains("`guardrail` statement `NoPublishing`"),
        "{}",
        f.message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn boundary_blocks_what_it_does_not_allow() {
    let role = role(4).await;
    let b = role
        .iam
        .create_policy()
        .policy_name("ReadOnlyBoundary")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["connect:Describe*", "connect:List*", "connect:Search*", "iam:Get*", "iam:List*", "cloudformation:Describe*"], "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    role.iam
        .put_role_permissions_boundary()
        .role_name(&role.d.role_name)
        .permissions_boundary(b.policy().unwrap().arn().unwrap())
        .send()
        .await
        .unwrap();
    let r = role.check().await;
    assert_eq!(kinds(&r), [Kind::BoundaryBlocks], "{r:#?}");
    let actions: Vec<&str> = r
        .findings
        .iter()
        .filter_map(|f| f.action.as_deref())
        .collect();
    assert!(actions.contains(&"connect:CreateContactFlow"));
    assert!(!actions.iter().any(|a| a.contains("Describe")));
    let view = r.features.iter().find(|f| f.id == "view-flows").unwrap();
    assert!(view.available);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conditional_permission_is_a_warning() {
    let role = role(5).await;
    role.edit_policy(|doc| {
        for s in doc["Statement"].as_array_mut().unwrap() {
            if s["Sid"] == "ViewFlows3" {
                s["Condition"] = json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}});
            }
        }
    })
    .await;
    let r = role.check().await;
    assert_eq!(r.status, Status::Ok, "{r:#?}");
    assert_eq!(kinds(&r), [Kind::ConditionalPermission]);
    assert!(
        r.findings[0].message.contains("aws:SourceIp"),
        "{}",
        r.findings[0].message
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_behind_lists_the_features_lost() {
    let role = role(6).await;
    // Version 1.1.0 as it was before audit-flows: the latest grants without them.
    let p = project();
    let latest = p.module("contact-flows");
    let current = p.ledger.get("contact-flows", &latest.version).unwrap();
    let mut old = current.clone();
    old.version = semver::Version::new(1, 1, 0);
    old.grants.retain(|g| g.feature != "audit-flows");
    old.features.retain(|f| f.id != "audit-flows");
    role.edit_policy(|doc| {
        doc["Statement"]
            .as_array_mut()
            .unwrap()
            .retain(|s| s["Sid"] != "AuditFlows1");
    })
    .await;
    role.iam
        .tag_role()
        .role_name(&role.d.role_name)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("rolesmith:version")
                .value("1.1.0")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let r = role.check_with(&[old]).await;
    assert_eq!(r.status, Status::Ok, "{r:#?}");
    assert_eq!(kinds(&r), [Kind::VersionBehind]);
    let f = &r.findings[0];
    assert_eq!(f.feature.as_deref(), Some("audit-flows"));
    assert!(f.fix.contains("1.2.0"), "{}", f.fix);
    let audit = r.features.iter().find(|f| f.id == "audit-flows").unwrap();
    assert!(!audit.available);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trust_principal_missing_and_recreated_authoriser() {
    let role = role(7).await;
    role.set_trust(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "AROAEXAMPLEAUTHORIS1"},
         "Condition": {"StringEquals": {"sts:ExternalId": EXT}}}]}))
    .await;
    let r = role.check().await;
    assert_eq!(r.status, Status::Drift);
    assert_eq!(kinds(&r), [Kind::TrustPrincipalMissing]);
    assert!(
        r.findings[0].message.contains("deleted and recreated"),
        "{}",
        r.findings[0].message
    );

    // The vendor's authoriser replaced by another of the vendor's roles.
    role.set_trust(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::111122223333:role/OldAuthoriser"},
         "Condition": {"StringEquals": {"sts:ExternalId": EXT}}}]}))
    .await;
    let r = role.check().await;
    assert_eq!(
        kinds(&r),
        [Kind::TrustPrincipalMissing, Kind::UntrustedPrincipal]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn external_id_missing() {
    let role = role(8).await;
    role.set_trust(json!({"Version": "2012-10-17", "Statement": [vendor_statement(false)]}))
        .await;
    let r = role.check().await;
    assert_eq!(kinds(&r), [Kind::ExternalIdMissing]);
    assert_eq!(r.status, Status::Drift);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_principal() {
    let role = role(9).await;
    role.set_trust(json!({"Version": "2012-10-17", "Statement": [
        vendor_statement(true),
        {"Sid": "Contractor", "Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}}]}))
    .await;
    let r = role.check().await;
    assert_eq!(kinds(&r), [Kind::UntrustedPrincipal]);
    assert!(
        r.findings[0]
            .message
            .contains("arn:aws:iam::999988887777:root")
    );
    assert_eq!(r.findings[0].statement.as_deref(), Some("Contractor"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn excess_permission_names_policy_and_actions() {
    let role = role(10).await;
    role.put_inline(
        "debugging",
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Broad", "Effect": "Allow", "Action": ["connect:DescribeContactFlow", "s3:GetObject", "connect:DeleteContactFlow"], "Resource": "*"}]}),
    )
    .await;
    let r = role.check().await;
    assert_eq!(r.status, Status::Ok);
    assert_eq!(kinds(&r), [Kind::ExcessPermission]);
    let f = &r.findings[0];
    assert_eq!(
        (f.policy.as_deref(), f.statement.as_deref()),
        (Some("debugging"), Some("Broad"))
    );
    assert!(
        f.message
            .contains("`connect:DeleteContactFlow`, `s3:GetObject`"),
        "{}",
        f.message
    );
    assert!(!f.message.contains("DescribeContactFlow`"), "{}", f.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_missing() {
    let acct = account(520);
    let arn = format!("arn:aws:iam::{acct}:role/CXPortal-contact-flows");
    let r = moto().reader().await;
    let (read, _) = r
        .read(&RoleTarget {
            assume_role: Some(arn.clone()),
            external_id: Some(EXT.into()),
            ..RoleTarget::new(&arn)
        })
        .await;
    let p = project();
    let subject = Subject {
        module: "contact-flows".into(),
        role_arn: arn,
        ..Subject::default()
    };
    let rep = p.check(&subject, &[], read.as_ref());
    assert_eq!(kinds(&rep), [Kind::RoleMissing]);
    assert_eq!(rep.status, Status::Drift);
    assert!(rep.features.iter().all(|f| !f.available));
}
