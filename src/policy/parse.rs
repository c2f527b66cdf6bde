//! JSON document -> [`Policy`], checking what AWS checks: known fields, one
//! of `Action`/`NotAction`, one of `Resource`/`NotResource` (or a
//! `Principal`), a valid `Effect`, known condition operators, string values.

use std::collections::BTreeMap;

use serde_json::Value;

use super::condition::{ConditionClause, Operator};
use super::{ActionShape, Compiled, Effect, Element, Policy, PolicyError, Principal, Statement};
use crate::iam::Conditions;
use crate::iam::pattern::Pattern;
use crate::iam::suggest;

const STATEMENT_FIELDS: &[&str] = &[
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
];

impl Policy {
    /// Parses a policy document given as JSON text. Already URL-decoded text
    /// is expected; see [`Policy::parse`] for the rules.
    pub fn parse_str(name: &str, json: &str) -> Result<Policy, PolicyError> {
        let doc: Value = serde_json::from_str(json).map_err(|e| PolicyError::Json {
            policy: name.to_string(),
            message: e.to_string(),
        })?;
        Policy::parse(name, &doc)
    }

    /// Parses a policy document. `name` identifies it in [`super::StatementRef`]s
    /// and messages.
    pub fn parse(name: &str, doc: &Value) -> Result<Policy, PolicyError> {
        let doc_err = |message: String| PolicyError::Document {
            policy: name.to_string(),
            message,
        };
        let Value::Object(map) = doc else {
            return Err(doc_err(format!(
                "the document is {}, not an object; give `{{\"Version\": \"2012-10-17\", \"Statement\": [...]}}`",
                kind(doc)
            )));
        };
        for k in map.keys() {
            if !["Version", "Id", "Statement"].contains(&k.as_str()) {
                return Err(doc_err(format!(
                    "unknown field `{k}`; a policy has only `Version`, `Id` and `Statement`"
                )));
            }
        }
        let version = match map.get("Version") {
            None => None,
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.clone()),
            Some(v) => {
                return Err(doc_err(format!(
                    "`Version` is `{}`; use `2012-10-17`",
                    short(v)
                )));
            }
        };
        // Policy variables exist only in version 2012-10-17; before, `${...}`
        // is literal text (AWS IAM User Guide, "Policy variables").
        let variables = version.as_deref() == Some("2012-10-17");
        let id = match map.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(v) => return Err(doc_err(format!("`Id` must be a string, not {}", kind(v)))),
        };
        let raw: Vec<&Value> = match map.get("Statement") {
            Some(Value::Array(a)) => a.iter().collect(),
            Some(o @ Value::Object(_)) => vec![o],
            Some(v) => {
                return Err(doc_err(format!(
                    "`Statement` is {}; give an object or a list of objects",
                    kind(v)
                )));
            }
            None => {
                return Err(doc_err(
                    "`Statement` is missing; add a list of statements".into(),
                ));
            }
        };
        let mut statements = Vec::with_capacity(raw.len());
        for (i, st) in raw.into_iter().enumerate() {
            statements.push(parse_statement(name, i, st, variables)?);
        }
        Ok(Policy {
            name: name.to_string(),
            id,
            version,
            index: super::index::ActionIndex::new(&statements),
            statements,
        })
    }
}

struct Ctx<'a> {
    policy: &'a str,
    index: usize,
    sid: Option<String>,
}

impl Ctx<'_> {
    fn err(&self, field: &str, message: String) -> PolicyError {
        PolicyError::Statement {
            policy: self.policy.to_string(),
            position: self.index + 1,
            sid: self
                .sid
                .as_ref()
                .map(|s| format!(" (Sid `{s}`)"))
                .unwrap_or_default(),
            field: field.to_string(),
            message,
        }
    }
}

fn parse_statement(
    policy: &str,
    index: usize,
    st: &Value,
    variables: bool,
) -> Result<Statement, PolicyError> {
    let mut cx = Ctx {
        policy,
        index,
        sid: None,
    };
    let Value::Object(m) = st else {
        return Err(cx.err(
            "Statement",
            format!("the statement is {}; give an object", kind(st)),
        ));
    };
    cx.sid = match m.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => return Err(cx.err("Sid", format!("must be a string, not {}", kind(v)))),
    };
    for k in m.keys() {
        if !STATEMENT_FIELDS.contains(&k.as_str()) {
            let hint = suggest::best(k, STATEMENT_FIELDS.iter().copied())
                .map(|f| format!("; did you mean `{f}`?"))
                .unwrap_or_default();
            return Err(cx.err(k, format!("unknown field{hint}")));
        }
    }
    let effect = match m.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(v) => {
            return Err(cx.err(
                "Effect",
                format!("is `{}`; use `Allow` or `Deny`", short(v)),
            ));
        }
        None => return Err(cx.err("Effect", "is missing; add `Allow` or `Deny`".into())),
    };
    let action = element(&cx, m, "Action", "NotAction")?
        .ok_or_else(|| cx.err("Action", "is missing; give `Action` or `NotAction`".into()))?;
    let resource = element(&cx, m, "Resource", "NotResource")?;
    let principal_el = parse_principal(&cx, m.get("Principal"), "Principal")?;
    let not_principal = parse_principal(&cx, m.get("NotPrincipal"), "NotPrincipal")?;
    if principal_el.is_some() && not_principal.is_some() {
        return Err(cx.err(
            "NotPrincipal",
            "cannot be used together with `Principal`; keep one".into(),
        ));
    }
    if resource.is_none() && principal_el.is_none() && not_principal.is_none() {
        return Err(cx.err(
            "Resource",
            "is missing; give `Resource` or `NotResource`".into(),
        ));
    }
    for (field, el) in [("Action", &action)] {
        for a in el.values() {
            if !crate::iam::action::is_policy_action(a) {
                return Err(cx.err(
                    field,
                    format!(
                        "value `{a}` is not `service:action`; write e.g. `s3:GetObject` or `*`"
                    ),
                ));
            }
        }
    }
    let (condition, clauses) = conditions(&cx, m.get("Condition"), variables)?;
    let action_text: Vec<String> = action
        .values()
        .iter()
        // Lower-cased as `Pattern::lowercased` does.
        .map(|a| {
            a.chars()
                .map(|c| c.to_lowercase().next().unwrap_or(c))
                .collect()
        })
        .collect();
    let compiled = Compiled {
        actions: std::sync::OnceLock::new(),
        action_shapes: action_text.iter().map(|a| ActionShape::of(a)).collect(),
        action_text,
        resources: resource
            .as_ref()
            .map(|r| {
                r.values()
                    .iter()
                    // Without a `$` there is no variable to look for.
                    .map(|v| Pattern::new(v, variables && v.contains('$')))
                    .collect()
            })
            .unwrap_or_default(),
        conditions: clauses,
    };
    Ok(Statement {
        sid: cx.sid.clone(),
        effect,
        action,
        resource,
        principal: principal_el,
        not_principal,
        condition,
        compiled,
    })
}

fn element(
    cx: &Ctx<'_>,
    m: &serde_json::Map<String, Value>,
    pos: &str,
    neg: &str,
) -> Result<Option<Element>, PolicyError> {
    match (m.get(pos), m.get(neg)) {
        (Some(_), Some(_)) => Err(cx.err(
            neg,
            format!("cannot be used together with `{pos}`; keep one"),
        )),
        (Some(v), None) => Ok(Some(Element::Listed(strings(cx, pos, v)?))),
        (None, Some(v)) => Ok(Some(Element::Not(strings(cx, neg, v)?))),
        (None, None) => Ok(None),
    }
}

/// A string or a non-empty list of strings.
fn strings(cx: &Ctx<'_>, field: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) if a.is_empty() => {
            Err(cx.err(field, "is an empty list; give at least one value".into()))
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(cx.err(
                    &format!("{field}[{i}]"),
                    format!("is {}; give a string", kind(other)),
                )),
            })
            .collect(),
        other => Err(cx.err(
            field,
            format!("is {}; give a string or a list of strings", kind(other)),
        )),
    }
}

fn parse_principal(
    cx: &Ctx<'_>,
    v: Option<&Value>,
    field: &str,
) -> Result<Option<Principal>, PolicyError> {
    match v {
        None => Ok(None),
        Some(Value::String(s)) if s == "*" => Ok(Some(Principal::Any)),
        Some(Value::Object(o)) => {
            let mut map = BTreeMap::new();
            for (k, val) in o {
                if !["AWS", "Service", "Federated", "CanonicalUser"].contains(&k.as_str()) {
                    return Err(cx.err(
                        &format!("{field}.{k}"),
                        "unknown principal type; use `AWS`, `Service`, `Federated` or `CanonicalUser`".into(),
                    ));
                }
                map.insert(k.clone(), strings(cx, &format!("{field}.{k}"), val)?);
            }
            Ok(Some(Principal::Typed(map)))
        }
        Some(other) => Err(cx.err(
            field,
            format!(
                "is {}; give `\"*\"` or an object like `{{\"AWS\": \"arn:...\"}}`",
                short(other)
            ),
        )),
    }
}

fn conditions(
    cx: &Ctx<'_>,
    v: Option<&Value>,
    variables: bool,
) -> Result<(Conditions, Vec<ConditionClause>), PolicyError> {
    let mut written = Conditions::new();
    let mut clauses = Vec::new();
    let Some(v) = v else {
        return Ok((written, clauses));
    };
    let Value::Object(ops) = v else {
        return Err(cx.err(
            "Condition",
            format!(
                "is {}; give an object `{{\"Operator\": {{\"key\": value}}}}`",
                kind(v)
            ),
        ));
    };
    for (op_text, keys) in ops {
        let field = format!("Condition.{op_text}");
        let Some(op) = Operator::parse(op_text) else {
            let base = op_text
                .rsplit(':')
                .next()
                .unwrap_or(op_text)
                .trim_end_matches("IfExists");
            let hint = suggest::best(base, Operator::known_names())
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            return Err(cx.err(&field, format!("unknown condition operator{hint}")));
        };
        let Value::Object(keys) = keys else {
            return Err(cx.err(
                &field,
                format!("is {}; give an object of condition keys", kind(keys)),
            ));
        };
        let mut by_key = BTreeMap::new();
        for (key, vals) in keys {
            let kfield = format!("{field}.{key}");
            let values = condition_values(cx, &kfield, vals)?;
            clauses.push(ConditionClause::new(
                op_text,
                op,
                key,
                values.clone(),
                variables,
            ));
            by_key.insert(key.clone(), values);
        }
        written.insert(op_text.clone(), by_key);
    }
    Ok((written, clauses))
}

fn condition_values(cx: &Ctx<'_>, field: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    let one = |x: &Value, f: &str| -> Result<String, PolicyError> {
        match x {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(cx.err(
                f,
                format!("is {}; give a string, number or boolean", kind(other)),
            )),
        }
    };
    match v {
        Value::Array(a) if a.is_empty() => {
            Err(cx.err(field, "is an empty list; give at least one value".into()))
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| one(x, &format!("{field}[{i}]")))
            .collect(),
        x => Ok(vec![one(x, field)?]),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if s.chars().count() > 60 {
        format!("{}...", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}
