//! Drift of a role deployed from a version compiled at the latest generation
//! (issue 11: with `roles.permissions_boundary`, the self-audit statement
//! may read the role's boundary). No moto: the role is the template resolved
//! as CloudFormation would, with and without a boundary, then changed.
//!
//! The version under test is `contact-flows` raised to 1.3.0 (unreleased,
//! so compiled at `compile::GENERATION`), checked against the repository's
//! releases of the module.

use std::collections::BTreeMap;

use rolesmith::compile::CompiledModule;
use rolesmith::compile::grants::BOUNDARY_SID;
use rolesmith::drift::{Kind, ModuleVersions, Report, Status, Subject};
use rolesmith::live::{AttachedPolicy, RawDoc, RoleSnapshot};
use serde_json::{Value, json};

use super::project;

const ACCOUNT: &str = "222233334444";
const EXTERNAL_ID: &str = "tenant-ext-id";
const INSTANCE: &str = "0123abcd-0123-4567-89ab-0123456789ab";
const BOUNDARY: &str = "arn:aws:iam::222233334444:policy/CustomerBoundary";

/// `contact-flows` at 1.3.0, compiled as `build` compiles a new version.
fn next_version() -> CompiledModule {
    let cat = rolesmith::catalogue::catalogue();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let p = rolesmith::manifest::load_project(cat, &root.join("rolesmith.yaml")).unwrap();
    let mut m = p
        .modules
        .iter()
        .find(|m| m.id == "contact-flows")
        .unwrap()
        .clone();
    m.version = semver::Version::new(1, 3, 0);
    let c =
        rolesmith::compile::compile_module_at(cat, &p.config, &m, rolesmith::compile::GENERATION)
            .unwrap();
    assert!(c.self_audit.iter().any(|g| g.sid == BOUNDARY_SID));
    c
}

/// `v` resolved as CloudFormation resolves it in the tenant's stack:
/// `Fn::Sub`, `Ref` and `Fn::If` (an `AWS::NoValue` element is left out).
fn resolve(v: &Value, params: &BTreeMap<&str, &str>) -> Option<Value> {
    let sub = |s: &str| {
        let mut out = s
            .replace("${AWS::Partition}", "aws")
            .replace("${AWS::Region}", "eu-west-2")
            .replace("${AWS::AccountId}", ACCOUNT)
            .replace("${AWS::StackName}", "CXPortal-contact-flows");
        for (k, v) in params {
            out = out.replace(&format!("${{{k}}}"), v);
        }
        assert!(!out.contains("${"), "unresolved: {out}");
        out
    };
    let has_boundary = !params["PermissionsBoundaryArn"].is_empty();
    Some(match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("Fn::Sub") => {
            Value::from(sub(o["Fn::Sub"].as_str().unwrap()))
        }
        Value::Object(o) if o.len() == 1 && o.contains_key("Ref") => {
            let name = o["Ref"].as_str().unwrap();
            if name == "AWS::NoValue" {
                return None;
            }
            Value::from(match name {
                "AWS::Partition" => "aws",
                "AWS::Region" => "eu-west-2",
                "AWS::AccountId" => ACCOUNT,
                // The one resource referred to: the role (by its name).
                "Role" => "CXPortal-contact-flows",
                other => params[other],
            })
        }
        Value::Object(o) if o.len() == 1 && o.contains_key("Fn::If") => {
            let f = o["Fn::If"].as_array().unwrap();
            assert_eq!(f[0], "HasPermissionsBoundary");
            return resolve(if has_boundary { &f[1] } else { &f[2] }, params);
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .filter_map(|(k, v)| Some((k.clone(), resolve(v, params)?)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().filter_map(|v| resolve(v, params)).collect()),
        other => other.clone(),
    })
}

/// The role the template deploys, with `boundary` set (or not); `edit`
/// changes each managed policy's resolved document first.
fn deployed(c: &CompiledModule, boundary: Option<&str>, edit: &dyn Fn(&mut Value)) -> RoleSnapshot {
    let params = BTreeMap::from([
        ("ExternalId", EXTERNAL_ID),
        ("InstanceId", INSTANCE),
        ("PermissionsBoundaryArn", boundary.unwrap_or("")),
    ]);
    let resources = c.template["Resources"].as_object().unwrap();
    let role = resolve(&resources["Role"]["Properties"], &params).unwrap();
    let name = role["RoleName"].as_str().unwrap().to_string();
    let mut attached = Vec::new();
    for r in resources.values() {
        if r["Type"] != "AWS::IAM::ManagedPolicy" {
            continue;
        }
        let p = resolve(&r["Properties"], &params).unwrap();
        let pname = p["ManagedPolicyName"].as_str().unwrap().to_string();
        let mut doc = p["PolicyDocument"].clone();
        edit(&mut doc);
        attached.push(AttachedPolicy {
            arn: format!("arn:aws:iam::{ACCOUNT}:policy/{pname}"),
            name: pname,
            version_id: Some("v1".into()),
            document: Some(RawDoc(doc.to_string())),
        });
    }
    attached.sort_by(|a, b| a.arn.cmp(&b.arn));
    let tags = role["Tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["Key"].as_str().unwrap().to_string(),
                t["Value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    RoleSnapshot {
        arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
        name,
        role_id: "AROAEXAMPLE".into(),
        path: "/".into(),
        tags,
        max_session_duration: Some(3600),
        trust_policy: RawDoc(role["AssumeRolePolicyDocument"].to_string()),
        inline: Vec::new(),
        attached,
        boundary: boundary.map(|arn| AttachedPolicy {
            arn: arn.to_string(),
            name: "CustomerBoundary".into(),
            version_id: Some("v1".into()),
            document: Some(RawDoc(
                json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "*", "Resource": "*"}]})
                .to_string(),
            )),
        }),
        stack: None,
    }
}

fn check(c: &CompiledModule, snap: &RoleSnapshot) -> Report {
    let p = project();
    let releases = p.ledger.releases("contact-flows");
    let versions = ModuleVersions {
        latest: c,
        releases: &releases,
        layouts: p.layouts_of("contact-flows"),
    };
    let subject = Subject {
        module: "contact-flows".into(),
        role_arn: snap.arn.clone(),
        region: Some("eu-west-2".into()),
        ..Subject::default()
    };
    rolesmith::drift::check(
        rolesmith::catalogue::catalogue(),
        &p.config,
        &versions,
        &subject,
        Ok(snap),
    )
}

/// Removes the statement that reads the boundary from every document.
fn drop_boundary_read(doc: &mut Value) {
    if let Some(st) = doc["Statement"].as_array_mut() {
        st.retain(|s| s["Sid"] != BOUNDARY_SID);
    }
}

#[test]
fn a_role_as_deployed_is_clean_with_and_without_a_boundary() {
    let c = next_version();
    let without = deployed(&c, None, &|_| {});
    // The stack without a boundary has no statement reading one.
    assert!(
        without.attached.iter().all(|p| !p
            .document
            .as_ref()
            .unwrap()
            .as_str()
            .contains(BOUNDARY_SID))
    );
    let r = check(&c, &without);
    assert_eq!(r.status, Status::Ok, "{r:#?}");
    // With one, the statement reads exactly the role's boundary.
    let with = deployed(&c, Some(BOUNDARY), &|_| {});
    let doc = with
        .attached
        .iter()
        .map(|p| p.document.as_ref().unwrap().as_str())
        .find(|d| d.contains(BOUNDARY_SID))
        .unwrap();
    let doc: Value = serde_json::from_str(doc).unwrap();
    let st = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == BOUNDARY_SID)
        .unwrap();
    assert_eq!(st["Resource"], json!([BOUNDARY]), "{st}");
    let r = check(&c, &with);
    assert_eq!(r.status, Status::Ok, "{r:#?}");
}

#[test]
fn a_boundary_read_removed_by_the_customer_is_reported() {
    let c = next_version();
    let with = deployed(&c, Some(BOUNDARY), &drop_boundary_read);
    let r = check(&c, &with);
    assert_eq!(r.status, Status::Drift, "{r:#?}");
    // The permissions the removal took are named, on the role's boundary.
    let named: Vec<String> = r
        .findings
        .iter()
        .flat_map(|f| {
            f.action
                .iter()
                .cloned()
                .chain(f.permissions.iter().map(|p| p.action.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        named.iter().any(|a| a == "iam:GetPolicy"),
        "{named:?}\n{r:#?}"
    );
    let text = format!("{r:?}");
    assert!(text.contains(BOUNDARY), "{text}");
    assert!(!text.contains("${PermissionsBoundaryArn}"), "{text}");
    // Without a boundary the same document is what the stack deploys.
    let without = deployed(&c, None, &drop_boundary_read);
    let r = check(&c, &without);
    assert_eq!(r.status, Status::Ok, "{r:#?}");
    assert!(r.findings.iter().all(|f| f.kind != Kind::PolicyChanged));
}
