//! Throttling, server errors, timeouts and broken connections, which moto
//! cannot produce: a fault proxy in front of moto answers chosen requests
//! itself (a throttling error, a 503, silence, half a response then a closed
//! connection) and forwards the others; and an endpoint that takes every
//! connection and closes it at once, counting them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use std::collections::HashMap;
use std::sync::Mutex;

use rolesmith::live::ReadErrorKind;
use rolesmith::live::aws::{AwsOptions, AwsReader};
use rolesmith::live::fleet::read_fleet_with;
use rolesmith::live::fleet_file::FleetRow;
use rolesmith::live::retry::RetryPolicy;

use super::moto::{account, moto};
use super::readers::deploy_contact_flows;

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Fault {
    Forward,
    Throttle,
    Unavailable,
    Hang,
    Deny,
    /// Forward, then send moto's head and half its body, and close the
    /// connection ("error reading a body from connection").
    CutHalfway,
}

/// Starts a proxy to moto; `plan(n)` decides the fault for the n-th request (from 0).
pub fn fault_proxy(
    plan: impl Fn(usize) -> Fault + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    fault_proxy_with(move |n, _| plan(n))
}

/// [`fault_proxy`] whose plan also sees the request (head without its
/// `Connection` header, then body).
pub fn fault_proxy_with(
    plan: impl Fn(usize, &[u8]) -> Fault + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    fault_proxy_to(&moto().endpoint, plan)
}

/// [`fault_proxy_with`] in front of the moto server at `endpoint`.
pub fn fault_proxy_to(
    endpoint: &str,
    plan: impl Fn(usize, &[u8]) -> Fault + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = endpoint.trim_start_matches("http://").to_string();
    let seen = Arc::new(AtomicUsize::new(0));
    let plan = Arc::new(plan);
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(conn) = conn else { continue };
            let (plan, counter, upstream) =
                (Arc::clone(&plan), Arc::clone(&counter), upstream.clone());
            std::thread::spawn(move || serve(conn, &upstream, &*plan, &counter));
        }
    });
    (format!("http://{addr}"), seen)
}

/// Handles one request on `conn`, then closes it (responses say `Connection: close`).
fn serve(
    conn: TcpStream,
    upstream: &str,
    plan: &dyn Fn(usize, &[u8]) -> Fault,
    counter: &AtomicUsize,
) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut head = Vec::new();
    let mut content_length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length:") {
            content_length = v.trim().parse().unwrap();
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0; content_length];
    reader.read_exact(&mut body).unwrap();
    let n = counter.fetch_add(1, Ordering::SeqCst);
    let mut request = head.concat().into_bytes();
    request.extend_from_slice(&body);
    let fault = plan(n, &request);
    let mut out = conn;
    match fault {
        Fault::Hang => {
            std::thread::sleep(Duration::from_secs(5));
        }
        Fault::Throttle => {
            let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code>\
                       <Message>Rate exceeded</Message></Error><RequestId>x</RequestId></ErrorResponse>";
            let _ = write!(
                out,
                "HTTP/1.1 400 Bad Request\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            );
        }
        Fault::Deny => {
            let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                       <Message>User is not authorized to perform: sts:AssumeRole</Message></Error>\
                       <RequestId>x</RequestId></ErrorResponse>";
            let _ = write!(
                out,
                "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                xml.len()
            );
        }
        Fault::Unavailable => {
            let _ = write!(
                out,
                "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
        Fault::Forward | Fault::CutHalfway => {
            let cut = fault == Fault::CutHalfway;
            let mut up = TcpStream::connect(upstream).unwrap();
            for line in &head {
                up.write_all(line.as_bytes()).unwrap();
            }
            up.write_all(b"Connection: close\r\n\r\n").unwrap();
            up.write_all(&body).unwrap();
            let mut resp = Vec::new();
            up.read_to_end(&mut resp).unwrap();
            // Re-frame the head so the client does not reuse this connection.
            let split = resp.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            let head = String::from_utf8_lossy(&resp[..split]);
            let mut new_head: Vec<&str> = head
                .split("\r\n")
                .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
                .collect();
            new_head.push("Connection: close");
            let _ = out.write_all(new_head.join("\r\n").as_bytes());
            let rest = &resp[split..];
            if cut {
                // The blank line and half the body; the head still promises all of it.
                let body_len = rest.len() - 4;
                assert!(body_len > 0, "moto sent an empty body");
                let _ = out.write_all(&rest[..4 + body_len / 2]);
                let _ = out.flush();
                let _ = out.shutdown(std::net::Shutdown::Both);
                return;
            }
            let _ = out.write_all(rest);
        }
    }
    let _ = out.flush();
}

/// An endpoint that accepts every connection and closes it at once, without
/// reading or answering: the client sees it reset or closed before any
/// response, as from a host refusing it. Returns its URL and the count of
/// connections it saw.
pub fn refusing_endpoint() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let seen = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&seen);
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(conn);
        }
    });
    (format!("http://{addr}"), seen)
}

/// A loopback URL nothing listens on: every connection is refused by the kernel.
pub fn closed_endpoint() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    format!("http://{addr}")
}

/// `message` is plain and holds every one of `parts`.
fn assert_says(message: &str, parts: &[&str]) {
    for part in parts {
        assert!(message.contains(part), "no `{part}` in: {message}");
    }
    assert_plain(message);
}

/// Messages are plain words: no Rust Debug shapes (`Foo { .. }`, `Foo(Bar(`).
pub fn assert_plain(message: &str) {
    for shape in [
        "{ ",
        " }",
        "DispatchFailure",
        "ResponseError(",
        "Some(",
        "source:",
    ] {
        assert!(
            !message.contains(shape),
            "`{shape}` in the message: {message}"
        );
    }
}

fn fast_retry(attempts: u32, timeout_ms: u64) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        attempt_timeout: Duration::from_millis(timeout_ms),
        ..RetryPolicy::default()
    }
}

/// Reads the role `arn` with the reader's own credentials.
async fn read_arn(
    r: &AwsReader,
    arn: &str,
) -> (
    Result<rolesmith::live::RoleSnapshot, rolesmith::live::ReadError>,
    u64,
) {
    r.read(&rolesmith::live::RoleTarget::new(arn)).await
}

async fn reader_via(endpoint: String, retry: RetryPolicy) -> AwsReader {
    AwsReader::connect(&AwsOptions {
        endpoint_url: Some(endpoint),
        retry,
        ..moto().options()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_and_5xx_are_retried_and_counted() {
    let acct = account(20);
    let d = deploy_contact_flows(moto(), &acct, "ext-faults").await;
    // Requests 0 and 1 throttled, 3 answered 503, the rest forwarded.
    let (endpoint, seen) = fault_proxy(|n| match n {
        0 | 1 => Fault::Throttle,
        3 => Fault::Unavailable,
        _ => Fault::Forward,
    });
    let r = reader_via(endpoint, fast_retry(4, 5_000)).await;
    let (snap, calls) = r
        .read(&rolesmith::live::RoleTarget {
            assume_role: Some(d.role_arn.clone()),
            external_id: Some("ext-faults".into()),
            ..rolesmith::live::RoleTarget::new(&d.role_arn)
        })
        .await;
    let snap = snap.unwrap();
    assert_eq!(snap.attached.len(), 1);
    // 6 calls for the role, plus 3 retried attempts.
    assert_eq!(calls, 9);
    assert_eq!(seen.load(Ordering::SeqCst), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_past_every_retry() {
    let (endpoint, seen) = fault_proxy(|_| Fault::Throttle);
    let r = reader_via(endpoint, fast_retry(3, 5_000)).await;
    let (res, calls) = read_arn(&r, "arn:aws:iam::200000000021:role/R").await;
    let err = res.unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::Throttled, "{err}");
    assert!(err.message.contains("--concurrency"), "{}", err.message);
    assert_eq!(calls, 3);
    assert_eq!(seen.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_endpoint_times_out_then_recovers() {
    let acct = account(22);
    let d = deploy_contact_flows(moto(), &acct, "ext-slow").await;
    // The first AssumeRole never gets an answer; its retry does.
    let (endpoint, _) = fault_proxy(|n| if n == 0 { Fault::Hang } else { Fault::Forward });
    let r = reader_via(endpoint, fast_retry(3, 2_000)).await;
    let started = std::time::Instant::now();
    let (snap, calls) = r
        .read(&rolesmith::live::RoleTarget {
            assume_role: Some(d.role_arn.clone()),
            external_id: Some("ext-slow".into()),
            ..rolesmith::live::RoleTarget::new(&d.role_arn)
        })
        .await;
    assert_eq!(snap.unwrap().name, "CXPortal-contact-flows");
    assert_eq!(calls, 7);
    assert!(started.elapsed() < Duration::from_secs(15));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_endpoint_past_every_retry_is_a_timeout() {
    let (endpoint, seen) = fault_proxy(|_| Fault::Hang);
    let r = reader_via(endpoint, fast_retry(2, 200)).await;
    let started = std::time::Instant::now();
    let (res, calls) = read_arn(&r, "arn:aws:iam::200000000023:role/R").await;
    let err = res.unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::Timeout, "{err}");
    assert_eq!(calls, 2);
    assert!(started.elapsed() < Duration::from_secs(3));
    // Give the proxy a moment to have counted both requests.
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(seen.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_assume_role_is_access_denied_and_not_retried() {
    let (endpoint, seen) = fault_proxy(|_| Fault::Deny);
    let r = reader_via(endpoint, fast_retry(4, 5_000)).await;
    let arn = "arn:aws:iam::200000000024:role/CXPortal-contact-flows";
    let (res, calls) = r
        .read(&rolesmith::live::RoleTarget {
            assume_role: Some(arn.into()),
            external_id: Some("wrong".into()),
            ..rolesmith::live::RoleTarget::new(arn)
        })
        .await;
    let err = res.unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::AccessDenied, "{err}");
    assert!(
        err.message.starts_with("sts:AssumeRole on `"),
        "{}",
        err.message
    );
    // The SDK's error is kept as the source, not only flattened into the message.
    let cause = std::error::Error::source(&err).expect("the SDK error as source");
    assert!(format!("{cause:?}").contains("AccessDenied"), "{cause:?}");
    assert_eq!((calls, seen.load(Ordering::SeqCst)), (1, 1));

    // In a report: status error, one access_denied finding (exit code 3).
    let subject = rolesmith::drift::Subject {
        module: "contact-flows".into(),
        role_arn: arn.into(),
        ..Default::default()
    };
    let rep = report_of(&subject, Err(&err));
    assert_eq!(rep.status, rolesmith::drift::Status::Error);
    assert_eq!(rep.findings.len(), 1);
    assert_eq!(rep.findings[0].kind, rolesmith::drift::Kind::AccessDenied);
}

/// What identifies one call across its retries: the caller's access key
/// (one per assumed session, so one per row) and the request body (the
/// action and its parameters). The signature and date change on a retry.
fn call_key(request: &[u8]) -> String {
    let text = String::from_utf8_lossy(request);
    let key = text
        .split("Credential=")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .unwrap_or("");
    let body = text.rsplit("\r\n").next().unwrap_or("");
    format!("{key} {body}")
}

/// The report of `subject` read as `read`, against the project's contact-flows.
fn report_of(
    subject: &rolesmith::drift::Subject,
    read: Result<&rolesmith::live::RoleSnapshot, &rolesmith::live::ReadError>,
) -> rolesmith::drift::Report {
    let p = crate::drift::project();
    let releases = p.releases("contact-flows", &[]);
    let versions = rolesmith::drift::ModuleVersions {
        latest: p.module("contact-flows"),
        releases: &releases,
        layouts: p.layouts_of("contact-flows"),
    };
    rolesmith::drift::check(
        rolesmith::catalogue::catalogue(),
        &p.config,
        &versions,
        subject,
        read,
    )
}

/// A fleet row as the CLI reports it.
fn subject_of(row: &FleetRow) -> rolesmith::drift::Subject {
    rolesmith::drift::Subject {
        tenant: Some(row.tenant.clone()),
        module: row.module.clone(),
        role_arn: row.role_arn.clone(),
        region: row.region.clone(),
    }
}

fn rows_for(accounts: impl Iterator<Item = String>) -> Vec<FleetRow> {
    accounts
        .enumerate()
        .map(|(i, acct)| FleetRow {
            tenant: format!("tenant-{i}"),
            module: "contact-flows".into(),
            role_arn: format!("arn:aws:iam::{acct}:role/CXPortal-contact-flows"),
            external_id: Some(format!("ext-cut-{i}")),
            region: Some("eu-west-2".into()),
            stack_name: None,
            status: None,
            deployed_version: None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_cut_halfway_is_retried() {
    let acct = account(25);
    let d = deploy_contact_flows(moto(), &acct, "ext-cut").await;
    // AssumeRole's first answer and GetRole's first answer are cut mid-body.
    let (endpoint, seen) = fault_proxy(|n| match n {
        0 | 2 => Fault::CutHalfway,
        _ => Fault::Forward,
    });
    let target = rolesmith::live::RoleTarget {
        assume_role: Some(d.role_arn.clone()),
        external_id: Some("ext-cut".into()),
        ..rolesmith::live::RoleTarget::new(&d.role_arn)
    };
    let r = reader_via(endpoint, fast_retry(4, 5_000)).await;
    let (snap, calls) = r.read(&target).await;
    let (direct, _) = moto().reader().await.read(&target).await;
    assert_eq!(snap.unwrap(), direct.unwrap());
    // 6 calls for the role, plus the 2 cut ones.
    assert_eq!((calls, seen.load(Ordering::SeqCst)), (8, 8));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_response_cut_on_every_attempt_is_a_plain_read_failure() {
    let (endpoint, seen) = fault_proxy(|_| Fault::CutHalfway);
    let r = reader_via(endpoint, fast_retry(3, 5_000)).await;
    let (res, calls) = read_arn(&r, "arn:aws:iam::200000000026:role/R").await;
    let err = res.unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::Other, "{err}");
    assert_eq!((calls, seen.load(Ordering::SeqCst)), (3, 3));
    assert_says(
        &err.message,
        &[
            "iam:GetRole on `arn:aws:iam::200000000026:role/R` failed: ",
            "body",
        ],
    );
    // The SDK's error stays the source.
    assert!(std::error::Error::source(&err).is_some());
}

/// Issue 15: with 30% of responses cut halfway, every row of a 20-row fleet
/// still gets the report it gets without faults.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_percent_of_responses_cut_halfway_over_a_20_row_fleet() {
    let mut rows = rows_for((0..20).map(|i| account(400 + i)));
    for row in &mut rows {
        let acct = row.role_arn.split(':').nth(4).unwrap().to_string();
        let ext = row.external_id.clone().unwrap();
        row.role_arn = deploy_contact_flows(moto(), &acct, &ext).await.role_arn;
    }
    let bar = indicatif::ProgressBar::hidden();
    let baseline = read_fleet_with(Arc::new(moto().reader().await), &rows, 8, &bar).await;

    // Three requests in ten are cut (every one whose number ends in 1, 4 or 7),
    // each call at most twice, so that every call succeeds within its attempts.
    let cuts: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
    let total_cut = Arc::new(AtomicUsize::new(0));
    let (c, t) = (Arc::clone(&cuts), Arc::clone(&total_cut));
    let (endpoint, seen) = fault_proxy_with(move |n, request| {
        let mut cuts = c.lock().unwrap();
        let done = cuts.entry(call_key(request)).or_default();
        if matches!(n % 10, 1 | 4 | 7) && *done < 2 {
            *done += 1;
            t.fetch_add(1, Ordering::SeqCst);
            Fault::CutHalfway
        } else {
            Fault::Forward
        }
    });
    let reader = Arc::new(reader_via(endpoint, RetryPolicy::default()).await);
    let bar = indicatif::ProgressBar::hidden();
    let read = read_fleet_with(reader, &rows, 8, &bar).await;

    let (seen, cut) = (
        seen.load(Ordering::SeqCst),
        total_cut.load(Ordering::SeqCst),
    );
    assert_eq!(seen, 20 * 6 + cut, "every cut answer was retried once more");
    assert!(cut * 100 >= seen * 20, "only {cut} of {seen} cut");
    assert_eq!(read.api_calls as usize, seen);
    assert_eq!(read.stopped, None);
    for ((row, got), want) in rows.iter().zip(&read.rows).zip(&baseline.rows) {
        let snap = got
            .result
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", row.tenant));
        assert_eq!(snap, want.result.as_ref().unwrap(), "{}", row.tenant);
        let report = report_of(&subject_of(row), Ok(snap));
        assert_eq!(report.status, rolesmith::drift::Status::Ok, "{report:?}");
        assert_eq!(report, report_of(&subject_of(row), want.result.as_ref()));
    }
}

/// Issue 15: an endpoint that takes no connection stops a 200-row fleet
/// after a handful of attempts (not 6 per row), says so once, and reports
/// every row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_refusing_every_connection_trips_the_breaker() {
    let rows = rows_for((0..200).map(|i| account(1000 + i)));
    let (endpoint, seen) = refusing_endpoint();
    let policy = RetryPolicy::default();
    let reader = Arc::new(reader_via(endpoint, policy).await);
    let bar = indicatif::ProgressBar::hidden();
    let read = read_fleet_with(reader, &rows, 16, &bar).await;

    assert_eq!(read.rows.len(), 200);
    assert_eq!(bar.position(), 200);
    // The breaker opens at the 10th silent attempt; attempts already on the
    // wire then finish: at most one more per other concurrent row.
    let limit = (policy.breaker_after + 15) as u64;
    assert!(read.api_calls <= limit, "{} attempts", read.api_calls);
    assert!(read.api_calls >= u64::from(policy.breaker_after));
    // Give the endpoint a moment to have counted the last connections.
    std::thread::sleep(Duration::from_millis(100));
    assert!(seen.load(Ordering::SeqCst) as u64 <= read.api_calls);
    let stopped = read.stopped.as_deref().expect("the breaker's message");
    assert!(
        stopped.starts_with("the endpoint answered none of 10 connection attempts in a row"),
        "{stopped}"
    );
    assert_plain(stopped);
    let mut not_tried = 0;
    for (row, got) in rows.iter().zip(&read.rows) {
        let err = got.result.as_ref().unwrap_err();
        assert_plain(&err.message);
        if err.message.contains("was not tried") {
            not_tried += 1;
            assert_eq!(got.api_calls, 0, "{}", err.message);
        }
        let report = report_of(&subject_of(row), Err(err));
        assert_eq!(report.status, rolesmith::drift::Status::Error);
        assert_eq!(report.findings.len(), 1);
        assert_eq!(report.findings[0].kind, rolesmith::drift::Kind::ReadFailed);
    }
    assert!(not_tried >= 200 - 16, "{not_tried} rows not tried");
}

/// The same with the kernel refusing: nothing listens on the port.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_nobody_listens_on_trips_the_breaker() {
    let rows = rows_for((0..50).map(|i| account(1300 + i)));
    let reader = Arc::new(reader_via(closed_endpoint(), RetryPolicy::default()).await);
    let bar = indicatif::ProgressBar::hidden();
    let read = read_fleet_with(reader, &rows, 4, &bar).await;
    assert!(read.api_calls <= 10 + 3, "{} attempts", read.api_calls);
    assert!(read.stopped.is_some());
    let first = read.rows[0].result.as_ref().unwrap_err();
    assert!(
        first.message.starts_with("sts:AssumeRole on `")
            && first.message.to_lowercase().contains("refused"),
        "{}",
        first.message
    );
    for got in &read.rows {
        assert_plain(&got.result.as_ref().unwrap_err().message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_row_deadline_bounds_a_read_whatever_the_retries() {
    // Every request hangs 5 s; attempts may take 20 s each, 6 of them: only
    // the row's deadline of 1 s ends the read.
    let (endpoint, seen) = fault_proxy(|_| Fault::Hang);
    let policy = RetryPolicy {
        row_timeout: Duration::from_secs(1),
        ..fast_retry(6, 20_000)
    };
    let r = reader_via(endpoint, policy).await;
    let started = std::time::Instant::now();
    let (res, calls) = read_arn(&r, "arn:aws:iam::200000000027:role/R").await;
    let err = res.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.kind, ReadErrorKind::Timeout, "{err}");
    assert_eq!(
        err.message,
        "iam:GetRole on `arn:aws:iam::200000000027:role/R` did not succeed within the row's deadline of 1 s; run again, or give it longer with `--row-timeout`"
    );
    assert_eq!(calls, 1);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_row_deadline_stops_retries_and_names_the_last_failure() {
    // Always throttled, backoff of up to 2 s: the deadline of 1 s comes first.
    let (endpoint, _) = fault_proxy(|_| Fault::Unavailable);
    let policy = RetryPolicy {
        base_delay: Duration::from_millis(400),
        max_delay: Duration::from_secs(2),
        row_timeout: Duration::from_secs(1),
        ..fast_retry(20, 5_000)
    };
    let r = reader_via(endpoint, policy).await;
    let (res, calls) = read_arn(&r, "arn:aws:iam::200000000028:role/R").await;
    let err = res.unwrap_err();
    assert_eq!(err.kind, ReadErrorKind::Timeout, "{err}");
    assert!(calls < 20, "{calls}");
    assert_says(
        &err.message,
        &["within the row's deadline of 1 s (last failure: ", "503"],
    );
}
