//! Unit tests of the pure compiler against a small made-up catalogue.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::size::{Split, WorstCase, first_fit};
use super::*;
use crate::catalogue::Catalogue;
use crate::manifest::{Feature, Parameter, Regions, RolesConfig, Vendor};

/// A small catalogue in the real one's text layout: connect actions on
/// contact flows and instances, S3 on buckets and objects, and one
/// wildcard-only action in each service.
const TEXT: &str = "# test catalogue\nsource\tfake-1\nlevels\tList\tRead\tWrite\n\
@connect\tAmazon Connect\n\
t\tcontact-flow\tarn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/${ContactFlowId}\t\n\
t\tinstance\tarn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}\t\n\
DescribeContactFlow\t1\t0*\t\n\
DescribeInstance\t1\t1*\t\n\
ListContactFlows\t0\t1*\t\n\
ListInstances\t0\t\t\n\
UpdateContactFlowContent\t2\t0*\t\n\
@s3\tAmazon S3\n\
t\tbucket\tarn:${Partition}:s3:::${BucketName}\t\n\
t\tobject\tarn:${Partition}:s3:::${BucketName}/${ObjectName}\t\n\
GetObject\t1\t1*\t\n\
ListAllMyBuckets\t0\t\t\n\
ListBucket\t0\t0*\t\n";

fn catalogue() -> Catalogue {
    Catalogue::from_text(TEXT)
}

/// Compiles with the test catalogue.
fn compile(config: &Config, m: &Module) -> Result<CompiledModule, Vec<CompileError>> {
    compile_module(&catalogue(), config, m)
}

#[test]
fn the_test_catalogue_reads_as_written() {
    let c = catalogue();
    assert_eq!(c.source(), "fake-1");
    assert_eq!(
        c.matching_names("connect:Describe*"),
        ["connect:DescribeContactFlow", "connect:DescribeInstance"]
    );
    let formats = |a: &str| c.action(a).map(|a| a.grant_arn_formats().len());
    assert_eq!(formats("s3:GetObject"), Some(1));
    assert_eq!(formats("s3:ListAllMyBuckets"), Some(0));
    assert_eq!(formats("s3:PutObject"), None);
}

pub fn config() -> Config {
    Config {
        vendor: Vendor {
            name: "CX Portal".into(),
            account_id: "111122223333".into(),
            authoriser_role: "CXPortalAuthoriserRole".into(),
        },
        roles: RolesConfig {
            name_prefix: "CXPortal-".into(),
            max_session_duration: 3600,
            external_id: true,
            permissions_boundary: true,
            self_audit: true,
            tags: BTreeMap::from([("vendor".into(), "cx-portal".into())]),
            regions: Regions::Stack,
            max_managed_policies: 10,
        },
        review: Default::default(),
    }
}

fn feature(id: &str, actions: &[&str], resources: Option<&[&str]>) -> Feature {
    let mut actions: Vec<String> = actions.iter().map(|s| s.to_string()).collect();
    actions.sort();
    Feature {
        id: id.into(),
        description: format!("why {id}"),
        actions,
        resources: resources.map(|r| r.iter().map(|s| s.to_string()).collect()),
        conditions: BTreeMap::new(),
        wildcard_reason: None,
    }
}

fn module(features: Vec<Feature>) -> Module {
    Module {
        id: "flows".into(),
        version: semver::Version::new(1, 2, 0),
        description: "Manage flows.".into(),
        parameters: BTreeMap::from([(
            "InstanceId".to_string(),
            Parameter {
                description: "instance".into(),
                pattern: Some("^[0-9a-f-]{36}$".into()),
                default: None,
                max_length: 128,
            },
        )]),
        features,
        regions: None,
        feature_lines: Default::default(),
        version_at: (0, 0),
        source: "modules/flows.yaml".into(),
        digest: "sha256:00".into(),
    }
}

fn by_sid<'a>(c: &'a CompiledModule, sid: &str) -> &'a Grant {
    c.all_grants().find(|g| g.sid == sid).unwrap()
}

#[test]
fn derived_resources_group_actions_and_isolate_wildcard_only() {
    let m = module(vec![feature(
        "view-flows",
        &[
            "connect:DescribeContactFlow",
            "connect:ListContactFlows",
            "connect:DescribeInstance",
            "connect:ListInstances",
        ],
        None,
    )]);
    let c = compile(&config(), &m).unwrap();
    let got: Vec<(&str, Vec<&str>, Vec<&str>)> = c
        .grants
        .iter()
        .map(|g| {
            (
                g.sid.as_str(),
                g.actions.iter().map(String::as_str).collect(),
                g.resources.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("ViewFlows1", vec!["connect:ListInstances"], vec!["*"]),
            (
                "ViewFlows2",
                vec!["connect:DescribeInstance", "connect:ListContactFlows"],
                vec![
                    "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}"
                ]
            ),
            (
                "ViewFlows3",
                vec!["connect:DescribeContactFlow"],
                vec![
                    "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*"
                ]
            ),
        ]
    );
}

#[test]
fn explicit_resources_go_only_to_actions_they_fit() {
    let m = module(vec![feature(
        "read",
        &["s3:GetObject", "s3:ListBucket", "s3:ListAllMyBuckets"],
        Some(&[
            "arn:${AWS::Partition}:s3:::${InstanceId}",
            "arn:${AWS::Partition}:s3:::${InstanceId}/recordings/*",
        ]),
    )]);
    let c = compile(&config(), &m).unwrap();
    let get = c
        .grants
        .iter()
        .find(|g| g.actions == ["s3:GetObject"])
        .unwrap();
    assert_eq!(
        get.resources,
        ["arn:${AWS::Partition}:s3:::${InstanceId}/recordings/*"]
    );
    let list = c
        .grants
        .iter()
        .find(|g| g.actions == ["s3:ListBucket"])
        .unwrap();
    assert_eq!(list.resources, ["arn:${AWS::Partition}:s3:::${InstanceId}"]);
    let all = c
        .grants
        .iter()
        .find(|g| g.actions == ["s3:ListAllMyBuckets"])
        .unwrap();
    assert_eq!(all.resources, ["*"]);
}

#[test]
fn a_resource_no_action_fits_closely_goes_to_every_action_it_fits() {
    // Read loosely, a bucket name may hold `/` (the catalogue cannot say
    // which names do; log group names do): with no object action to claim
    // it, the resource stays with the action it fits.
    let m = module(vec![feature(
        "list",
        &["s3:ListBucket"],
        Some(&["arn:${AWS::Partition}:s3:::${InstanceId}/x"]),
    )]);
    let c = compile(&config(), &m).unwrap();
    assert_eq!(
        by_sid(&c, "List1").resources,
        ["arn:${AWS::Partition}:s3:::${InstanceId}/x"]
    );
}

#[test]
fn an_action_no_listed_resource_fits_is_an_error() {
    let m = module(vec![feature(
        "read",
        &["s3:GetObject"],
        Some(&["arn:${AWS::Partition}:s3:::bucket"]),
    )]);
    let e = compile(&config(), &m).unwrap_err();
    assert!(matches!(&e[0], CompileError::NoResource { action, .. } if action == "s3:GetObject"));
    assert!(e[0].to_string().contains("accepted formats"), "{}", e[0]);
}

#[test]
fn wildcard_pattern_gets_union_of_matched_formats() {
    let mut f = feature("describe", &["connect:Describe*"], None);
    f.wildcard_reason = Some("every describe call of the instance".into());
    let c = compile(&config(), &module(vec![f])).unwrap();
    assert_eq!(c.grants.len(), 1);
    assert_eq!(c.grants[0].resources.len(), 2);
}

#[test]
fn conditions_are_rendered_with_sub_only_when_needed() {
    let mut f = feature("read", &["s3:GetObject"], None);
    f.conditions = BTreeMap::from([(
        "StringEquals".to_string(),
        BTreeMap::from([
            (
                "kms:ViaService".to_string(),
                vec!["s3.${AWS::Region}.amazonaws.com".to_string()],
            ),
            ("aws:ResourceTag/owner".to_string(), vec!["cx".to_string()]),
        ]),
    )]);
    let st = template::statement(&Grant {
        sid: "S".into(),
        feature: "read".into(),
        actions: vec!["s3:GetObject".into()],
        resources: vec!["*".into()],
        conditions: f.conditions.clone(),
    });
    assert_eq!(
        st["Condition"],
        json!({"StringEquals": {
            "aws:ResourceTag/owner": ["cx"],
            "kms:ViaService": [{"Fn::Sub": "s3.${AWS::Region}.amazonaws.com"}]
        }})
    );
    assert_eq!(st["Resource"], json!(["*"]));
}

#[test]
fn sids_are_stable_when_other_features_change() {
    let a = feature("view-flows", &["connect:DescribeContactFlow"], None);
    let b = feature("edit-flows", &["connect:UpdateContactFlowContent"], None);
    let one = compile(&config(), &module(vec![a.clone()])).unwrap();
    let two = compile(&config(), &module(vec![b, a])).unwrap();
    let sid = |c: &CompiledModule, f: &str| {
        c.grants
            .iter()
            .filter(|g| g.feature == f)
            .map(|g| g.sid.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(sid(&one, "view-flows"), sid(&two, "view-flows"));
    assert_eq!(sid(&two, "edit-flows"), ["EditFlows1"]);
}

#[test]
fn colliding_sids_get_a_suffix() {
    let a = feature("x-1", &["connect:ListInstances"], None);
    let b = feature("x1", &["connect:ListInstances"], None);
    let c = compile(&config(), &module(vec![a, b])).unwrap();
    let sids: BTreeSet<&str> = c.all_grants().map(|g| g.sid.as_str()).collect();
    assert_eq!(sids.len(), c.grants.len() + c.self_audit.len());
    assert!(
        sids.iter()
            .all(|s| s.chars().all(|c| c.is_ascii_alphanumeric()))
    );
}

#[test]
fn self_audit_names_the_role_its_policies_and_its_stack() {
    let m = module(vec![feature("view", &["connect:ListInstances"], None)]);
    let c = compile(&config(), &m).unwrap();
    assert_eq!(c.policies.len(), 1);
    let role = by_sid(&c, "RolesmithSelfAuditRole");
    assert_eq!(
        role.resources,
        ["arn:${AWS::Partition}:iam::${AWS::AccountId}:role/CXPortal-flows"]
    );
    let pol = by_sid(&c, "RolesmithSelfAuditPolicies");
    assert_eq!(
        pol.resources,
        [
            "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/CXPortal-flows-1",
            "arn:${AWS::Partition}:iam::aws:policy/*",
        ]
    );
    assert_eq!(pol.actions, ["iam:GetPolicy", "iam:GetPolicyVersion"]);
    let stack = by_sid(&c, "RolesmithSelfAuditStack");
    assert_eq!(stack.actions, ["cloudformation:DescribeStacks"]);

    let mut cfg = config();
    cfg.roles.self_audit = false;
    let c = compile(&cfg, &m).unwrap();
    assert!(c.self_audit.is_empty());
}

#[test]
fn trust_policy_allows_only_the_authoriser_with_external_id() {
    let c = compile(
        &config(),
        &module(vec![feature("v", &["connect:ListInstances"], None)]),
    )
    .unwrap();
    assert_eq!(
        c.trust_policy,
        json!({"Version": "2012-10-17", "Statement": [{
            "Sid": "TrustVendorAuthoriser",
            "Effect": "Allow",
            "Principal": {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::111122223333:role/CXPortalAuthoriserRole"}},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
        }]})
    );
    // 1224-character external id, 10-character partition.
    assert!(c.trust_policy_size > 1224 && c.trust_policy_size < 2048);
    let mut cfg = config();
    cfg.roles.external_id = false;
    let c = compile(
        &cfg,
        &module(vec![feature("v", &["connect:ListInstances"], None)]),
    )
    .unwrap();
    assert!(c.trust_policy["Statement"][0].get("Condition").is_none());
    assert!(c.template["Parameters"].get("ExternalId").is_none());
}

#[test]
fn worst_case_counts_placeholders_at_their_maximum() {
    let w = WorstCase::new([("InstanceId", 36)]);
    let doc = json!({"Resource": {"Fn::Sub": "arn:${AWS::Partition}:x:${AWS::Region}:${AWS::AccountId}:i/${InstanceId}"}});
    let resolved = format!(
        "{{\"Resource\":\"arn:{}:x:{}:{}:i/{}\"}}",
        "x".repeat(10),
        "x".repeat(20),
        "x".repeat(12),
        "x".repeat(36)
    );
    assert_eq!(w.size(&doc), resolved.len());
    assert_eq!(
        w.size(&json!({"A": {"Ref": "InstanceId"}})),
        r#"{"A":""}"#.len() + 36
    );
    // `${!x}` is a literal, not a placeholder.
    assert_eq!(
        w.size(&json!({"Fn::Sub": "${!Literal}"})),
        r#""${Literal}""#.len()
    );
    // Whitespace outside strings is not counted; inside strings it is.
    assert_eq!(w.size(&json!({"a b": [1, 2]})), r#"{"a b":[1,2]}"#.len());
}

#[test]
fn first_fit_fills_earlier_policies_first() {
    // empty doc 10, limit 100: 50 | 45 -> [0], 45 fits with comma? 10+50+1+45=106 no.
    assert_eq!(
        first_fit(10, &[50, 45, 30], 100),
        Split::Fits(vec![vec![0, 2], vec![1]])
    );
    assert_eq!(
        first_fit(10, &[91], 100),
        Split::TooLarge {
            index: 0,
            size: 101
        }
    );
    assert_eq!(first_fit(10, &[90], 100), Split::Fits(vec![vec![0]]));
    assert_eq!(first_fit(10, &[], 100), Split::Fits(vec![]));
}

fn many_resources(features: usize, per_feature: usize) -> Module {
    let fs = (0..features)
        .map(|i| {
            let res: Vec<String> = (0..per_feature)
                .map(|k| {
                    format!("arn:${{AWS::Partition}}:s3:::${{InstanceId}}/feature-{i}/prefix-{k}/*")
                })
                .collect();
            let res: Vec<&str> = res.iter().map(String::as_str).collect();
            feature(&format!("read-{i}"), &["s3:GetObject"], Some(&res))
        })
        .collect();
    module(fs)
}

#[test]
fn large_modules_split_across_policies_within_the_limit() {
    let m = many_resources(8, 12);
    let c = compile(&config(), &m).unwrap();
    assert!(c.policies.len() >= 2, "{}", c.policies.len());
    let w = WorstCase::new([
        ("InstanceId", 128),
        ("ExternalId", 1224),
        ("PermissionsBoundaryArn", 2048),
    ]);
    let res = c.template["Resources"].as_object().unwrap();
    for p in &c.policies {
        assert!(p.worst_case_size <= 6144, "{p:?}");
        let doc = &res[&p.logical_id]["Properties"]["PolicyDocument"];
        assert_eq!(w.size(doc), p.worst_case_size);
        assert_eq!(
            res[&p.logical_id]["Properties"]["ManagedPolicyName"],
            json!(p.name)
        );
    }
    // Every statement placed exactly once, self-audit naming every policy.
    let placed: Vec<&String> = c.policies.iter().flat_map(|p| &p.sids).collect();
    assert_eq!(placed.len(), c.grants.len() + c.self_audit.len());
    let pol = by_sid(&c, "RolesmithSelfAuditPolicies");
    assert_eq!(pol.resources.len(), c.policies.len() + 1);
    // Deterministic.
    let again = compile(&config(), &m).unwrap();
    assert_eq!(c.template_bytes(), again.template_bytes());
}

/// Features enough for `n` full managed policies, more or less.
fn policies_worth(c: &CompiledModule) -> usize {
    c.policies.len() + usize::from(c.inline_policy.is_some())
}

#[test]
fn what_the_managed_policies_cannot_hold_goes_inline_then_the_quota_decides() {
    // Find a module size that needs 11 to 12 managed policies' worth.
    let mut cfg = config();
    cfg.roles.max_managed_policies = 20;
    let (m, needed) = (8..200)
        .map(|n| {
            let m = many_resources(n, 12);
            let c = compile(&cfg, &m).unwrap();
            (m, c.policies.len())
        })
        .find(|(_, p)| *p == 11)
        .unwrap();
    assert_eq!(needed, 11);
    // With the default 10 managed policies, the eleventh goes inline.
    let c = compile(&config(), &m).unwrap();
    assert_eq!(c.policies.len(), 10);
    let inline = c.inline_policy.clone().unwrap();
    assert!(inline.worst_case_size <= 10_240, "{inline:?}");
    assert_eq!(inline.name, "CXPortal-flows-inline");
    let role = &c.template["Resources"]["Role"]["Properties"];
    assert_eq!(role["Policies"][0]["PolicyName"], json!(inline.name));
    let w = WorstCase::new([
        ("InstanceId", 128),
        ("ExternalId", 1224),
        ("PermissionsBoundaryArn", 2048),
    ]);
    assert_eq!(
        w.size(&role["Policies"][0]["PolicyDocument"]),
        inline.worst_case_size
    );
    // Every statement placed exactly once across managed and inline.
    let placed = c.policies.iter().flat_map(|p| &p.sids).count() + inline.sids.len();
    assert_eq!(placed, c.grants.len() + c.self_audit.len());
    // The self-audit statement names the ten managed policies only.
    assert_eq!(
        by_sid(&c, "RolesmithSelfAuditPolicies").resources.len(),
        c.policies.len() + 1
    );
    assert_eq!(policies_worth(&c), 11);
    // With 20 allowed, no inline policy.
    let c20 = compile(&cfg, &m).unwrap();
    assert!(c20.inline_policy.is_none());
    assert!(
        c20.template["Resources"]["Role"]["Properties"]
            .get("Policies")
            .is_none()
    );
}

#[test]
fn oversized_statement_and_too_many_policies_are_errors() {
    let e = compile(&config(), &many_resources(1, 200)).unwrap_err();
    assert!(
        matches!(&e[0], CompileError::StatementTooLarge { feature, .. } if feature == "read-0"),
        "{e:?}"
    );
    let e = compile(&config(), &many_resources(80, 25)).unwrap_err();
    assert!(
        matches!(&e[0], CompileError::TooManyPolicies { .. }),
        "{e:?}"
    );
    assert!(e[0].to_string().contains("module `flows`"));
    // The error names the real capacity.
    let text = e[0].to_string();
    assert!(text.contains("holds 10 managed policies"), "{text}");
    assert!(
        text.contains("inline policy of 10,240 characters"),
        "{text}"
    );
}

#[test]
fn template_shape() {
    let c = compile(
        &config(),
        &module(vec![feature("v", &["connect:ListInstances"], None)]),
    )
    .unwrap();
    let t = &c.template;
    let role = &t["Resources"]["Role"]["Properties"];
    assert_eq!(role["RoleName"], "CXPortal-flows");
    assert_eq!(
        role["Tags"],
        json!([
            {"Key": "rolesmith:module", "Value": "flows"},
            {"Key": "rolesmith:version", "Value": "1.2.0"},
            {"Key": "vendor", "Value": "cx-portal"}
        ])
    );
    assert_eq!(t["Parameters"]["InstanceId"]["MaxLength"], 128);
    assert_eq!(t["Parameters"]["ExternalId"]["MaxLength"], 1224);
    assert_eq!(t["Parameters"]["PermissionsBoundaryArn"]["Default"], "");
    assert_eq!(t["Outputs"]["ModuleVersion"]["Value"], "1.2.0");
    assert_eq!(t["Metadata"]["rolesmith"]["catalogue"], "fake-1");
    assert_eq!(
        t["Resources"]["Policy1"]["Properties"]["Roles"],
        json!([{"Ref": "Role"}])
    );
    let bytes = c.template_bytes();
    assert_eq!(bytes.last(), Some(&b'\n'));
    let back: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(&back, t);
}

#[test]
fn regions_any_derives_every_region_and_keeps_explicit_resources() {
    let explicit =
        "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}";
    let mut m = module(vec![
        feature("view-flows", &["connect:DescribeContactFlow"], None),
        feature("instance", &["connect:DescribeInstance"], Some(&[explicit])),
    ]);
    let stack = compile(&config(), &m).unwrap();
    assert_eq!(
        by_sid(&stack, "ViewFlows1").resources,
        [
            "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*"
        ]
    );
    // From the config...
    let mut cfg = config();
    cfg.roles.regions = Regions::Any;
    let any = compile(&cfg, &m).unwrap();
    assert_eq!(
        by_sid(&any, "ViewFlows1").resources,
        ["arn:${AWS::Partition}:connect:*:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*"]
    );
    assert_eq!(by_sid(&any, "Instance1").resources, [explicit]);
    // ... and the manifest's own setting wins.
    m.regions = Some(Regions::Stack);
    assert_eq!(
        compile(&cfg, &m).unwrap().grants,
        stack.grants,
        "a module's `regions: stack` overrides the config"
    );
}
