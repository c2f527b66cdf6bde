//! Helpers to walk a located YAML tree and record problems as they are met:
//! mappings with a fixed set of keys (unknown and duplicate keys reported),
//! and typed scalars. Each helper reports and returns `None` on a problem so
//! callers go on checking the rest.

use super::diag::ProblemKind;
use std::collections::BTreeMap;

use super::diag::{Problem, SourceFile};
use super::yaml::{Node, Span, Value};

/// Checking state for one file.
pub struct Ctx<'s> {
    /// The IAM catalogue actions and ARN formats are checked against.
    pub catalogue: &'s crate::catalogue::Catalogue,
    /// The file being checked.
    pub src: &'s SourceFile,
    /// Where problems go.
    pub problems: &'s mut Vec<Problem>,
    /// Where warnings go.
    pub warnings: Vec<Problem>,
}

/// The keys of a mapping that passed the key checks.
pub struct Fields<'n> {
    /// Where to point when a required key is missing.
    pub at: Span,
    /// Dotted name of the mapping, for messages (`vendor`).
    pub what: String,
    entries: BTreeMap<&'n str, (&'n Node, &'n Node)>,
}

impl<'n> Fields<'n> {
    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'n Node> {
        self.entries.get(key).map(|(_, v)| *v)
    }
    /// The key node of `key`, if present.
    pub fn key(&self, key: &str) -> Option<&'n Node> {
        self.entries.get(key).map(|(k, _)| *k)
    }
    /// The value of `key`, reporting it missing otherwise.
    pub fn required(&self, cx: &mut Ctx<'_>, key: &str, example: &str) -> Option<&'n Node> {
        let v = self.get(key);
        if v.is_none() {
            let where_ = if self.what.is_empty() {
                "at the top of the file".to_owned()
            } else {
                format!("in `{}`", self.what)
            };
            cx.report(
                self.at,
                ProblemKind::MissingKey,
                format!("missing required key `{key}` {where_}"),
                "needs this key",
                Some(format!("add `{key}: {example}`")),
            );
        }
        v
    }
}

/// The closest of `candidates` to `word`, when close enough to be a likely typo.
pub fn did_you_mean<'c, I>(word: &str, candidates: I) -> Option<&'c str>
where
    I: IntoIterator<Item = &'c str>,
{
    crate::iam::suggest::best(word, candidates)
}

impl Ctx<'_> {
    /// Records a problem at `span`.
    pub fn report(
        &mut self,
        span: Span,
        kind: ProblemKind,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let p = self.src.problem(Some(span), kind, message, label, help);
        self.problems.push(p);
    }

    /// Reports a warning: the manifest is valid, but probably not what its
    /// author meant.
    pub fn warn(
        &mut self,
        span: Span,
        kind: ProblemKind,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) {
        let mut p = self.src.problem(Some(span), kind, message, label, help);
        p.severity = super::diag::Severity::Warning;
        self.warnings.push(p);
    }

    /// Reports a value of the wrong type.
    pub fn wrong_type(&mut self, node: &Node, what: &str, expected: &str, help: Option<String>) {
        let subject = if what.is_empty() {
            "the file".to_owned()
        } else {
            format!("`{what}`")
        };
        self.report(
            node.span,
            ProblemKind::WrongType,
            format!("{subject} must be {expected}, found {}", node.value.kind()),
            format!("expected {expected}"),
            help,
        );
    }

    /// Checks that `node` is a mapping whose keys are all in `allowed`,
    /// reporting unknown keys (with a suggestion), non-string keys and
    /// duplicates (at the second occurrence).
    pub fn fields<'n>(
        &mut self,
        node: &'n Node,
        at: Span,
        what: &str,
        allowed: &[&str],
    ) -> Option<Fields<'n>> {
        let entries = match &node.value {
            Value::Map(m) => m,
            Value::Null => {
                // `vendor:` with nothing under it: every required key is missing.
                return Some(Fields {
                    at,
                    what: what.to_owned(),
                    entries: BTreeMap::new(),
                });
            }
            _ => {
                self.wrong_type(node, what, "a mapping", None);
                return None;
            }
        };
        let mut out: BTreeMap<&str, (&Node, &Node)> = BTreeMap::new();
        for (k, v) in entries {
            let Value::Str(name) = &k.value else {
                self.report(
                    k.span,
                    ProblemKind::WrongType,
                    format!("keys of `{what}` must be strings, found {}", k.value.kind()),
                    "not a string",
                    Some(format!("allowed keys: {}", allowed.join(", "))),
                );
                continue;
            };
            let where_ = if what.is_empty() {
                String::new()
            } else {
                format!(" in `{what}`")
            };
            if !allowed.contains(&name.as_str()) {
                let help = match did_you_mean(name, allowed.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? allowed keys: {}", allowed.join(", ")),
                    None => format!("allowed keys: {}", allowed.join(", ")),
                };
                self.report(
                    k.span,
                    ProblemKind::UnknownKey,
                    format!("unknown key `{name}`{where_}"),
                    "unknown key",
                    Some(help),
                );
                continue;
            }
            if let Some((first, _)) = out.get(name.as_str()) {
                let line = self.src.line_of(first.span);
                self.report(
                    k.span,
                    ProblemKind::DuplicateKey,
                    format!("duplicate key `{name}`{where_}"),
                    "second occurrence",
                    Some(format!("remove one of them; the first is on line {line}")),
                );
                continue;
            }
            out.insert(name.as_str(), (k, v));
        }
        Some(Fields {
            at,
            what: what.to_owned(),
            entries: out,
        })
    }

    /// The entries of a mapping with free-form string keys (parameters, tags,
    /// conditions), duplicates and non-string keys reported.
    pub fn entries<'n>(
        &mut self,
        node: &'n Node,
        what: &str,
    ) -> Vec<(&'n str, &'n Node, &'n Node)> {
        let entries = match &node.value {
            Value::Map(m) => m,
            Value::Null => return Vec::new(),
            _ => {
                self.wrong_type(node, what, "a mapping", None);
                return Vec::new();
            }
        };
        let mut seen: BTreeMap<&str, &Node> = BTreeMap::new();
        let mut out = Vec::new();
        for (k, v) in entries {
            let Value::Str(name) = &k.value else {
                self.report(
                    k.span,
                    ProblemKind::WrongType,
                    format!("keys of `{what}` must be strings, found {}", k.value.kind()),
                    "not a string",
                    Some("quote the key".to_owned()),
                );
                continue;
            };
            if let Some(first) = seen.get(name.as_str()) {
                let line = self.src.line_of(first.span);
                self.report(
                    k.span,
                    ProblemKind::DuplicateKey,
                    format!("duplicate key `{name}` in `{what}`"),
                    "second occurrence",
                    Some(format!("remove one of them; the first is on line {line}")),
                );
                continue;
            }
            seen.insert(name, k);
            out.push((name.as_str(), k, v));
        }
        out
    }

    /// A string value.
    pub fn string<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        match &node.value {
            Value::Str(s) => Some(s),
            _ => {
                let help = match &node.value {
                    Value::Int(_) | Value::Float(_) | Value::Bool(_) => {
                        Some("put the value in quotes to make it a string".to_owned())
                    }
                    _ => None,
                };
                self.wrong_type(node, what, "a string", help);
                None
            }
        }
    }

    /// A string with something in it other than spaces.
    pub fn text<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n str> {
        let s = if matches!(node.value, Value::Null) {
            ""
        } else {
            self.string(node, what)?
        };
        if s.trim().is_empty() {
            self.report(
                node.span,
                ProblemKind::Empty,
                format!("`{what}` must not be empty"),
                "empty",
                Some(format!("write what `{what}` is for, in a sentence")),
            );
            return None;
        }
        Some(s)
    }

    /// A boolean.
    pub fn bool(&mut self, node: &Node, what: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, what, "`true` or `false`", None);
                None
            }
        }
    }

    /// An integer.
    pub fn int(&mut self, node: &Node, what: &str) -> Option<i128> {
        match node.value {
            Value::Int(i) => Some(i),
            _ => {
                self.wrong_type(node, what, "a whole number", None);
                None
            }
        }
    }

    /// A list.
    pub fn seq<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [Node]> {
        match &node.value {
            Value::Seq(s) => Some(s),
            _ => {
                self.wrong_type(node, what, "a list", None);
                None
            }
        }
    }
}
