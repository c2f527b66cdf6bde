//! The one wildcard engine: IAM's `*` (any run of characters, possibly
//! empty, `/` and `:` included) and `?` (exactly one character).
//!
//! Three questions, each answered once here:
//! - does a pattern match a string ([`matches`]): linear
//!   time, one backtrack point, never allocates;
//! - is there a string two patterns both match ([`overlaps`]): a walk of the
//!   product of the two patterns' automata;
//! - does pattern `g` match every string pattern `r` matches ([`includes`]):
//!   exact, with `r`'s automaton times `g`'s determinised automaton over the
//!   symbols the patterns name plus one "other" symbol.
//!
//! A pattern is anything that lists [`Position`]s: the characters of a
//! `&str`, the tokens of an [`crate::iam::pattern::Pattern`] (with policy
//! variables), or the ARN-fitting classes of [`crate::iam::arn`].

use std::collections::{BTreeSet, HashSet, VecDeque};

/// How literal characters compare when matching a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// Exactly (ARNs, resource patterns).
    Sensitive,
    /// ASCII letters equal whatever their case, on both sides (action names
    /// and condition-key names against unprepared patterns).
    AsciiInsensitive,
    /// The text's character, lower-cased (Unicode), equals the pattern's;
    /// the pattern must be lower-cased already.
    Lowered,
}

/// What one position of a pattern reads, for matching a concrete string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Any run of characters, possibly empty.
    Star,
    /// Any one character.
    One,
    /// Exactly this character (up to [`Case`]).
    Char(char),
    /// No character (an unresolved policy variable).
    Never,
}

/// A pattern as a sequence of [`Unit`]s addressed by an index.
pub trait Units {
    /// The unit at `i` and the index of the next one; `None` past the end.
    fn unit_at(&self, i: usize) -> Option<(Unit, usize)>;
}

impl Units for str {
    #[inline]
    fn unit_at(&self, i: usize) -> Option<(Unit, usize)> {
        let (c, len) = char_at(self, i)?;
        let u = match c {
            '*' => Unit::Star,
            '?' => Unit::One,
            c => Unit::Char(c),
        };
        Some((u, i + len))
    }
}

/// The character at byte `i` of `s` and its length in bytes (ASCII fast path).
#[inline]
fn char_at(s: &str, i: usize) -> Option<(char, usize)> {
    let b = *s.as_bytes().get(i)?;
    if b.is_ascii() {
        return Some((char::from(b), 1));
    }
    let c = s.get(i..)?.chars().next()?;
    Some((c, c.len_utf8()))
}

#[inline]
fn char_eq(p: char, c: char, case: Case) -> bool {
    p == c
        || match case {
            Case::Sensitive => false,
            Case::AsciiInsensitive => p.eq_ignore_ascii_case(&c),
            Case::Lowered if c.is_ascii() => p == c.to_ascii_lowercase(),
            Case::Lowered => c.to_lowercase().eq(std::iter::once(p)),
        }
}

/// Does `pattern` match all of `text`? Greedy matching with one backtrack
/// point (the last `*`), so hostile patterns stay linear; `?` is one
/// character, not one byte. Never allocates.
pub fn matches<P: Units + ?Sized>(pattern: &P, text: &str, case: Case) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    // (index after the last `*`, text position that `*` has reached)
    let mut back: Option<(usize, usize)> = None;
    while let Some((c, clen)) = char_at(text, ti) {
        if let Some((u, next)) = pattern.unit_at(pi) {
            match u {
                Unit::Star => {
                    back = Some((next, ti));
                    pi = next;
                    continue;
                }
                Unit::One => {
                    pi = next;
                    ti += clen;
                    continue;
                }
                Unit::Char(p) if char_eq(p, c, case) => {
                    pi = next;
                    ti += clen;
                    continue;
                }
                _ => {}
            }
        }
        match back {
            Some((bp, bt)) => {
                let step = char_at(text, bt).map_or(1, |(_, l)| l);
                back = Some((bp, bt + step));
                pi = bp;
                ti = bt + step;
            }
            None => return false,
        }
    }
    while let Some((u, next)) = pattern.unit_at(pi) {
        if u != Unit::Star {
            return false;
        }
        pi = next;
    }
    true
}

/// Matches `text` against `pattern` ignoring ASCII case: the catalogue's
/// action and condition-key scans. Never allocates.
pub fn glob_match_ci(pattern: &str, text: &str) -> bool {
    matches(pattern, text, Case::AsciiInsensitive)
}

/// Does `s` contain `*` or `?`?
pub fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

// ---------------------------------------------------------------------------
// Pattern against pattern.

/// One position of a pattern, for comparing two patterns.
pub trait Position {
    /// A symbol a position can name (a character, a policy variable).
    type Sym: Ord + Clone + std::hash::Hash;
    /// Does the position read any run of symbols, possibly empty?
    fn is_star(&self) -> bool;
    /// Is there one symbol that both `self` and `other` read (each read as one symbol)?
    fn meets(&self, other: &Self) -> bool;
    /// The symbol the position names, if it names one.
    fn named(&self) -> Option<Self::Sym>;
    /// Does the (non-star) position read `sym`? `None` stands for a symbol
    /// that no position of either pattern names.
    fn reads(&self, sym: Option<&Self::Sym>) -> bool;
}

/// Is there a string both patterns match? Walks the product of the two
/// patterns' automata: at most (len a + 1) * (len b + 1) states.
pub fn overlaps<T: Position>(a: &[T], b: &[T]) -> bool {
    let width = b.len() + 1;
    let mut seen = vec![false; (a.len() + 1) * width];
    let mut todo = vec![(0usize, 0usize)];
    while let Some((i, j)) = todo.pop() {
        match seen.get_mut(i * width + j) {
            Some(s) if !*s => *s = true,
            _ => continue,
        }
        if i == a.len() && j == b.len() {
            return true;
        }
        let (ta, tb) = (a.get(i), b.get(j));
        // A star may read nothing.
        if ta.is_some_and(T::is_star) {
            todo.push((i + 1, j));
        }
        if tb.is_some_and(T::is_star) {
            todo.push((i, j + 1));
        }
        // Both read the same next symbol.
        if let (Some(x), Some(y)) = (ta, tb) {
            let ni = if x.is_star() { i } else { i + 1 };
            let nj = if y.is_star() { j } else { j + 1 };
            if x.meets(y) && (ni, nj) != (i, j) {
                todo.push((ni, nj));
            }
        }
    }
    false
}

/// Upper bound on explored automaton states before [`includes`] gives up.
/// Real policy patterns stay far below it.
const STATE_LIMIT: usize = 200_000;

/// Positions reachable from `states` by skipping stars.
fn closure<T: Position>(toks: &[T], states: &mut Vec<usize>) {
    let mut i = 0;
    while let Some(&s) = states.get(i) {
        if toks.get(s).is_some_and(T::is_star) && !states.contains(&(s + 1)) {
            states.push(s + 1);
        }
        i += 1;
    }
    states.sort_unstable();
    states.dedup();
}

fn step<T: Position>(toks: &[T], states: &[usize], sym: Option<&T::Sym>) -> Vec<usize> {
    let mut next = Vec::new();
    for &s in states {
        let Some(t) = toks.get(s) else { continue };
        if t.is_star() {
            next.push(s);
        } else if t.reads(sym) {
            next.push(s + 1);
        }
    }
    closure(toks, &mut next);
    next
}

/// Does `g` match every string that `r` matches? `None` when the
/// comparison grew too large to decide (callers take that as "no").
pub fn includes<T: Position>(g: &[T], r: &[T]) -> Option<bool> {
    let mut set = BTreeSet::new();
    set.extend(g.iter().chain(r.iter()).filter_map(T::named));
    let sigma: Vec<Option<T::Sym>> = set.into_iter().map(Some).chain([None]).collect();
    let mut start_r = vec![0usize];
    closure(r, &mut start_r);
    let mut start_g = vec![0usize];
    closure(g, &mut start_g);
    let mut seen: HashSet<(usize, Vec<usize>)> = HashSet::new();
    let mut queue = VecDeque::new();
    for s in start_r {
        if seen.insert((s, start_g.clone())) {
            queue.push_back((s, start_g.clone()));
        }
    }
    while let Some((rs, gs)) = queue.pop_front() {
        if rs == r.len() && !gs.contains(&g.len()) {
            return Some(false);
        }
        if seen.len() > STATE_LIMIT {
            return None;
        }
        for sym in &sigma {
            let rn = step(r, &[rs], sym.as_ref());
            if rn.is_empty() {
                continue;
            }
            let gn = step(g, &gs, sym.as_ref());
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain text patterns as positions, to test the comparisons.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum P {
        C(char),
        One,
        Star,
    }

    impl Position for P {
        type Sym = char;
        fn is_star(&self) -> bool {
            *self == P::Star
        }
        fn meets(&self, other: &Self) -> bool {
            match (self, other) {
                (P::C(a), P::C(b)) => a == b,
                _ => true,
            }
        }
        fn named(&self) -> Option<char> {
            match self {
                P::C(c) => Some(*c),
                _ => None,
            }
        }
        fn reads(&self, sym: Option<&char>) -> bool {
            match self {
                P::C(c) => sym == Some(c),
                _ => true,
            }
        }
    }

    fn p(s: &str) -> Vec<P> {
        s.chars()
            .map(|c| match c {
                '*' => P::Star,
                '?' => P::One,
                c => P::C(c),
            })
            .collect()
    }

    #[test]
    fn ascii_case_insensitive() {
        assert!(glob_match_ci("Describe*", "describecontactflow"));
        assert!(glob_match_ci("*flow", "DescribeContactFlow"));
        assert!(glob_match_ci("d?scribe*", "Describe"));
        assert!(!glob_match_ci("d?scribe?", "Describe"));
        assert!(glob_match_ci("*", ""));
        assert!(!glob_match_ci("", "a"));
        assert!(glob_match_ci("a*b*c", "aXbYbZc"));
        assert!(!glob_match_ci("a*b*c", "aXbYbZ"));
        assert!(glob_match_ci("?", "é"));
        assert!(!glob_match_ci("É", "é"));
    }

    #[test]
    fn star_spans_slashes_and_colons() {
        assert!(matches("a*", "a/b:c", Case::Sensitive));
        assert!(matches("*/x", "p/q/x", Case::Sensitive));
        assert!(!matches("a?c", "a/bc", Case::Sensitive));
        assert!(matches("a?c", "a/c", Case::Sensitive));
    }

    #[test]
    fn case_modes() {
        assert!(!matches("abc", "ABC", Case::Sensitive));
        assert!(matches("ABC", "abc", Case::AsciiInsensitive));
        assert!(matches("abc", "ABC", Case::Lowered));
        // `Lowered` expects a lower-cased pattern.
        assert!(!matches("ABC", "abc", Case::Lowered));
        assert!(matches("é*", "ÉCOLE", Case::Lowered));
        assert!(!matches("é*", "ÉCOLE", Case::AsciiInsensitive));
    }

    #[test]
    fn comparisons() {
        assert!(overlaps(&p("a*"), &p("*b")));
        assert!(!overlaps(&p("a?"), &p("abc")));
        assert!(overlaps(&p(""), &p("*")));
        assert_eq!(includes(&p("*?"), &p("?*")), Some(true));
        assert_eq!(includes(&p("?*"), &p("*")), Some(false));
        assert_eq!(includes(&p("a*"), &p("ab?")), Some(true));
        assert_eq!(includes(&p("ab?"), &p("a*")), Some(false));
        assert_eq!(includes(&p("a*b*"), &p("a*b*b")), Some(true));
    }
}
