//! A manifest's `parameters`: names, descriptions, patterns, defaults and
//! the `max_length` budgeted in size checks.

use std::collections::BTreeMap;

use super::diag::ProblemKind;
use super::model::Parameter;
use super::module::{DEFAULT_MAX_LENGTH, MAX_LENGTH_RANGE};
use super::rules;
use super::walk::Ctx;
use super::yaml::{Node, Value};

/// The module's parameters, `None` when one has a problem; with the name of
/// every parameter declared, valid or not (so that a feature's `${Name}` is
/// not also reported unknown because `Name` has a bad default).
pub(super) fn parameters(
    cx: &mut Ctx<'_>,
    node: &Node,
) -> (Vec<String>, Option<BTreeMap<String, Parameter>>) {
    let before = cx.problems.len();
    let mut out = BTreeMap::new();
    let mut names = Vec::new();
    for (name, kn, vn) in cx.entries(node, "parameters") {
        if rules::is_logical_id(name) && !rules::RESERVED_PARAMETERS.contains(&name) {
            names.push(name.to_owned());
        }
        if !rules::is_logical_id(name) {
            cx.report(
                kn.span,
                ProblemKind::ParameterName,
                format!("parameter name `{name}` is not a valid CloudFormation logical id"),
                "invalid parameter name",
                Some("use only letters and digits, e.g. `InstanceId`".to_owned()),
            );
        } else if rules::RESERVED_PARAMETERS.contains(&name) {
            cx.report(
                kn.span,
                ProblemKind::ParameterName,
                format!(
                    "parameter name `{name}` is reserved: rolesmith declares it in every template"
                ),
                "reserved name",
                Some("choose another name".to_owned()),
            );
        }
        let what = format!("parameters.{name}");
        let Some(f) = cx.fields(
            vn,
            kn.span,
            &what,
            &["description", "pattern", "default", "max_length"],
        ) else {
            continue;
        };
        let description = f
            .required(cx, "description", "what the customer must give here")
            .and_then(|n| cx.text(n, &format!("{what}.description")));
        let pattern_node = f.get("pattern");
        let pattern = pattern_node
            .and_then(|n| cx.string(n, &format!("{what}.pattern")))
            .map(str::to_owned);
        let compiled = match (&pattern, pattern_node) {
            (Some(p), Some(n)) => allowed_pattern(cx, n, name, p),
            _ => Compiled::Unchecked,
        };
        let default = f.get("default").and_then(|n| match &n.value {
            Value::Int(i) => Some(i.to_string()),
            _ => cx.string(n, &format!("{what}.default")).map(str::to_owned),
        });
        let mut max_length = DEFAULT_MAX_LENGTH;
        if let Some(n) = f.get("max_length") {
            match cx.int(n, &format!("{what}.max_length")) {
                Some(v) if MAX_LENGTH_RANGE.contains(&v) => {
                    max_length = u32::try_from(v).unwrap_or(DEFAULT_MAX_LENGTH);
                }
                Some(v) => cx.report(
                    n.span,
                    ProblemKind::MaxLength,
                    format!("`{what}.max_length` {v} is outside 1..=4096"),
                    "out of range",
                    Some(
                        "give the longest value the customer may need, from 1 to 4096 characters"
                            .to_owned(),
                    ),
                ),
                None => {}
            }
        }
        if let (Some(d), Some(n)) = (&default, f.get("default"))
            && d.chars().count() > max_length as usize
        {
            cx.report(
                n.span,
                ProblemKind::MaxLength,
                format!(
                    "default of `{name}` is {} characters long, more than its max_length {max_length}",
                    d.chars().count()
                ),
                "longer than max_length",
                Some("shorten the default or raise `max_length`".to_owned()),
            );
        }
        if let (Some(d), Some(n), Compiled::Regex(re)) = (&default, f.get("default"), &compiled)
            && !re.is_match(d)
        {
            cx.report(
                n.span,
                ProblemKind::ParameterDefault,
                format!(
                    "default `{d}` of `{name}` does not match its pattern `{}`",
                    pattern.as_deref().unwrap_or_default()
                ),
                "fails the pattern",
                Some("CloudFormation would refuse to create the stack with this default: fix the default or the pattern".to_owned()),
            );
        }
        if let Some(description) = description {
            out.insert(
                name.to_owned(),
                Parameter {
                    description: description.to_owned(),
                    pattern,
                    default,
                    max_length,
                },
            );
        }
    }
    (names, (cx.problems.len() == before).then_some(out))
}

/// A parameter's pattern, as far as it can be checked here.
enum Compiled {
    /// Compiled, anchored as CloudFormation anchors `AllowedPattern` (the
    /// whole value must match).
    Regex(regex::Regex),
    /// No pattern, an invalid one (reported), or one using Java features
    /// this checker lacks (look-around, back-references): values are not
    /// checked against it.
    Unchecked,
}

/// Compiles a parameter's `pattern` as CloudFormation's `AllowedPattern`
/// (a Java regular expression that must match the whole value); reports a
/// syntax error at its position in the pattern.
fn allowed_pattern(cx: &mut Ctx<'_>, node: &Node, name: &str, pattern: &str) -> Compiled {
    use regex_syntax::ast::ErrorKind;
    let mut parser = regex_syntax::ast::parse::Parser::new();
    if let Err(e) = parser.parse(pattern) {
        // Java accepts these; this checker cannot run them, so it leaves
        // the pattern to CloudFormation.
        if matches!(
            e.kind(),
            ErrorKind::UnsupportedLookAround | ErrorKind::UnsupportedBackreference
        ) {
            return Compiled::Unchecked;
        }
        let at = e.span();
        let span = super::features::inner_span(
            cx.src,
            node,
            pattern,
            at.start.offset..at.end.offset.max(at.start.offset + 1),
        );
        cx.report(
            span,
            ProblemKind::ParameterPattern,
            format!("pattern of `{name}` is not a valid regular expression: {}", e.kind()),
            "invalid here",
            Some("CloudFormation would refuse the template (`AllowedPattern` must be a valid regular expression): fix the pattern".to_owned()),
        );
        return Compiled::Unchecked;
    }
    match regex::Regex::new(&format!("^(?:{pattern})$")) {
        Ok(re) => Compiled::Regex(re),
        // Parsed but not compiled (e.g. too large): leave it to CloudFormation.
        Err(_) => Compiled::Unchecked,
    }
}
