//! A vendor integration role at real scale: about 800 read actions over 70
//! services in one module, `regions: any`, `roles.max_managed_policies: 20`.
//! It must build into one role whose every Resource is one well-formed ARN
//! (or `*`) and whose every policy is within IAM's limits as IAM counts them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rolesmith::catalogue::catalogue;
use rolesmith::compile::{self, size::WorstCase};
use rolesmith::iam::arn;
use rolesmith::manifest;
use serde_json::Value;

/// Services a monitoring vendor reads, spread like a real integration role.
const SERVICES: &[&str] = &[
    "access-analyzer",
    "acm",
    "amplify",
    "apigateway",
    "appsync",
    "athena",
    "autoscaling",
    "backup",
    "batch",
    "ce",
    "cloudformation",
    "cloudfront",
    "cloudtrail",
    "cloudwatch",
    "codebuild",
    "codepipeline",
    "cognito-idp",
    "config",
    "connect",
    "datasync",
    "directconnect",
    "dms",
    "dynamodb",
    "ec2",
    "ecr",
    "ecs",
    "eks",
    "elasticache",
    "elasticfilesystem",
    "elasticloadbalancing",
    "elasticmapreduce",
    "es",
    "events",
    "firehose",
    "fsx",
    "glacier",
    "glue",
    "greengrass",
    "guardduty",
    "health",
    "iam",
    "inspector2",
    "kafka",
    "kinesis",
    "kms",
    "lambda",
    "lex",
    "logs",
    "macie2",
    "mq",
    "networkmanager",
    "organizations",
    "rds",
    "redshift",
    "route53",
    "s3",
    "sagemaker",
    "secretsmanager",
    "securityhub",
    "servicequotas",
    "ses",
    "sns",
    "sqs",
    "ssm",
    "states",
    "storagegateway",
    "support",
    "tag",
    "transfer",
    "wafv2",
    "xray",
];

/// The manifest: one feature per service, up to `per_service` of its Read/List
/// actions (apigateway, greengrass and lex included: their catalogue types
/// once held two ARN formats in one string).
fn manifest(per_service: usize) -> (String, usize) {
    let mut out = String::from(
        "module: integration\nversion: 1.0.0\nregions: any\ndescription: Reads the customer's estate for monitoring.\nfeatures:\n",
    );
    let mut n = 0;
    for svc in SERVICES {
        let names: Vec<String> = catalogue()
            .matching(&format!("{svc}:*"))
            .into_iter()
            .filter(|a| a.access_level == "Read" || a.access_level == "List")
            .map(|a| a.name.to_owned())
            .take(per_service)
            .collect();
        if names.is_empty() {
            continue;
        }
        n += names.len();
        out.push_str(&format!(
            "  - id: read-{svc}\n    description: Read {svc} for the inventory.\n    actions:\n"
        ));
        for a in names {
            out.push_str(&format!("      - {a}\n"));
        }
    }
    (out, n)
}

const CONFIG: &str = "vendor:\n  name: Acme Monitoring\n  account_id: \"111122223333\"\n  authoriser_role: AcmeAuthoriser\nroles:\n  name_prefix: Acme-\n  max_managed_policies: 20\n";

fn resource_text(v: &Value) -> Option<&str> {
    v.as_str().or_else(|| v["Fn::Sub"].as_str())
}

/// The Resource strings of a statement (`Fn::Sub` text for ARNs).
fn resources(statement: &Value) -> Vec<&str> {
    let found: Vec<&str> = match &statement["Resource"] {
        Value::Array(a) => a.iter().filter_map(resource_text).collect(),
        v => resource_text(v).into_iter().collect(),
    };
    assert!(
        !found.is_empty(),
        "a statement without a readable Resource: {statement}"
    );
    found
}

#[test]
fn a_large_integration_role_builds_into_one_well_formed_role() {
    let (text, actions) = manifest(12);
    assert!(actions >= 700, "{actions} actions");
    let modules = vec![(PathBuf::from("modules/integration.yaml"), text)];
    let project = manifest::load_project_str(catalogue(), Path::new("."), CONFIG, &modules)
        .unwrap_or_else(|d| panic!("{:#?}", d.problems));
    let m = &project.modules[0];
    let c = compile::compile_module(catalogue(), &project.config, m)
        .unwrap_or_else(|e| panic!("{e:#?}"));
    assert!(
        c.policies.len() <= 20,
        "{} managed policies",
        c.policies.len()
    );

    // Every Resource is `*` or one ARN pattern of six parts with one
    // service, never two formats joined.
    let mut statements: Vec<&Value> = Vec::new();
    let res = c.template["Resources"].as_object().unwrap();
    for p in &c.policies {
        let doc = &res[&p.logical_id]["Properties"]["PolicyDocument"];
        statements.extend(doc["Statement"].as_array().unwrap());
    }
    if let Some(inline) = res["Role"]["Properties"]["Policies"].as_array() {
        for p in inline {
            statements.extend(p["PolicyDocument"]["Statement"].as_array().unwrap());
        }
    }
    let mut seen = BTreeSet::new();
    assert!(statements.len() > 70, "{} statements", statements.len());
    for st in &statements {
        for r in resources(st) {
            seen.insert(r.to_owned());
            if r == "*" {
                continue;
            }
            let parts = arn::split_arn(r).unwrap_or_else(|| panic!("not an ARN: {r}"));
            assert_eq!(parts[0], "arn", "{r}");
            assert_eq!(parts[1], "${AWS::Partition}", "{r}");
            assert!(!r.contains(' ') && !r.contains(", "), "{r}");
            assert!(!parts[5].contains("arn:"), "two ARNs in one: {r}");
            // `regions: any`: no derived ARN is tied to the stack's region
            // (the self-audit statement reads the role's own stack).
            let own_stack = st["Sid"] == "RolesmithSelfAuditStack";
            assert!(own_stack || !r.contains("${AWS::Region}"), "{r}");
        }
    }
    assert!(
        seen.iter().any(|r| r.contains(":apigateway:*::/restapis/")),
        "apigateway's split formats are granted separately: {:?}",
        seen.iter()
            .filter(|r| r.contains("apigateway"))
            .collect::<Vec<_>>()
    );

    // Every policy within IAM's limits as IAM counts them (no whitespace,
    // every parameter at its maximum length).
    let w = WorstCase::new([("ExternalId", 1224)]);
    for p in &c.policies {
        let doc = &res[&p.logical_id]["Properties"]["PolicyDocument"];
        assert!(w.size(doc) <= 6_144, "{}: {}", p.name, w.size(doc));
    }
    if let Some(inline) = &c.inline_policy {
        assert!(inline.worst_case_size <= 10_240, "{inline:?}");
    }
    assert!(c.trust_policy_size <= 2_048);
}

/// A role of over 2,000 read actions under IAM's default quota of 10 managed
/// policies and the inline policy cannot be expressed: the error names the real capacity and
/// the manifest line of the first feature that does not fit.
#[test]
fn the_same_role_under_the_default_quota_is_refused_with_its_capacity() {
    let (text, actions) = manifest(60);
    assert!(actions > 2_000, "{actions}");
    let modules = vec![(PathBuf::from("modules/integration.yaml"), text.clone())];
    let config = CONFIG.replace("  max_managed_policies: 20\n", "");
    let project = manifest::load_project_str(catalogue(), Path::new("."), &config, &modules)
        .unwrap_or_else(|d| panic!("{:#?}", d.problems));
    let e = compile::compile_module(catalogue(), &project.config, &project.modules[0])
        .expect_err("2,000 actions do not fit 10 managed policies and an inline policy");
    let msg = e[0].to_string();
    assert!(msg.contains("holds 10 managed policies"), "{msg}");
    let compile::CompileError::TooManyPolicies {
        location, feature, ..
    } = &e[0]
    else {
        panic!("{e:?}")
    };
    let line: usize = location
        .strip_prefix("modules/integration.yaml:")
        .and_then(|l| l.parse().ok())
        .unwrap_or_else(|| panic!("{location}"));
    assert_eq!(
        text.lines().nth(line - 1).map(str::trim),
        Some(format!("- id: {feature}").as_str()),
        "the location is the feature's `id` line"
    );
}

/// The review of a large role says, in words, that it names every region,
/// and names the inline policy that takes what the managed policies cannot.
#[test]
fn the_review_of_a_large_role_names_its_regions_and_inline_policy() {
    use rolesmith::review::{self, History, Settings};
    let config = CONFIG.replace("  max_managed_policies: 20\n", "");
    let (project, c) = (12..60)
        .find_map(|per| {
            let modules = vec![(PathBuf::from("modules/integration.yaml"), manifest(per).0)];
            let p =
                manifest::load_project_str(catalogue(), Path::new("."), &config, &modules).ok()?;
            let c = compile::compile_module(catalogue(), &p.config, &p.modules[0]).ok()?;
            c.inline_policy.is_some().then_some((p, c))
        })
        .expect("a size that fills ten managed policies and spills inline");
    let doc = review::review(
        catalogue(),
        &project,
        &project.modules[0],
        &c,
        &History::default(),
        &Settings::default(),
    );
    let md = review::render_markdown(&doc).unwrap();
    assert!(md.contains("name every region"), "{md}");
    assert!(
        md.contains("Inline\npolicy: `Acme-integration-inline`"),
        "{md}"
    );
    let html = review::render_html(&doc).unwrap();
    assert!(html.contains("Inline policy: <code>Acme-integration-inline</code>"));
}

/// A large role's warnings: `build` shows the first 50 in full and counts the
/// rest by kind, so the tail of a CI log says what is left to look at.
#[test]
fn build_counts_the_warnings_it_does_not_show_by_kind() {
    let (text, _) = manifest(12);
    let modules = vec![(PathBuf::from("modules/integration.yaml"), text.clone())];
    let project = manifest::load_project_str(catalogue(), Path::new("."), CONFIG, &modules)
        .unwrap_or_else(|d| panic!("{:#?}", d.problems));
    let n = project.warnings.len();
    assert!(n > 60, "{n} warnings: the case needs more than are shown");
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for w in project.warnings.iter().skip(50) {
        *kinds.entry(w.kind.code()).or_default() += 1;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("modules")).unwrap();
    std::fs::write(dir.path().join("rolesmith.yaml"), CONFIG).unwrap();
    std::fs::write(dir.path().join("modules/integration.yaml"), text).unwrap();
    let run = crate::util::with_config(&dir.path().join("rolesmith.yaml"), &["build"]);
    assert_eq!(run.code, 0, "{}", run.text());
    let last = run
        .stderr
        .lines()
        .find(|l| l.contains("more warnings not shown"))
        .unwrap_or_else(|| panic!("{}", run.stderr));
    assert!(
        last.starts_with(&format!("warning: {} more warnings not shown (", n - 50)),
        "{last}"
    );
    for (code, count) in &kinds {
        assert!(last.contains(&format!("{code}: {count}")), "{last}");
    }
}
