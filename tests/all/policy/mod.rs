//! Policy model, evaluator, coverage and `simulate`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod coverage;
mod eval;
mod laws;
