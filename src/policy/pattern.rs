//! Wildcard patterns (`*`, `?`) and policy variables (`${aws:username}`), as
//! used in `Action`, `Resource` and `StringLike`/`ArnLike` values.
//!
//! A pattern is tokenised once; matching a concrete string and comparing two
//! patterns (inclusion, overlap) work on the same tokens, so the evaluator and
//! the coverage checks cannot disagree about what a pattern means.
//!
//! Inclusion ("every string matched by `r` is matched by `g`") is decided
//! exactly, with a product of `r`'s automaton and `g`'s determinised
//! automaton over the symbols the two patterns mention plus one "other"
//! symbol. A policy variable is one opaque symbol: only a `*` or the same
//! variable stands for it.

use std::collections::{BTreeSet, HashSet, VecDeque};

/// One token of a pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tok {
    /// A literal character.
    Char(char),
    /// `?`: exactly one character.
    One,
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `${name}` or `${name, 'default'}`; `name` is lower-cased (keys are
    /// case-insensitive).
    Var {
        /// Lower-cased context key.
        name: String,
        /// Value used when the key is absent.
        default: Option<String>,
    },
}

/// A tokenised pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pattern {
    toks: Vec<Tok>,
    /// Cached: some token is a [`Tok::Var`].
    has_vars: bool,
}

/// Upper bound on explored automaton states before inclusion gives up
/// (answering "not covered", the safe answer). Real policy patterns stay far
/// below it.
const STATE_LIMIT: usize = 200_000;

impl Pattern {
    fn from_toks(toks: Vec<Tok>) -> Pattern {
        let has_vars = toks.iter().any(|t| matches!(t, Tok::Var { .. }));
        Pattern { toks, has_vars }
    }

    /// Tokenises `text`. With `variables` false (policy `Version` 2008 or
    /// absent), `${...}` is literal text, as AWS treats it.
    #[expect(clippy::indexing_slicing, reason = "i < len, and `{` at i + 1")]
    pub fn new(text: &str, variables: bool) -> Pattern {
        let mut toks = Vec::with_capacity(text.len());
        let chars: Vec<char> = text.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c == '*' {
                toks.push(Tok::Star);
            } else if c == '?' {
                toks.push(Tok::One);
            } else if variables
                && c == '$'
                && chars.get(i + 1) == Some(&'{')
                && let Some(end) = chars[i + 2..].iter().position(|&c| c == '}')
            {
                let inner: String = chars[i + 2..i + 2 + end].iter().collect();
                i += end + 3;
                match inner.as_str() {
                    "*" => toks.push(Tok::Char('*')),
                    "?" => toks.push(Tok::Char('?')),
                    "$" => toks.push(Tok::Char('$')),
                    _ => {
                        let (name, default) = split_default(&inner);
                        toks.push(Tok::Var {
                            name: name.to_ascii_lowercase(),
                            default,
                        });
                    }
                }
                continue;
            } else {
                toks.push(Tok::Char(c));
            }
            i += 1;
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

    /// The characters of a pattern without wildcards or variables.
    fn literal_chars(&self) -> Option<Vec<char>> {
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
                Tok::Var { name, .. } => Some(name.clone()),
                _ => None,
            })
            .collect()
    }

    /// True when the pattern starts with the literal `arn:`.
    #[expect(clippy::indexing_slicing, reason = "len() >= 4 is checked first")]
    pub fn is_arn(&self) -> bool {
        self.toks.len() >= 4
            && self.toks[..4]
                == [
                    Tok::Char('a'),
                    Tok::Char('r'),
                    Tok::Char('n'),
                    Tok::Char(':'),
                ]
    }

    /// Replaces variables with their values from `lookup` (literal text: a
    /// `*` in a value is not a wildcard). `None` when a variable has neither a
    /// value nor a default: AWS then lets the pattern match nothing.
    pub fn resolve<'a>(
        &self,
        lookup: impl Fn(&str) -> Option<&'a str>,
    ) -> Option<std::borrow::Cow<'_, Pattern>> {
        if !self.has_vars {
            return Some(std::borrow::Cow::Borrowed(self));
        }
        let mut toks = Vec::with_capacity(self.toks.len());
        for t in &self.toks {
            match t {
                Tok::Var { name, default } => {
                    let v = lookup(name).or(default.as_deref())?;
                    toks.extend(v.chars().map(Tok::Char));
                }
                other => toks.push(other.clone()),
            }
        }
        Some(std::borrow::Cow::Owned(Pattern::from_toks(toks)))
    }

    /// Variables replaced by `*` (what the pattern could match for some value).
    pub fn widened(&self) -> Pattern {
        Pattern::from_toks(
            self.toks
                .iter()
                .map(|t| match t {
                    Tok::Var { .. } => Tok::Star,
                    other => other.clone(),
                })
                .collect(),
        )
    }

    /// Glob match of a concrete string (variables in the pattern never match:
    /// resolve them first).
    pub fn matches(&self, s: &str) -> bool {
        glob_match(&self.toks, s, false)
    }

    /// Glob match ignoring ASCII/Unicode case (the pattern should be lower-cased).
    pub fn matches_ignore_case(&self, s: &str) -> bool {
        glob_match(&self.toks, s, true)
    }

    /// Splits at `:` into at most `n` parts (the last keeps its colons).
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
    fn join_colons(parts: &[Pattern]) -> Pattern {
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
    if let Some((name, rest)) = inner.split_once(',') {
        let rest = rest.trim();
        if rest.len() >= 2 && rest.starts_with('\'') && rest.ends_with('\'') {
            return (
                name.trim().to_string(),
                Some(rest[1..rest.len() - 1].to_string()),
            );
        }
    }
    (inner.trim().to_string(), None)
}

fn char_eq(p: char, c: char, ignore_case: bool) -> bool {
    p == c || (ignore_case && c.to_lowercase().eq(std::iter::once(p)))
}

/// Linear-time glob matching with single-star backtracking. ASCII input
/// (the usual case for ARNs and actions) is matched on bytes, without
/// allocating.
fn glob_match(toks: &[Tok], s: &str, ignore_case: bool) -> bool {
    if s.is_ascii() {
        glob_units(toks, s.as_bytes(), |p, b| {
            let c = b as char;
            p == c || (ignore_case && p == c.to_ascii_lowercase())
        })
    } else {
        let chars: Vec<char> = s.chars().collect();
        glob_units(toks, &chars, |p, c| char_eq(p, c, ignore_case))
    }
}

#[expect(clippy::indexing_slicing, reason = "c < units.len() by the loop")]
fn glob_units<T: Copy>(toks: &[Tok], units: &[T], eq: impl Fn(char, T) -> bool) -> bool {
    let (mut p, mut c) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while c < units.len() {
        match toks.get(p) {
            Some(Tok::Star) => {
                star = Some((p, c));
                p += 1;
                continue;
            }
            Some(Tok::One) => {
                p += 1;
                c += 1;
                continue;
            }
            Some(Tok::Char(pc)) if eq(*pc, units[c]) => {
                p += 1;
                c += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, sc)) => {
                p = sp + 1;
                c = sc + 1;
                star = Some((sp, sc + 1));
            }
            None => return false,
        }
    }
    toks[p.min(toks.len())..].iter().all(|t| *t == Tok::Star)
}

// ---------------------------------------------------------------------------
// Pattern against pattern.

/// A symbol of the finite alphabet used to compare two patterns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Sym {
    Char(char),
    Var(String),
    /// Any character that neither pattern names.
    Other,
}

fn alphabet(a: &Pattern, b: &Pattern) -> Vec<Sym> {
    let mut set = BTreeSet::new();
    for t in a.toks.iter().chain(b.toks.iter()) {
        match t {
            Tok::Char(c) => {
                set.insert(Sym::Char(*c));
            }
            Tok::Var { name, .. } => {
                set.insert(Sym::Var(name.clone()));
            }
            _ => {}
        }
    }
    set.insert(Sym::Other);
    set.into_iter().collect()
}

/// Positions reachable from `states` by skipping `*`s, plus the end flag.
#[expect(clippy::indexing_slicing, reason = "i < states.len() by the loop")]
fn closure(toks: &[Tok], states: &mut Vec<usize>) {
    let mut i = 0;
    while i < states.len() {
        let s = states[i];
        if toks.get(s) == Some(&Tok::Star) && !states.contains(&(s + 1)) {
            states.push(s + 1);
        }
        i += 1;
    }
    states.sort_unstable();
    states.dedup();
}

fn step(toks: &[Tok], states: &[usize], sym: &Sym) -> Vec<usize> {
    let mut next = Vec::new();
    for &s in states {
        let Some(t) = toks.get(s) else { continue };
        let ok = match (t, sym) {
            (Tok::Star, _) => {
                next.push(s);
                continue;
            }
            (Tok::One, Sym::Char(_) | Sym::Other) => true,
            (Tok::One, Sym::Var(_)) => false,
            (Tok::Char(c), Sym::Char(d)) => c == d,
            (Tok::Var { name, .. }, Sym::Var(v)) => name == v,
            _ => false,
        };
        if ok {
            next.push(s + 1);
        }
    }
    closure(toks, &mut next);
    next
}

/// Every string matched by `r` is matched by `g` (whole strings, no ARN
/// segments). `None` when the comparison was too large to decide.
pub fn glob_includes(g: &Pattern, r: &Pattern) -> Option<bool> {
    if g.is_any() || g == r {
        return Some(true);
    }
    // Fast paths for the common shapes (a concrete side): no automaton.
    if let Some(text) = r.literal_chars() {
        return Some(glob_units(&g.toks, &text, |p, c| p == c));
    }
    if g.literal_chars().is_some() {
        // A literal covers only itself; `r` has a wildcard or a variable.
        return Some(false);
    }
    let sigma = alphabet(g, r);
    let mut start_r = vec![0usize];
    closure(&r.toks, &mut start_r);
    let mut start_g = vec![0usize];
    closure(&g.toks, &mut start_g);
    let mut seen: HashSet<(usize, Vec<usize>)> = HashSet::new();
    let mut queue = VecDeque::new();
    for s in start_r {
        if seen.insert((s, start_g.clone())) {
            queue.push_back((s, start_g.clone()));
        }
    }
    while let Some((rs, gs)) = queue.pop_front() {
        if rs == r.toks.len() && !gs.contains(&g.toks.len()) {
            return Some(false);
        }
        if seen.len() > STATE_LIMIT {
            return None;
        }
        for sym in &sigma {
            let rn = step(&r.toks, &[rs], sym);
            if rn.is_empty() {
                continue;
            }
            let gn = step(&g.toks, &gs, sym);
            for s in rn {
                let key = (s, gn.clone());
                if !seen.contains(&key) {
                    seen.insert(key.clone());
                    queue.push_back(key);
                }
            }
        }
    }
    Some(true)
}

/// Some string is matched by both `a` and `b` (variables count as opaque
/// symbols; widen them first to ask "for some value").
pub fn glob_overlaps(a: &Pattern, b: &Pattern) -> bool {
    if let Some(text) = a.literal_chars() {
        return glob_units(&b.toks, &text, |p, c| p == c);
    }
    if let Some(text) = b.literal_chars() {
        return glob_units(&a.toks, &text, |p, c| p == c);
    }
    let sigma = alphabet(a, b);
    let mut sa = vec![0usize];
    closure(&a.toks, &mut sa);
    let mut sb = vec![0usize];
    closure(&b.toks, &mut sb);
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    let mut queue = VecDeque::new();
    for &x in &sa {
        for &y in &sb {
            if seen.insert((x, y)) {
                queue.push_back((x, y));
            }
        }
    }
    while let Some((x, y)) = queue.pop_front() {
        if x == a.toks.len() && y == b.toks.len() {
            return true;
        }
        for sym in &sigma {
            let xn = step(&a.toks, &[x], sym);
            if xn.is_empty() {
                continue;
            }
            let yn = step(&b.toks, &[y], sym);
            for &x2 in &xn {
                for &y2 in &yn {
                    if seen.insert((x2, y2)) {
                        queue.push_back((x2, y2));
                    }
                }
            }
        }
    }
    false
}

// ---------------------------------------------------------------------------
// ARN-aware resource patterns.

/// Number of colon-separated parts of an ARN: `arn`, partition, service,
/// region, account, resource (the resource part may hold more colons).
const ARN_PARTS: usize = 6;

/// The six ARN parts of a pattern that starts with `arn:`, missing trailing
/// parts filled with `*` (AWS expands short ARNs in identity policies).
fn arn_parts(p: &Pattern) -> Vec<Pattern> {
    let mut parts = p.split_colons(ARN_PARTS);
    while parts.len() < ARN_PARTS {
        parts.push(Pattern::from_toks(vec![Tok::Star]));
    }
    parts
}

/// Matches a concrete resource against a resolved resource pattern, under
/// AWS's ARN rules: `*` alone matches everything; an ARN pattern is matched
/// part by part (a wildcard never spans the colons between partition,
/// service, region, account and resource), short ARNs padded with `*`.
#[expect(clippy::indexing_slicing, reason = "end <= rest.len() always")]
pub fn resource_matches(p: &Pattern, resource: &str) -> bool {
    if p.is_any() {
        return true;
    }
    if !p.is_arn() {
        return p.matches(resource);
    }
    // Walk the pattern's parts and the resource's parts side by side,
    // without allocating (this is the evaluator's hot path).
    let mut got = resource.splitn(ARN_PARTS, ':');
    let spelled = part_count(p.toks());
    let mut rest = p.toks();
    for part in 0..ARN_PARTS {
        let Some(g) = got.next() else {
            return false;
        };
        if part >= spelled {
            // Missing trailing parts of a short ARN pattern are `*`.
            continue;
        }
        let end = if part + 1 == ARN_PARTS {
            rest.len()
        } else {
            rest.iter()
                .position(|t| *t == Tok::Char(':'))
                .unwrap_or(rest.len())
        };
        if !glob_match(&rest[..end], g, false) {
            return false;
        }
        rest = rest.get(end + 1..).unwrap_or(&[]);
    }
    true
}

/// Number of ARN parts a pattern spells out (at most six).
fn part_count(toks: &[Tok]) -> usize {
    (toks.iter().filter(|t| **t == Tok::Char(':')).count() + 1).min(ARN_PARTS)
}

/// Every resource matched by `r` is matched by `g`, both possibly patterns
/// (see [`resource_matches`] for the rules). Undecidably large comparisons
/// answer false (not covered), the safe side.
pub fn resource_includes(g: &Pattern, r: &Pattern) -> bool {
    if g.is_any() || g == r {
        return true;
    }
    match (g.is_arn(), r.is_arn()) {
        (true, true) => arn_parts(g)
            .iter()
            .zip(arn_parts(r).iter())
            .all(|(gp, rp)| glob_includes(gp, rp).unwrap_or(false)),
        // An ARN pattern matches only ARNs; `r` may match other strings.
        (true, false) => false,
        // A segment wildcard of `r` matches less than the same wildcard read
        // over the whole string, so whole-string inclusion is sufficient.
        (false, true) => glob_includes(g, &Pattern::join_colons(&arn_parts(r))).unwrap_or(false),
        (false, false) => glob_includes(g, r).unwrap_or(false),
    }
}

/// Some resource could be matched by both patterns (variables widened to `*`:
/// "for some value of the variables").
pub fn resource_overlaps(a: &Pattern, b: &Pattern) -> bool {
    resource_overlaps_opaque(&a.widened(), &b.widened())
}

/// Some resource is matched by both patterns, variables being opaque symbols
/// (only a `*` or the same variable meets one): an overlap that holds
/// whatever the variables' values.
pub fn resource_overlaps_opaque(a: &Pattern, b: &Pattern) -> bool {
    if a.is_any() || b.is_any() {
        return true;
    }
    match (a.is_arn(), b.is_arn()) {
        (true, true) => arn_parts(a)
            .iter()
            .zip(arn_parts(b).iter())
            .all(|(x, y)| glob_overlaps(x, y)),
        (true, false) => glob_overlaps(&Pattern::join_colons(&arn_parts(a)), b),
        (false, true) => glob_overlaps(a, &Pattern::join_colons(&arn_parts(b))),
        (false, false) => glob_overlaps(a, b),
    }
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
    fn variables_are_opaque() {
        let r = p("bucket/${aws:username}/x");
        assert!(resource_includes(&p("bucket/*"), &r));
        assert!(!resource_includes(&p("bucket/alice/x"), &r));
        assert!(resource_includes(&p("bucket/${AWS:username}/*"), &r));
        assert!(!resource_includes(&p("bucket/?/x"), &r));
    }

    #[test]
    fn arn_wildcards_stay_in_their_part() {
        let g = p("arn:aws:s3:*");
        assert!(resource_matches(&g, "arn:aws:s3:eu-west-1:1:x"));
        assert!(!resource_matches(&p("arn:aws:*:x"), "arn:aws:s3:eu:1:x"));
        assert!(resource_matches(&p("arn:aws:*"), "arn:aws:s3:eu:1:x:y"));
        assert!(resource_matches(
            &p("arn:aws:s3:::b/*"),
            "arn:aws:s3:::b/k:e:y"
        ));
    }
}
