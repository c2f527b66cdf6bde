//! Reader of the catalogue text format written by `scripts/gen_catalogue.py`
//! (the layout is documented there). Two steps, so that start-up stays cheap:
//! [`index`] reads the header and its `sections` line (a service -> byte
//! offset index) without touching the rest of the text; [`ServiceEntry::data`]
//! splits one section into lines when it is first needed; the numbers of an
//! action line are decoded only when that action is asked for.

use std::sync::OnceLock;

use super::{Action, ResourceType, cmp_ci, sort_keys};

/// A service section, located but not yet read: only the `sections` line of
/// the header is read at start-up, so that finding a service touches none of
/// the megabyte behind it.
#[derive(Debug)]
pub(crate) struct ServiceEntry {
    /// Lower-case prefix (`connect`).
    pub prefix: &'static str,
    /// Byte range of the section (header line included) in the catalogue text.
    start: usize,
    end: usize,
    parsed: OnceLock<ServiceData>,
}

/// A parsed service section.
#[derive(Debug, Default)]
pub(crate) struct ServiceData {
    keys: Vec<&'static str>,
    /// The type of each key (`String`, `ArrayOfARN`, `-` when unknown).
    key_types: Vec<&'static str>,
    /// The generator writes keys sorted case-insensitively; then sorting
    /// indexes sorts names and no string is compared.
    keys_sorted: bool,
    types: Vec<TypeRec>,
    /// Sorted by lower-case name.
    pub actions: Vec<ActionRec>,
}

#[derive(Debug)]
struct TypeRec {
    name: &'static str,
    arn: &'static str,
    /// Comma-separated key indexes, decoded on use.
    keys: &'static str,
}

#[derive(Debug)]
pub(crate) struct ActionRec {
    /// `service:Action`.
    pub name: String,
    colon: usize,
    level: &'static str,
    /// `<type>[*][/<key>.<key>]` specs separated by `;`, decoded on use.
    types: &'static str,
    /// Comma-separated key indexes, decoded on use.
    keys: &'static str,
}

impl ActionRec {
    /// The action part of the name (`DescribeContactFlow`).
    pub fn short(&self) -> &str {
        self.name.get(self.colon + 1..).unwrap_or_default()
    }
}

/// One resource type of an action line, decoded.
struct TypeUse {
    index: usize,
    required: bool,
    keys: &'static str,
}

/// Decodes the resource-type field of an action line; a spec that is not a
/// number is reported to `bad` and skipped.
fn type_uses(field: &'static str, bad: &mut dyn FnMut(&str)) -> Vec<TypeUse> {
    let mut out = Vec::new();
    for spec in field.split(';').filter(|s| !s.is_empty()) {
        let (head, keys) = spec.split_once('/').unwrap_or((spec, ""));
        let (index, required) = match head.strip_suffix('*') {
            Some(i) => (i, true),
            None => (head, false),
        };
        match index.parse::<usize>() {
            Ok(index) => out.push(TypeUse {
                index,
                required,
                keys,
            }),
            Err(_) => bad(spec),
        }
    }
    out
}

/// Decodes a list of indexes separated by `sep`; what is not a number is
/// reported to `bad` and skipped.
fn numbers(field: &str, sep: char, out: &mut Vec<usize>, bad: &mut dyn FnMut(&str)) {
    for s in field.split(sep).filter(|s| !s.is_empty()) {
        match s.parse::<usize>() {
            Ok(v) => out.push(v),
            Err(_) => bad(s),
        }
    }
}

/// Reads the header (`source`, `levels`, `sections`) and locates every
/// `@service` section. Returns the source text, the access levels and the
/// sections sorted by prefix.
pub(crate) fn index(text: &'static str) -> (&'static str, Vec<&'static str>, Vec<ServiceEntry>) {
    let mut source = "";
    let mut levels = Vec::new();
    let mut sections = None;
    let head_end = if text.starts_with('@') {
        0
    } else {
        text.find("\n@").map_or(text.len(), |i| i + 1)
    };
    let head = text.get(..head_end).unwrap_or_default();
    for line in head.lines() {
        if let Some(s) = line.strip_prefix("source\t") {
            source = s;
        } else if let Some(l) = line.strip_prefix("levels\t") {
            levels = l.split('\t').collect();
        } else if let Some(s) = line.strip_prefix("sections\t") {
            sections = Some(s);
        }
    }
    // The index line saves scanning a megabyte; if it does not agree with
    // the text (a hand edit), scanning is still correct.
    let mut services = sections
        .and_then(|s| from_index(s, head_end, text.len()))
        .unwrap_or_else(|| scan(text, head_end));
    // Lookups binary-search by prefix; a hand-edited file may be unsorted.
    if !services.is_sorted_by(|a, b| cmp_ci(a.prefix, b.prefix).is_le()) {
        services.sort_by(|a, b| cmp_ci(a.prefix, b.prefix));
    }
    (source, levels, services)
}

/// Sections from the `sections` line: `prefix offset` pairs with offsets
/// increasing from 0. `None` if the line is malformed; whether each offset
/// really points at its `@prefix` header is checked when the section is read.
fn from_index(line: &'static str, base: usize, len: usize) -> Option<Vec<ServiceEntry>> {
    let mut starts: Vec<(&'static str, usize)> = Vec::with_capacity(512);
    for item in line.split('\t') {
        let (prefix, offset) = item.split_once(' ')?;
        let offset: usize = offset.parse().ok()?;
        let increasing = starts
            .last()
            .map_or(offset == 0, |&(_, last)| last < base + offset);
        if !increasing || base + offset >= len {
            return None;
        }
        starts.push((prefix, base + offset));
    }
    let ends = starts.iter().skip(1).map(|&(_, o)| o).chain([len]);
    Some(
        starts
            .iter()
            .zip(ends)
            .map(|(&(prefix, start), end)| ServiceEntry {
                prefix,
                start,
                end,
                parsed: OnceLock::new(),
            })
            .collect(),
    )
}

/// Sections found by scanning the text for header lines (no index line).
fn scan(text: &'static str, base: usize) -> Vec<ServiceEntry> {
    let mut out = Vec::with_capacity(512);
    let mut start = base;
    while let Some(section) = text.get(start..).filter(|s| s.starts_with('@')) {
        let len = section.find("\n@").map_or(section.len(), |i| i + 1);
        let header = section.get(1..).unwrap_or_default();
        let prefix = header.split(['\t', '\n']).next().unwrap_or_default();
        out.push(ServiceEntry {
            prefix,
            start,
            end: start + len,
            parsed: OnceLock::new(),
        });
        start += len;
    }
    out
}

impl ServiceEntry {
    /// The section's header (`@prefix<TAB>name`) and body, if the section
    /// really starts with this entry's header.
    fn split(&self, text: &'static str) -> Option<(&'static str, &'static str)> {
        let section = text.get(self.start..self.end)?;
        let (header, body) = section.split_once('\n').unwrap_or((section, ""));
        let name = header
            .strip_prefix('@')?
            .strip_prefix(self.prefix)?
            .strip_prefix('\t')?;
        Some((name, body))
    }

    /// The service's full name, from its header line.
    pub fn name(&self, text: &'static str) -> Option<&'static str> {
        self.split(text).map(|(name, _)| name)
    }

    /// The parsed section (parsed on first call; empty if the index is wrong).
    pub fn data(&self, text: &'static str, levels: &[&'static str]) -> &ServiceData {
        self.parsed.get_or_init(|| match self.split(text) {
            Some((_, body)) => parse_service(self.prefix, body, levels, &mut |_, _| {}),
            None => ServiceData::default(),
        })
    }
}

/// Splits one section into its tables. Lines that do not fit the format are
/// reported to `problem` (line offset in the body, what is wrong) and skipped.
fn parse_service(
    prefix: &str,
    body: &'static str,
    levels: &[&'static str],
    problem: &mut dyn FnMut(usize, String),
) -> ServiceData {
    let mut d = ServiceData::default();
    for (n, line) in body.lines().enumerate() {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("k\t") {
            // `k\t<key>\t<type>`; an older text without the type is read as
            // a key of unknown type.
            let (key, ty) = rest.split_once('\t').unwrap_or((rest, "-"));
            d.keys.push(key);
            d.key_types.push(ty);
            continue;
        }
        if let Some(rest) = line.strip_prefix("t\t") {
            let mut f = rest.split('\t');
            match (f.next(), f.next(), f.next(), f.next()) {
                (Some(name), Some(arn), Some(keys), None) => {
                    d.types.push(TypeRec { name, arn, keys })
                }
                _ => problem(
                    n,
                    format!("resource type line `{line}` does not have 3 fields"),
                ),
            }
            continue;
        }
        let mut f = line.split('\t');
        let (Some(name), Some(level), Some(types), Some(keys), None) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            problem(n, format!("action line `{line}` does not have 4 fields"));
            continue;
        };
        let Some(level) = level.parse::<usize>().ok().and_then(|i| levels.get(i)) else {
            problem(
                n,
                format!("action `{name}` has an unknown access level `{level}`"),
            );
            continue;
        };
        d.actions.push(ActionRec {
            name: format!("{prefix}:{name}"),
            colon: prefix.len(),
            level,
            types,
            keys,
        });
    }
    d.keys_sorted = d
        .keys
        .is_sorted_by(|a, b| cmp_ci(a, b).then_with(|| a.cmp(b)).is_lt());
    if !d
        .actions
        .is_sorted_by(|a, b| cmp_ci(a.short(), b.short()).is_le())
    {
        d.actions.sort_by(|a, b| cmp_ci(a.short(), b.short()));
    }
    d
}

/// Parses `entry` strictly, appending problems (`line N: what`) to `out`
/// until it holds `max`: malformed lines, numbers that are not numbers,
/// indexes that point nowhere, keys out of order, names that differ only in case.
#[expect(clippy::indexing_slicing, reason = "windows(2) gives two items")]
pub(crate) fn check(
    text: &'static str,
    entry: &ServiceEntry,
    levels: &[&'static str],
    out: &mut Vec<String>,
    max: usize,
) {
    // 1-based line number of the section's first body line.
    let base = text
        .get(..entry.start)
        .map_or(0, |t| t.matches('\n').count())
        + 2;
    let mut problems = Vec::new();
    let Some((_, body)) = entry.split(text) else {
        out.push(format!(
            "line {}: the `sections` index says service `{}` starts here, but it does not",
            base - 1,
            entry.prefix
        ));
        out.truncate(max);
        return;
    };
    let d = parse_service(entry.prefix, body, levels, &mut |n, what| {
        problems.push(format!("line {}: {what}", base + n));
    });
    let nkeys = d.keys.len();
    let mut idx = Vec::new();
    let mut bad_number =
        |what: &str, s: &str| problems.push(format!("{what}: `{s}` is not an index"));
    let mut out_of_range = Vec::new();
    for t in &d.types {
        idx.clear();
        numbers(t.keys, ',', &mut idx, &mut |s| bad_number(t.name, s));
        if idx.iter().any(|&k| k >= nkeys) {
            out_of_range.push(format!(
                "{}: resource type `{}` has a key index out of range",
                entry.prefix, t.name
            ));
        }
    }
    for a in &d.actions {
        idx.clear();
        numbers(a.keys, ',', &mut idx, &mut |s| bad_number(&a.name, s));
        for u in type_uses(a.types, &mut |s| bad_number(&a.name, s)) {
            numbers(u.keys, '.', &mut idx, &mut |s| bad_number(&a.name, s));
            if u.index >= d.types.len() {
                out_of_range.push(format!(
                    "{}: resource type index {} out of range",
                    a.name, u.index
                ));
            }
        }
        if idx.iter().any(|&k| k >= nkeys) {
            out_of_range.push(format!("{}: condition key index out of range", a.name));
        }
    }
    problems.extend(out_of_range);
    if !d.keys_sorted {
        problems.push(format!("{}: condition keys are not sorted", entry.prefix));
    }
    if d.actions
        .windows(2)
        .any(|w| cmp_ci(w[0].short(), w[1].short()).is_eq())
    {
        problems.push(format!("{}: two actions differ only in case", entry.prefix));
    }
    out.extend(problems.into_iter().take(max.saturating_sub(out.len())));
}

impl ServiceData {
    /// The condition keys of the service with their types, in order.
    pub fn condition_keys(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.keys
            .iter()
            .zip(self.key_types.iter().chain(std::iter::repeat(&"-")))
            .map(|(k, t)| (*k, *t))
    }

    /// Position of the action named `short` (case-insensitive).
    pub fn find(&self, short: &str) -> Option<usize> {
        self.actions
            .binary_search_by(|a| cmp_ci(a.short(), short))
            .ok()
    }

    /// Condition-key names for the indexes in `idx`, sorted case-insensitively,
    /// without repeats (indexes that point nowhere are dropped).
    fn key_names(&self, idx: &mut Vec<usize>) -> Vec<&'static str> {
        if self.keys_sorted {
            idx.sort_unstable();
            idx.dedup();
            idx.iter()
                .filter_map(|&k| self.keys.get(k).copied())
                .collect()
        } else {
            let mut names: Vec<&str> = idx
                .iter()
                .filter_map(|&k| self.keys.get(k).copied())
                .collect();
            sort_keys(&mut names);
            names
        }
    }

    /// The public view of action `i` (what does not decode is dropped).
    pub fn action(&self, i: usize) -> Option<Action<'_>> {
        let a = self.actions.get(i)?;
        let mut idx = Vec::new();
        numbers(a.keys, ',', &mut idx, &mut |_| {});
        let condition_keys = self.key_names(&mut idx);
        let resource_types = type_uses(a.types, &mut |_| {})
            .into_iter()
            .filter_map(|u| {
                let t = self.types.get(u.index)?;
                idx.clear();
                numbers(u.keys, '.', &mut idx, &mut |_| {});
                numbers(t.keys, ',', &mut idx, &mut |_| {});
                Some(ResourceType {
                    name: t.name,
                    required: u.required,
                    arn_formats: t.arn.split(' ').filter(|f| !f.is_empty()).collect(),
                    condition_keys: self.key_names(&mut idx),
                })
            })
            .collect();
        Some(Action {
            name: &a.name,
            access_level: a.level,
            resource_types,
            condition_keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Catalogue;

    const TEXT: &str = "# test\nsource\tunit test\nlevels\tList\tRead\n\
@svc\tService\n\
k\tsvc:Key\n\
t\tthing\tarn:${Partition}:svc:${Region}:${Account}:thing/${Id}\t0\n\
Zeta\t0\t\t\n\
alpha\t1\t0*/0\t0\n\
Broken\t9\t\t\n\
Bad\t1\tx\t\n\
@aaa\tFirst\n\
Only\t0\t\t\n";

    #[test]
    fn reads_a_small_catalogue_and_reports_its_problems() {
        let c = Catalogue::from_text(TEXT);
        assert_eq!(c.source(), "unit test");
        // Unsorted sections and actions are sorted on reading.
        assert_eq!(c.services().collect::<Vec<_>>(), ["aaa", "svc"]);
        let names: Vec<&str> = c.matching("svc:*").into_iter().map(|a| a.name).collect();
        assert_eq!(names, ["svc:alpha", "svc:Bad", "svc:Zeta"]);
        let a = c.action("SVC:ALPHA");
        let a = a.as_ref().map(|a| {
            (
                a.access_level,
                a.resource_types.len(),
                a.condition_keys.clone(),
            )
        });
        assert_eq!(a, Some(("Read", 1, vec!["svc:Key"])));
        let problems = c.problems(10);
        assert_eq!(
            problems,
            [
                "line 9: action `Broken` has an unknown access level `9`",
                "svc:Bad: `x` is not an index",
            ]
        );
    }

    /// The same two sections, with a `sections` index line.
    fn indexed(offset_of_second: usize) -> &'static str {
        let a = "@aaa\tFirst\nOnly\t0\t\t\n";
        let b = "@bbb\tSecond\nk\tb:K\nTwo\t0\t\t0\n";
        let text = format!("levels\tList\nsections\taaa 0\tbbb {offset_of_second}\n{a}{b}");
        Box::leak(text.into_boxed_str())
    }

    #[test]
    fn index_line_is_used_and_checked() {
        let names = |c: &Catalogue| {
            c.matching("*:*")
                .into_iter()
                .map(|a| a.name.to_owned())
                .collect::<Vec<_>>()
        };
        let right = Catalogue::from_text(indexed(20));
        assert_eq!(names(&right), ["aaa:Only", "bbb:Two"]);
        assert_eq!(
            right.action("bbb:two").map(|a| a.condition_keys),
            Some(vec!["b:K"])
        );
        assert!(right.problems(5).is_empty());
        // A malformed index (not increasing, beyond the end) is ignored and
        // the text scanned instead.
        for wrong in [0, 999] {
            let c = Catalogue::from_text(indexed(wrong));
            assert_eq!(names(&c), ["aaa:Only", "bbb:Two"], "offset {wrong}");
            assert!(c.problems(5).is_empty());
        }
        // An offset that points elsewhere is reported, and never panics.
        for wrong in [7, 19, 21] {
            let c = Catalogue::from_text(indexed(wrong));
            assert!(!c.problems(5).is_empty(), "offset {wrong}");
            let _ = names(&c);
            let _ = c.service_name("bbb");
        }
    }
}
