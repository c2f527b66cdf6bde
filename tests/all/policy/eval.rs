//! Evaluator behaviour on hand-picked cases.

use std::collections::BTreeMap;

use rolesmith::policy::{Decision, Policy, Request, evaluate, evaluate_unknown_context};
use serde_json::json;

fn pol(name: &str, v: serde_json::Value) -> Policy {
    Policy::parse(name, &v).unwrap()
}

fn req(action: &str, resource: &str, ctx: &[(&str, &[&str])]) -> Request {
    Request {
        action: action.into(),
        resource: resource.into(),
        context: ctx
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect::<BTreeMap<_, _>>(),
    }
}

#[test]
fn deny_wins_and_names_the_statement() {
    let p = pol(
        "p",
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Sid": "NoSecrets", "Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/secret/*"}
        ]}),
    );
    let e = evaluate(
        &req("s3:getobject", "arn:aws:s3:::b/secret/x", &[]),
        std::slice::from_ref(&p),
        None,
    );
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.deciding.len(), 1);
    assert_eq!(e.deciding[0].sid.as_deref(), Some("NoSecrets"));
    assert_eq!(e.deciding[0].index, 1);
    let e = evaluate(
        &req("s3:GetObject", "arn:aws:s3:::b/public/x", &[]),
        &[p],
        None,
    );
    assert_eq!(e.decision, Decision::Allowed);
}

#[test]
fn boundary_intersects() {
    let id = pol(
        "id",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}),
    );
    let b = pol(
        "pb",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "connect:Describe*", "Resource": "*"}}),
    );
    let e = evaluate(
        &req(
            "connect:DescribeUser",
            "arn:aws:connect:eu-west-2:1:instance/i",
            &[],
        ),
        std::slice::from_ref(&id),
        Some(&b),
    );
    assert_eq!(e.decision, Decision::Allowed);
    assert_eq!(e.deciding.len(), 2);
    let e = evaluate(
        &req(
            "connect:DeleteUser",
            "arn:aws:connect:eu-west-2:1:instance/i",
            &[],
        ),
        &[id],
        Some(&b),
    );
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.boundary_blocked);
}

#[test]
fn resources_are_case_sensitive_actions_are_not() {
    let p = pol(
        "p",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "S3:Get*", "Resource": "arn:aws:s3:::Bucket/*"}}),
    );
    assert_eq!(
        evaluate(
            &req("s3:GETOBJECT", "arn:aws:s3:::Bucket/k", &[]),
            std::slice::from_ref(&p),
            None
        )
        .decision,
        Decision::Allowed
    );
    assert_eq!(
        evaluate(
            &req("s3:GetObject", "arn:aws:s3:::bucket/k", &[]),
            &[p],
            None
        )
        .decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn absent_keys_follow_aws() {
    let mk = |op: &str| {
        pol(
            "p",
            json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {op: {"aws:RequestedRegion": "eu-west-2"}}}}),
        )
    };
    let r = req("ec2:RunInstances", "*", &[]);
    for (op, want) in [
        ("StringEquals", Decision::ImplicitDeny),
        ("StringNotEquals", Decision::Allowed),
        ("StringEqualsIfExists", Decision::Allowed),
        ("ForAnyValue:StringEquals", Decision::ImplicitDeny),
        ("ForAllValues:StringEquals", Decision::Allowed),
        ("StringLike", Decision::ImplicitDeny),
        ("StringNotLike", Decision::Allowed),
    ] {
        assert_eq!(evaluate(&r, &[mk(op)], None).decision, want, "{op}");
    }
}

#[test]
fn condition_keys_are_case_insensitive_and_variables_resolve() {
    let p = pol(
        "p",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*",
        "Resource": "arn:aws:s3:::home/${aws:username}/*",
        "Condition": {"StringEquals": {"AWS:RequestedRegion": ["eu-west-1", "eu-west-2"]}}}}),
    );
    let ok = req(
        "s3:PutObject",
        "arn:aws:s3:::home/alice/f",
        &[
            ("aws:username", &["alice"]),
            ("aws:requestedregion", &["eu-west-2"]),
        ],
    );
    assert_eq!(
        evaluate(&ok, std::slice::from_ref(&p), None).decision,
        Decision::Allowed
    );
    let other = req(
        "s3:PutObject",
        "arn:aws:s3:::home/bob/f",
        &[
            ("aws:username", &["alice"]),
            ("aws:requestedregion", &["eu-west-2"]),
        ],
    );
    assert_eq!(
        evaluate(&other, std::slice::from_ref(&p), None).decision,
        Decision::ImplicitDeny
    );
    let no_user = req(
        "s3:PutObject",
        "arn:aws:s3:::home/alice/f",
        &[("aws:requestedregion", &["eu-west-2"])],
    );
    assert_eq!(
        evaluate(&no_user, &[p], None).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn not_action_allow_grants_everything_else() {
    let p = pol(
        "p",
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}}),
    );
    assert_eq!(
        evaluate(
            &req("newservice:DoThing", "*", &[]),
            std::slice::from_ref(&p),
            None
        )
        .decision,
        Decision::Allowed
    );
    assert_eq!(
        evaluate(&req("iam:PassRole", "*", &[]), &[p], None).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn unknown_context_gives_conditional() {
    let p = pol(
        "p",
        json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "Tagged", "Effect": "Allow", "Action": "connect:*", "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/team": "cx"}}}
        ]}),
    );
    let e = evaluate_unknown_context(
        "connect:DescribeUser",
        "arn:aws:connect:eu-west-2:1:instance/i/agent/a",
        std::slice::from_ref(&p),
        None,
    );
    match &e.decision {
        Decision::Conditional { allow, deny_unless } => {
            assert_eq!(allow.len(), 1);
            assert!(deny_unless.is_empty());
            assert_eq!(
                allow[0].conditions["StringEquals"]["aws:ResourceTag/team"],
                vec!["cx".to_string()]
            );
        }
        other => panic!("expected conditional, got {other:?}"),
    }
    let e = evaluate_unknown_context("s3:GetObject", "*", &[p], None);
    assert_eq!(e.decision, Decision::ImplicitDeny);
}

#[test]
fn malformed_documents_name_statement_and_field() {
    let cases = [
        (
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*"}]}),
            "statement 1, `Resource`",
        ),
        (
            json!({"Statement": [{"Effect": "Alow", "Action": "s3:*", "Resource": "*"}]}),
            "`Effect`",
        ),
        (
            json!({"Statement": [{}, {"Sid": "X", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqual": {"a": "b"}}}]}),
            "statement 1",
        ),
        (
            json!({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, {"Sid": "X", "Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqual": {"a": "b"}}}]}),
            "statement 2 (Sid `X`), `Condition.StringEqual`: unknown condition operator; did you mean `StringEquals`?",
        ),
        (
            json!({"Statement": {"Effect": "Allow", "Action": [1], "Resource": "*"}}),
            "`Action[0]`",
        ),
        (json!([]), "not an object"),
    ];
    for (doc, want) in cases {
        let err = Policy::parse("p", &doc).unwrap_err().to_string();
        assert!(err.contains(want), "{err} should contain {want}");
    }
    assert!(
        Policy::parse_str("p", "{")
            .unwrap_err()
            .to_string()
            .contains("not valid JSON")
    );
}
