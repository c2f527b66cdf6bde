//! Reader of the catalogue text format written by `scripts/gen_catalogue.py`
//! (the layout is documented there). Two steps, so that start-up stays cheap:
//! [`index`] finds the service sections; [`parse_service`] reads one section
//! when it is first needed.

use std::sync::OnceLock;

use super::{Action, ResourceType, cmp_ci, sort_keys};

/// A service section, indexed but not yet parsed.
#[derive(Debug)]
pub(crate) struct ServiceEntry {
    /// Lower-case prefix (`connect`).
    pub prefix: &'static str,
    /// Full name (`Amazon Connect`).
    pub name: &'static str,
    /// The section's lines after its header.
    body: &'static str,
    /// Byte offset of the header in the catalogue text, for error messages
    /// (line numbers are counted only when a problem is reported).
    offset: usize,
    parsed: OnceLock<ServiceData>,
}

/// A parsed service section.
#[derive(Debug, Default)]
pub(crate) struct ServiceData {
    keys: Vec<&'static str>,
    types: Vec<TypeRec>,
    /// Sorted by lower-case name.
    pub actions: Vec<ActionRec>,
}

#[derive(Debug)]
struct TypeRec {
    name: &'static str,
    arn: &'static str,
    keys: Vec<u16>,
}

#[derive(Debug)]
pub(crate) struct ActionRec {
    /// `service:Action`.
    pub name: String,
    colon: usize,
    level: &'static str,
    types: Vec<TypeUse>,
    keys: Vec<u16>,
}

#[derive(Debug)]
struct TypeUse {
    index: u16,
    required: bool,
    keys: Vec<u16>,
}

impl ActionRec {
    /// The action part of the name (`DescribeContactFlow`).
    pub fn short(&self) -> &str {
        self.name.get(self.colon + 1..).unwrap_or_default()
    }
}

/// Reads the header (`source`, `levels`) and finds every `@service` section.
/// Returns the source text, the access levels and the sections sorted by prefix.
pub(crate) fn index(text: &'static str) -> (&'static str, Vec<&'static str>, Vec<ServiceEntry>) {
    let mut source = "";
    let mut levels = Vec::new();
    let head_end = if text.starts_with('@') {
        0
    } else {
        text.find("\n@").map_or(text.len(), |i| i + 1)
    };
    for line in text[..head_end].lines() {
        if let Some(s) = line.strip_prefix("source\t") {
            source = s;
        } else if let Some(l) = line.strip_prefix("levels\t") {
            levels = l.split('\t').collect();
        }
    }
    let mut services = Vec::with_capacity(512);
    let mut rest = &text[head_end..];
    while let Some(section) = rest.strip_prefix('@') {
        // A section runs up to the next header line.
        let end = section.find("\n@").map_or(section.len(), |i| i + 1);
        let (whole, next) = section.split_at(end);
        let (header, body) = whole.split_once('\n').unwrap_or((whole, ""));
        let (prefix, name) = header.split_once('\t').unwrap_or((header, header));
        services.push(ServiceEntry {
            prefix,
            name,
            body,
            offset: text.len() - section.len() - 1,
            parsed: OnceLock::new(),
        });
        rest = next;
    }
    // Lookups binary-search by prefix; a hand-edited file may be unsorted.
    if !services.is_sorted_by(|a, b| cmp_ci(a.prefix, b.prefix).is_le()) {
        services.sort_by(|a, b| cmp_ci(a.prefix, b.prefix));
    }
    (source, levels, services)
}

impl ServiceEntry {
    /// The parsed section (parsed on first call).
    pub fn data(&self, levels: &[&'static str]) -> &ServiceData {
        self.parsed
            .get_or_init(|| parse_service(self.prefix, self.body, levels, &mut |_, _| {}))
    }
}

/// Parses one section. Lines that do not fit the format are reported to
/// `problem` (line offset in the body, what is wrong) and skipped.
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
        if let Some(key) = line.strip_prefix("k\t") {
            d.keys.push(key);
            continue;
        }
        if let Some(rest) = line.strip_prefix("t\t") {
            let mut f = rest.split('\t');
            match (f.next(), f.next(), f.next(), f.next()) {
                (Some(name), Some(arn), Some(keys), None) => d.types.push(TypeRec {
                    name,
                    arn,
                    keys: numbers(keys, ',', n, problem),
                }),
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
        let mut uses = Vec::new();
        for spec in types.split(';').filter(|s| !s.is_empty()) {
            let (head, keys) = spec.split_once('/').unwrap_or((spec, ""));
            let (index, required) = match head.strip_suffix('*') {
                Some(i) => (i, true),
                None => (head, false),
            };
            match index.parse::<u16>() {
                Ok(index) => uses.push(TypeUse {
                    index,
                    required,
                    keys: numbers(keys, '.', n, problem),
                }),
                Err(_) => problem(
                    n,
                    format!("action `{name}` has a bad resource type `{spec}`"),
                ),
            }
        }
        d.actions.push(ActionRec {
            name: format!("{prefix}:{name}"),
            colon: prefix.len(),
            level,
            types: uses,
            keys: numbers(keys, ',', n, problem),
        });
    }
    if !d
        .actions
        .is_sorted_by(|a, b| cmp_ci(a.short(), b.short()).is_le())
    {
        d.actions.sort_by(|a, b| cmp_ci(a.short(), b.short()));
    }
    d
}

fn numbers(field: &str, sep: char, n: usize, problem: &mut dyn FnMut(usize, String)) -> Vec<u16> {
    field
        .split(sep)
        .filter(|s| !s.is_empty())
        .filter_map(|s| match s.parse::<u16>() {
            Ok(v) => Some(v),
            Err(_) => {
                problem(n, format!("`{s}` is not an index"));
                None
            }
        })
        .collect()
}

/// Parses `entry` strictly, appending problems (`line N: what`) to `out`
/// until it holds `max`: malformed lines and indexes that point nowhere.
pub(crate) fn check(
    text: &str,
    entry: &ServiceEntry,
    levels: &[&'static str],
    out: &mut Vec<String>,
    max: usize,
) {
    // 1-based line number of the section's first body line.
    let base = text
        .get(..entry.offset)
        .map_or(0, |t| t.matches('\n').count())
        + 2;
    let mut problems = Vec::new();
    let d = parse_service(entry.prefix, entry.body, levels, &mut |n, what| {
        problems.push(format!("line {}: {what}", base + n));
    });
    for a in &d.actions {
        let bad_key = |k: &u16| usize::from(*k) >= d.keys.len();
        if a.keys.iter().any(bad_key) {
            problems.push(format!("{}: condition key index out of range", a.name));
        }
        for u in &a.types {
            if usize::from(u.index) >= d.types.len() || u.keys.iter().any(bad_key) {
                problems.push(format!(
                    "{}: resource type or key index out of range",
                    a.name
                ));
            }
        }
    }
    for t in &d.types {
        if t.keys.iter().any(|k| usize::from(*k) >= d.keys.len()) {
            problems.push(format!(
                "{}: resource type `{}` has a key index out of range",
                entry.prefix, t.name
            ));
        }
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
    /// Position of the action named `short` (case-insensitive).
    pub fn find(&self, short: &str) -> Option<usize> {
        self.actions
            .binary_search_by(|a| cmp_ci(a.short(), short))
            .ok()
    }

    fn key(&self, i: u16) -> Option<&'static str> {
        self.keys.get(usize::from(i)).copied()
    }

    /// The public view of action `i` (indexes that point nowhere are dropped).
    pub fn action(&self, i: usize) -> Option<Action<'_>> {
        let a = self.actions.get(i)?;
        let mut condition_keys: Vec<&str> = a.keys.iter().filter_map(|&k| self.key(k)).collect();
        sort_keys(&mut condition_keys);
        let resource_types = a
            .types
            .iter()
            .filter_map(|u| {
                let t = self.types.get(usize::from(u.index))?;
                let mut keys: Vec<&str> = u
                    .keys
                    .iter()
                    .chain(&t.keys)
                    .filter_map(|&k| self.key(k))
                    .collect();
                sort_keys(&mut keys);
                Some(ResourceType {
                    name: t.name,
                    required: u.required,
                    arn_formats: vec![t.arn],
                    condition_keys: keys,
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
                "line 10: action `Bad` has a bad resource type `x`",
            ]
        );
    }
}
