//! The one way rolesmith writes JSON files and reports: pretty (two-space
//! indent, keys in the order the types give, maps sorted as `BTreeMap`s
//! are), with a trailing newline, so the same value is always the same bytes.
//! Also the bridge from JSON values to template values, and the template
//! environment every renderer starts from.

use std::collections::BTreeMap;

use minijinja::value::Value;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};

/// `value` as pretty JSON with a trailing newline.
pub fn pretty<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(value)?;
    s.push('\n');
    Ok(s)
}

/// The template environment of every renderer (review documents, the fleet
/// page): an undefined value is an error, `.html` templates are HTML-escaped,
/// blocks trim their line and the trailing newline is kept.
pub fn template_environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .keep_trailing_newline(true)
            .build()?,
    );
    Ok(env)
}

/// A JSON value as a template value (minijinja is built without serde):
/// how the renderers hand serialisable models to their templates.
pub fn template_value(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::from(()),
        serde_json::Value::Bool(b) => Value::from(*b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(u)) => Value::from(u),
            _ => Value::from(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::from(s.clone()),
        serde_json::Value::Array(a) => {
            Value::from(a.iter().map(template_value).collect::<Vec<_>>())
        }
        serde_json::Value::Object(o) => Value::from(
            o.iter()
                .map(|(k, v)| (k.clone(), template_value(v)))
                .collect::<BTreeMap<String, Value>>(),
        ),
    }
}
