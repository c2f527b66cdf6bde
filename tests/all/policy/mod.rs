//! Policy model, evaluator, coverage and `simulate`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli;
mod coverage;
mod differential;
mod eval;
mod laws;
