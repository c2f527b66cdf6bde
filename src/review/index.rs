//! The index page's entries: every module with its current and released
//! versions and each document's link.

use std::collections::{BTreeMap, BTreeSet};

use super::History;
use super::doc::{IndexEntry, IndexModule};
use crate::compile::CompiledModule;
use crate::manifest::Project;

/// Index entries; see [`super::index`].
pub fn index(
    project: &Project,
    compiled: &[CompiledModule],
    histories: &BTreeMap<String, History>,
    link: &dyn Fn(&str, &semver::Version, super::Format) -> String,
) -> Vec<IndexModule> {
    let mut out = Vec::new();
    for c in compiled {
        let description = project
            .modules
            .iter()
            .find(|m| m.id == c.module)
            .map(|m| m.description.trim().to_string())
            .unwrap_or_default();
        let released: BTreeSet<semver::Version> = histories
            .get(&c.module)
            .map(|h| h.released.iter().cloned().collect())
            .unwrap_or_default();
        let mut versions: BTreeSet<semver::Version> = released.clone();
        versions.insert(c.version.clone());
        let entries = versions
            .iter()
            .rev()
            .map(|v| IndexEntry {
                version: v.to_string(),
                current: *v == c.version,
                released: released.contains(v),
                html: link(&c.module, v, super::Format::Html),
                markdown: link(&c.module, v, super::Format::Markdown),
            })
            .collect();
        out.push(IndexModule {
            module: c.module.clone(),
            description,
            role_name: c.role_name.clone(),
            versions: entries,
        });
    }
    out.sort_by(|a, b| a.module.cmp(&b.module));
    out
}
