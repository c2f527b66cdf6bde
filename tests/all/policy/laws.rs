//! Property tests for the laws of pattern coverage.

use proptest::prelude::*;
use rolesmith::iam::arn::resource_matches;
use rolesmith::iam::pattern::Pattern;
use rolesmith::policy::coverage::{action_covers, resource_covers};

/// Small alphabets make coincidences (and so interesting cases) frequent.
fn pat() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ab*?:]{0,6}").unwrap()
}

fn arn_pat() -> impl Strategy<Value = String> {
    (pat(), pat(), pat()).prop_map(|(a, b, c)| format!("arn:aws:{a}:{b}:{c}"))
}

fn concrete() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[ab:]{0,8}").unwrap()
}

fn any_pat() -> impl Strategy<Value = String> {
    prop_oneof![pat(), arn_pat(), Just("*".to_string())]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn reflexive(p in any_pat()) {
        prop_assert!(resource_covers(&p, &p));
        prop_assert!(action_covers(&p, &p));
    }

    #[test]
    fn star_covers_all(p in any_pat()) {
        prop_assert!(resource_covers("*", &p));
        prop_assert!(action_covers("*", &p));
    }

    #[test]
    fn transitive(a in any_pat(), b in any_pat(), c in any_pat()) {
        if resource_covers(&a, &b) && resource_covers(&b, &c) {
            prop_assert!(resource_covers(&a, &c), "{a} {b} {c}");
        }
        if action_covers(&a, &b) && action_covers(&b, &c) {
            prop_assert!(action_covers(&a, &c), "{a} {b} {c}");
        }
    }

    #[test]
    fn sound_on_concrete_strings(g in any_pat(), r in any_pat(), tails in proptest::collection::vec(concrete(), 8)) {
        let (gp, rp) = (Pattern::new(&g, true), Pattern::new(&r, true));
        // Sample strings that `r` matches: fill its wildcards with the tails.
        let mut samples: Vec<String> = tails.iter().map(|t| fill(&r, t)).collect();
        samples.extend(tails.iter().map(|t| format!("arn:aws:{t}")));
        if resource_covers(&g, &r) {
            for s in samples.iter().filter(|s| resource_matches(&rp, s)) {
                prop_assert!(resource_matches(&gp, s), "{g} covers {r} but not {s}");
            }
        }
        if action_covers(&g, &r) {
            let (ga, ra) = (gp.lowercased(), rp.lowercased());
            for s in samples.iter().filter(|s| ra.matches_ignore_case(s)) {
                prop_assert!(ga.matches_ignore_case(s), "{g} covers {r} but not {s}");
            }
        }
    }
}

/// A string matched by pattern `p` (when `t` fits): `*` takes `t`, `?` takes `a`.
fn fill(p: &str, t: &str) -> String {
    p.chars()
        .map(|c| match c {
            '*' => t.to_string(),
            '?' => "a".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// JSON values built from the policy grammar's own words, so that random
/// documents get deep enough to reach every check.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let words = prop_oneof![
        Just("Version"),
        Just("Statement"),
        Just("Effect"),
        Just("Allow"),
        Just("Deny"),
        Just("Action"),
        Just("NotAction"),
        Just("Resource"),
        Just("NotResource"),
        Just("Condition"),
        Just("Principal"),
        Just("Sid"),
        Just("StringEquals"),
        Just("ForAnyValue:StringLike"),
        Just("NullIfExists"),
        Just("DateLessThan"),
        Just("IpAddress"),
        Just("aws:SourceIp"),
        Just("2012-10-17"),
        Just("*"),
        Just("s3:Get*"),
        Just("arn:aws:s3:::b/${aws:username}"),
        Just("${"),
        Just("10.0.0.0/99"),
        Just("AWS"),
    ];
    let leaf = prop_oneof![
        words.clone().prop_map(|w| Value::String(w.to_string())),
        any::<i64>().prop_map(Value::from),
        any::<bool>().prop_map(Value::Bool),
        Just(Value::Null),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::btree_map(words.clone().prop_map(str::to_string), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// Any JSON is either a policy or an error; evaluating what parses never
    /// panics either (the test harness turns a panic into a failure).
    #[test]
    fn parsing_and_evaluating_never_panic(doc in json_value(), ctx_val in "[a-z0-9.:/*${}-]{0,12}") {
        use rolesmith::policy::{Policy, Request, evaluate, evaluate_unknown_context};
        if let Ok(p) = Policy::parse("p", &doc) {
            let mut context = std::collections::BTreeMap::new();
            for k in ["aws:SourceIp", "aws:username", "aws:CurrentTime"] {
                context.insert(k.to_string(), vec![ctx_val.clone()]);
            }
            let req = Request { action: "s3:GetObject".into(), resource: "arn:aws:s3:::b/k".into(), context };
            let _ = evaluate(&req, std::slice::from_ref(&p), Some(&p));
            let _ = evaluate_unknown_context("s3:Get*", "arn:aws:s3:::b/*", std::slice::from_ref(&p), None);
        }
        let _ = Policy::parse_str("p", &doc.to_string()[..doc.to_string().len() / 2]);
    }
}
