//! Issue 11 against moto, through the CLI: what drift read must be what was
//! asked (the account, the module), and what it reports about the deployed
//! managed policies must name them with the exact fix.

use std::path::Path;

use rolesmith::drift::{Kind, Report, Status, Subject};
use rolesmith::live::RoleTarget;
use serde_json::{Value, json};

use crate::live::moto::{account, moto};
use crate::live::readers::deploy_contact_flows;
use crate::util;

const EXT: &str = "tenant-ext-11";

/// A moto server of the test's own: the tests that act in moto's default
/// account (the vendor's credentials, no `--assume-role`) would otherwise
/// deploy the same-named role into one shared account when run as threads
/// of one process (`cargo test`).
fn own_server() -> crate::live::moto::Moto {
    crate::live::moto::spawn(false, None).unwrap_or_else(|e| panic!("{e}"))
}

/// `rolesmith drift ARGS --format json` against moto with the vendor's
/// credentials (moto's default account 123456789012), region from
/// `AWS_REGION` only.
pub fn drift_cli(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    drift_cli_at(&moto().endpoint, dir, args)
}

/// [`drift_cli`] against the moto server at `endpoint`.
fn drift_cli_at(endpoint: &str, dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = util::run(
        util::rolesmith()
            .current_dir(util::repo())
            .arg("drift")
            .args(args)
            .args(["--format", "json", "--endpoint-url", endpoint])
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "eu-west-2")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_DEFAULT_REGION")
            .env("AWS_CONFIG_FILE", dir.join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none")),
    );
    let v = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
    (out.code, v, out.stderr)
}

fn kinds(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_account_without_assume_role_is_exit_3() {
    let m = own_server();
    let dir = tempfile::tempdir().unwrap();
    // The same-named role exists in the caller's own account...
    deploy_contact_flows(&m, "123456789012", EXT).await;
    // ...and the customer's role in the customer's account.
    let customer = account(1101);
    let d = deploy_contact_flows(&m, &customer, EXT).await;
    let (code, r, err) = drift_cli_at(
        &m.endpoint,
        dir.path(),
        &["--module", "contact-flows", "--role-arn", &d.role_arn],
    );
    assert_eq!(code, 3, "{r:#}\n{err}");
    assert_eq!(r["status"], "error");
    assert_eq!(kinds(&r), ["wrong_account"]);
    let f = &r["findings"][0];
    assert_eq!(
        f["resource"],
        "arn:aws:iam::123456789012:role/CXPortal-contact-flows"
    );
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!("--assume-role {}", d.role_arn)),
        "{fix}"
    );
    // With --assume-role the customer's role is read: as deployed.
    let (code, r, err) = drift_cli_at(
        &m.endpoint,
        dir.path(),
        &[
            "--module",
            "contact-flows",
            "--role-arn",
            &d.role_arn,
            "--assume-role",
            &d.role_arn,
            "--external-id",
            EXT,
        ],
    );
    assert_eq!(code, 0, "{r:#}\n{err}");
    assert_eq!(kinds(&r), Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn module_from_the_tag_and_a_mismatch() {
    let dir = tempfile::tempdir().unwrap();
    let acct = account(1102);
    let d = deploy_contact_flows(moto(), &acct, EXT).await;
    let assumed = [
        "--role-arn",
        d.role_arn.as_str(),
        "--assume-role",
        d.role_arn.as_str(),
        "--external-id",
        EXT,
    ];
    // No --module: the role's rolesmith:module tag says contact-flows.
    let (code, r, err) = drift_cli(dir.path(), &assumed);
    assert_eq!(code, 0, "{r:#}\n{err}");
    assert_eq!(r["module"], "contact-flows");
    assert_eq!(r["status"], "ok");
    assert_eq!(r["deployed_version"], "1.2.0");

    // Another module given: one module_mismatch error, nothing compared.
    let mut args = vec!["--module", "integrations"];
    args.extend(assumed);
    let (code, r, err) = drift_cli(dir.path(), &args);
    assert_eq!(code, 1, "{r:#}\n{err}");
    assert_eq!(kinds(&r), ["module_mismatch"]);
    let msg = r["findings"][0]["message"].as_str().unwrap();
    assert!(
        msg.contains("`integrations`") && msg.contains("`contact-flows`"),
        "{msg}"
    );

    // No tag and no --module: exit 2, saying to give --module.
    moto()
        .iam_in(&acct)
        .await
        .untag_role()
        .role_name(&d.role_name)
        .tag_keys("rolesmith:module")
        .send()
        .await
        .unwrap();
    let (code, _, err) = drift_cli(dir.path(), &assumed);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("give `--module`"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn detached_managed_policy_is_one_finding_with_the_attach_command() {
    let dir = tempfile::tempdir().unwrap();
    let acct = account(1103);
    let d = deploy_contact_flows(moto(), &acct, EXT).await;
    let policy_arn = format!("arn:aws:iam::{acct}:policy/CXPortal-contact-flows-1");
    moto()
        .iam_in(&acct)
        .await
        .detach_role_policy()
        .role_name(&d.role_name)
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap();
    // The vendor's credentials, role read with them after assuming it; the
    // region only from AWS_REGION.
    let (code, r, err) = drift_cli(
        dir.path(),
        &[
            "--module",
            "contact-flows",
            "--role-arn",
            &d.role_arn,
            "--assume-role",
            &d.role_arn,
            "--external-id",
            EXT,
        ],
    );
    assert_eq!(code, 1, "{r:#}\n{err}");
    assert_eq!(kinds(&r), ["policy_detached"], "{r:#}");
    let f = &r["findings"][0];
    assert_eq!(f["policy"], "CXPortal-contact-flows-1");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains(&format!(
            "`aws iam attach-role-policy --role-name CXPortal-contact-flows --policy-arn {policy_arn}`"
        )),
        "{fix}"
    );
    let perms = f["permissions"].as_array().unwrap();
    let (audit, features): (Vec<_>, Vec<_>) = perms
        .iter()
        .partition(|p| p["feature"] == "rolesmith:self-audit");
    // Every permission of the four features of 1.2.0, each once.
    assert_eq!(features.len(), 14, "{perms:#?}");
    for p in &features {
        let res = p["resource"].as_str().unwrap();
        assert!(
            res.starts_with(&format!("arn:aws:connect:eu-west-2:{acct}:instance/")),
            "{res}"
        );
    }
    // And what the role's own session needs to read itself, from the same policy.
    assert!(
        audit.iter().any(|p| p["action"] == "iam:GetRole"),
        "{perms:#?}"
    );
    for p in perms {
        let res = p["resource"].as_str().unwrap();
        assert!(!res.contains("${AWS::"), "{res}");
    }
    assert!(
        r["features"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["available"] == false)
    );
}

/// Checks the role with the vendor's credentials through `reader` (the role
/// in the vendor's own account 123456789012, read without assuming it).
async fn check_own(reader: &rolesmith::live::aws::AwsReader, role_arn: &str) -> Report {
    let (read, _) = reader.read(&RoleTarget::new(role_arn)).await;
    let subject = Subject {
        module: "contact-flows".into(),
        role_arn: role_arn.into(),
        region: Some("eu-west-2".into()),
        ..Subject::default()
    };
    super::project().check(&subject, &[], read.as_ref())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customer_boundary_is_named_with_its_statement() {
    let m = own_server();
    let d = deploy_contact_flows(&m, "123456789012", EXT).await;
    let iam = &m.iam_in("123456789012").await;
    let b = iam
        .create_policy()
        .policy_name("CustomerGuardrail")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [
                {"Sid": "ReadAnything", "Effect": "Allow", "Action": ["connect:Describe*", "connect:List*", "connect:Search*", "connect:Create*"], "Resource": "*"},
                {"Sid": "NoFlowWrites", "Effect": "Deny", "Action": "connect:CreateContactFlow", "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let barn = b.policy().unwrap().arn().unwrap().to_string();
    iam.put_role_permissions_boundary()
        .role_name(&d.role_name)
        .permissions_boundary(&barn)
        .send()
        .await
        .unwrap();
    let r = check_own(&m.reader().await, &d.role_arn).await;
    let blocks: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.kind == Kind::BoundaryBlocks)
        .collect();
    assert!(!blocks.is_empty(), "{r:#?}");
    for f in &blocks {
        assert_eq!(f.policy.as_deref(), Some("CustomerGuardrail"), "{f:#?}");
        assert!(f.message.contains(&barn), "{}", f.message);
    }
    // A Deny in the boundary is an explicit deny, named by policy and statement.
    let create = r
        .findings
        .iter()
        .find(|f| f.action.as_deref() == Some("connect:CreateContactFlow"))
        .unwrap();
    assert_eq!(create.kind, Kind::ExplicitDeny);
    assert_eq!(create.policy.as_deref(), Some("CustomerGuardrail"));
    assert_eq!(create.statement.as_deref(), Some("NoFlowWrites"));
    // Where nothing in the boundary allows, the boundary is named.
    let update = blocks
        .iter()
        .find(|f| f.action.as_deref() == Some("connect:UpdateContactFlowContent"))
        .unwrap();
    assert!(
        update
            .message
            .starts_with("no statement of the permissions boundary `CustomerGuardrail`"),
        "{}",
        update.message
    );
    assert!(update.fix.contains(&barn), "{}", update.fix);
}

/// A boundary the role's self-audit statement may not read (as with every
/// released version of this project): the read goes on, the boundary is
/// `unreadable_policy` with what to do, and nothing is claimed available.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreadable_customer_boundary_does_not_fail_the_read() {
    let m = own_server();
    use crate::live::faults::{Fault, fault_proxy_to};
    let d = deploy_contact_flows(&m, "123456789012", EXT).await;
    let iam = &m.iam_in("123456789012").await;
    let b = iam
        .create_policy()
        .policy_name("CustomerBoundary")
        .policy_document(
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    let barn = b.policy().unwrap().arn().unwrap().to_string();
    iam.put_role_permissions_boundary()
        .role_name(&d.role_name)
        .permissions_boundary(&barn)
        .send()
        .await
        .unwrap();
    // GetRole, ListRolePolicies, ListAttachedRolePolicies, GetPolicy and
    // GetPolicyVersion of the module's policy pass; GetPolicy of the
    // boundary (request 5) is refused, as IAM refuses it to the self-audit.
    let (endpoint, _) = fault_proxy_to(&m.endpoint, |n, _| {
        if n == 5 { Fault::Deny } else { Fault::Forward }
    });
    let reader = rolesmith::live::aws::AwsReader::connect(&rolesmith::live::aws::AwsOptions {
        endpoint_url: Some(endpoint),
        ..m.options()
    })
    .await;
    let r = check_own(&reader, &d.role_arn).await;
    assert_ne!(r.status, Status::Error, "{r:#?}");
    let f = r
        .findings
        .iter()
        .find(|f| f.kind == Kind::UnreadablePolicy)
        .unwrap_or_else(|| panic!("{r:#?}"));
    assert_eq!(f.policy.as_deref(), Some("CustomerBoundary"));
    assert!(f.message.contains("permissions boundary"), "{}", f.message);
    assert!(
        f.fix.contains("--from-file") && f.fix.contains(&barn),
        "{}",
        f.fix
    );
}

/// A role deployed from the released 1.0.0 template, two releases behind:
/// one `version_behind` naming both later features with every permission it
/// lacks, and `features[]` as `capabilities.json` says for 1.0.0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_releases_behind_agrees_with_capabilities() {
    use crate::live::deploy::{Stack, deploy};
    let dir = tempfile::tempdir().unwrap();
    let acct = account(1104);
    let template: Value = serde_json::from_str(include_str!(
        "../../../generated/contact-flows/1.0.0/template.json"
    ))
    .unwrap();
    let d = deploy(
        &moto().iam_in(&acct).await,
        &template,
        &Stack {
            account: &acct,
            region: "eu-west-2",
            name: "cx-portal-contact-flows",
            params: std::collections::BTreeMap::from([
                ("ExternalId".to_string(), EXT.to_string()),
                (
                    "InstanceId".to_string(),
                    crate::live::readers::INSTANCE.to_string(),
                ),
            ]),
        },
    )
    .await;
    let (code, r, err) = drift_cli(
        dir.path(),
        &[
            "--role-arn",
            &d.role_arn,
            "--assume-role",
            &d.role_arn,
            "--external-id",
            EXT,
        ],
    );
    assert_eq!(code, 0, "{r:#}\n{err}");
    assert_eq!(r["deployed_version"], "1.0.0");
    assert_eq!(kinds(&r), ["version_behind"], "{r:#}");
    let f = &r["findings"][0];
    let msg = f["message"].as_str().unwrap();
    assert!(
        msg.contains("`publish-flow-modules`, `audit-flows`"),
        "{msg}"
    );
    let lacks: Vec<&str> = f["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["action"].as_str().unwrap())
        .collect();
    assert_eq!(lacks.len(), 5, "{lacks:?}");
    let caps: Value =
        serde_json::from_str(include_str!("../../../generated/capabilities.json")).unwrap();
    let v100 = caps["modules"]["contact-flows"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["version"] == "1.0.0")
        .unwrap();
    let mut available: Vec<&str> = r["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["available"] == true)
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    available.sort();
    let listed: Vec<&str> = v100["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(available, listed);
}
