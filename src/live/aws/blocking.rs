//! The synchronous reader for one-role commands, and the runtime the
//! blocking entry points share.

use std::future::Future;

use super::{AwsOptions, AwsReader};
use crate::live::{ReadError, ReadErrorKind, RoleReader, RoleSnapshot, RoleTarget};

/// [`AwsReader`] with its own runtime, for one-role commands.
pub struct BlockingAwsReader {
    runtime: tokio::runtime::Runtime,
    reader: AwsReader,
}

impl BlockingAwsReader {
    /// Starts a runtime and loads the AWS configuration.
    pub fn connect(opts: &AwsOptions) -> Result<Self, ReadError> {
        let runtime = runtime(2)?;
        let reader = runtime.block_on(AwsReader::connect(opts));
        Ok(BlockingAwsReader { runtime, reader })
    }

    /// The async reader inside.
    pub fn reader(&self) -> &AwsReader {
        &self.reader
    }

    /// Runs a future on this reader's runtime.
    pub fn block_on<F: Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

impl RoleReader for BlockingAwsReader {
    fn read_role(&self, target: &RoleTarget) -> Result<RoleSnapshot, ReadError> {
        self.runtime.block_on(self.reader.read(target)).0
    }

    fn api_calls(&self) -> u64 {
        self.reader.api_calls()
    }
}

/// A multi-threaded tokio runtime for the blocking entry points (async stays
/// at this edge); a failure to start it is a read error like any other.
pub(crate) fn runtime(worker_threads: usize) -> Result<tokio::runtime::Runtime, ReadError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads)
        .enable_all()
        .build()
        .map_err(|e| {
            ReadError::new(
                ReadErrorKind::Other,
                format!("cannot start the async runtime: {e}"),
            )
            .caused_by(e)
        })
}
