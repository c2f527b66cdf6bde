//! YAML -> a generic tree of nodes that remember where they came from.
//!
//! We deliberately do not deserialize straight into typed structs: serde stops
//! at the first unknown key or type mismatch, and we want every problem of a
//! file at once. So `serde-saphyr` (the only place it is used) builds this
//! tree, keeping the byte span of every key and value, and the validators in
//! `config.rs`/`module.rs` walk it. Duplicate keys are passed through to us
//! (not rejected by the parser) so they can be reported at the second key and
//! validation can go on.
//!
//! Tags: only the core schema's (`!!str`, `!!int`, `!!float`, `!!bool`,
//! `!!null`, `!!seq`, `!!map`) and the non-specific `!` keep a meaning in a
//! manifest. Any other (`!Ref`, `!!binary`, `!custom`) is an error at the
//! tagged node: ignoring it would silently change what the author wrote.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{DuplicateKeyPolicy, Options, Spanned, Tagged};

/// Byte range of a node in its file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// Byte offset of the first byte.
    pub offset: usize,
    /// Length in bytes (may be 0 when only the start is known).
    pub len: usize,
}

/// A YAML value with its location.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The value.
    pub value: Value,
    /// Where it is.
    pub span: Span,
}

/// YAML values, as the core schema resolves plain scalars.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i128),
    /// A float.
    Float(f64),
    /// A string (quoted, or a plain scalar that is not another type).
    Str(String),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in file order, duplicates kept.
    Map(Vec<(Node, Node)>),
}

impl Value {
    /// What kind of value this is, for messages (`expected a string, found a list`).
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "a number",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error with its location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// What the parser said, in words a manifest author knows.
    pub message: String,
    /// What to do about it.
    pub help: String,
    /// Where (byte offset), when known.
    pub span: Option<Span>,
}

/// Parses one YAML document into a [`Node`] tree.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    let mut options = Options::default();
    options.duplicate_keys = DuplicateKeyPolicy::PassThrough;
    options.with_snippet = false;
    // `yes`/`no`/`on` stay strings: only `true`/`false` are booleans.
    options.strict_booleans = true;
    // Application tags (`!Ref`, `!custom`) are refused by the parser itself;
    // the standard ones it accepts are checked in `Node::deserialize`.
    options.reject_unsupported_tags = true;
    match serde_saphyr::from_str_with_options::<Option<Node>>(text, options) {
        Ok(Some(node)) => Ok(node),
        // An empty file: a null document at its start.
        Ok(None) => Ok(Node {
            value: Value::Null,
            span: Span::default(),
        }),
        Err(e) => {
            let e = e.without_snippet();
            if let Some(err) = TagError::decode(&e.to_string()) {
                return Err(err.explain());
            }
            let span = e
                .location()
                .and_then(|l| span_of(&l, text))
                .or_else(|| Some(Span::default()));
            Err(explain(clean_message(&e.to_string()), span, text))
        }
    }
}

/// Turns the parser's wording into what a manifest author can act on: the
/// parser's limits and API names mean nothing to them, and a tab is reported
/// where the scanner noticed it, not where it is.
fn explain(message: String, span: Option<Span>, text: &str) -> SyntaxError {
    const GENERIC: &str = "fix the YAML syntax (indentation, quotes, `:` after keys)";
    let lower = message.to_ascii_lowercase();
    if lower.contains("multiple yaml documents") {
        return SyntaxError {
            message: "the file holds more than one YAML document (a second `---`)".to_owned(),
            help: "keep one module per file: remove the `---` line and what follows it, or move that part to its own file".to_owned(),
            span,
        };
    }
    if lower.contains("budget breached") || lower.contains("recursion limit") {
        let what = if lower.contains("depth") || lower.contains("recursion") {
            "nested too deeply"
        } else {
            "too large once its aliases are expanded"
        };
        return SyntaxError {
            message: format!("the YAML is {what} to be a manifest"),
            help: "a manifest is a short mapping of keys and lists: look for an alias (`*name`) repeated many times or brackets that never close".to_owned(),
            span,
        };
    }
    if let Some(tag) = message
        .strip_prefix("unsupported tag `")
        .and_then(|r| r.split('`').next())
    {
        return unknown_tag(tag, span);
    }
    if lower.contains("tagged scalar") {
        // `!!timestamp 2001-01-01` and the like: a standard tag whose type a
        // manifest has no use for.
        let tag = span
            .and_then(|s| text.get(..s.offset))
            .and_then(|before| {
                before
                    .rsplit(char::is_whitespace)
                    .find(|w| w.starts_with('!'))
            })
            .unwrap_or("!!");
        return unknown_tag(tag, span);
    }
    if message.contains("\\u{0}") {
        return SyntaxError {
            message: "a NUL byte: the file is binary or was damaged when it was copied".to_owned(),
            help: "save the manifest again as plain UTF-8 text".to_owned(),
            span,
        };
    }
    if lower.contains("tab") {
        // The first tab in indentation at or after where the scanner stopped
        // (YAML forbids tabs in indentation).
        let at = span.map_or(0, |s| s.offset).min(text.len());
        let from = text
            .get(..at)
            .and_then(|t| t.rfind('\n'))
            .map_or(0, |i| i + 1);
        let tab = text
            .get(from..)
            .and_then(|rest| rest.find('\t'))
            .map(|i| from + i)
            .or_else(|| text.find('\t'));
        return SyntaxError {
            message: "a tab character where YAML expects spaces".to_owned(),
            help: "indent with spaces only; YAML does not allow tabs in indentation".to_owned(),
            span: tab.map(|offset| Span { offset, len: 1 }).or(span),
        };
    }
    SyntaxError {
        message: format!("invalid YAML: {message}"),
        help: GENERIC.to_owned(),
        span,
    }
}

/// The error for a tag a manifest cannot use.
fn unknown_tag(tag: &str, span: Option<Span>) -> SyntaxError {
    let help = if tag.starts_with("!!") {
        format!(
            "remove `{tag}`: rolesmith reads plain strings, numbers, booleans, lists and mappings; \
             write the value itself (quote it to keep it a string)"
        )
    } else {
        format!(
            "remove `{tag}`: manifests and `rolesmith.yaml` are plain YAML, not CloudFormation \
             (`!Ref`, `!Sub` and other short forms belong in templates); \
             for a parameter in a resource write `${{Name}}`"
        )
    };
    SyntaxError {
        message: format!("unknown YAML tag `{tag}`"),
        help,
        span,
    }
}

/// A standard tag with no meaning in a manifest, found while building the
/// tree. serde gives a visitor's error no location, so it travels through
/// the parser's error as text (with this prefix) and is decoded in [`parse`].
struct TagError {
    tag: String,
    span: Span,
}

const TAG_ERROR: &str = "rolesmith-unknown-tag ";

impl TagError {
    fn encode(&self) -> String {
        format!(
            "{TAG_ERROR}{} {} {}",
            self.span.offset, self.span.len, self.tag
        )
    }

    fn decode(msg: &str) -> Option<TagError> {
        let rest = msg.get(msg.find(TAG_ERROR)? + TAG_ERROR.len()..)?;
        let mut parts = rest.splitn(3, ' ');
        let offset = parts.next()?.parse().ok()?;
        let len = parts.next()?.parse().ok()?;
        let tag = parts.next()?.split_whitespace().next()?.to_string();
        Some(TagError {
            tag,
            span: Span { offset, len },
        })
    }

    fn explain(self) -> SyntaxError {
        unknown_tag(&self.tag, Some(self.span))
    }
}

/// Tags that keep their YAML meaning in a manifest (resolved form).
fn tag_allowed(tag: &str) -> bool {
    matches!(
        tag.strip_prefix("tag:yaml.org,2002:"),
        Some("str" | "int" | "float" | "bool" | "null" | "seq" | "map")
    ) || tag == "!"
}

/// `tag:yaml.org,2002:binary` as its author wrote it (`!!binary`).
fn tag_as_written(tag: &str) -> String {
    match tag.strip_prefix("tag:yaml.org,2002:") {
        Some(t) => format!("!!{t}"),
        None => tag.to_string(),
    }
}

/// The parser's message without the location it appends (we render our own).
fn clean_message(msg: &str) -> String {
    let first = msg.lines().next().unwrap_or(msg).trim();
    let cut = first
        .find(" at line ")
        .map_or(first, |i| first.get(..i).unwrap_or(first));
    let cut = cut.trim_end_matches('.').trim();
    let mut s = String::new();
    let mut chars = cut.chars();
    if let Some(c) = chars.next() {
        s.extend(c.to_lowercase());
        s.push_str(chars.as_str());
    }
    s
}

/// Converts a saphyr location to a byte span inside `text`.
fn span_of(loc: &serde_saphyr::Location, text: &str) -> Option<Span> {
    if loc.line() == 0 {
        return None;
    }
    let sp = loc.span();
    let offset = match sp.byte_offset() {
        Some(o) => usize::try_from(o).ok()?,
        None => byte_offset_of(text, loc.line(), loc.column())?,
    };
    let len = sp
        .byte_len()
        .and_then(|l| usize::try_from(l).ok())
        .unwrap_or(0);
    let offset = offset.min(text.len());
    let len = len.min(text.len() - offset);
    Some(Span { offset, len })
}

/// Byte offset of a 1-based line and character column.
fn byte_offset_of(text: &str, line: u64, column: u64) -> Option<usize> {
    let mut start = 0usize;
    for _ in 1..line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let rest = text.get(start..)?;
    let col = usize::try_from(column.saturating_sub(1)).ok()?;
    Some(start + rest.char_indices().nth(col).map_or(rest.len(), |(i, _)| i))
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let Tagged(s, tag) = Tagged::<Spanned<Value>>::deserialize(d)?;
        let sp = s.referenced.span();
        let span = match (sp.byte_offset(), sp.byte_len()) {
            (Some(o), l) => Span {
                offset: usize::try_from(o).unwrap_or(usize::MAX),
                len: l.and_then(|l| usize::try_from(l).ok()).unwrap_or(0),
            },
            // Only string sources are parsed here, which always have byte offsets.
            (None, _) => Span::default(),
        };
        if let Some(tag) = tag.filter(|t| !tag_allowed(t)) {
            let err = TagError {
                tag: tag_as_written(&tag),
                span,
            };
            return Err(de::Error::custom(err.encode()));
        }
        Ok(Node {
            value: s.value,
            span,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("number too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_types() {
        let text = "a: 1\nb: \"x\"\nc:\n  - yes\n  - 1.2.0\nd: 111122223333\na: 2\ne:\nf: 1.5\n";
        let n = parse(text).unwrap();
        let Value::Map(m) = &n.value else {
            panic!("{n:?}")
        };
        for (k, v) in m {
            eprintln!(
                "{:?} @{:?} `{}` => {:?} @{:?} `{}`",
                k.value,
                k.span,
                &text[k.span.offset..k.span.offset + k.span.len],
                v.value,
                v.span,
                &text[v.span.offset..(v.span.offset + v.span.len).min(text.len())]
            );
        }
        assert_eq!(m.len(), 7);
        assert_eq!(m[0].0.span, Span { offset: 0, len: 1 });
        assert_eq!(m[4].0.span.offset, text.find("a: 2").unwrap());
        assert_eq!(m[3].1.value, Value::Int(111122223333));
        assert_eq!(m[1].1.value, Value::Str("x".into()));
    }

    #[test]
    fn unknown_tags_are_errors_at_the_tagged_value() {
        for (text, tag, at) in [
            ("a: !Ref x\n", "!Ref", "x"),
            ("a: !!binary aGVsbG8=\n", "!!binary", "aGVsbG8="),
            ("a:\n  - ok\n  - !custom y\n", "!custom", "y"),
            ("a: !custom\n  b: 1\n", "!custom", "b"),
            ("a: !!set {x}\n", "!!set", "{x}"),
            ("a: !!timestamp 2001-01-01\n", "!!timestamp", "2001-01-01"),
            ("!!binary aGVsbG8=\n", "!!binary", "aGVsbG8="),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.message, format!("unknown YAML tag `{tag}`"), "{text:?}");
            assert!(e.help.contains(&format!("remove `{tag}`")), "{}", e.help);
            let span = e.span.unwrap();
            assert_eq!(span.offset, text.find(at).unwrap(), "{text:?} {span:?}");
        }
    }

    #[test]
    fn core_schema_tags_keep_their_meaning() {
        let n = parse("a: !!str 1\nb: !!int 2\nc: ! x\nd: !!seq [1]\n").unwrap();
        let Value::Map(m) = &n.value else {
            panic!("{n:?}")
        };
        assert_eq!(m[0].1.value, Value::Str("1".into()));
        assert_eq!(m[1].1.value, Value::Int(2));
        assert_eq!(m[2].1.value, Value::Str("x".into()));
        assert!(matches!(m[3].1.value, Value::Seq(_)));
    }

    #[test]
    fn syntax_error_has_location() {
        for t in [
            "a: [1, 2\n",
            "a: b: c\n",
            "a:\n\t- x\n",
            "- a\nb: 1\n",
            "a: *x\n",
        ] {
            let e = parse(t).unwrap_err();
            eprintln!("{t:?} -> {e:?}");
            assert!(e.span.is_some());
        }
    }
}
