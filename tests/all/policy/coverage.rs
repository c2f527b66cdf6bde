//! Coverage of requirements by policy sets.

use rolesmith::manifest::Conditions;
use rolesmith::policy::Policy;
use rolesmith::policy::coverage::{Coverage, DenyReason, Requirement, covers};
use serde_json::json;

fn pol(v: serde_json::Value) -> Policy {
    Policy::parse("p", &v).unwrap()
}

fn cond(op: &str, key: &str, vals: &[&str]) -> Conditions {
    let mut c = Conditions::new();
    c.entry(op.into())
        .or_default()
        .insert(key.into(), vals.iter().map(|s| s.to_string()).collect());
    c
}

fn rq(action: &str, resource: &str, conditions: Conditions) -> Requirement {
    Requirement {
        action: action.into(),
        resource: resource.into(),
        conditions,
    }
}

#[test]
fn grant_conditions_implied_by_requirement() {
    let p = pol(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "connect:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/x": ["a", "b"]}}}}),
    );
    let r = rq(
        "connect:Describe*",
        "arn:aws:connect:*:*:instance/*",
        cond("StringEquals", "aws:resourcetag/x", &["a"]),
    );
    assert!(matches!(
        covers(std::slice::from_ref(&p), None, &r),
        Coverage::Granted { .. }
    ));
    let r = rq("connect:Describe*", "*", Conditions::new());
    assert!(matches!(
        covers(std::slice::from_ref(&p), None, &r),
        Coverage::Conditional { .. }
    ));
    let r = rq(
        "connect:Describe*",
        "*",
        cond("StringEquals", "aws:ResourceTag/x", &["a", "c"]),
    );
    assert!(matches!(
        covers(&[p], None, &r),
        Coverage::Conditional { .. }
    ));
}

#[test]
fn partial_deny_is_reported() {
    let p = pol(json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:*:*:table/*"},
        {"Sid": "Secret", "Effect": "Deny", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:eu-west-2:1:table/secret"}
    ]}));
    match covers(
        std::slice::from_ref(&p),
        None,
        &rq(
            "dynamodb:Get*",
            "arn:aws:dynamodb:*:*:table/*",
            Conditions::new(),
        ),
    ) {
        Coverage::Denied {
            by,
            reason: DenyReason::ExplicitDeny,
        } => assert_eq!(by[0].sid.as_deref(), Some("Secret")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        covers(
            &[p],
            None,
            &rq(
                "dynamodb:Query",
                "arn:aws:dynamodb:*:*:table/*",
                Conditions::new()
            )
        ),
        Coverage::Granted { .. }
    ));
}

#[test]
fn not_action_and_boundary() {
    let p = pol(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}}),
    );
    let b = pol(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}}),
    );
    assert!(matches!(
        covers(
            std::slice::from_ref(&p),
            None,
            &rq("s3:Get*", "*", Conditions::new())
        ),
        Coverage::Granted { .. }
    ));
    assert_eq!(
        covers(
            std::slice::from_ref(&p),
            None,
            &rq("iam:GetRole", "*", Conditions::new())
        ),
        Coverage::NotGranted
    );
    assert_eq!(
        covers(
            std::slice::from_ref(&p),
            None,
            &rq("*", "*", Conditions::new())
        ),
        Coverage::NotGranted
    );
    assert!(matches!(
        covers(
            &[p],
            Some(&b),
            &rq("connect:ListUsers", "*", Conditions::new())
        ),
        Coverage::Denied {
            reason: DenyReason::Boundary,
            ..
        }
    ));
}

#[test]
fn variables_in_required_resources() {
    let p = pol(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}}),
    );
    assert!(matches!(
        covers(
            &[p],
            None,
            &rq(
                "s3:GetObject",
                "arn:aws:s3:::b/${aws:username}/*",
                Conditions::new()
            )
        ),
        Coverage::Granted { .. }
    ));
    let q = pol(
        json!({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/alice/*"}}),
    );
    assert_eq!(
        covers(
            &[q],
            None,
            &rq(
                "s3:GetObject",
                "arn:aws:s3:::b/${aws:username}/*",
                Conditions::new()
            )
        ),
        Coverage::NotGranted
    );
}
