//! The IAM vocabulary shared by the whole crate: wildcard patterns, ARNs,
//! `Fn::Sub` placeholders, action names, condition blocks and "did you mean"
//! suggestions. Each rule has exactly one implementation here.
//!
//! Invariant: this module is pure and imports nothing else from the crate
//! (only `std` and external crates), so every other module may depend on it.

pub mod action;
pub mod arn;
pub mod operator;
pub mod pattern;
pub mod sub;
pub mod suggest;
pub mod wildcard;

use std::collections::BTreeMap;

/// An IAM `Condition` block: operator (`StringEquals`) -> condition key ->
/// values. Sorted maps keep output deterministic.
pub type Conditions = BTreeMap<String, BTreeMap<String, Vec<String>>>;
