//! Fleet benchmark: hundreds of customer roles in moto, checked at
//! concurrency 1 and 16; prints wall time, speed-up and API calls per role.
//!
//!   cargo bench --bench fleet            # 300 roles, 20 ms simulated latency
//!   FLEET_ROLES=500 FLEET_LATENCY_MS=0 cargo bench --bench fleet
//!
//! moto answers in a few milliseconds and is single-process Python, so
//! `FLEET_LATENCY_MS` (default 20) delays every answer in place of the
//! network round trip to IAM; set it to 0 to measure moto alone.
//!
//! Measured on the 2-core build machine (shared), 300 roles, 6 API calls per
//! role (AssumeRole, GetRole, 2 lists, GetPolicy, GetPolicyVersion):
//! 20 ms latency: 59.8 s at concurrency 1, 17.8 s at 16 (3.4x); moto's own
//! CPU (about 10 ms of Python per call, one process) caps the gain. With no
//! added latency moto is the bottleneck at both settings (20.4 s vs 19.5 s).
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark whose setup fails should stop at once"
)]

#[path = "../tests/all/live/deploy.rs"]
#[expect(
    dead_code,
    reason = "shared with the tests; the benchmark uses part of it"
)]
mod deploy;
#[path = "../tests/all/live/moto.rs"]
#[expect(
    dead_code,
    reason = "shared with the tests; the benchmark uses part of it"
)]
mod moto;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rolesmith::live::aws::AwsReader;
use rolesmith::live::fleet::read_fleet_with;
use rolesmith::live::fleet_file::FleetRow;

const TEMPLATE: &str = include_str!("../generated/contact-flows/1.2.0/template.json");

fn main() {
    // `cargo test --bench fleet` runs this binary without `--bench`: then a
    // quick smoke run (8 roles, no added latency) keeps the suite fast.
    let full = std::env::args().any(|a| a == "--bench");
    let env = |k: &str| std::env::var(k).ok().and_then(|v| v.parse::<u32>().ok());
    let latency = if full {
        env("FLEET_LATENCY_MS").unwrap_or(20)
    } else {
        0
    };
    let n = if full {
        env("FLEET_ROLES").unwrap_or(300)
    } else {
        8
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let m = Arc::new(moto::spawn(false, Some(latency)).unwrap());
        let template: serde_json::Value = serde_json::from_str(TEMPLATE).unwrap();
        let template = Arc::new(template);
        let started = Instant::now();
        let mut rows = Vec::new();
        for chunk in (0..n).collect::<Vec<_>>().chunks(16) {
            let mut handles = Vec::new();
            for &i in chunk {
                let template = Arc::clone(&template);
                let m = Arc::clone(&m);
                handles.push(tokio::spawn(async move {
                    let acct = format!("{:012}", 700_000_000_000u64 + u64::from(i));
                    let ext = format!("bench-{i}-ext");
                    let iam = m.iam_in(&acct).await;
                    let stack = deploy::Stack {
                        account: &acct,
                        region: "eu-west-2",
                        name: "cx-portal-contact-flows",
                        params: BTreeMap::from([
                            ("ExternalId".to_string(), ext.clone()),
                            ("InstanceId".to_string(), "0123abcd-0123-4567-89ab-0123456789ab".to_string()),
                        ]),
                    };
                    let d = deploy::deploy(&iam, &template, &stack).await;
                    FleetRow {
                        tenant: format!("tenant-{i}"),
                        module: "contact-flows".into(),
                        role_arn: d.role_arn,
                        external_id: Some(ext),
                        region: Some("eu-west-2".into()),
                        stack_name: None,
                        status: None,
                        deployed_version: None,
                    }
                }));
            }
            for h in handles {
                rows.push(h.await.unwrap());
            }
        }
        println!(
            "seeded {n} roles in {:.1} s (simulated latency {latency} ms per call)",
            started.elapsed().as_secs_f64()
        );
        let mut times = Vec::new();
        for concurrency in [1usize, 16] {
            let reader = Arc::new(AwsReader::connect(&m.options()).await);
            let bar = indicatif::ProgressBar::hidden();
            let t = Instant::now();
            let read = read_fleet_with(reader, &rows, concurrency, &bar).await;
            let wall = t.elapsed().as_secs_f64();
            let failed = read.rows.iter().filter(|r| r.result.is_err()).count();
            println!(
                "concurrency {concurrency:>2}: {wall:6.2} s for {n} roles ({:.1} roles/s), {:.2} API calls per role, {failed} failed",
                f64::from(n) / wall,
                read.api_calls as f64 / f64::from(n)
            );
            assert_eq!(failed, 0, "every role of the fleet should be readable");
            times.push(wall);
        }
        println!("speed-up at 16: {:.1}x", times[0] / times[1]);
    });
}
