//! `Condition` operators and their evaluation against a request context.
//!
//! Semantics follow AWS's documentation of condition operators: values of
//! one key are ORed (negated operators: none may match), keys and operators
//! are ANDed; an absent key makes `...IfExists` and negated operators true
//! and the others false; `ForAnyValue` is false and `ForAllValues` true for
//! an absent key; a single-valued operator on a multi-valued key is false.

use std::net::IpAddr;

use crate::iam::arn::resource_matches;
use crate::iam::pattern::{Pattern, Tok};
use crate::iam::wildcard::{self, Case};

/// The operator family without qualifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Base {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

const BASES: &[(&str, Base)] = &[
    ("StringEquals", Base::StringEquals),
    ("StringNotEquals", Base::StringNotEquals),
    ("StringEqualsIgnoreCase", Base::StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", Base::StringNotEqualsIgnoreCase),
    ("StringLike", Base::StringLike),
    ("StringNotLike", Base::StringNotLike),
    ("NumericEquals", Base::NumericEquals),
    ("NumericNotEquals", Base::NumericNotEquals),
    ("NumericLessThan", Base::NumericLessThan),
    ("NumericLessThanEquals", Base::NumericLessThanEquals),
    ("NumericGreaterThan", Base::NumericGreaterThan),
    ("NumericGreaterThanEquals", Base::NumericGreaterThanEquals),
    ("DateEquals", Base::DateEquals),
    ("DateNotEquals", Base::DateNotEquals),
    ("DateLessThan", Base::DateLessThan),
    ("DateLessThanEquals", Base::DateLessThanEquals),
    ("DateGreaterThan", Base::DateGreaterThan),
    ("DateGreaterThanEquals", Base::DateGreaterThanEquals),
    ("Bool", Base::Bool),
    ("BinaryEquals", Base::BinaryEquals),
    ("IpAddress", Base::IpAddress),
    ("NotIpAddress", Base::NotIpAddress),
    ("ArnEquals", Base::ArnEquals),
    ("ArnLike", Base::ArnLike),
    ("ArnNotEquals", Base::ArnNotEquals),
    ("ArnNotLike", Base::ArnNotLike),
    ("Null", Base::Null),
];

impl Base {
    /// The name as written in policies.
    pub fn name(self) -> &'static str {
        BASES
            .iter()
            .find(|(_, b)| *b == self)
            .map(|(n, _)| *n)
            .unwrap_or("Null")
    }

    /// Negated operators are true when no policy value matches.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            Base::StringNotEquals
                | Base::StringNotEqualsIgnoreCase
                | Base::StringNotLike
                | Base::NumericNotEquals
                | Base::DateNotEquals
                | Base::NotIpAddress
                | Base::ArnNotEquals
                | Base::ArnNotLike
        )
    }
}

/// Set qualifier for multi-valued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SetQualifier {
    /// No qualifier: a single-valued comparison.
    Single,
    /// `ForAnyValue:`.
    ForAnyValue,
    /// `ForAllValues:`.
    ForAllValues,
}

/// A full operator: qualifier, base, `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Operator {
    /// `ForAnyValue:` / `ForAllValues:` / none.
    pub set: SetQualifier,
    /// The family.
    pub base: Base,
    /// `...IfExists`.
    pub if_exists: bool,
}

impl Operator {
    /// Parses `ForAnyValue:StringLikeIfExists` and friends (operator names
    /// are matched ignoring case). `None` for an unknown operator.
    pub fn parse(text: &str) -> Option<Operator> {
        let parts = crate::iam::operator::split(text, true);
        let set = match parts.qualifier {
            None => SetQualifier::Single,
            Some(q) if q.eq_ignore_ascii_case("ForAnyValue") => SetQualifier::ForAnyValue,
            Some(q) if q.eq_ignore_ascii_case("ForAllValues") => SetQualifier::ForAllValues,
            Some(_) => return None,
        };
        let (rest, if_exists) = (parts.base, parts.if_exists);
        let base = BASES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(rest))
            .map(|(_, b)| *b)?;
        if base == Base::Null && if_exists {
            return None;
        }
        Some(Operator {
            set,
            base,
            if_exists,
        })
    }

    /// Every operator name known (for "did you mean").
    pub fn known_names() -> impl Iterator<Item = &'static str> {
        BASES.iter().map(|(n, _)| *n)
    }
}

/// One operator + key + values of a `Condition` block.
#[derive(Debug, Clone, PartialEq)]
pub struct ConditionClause {
    /// Operator as written.
    pub operator_text: String,
    /// Parsed operator.
    pub operator: Operator,
    /// Key as written.
    pub key: String,
    /// Lower-cased key, for lookup.
    pub key_lower: String,
    /// Values as written (numbers and booleans as text).
    pub values: Vec<String>,
    /// Values as patterns (variables resolved at evaluation time).
    patterns: Vec<Pattern>,
    /// Per value: when its text is the value as written (no `${`), that
    /// text already read as the operator reads it (parsed once, not per
    /// request).
    wants: Vec<Option<Want>>,
}

/// A policy value read once as its operator compares it.
#[derive(Debug, Clone, PartialEq)]
enum Want {
    /// Compared as text (or as a pattern).
    Text,
    /// `Bool`: the value, `None` when it is neither `true` nor `false`.
    Bool(Option<bool>),
    /// `Numeric...`.
    Num(Option<f64>),
    /// `Date...` (milliseconds since the epoch).
    Date(Option<i64>),
    /// `IpAddress`/`NotIpAddress`: network and prefix length.
    Net(Option<(IpAddr, Option<u32>)>),
}

impl Want {
    fn of(base: Base, text: &str) -> Want {
        use Base::*;
        match base {
            Bool => Want::Bool(parse_bool(text)),
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => Want::Num(parse_num(text)),
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => Want::Date(parse_date(text)),
            IpAddress | NotIpAddress => Want::Net(parse_net(text)),
            _ => Want::Text,
        }
    }
}

impl ConditionClause {
    /// Builds a clause; `variables` says whether `${...}` is substituted.
    pub fn new(
        operator_text: &str,
        operator: Operator,
        key: &str,
        values: Vec<String>,
        variables: bool,
    ) -> ConditionClause {
        // A value compared as text needs no tokens unless it spells `${`
        // (`StringLike` matches the text itself with the wildcard engine).
        let as_pattern = matches!(
            operator.base,
            Base::ArnEquals | Base::ArnLike | Base::ArnNotEquals | Base::ArnNotLike
        );
        let patterns = values
            .iter()
            .map(|v| {
                if as_pattern || v.contains("${") {
                    Pattern::new(v, variables && v.contains('$'))
                } else {
                    Pattern::literal("")
                }
            })
            .collect();
        let wants = values
            .iter()
            .map(|v| (!v.contains("${")).then(|| Want::of(operator.base, v)))
            .collect();
        ConditionClause {
            operator_text: operator_text.to_string(),
            operator,
            key: key.to_string(),
            key_lower: key.to_ascii_lowercase(),
            values,
            patterns,
            wants,
        }
    }

    /// Evaluates against `ctx` (lower-cased key -> values).
    pub fn eval(&self, ctx: &Context<'_>) -> bool {
        let got = ctx.get(&self.key_lower);
        let op = self.operator;
        if op.base == Base::Null {
            let absent = got.is_none();
            let goal = if absent { "true" } else { "false" };
            return self.values.iter().any(|v| v.eq_ignore_ascii_case(goal));
        }
        match op.set {
            SetQualifier::Single => match got {
                None => op.if_exists || op.base.is_negated(),
                Some([one]) => self.one_value(one, ctx),
                Some(_) => false,
            },
            SetQualifier::ForAnyValue => match got {
                None => false,
                Some(vals) => vals.iter().any(|v| self.one_value(v, ctx)),
            },
            SetQualifier::ForAllValues => match got {
                None => true,
                Some(vals) => vals.iter().all(|v| self.one_value(v, ctx)),
            },
        }
    }

    /// The base comparison of one request value against the policy values.
    fn one_value(&self, got: &str, ctx: &Context<'_>) -> bool {
        let base = self.operator.base;
        let each =
            self.patterns
                .iter()
                .zip(&self.values)
                .zip(&self.wants)
                .map(|((p, raw), want)| {
                    // The written value is the text to compare unless it spells
                    // a variable or an escape (`${...}`): then rebuild it from
                    // tokens.
                    match want {
                        Some(w) => Some(compare_read(base, p, raw, w, got)),
                        None => p
                            .resolve(|k| ctx.single(k))
                            .map(|p| compare(base, &p, None, got)),
                    }
                });
        if base.is_negated() {
            // A value whose variable has no value cannot be shown different:
            // the negated comparison fails (a missing policy variable makes
            // the condition not match).
            each.map(|r| r.map(|m| !m)).all(|r| r == Some(true))
        } else {
            each.into_iter().any(|r| r == Some(true))
        }
    }
}

/// Positive comparison of one request value `got` with one resolved policy
/// value `want` (negation is applied by the caller).
fn compare(base: Base, want: &Pattern, raw: Option<&str>, got: &str) -> bool {
    let text = || -> std::borrow::Cow<'_, str> {
        if let Some(r) = raw {
            return std::borrow::Cow::Borrowed(r);
        }
        want.toks()
            .iter()
            .map(|t| match t {
                Tok::Char(c) => c.to_string(),
                Tok::One => "?".to_string(),
                Tok::Star => "*".to_string(),
                Tok::Var(v) => format!("${{{}}}", v.name),
            })
            .collect::<String>()
            .into()
    };
    use Base::*;
    match base {
        StringEquals | StringNotEquals | BinaryEquals => text() == got,
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
            let t = text();
            if t.is_ascii() && got.is_ascii() {
                t.eq_ignore_ascii_case(got)
            } else {
                t.to_lowercase() == got.to_lowercase()
            }
        }
        StringLike | StringNotLike => want.matches(got),
        Bool
        | NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals
        | DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals
        | IpAddress
        | NotIpAddress => compare_read(base, want, &text(), &Want::of(base, &text()), got),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
            want.is_arn() && resource_matches(want, got)
        }
        Null => false,
    }
}

/// [`compare`] of a value whose text is `raw` as written, read once as
/// `read` (the hot path: nothing is parsed again, nothing allocated).
fn compare_read(base: Base, want: &Pattern, raw: &str, read: &Want, got: &str) -> bool {
    use Base::*;
    match (base, read) {
        (Bool, Want::Bool(w)) => w.is_some_and(|w| parse_bool(got) == Some(w)),
        (_, Want::Num(w)) => {
            let Some((w, g)) = w.zip(parse_num(got)) else {
                return false;
            };
            match base {
                NumericLessThan => g < w,
                NumericLessThanEquals => g <= w,
                NumericGreaterThan => g > w,
                NumericGreaterThanEquals => g >= w,
                _ => w == g,
            }
        }
        (_, Want::Date(w)) => {
            let Some((w, g)) = w.zip(parse_date(got)) else {
                return false;
            };
            match base {
                DateLessThan => g < w,
                DateLessThanEquals => g <= w,
                DateGreaterThan => g > w,
                DateGreaterThanEquals => g >= w,
                _ => w == g,
            }
        }
        (_, Want::Net(w)) => w.is_some_and(|(net, bits)| net_contains(net, bits, got)),
        // The text as written is the pattern: `*` and `?` are its wildcards.
        (StringLike | StringNotLike, _) => wildcard::matches(raw, got, Case::Sensitive),
        _ => compare(base, want, Some(raw), got),
    }
}

/// `true` or `false` in any case.
fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_num(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    s.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Milliseconds since the epoch of an ISO 8601 date-time (`2026-01-02`,
/// `2026-01-02T03:04:05Z`, with optional fraction and offset) or of a number
/// of epoch seconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && !s.contains('-') && s.len() != 4 {
        return s.parse::<i64>().ok()?.checked_mul(1000);
    }
    let b = s.as_bytes();
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = s.get(from..from + len)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let year = num(0, 4)?;
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let month = num(5, 2)?;
    let day = num(8, 2)?;
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut ms = days_from_civil(year, month, day) * 86_400_000;
    let mut i = 10;
    if b.len() == i {
        return Some(ms);
    }
    if b.get(i) != Some(&b'T') && b.get(i) != Some(&b't') {
        return None;
    }
    i += 1;
    let hour = num(i, 2)?;
    if b.get(i + 2) != Some(&b':') {
        return None;
    }
    let min = num(i + 3, 2)?;
    i += 5;
    let mut sec = 0;
    if b.get(i) == Some(&b':') {
        sec = num(i + 1, 2)?;
        i += 3;
    }
    if hour > 23 || min > 59 || sec > 59 {
        return None;
    }
    let mut frac_ms = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return None;
        }
        let digits = s.get(start..(start + 3).min(i))?;
        frac_ms = format!("{digits:0<3}").parse::<i64>().ok()?;
    }
    ms += ((hour * 60 + min) * 60 + sec) * 1000 + frac_ms;
    match b.get(i) {
        None => Some(ms),
        Some(b'Z' | b'z') if b.len() == i + 1 => Some(ms),
        Some(sign @ (b'+' | b'-')) => {
            let oh = num(i + 1, 2)?;
            let om = if b.get(i + 3) == Some(&b':') {
                num(i + 4, 2)?
            } else {
                num(i + 3, 2)?
            };
            let end = if b.get(i + 3) == Some(&b':') {
                i + 6
            } else {
                i + 5
            };
            if b.len() != end {
                return None;
            }
            let off = (oh * 60 + om) * 60_000;
            Some(if *sign == b'+' { ms - off } else { ms + off })
        }
        _ => None,
    }
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An address or CIDR block: the network and its prefix length if given.
fn parse_net(want: &str) -> Option<(IpAddr, Option<u32>)> {
    let (net, bits) = match want.trim().split_once('/') {
        Some((n, b)) => (n, Some(b.parse::<u32>().ok()?)),
        None => (want.trim(), None),
    };
    Some((net.parse::<IpAddr>().ok()?, bits))
}

/// `got` (an address) is inside the network.
fn net_contains(net: IpAddr, bits: Option<u32>, got: &str) -> bool {
    let Ok(addr) = got.trim().parse::<IpAddr>() else {
        return false;
    };
    match (net, addr) {
        (IpAddr::V4(n), IpAddr::V4(a)) => {
            let bits = bits.unwrap_or(32);
            if bits > 32 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            (u32::from(n) & mask) == (u32::from(a) & mask)
        }
        (IpAddr::V6(n), IpAddr::V6(a)) => {
            let bits = bits.unwrap_or(128);
            if bits > 128 {
                return false;
            }
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            (u128::from(n) & mask) == (u128::from(a) & mask)
        }
        _ => false,
    }
}

/// A request context looked up by lower-cased key, built once per
/// evaluation without copying a key: entries are ordered by their keys
/// lower-cased (ASCII, as IAM compares condition-key names).
#[derive(Debug, Default)]
pub struct Context<'a> {
    entries: Vec<(&'a str, &'a [String])>,
}

/// Order of two keys lower-cased (ASCII), without lower-casing them.
fn cmp_lower(a: &str, b: &str) -> std::cmp::Ordering {
    a.bytes()
        .map(|c| c.to_ascii_lowercase())
        .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

impl<'a> Context<'a> {
    /// Wraps a request context.
    pub fn new(ctx: &'a std::collections::BTreeMap<String, Vec<String>>) -> Context<'a> {
        let mut entries: Vec<(&'a str, &'a [String])> = ctx
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_slice()))
            .collect();
        // Stable: keys equal but for case keep the map's order.
        entries.sort_by(|a, b| cmp_lower(a.0, b.0));
        Context { entries }
    }

    /// Values of a key (lower-cased name).
    #[expect(clippy::indexing_slicing, reason = "index from binary_search")]
    pub fn get(&self, key_lower: &str) -> Option<&'a [String]> {
        self.entries
            .binary_search_by(|(k, _)| cmp_lower(k, key_lower))
            .ok()
            .map(|i| self.entries[i].1)
    }

    /// The value of a single-valued key (policy variables need exactly one).
    pub fn single(&self, key_lower: &str) -> Option<&'a str> {
        match self.get(key_lower) {
            Some([one]) => Some(one.as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `got` (an address) is inside `want` (an address or CIDR block), as
    /// `IpAddress` reads them.
    fn ip_in(want: &str, got: &str) -> bool {
        parse_net(want).is_some_and(|(net, bits)| net_contains(net, bits, got))
    }

    #[test]
    fn operators_parse() {
        let op = Operator::parse("ForAllValues:StringLikeIfExists").unwrap();
        assert_eq!(op.set, SetQualifier::ForAllValues);
        assert_eq!(op.base, Base::StringLike);
        assert!(op.if_exists);
        assert!(Operator::parse("NullIfExists").is_none());
        assert!(Operator::parse("StringEqualz").is_none());
    }

    #[test]
    fn dates_parse() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_date("86400"), Some(86_400_000));
        assert_eq!(parse_date("2026-02-30"), None);
    }

    #[test]
    fn cidr() {
        assert!(ip_in("10.0.0.0/8", "10.1.2.3"));
        assert!(!ip_in("10.0.0.0/8", "11.1.2.3"));
        assert!(ip_in("2001:db8::/32", "2001:db8::1"));
        assert!(!ip_in("10.0.0.0/8", "2001:db8::1"));
    }
}
