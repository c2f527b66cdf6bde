//! What the review documents need to know about IAM actions, behind one
//! small trait, so rendering stays pure and tests can use a made-up catalogue.

/// A resource type as one action uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceType {
    /// Type name from the catalogue (`contact-flow`).
    pub name: String,
    /// ARN formats in catalogue syntax (`arn:${Partition}:connect:...`).
    pub arn_formats: Vec<String>,
}

/// The review's view of the IAM action catalogue.
pub trait ReviewLookup {
    /// Access level as the catalogue writes it (`Read`, `List`, `Write`,
    /// `Tagging`, `Permissions management`, or a combination such as
    /// `Permissions management, Write`); `None` for an unknown action.
    fn access_level(&self, action: &str) -> Option<String>;
    /// Resource types of an action; empty for a wildcard-only action.
    fn resource_types(&self, action: &str) -> Vec<ResourceType>;
    /// Canonical names of the actions a wildcard pattern matches, sorted.
    fn matching(&self, pattern: &str) -> Vec<String>;
    /// Full name of a service prefix (`connect` -> `Amazon Connect`).
    fn service_name(&self, prefix: &str) -> Option<String>;
}

impl ReviewLookup for crate::catalogue::Catalogue {
    fn access_level(&self, action: &str) -> Option<String> {
        self.action(action).map(|a| a.access_level.to_string())
    }
    fn resource_types(&self, action: &str) -> Vec<ResourceType> {
        self.action(action)
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
    fn matching(&self, pattern: &str) -> Vec<String> {
        crate::catalogue::Catalogue::matching(self, pattern)
            .into_iter()
            .map(|a| a.name.to_string())
            .collect()
    }
    fn service_name(&self, prefix: &str) -> Option<String> {
        crate::catalogue::Catalogue::service_name(self, prefix).map(str::to_string)
    }
}
