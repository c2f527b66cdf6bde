//! The bucket `publish` writes released templates and review documents to.
//! Objects are written only when absent (`If-None-Match: *`), so a
//! released object is never replaced, even by two publishes at once.

use aws_config::SdkConfig;

use super::call::{CallError, classify};
use crate::live::{ReadError, ReadErrorKind};

/// A bucket, and how its objects are addressed in URLs.
#[derive(Debug, Clone)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
    url_base: String,
}

/// What writing a new object did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Put {
    /// Written.
    Created,
    /// Another writer created the key first.
    AlreadyThere,
}

fn failed<E>(op: &str, what: &str, e: aws_sdk_s3::error::SdkError<E>) -> ReadError
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    classify(op, what, CallError::Sdk(Box::new(e)))
}

/// The URL base of `bucket`'s objects: path style under a custom
/// `endpoint` (moto, MinIO, a VPC endpoint), else S3's virtual-hosted
/// style in `region` (path style for names with dots, which do not fit a
/// TLS wildcard certificate).
pub fn url_base(bucket: &str, region: &str, endpoint: Option<&str>) -> String {
    if let Some(e) = endpoint {
        return format!("{}/{bucket}", e.trim_end_matches('/'));
    }
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    if bucket.contains('.') {
        format!("https://s3.{region}.{suffix}/{bucket}")
    } else {
        format!("https://{bucket}.s3.{region}.{suffix}")
    }
}

/// Percent-encodes a key for a URL, keeping `/` between its segments.
fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Bucket {
    /// The bucket `name`; `endpoint` is the custom endpoint, if any (then
    /// requests and URLs are path style).
    pub fn new(conf: &SdkConfig, name: &str, endpoint: Option<&str>) -> Bucket {
        let s3 = aws_sdk_s3::config::Builder::from(conf)
            .force_path_style(endpoint.is_some())
            .build();
        let region = conf.region().map_or("us-east-1", |r| r.as_ref());
        Bucket {
            client: aws_sdk_s3::Client::from_conf(s3),
            name: name.to_string(),
            url_base: url_base(name, region, endpoint),
        }
    }

    /// The URL of an object (what CloudFormation's `TemplateURL` takes).
    pub fn url(&self, key: &str) -> String {
        format!("{}/{}", self.url_base, encode_key(key))
    }

    /// The URL a prefix's objects start with (no trailing `/`).
    pub fn url_of_prefix(&self, prefix: &str) -> String {
        let p = prefix.trim_matches('/');
        if p.is_empty() {
            self.url_base.clone()
        } else {
            format!("{}/{}", self.url_base, encode_key(p))
        }
    }

    /// The object's bytes, or `None` when the key does not exist.
    pub async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, ReadError> {
        let what = format!("s3://{}/{key}", self.name);
        match self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
        {
            Ok(out) => {
                let body = out.body.collect().await.map_err(|e| {
                    ReadError::new(
                        ReadErrorKind::Other,
                        format!("reading `{what}` failed: {e}"),
                    )
                    .caused_by(e)
                })?;
                Ok(Some(body.into_bytes().to_vec()))
            }
            Err(e) if e.as_service_error().is_some_and(|se| se.is_no_such_key()) => Ok(None),
            Err(e) => Err(failed("s3:GetObject", &what, e)),
        }
    }

    /// Writes a new object; never replaces one.
    pub async fn put_new(
        &self,
        key: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<Put, ReadError> {
        let what = format!("s3://{}/{key}", self.name);
        match self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type(content_type)
            .if_none_match("*")
            .body(bytes.into())
            .send()
            .await
        {
            Ok(_) => Ok(Put::Created),
            Err(e)
                if e.raw_response()
                    .is_some_and(|r| matches!(r.status().as_u16(), 409 | 412)) =>
            {
                Ok(Put::AlreadyThere)
            }
            Err(e) => Err(failed("s3:PutObject", &what, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_follow_s3s_styles() {
        assert_eq!(
            url_base("templates", "eu-west-2", None),
            "https://templates.s3.eu-west-2.amazonaws.com"
        );
        assert_eq!(
            url_base("cx.templates", "us-east-1", None),
            "https://s3.us-east-1.amazonaws.com/cx.templates"
        );
        assert_eq!(
            url_base("t", "cn-north-1", None),
            "https://t.s3.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(
            url_base("t", "us-east-1", Some("http://127.0.0.1:5000/")),
            "http://127.0.0.1:5000/t"
        );
        assert_eq!(encode_key("a b/c+d.json"), "a%20b/c%2Bd.json");
    }
}
