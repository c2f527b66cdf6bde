//! Fleet runner: reads every row of a fleet file with bounded concurrency
//! (1..=[`MAX_CONCURRENCY`]). One row's failure never stops another, and
//! every row gets a result, in file order: when the reader's circuit breaker
//! opens (the endpoint answers no connection), the rows not read yet fail at
//! once with the reason, and [`FleetRead::stopped`] says so once.
//!
//! [`stream_fleet`] hands each row's result over as soon as it is read,
//! from a list of rows or from the DynamoDB mapping table (its parallel
//! scan segments of one shard), holding at most `concurrency` rows at a
//! time: `drift --format jsonl` prints them as they come.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use indicatif::ProgressBar;
use tokio::sync::{Semaphore, mpsc};

use super::aws::dynamodb::{MappingTable, Scanned};
use super::aws::{AwsOptions, AwsReader};
use super::fleet_file::FleetRow;
use super::shard::Shard;
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

/// [`read_fleet`] with a reader already connected (tests, benchmarks):
/// [`stream_fleet_with`] over the rows, results put back in file order.
pub async fn read_fleet_with(
    reader: Arc<AwsReader>,
    rows: &[FleetRow],
    concurrency: usize,
    progress: &ProgressBar,
) -> FleetRead {
    let mut got: Vec<Option<RowRead>> = vec![None; rows.len()];
    let streamed = stream_fleet_with(reader, Source::Rows(rows.to_vec()), concurrency, |item| {
        if let Item::Read { seq, read, .. } = item
            && let Some(slot) = got.get_mut(seq)
        {
            *slot = Some(*read);
        }
        progress.inc(1);
    })
    .await;
    let out = got
        .into_iter()
        .zip(rows)
        .map(|(read, row)| {
            read.unwrap_or_else(|| RowRead {
                result: Err(ReadError::new(
                    ReadErrorKind::Other,
                    format!("reading `{}` stopped unexpectedly", row.role_arn),
                )),
                api_calls: 0,
            })
        })
        .collect();
    FleetRead {
        rows: out,
        api_calls: streamed.api_calls,
        stopped: streamed.stopped,
    }
}

/// Where a streamed fleet's rows come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Rows already chosen (a fleet file's active rows of this shard).
    Rows(Vec<FleetRow>),
    /// The DynamoDB mapping table: the parallel-scan segments of `shard`;
    /// `pending` rows are skipped (counted in [`Streamed::pending`]).
    Table {
        /// Table name.
        name: String,
        /// Which share of the table.
        shard: Shard,
    },
}

/// One streamed row.
#[derive(Debug, Clone)]
pub enum Item {
    /// A row and what reading it gave; `seq` is its position in
    /// [`Source::Rows`] (scan order for a table).
    Read {
        /// Position.
        seq: usize,
        /// The row.
        row: FleetRow,
        /// What reading it gave (boxed: a snapshot is large, a malformed
        /// row small).
        read: Box<RowRead>,
    },
    /// A table item that is not a mapping row (`key` is `tenant/module`).
    Malformed {
        /// `tenant/module`, as far as the item says.
        key: String,
        /// What is wrong.
        message: String,
    },
}

/// What a streamed run did besides its rows.
#[derive(Debug, Clone, Default)]
pub struct Streamed {
    /// API calls made in total (the table's scan not included).
    pub api_calls: u64,
    /// Set when the circuit breaker stopped the run early: why, in one line.
    pub stopped: Option<String>,
    /// `pending` rows of the table that were skipped.
    pub pending: u64,
    /// Set when the table could not be scanned (rows read before it were
    /// streamed).
    pub scan_failed: Option<ReadError>,
}

/// Reads rows as they come, at most `concurrency` at once, and hands each
/// result to `each` as soon as it is done (in completion order). Memory
/// is bounded by `concurrency` and one scan page per segment, not by the
/// number of rows. Blocking: starts its own runtime; `each` runs on the
/// calling thread.
pub fn stream_fleet(
    opts: &AwsOptions,
    source: Source,
    concurrency: usize,
    each: impl FnMut(Item),
) -> Result<Streamed, ReadError> {
    let runtime = super::aws::runtime(concurrency.clamp(1, 4))?;
    runtime.block_on(async {
        let reader = Arc::new(AwsReader::connect(opts).await);
        Ok(stream_fleet_with(reader, source, concurrency, each).await)
    })
}

/// [`stream_fleet`] with a reader already connected.
pub async fn stream_fleet_with(
    reader: Arc<AwsReader>,
    source: Source,
    concurrency: usize,
    mut each: impl FnMut(Item),
) -> Streamed {
    let concurrency = concurrency.clamp(1, MAX_CONCURRENCY);
    let permits = Arc::new(Semaphore::new(concurrency));
    let (tx, mut rx) = mpsc::channel::<Item>(concurrency);
    let before = reader.api_calls();
    let pending = Arc::new(AtomicU64::new(0));
    let producer = {
        let reader = Arc::clone(&reader);
        let pending = Arc::clone(&pending);
        tokio::spawn(produce(reader, source, permits, tx, pending))
    };
    while let Some(item) = rx.recv().await {
        each(item);
    }
    let scan_failed = match producer.await {
        Ok(r) => r.err(),
        Err(e) => Some(
            ReadError::new(
                ReadErrorKind::Other,
                format!("reading the fleet stopped unexpectedly: {e}"),
            )
            .caused_by(e),
        ),
    };
    Streamed {
        api_calls: reader.api_calls() - before,
        stopped: reader.stopped(),
        pending: pending.load(Ordering::Relaxed),
        scan_failed,
    }
}

/// Starts one read, once a permit is free (so at most `concurrency` reads
/// and their results exist at once); the result goes to `tx`.
async fn start_read(
    reader: &Arc<AwsReader>,
    permits: &Arc<Semaphore>,
    tx: &mpsc::Sender<Item>,
    seq: usize,
    row: FleetRow,
) {
    // The semaphore is never closed; were it, the row would still be read.
    let permit = Arc::clone(permits).acquire_owned().await.ok();
    let reader = Arc::clone(reader);
    let tx = tx.clone();
    tokio::spawn(async move {
        let (result, api_calls) = reader.read(&row.target()).await;
        let item = Item::Read {
            seq,
            row,
            read: Box::new(RowRead { result, api_calls }),
        };
        // The receiver lives until every sender is gone.
        let _ = tx.send(item).await;
        drop(permit);
    });
}

async fn produce(
    reader: Arc<AwsReader>,
    source: Source,
    permits: Arc<Semaphore>,
    tx: mpsc::Sender<Item>,
    pending: Arc<AtomicU64>,
) -> Result<(), ReadError> {
    match source {
        Source::Rows(rows) => {
            for (seq, row) in rows.into_iter().enumerate() {
                start_read(&reader, &permits, &tx, seq, row).await;
            }
            Ok(())
        }
        Source::Table { name, shard } => {
            let table = MappingTable::new(&reader.config_with_retries(), &name);
            let (segments, total) = shard.segments();
            let seq = Arc::new(AtomicUsize::new(0));
            let mut scans = Vec::with_capacity(segments.len());
            for segment in segments {
                let (table, reader, permits, tx, pending, seq) = (
                    table.clone(),
                    Arc::clone(&reader),
                    Arc::clone(&permits),
                    tx.clone(),
                    Arc::clone(&pending),
                    Arc::clone(&seq),
                );
                scans.push(tokio::spawn(async move {
                    table
                        .scan_segment(segment, total, |scanned| {
                            let (reader, permits, tx, pending, seq) =
                                (&reader, &permits, &tx, &pending, &seq);
                            async move {
                                match scanned {
                                    Scanned::Row(row) if !row.is_active() => {
                                        pending.fetch_add(1, Ordering::Relaxed);
                                    }
                                    Scanned::Row(row) => {
                                        let n = seq.fetch_add(1, Ordering::Relaxed);
                                        start_read(reader, permits, tx, n, row).await;
                                    }
                                    Scanned::Malformed { key, message } => {
                                        let _ = tx.send(Item::Malformed { key, message }).await;
                                    }
                                }
                            }
                        })
                        .await
                }));
            }
            let mut first_error = None;
            for scan in scans {
                let failed = match scan.await {
                    Ok(r) => r.err(),
                    Err(e) => Some(
                        ReadError::new(
                            ReadErrorKind::Other,
                            format!("scanning the table `{name}` stopped unexpectedly: {e}"),
                        )
                        .caused_by(e),
                    ),
                };
                if first_error.is_none() {
                    first_error = failed;
                }
            }
            first_error.map_or(Ok(()), Err)
        }
    }
}
