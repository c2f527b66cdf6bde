//! What the compiler needs to know about IAM actions, behind one small trait,
//! so the compiler stays a pure function that tests can feed with a handful
//! of made-up actions as well as with the real catalogue.

use std::collections::BTreeSet;

/// The compiler's view of the IAM action catalogue.
pub trait ActionLookup {
    /// ARN formats (catalogue syntax, `${Partition}` …) an action is granted
    /// on: its required resource types' formats if any are required, else
    /// all of them. Empty for an action that has no resource types;
    /// `None` for an action the catalogue does not know.
    fn grant_formats(&self, action: &str) -> Option<Vec<String>>;
    /// Canonical names of the actions a wildcard pattern (`connect:Describe*`) matches.
    fn matching(&self, pattern: &str) -> Vec<String>;
    /// Whether an explicit resource (an `Fn::Sub` string) fits an ARN format.
    fn fits(&self, format: &str, resource: &str) -> bool;
    /// Turns an ARN format into an `Fn::Sub` string, keeping the declared
    /// module parameters and replacing other placeholders with `*`.
    fn derive(&self, format: &str, params: &BTreeSet<String>) -> String;
    /// Version of the catalogue data, recorded in every template.
    fn version(&self) -> String;
}

impl ActionLookup for crate::catalogue::Catalogue {
    fn grant_formats(&self, action: &str) -> Option<Vec<String>> {
        self.action(action).map(|a| {
            a.grant_arn_formats()
                .into_iter()
                .map(str::to_string)
                .collect()
        })
    }
    fn matching(&self, pattern: &str) -> Vec<String> {
        self.matching_names(pattern)
    }
    fn fits(&self, format: &str, resource: &str) -> bool {
        crate::iam::arn::fits(format, resource)
    }
    fn derive(&self, format: &str, params: &BTreeSet<String>) -> String {
        crate::iam::arn::derive(format, params)
    }
    fn version(&self) -> String {
        self.source().to_string()
    }
}
