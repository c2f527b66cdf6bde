//! Manifests: YAML (with locations) -> raw syntax -> validated [`model`].
//! Validation collects every problem, each with file, line and column.

pub mod model;

pub use model::*;
