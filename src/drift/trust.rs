//! Trust policy drift: the vendor's authoriser must be able to assume the
//! role, only with the ExternalId, and nobody else may.

use crate::live::RoleSnapshot;
use crate::manifest::Config;
use crate::policy::{Effect, Policy, Principal};

use super::{Finding, Kind};

/// Findings about the trust policy `t` of `snap`.
pub(super) fn check(config: &Config, snap: &RoleSnapshot, t: &Policy) -> Vec<Finding> {
    let partition = snap.partition().unwrap_or("aws");
    let vendor = config.vendor.authoriser_arn(partition);
    let mut out = Vec::new();
    let mut vendor_trusted = false;
    for (i, s) in t.statements().iter().enumerate() {
        if s.effect != Effect::Allow || !s.matches_action("sts:AssumeRole") {
            continue;
        }
        let stmt = super::statement_label(s.sid.as_deref(), i);
        let principals: Vec<(String, String)> = match &s.principal {
            Some(Principal::Any) => vec![("AWS".into(), "*".into())],
            Some(Principal::Typed(m)) => m
                .iter()
                .flat_map(|(k, vs)| vs.iter().map(move |v| (k.clone(), v.clone())))
                .collect(),
            None => Vec::new(),
        };
        let has_external_id = config.roles.external_id
            && s.condition.iter().any(|(op, kv)| {
                op.eq_ignore_ascii_case("StringEquals")
                    && kv.keys().any(|k| k.eq_ignore_ascii_case("sts:ExternalId"))
            });
        for (kind, p) in principals {
            let mut f = if kind == "AWS" && p == vendor {
                vendor_trusted = true;
                if config.roles.external_id && !has_external_id {
                    Finding::new(
                        Kind::ExternalIdMissing,
                        format!(
                            "statement `{stmt}` of the trust policy lets `{vendor}` assume the role without the `sts:ExternalId` condition, so another customer of the vendor could be tricked into acting on this account (confused deputy)"
                        ),
                        "restore `\"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"<your external id>\"}}` in the trust policy, or update the stack".to_string(),
                    )
                } else {
                    continue;
                }
            } else if kind == "AWS" && p.starts_with("AROA") {
                Finding::new(
                    Kind::TrustPrincipalMissing,
                    format!(
                        "statement `{stmt}` of the trust policy names the role id `{p}` instead of `{vendor}`: the vendor's authoriser role was deleted and recreated, and this trust no longer applies to it"
                    ),
                    format!(
                        "replace `{p}` with `{vendor}` in the trust policy (updating the stack does it)"
                    ),
                )
            } else {
                Finding::new(
                    Kind::UntrustedPrincipal,
                    format!(
                        "statement `{stmt}` of the trust policy also lets `{p}` ({kind}) assume the role"
                    ),
                    format!(
                        "remove `{p}` from the trust policy; only `{vendor}` needs to assume this role"
                    ),
                )
            };
            f.policy = Some("trust policy".into());
            f.statement = Some(stmt.clone());
            out.push(f);
        }
    }
    if !vendor_trusted && !out.iter().any(|f| f.kind == Kind::TrustPrincipalMissing) {
        let mut f = Finding::new(
            Kind::TrustPrincipalMissing,
            format!(
                "the trust policy no longer lets `{vendor}` assume the role, so the vendor cannot use it"
            ),
            format!(
                "add `{vendor}` back as the trusted principal with the ExternalId condition, or update the stack"
            ),
        );
        f.policy = Some("trust policy".into());
        out.push(f);
    }
    out
}
