//! Reading the role: GetRole, its inline policies and its attached ones.

use std::collections::BTreeMap;

use super::call::classify;
use super::{AwsReader, Ctx};
use crate::live::{
    AttachedPolicy, RawDoc, ReadError, ReadErrorKind, RoleSnapshot, RoleTarget, decode_document,
};

impl AwsReader {
    pub(super) async fn read_with(
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
                attached.push(readable_or_unknown(
                    self.managed_policy(ctx, parn, pname).await,
                    parn,
                    pname,
                )?);
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
                Some(readable_or_unknown(
                    self.managed_policy(ctx, barn, bname).await,
                    barn,
                    bname,
                )?)
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
}

/// A managed policy the role may not read (the self-audit statement reads
/// only the module's own policies and AWS managed ones, so a customer's
/// boundary or a policy attached by hand is refused) is returned without its
/// document: drift reports it as `unreadable_policy` and checks the rest,
/// instead of the whole role reading as `access_denied`.
fn readable_or_unknown(
    got: Result<AttachedPolicy, ReadError>,
    arn: &str,
    name: &str,
) -> Result<AttachedPolicy, ReadError> {
    match got {
        Err(e) if e.kind == ReadErrorKind::AccessDenied => Ok(AttachedPolicy {
            arn: arn.to_string(),
            name: name.to_string(),
            version_id: None,
            document: None,
        }),
        other => other,
    }
}
