//! `publish`: every released version's template and review documents
//! under `PREFIX/<module>/<version>/`; a republish of the same bytes
//! writes nothing; other bytes under a released key are refused (exit 1)
//! before anything is written.

use serde_json::Value;

use super::{cmd, project};
use crate::live::moto::moto;
use crate::util;

async fn s3() -> aws_sdk_s3::Client {
    let conf = aws_sdk_s3::config::Builder::from(&moto().vendor_config().await)
        .force_path_style(true)
        .build();
    aws_sdk_s3::Client::from_conf(conf)
}

async fn object(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Option<Vec<u8>> {
    let out = s3.get_object().bucket(bucket).key(key).send().await.ok()?;
    Some(out.body.collect().await.unwrap().into_bytes().to_vec())
}

/// Released (module, version) pairs of the repository's ledger.
fn released(dir: &std::path::Path) -> Vec<(String, String)> {
    let ledger: Value =
        serde_json::from_slice(&std::fs::read(dir.join("generated/releases.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for (module, releases) in ledger["modules"].as_object().unwrap() {
        for r in releases.as_array().unwrap() {
            out.push((module.clone(), r["version"].as_str().unwrap().to_string()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_then_republish_is_immutable() {
    let dir = project();
    let bucket = "ops-publish-immutable";
    let s3 = s3().await;
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    let versions = released(dir.path());
    assert!(versions.len() >= 3, "{versions:?}");

    let first = util::run(&mut cmd(
        dir.path(),
        &["publish", "--bucket", bucket, "--prefix", "cx/"],
    ));
    assert_eq!(first.code, 0, "{}", first.text());
    let objects = versions.len() * 3;
    assert!(
        first
            .stdout
            .contains(&format!("{objects} objects written, 0 already there")),
        "{}",
        first.text()
    );
    for (m, v) in &versions {
        for file in ["template.json", "REVIEW.md", "review.html"] {
            let key = format!("cx/{m}/{v}/{file}");
            let local =
                std::fs::read(dir.path().join(format!("generated/{m}/{v}/{file}"))).unwrap();
            assert_eq!(
                object(&s3, bucket, &key).await.as_deref(),
                Some(&local[..]),
                "{key}"
            );
        }
        // The template URL a user pastes into CloudFormation: path style under moto.
        let url = format!("{}/{bucket}/cx/{m}/{v}/template.json", moto().endpoint);
        assert!(
            first.stdout.contains(&format!("  template: {url}\n")),
            "{}",
            first.stdout
        );
    }
    assert!(
        first.stdout.contains(
            "quick-create: https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?templateURL="
        ),
        "{}",
        first.stdout
    );
    assert!(
        first.stdout.contains(&format!(
            "set `review.template_url_base: {}/{bucket}/cx`",
            moto().endpoint
        )),
        "{}",
        first.stdout
    );

    // Same bytes again: nothing to write.
    let again = util::run(&mut cmd(
        dir.path(),
        &["publish", "--bucket", bucket, "--prefix", "cx"],
    ));
    assert_eq!(again.code, 0, "{}", again.text());
    assert!(
        again.stdout.contains(&format!(
            "0 objects written, {objects} already there with the same bytes (left alone)"
        )),
        "{}",
        again.text()
    );

    // A released key with other bytes is refused, and nothing else is
    // written: a key removed meanwhile stays absent.
    let (m, v) = &versions[0];
    let changed = format!("cx/{m}/{v}/template.json");
    s3.put_object()
        .bucket(bucket)
        .key(&changed)
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap();
    let (m2, v2) = &versions[1];
    let removed = format!("cx/{m2}/{v2}/REVIEW.md");
    s3.delete_object()
        .bucket(bucket)
        .key(&removed)
        .send()
        .await
        .unwrap();
    let refused = util::run(&mut cmd(
        dir.path(),
        &["publish", "--bucket", bucket, "--prefix", "cx"],
    ));
    assert_eq!(refused.code, 1, "{}", refused.text());
    assert!(
        refused.stderr.contains(&format!(
            "`s3://{bucket}/{changed}` already holds other bytes than `generated/{m}/{v}/template.json`: released objects are immutable"
        )),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("nothing was written"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        object(&s3, bucket, &changed).await.as_deref(),
        Some(&b"{}"[..])
    );
    assert_eq!(object(&s3, bucket, &removed).await, None);
}

#[test]
fn a_template_that_is_not_the_released_one_is_not_published() {
    let dir = project();
    let (m, v) = released(dir.path()).remove(0);
    let path = dir.path().join(format!("generated/{m}/{v}/template.json"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push(' ');
    std::fs::write(&path, text).unwrap();
    // No bucket is touched: the digest check comes first.
    let out = util::run(&mut cmd(
        dir.path(),
        &["publish", "--bucket", "ops-never-created"],
    ));
    assert_eq!(out.code, 2, "{}", out.text());
    assert!(
        out.stderr
            .contains(&format!("is not the template released as {m} {v}")),
        "{}",
        out.stderr
    );
}
