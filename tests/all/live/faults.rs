//! Throttling, server errors and timeouts, which moto cannot produce: a
//! fault proxy in front of moto answers chosen requests itself (a throttling
//! error, a 503, or silence) and forwards the others.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rolesmith::live::ReadErrorKind;
use rolesmith::live::aws::{AwsOptions, AwsReader};
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
}

/// Starts a proxy to moto; `plan(n)` decides the fault for the n-th request (from 0).
pub fn fault_proxy(
    plan: impl Fn(usize) -> Fault + Send + Sync + 'static,
) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let upstream = moto().endpoint.trim_start_matches("http://").to_string();
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
fn serve(conn: TcpStream, upstream: &str, plan: &dyn Fn(usize) -> Fault, counter: &AtomicUsize) {
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
    let mut out = conn;
    match plan(n) {
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
        Fault::Forward => {
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
            let _ = out.write_all(&resp[split..]);
        }
    }
    let _ = out.flush();
}

fn fast_retry(attempts: u32, timeout_ms: u64) -> RetryPolicy {
    RetryPolicy {
        max_attempts: attempts,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        attempt_timeout: Duration::from_millis(timeout_ms),
    }
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
    let (res, calls) = r
        .read(&rolesmith::live::RoleTarget::new(
            "arn:aws:iam::200000000021:role/R",
        ))
        .await;
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
    let (res, calls) = r
        .read(&rolesmith::live::RoleTarget::new(
            "arn:aws:iam::200000000023:role/R",
        ))
        .await;
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
    let p = crate::drift::project();
    let releases = p.releases("contact-flows", &[]);
    let versions = rolesmith::drift::ModuleVersions {
        latest: p.module("contact-flows"),
        releases: &releases,
        layouts: p.layouts_of("contact-flows"),
    };
    let subject = rolesmith::drift::Subject {
        module: "contact-flows".into(),
        role_arn: arn.into(),
        ..Default::default()
    };
    let rep = rolesmith::drift::check(
        rolesmith::catalogue::catalogue(),
        &p.config,
        &versions,
        &subject,
        Err(&err),
    );
    assert_eq!(rep.status, rolesmith::drift::Status::Error);
    assert_eq!(rep.findings.len(), 1);
    assert_eq!(rep.findings[0].kind, rolesmith::drift::Kind::AccessDenied);
}
