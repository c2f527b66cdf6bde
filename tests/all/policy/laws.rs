//! Property tests for the laws of pattern coverage.

use proptest::prelude::*;
use rolesmith::policy::coverage::{action_covers, resource_covers};
use rolesmith::policy::pattern::{Pattern, resource_matches};

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
