//! `rolesmith publish --bucket B [--prefix P]`: uploads every released
//! version's template and review documents to `P/<module>/<version>/...`
//! in S3, and prints each template's URL and console quick-create link.
//!
//! Released objects are immutable: a key already holding the same bytes
//! is left alone, one holding other bytes is refused (exit 1) before
//! anything is written. Templates come from `generated/` as `release`
//! froze them, checked against the ledger's digest.

use std::path::PathBuf;

use clap::Args;

use super::{Exit, Global};

/// Arguments of `publish`.
#[derive(Debug, Args)]
pub struct PublishArgs {
    /// S3 bucket to publish to (it must exist; its region is `--region`'s).
    #[arg(long)]
    pub bucket: String,
    /// Key prefix (folder) in the bucket; objects go to `PREFIX/<module>/<version>/...`.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// AWS named profile.
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region of the bucket.
    #[arg(long)]
    pub region: Option<String>,
    /// Endpoint URL for S3 (also `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`); URLs are then path style.
    #[arg(long)]
    pub endpoint_url: Option<String>,
}

/// One object to publish.
#[cfg_attr(
    not(feature = "aws"),
    expect(
        dead_code,
        reason = "read by the upload, which needs the `aws` feature"
    )
)]
struct Object {
    key: String,
    /// The file under the project root it comes from.
    file: PathBuf,
    bytes: Vec<u8>,
    content_type: &'static str,
}

/// A released version's published template.
#[cfg_attr(
    not(feature = "aws"),
    expect(
        dead_code,
        reason = "read by the upload, which needs the `aws` feature"
    )
)]
struct Published {
    module: String,
    version: semver::Version,
    template_key: String,
    stack_name: String,
}

/// The objects of every released version, in ledger order; `Err` is the
/// exit code after the problem was printed.
fn objects(
    l: &crate::pipeline::Loaded<'_>,
    prefix: &str,
) -> Result<(Vec<Object>, Vec<Published>), Exit> {
    use crate::pipeline::layout;
    let prefix = prefix.trim_matches('/');
    let key_of = |rel: &str| {
        if prefix.is_empty() {
            rel.to_string()
        } else {
            format!("{prefix}/{rel}")
        }
    };
    let mut objects = Vec::new();
    let mut published = Vec::new();
    let modules: Vec<String> = l.ledger.modules().map(str::to_string).collect();
    for module in &modules {
        for r in l.ledger.releases(module) {
            let template_rel = format!(
                "{}/{}",
                layout::version_dir(module, &r.version),
                layout::TEMPLATE_FILE
            );
            let frozen = r.frozen_files();
            let Some(digest) = frozen.get(template_rel.as_str()) else {
                super::eprint_error(format!(
                    "the ledger's release {module} {} lists no `{template_rel}`; the ledger is damaged: restore `generated/releases.json` from version control",
                    r.version
                ));
                return Err(Exit::Failure);
            };
            let file = layout::template(module, &r.version);
            let bytes = std::fs::read(l.root.join(&file)).map_err(|e| {
                super::eprint_error(format!(
                    "cannot read `{}`: {e}; run `rolesmith build` (released templates are rebuilt byte for byte)",
                    file.display()
                ));
                Exit::Failure
            })?;
            if crate::manifest::digest(&bytes) != *digest {
                super::eprint_error(format!(
                    "`{}` is not the template released as {module} {}: its digest differs from the ledger's; restore it from version control (or run `rolesmith build`), then publish",
                    file.display(),
                    r.version
                ));
                return Err(Exit::Failure);
            }
            let stack_name = l
                .compiled
                .iter()
                .find(|c| c.module == *module)
                .map_or_else(|| module.clone(), |c| c.role_name.clone());
            published.push(Published {
                module: module.clone(),
                version: r.version.clone(),
                template_key: key_of(&template_rel),
                stack_name,
            });
            objects.push(Object {
                key: key_of(&template_rel),
                file,
                bytes,
                content_type: "application/json",
            });
            for (format, content_type) in [
                (
                    crate::review::Format::Markdown,
                    "text/markdown; charset=utf-8",
                ),
                (crate::review::Format::Html, "text/html; charset=utf-8"),
            ] {
                let file = layout::review(module, &r.version, format);
                let bytes = std::fs::read(l.root.join(&file)).map_err(|e| {
                    super::eprint_error(format!(
                        "cannot read `{}`: {e}; run `rolesmith build` first",
                        file.display()
                    ));
                    Exit::Failure
                })?;
                objects.push(Object {
                    key: key_of(&layout::review_link(module, &r.version, format)),
                    file,
                    bytes,
                    content_type,
                });
            }
        }
    }
    Ok((objects, published))
}

/// Runs `publish`.
pub fn run(g: &Global, a: &PublishArgs) -> Exit {
    let l = match super::project::load(g) {
        Ok(l) => l,
        Err(exit) => return exit,
    };
    if a.bucket.is_empty() {
        super::eprint_error("`--bucket` is empty; give the name of an S3 bucket");
        return Exit::Failure;
    }
    let (objects, published) = match objects(&l, &a.prefix) {
        Ok(o) => o,
        Err(exit) => return exit,
    };
    if published.is_empty() {
        super::eprint_error(
            "nothing is released yet, so there is nothing to publish; run `rolesmith release` first",
        );
        return Exit::Failure;
    }
    upload(&l, a, objects, &published)
}

#[cfg(feature = "aws")]
fn upload(
    l: &crate::pipeline::Loaded<'_>,
    a: &PublishArgs,
    objects: Vec<Object>,
    published: &[Published],
) -> Exit {
    use crate::live::aws::s3::{Bucket, Put};

    let endpoint = a.endpoint_url.clone().or_else(|| {
        ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]
            .into_iter()
            .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    });
    let opts = crate::live::aws::AwsOptions {
        profile: a.profile.clone(),
        region: a.region.clone(),
        endpoint_url: endpoint.clone(),
        ..Default::default()
    };
    let runtime = match crate::live::aws::runtime(2) {
        Ok(r) => r,
        Err(e) => {
            super::eprint_error(e);
            return Exit::Live;
        }
    };
    let result: Result<Exit, crate::live::ReadError> = runtime.block_on(async {
        let conf = crate::live::aws::load_config(&opts, crate::live::aws::standard_retries()).await;
        let bucket = Bucket::new(&conf, &a.bucket, endpoint.as_deref());
        // Every key is compared before anything is written: a refusal
        // leaves the bucket as it was.
        let mut to_write = Vec::new();
        let mut conflicts = Vec::new();
        let mut same = 0usize;
        for o in objects {
            match bucket.get(&o.key).await? {
                None => to_write.push(o),
                Some(existing) if existing == o.bytes => same += 1,
                Some(_) => conflicts.push(o),
            }
        }
        if !conflicts.is_empty() {
            for o in &conflicts {
                super::eprint_error(format!(
                    "`s3://{}/{}` already holds other bytes than `{}`: released objects are immutable, so it was not replaced",
                    a.bucket,
                    o.key,
                    o.file.display()
                ));
            }
            super::eprint_error(format!(
                "{} object{} differ; nothing was written. Publish to a new `--prefix`, or remove the objects yourself if they were never used",
                conflicts.len(),
                if conflicts.len() == 1 { "" } else { "s" }
            ));
            return Ok(Exit::Problems);
        }
        let mut written = 0usize;
        for o in to_write {
            match bucket.put_new(&o.key, o.bytes.clone(), o.content_type).await? {
                Put::Created => written += 1,
                Put::AlreadyThere => {
                    // Someone published the same key meanwhile: same bytes is fine.
                    if bucket.get(&o.key).await?.as_deref() == Some(o.bytes.as_slice()) {
                        same += 1;
                    } else {
                        super::eprint_error(format!(
                            "`s3://{}/{}` was written by someone else meanwhile with other bytes; released objects are immutable",
                            a.bucket, o.key
                        ));
                        return Ok(Exit::Problems);
                    }
                }
            }
        }
        let mut out = String::new();
        for p in published {
            let url = bucket.url(&p.template_key);
            out.push_str(&format!(
                "{} {}\n  template: {url}\n  quick-create: {}\n",
                p.module,
                p.version,
                crate::review::quick_create_url(&url, &p.stack_name, &[], a.region.as_deref())
            ));
        }
        let base = bucket.url_of_prefix(&a.prefix);
        out.push_str(&format!(
            "{written} object{} written, {same} already there with the same bytes (left alone)\n",
            if written == 1 { "" } else { "s" }
        ));
        match &l.project.config.review.template_url_base {
            Some(b) if *b == base => {}
            _ => out.push_str(&format!(
                "set `review.template_url_base: {base}` in rolesmith.yaml so that review documents link these templates\n"
            )),
        }
        super::print_out(&out);
        Ok(Exit::Ok)
    });
    match result {
        Ok(exit) => exit,
        Err(e) => {
            super::eprint_error(e);
            Exit::Live
        }
    }
}

#[cfg(not(feature = "aws"))]
fn upload(
    _l: &crate::pipeline::Loaded<'_>,
    _a: &PublishArgs,
    _objects: Vec<Object>,
    _published: &[Published],
) -> Exit {
    super::eprint_error(
        "this build has no AWS support (built without the `aws` feature), which `publish` needs",
    );
    Exit::Failure
}
