//! Live readers: the offline authorization-details reader, and (with the
//! `aws` feature) the AWS reader against moto, its fault handling and the
//! fleet runner.

#[cfg(feature = "aws")]
pub mod deploy;
#[cfg(feature = "aws")]
pub mod faults;
#[cfg(feature = "aws")]
pub mod moto;
mod offline;
#[cfg(feature = "aws")]
pub mod readers;
#[cfg(feature = "aws")]
mod unreachable;
