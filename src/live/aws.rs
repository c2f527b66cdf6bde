//! The AWS reader: IAM (and STS, CloudFormation) through the AWS SDK.
//!
//! Every call is scoped to the role or to one of its policies, so the role's
//! own self-audit permissions are enough (3 + k + 2m calls for k inline and m
//! attached policies; AWS managed policies are fetched once per reader).
//! The SDK's own retries are off: [`AwsReader`] retries each call itself
//! (backoff with jitter, per-attempt timeout) so that it can count every
//! attempt and classify what finally failed.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::retry::RetryConfig;
use tokio::sync::OnceCell;

use super::retry::{Jitter, RetryPolicy, Transient, is_throttling_code};
use super::{
    AttachedPolicy, RawDoc, ReadError, ReadErrorKind, RoleReader, RoleSnapshot, RoleTarget,
    StackInfo, decode_document, is_aws_managed_arn, role_name_of,
};

/// How to reach AWS: the AWS CLI's conventions, on top of the standard
/// credential chain and `AWS_*` variables (which `aws-config` reads itself).
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// Named profile (`--profile`, `AWS_PROFILE`).
    pub profile: Option<String>,
    /// Region (`--region`); IAM's `us-east-1` when nothing sets one.
    pub region: Option<String>,
    /// Endpoint for every service (`--endpoint-url`; `AWS_ENDPOINT_URL` is read by the SDK).
    pub endpoint_url: Option<String>,
    /// Static access key and secret instead of the credential chain (tests).
    pub static_credentials: Option<(String, String)>,
    /// Retries and timeouts.
    pub retry: RetryPolicy,
    /// Page size of list calls (`MaxItems`); the service default when `None`.
    pub page_size: Option<i32>,
}

/// Why one call failed after its retries.
enum CallError<E> {
    // Boxed: the SDK error is large and failures are rare.
    Sdk(Box<SdkError<E>>),
    TimedOut,
}

/// Reads roles through the AWS SDK. Async; see [`BlockingAwsReader`] for the
/// synchronous [`RoleReader`].
pub struct AwsReader {
    base: SdkConfig,
    retry: RetryPolicy,
    page_size: Option<i32>,
    jitter: Jitter,
    calls: AtomicU64,
    /// AWS managed policies are identical in every account: one fetch per ARN.
    managed_cache: Mutex<HashMap<String, Arc<OnceCell<AttachedPolicy>>>>,
}

impl std::fmt::Debug for AwsReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsReader")
            .field("region", &self.base.region())
            .field("calls", &self.calls)
            .finish_non_exhaustive()
    }
}

/// Per-read state: the IAM client (maybe with assumed credentials) and the
/// number of calls this read made.
struct Ctx {
    iam: aws_sdk_iam::Client,
    cfn_conf: SdkConfig,
    calls: AtomicU64,
}

impl AwsReader {
    /// Loads the AWS configuration (credential chain, profile, region, endpoint).
    pub async fn connect(opts: &AwsOptions) -> AwsReader {
        // The SDK would retry on its own; we retry ourselves to count and classify.
        let mut loader =
            aws_config::defaults(BehaviorVersion::latest()).retry_config(RetryConfig::disabled());
        if let Some(p) = &opts.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(u) = &opts.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        if let Some((key, secret)) = &opts.static_credentials {
            loader = loader.credentials_provider(aws_sdk_iam::config::Credentials::new(
                key,
                secret,
                None,
                None,
                "rolesmith-static",
            ));
        }
        let mut base = loader.load().await;
        if base.region().is_none() {
            // IAM is global with its control plane in us-east-1; the SDK still
            // needs a region to sign and to resolve endpoints.
            base = base.into_builder().region(Region::new("us-east-1")).build();
        }
        AwsReader {
            base,
            retry: opts.retry,
            page_size: opts.page_size,
            jitter: Jitter::from_entropy(),
            calls: AtomicU64::new(0),
            managed_cache: Mutex::new(HashMap::new()),
        }
    }

    /// API calls made so far by this reader (every attempt counts).
    pub fn api_calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    /// Reads one role; returns the snapshot and the calls this read made.
    pub async fn read(&self, target: &RoleTarget) -> (Result<RoleSnapshot, ReadError>, u64) {
        let mut calls = 0;
        let r = self.read_inner(target, &mut calls).await;
        (r, calls)
    }

    async fn read_inner(
        &self,
        target: &RoleTarget,
        calls: &mut u64,
    ) -> Result<RoleSnapshot, ReadError> {
        let name = role_name_of(&target.role_arn).ok_or_else(|| {
            ReadError::new(
                ReadErrorKind::Other,
                format!("`{}` is not an IAM role ARN", target.role_arn),
            )
        })?;
        let ctx = self.context(target).await;
        let ctx = match ctx {
            Ok(c) => c,
            Err((e, n)) => {
                *calls += n;
                return Err(e);
            }
        };
        let r = self.read_with(&ctx, target, name).await;
        *calls += ctx.calls.load(Ordering::Relaxed);
        r
    }

    /// Builds the clients for one read, assuming the target role first when asked.
    async fn context(&self, target: &RoleTarget) -> Result<Ctx, (ReadError, u64)> {
        let mut conf = self.base.clone();
        if let Some(region) = &target.region {
            conf = conf
                .into_builder()
                .region(Region::new(region.clone()))
                .build();
        }
        let pre = Ctx {
            iam: aws_sdk_iam::Client::new(&conf),
            cfn_conf: conf.clone(),
            calls: AtomicU64::new(0),
        };
        let Some(assume) = &target.assume_role else {
            return Ok(pre);
        };
        let sts = aws_sdk_sts::Client::new(&conf);
        let out = self
            .call(&pre, || {
                let mut req = sts
                    .assume_role()
                    .role_arn(assume)
                    .role_session_name("rolesmith-drift");
                if let Some(id) = &target.external_id {
                    req = req.external_id(id);
                }
                req.send()
            })
            .await;
        let n = pre.calls.load(Ordering::Relaxed);
        let out = out.map_err(|e| (classify("sts:AssumeRole", assume, e), n))?;
        let Some(c) = out.credentials() else {
            return Err((
                ReadError::new(
                    ReadErrorKind::Other,
                    format!("assuming `{assume}` returned no credentials"),
                ),
                n,
            ));
        };
        let creds = aws_sdk_iam::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            std::time::SystemTime::try_from(*c.expiration()).ok(),
            "rolesmith-assume-role",
        );
        let assumed = conf
            .into_builder()
            .credentials_provider(aws_sdk_iam::config::SharedCredentialsProvider::new(creds))
            .build();
        Ok(Ctx {
            iam: aws_sdk_iam::Client::new(&assumed),
            cfn_conf: assumed,
            calls: AtomicU64::new(n),
        })
    }

    async fn read_with(
        &self,
        ctx: &Ctx,
        target: &RoleTarget,
        name: &str,
    ) -> Result<RoleSnapshot, ReadError> {
        let arn = &target.role_arn;
        let got = self
            .call(ctx, || ctx.iam.get_role().role_name(name).send())
            .await
            .map_err(|e| classify("iam:GetRole", arn, e))?;
        let Some(role) = got.role() else {
            return Err(ReadError::new(
                ReadErrorKind::Other,
                format!("iam:GetRole returned no role for `{arn}`"),
            ));
        };
        let tags: BTreeMap<String, String> = role
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();

        let mut inline = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .call(ctx, || {
                    ctx.iam
                        .list_role_policies()
                        .role_name(name)
                        .set_marker(marker.clone())
                        .set_max_items(self.page_size)
                        .send()
                })
                .await
                .map_err(|e| classify("iam:ListRolePolicies", arn, e))?;
            for pname in page.policy_names() {
                let doc = self
                    .call(ctx, || {
                        ctx.iam
                            .get_role_policy()
                            .role_name(name)
                            .policy_name(pname)
                            .send()
                    })
                    .await
                    .map_err(|e| classify("iam:GetRolePolicy", arn, e))?;
                inline.push((
                    pname.clone(),
                    RawDoc(decode_document(doc.policy_document())),
                ));
            }
            marker = page.marker().map(str::to_string);
            if !page.is_truncated() || marker.is_none() {
                break;
            }
        }
        inline.sort_by(|a, b| a.0.cmp(&b.0));

        let mut attached = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .call(ctx, || {
                    ctx.iam
                        .list_attached_role_policies()
                        .role_name(name)
                        .set_marker(marker.clone())
                        .set_max_items(self.page_size)
                        .send()
                })
                .await
                .map_err(|e| classify("iam:ListAttachedRolePolicies", arn, e))?;
            for p in page.attached_policies() {
                let parn = p.policy_arn().unwrap_or_default();
                let pname = p.policy_name().unwrap_or_default();
                attached.push(self.managed_policy(ctx, parn, pname).await?);
            }
            marker = page.marker().map(str::to_string);
            if !page.is_truncated() || marker.is_none() {
                break;
            }
        }
        attached.sort_by(|a, b| a.arn.cmp(&b.arn));

        let boundary = match role
            .permissions_boundary()
            .and_then(|b| b.permissions_boundary_arn())
        {
            Some(barn) => {
                let bname = barn.rsplit('/').next().unwrap_or(barn);
                Some(self.managed_policy(ctx, barn, bname).await?)
            }
            None => None,
        };

        let stack_name = target
            .stack_name
            .clone()
            .or_else(|| tags.get("aws:cloudformation:stack-name").cloned());
        let stack = match stack_name {
            Some(s) => Some(self.stack(ctx, &s).await),
            None => None,
        };

        Ok(RoleSnapshot {
            arn: role.arn().to_string(),
            name: role.role_name().to_string(),
            role_id: role.role_id().to_string(),
            path: role.path().to_string(),
            tags,
            max_session_duration: role
                .max_session_duration()
                .and_then(|d| u32::try_from(d).ok()),
            trust_policy: RawDoc(decode_document(
                role.assume_role_policy_document().unwrap_or_default(),
            )),
            inline,
            attached,
            boundary,
            stack,
        })
    }

    /// GetPolicy + GetPolicyVersion (default version), cached for AWS managed policies.
    async fn managed_policy(
        &self,
        ctx: &Ctx,
        arn: &str,
        name: &str,
    ) -> Result<AttachedPolicy, ReadError> {
        if !is_aws_managed_arn(arn) {
            return self.fetch_policy(ctx, arn, name).await;
        }
        let cell = {
            let mut cache = self
                .managed_cache
                .lock()
                .map_err(|_| ReadError::new(ReadErrorKind::Other, "policy cache poisoned"))?;
            cache.entry(arn.to_string()).or_default().clone()
        };
        // One fetch per ARN even when many roles ask at once; a failed fetch
        // is not cached, so the next role tries again.
        cell.get_or_try_init(|| self.fetch_policy(ctx, arn, name))
            .await
            .cloned()
    }

    async fn fetch_policy(
        &self,
        ctx: &Ctx,
        arn: &str,
        name: &str,
    ) -> Result<AttachedPolicy, ReadError> {
        let pol = self
            .call(ctx, || ctx.iam.get_policy().policy_arn(arn).send())
            .await
            .map_err(|e| classify("iam:GetPolicy", arn, e))?;
        let version = pol
            .policy()
            .and_then(|p| p.default_version_id())
            .map(str::to_string);
        let document = match &version {
            Some(v) => {
                let out = self
                    .call(ctx, || {
                        ctx.iam
                            .get_policy_version()
                            .policy_arn(arn)
                            .version_id(v)
                            .send()
                    })
                    .await
                    .map_err(|e| classify("iam:GetPolicyVersion", arn, e))?;
                out.policy_version()
                    .and_then(|pv| pv.document())
                    .map(|d| RawDoc(decode_document(d)))
            }
            None => None,
        };
        Ok(AttachedPolicy {
            arn: arn.to_string(),
            name: pol
                .policy()
                .and_then(|p| p.policy_name())
                .unwrap_or(name)
                .to_string(),
            version_id: version,
            document,
        })
    }

    /// DescribeStacks; a stack that cannot be read is reported in its status
    /// rather than failing the role, whose permissions were read.
    async fn stack(&self, ctx: &Ctx, name: &str) -> StackInfo {
        let cfn = aws_sdk_cloudformation::Client::new(&ctx.cfn_conf);
        let out = self
            .call(ctx, || cfn.describe_stacks().stack_name(name).send())
            .await;
        let mut info = StackInfo {
            name: name.to_string(),
            region: ctx.cfn_conf.region().map(|r| r.to_string()),
            ..StackInfo::default()
        };
        match out {
            Ok(out) => match out.stacks().first() {
                Some(s) => {
                    info.status = s
                        .stack_status()
                        .map(|st| st.as_str().to_string())
                        .unwrap_or_default();
                    info.module_version = s
                        .outputs()
                        .iter()
                        .find(|o| o.output_key() == Some("ModuleVersion"))
                        .and_then(|o| o.output_value())
                        .map(str::to_string);
                    info.parameters = s
                        .parameters()
                        .iter()
                        .filter_map(|p| {
                            Some((
                                p.parameter_key()?.to_string(),
                                p.parameter_value().unwrap_or_default().to_string(),
                            ))
                        })
                        .collect();
                }
                None => info.status = "NOT_FOUND".to_string(),
            },
            Err(e) => {
                let err = classify("cloudformation:DescribeStacks", name, e);
                info.status = format!("UNREADABLE ({})", err.message);
            }
        }
        info
    }

    /// One API call with retries: each attempt is counted and bounded by the
    /// attempt timeout; throttling, 5xx, dropped connections and timeouts are
    /// retried after a jittered exponential backoff.
    async fn call<T, E, F, Fut>(&self, ctx: &Ctx, mut f: F) -> Result<T, CallError<E>>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E>>>,
        E: ProvideErrorMetadata,
    {
        let attempts = self.retry.max_attempts.max(1);
        let mut retry = 0;
        loop {
            self.calls.fetch_add(1, Ordering::Relaxed);
            ctx.calls.fetch_add(1, Ordering::Relaxed);
            let outcome = tokio::time::timeout(self.retry.attempt_timeout, f()).await;
            let err = match outcome {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => CallError::Sdk(Box::new(e)),
                Err(_) => CallError::TimedOut,
            };
            if transient(&err).is_none() || retry + 1 >= attempts {
                return Err(err);
            }
            tokio::time::sleep(self.retry.backoff(retry, self.jitter.next())).await;
            retry += 1;
        }
    }
}

/// Which failures are worth another attempt.
fn transient<E: ProvideErrorMetadata>(err: &CallError<E>) -> Option<Transient> {
    match err {
        CallError::TimedOut => Some(Transient::TimedOut),
        CallError::Sdk(e) => {
            let e = e.as_ref();
            if e.code().is_some_and(is_throttling_code) {
                return Some(Transient::Throttled);
            }
            match e {
                SdkError::TimeoutError(_) => Some(Transient::TimedOut),
                SdkError::DispatchFailure(d) if d.is_timeout() => Some(Transient::TimedOut),
                SdkError::DispatchFailure(d) if d.is_io() => Some(Transient::ServerError),
                _ => {
                    let status = e.raw_response().map(|r| r.status().as_u16());
                    match status {
                        Some(429) => Some(Transient::Throttled),
                        Some(s) if s >= 500 => Some(Transient::ServerError),
                        _ => None,
                    }
                }
            }
        }
    }
}

/// Turns the final failure of `op` on `what` into a classified, actionable error.
fn classify<E: ProvideErrorMetadata + std::error::Error + 'static>(
    op: &str,
    what: &str,
    err: CallError<E>,
) -> ReadError {
    let e = match err {
        CallError::TimedOut => {
            return ReadError::new(
                ReadErrorKind::Timeout,
                format!(
                    "{op} on `{what}` timed out on every attempt; check the network and the endpoint, then run again"
                ),
            );
        }
        CallError::Sdk(e) => *e,
    };
    let code = e.code().unwrap_or_default().to_string();
    let detail = e
        .message()
        .map(str::to_string)
        .unwrap_or_else(|| one_line(&aws_sdk_iam::error::DisplayErrorContext(&e).to_string()));
    if is_throttling_code(&code) || e.raw_response().is_some_and(|r| r.status().as_u16() == 429) {
        return ReadError::new(
            ReadErrorKind::Throttled,
            format!(
                "{op} on `{what}` was throttled past every retry; run again later or lower `--concurrency`"
            ),
        );
    }
    match code.as_str() {
        "NoSuchEntity" if op == "iam:GetRole" => ReadError::new(
            ReadErrorKind::RoleMissing,
            format!("role `{what}` does not exist"),
        ),
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => ReadError::new(
            ReadErrorKind::AccessDenied,
            format!("{op} on `{what}` was denied: {detail}"),
        ),
        "" => ReadError::new(
            ReadErrorKind::Other,
            format!("{op} on `{what}` failed: {detail}"),
        ),
        _ => ReadError::new(
            ReadErrorKind::Other,
            format!("{op} on `{what}` failed with `{code}`: {detail}"),
        ),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

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
        })
}
