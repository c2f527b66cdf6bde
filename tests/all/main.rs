//! All integration tests compile into this one binary (faster on 2 cores).
//! One module per area; fixtures live under `tests/fixtures/<area>/`.
//!
//! Every module is `#[cfg(test)]` (always true here) so that clippy counts
//! the helpers, not only the `#[test]` functions, as test code: `clippy.toml`
//! then lets them unwrap, expect and panic without an exception of their own.
#[cfg(test)]
mod manifest;
#[cfg(test)]
mod policy;

#[cfg(test)]
mod acceptance;
#[cfg(test)]
mod catalogue;
#[cfg(test)]
mod cli;
#[cfg(test)]
mod compile;
#[cfg(test)]
mod drift;
#[cfg(test)]
mod explain;
#[cfg(test)]
mod live;
#[cfg(test)]
mod ops;
#[cfg(test)]
mod report;
#[cfg(test)]
mod review;
#[cfg(test)]
mod scale;
#[cfg(test)]
mod util;
#[cfg(test)]
mod vendor;
#[cfg(test)]
mod version;
