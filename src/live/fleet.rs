//! Fleet runner: reads every row of a fleet file with bounded concurrency
//! (1..=[`MAX_CONCURRENCY`]). One row's failure never stops another, and
//! every row gets a result, in file order: when the reader's circuit breaker
//! opens (the endpoint answers no connection), the rows not read yet fail at
//! once with the reason, and [`FleetRead::stopped`] says so once.

use std::sync::Arc;

use indicatif::ProgressBar;
use tokio::sync::Semaphore;

use super::aws::{AwsOptions, AwsReader};
use super::fleet_file::FleetRow;
use super::{ReadError, ReadErrorKind, RoleSnapshot};

/// What reading one row gave.
#[derive(Debug, Clone)]
pub struct RowRead {
    /// The snapshot, or why the role could not be read.
    pub result: Result<RoleSnapshot, ReadError>,
    /// API calls this row made (retries included).
    pub api_calls: u64,
}

/// Everything a fleet run read.
#[derive(Debug, Clone)]
pub struct FleetRead {
    /// One entry per row, in file order.
    pub rows: Vec<RowRead>,
    /// API calls made in total (shared AWS managed policies counted once).
    pub api_calls: u64,
    /// Set when the circuit breaker stopped the run early: why, in one line.
    pub stopped: Option<String>,
}

/// Most rows read at once (`--concurrency` accepts 1..=256).
pub const MAX_CONCURRENCY: usize = 256;

/// Reads every row, at most `concurrency` at once (clamped to
/// 1..=[`MAX_CONCURRENCY`]), ticking
/// `progress` as rows finish. Blocking: starts its own runtime.
pub fn read_fleet(
    opts: &AwsOptions,
    rows: &[FleetRow],
    concurrency: usize,
    progress: &ProgressBar,
) -> Result<FleetRead, ReadError> {
    let runtime = super::aws::runtime(concurrency.clamp(1, 4))?;
    runtime.block_on(async {
        let reader = Arc::new(AwsReader::connect(opts).await);
        Ok(read_fleet_with(reader, rows, concurrency, progress).await)
    })
}

/// [`read_fleet`] with a reader already connected (tests, benchmarks).
pub async fn read_fleet_with(
    reader: Arc<AwsReader>,
    rows: &[FleetRow],
    concurrency: usize,
    progress: &ProgressBar,
) -> FleetRead {
    let permits = Arc::new(Semaphore::new(concurrency.clamp(1, MAX_CONCURRENCY)));
    let before = reader.api_calls();
    let mut handles = Vec::with_capacity(rows.len());
    for row in rows {
        let reader = Arc::clone(&reader);
        let permits = Arc::clone(&permits);
        let target = row.target();
        let progress = progress.clone();
        handles.push(tokio::spawn(async move {
            // The semaphore is never closed, so acquire only fails if it were;
            // then the row is still read rather than lost.
            let _permit = permits.acquire_owned().await.ok();
            let (result, api_calls) = reader.read(&target).await;
            progress.inc(1);
            RowRead { result, api_calls }
        }));
    }
    let mut out = Vec::with_capacity(handles.len());
    for (h, row) in handles.into_iter().zip(rows) {
        out.push(h.await.unwrap_or_else(|e| {
            RowRead {
                result: Err(ReadError::new(
                    ReadErrorKind::Other,
                    format!("reading `{}` stopped unexpectedly: {e}", row.role_arn),
                )
                .caused_by(e)),
                api_calls: 0,
            }
        }));
    }
    FleetRead {
        rows: out,
        api_calls: reader.api_calls() - before,
        stopped: reader.stopped(),
    }
}
