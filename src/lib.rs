//! rolesmith: compile module manifests into versioned, least-privilege
//! cross-account IAM role templates, and check live customer roles against them.
//!
//! Data flows one way: `manifest` (YAML -> validated model, using `catalogue`)
//! -> `compile` (model -> CloudFormation template + grant statements)
//! -> `version` (release ledger, additivity judged with `policy::coverage`)
//! -> `review` (documents). `live` reads roles as plain data, `drift` compares
//! them with the compiled model using `policy`, `report` renders results.
//! Only `cli`, the loaders, `live` and `fsutil` touch disk, network or clock.
//! `iam` (wildcards, ARNs, `Fn::Sub`, action names, suggestions) depends on
//! nothing else in the crate and is used by all of them.

pub mod catalogue;
pub mod cli;
pub mod compile;
pub mod drift;
pub mod explain;
pub mod fasthash;
pub mod fsutil;
pub mod iam;
pub mod json;
pub mod live;
pub mod manifest;
pub mod pipeline;
pub mod policy;
pub mod report;
pub mod review;
pub mod version;
