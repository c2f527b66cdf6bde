//! Versioned, additive releases, as pure functions (the pipeline reads and
//! writes `generated/`):
//!
//! - [`Ledger`] records what each released module version froze: file
//!   digests, manifest digest, grants, parameters ([`ledger`]).
//! - [`plan_build`] is `build`'s versioning step: a released version's files
//!   must stay byte-identical; an unreleased version must respect semver
//!   against the last release below it, judged by meaning with
//!   `policy::coverage` ([`compare`]): patch grants the same, minor grants a
//!   superset, major may remove (the removals are listed). Parameters may
//!   only be added, with defaults, within a major version ([`plan`]).
//! - [`release`] gives the next ledger; [`diff`] compares two versions;
//!   [`history`] derives changelogs, the capability matrix and "since".

pub mod compare;
pub mod diff;
mod error;
pub mod history;
mod ledger;
mod plan;

pub use compare::{
    Bump, Comparison, Delta, FeatureChange, FeaturePermission, Permission, feature_changes,
};
pub use diff::{ParameterChanges, Side, VersionDiff, diff, resolve};
pub use error::{ManifestAt, VersionError};
pub use history::{Capabilities, capabilities, changelog, since};
pub use ledger::{FeatureInfo, Ledger, ParameterInfo, Release};
pub use plan::{ReleaseOutcome, changelogs, plan_build, release, suggest, verify_released};
