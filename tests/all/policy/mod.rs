//! Policy model, evaluator, coverage and `simulate`.

mod cli;
mod coverage;
mod differential;
mod eval;
mod laws;
