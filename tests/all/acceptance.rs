//! Acceptance, as a new user would check it: build module sets that are not
//! the shipped ones (and the shipped ones) with the real binary into a temp
//! folder, then judge every template by meaning with the IAM evaluator, not
//! by text. `Fn::Sub`/`Ref` are resolved with concrete values; then
//!
//! - every manifest action is allowed on a concrete resource in scope (taken
//!   from the manifest's resources, or from the catalogue's ARN formats when
//!   derived), with the feature's condition context;
//! - the same request on another account, region or parameter value (another
//!   instance, bucket, table prefix...) is denied;
//! - a conditioned feature is denied without its context or with a wrong value;
//! - no other action of the services involved (nor of IAM) is allowed on any
//!   resource the template names, nor on `*`; self-audit reads only the role's own
//!   definition;
//! - the trust policy lets exactly the authoriser assume the role, and only
//!   with the ExternalId when that is on;
//! - the hand-written checks of `tests/fixtures/acceptance/<set>/expect.jsonl`.
//!
//! Bad inputs (`bad_inputs`): each broken project under
//! `tests/fixtures/acceptance/bad/<case>/` must give a located, actionable
//! error (snapshotted), exit 1 or 2, and leave `generated/` byte for byte as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rolesmith::catalogue::catalogue;
use rolesmith::manifest::{self, Module, Project};
use rolesmith::policy::condition::Context;
use rolesmith::policy::coverage::action_covers;
use rolesmith::policy::{Decision, Effect, Policy, Request, evaluate};
use serde_json::Value;

use crate::util::{self, copy_tree, repo, rolesmith};

const PARTITION: &str = "aws";
const REGION: &str = "eu-west-2";
const ACCOUNT: &str = "444455556666";
const OTHER_ACCOUNT: &str = "777788889999";
const OTHER_REGION: &str = "ap-southeast-2";
const STACK: &str = "customer-stack";
const EXTERNAL_ID: &str = "tenant-4f1c";

/// Actions `self_audit: true` adds (README): reads of the role's own definition.
const SELF_AUDIT: &[&str] = &[
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "cloudformation:DescribeStacks",
];

fn fixtures() -> PathBuf {
    util::fixtures("acceptance")
}

/// Copies a project's config and modules into a temp folder and builds it
/// with the binary, from another working directory.
fn build_copy(src: &Path) -> tempfile::TempDir {
    let dir = util::temp_project(src);
    let out = rolesmith()
        .current_dir(std::env::temp_dir())
        .arg("build")
        .arg("--config")
        .arg(dir.path().join("rolesmith.yaml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "build of {} failed: {}",
        src.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// Concrete values of the stack: pseudo parameters, ExternalId and the
/// module's parameters (from `values.json`, else the default, else a made-up value).
fn values(m: &Module, given: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut v = BTreeMap::new();
    v.insert("AWS::Partition".into(), PARTITION.into());
    v.insert("AWS::Region".into(), REGION.into());
    v.insert("AWS::AccountId".into(), ACCOUNT.into());
    v.insert("AWS::StackName".into(), STACK.into());
    v.insert("ExternalId".into(), EXTERNAL_ID.into());
    for (name, p) in &m.parameters {
        let val = given
            .get(name)
            .cloned()
            .or_else(|| p.default.clone().filter(|d| !d.is_empty()))
            .unwrap_or_else(|| format!("val{}", name.to_ascii_lowercase()));
        v.insert(name.clone(), val);
    }
    v
}

/// Replaces every `${Name}` with its value; panics on an unknown name (the
/// template would not deploy).
fn sub(s: &str, vals: &BTreeMap<String, String>, what: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let j = after
            .find('}')
            .unwrap_or_else(|| panic!("{what}: unterminated `${{` in `{s}`"));
        let name = &after[..j];
        let v = vals
            .get(name)
            .unwrap_or_else(|| panic!("{what}: `${{{name}}}` in `{s}` has no value"));
        out.push_str(v);
        rest = &after[j + 1..];
    }
    out.push_str(rest);
    out
}

/// A condition of the template (`Fn::Not`, `Fn::Equals`, `Ref` with the
/// parameter's value or its default), as CloudFormation evaluates it.
fn condition(t: &Value, name: &str, vals: &BTreeMap<String, String>) -> bool {
    fn value(t: &Value, v: &Value, vals: &BTreeMap<String, String>) -> String {
        match v.get("Ref").and_then(Value::as_str) {
            Some(p) => vals.get(p).cloned().unwrap_or_else(|| {
                t["Parameters"][p]["Default"]
                    .as_str()
                    .unwrap_or_else(|| panic!("`{p}` has no value and no default"))
                    .to_string()
            }),
            None => v.as_str().unwrap().to_string(),
        }
    }
    fn eval(t: &Value, c: &Value, vals: &BTreeMap<String, String>) -> bool {
        if let Some(n) = c.get("Fn::Not") {
            !eval(t, &n[0], vals)
        } else if let Some(e) = c.get("Fn::Equals") {
            value(t, &e[0], vals) == value(t, &e[1], vals)
        } else {
            panic!("unsupported condition {c}")
        }
    }
    eval(t, &t["Conditions"][name], vals)
}

/// Resolves `v`, a part of template `t`, as CloudFormation would: `Fn::Sub`
/// and `Ref` with the values, `Fn::If` by the template's conditions (an
/// `AWS::NoValue` list item disappears).
fn resolve_in(v: &Value, t: &Value, vals: &BTreeMap<String, String>, what: &str) -> Value {
    let no_value = serde_json::json!({"Ref": "AWS::NoValue"});
    match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("Fn::If") => {
            let f = &o["Fn::If"];
            let branch = if condition(t, f[0].as_str().unwrap(), vals) {
                &f[1]
            } else {
                &f[2]
            };
            resolve_in(branch, t, vals, what)
        }
        Value::Array(a) => Value::Array(
            a.iter()
                .map(|x| resolve_in(x, t, vals, what))
                .filter(|x| *x != no_value)
                .collect(),
        ),
        _ => resolve_flat(v, t, vals, what),
    }
}

fn resolve_flat(v: &Value, t: &Value, vals: &BTreeMap<String, String>, what: &str) -> Value {
    match v {
        Value::Object(o) if o.len() == 1 && o.contains_key("Fn::Sub") => {
            let s = o["Fn::Sub"].as_str().expect("Fn::Sub with a string");
            Value::String(sub(s, vals, what))
        }
        Value::Object(o) if o.len() == 1 && o.contains_key("Ref") => {
            let name = o["Ref"].as_str().unwrap();
            match vals.get(name) {
                Some(x) => Value::String(x.clone()),
                None => v.clone(),
            }
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, x)| (k.clone(), resolve_in(x, t, vals, what)))
                .collect(),
        ),
        _ => v.clone(),
    }
}

/// A concrete resource from a pattern: wildcards become sample text.
fn concrete(pattern: &str) -> String {
    pattern.replace('*', "sample7").replace('?', "q")
}

/// What one module's stack grants, resolved with concrete values.
struct Stack {
    what: String,
    template: Value,
    policies: Vec<Policy>,
    trust: Policy,
    /// Every resource string the permission policies name (resolved).
    named_resources: BTreeSet<String>,
}

fn load_stack(root: &Path, m: &Module, vals: &BTreeMap<String, String>) -> Stack {
    let what = format!("{}@{}", m.id, m.version);
    let path = root.join(format!("generated/{}/{}/template.json", m.id, m.version));
    let raw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // Every `${X}`/`Ref` the template uses must be a declared parameter or a pseudo parameter.
    let declared: BTreeSet<&str> = raw["Parameters"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for name in vals.keys() {
        if !name.starts_with("AWS::") {
            assert!(
                declared.contains(name.as_str()) || name == "ExternalId",
                "{what}: parameter `{name}` missing from the template"
            );
        }
    }
    let mut vals = vals.clone();
    vals.retain(|k, _| k.starts_with("AWS::") || declared.contains(k.as_str()));
    let t = resolve_in(&raw, &raw, &vals, &what);
    let resources = t["Resources"].as_object().unwrap();
    let mut policies = Vec::new();
    let mut trust = None;
    for (logical, r) in resources {
        match r["Type"].as_str().unwrap() {
            "AWS::IAM::ManagedPolicy" => {
                let roles = &r["Properties"]["Roles"];
                assert_eq!(
                    roles,
                    &serde_json::json!([{"Ref": "Role"}]),
                    "{what}: {logical} must be attached to the module role only"
                );
                policies.push(Policy::parse(logical, &r["Properties"]["PolicyDocument"]).unwrap());
            }
            "AWS::IAM::Role" => {
                let props = &r["Properties"];
                trust = Some(Policy::parse("trust", &props["AssumeRolePolicyDocument"]).unwrap());
                for inline in props["Policies"].as_array().into_iter().flatten() {
                    policies.push(
                        Policy::parse(
                            inline["PolicyName"].as_str().unwrap(),
                            &inline["PolicyDocument"],
                        )
                        .unwrap(),
                    );
                }
            }
            other => panic!("{what}: unexpected resource type `{other}`"),
        }
    }
    let mut named = BTreeSet::new();
    for p in &policies {
        for st in p.statements() {
            assert_eq!(st.effect, Effect::Allow, "{what}: only Allow statements");
            assert!(!st.action.is_not(), "{what}: no NotAction");
            let res = st.resource.as_ref().unwrap();
            assert!(!res.is_not(), "{what}: no NotResource");
            named.extend(res.values().iter().cloned());
        }
    }
    Stack {
        what,
        template: t,
        policies,
        trust: trust.expect("a role"),
        named_resources: named,
    }
}

fn decide(
    s: &Stack,
    action: &str,
    resource: &str,
    ctx: &BTreeMap<String, Vec<String>>,
) -> Decision {
    let req = Request {
        action: action.to_string(),
        resource: resource.to_string(),
        context: ctx.clone(),
    };
    evaluate(&req, &s.policies, None).decision
}

/// Does the trust policy let `principal` call `action` with this context?
fn trust_allows(
    s: &Stack,
    principal: &str,
    action: &str,
    ctx: &BTreeMap<String, Vec<String>>,
) -> bool {
    let c = Context::new(ctx);
    let mut allowed = false;
    for st in s.trust.statements() {
        assert!(st.not_principal.is_none(), "{}: no NotPrincipal", s.what);
        let p = st
            .principal
            .as_ref()
            .expect("trust statement with a principal");
        let names = p.values("AWS");
        let hit = st.matches_action(action)
            && names.iter().any(|n| n == principal || n == "*")
            && st.condition_clauses().iter().all(|cl| cl.eval(&c));
        if hit {
            if st.effect == Effect::Deny {
                return false;
            }
            allowed = true;
        }
    }
    allowed
}

/// One hand-written check of `expect.jsonl`.
#[derive(serde::Deserialize)]
struct Expect {
    module: String,
    action: String,
    resource: String,
    #[serde(default)]
    context: BTreeMap<String, Vec<String>>,
    expect: String,
}

/// Judges the built project in `root` (manifests and `generated/`);
/// returns the failures (empty = accepted) and the number of checks done.
fn judge(
    root: &Path,
    extras: &Path,
    given: &BTreeMap<String, BTreeMap<String, String>>,
) -> (Vec<String>, usize) {
    let project: Project = manifest::load_project(
        rolesmith::catalogue::catalogue(),
        &root.join("rolesmith.yaml"),
    )
    .unwrap();
    let cfg = &project.config;
    let mut fails = Vec::new();
    let mut n = 0usize;
    let mut stacks = BTreeMap::new();
    for m in &project.modules {
        let empty = BTreeMap::new();
        let vals = values(m, given.get(&m.id).unwrap_or(&empty));
        let s = load_stack(root, m, &vals);
        let what = s.what.clone();
        let mut check = |ok: bool, msg: String| {
            n += 1;
            if !ok {
                fails.push(format!("{what}: {msg}"));
            }
        };

        // Role shape.
        let role = &s.template["Resources"]["Role"]["Properties"];
        check(
            role["RoleName"] == Value::String(format!("{}{}", cfg.roles.name_prefix, m.id)),
            format!("role name {}", role["RoleName"]),
        );
        check(
            role["MaxSessionDuration"] == serde_json::json!(cfg.roles.max_session_duration),
            "MaxSessionDuration".into(),
        );
        check(
            s.template["Outputs"]["ModuleVersion"]["Value"] == Value::String(m.version.to_string()),
            "ModuleVersion output".into(),
        );

        // Trust: exactly the authoriser, with the ExternalId when on.
        let authoriser = cfg.vendor.authoriser_arn(PARTITION);
        let ext = |v: &str| BTreeMap::from([("sts:ExternalId".to_string(), vec![v.to_string()])]);
        let none = BTreeMap::new();
        check(
            trust_allows(&s, &authoriser, "sts:AssumeRole", &ext(EXTERNAL_ID)),
            format!("trust: `{authoriser}` with the external id must be allowed"),
        );
        check(
            trust_allows(&s, &authoriser, "sts:AssumeRole", &none) != cfg.roles.external_id,
            "trust: assuming without an external id".into(),
        );
        if cfg.roles.external_id {
            check(
                !trust_allows(&s, &authoriser, "sts:AssumeRole", &ext("someone-else")),
                "trust: a wrong external id must be denied".into(),
            );
        }
        let acct = &cfg.vendor.account_id;
        let base = cfg
            .vendor
            .authoriser_role
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        for other in [
            format!("arn:aws:iam::{acct}:root"),
            format!("arn:aws:iam::{acct}:role/{base}"),
            format!("arn:aws:iam::{acct}:role/Other"),
            format!("arn:aws:iam::{acct}:user/{base}"),
            format!("arn:aws:iam::{ACCOUNT}:root"),
            authoriser.replace(acct.as_str(), OTHER_ACCOUNT),
        ] {
            if other == authoriser {
                continue;
            }
            check(
                !trust_allows(&s, &other, "sts:AssumeRole", &ext(EXTERNAL_ID)),
                format!("trust: `{other}` must not assume the role"),
            );
        }
        for a in [
            "sts:AssumeRoleWithWebIdentity",
            "sts:AssumeRoleWithSAML",
            "sts:TagSession",
        ] {
            check(
                !trust_allows(&s, &authoriser, a, &ext(EXTERNAL_ID)),
                format!("trust: `{a}` must not be allowed"),
            );
        }
        for st in s.trust.statements() {
            let p = st.principal.as_ref().unwrap();
            for kind in ["Service", "Federated", "CanonicalUser"] {
                check(
                    p.values(kind).is_empty(),
                    format!("trust: `{kind}` principal"),
                );
            }
        }

        // Feature grants, by meaning.
        let patterns: Vec<&String> = m.features.iter().flat_map(|f| &f.actions).collect();
        let mut in_scope: BTreeSet<String> = BTreeSet::new();
        for f in &m.features {
            let mut ctx: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
            let mut denies_without = !f.conditions.is_empty();
            for (op, keys) in &f.conditions {
                let lower = op.to_ascii_lowercase();
                if lower.contains("not") || lower.ends_with("ifexists") {
                    denies_without = false;
                }
                for (k, vs) in keys {
                    let v = concrete(&sub(&vs[0], &vals, &what));
                    let w = if lower.starts_with("bool") {
                        if v == "true" { "false" } else { "true" }.to_string()
                    } else {
                        format!("wrong-{v}")
                    };
                    ctx.insert(k.clone(), vec![v]);
                    wrong.insert(k.clone(), vec![w]);
                }
            }
            // The action is granted only by this feature: then any other
            // scope must be denied (else another feature may grant it wider).
            let only_here = |a: &str| {
                m.features
                    .iter()
                    .filter(|g| g.actions.iter().any(|p| action_covers(p, a)))
                    .count()
                    == 1
            };
            // Concrete actions: wildcard patterns expand through the catalogue.
            let mut actions: Vec<String> = Vec::new();
            for p in &f.actions {
                if p.contains(['*', '?']) {
                    actions.extend(catalogue().matching(p).iter().map(|a| a.name.to_string()));
                } else {
                    actions.push(p.clone());
                }
            }
            // (resource pattern as the manifest or catalogue gives it, concrete ARN)
            let candidates_for = |a: &str| -> Vec<(String, String)> {
                match &f.resources {
                    Some(rs) => rs
                        .iter()
                        .map(|r| (r.clone(), concrete(&sub(r, &vals, &what))))
                        .collect(),
                    None => {
                        let act = catalogue().action(a).unwrap();
                        let formats = act.grant_arn_formats();
                        if formats.is_empty() {
                            return vec![("*".into(), "*".into())];
                        }
                        formats
                            .iter()
                            .map(|fmt| {
                                let mut v2 = BTreeMap::new();
                                v2.insert("Partition".to_string(), PARTITION.to_string());
                                v2.insert("Region".to_string(), REGION.to_string());
                                v2.insert("Account".to_string(), ACCOUNT.to_string());
                                let mut s2 = fmt.to_string();
                                // Placeholders that are not parameters are `*`.
                                while let Some(i) = s2.find("${") {
                                    let j = s2[i..].find('}').unwrap() + i;
                                    let name = s2[i + 2..j].to_string();
                                    let val = v2
                                        .get(&name)
                                        .cloned()
                                        .or_else(|| {
                                            m.parameters
                                                .contains_key(&name)
                                                .then(|| vals[&name].clone())
                                        })
                                        .unwrap_or_else(|| "sample7".into());
                                    s2.replace_range(i..=j, &val);
                                }
                                let pat = fmt
                                    .replace("${Partition}", "${AWS::Partition}")
                                    .replace("${Region}", "${AWS::Region}")
                                    .replace("${Account}", "${AWS::AccountId}");
                                (pat, s2)
                            })
                            .collect()
                    }
                }
            };
            let explicit = f.resources.is_some();
            let mut resource_used: BTreeMap<String, bool> = BTreeMap::new();
            for a in &actions {
                let cands = candidates_for(a);
                let mut any = false;
                for (pat, r) in &cands {
                    let d = decide(&s, a, r, &ctx);
                    n += 1;
                    if d == Decision::Allowed {
                        any = true;
                        *resource_used.entry(r.clone()).or_default() = true;
                        in_scope.insert(r.clone());
                    } else {
                        resource_used.entry(r.clone()).or_default();
                        if !explicit {
                            fails.push(format!(
                                "{what}: `{a}` on derived `{r}` ({}): {}",
                                f.id,
                                d.as_str()
                            ));
                        }
                        continue;
                    }
                    if !only_here(a) || pat == "*" {
                        continue;
                    }
                    // Out of scope: other account, region, parameter value.
                    let mut mutations = Vec::new();
                    if pat.contains("${AWS::AccountId}") {
                        mutations.push(r.replace(ACCOUNT, OTHER_ACCOUNT));
                    }
                    if pat.contains("${AWS::Region}") {
                        mutations.push(r.replace(REGION, OTHER_REGION));
                    }
                    for name in m.parameters.keys() {
                        if pat.contains(&format!("${{{name}}}")) {
                            mutations.push(r.replacen(
                                &vals[name],
                                &format!("zz{}", vals[name]),
                                1,
                            ));
                        }
                    }
                    for o in mutations {
                        let d = decide(&s, a, &o, &ctx);
                        n += 1;
                        if d == Decision::Allowed {
                            fails.push(format!("{what}: `{a}` out of scope on `{o}` is allowed"));
                        }
                    }
                    if !f.conditions.is_empty() {
                        if denies_without {
                            let d = decide(&s, a, r, &BTreeMap::new());
                            n += 1;
                            if d == Decision::Allowed {
                                fails.push(format!(
                                    "{what}: `{a}` on `{r}` allowed without the condition context"
                                ));
                            }
                        }
                        let d = decide(&s, a, r, &wrong);
                        n += 1;
                        if d == Decision::Allowed {
                            fails.push(format!("{what}: `{a}` on `{r}` allowed with wrong condition values {wrong:?}"));
                        }
                    }
                }
                if !any {
                    fails.push(format!(
                        "{what}: `{a}` ({}) is allowed on none of {cands:?}",
                        f.id
                    ));
                }
            }
            for (r, used) in resource_used {
                if !used {
                    fails.push(format!(
                        "{what}: listed resource `{r}` of `{}` is allowed for no action",
                        f.id
                    ));
                }
            }
        }

        // Actions not in the manifest: nothing, anywhere.
        let mut services: BTreeSet<String> = patterns
            .iter()
            .map(|p| p.split(':').next().unwrap().to_ascii_lowercase())
            .collect();
        services.extend([
            "iam".to_string(),
            "sts".to_string(),
            "cloudformation".into(),
        ]);
        let mut probe: BTreeSet<String> = s.named_resources.iter().map(|r| concrete(r)).collect();
        probe.extend(in_scope.iter().cloned());
        probe.insert("*".into());
        let mut full_ctx: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for f in &m.features {
            for keys in f.conditions.values() {
                for (k, vs) in keys {
                    full_ctx.insert(k.clone(), vec![concrete(&sub(&vs[0], &vals, &what))]);
                }
            }
        }
        for svc in &services {
            for a in catalogue().matching(&format!("{svc}:*")) {
                let name = a.name;
                if patterns.iter().any(|p| action_covers(p, name)) {
                    continue;
                }
                if cfg.roles.self_audit && SELF_AUDIT.iter().any(|x| x.eq_ignore_ascii_case(name)) {
                    continue;
                }
                for r in &probe {
                    n += 1;
                    if decide(&s, name, r, &full_ctx) == Decision::Allowed {
                        fails.push(format!(
                            "{what}: `{name}` is not in the manifest but allowed on `{r}`"
                        ));
                    }
                }
            }
        }

        // Self audit: the role's own definition only.
        let role_name = format!("{}{}", cfg.roles.name_prefix, m.id);
        let own_role = format!("arn:aws:iam::{ACCOUNT}:role/{role_name}");
        let other_role = format!("arn:aws:iam::{ACCOUNT}:role/{role_name}-admin");
        let own_stack = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/0a1b");
        let other_stack = format!("arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/other/0a1b");
        let on = cfg.roles.self_audit;
        for (a, r, want) in [
            ("iam:GetRole", own_role.clone(), on),
            ("iam:ListRolePolicies", own_role.clone(), on),
            ("iam:GetRole", other_role.clone(), false),
            (
                "iam:GetRole",
                own_role.replace(ACCOUNT, OTHER_ACCOUNT),
                false,
            ),
            (
                "iam:GetPolicy",
                format!("arn:aws:iam::{ACCOUNT}:policy/{role_name}-1"),
                on,
            ),
            (
                "iam:GetPolicy",
                format!("arn:aws:iam::{ACCOUNT}:policy/Admin"),
                false,
            ),
            (
                "iam:GetPolicyVersion",
                "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                on,
            ),
            ("cloudformation:DescribeStacks", own_stack, on),
            ("cloudformation:DescribeStacks", other_stack, false),
        ] {
            if patterns.iter().any(|p| action_covers(p, a)) {
                continue;
            }
            let d = decide(&s, a, &r, &BTreeMap::new());
            n += 1;
            if (d == Decision::Allowed) != want {
                fails.push(format!("{what}: self audit `{a}` on `{r}`: {}", d.as_str()));
            }
        }
        stacks.insert(m.id.clone(), s);
    }

    // Hand-written checks.
    let expect = extras.join("expect.jsonl");
    if expect.is_file() {
        for (i, line) in std::fs::read_to_string(&expect)
            .unwrap()
            .lines()
            .enumerate()
        {
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let e: Expect = serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("{}:{}: {err}", expect.display(), i + 1));
            let s = stacks
                .get(&e.module)
                .unwrap_or_else(|| panic!("expect.jsonl:{}: no module `{}`", i + 1, e.module));
            let d = decide(s, &e.action, &e.resource, &e.context);
            n += 1;
            if d.as_str() != e.expect {
                fails.push(format!(
                    "expect.jsonl:{}: `{}` on `{}` {:?}: {} (expected {})",
                    i + 1,
                    e.action,
                    e.resource,
                    e.context,
                    d.as_str(),
                    e.expect
                ));
            }
        }
    }
    (fails, n)
}

fn given_values(src: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let p = src.join("values.json");
    if p.is_file() {
        serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
    } else {
        BTreeMap::new()
    }
}

/// Builds the project at `src` and judges it, with `values.json` and
/// `expect.jsonl` from `extras`.
fn accept(src: &Path, extras: &Path) {
    let built = build_copy(src);
    let (fails, n) = judge(built.path(), extras, &given_values(extras));
    assert!(n > 100, "{}: only {n} checks ran", src.display());
    assert!(
        fails.is_empty(),
        "{}: {} of {n} checks failed:\n{}",
        src.display(),
        fails.len(),
        fails.join("\n")
    );
}

#[test]
fn data_platform_set_grants_exactly_the_manifest() {
    let d = fixtures().join("data-platform");
    accept(&d, &d);
}

#[test]
fn secure_ops_set_grants_exactly_the_manifest() {
    let d = fixtures().join("secure-ops");
    accept(&d, &d);
}

#[test]
fn shipped_modules_grant_exactly_the_manifest() {
    accept(&repo(), &fixtures().join("shipped"));
}

/// Every file under `generated/` with its bytes (and every folder), to compare
/// before and after a failed command.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                out.insert(p.clone(), None);
                stack.push(p);
            } else {
                out.insert(p.clone(), Some(std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

/// A broken project, as a user would make it: the data-platform set, built,
/// then `remove.txt` paths deleted and `overlay/` copied over it. `validate`
/// and `build` must both fail with the same exit code (1, or 2 when a file
/// cannot be read), never panic, locate every problem in a manifest at a
/// line and column with a help text, and leave `generated/` as it was.
#[test]
fn bad_inputs() {
    let good = fixtures().join("data-platform");
    insta::glob!("../fixtures/acceptance/bad", "*/case.md", |case_md| {
        let case = case_md.parent().unwrap();
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let dir = util::temp_project(&good);
        let root = dir.path();
        let config = root.join("rolesmith.yaml");
        let built = rolesmith()
            .arg("build")
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert!(
            built.status.success(),
            "{name}: the good project must build"
        );
        let before = tree(&root.join("generated"));
        assert!(!before.is_empty());
        if let Ok(list) = std::fs::read_to_string(case.join("remove.txt")) {
            for rel in list.lines().filter(|l| !l.trim().is_empty()) {
                let p = root.join(rel.trim());
                if p.is_dir() {
                    std::fs::remove_dir_all(p).unwrap();
                } else {
                    std::fs::remove_file(p).unwrap();
                }
            }
        }
        if case.join("overlay").is_dir() {
            copy_tree(&case.join("overlay"), root);
        }
        // From another working directory: paths resolve against the config.
        let run = |args: &[&str]| {
            rolesmith()
                .current_dir(std::env::temp_dir())
                .args(args)
                .arg("--config")
                .arg(&config)
                .output()
                .unwrap()
        };
        let validate = run(&["validate"]);
        let build = run(&["build"]);
        let json = run(&["validate", "--format", "json"]);
        let code = validate.status.code().unwrap();
        assert!(code == 1 || code == 2, "{name}: validate exit {code}");
        assert_eq!(
            build.status.code(),
            Some(code),
            "{name}: build and validate disagree"
        );
        let v_err = String::from_utf8_lossy(&validate.stderr).into_owned();
        let b_err = String::from_utf8_lossy(&build.stderr).into_owned();
        for err in [&v_err, &b_err] {
            assert!(!err.contains("panicked"), "{name}: panic: {err}");
            assert!(!err.contains("Rust"), "{name}: {err}");
        }
        assert!(
            b_err.contains("nothing was written") || code == 2,
            "{name}: {b_err}"
        );
        assert_eq!(
            before,
            tree(&root.join("generated")),
            "{name}: generated/ changed"
        );
        // Every problem in a manifest or the config that has text is located
        // and says what to do.
        if code == 1 {
            let report: Value = serde_json::from_slice(&json.stdout).unwrap();
            let problems = report["problems"].as_array().unwrap();
            assert!(!problems.is_empty(), "{name}");
            for p in problems {
                let file = p["file"].as_str().unwrap();
                let whole_file = matches!(
                    p["code"].as_str().unwrap(),
                    "manifest::no_modules" | "manifest::module_file"
                );
                if !whole_file {
                    assert!(
                        p["line"].as_u64().unwrap() > 0,
                        "{name}: {file} not located: {p}"
                    );
                    assert!(p["column"].as_u64().unwrap() > 0, "{name}: {p}");
                }
                assert!(
                    !p["help"].as_str().unwrap_or("").is_empty(),
                    "{name}: no help: {p}"
                );
            }
        }
        let shown = v_err.replace(&root.display().to_string(), "<project>");
        // Long outputs: the head and the tail (the summary lines) are what matter.
        let lines: Vec<&str> = shown.lines().collect();
        let shown = if lines.len() > 60 {
            format!(
                "{}\n[... {} lines ...]\n{}",
                lines[..40].join("\n"),
                lines.len() - 43,
                lines[lines.len() - 3..].join("\n")
            )
        } else {
            lines.join("\n")
        };
        insta::with_settings!({
            snapshot_path => "../../snapshots/acceptance",
            prepend_module_to_snapshot => false,
            description => std::fs::read_to_string(case_md).unwrap().trim().to_string(),
            omit_expression => true,
        }, {
            insta::assert_snapshot!("bad_input", format!("exit: {code}\n{shown}"));
        });
    });
}

/// The judge is not vacuous: templates tampered with the way a careless
/// generator could get them wrong are rejected, each for its reason.
#[test]
fn tampered_templates_are_rejected() {
    let src = fixtures().join("secure-ops");
    let given = given_values(&src);
    let cases: &[(&str, &str, &str)] = &[
        // (module, what to replace in template.json, replacement) -> expected failure text
        (
            "queue-worker",
            "\"sqs:ReceiveMessage\"",
            "\"sqs:ReceiveMessage\", \"sqs:PurgeQueue\"",
        ),
        (
            "queue-worker",
            "${AWS::AccountId}:${QueueName}",
            "*:${QueueName}",
        ),
        ("queue-worker", "\"Bool\"", "\"BoolIfExists\""),
        (
            "secrets-reader",
            "\"sts:ExternalId\"",
            "\"sts:externalid-typo\"",
        ),
        ("secrets-reader", "role/SecureOpsBroker", "root"),
        ("log-reader", "log-group:/secureops/*\"", "log-group:*\""),
        (
            "log-reader",
            "\"logs:GetLogEvents\"",
            "\"logs:GetLogEvents\", \"logs:Get*\"",
        ),
        ("log-reader", "policy/secops.log-reader-1", "policy/*"),
    ];
    for (module, from, to) in cases {
        let built = build_copy(&src);
        let dir = built.path().join("generated").join(module);
        let version = std::fs::read_dir(&dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let path = version.join("template.json");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains(from),
            "{module}: `{from}` not in the template"
        );
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
        let (fails, _) = judge(built.path(), &src, &given);
        assert!(
            !fails.is_empty(),
            "{module}: replacing `{from}` with `{to}` went unnoticed"
        );
    }
}

/// `build --check` as a user meets it: from another working directory with
/// `--config`, up to date is exit 0; a hand-edited and a deleted template
/// give exit 1 with a unified diff naming both; stray folders under
/// `generated/` (a retired module, a version newer than the manifest) are
/// warnings that do not fail the check, while older versions are expected
/// (released versions stay after a bump) and not mentioned.
#[test]
fn build_check_from_a_users_angle() {
    let built = build_copy(&fixtures().join("secure-ops"));
    let root = built.path();
    let check = || {
        rolesmith()
            .current_dir(std::env::temp_dir())
            .args(["build", "--check", "--config"])
            .arg(root.join("rolesmith.yaml"))
            .output()
            .unwrap()
    };
    let ok = check();
    assert_eq!(
        ok.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("up to date: "));

    let generated = root.join("generated");
    std::fs::create_dir_all(generated.join("log-reader/0.9.0")).unwrap();
    std::fs::create_dir_all(generated.join("log-reader/7.0.0")).unwrap();
    std::fs::create_dir_all(generated.join("retired/1.0.0")).unwrap();
    let ok = check();
    assert_eq!(ok.status.code(), Some(0));
    let err = String::from_utf8_lossy(&ok.stderr);
    assert!(
        err.contains("warning: `generated/log-reader/7.0.0/` is newer"),
        "{err}"
    );
    assert!(
        err.contains("warning: `generated/retired/` has no manifest"),
        "{err}"
    );
    assert!(!err.contains("0.9.0"), "{err}");

    let t = generated.join("log-reader/1.0.0/template.json");
    let text = std::fs::read_to_string(&t).unwrap();
    std::fs::write(
        &t,
        text.replace(
            "\"MaxSessionDuration\": 3600",
            "\"MaxSessionDuration\": 43200",
        ),
    )
    .unwrap();
    std::fs::remove_file(generated.join("queue-worker/1.2.0/template.json")).unwrap();
    let stale = check();
    assert_eq!(stale.status.code(), Some(1));
    let out = String::from_utf8_lossy(&stale.stdout);
    assert!(
        out.contains("--- a/generated/log-reader/1.0.0/template.json"),
        "{out}"
    );
    assert!(
        out.contains("-        \"MaxSessionDuration\": 43200,"),
        "{out}"
    );
    assert!(
        out.contains("+        \"MaxSessionDuration\": 3600,"),
        "{out}"
    );
    assert!(
        out.contains("--- /dev/null\n+++ b/generated/queue-worker/1.2.0/template.json"),
        "{out}"
    );
    let err = String::from_utf8_lossy(&stale.stderr);
    assert!(
        err.contains("2 files differ") && err.contains("run `rolesmith build`"),
        "{err}"
    );
    // --check wrote nothing.
    assert!(!generated.join("queue-worker/1.2.0/template.json").exists());
}

/// A write that fails part-way (a file where a version folder should be)
/// exits 2 and leaves `generated/` exactly as it was: no file written and no
/// empty folder created for the other modules.
#[test]
fn failed_write_leaves_generated_as_it_was() {
    let good = fixtures().join("data-platform");
    let dir = util::temp_project(&good);
    let blocker = dir.path().join("generated/s3-exports/2.0.1");
    std::fs::create_dir_all(blocker.parent().unwrap()).unwrap();
    std::fs::write(&blocker, "in the way").unwrap();
    let before = tree(&dir.path().join("generated"));
    let out = rolesmith()
        .current_dir(dir.path())
        .arg("build")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert_eq!(before, tree(&dir.path().join("generated")));
}

/// Regression: a long description in a non-Latin script gave a template
/// `Description` of 1024 characters but more than 1024 bytes, which
/// CloudFormation rejects (its limit is in bytes).
#[test]
fn template_description_fits_in_1024_bytes() {
    let config = std::fs::read_to_string(fixtures().join("data-platform/rolesmith.yaml")).unwrap();
    let manifest = format!(
        "module: long\nversion: 1.0.0\ndescription: '{}'\nfeatures:\n  - id: list\n    description: x\n    actions: [dynamodb:ListTables]\n",
        "導出データ".repeat(300)
    );
    let project = manifest::load_project_str(
        rolesmith::catalogue::catalogue(),
        Path::new("."),
        &config,
        &[(PathBuf::from("modules/long.yaml"), manifest)],
    )
    .unwrap();
    let c = rolesmith::compile::compile_module(
        rolesmith::catalogue::catalogue(),
        &project.config,
        &project.modules[0],
    )
    .unwrap();
    let t: Value = serde_json::from_slice(&c.template_bytes()).unwrap();
    let d = t["Description"].as_str().unwrap();
    assert!(d.len() <= 1024, "{} bytes", d.len());
    assert!(d.len() > 1000, "cut too short: {} bytes", d.len());
}
