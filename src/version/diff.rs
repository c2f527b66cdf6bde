//! `rolesmith diff`: what changed between two versions of a module, from
//! their release records and template texts (the caller reads frozen
//! templates; this stays pure).
//!
//! The template section is by meaning: policy statements are matched by
//! content (actions, resources, conditions), not by position, Sid or the
//! managed policy that holds them, so statements renumbered or moved
//! between policies are one count, not pages of lines; only statements
//! added or removed are shown, then a line diff of the rest of the
//! template. A verdict names the bump the change requires, as the
//! versioning step judges it ([`Comparison::needed`]).
#![expect(clippy::result_large_err, reason = "one error per failed command")]

use serde::Serialize;

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Bump, Comparison, FeatureChange, Ledger, Release, VersionError, feature_changes};

/// Changes of parameters between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ParameterChanges {
    /// Parameters only the newer version has.
    pub added: Vec<String>,
    /// Parameters only the older version has.
    pub removed: Vec<String>,
}

/// What changed between two versions of a module (`rolesmith diff`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionDiff {
    /// Module id.
    pub module: String,
    /// Older version.
    pub from: String,
    /// Newer version.
    pub to: String,
    /// Per changed feature, permissions added and removed.
    pub features: Vec<FeatureChange>,
    /// Parameters added and removed.
    pub parameters: ParameterChanges,
    /// The bump this change requires, and the step the versions take.
    pub verdict: Verdict,
    /// Policy statements matched by content.
    pub statements: StatementChanges,
    /// Unified diff of the rest of the two templates (everything but the
    /// managed policies' statements).
    pub template_diff: String,
}

/// The versioning step's judgement of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The smallest bump the change allows.
    pub required: Bump,
    /// Why (`added permissions`, ...).
    pub reason: String,
    /// The step from `from` to `to` (`None`: the same version or a lower one).
    pub step: Option<Bump>,
    /// The step is at least the required bump.
    pub enough: bool,
}

/// Policy statements of two templates, matched by content.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct StatementChanges {
    /// Statements in both with the same Sid and managed policy.
    pub unchanged: usize,
    /// Statements in both, renumbered or in another managed policy.
    pub moved: usize,
    /// Statements only the newer template has (compact JSON, Sid included).
    pub added: Vec<String>,
    /// Statements only the older template has.
    pub removed: Vec<String>,
}

/// A statement's content: everything but its Sid.
fn content(st: &Value) -> String {
    let mut st = st.clone();
    if let Some(o) = st.as_object_mut() {
        o.remove("Sid");
    }
    st.to_string()
}

/// The managed policies' statements as `(policy, sid, content, text)`, and
/// the template without them (their `Statement` lists emptied).
fn split_statements(template: &str) -> (Vec<(String, String, String, String)>, String) {
    let Ok(mut t) = serde_json::from_str::<Value>(template) else {
        // Not JSON: the whole text is "the rest".
        return (Vec::new(), template.to_string());
    };
    let mut out = Vec::new();
    if let Some(resources) = t.get_mut("Resources").and_then(Value::as_object_mut) {
        for (id, r) in resources.iter_mut() {
            if r.get("Type").and_then(Value::as_str) != Some("AWS::IAM::ManagedPolicy") {
                continue;
            }
            let Some(list) = r
                .pointer_mut("/Properties/PolicyDocument/Statement")
                .and_then(Value::as_array_mut)
            else {
                continue;
            };
            for st in list.drain(..) {
                let sid = st
                    .get("Sid")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string();
                out.push((id.clone(), sid, content(&st), st.to_string()));
            }
        }
    }
    (out, format!("{t:#}\n"))
}

/// Matches the statements of two templates by content.
fn statement_changes(
    old: &[(String, String, String, String)],
    new: &[(String, String, String, String)],
) -> StatementChanges {
    // Content -> the old statements with it, not yet matched.
    let mut pool: BTreeMap<&str, Vec<&(String, String, String, String)>> = BTreeMap::new();
    for st in old {
        pool.entry(st.2.as_str()).or_default().push(st);
    }
    let mut c = StatementChanges::default();
    for st in new {
        let Some(candidates) = pool.get_mut(st.2.as_str()) else {
            c.added.push(st.3.clone());
            continue;
        };
        // The same place first, then any.
        let at = candidates
            .iter()
            .position(|o| o.0 == st.0 && o.1 == st.1)
            .or(if candidates.is_empty() { None } else { Some(0) });
        match at {
            Some(i) => {
                let o = candidates.remove(i);
                if o.0 == st.0 && o.1 == st.1 {
                    c.unchanged += 1;
                } else {
                    c.moved += 1;
                }
            }
            None => c.added.push(st.3.clone()),
        }
    }
    c.removed = pool.into_values().flatten().map(|o| o.3.clone()).collect();
    c.added.sort();
    c.removed.sort();
    c
}

/// The two versions `diff` compares: `to` defaults to `current` (the
/// manifest's version), `from` to the last release before `to`; each must be
/// released or the current version.
pub fn resolve(
    ledger: &Ledger,
    module: &str,
    current: &semver::Version,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(semver::Version, semver::Version), VersionError> {
    let resolve = |text: &str| -> Result<semver::Version, VersionError> {
        let bad = || VersionError::UnknownVersion {
            module: module.to_string(),
            version: text.to_string(),
            released: ledger
                .releases(module)
                .iter()
                .map(|r| r.version.to_string())
                .collect(),
            current: current.to_string(),
        };
        let v = semver::Version::parse(text.trim_start_matches('v')).map_err(|_| bad())?;
        if v == *current || ledger.get(module, &v).is_some() {
            Ok(v)
        } else {
            Err(bad())
        }
    };
    let to_v = match to {
        Some(t) => resolve(t)?,
        None => current.clone(),
    };
    let from_v = match from {
        Some(f) => resolve(f)?,
        None => ledger
            .previous(module, &to_v)
            .map(|r| r.version.clone())
            .ok_or_else(|| VersionError::NothingBefore {
                module: module.to_string(),
                to: to_v.clone(),
            })?,
    };
    Ok((from_v, to_v))
}

/// One side of a diff: the version's release record and template.
#[derive(Debug, Clone, Copy)]
pub struct Side<'a> {
    /// What the version grants and declares.
    pub release: &'a Release,
    /// The template text.
    pub template: &'a str,
    /// The template's path, for the diff header.
    pub path: &'a str,
}

/// Compares two versions of `module`.
pub fn diff(module: &str, old: Side<'_>, new: Side<'_>) -> VersionDiff {
    let cmp = Comparison::of(old.release, new.release);
    let mut added = cmp.parameters_added.clone();
    added.extend(cmp.parameters_added_without_default.iter().cloned());
    added.sort();
    let (old_statements, old_rest) = split_statements(old.template);
    let (new_statements, new_rest) = split_statements(new.template);
    let template_diff = similar::TextDiff::from_lines(&old_rest, &new_rest)
        .unified_diff()
        .context_radius(3)
        .header(old.path, new.path)
        .to_string();
    let required = cmp.needed();
    let (from_v, to_v) = (&old.release.version, &new.release.version);
    let step = (to_v > from_v).then(|| Bump::between(from_v, to_v));
    let verdict = Verdict {
        required,
        reason: required.reason().to_string(),
        step,
        enough: step.is_some_and(|s| s >= required),
    };
    VersionDiff {
        module: module.to_string(),
        from: old.release.version.to_string(),
        to: new.release.version.to_string(),
        features: feature_changes(&old.release.grants, &new.release.grants),
        parameters: ParameterChanges {
            added,
            removed: cmp.parameters_removed,
        },
        verdict,
        statements: statement_changes(&old_statements, &new_statements),
        template_diff,
    }
}

impl VersionDiff {
    /// The text report: per feature `+ action on resource` / `- ...`, the
    /// parameter changes, the verdict, the statements added and removed
    /// (matched by content), then the unified diff of the rest of the
    /// template.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut out = String::new();
        let _ = writeln!(out, "{} {} -> {}", self.module, self.from, self.to);
        if self.features.is_empty() {
            let _ = writeln!(out, "permissions: no change");
        }
        for f in &self.features {
            let _ = writeln!(out, "feature `{}`:", f.feature);
            for p in &f.added {
                let _ = writeln!(out, "  + {p}");
            }
            for p in &f.removed {
                let _ = writeln!(out, "  - {p}");
            }
        }
        for p in &self.parameters.added {
            let _ = writeln!(out, "parameter + `{p}`");
        }
        for p in &self.parameters.removed {
            let _ = writeln!(out, "parameter - `{p}`");
        }
        let v = &self.verdict;
        let step = match v.step {
            Some(s) if v.enough => {
                format!("; {} -> {} is a {} step", self.from, self.to, s.as_str())
            }
            Some(s) => format!(
                "; {} -> {} is only a {} step: build refuses it",
                self.from,
                self.to,
                s.as_str()
            ),
            None => String::new(),
        };
        let _ = writeln!(
            out,
            "verdict: this change needs a {} version ({}){step}",
            v.required.as_str(),
            v.reason
        );
        let st = &self.statements;
        let _ = writeln!(
            out,
            "statements: {} unchanged, {} renumbered or moved between policies, {} added, {} removed",
            st.unchanged,
            st.moved,
            st.added.len(),
            st.removed.len()
        );
        for a in &st.added {
            let _ = writeln!(out, "  + {a}");
        }
        for r in &st.removed {
            let _ = writeln!(out, "  - {r}");
        }
        if self.template_diff.is_empty() {
            let _ = writeln!(out, "rest of the template: no change");
        } else {
            let _ = writeln!(out, "rest of the template (policy statements above):");
            out.push_str(&self.template_diff);
        }
        out
    }

    /// The JSON report, pretty, with a trailing newline.
    pub fn to_json(&self) -> Result<String, serde_json::Error> {
        crate::json::pretty(self)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::compile::Grant;
    use crate::manifest::Conditions;

    fn release(version: &str, grants: Vec<Grant>) -> Release {
        Release {
            version: version.parse().unwrap(),
            manifest_digest: String::new(),
            files: BTreeMap::new(),
            parameters: BTreeMap::new(),
            features: Vec::new(),
            grants,
            self_audit: None,
            generation: None,
            since_previous: None,
        }
    }

    fn grant(action: &str) -> Grant {
        Grant {
            sid: "S".into(),
            feature: "f".into(),
            actions: vec![action.into()],
            resources: vec!["*".into()],
            conditions: Conditions::new(),
        }
    }

    /// Statements `(policy, sid, action)` as a template.
    fn template(statements: &[(&str, &str, &str)]) -> String {
        let mut resources = serde_json::Map::new();
        for (policy, sid, action) in statements {
            let p = resources.entry(policy.to_string()).or_insert_with(|| {
                serde_json::json!({"Type": "AWS::IAM::ManagedPolicy",
                    "Properties": {"PolicyDocument": {"Statement": []}}})
            });
            p.pointer_mut("/Properties/PolicyDocument/Statement")
                .and_then(Value::as_array_mut)
                .unwrap()
                .push(serde_json::json!({"Sid": sid, "Effect": "Allow", "Action": [action], "Resource": "*"}));
        }
        format!("{:#}\n", serde_json::json!({"Resources": resources}))
    }

    #[test]
    fn statements_renumbered_or_moved_are_one_count() {
        let names: Vec<String> = (0..40).map(|i| format!("ec2:DescribeThing{i}")).collect();
        let old_st: Vec<(&str, String, &str)> = names
            .iter()
            .enumerate()
            .map(|(i, a)| ("Policy1", format!("S{i}"), a.as_str()))
            .collect();
        // Renumbered, half moved to a second policy, one new statement.
        let mut new_st: Vec<(&str, String, &str)> = names
            .iter()
            .enumerate()
            .map(|(i, a)| {
                (
                    if i % 2 == 0 { "Policy1" } else { "Policy2" },
                    format!("S{}", i + 1),
                    a.as_str(),
                )
            })
            .collect();
        new_st.push(("Policy2", "S99".into(), "ec2:DescribeNew"));
        let as_refs = |v: &[(&str, String, &str)]| -> String {
            let t: Vec<(&str, &str, &str)> =
                v.iter().map(|(p, s, a)| (*p, s.as_str(), *a)).collect();
            template(&t)
        };
        let (old_t, new_t) = (as_refs(&old_st), as_refs(&new_st));
        let old_r = release("1.0.0", names.iter().map(|n| grant(n)).collect());
        let mut new_grants: Vec<Grant> = names.iter().map(|n| grant(n)).collect();
        new_grants.push(grant("ec2:DescribeNew"));
        let new_r = release("1.1.0", new_grants);
        let d = diff(
            "m",
            Side {
                release: &old_r,
                template: &old_t,
                path: "a",
            },
            Side {
                release: &new_r,
                template: &new_t,
                path: "b",
            },
        );
        assert_eq!(d.statements.unchanged, 0);
        assert_eq!(d.statements.moved, 40);
        assert_eq!(d.statements.added.len(), 1);
        assert!(d.statements.added[0].contains("ec2:DescribeNew"));
        assert!(d.statements.removed.is_empty());
        let text = d.to_text();
        assert!(text.len() < 2_000, "{text}");
        assert!(text.contains(
            "verdict: this change needs a minor version (added permissions); 1.0.0 -> 1.1.0 is a minor step"
        ), "{text}");
        // A removal needs a major version: a minor step is not enough.
        let d = diff(
            "m",
            Side {
                release: &new_r,
                template: &new_t,
                path: "a",
            },
            Side {
                release: &release("1.2.0", Vec::new()),
                template: &old_t,
                path: "b",
            },
        );
        assert_eq!(d.verdict.required, Bump::Major);
        assert!(!d.verdict.enough);
        assert!(
            d.to_text()
                .contains("1.1.0 -> 1.2.0 is only a minor step: build refuses it")
        );
        assert_eq!(d.statements.removed.len(), 1);
    }
}
