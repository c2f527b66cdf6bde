//! The streaming fleet runner holds a bounded number of rows whatever the
//! fleet's size: 5,000 rows (the bound does not depend on the count; 100,000
//! take minutes here, most of it building SDK clients per row) against an
//! endpoint that answers nothing
//! (the circuit breaker then fails every row at once, so the test is about
//! the runner, not the network). Each result reaches the consumer while
//! at most `2 x concurrency` rows are started and not yet handed over
//! (one permit per read in flight, one channel slot per finished read),
//! and no more than `concurrency` read tasks exist at once.

use std::sync::Arc;

use rolesmith::live::aws::{AwsOptions, AwsReader};
use rolesmith::live::fleet::{Item, Source, stream_fleet_with};
use rolesmith::live::fleet_file::FleetRow;

use crate::live::faults::closed_endpoint;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_rows_stream_with_bounded_rows_in_flight() {
    let n = 5_000;
    let concurrency = 16;
    let rows: Vec<FleetRow> = (0..n)
        .map(|i| FleetRow {
            tenant: format!("t{i}"),
            module: "contact-flows".into(),
            role_arn: format!(
                "arn:aws:iam::{:012}:role/CXPortal-contact-flows",
                300_000_000_000u64 + i
            ),
            external_id: Some(format!("x{i}")),
            region: Some("eu-west-2".into()),
            stack_name: None,
            status: None,
            deployed_version: None,
        })
        .collect();
    let opts = AwsOptions {
        region: Some("us-east-1".into()),
        endpoint_url: Some(closed_endpoint()),
        static_credentials: Some(("testing".into(), "testing".into())),
        ..AwsOptions::default()
    };
    let reader = Arc::new(AwsReader::connect(&opts).await);
    let ours = Arc::clone(&reader);
    // Every read task holds the reader: its count is the tasks alive (+ 3:
    // ours, the runner's, its producer's). A runner that spawned a task per
    // row up front would hold thousands.
    let mut most_tasks = 0usize;
    let mut received = 0usize;
    let mut ahead = 0usize;
    let mut seen = vec![false; n as usize];
    let streamed = stream_fleet_with(reader, Source::Rows(rows), concurrency, |item| {
        let Item::Read { seq, read, .. } = item else {
            panic!("a row of a list is never malformed")
        };
        assert!(read.result.is_err());
        assert!(!seen[seq], "row {seq} twice");
        seen[seq] = true;
        // Row `seq` was started after at most `received + 2 * concurrency` rows.
        ahead = ahead.max(seq.saturating_sub(received));
        received += 1;
        most_tasks = most_tasks.max(Arc::strong_count(&ours).saturating_sub(3));
    })
    .await;
    assert_eq!(received, n as usize);
    assert!(seen.iter().all(|s| *s));
    assert!(
        ahead <= 2 * concurrency,
        "a row {ahead} ahead of the consumer"
    );
    assert!(
        most_tasks <= concurrency,
        "{most_tasks} read tasks alive at once"
    );
    assert!(streamed.stopped.is_some(), "{streamed:?}");
}
