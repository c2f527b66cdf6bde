//! What the review documents read from the IAM catalogue, as owned values
//! (the catalogue's own types borrow from its text).

use crate::catalogue::Catalogue;

/// A resource type as one action uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// Type name from the catalogue (`contact-flow`).
    pub name: String,
    /// ARN formats in catalogue syntax (`arn:${Partition}:connect:...`).
    pub arn_formats: Vec<String>,
}

/// Access level as the catalogue writes it (`Read`, `List`, `Write`,
/// `Tagging`, `Permissions management`, or a combination such as
/// `Permissions management, Write`); `None` for an unknown action.
pub fn access_level(cat: &Catalogue, action: &str) -> Option<String> {
    cat.action(action).map(|a| a.access_level.to_string())
}

/// Resource types of an action; empty for a wildcard-only action.
pub fn resource_types(cat: &Catalogue, action: &str) -> Vec<ResourceType> {
    cat.action(action)
        .map(|a| {
            a.resource_types
                .iter()
                .map(|t| ResourceType {
                    name: t.name.to_string(),
                    arn_formats: t.arn_formats.iter().map(|f| f.to_string()).collect(),
                })
                .collect()
        })
        .unwrap_or_default()
}
