//! All integration tests compile into this one binary (faster on 2 cores).
//! One module per area; fixtures live under `tests/fixtures/<area>/`.
mod manifest;
mod policy;

mod acceptance;
mod catalogue;
mod compile;
mod drift;
mod live;
mod review;
mod util;
mod version;
