//! Managed policies: GetPolicy + GetPolicyVersion, AWS managed ones fetched
//! once per reader.

use super::call::classify;
use super::{AwsReader, Ctx};
use crate::live::{
    AttachedPolicy, RawDoc, ReadError, ReadErrorKind, decode_document, is_aws_managed_arn,
};

impl AwsReader {
    /// GetPolicy + GetPolicyVersion (default version), cached for AWS managed policies.
    pub(super) async fn managed_policy(
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

    pub(super) async fn fetch_policy(
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
}
