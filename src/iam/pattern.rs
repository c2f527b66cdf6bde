//! IAM policy patterns: the text of an `Action`, `Resource` or
//! `StringLike`/`ArnLike` value, tokenised once into literal characters,
//! wildcards (`*`, `?`) and policy variables (`${aws:username}`,
//! `${aws:username, 'default'}`).
//!
//! Matching and comparing patterns is [`super::wildcard`]'s job; this module
//! only knows the syntax: which `${...}` is a variable, which is an escape
//! (`${*}`, `${?}`, `${$}`), and how variables are resolved or widened. A
//! policy variable is one opaque symbol when patterns are compared: only a
//! `*` or the same variable stands for it.

use std::borrow::Cow;

use super::sub;
use super::wildcard::{self, Case, Position, Unit, Units};

/// One token of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tok {
    /// A literal character.
    Char(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `${name}` or `${name, 'default'}` (boxed: the other tokens, one per
    /// character, stay small).
    Var(Box<Var>),
}

/// A policy variable of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Var {
    /// Lower-cased context key (keys are case-insensitive).
    pub name: String,
    /// Value used when the key is absent.
    pub default: Option<String>,
}

/// A symbol patterns are compared over: a character or a variable name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sym {
    /// A literal character.
    Char(char),
    /// A policy variable (lower-cased name).
    Var(String),
}

impl Units for [Tok] {
    #[inline]
    fn unit_at(&self, i: usize) -> Option<(Unit, usize)> {
        let u = match self.get(i)? {
            Tok::Char(c) => Unit::Char(*c),
            Tok::One => Unit::One,
            Tok::Star => Unit::Star,
            // A variable never matches text: resolve it first.
            Tok::Var(_) => Unit::Never,
        };
        Some((u, i + 1))
    }
}

impl Position for Tok {
    type Sym = Sym;
    fn is_star(&self) -> bool {
        *self == Tok::Star
    }
    fn meets(&self, other: &Self) -> bool {
        match (self, other) {
            (Tok::Star, _) | (_, Tok::Star) => true,
            (Tok::Char(a), Tok::Char(b)) => a == b,
            (Tok::Var(a), Tok::Var(b)) => a.name == b.name,
            (Tok::Var(_), _) | (_, Tok::Var(_)) => false,
            _ => true,
        }
    }
    fn named(&self) -> Option<Sym> {
        match self {
            Tok::Char(c) => Some(Sym::Char(*c)),
            Tok::Var(v) => Some(Sym::Var(v.name.clone())),
            Tok::One | Tok::Star => None,
        }
    }
    fn reads(&self, sym: Option<&Sym>) -> bool {
        match (self, sym) {
            (Tok::Star, _) => true,
            (Tok::One, Some(Sym::Char(_)) | None) => true,
            (Tok::Char(c), Some(Sym::Char(d))) => c == d,
            (Tok::Var(var), Some(Sym::Var(v))) => var.name == *v,
            _ => false,
        }
    }
}

/// A tokenised pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    toks: Vec<Tok>,
    /// Cached: some token is a [`Tok::Var`].
    has_vars: bool,
}

impl Pattern {
    pub(crate) fn from_toks(toks: Vec<Tok>) -> Pattern {
        let has_vars = toks.iter().any(|t| matches!(t, Tok::Var(_)));
        Pattern { toks, has_vars }
    }

    /// Tokenises `text`. With `variables` false (policy `Version` 2008 or
    /// absent), `${...}` is literal text, as AWS treats it.
    pub fn new(text: &str, variables: bool) -> Pattern {
        let mut toks = Vec::with_capacity(text.len());
        let push_text = |toks: &mut Vec<Tok>, s: &str| {
            toks.extend(s.chars().map(|c| match c {
                '*' => Tok::Star,
                '?' => Tok::One,
                c => Tok::Char(c),
            }));
        };
        if !variables {
            push_text(&mut toks, text);
            return Pattern::from_toks(toks);
        }
        for piece in sub::pieces(text) {
            let Some(inner) = piece.inner() else {
                // Text, or a `${` without `}`: literal characters and wildcards.
                push_text(&mut toks, piece.raw);
                continue;
            };
            match inner {
                "*" => toks.push(Tok::Char('*')),
                "?" => toks.push(Tok::Char('?')),
                "$" => toks.push(Tok::Char('$')),
                _ => {
                    let (name, default) = split_default(inner);
                    toks.push(Tok::Var(Box::new(Var {
                        name: name.to_ascii_lowercase(),
                        default,
                    })));
                }
            }
        }
        Pattern::from_toks(toks)
    }

    /// A pattern of literal text only (no wildcards, no variables).
    pub fn literal(text: &str) -> Pattern {
        Pattern::from_toks(text.chars().map(Tok::Char).collect())
    }

    /// The pattern with every literal lower-cased (for case-insensitive use).
    pub fn lowercased(&self) -> Pattern {
        Pattern::from_toks(
            self.toks
                .iter()
                .map(|t| match t {
                    Tok::Char(c) => Tok::Char(c.to_lowercase().next().unwrap_or(*c)),
                    other => other.clone(),
                })
                .collect(),
        )
    }

    /// The text of a pattern without wildcards or variables.
    pub(crate) fn literal_text(&self) -> Option<String> {
        self.toks
            .iter()
            .map(|t| match t {
                Tok::Char(c) => Some(*c),
                _ => None,
            })
            .collect()
    }

    /// The tokens.
    pub fn toks(&self) -> &[Tok] {
        &self.toks
    }

    /// True when the pattern is only `*`s (matches everything).
    pub fn is_any(&self) -> bool {
        !self.toks.is_empty() && self.toks.iter().all(|t| *t == Tok::Star)
    }

    /// True when the pattern holds a policy variable.
    pub fn has_variables(&self) -> bool {
        self.has_vars
    }

    /// Names of the policy variables in the pattern.
    pub fn variables(&self) -> Vec<String> {
        self.toks
            .iter()
            .filter_map(|t| match t {
                Tok::Var(v) => Some(v.name.clone()),
                _ => None,
            })
            .collect()
    }

    /// True when the pattern starts with the literal `arn:`.
    pub fn is_arn(&self) -> bool {
        self.toks.get(..4)
            == Some(&[
                Tok::Char('a'),
                Tok::Char('r'),
                Tok::Char('n'),
                Tok::Char(':'),
            ])
    }

    /// Replaces variables with their values from `lookup` (literal text: a
    /// `*` in a value is not a wildcard). `None` when a variable has neither a
    /// value nor a default: AWS then lets the pattern match nothing.
    pub fn resolve<'a>(
        &self,
        lookup: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<Cow<'_, Pattern>> {
        if !self.has_vars {
            return Some(Cow::Borrowed(self));
        }
        let mut toks = Vec::with_capacity(self.toks.len());
        for t in &self.toks {
            match t {
                Tok::Var(var) => {
                    let v = lookup(&var.name).or(var.default.as_deref())?;
                    toks.extend(v.chars().map(Tok::Char));
                }
                other => toks.push(other.clone()),
            }
        }
        Some(Cow::Owned(Pattern::from_toks(toks)))
    }

    /// Variables replaced by `*` (what the pattern could match for some value).
    pub fn widened(&self) -> Pattern {
        Pattern::from_toks(
            self.toks
                .iter()
                .map(|t| match t {
                    Tok::Var(_) => Tok::Star,
                    other => other.clone(),
                })
                .collect(),
        )
    }

    /// Glob match of a concrete string (variables in the pattern never match:
    /// resolve them first). Never allocates.
    pub fn matches(&self, s: &str) -> bool {
        wildcard::matches(self.toks.as_slice(), s, Case::Sensitive)
    }

    /// Glob match ignoring ASCII/Unicode case (the pattern should be lower-cased).
    pub fn matches_ignore_case(&self, s: &str) -> bool {
        wildcard::matches(self.toks.as_slice(), s, Case::Lowered)
    }

    /// Splits at `:` into at most `n` parts (the last keeps its colons); a
    /// variable's name never splits.
    pub fn split_colons(&self, n: usize) -> Vec<Pattern> {
        let mut parts = vec![Vec::new()];
        for t in &self.toks {
            if *t == Tok::Char(':') && parts.len() < n {
                parts.push(Vec::new());
            } else if let Some(last) = parts.last_mut() {
                last.push(t.clone());
            }
        }
        parts.into_iter().map(Pattern::from_toks).collect()
    }

    /// Joins parts with `:`.
    pub(crate) fn join_colons(parts: &[Pattern]) -> Pattern {
        let mut toks = Vec::new();
        for (i, p) in parts.iter().enumerate() {
            if i > 0 {
                toks.push(Tok::Char(':'));
            }
            toks.extend(p.toks.iter().cloned());
        }
        Pattern::from_toks(toks)
    }
}

fn split_default(inner: &str) -> (String, Option<String>) {
    if let Some((name, rest)) = inner.split_once(',')
        && let Some(default) = rest
            .trim()
            .strip_prefix('\'')
            .and_then(|r| r.strip_suffix('\''))
    {
        return (name.trim().to_string(), Some(default.to_string()));
    }
    (inner.trim().to_string(), None)
}

/// Every string matched by `r` is matched by `g` (whole strings, no ARN
/// parts). `None` when the comparison was too large to decide.
pub fn glob_includes(g: &Pattern, r: &Pattern) -> Option<bool> {
    if g.is_any() || g == r {
        return Some(true);
    }
    // Fast paths for the common shapes (a concrete side): no automaton.
    if let Some(text) = r.literal_text() {
        return Some(wildcard::matches(g.toks(), &text, Case::Sensitive));
    }
    if g.literal_text().is_some() {
        // A literal covers only itself; `r` has a wildcard or a variable.
        return Some(false);
    }
    wildcard::includes(g.toks(), r.toks())
}

/// Some string is matched by both `a` and `b` (variables count as opaque
/// symbols; widen them first to ask "for some value").
pub fn glob_overlaps(a: &Pattern, b: &Pattern) -> bool {
    if let Some(text) = a.literal_text() {
        return wildcard::matches(b.toks(), &text, Case::Sensitive);
    }
    if let Some(text) = b.literal_text() {
        return wildcard::matches(a.toks(), &text, Case::Sensitive);
    }
    wildcard::overlaps(a.toks(), b.toks())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Pattern {
        Pattern::new(s, true)
    }

    #[test]
    fn glob_basics() {
        assert!(p("a*c").matches("abbc"));
        assert!(p("a?c").matches("abc"));
        assert!(!p("a?c").matches("ac"));
        assert!(p("*").matches(""));
        assert!(!p("abc").matches("abcd"));
        assert!(p("s3:get*").matches_ignore_case("S3:GetObject"));
    }

    #[test]
    fn inclusion_handles_star_question_order() {
        assert_eq!(glob_includes(&p("*?"), &p("?*")), Some(true));
        assert_eq!(glob_includes(&p("?*"), &p("*?")), Some(true));
        assert_eq!(glob_includes(&p("?*"), &p("*")), Some(false));
        assert_eq!(glob_includes(&p("a*"), &p("ab?")), Some(true));
        assert_eq!(glob_includes(&p("ab?"), &p("a*")), Some(false));
    }

    #[test]
    fn variables_and_escapes() {
        let v = p("b/${aws:UserName}/${*}${x, 'd'}");
        assert_eq!(v.variables(), ["aws:username", "x"]);
        assert!(v.has_variables());
        let r = v.resolve(|_| None);
        assert_eq!(r.map(|r| r.into_owned()), None);
        let r = p("a/${x, 'd'}").resolve(|_| None).map(Cow::into_owned);
        assert_eq!(r, Some(Pattern::literal("a/d")));
        assert!(p("${*}").matches("*"));
        assert!(!p("${*}").matches("a"));
        // Variables off: `${...}` is text.
        assert!(Pattern::new("${x}", false).matches("${x}"));
        // Unterminated: text, wildcards still wildcards.
        assert!(p("${a*").matches("${abc"));
    }

    #[test]
    fn variables_are_opaque_symbols() {
        let r = p("bucket/${aws:username}/x");
        assert_eq!(glob_includes(&p("bucket/*"), &r), Some(true));
        assert_eq!(glob_includes(&p("bucket/?/x"), &r), Some(false));
        assert!(glob_overlaps(&p("bucket/${aws:username}/*"), &r));
        assert!(!glob_overlaps(&p("bucket/?/x"), &r));
    }
}
