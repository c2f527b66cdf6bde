//! Decisions per second for realistic policy sets (criterion).
//!
//! A role with five managed-policy-sized documents (about 40 statements,
//! wildcards, conditions, a Deny), a permissions boundary, and a mix of
//! requests that end allowed, explicitly denied and implicitly denied.
#![expect(
    clippy::unwrap_used,
    reason = "a benchmark whose setup fails should stop at once"
)]

use std::collections::BTreeMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rolesmith::policy::coverage::{Requirement, covers};
use rolesmith::policy::{Policy, Request, evaluate};
use serde_json::json;

const ACCT: &str = "111122223333";

fn policies() -> (Vec<Policy>, Policy) {
    let services = [
        "connect", "s3", "dynamodb", "sqs", "logs", "kms", "lambda", "events",
    ];
    let mut docs = Vec::new();
    for (d, chunk) in services.chunks(2).enumerate() {
        let mut st = Vec::new();
        for svc in chunk {
            st.push(json!({"Sid": format!("{svc}Read"), "Effect": "Allow",
                "Action": [format!("{svc}:Describe*"), format!("{svc}:Get*"), format!("{svc}:List*")],
                "Resource": format!("arn:aws:{svc}:*:{ACCT}:*")}));
            st.push(json!({"Sid": format!("{svc}Write"), "Effect": "Allow",
                "Action": [format!("{svc}:Put*"), format!("{svc}:Update*"), format!("{svc}:Create*")],
                "Resource": [format!("arn:aws:{svc}:eu-west-2:{ACCT}:app/*"), format!("arn:aws:{svc}:eu-west-1:{ACCT}:app/*")],
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-2"]},
                              "StringLike": {"aws:PrincipalTag/team": ["cx-*", "ops"]}}}));
            st.push(json!({"Sid": format!("{svc}Tagged"), "Effect": "Allow", "Action": format!("{svc}:*"),
                "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"},
                "Bool": {"aws:SecureTransport": "true"}}}));
            for i in 0..6 {
                st.push(json!({"Effect": "Allow", "Action": format!("{svc}:Op{i}*"),
                    "Resource": format!("arn:aws:{svc}:*:{ACCT}:thing-{i}/*"),
                    "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}}));
            }
        }
        if d == 0 {
            st.push(json!({"Sid": "NoDeletes", "Effect": "Deny", "Action": ["*:Delete*", "iam:*"], "Resource": "*"}));
        }
        docs.push(
            Policy::parse(
                &format!("policy-{d}"),
                &json!({"Version": "2012-10-17", "Statement": st}),
            )
            .unwrap(),
        );
    }
    docs.push(
        Policy::parse("inline", &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "NotAction": ["connect:*", "s3:*", "dynamodb:*", "sqs:*", "logs:*", "kms:*", "lambda:*", "events:*"],
             "Resource": "*", "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCT}}}
        ]}))
        .unwrap(),
    );
    let boundary = Policy::parse(
        "boundary",
        &json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}]}),
    )
    .unwrap();
    (docs, boundary)
}

/// Five policies of 40 statements each (four services, ten statements per
/// service: wildcards, conditions, a policy variable, a Deny) and a
/// boundary of four statements: the issue-12 target case.
fn large_policies() -> (Vec<Policy>, Policy) {
    let services = [
        "connect",
        "s3",
        "dynamodb",
        "sqs",
        "logs",
        "kms",
        "lambda",
        "events",
        "ec2",
        "rds",
        "sns",
        "ecs",
        "glue",
        "athena",
        "ssm",
        "secretsmanager",
        "cloudwatch",
        "states",
        "kinesis",
        "firehose",
    ];
    let mut docs = Vec::new();
    for (d, chunk) in services.chunks(4).enumerate() {
        let mut st = Vec::new();
        for svc in chunk {
            st.push(json!({"Sid": format!("{svc}Read"), "Effect": "Allow",
                "Action": [format!("{svc}:Describe*"), format!("{svc}:Get*"), format!("{svc}:List*")],
                "Resource": format!("arn:aws:{svc}:*:{ACCT}:*")}));
            st.push(json!({"Sid": format!("{svc}Write"), "Effect": "Allow",
                "Action": [format!("{svc}:Put*"), format!("{svc}:Update*"), format!("{svc}:Create*")],
                "Resource": [format!("arn:aws:{svc}:eu-west-2:{ACCT}:app/*"), format!("arn:aws:{svc}:eu-west-1:{ACCT}:app/*")],
                "Condition": {"StringEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-west-2"]},
                              "StringLike": {"aws:PrincipalTag/team": ["cx-*", "ops"]}}}));
            st.push(json!({"Sid": format!("{svc}Tagged"), "Effect": "Allow", "Action": format!("{svc}:*"),
                "Resource": "*", "Condition": {"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"},
                "Bool": {"aws:SecureTransport": "true"}}}));
            st.push(json!({"Sid": format!("{svc}Own"), "Effect": "Allow", "Action": format!("{svc}:Tag*"),
                "Resource": format!("arn:aws:{svc}:*:{ACCT}:home/${{aws:username}}/*")}));
            for i in 0..6 {
                st.push(json!({"Effect": "Allow", "Action": format!("{svc}:Op{i}*"),
                    "Resource": format!("arn:aws:{svc}:*:{ACCT}:thing-{i}/*"),
                    "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]},
                                  "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}}));
            }
        }
        if d == 0 {
            st.pop();
            st.push(json!({"Sid": "NoDeletes", "Effect": "Deny", "Action": ["*:Delete*", "iam:*"], "Resource": "*"}));
        }
        docs.push(
            Policy::parse(
                &format!("policy-{d}"),
                &json!({"Version": "2012-10-17", "Statement": st}),
            )
            .unwrap(),
        );
    }
    let boundary = Policy::parse(
        "boundary",
        &json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCT}}},
            {"Effect": "Deny", "Action": ["ec2:Run*", "rds:Delete*"], "Resource": "*"},
            {"Effect": "Deny", "NotAction": ["connect:*", "s3:*", "dynamodb:*", "sqs:*", "logs:*", "kms:*",
             "lambda:*", "events:*", "ec2:*", "rds:*", "sns:*", "ecs:*", "glue:*", "athena:*", "ssm:*",
             "secretsmanager:*", "cloudwatch:*", "states:*", "kinesis:*", "firehose:*", "sts:*"],
             "Resource": "*"}
        ]}),
    )
    .unwrap();
    (docs, boundary)
}

/// Requests over the large policies: allowed (by an early, a late and a
/// conditional statement), explicitly denied (identity and boundary),
/// implicitly denied (no statement, a failed condition, a resource miss).
fn large_requests() -> Vec<Request> {
    let mut out = requests();
    let ctx = out.first().map(|r| r.context.clone()).unwrap_or_default();
    for (action, resource) in [
        (
            "firehose:Op5Put",
            format!("arn:aws:firehose:eu-west-2:{ACCT}:thing-5/s"),
        ),
        (
            "glue:GetTable",
            format!("arn:aws:glue:eu-west-2:{ACCT}:table/db/t"),
        ),
        (
            "states:TagResource",
            format!("arn:aws:states:eu-west-2:{ACCT}:home/alice/m"),
        ),
        (
            "states:TagResource",
            format!("arn:aws:states:eu-west-2:{ACCT}:home/bob/m"),
        ),
        (
            "rds:DeleteDBInstance",
            format!("arn:aws:rds:eu-west-2:{ACCT}:db:x"),
        ),
        ("sns:Publish", format!("arn:aws:sns:eu-west-2:{ACCT}:topic")),
        (
            "kinesis:Op2Read",
            format!("arn:aws:kinesis:eu-west-2:{ACCT}:stream/s"),
        ),
        (
            "athena:UpdateWorkGroup",
            format!("arn:aws:athena:eu-west-2:{ACCT}:app/wg"),
        ),
        ("organizations:ListAccounts", "*".to_string()),
        ("sts:GetCallerIdentity", "*".to_string()),
    ] {
        out.push(Request {
            action: action.into(),
            resource,
            context: ctx.clone(),
        });
    }
    out
}

fn requests() -> Vec<Request> {
    let ctx = |pairs: &[(&str, &str)]| -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect()
    };
    let base = [
        ("aws:RequestedRegion", "eu-west-2"),
        ("aws:PrincipalTag/team", "cx-flows"),
        ("aws:username", "alice"),
        ("aws:SecureTransport", "true"),
        ("aws:SourceIp", "10.2.3.4"),
        ("aws:PrincipalAccount", ACCT),
        ("aws:CurrentTime", "2026-12-02T10:00:00Z"),
    ];
    let mut out = Vec::new();
    for (action, resource) in [
        (
            "connect:DescribeUser",
            format!("arn:aws:connect:eu-west-2:{ACCT}:instance/i-1/agent/a"),
        ),
        ("s3:PutObject", format!("arn:aws:s3:eu-west-2:{ACCT}:app/k")),
        (
            "dynamodb:DeleteItem",
            format!("arn:aws:dynamodb:eu-west-2:{ACCT}:table/t"),
        ),
        (
            "lambda:Op3Invoke",
            format!("arn:aws:lambda:eu-west-2:{ACCT}:thing-3/f"),
        ),
        (
            "ec2:RunInstances",
            format!("arn:aws:ec2:eu-west-2:{ACCT}:instance/i"),
        ),
        ("kms:Decrypt", format!("arn:aws:kms:eu-west-2:{ACCT}:key/k")),
    ] {
        out.push(Request {
            action: action.into(),
            resource,
            context: ctx(&base),
        });
    }
    out
}

fn bench(c: &mut Criterion) {
    let (docs, boundary) = policies();
    let reqs = requests();
    let mut g = c.benchmark_group("policy");
    g.throughput(Throughput::Elements(reqs.len() as u64));
    g.bench_function("evaluate/5-policies+boundary", |b| {
        b.iter(|| {
            for r in &reqs {
                std::hint::black_box(evaluate(r, &docs, Some(&boundary)));
            }
        })
    });
    let reqs_cov: Vec<Requirement> = reqs
        .iter()
        .map(|r| Requirement {
            action: r.action.clone(),
            resource: r.resource.clone(),
            conditions: Default::default(),
        })
        .collect();
    g.bench_function("covers/5-policies+boundary", |b| {
        b.iter(|| {
            for r in &reqs_cov {
                std::hint::black_box(covers(&docs, Some(&boundary), r));
            }
        })
    });
    let (docs, boundary) = large_policies();
    let reqs = large_requests();
    // The case is what it says: five policies of about 40 statements, a
    // boundary, and every kind of decision among the requests.
    assert_eq!(docs.len(), 5);
    assert!(docs.iter().all(|d| d.statements().len() == 40));
    let decided: std::collections::BTreeSet<&str> = reqs
        .iter()
        .map(|r| evaluate(r, &docs, Some(&boundary)).decision.as_str())
        .collect();
    assert_eq!(decided.len(), 3, "{decided:?}");
    g.throughput(Throughput::Elements(reqs.len() as u64));
    g.bench_function("evaluate/5x40-statements+boundary", |b| {
        b.iter(|| {
            for r in &reqs {
                std::hint::black_box(evaluate(r, &docs, Some(&boundary)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
