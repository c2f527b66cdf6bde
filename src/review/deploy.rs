//! How to deploy a module version: the AWS CLI command and, when templates
//! are published, the console quick-create link.

use super::Settings;
use super::doc::{Deploy, DeployParam, ParamDoc, Trust};
use crate::compile::CompiledModule;

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn url_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(super) fn deploy(
    compiled: &CompiledModule,
    params: &[ParamDoc],
    trust: &Trust,
    settings: &Settings,
) -> Deploy {
    let stack_name = compiled.role_name.clone();
    let parameters: Vec<DeployParam> = params
        .iter()
        .map(|p| {
            let value = match (&p.default, trust.external_id_parameter.as_deref()) {
                (Some(d), _) => d.clone(),
                (None, Some(x)) if x == p.name => "<external id from the vendor>".to_string(),
                (None, _) => format!("<{}>", p.name),
            };
            DeployParam {
                name: p.name.clone(),
                optional: p.default.is_some(),
                value,
            }
        })
        .collect();
    let mut command = format!(
        "aws cloudformation deploy \\\n  --stack-name {stack_name} \\\n  --template-file template.json \\\n  --capabilities CAPABILITY_NAMED_IAM"
    );
    let required: Vec<&DeployParam> = parameters.iter().filter(|p| !p.optional).collect();
    if !required.is_empty() {
        command.push_str(" \\\n  --parameter-overrides");
        for p in &required {
            let v = if p.value.contains(' ') || p.value.contains('<') {
                format!("'{}'", p.value)
            } else {
                p.value.clone()
            };
            command.push_str(&format!(" \\\n    {}={v}", p.name));
        }
    }
    let quick_create_url = settings.template_url_base.as_ref().map(|base| {
        let template = format!(
            "{}/{}/{}/template.json",
            base.trim_end_matches('/'),
            compiled.module,
            compiled.version
        );
        let mut url = format!(
            "https://console.aws.amazon.com/cloudformation/home#/stacks/quickcreate?templateURL={}&stackName={}",
            url_encode(&template),
            url_encode(&stack_name)
        );
        for p in params {
            url.push_str(&format!(
                "&param_{}={}",
                url_encode(&p.name),
                url_encode(p.default.as_deref().unwrap_or_default())
            ));
        }
        url
    });
    Deploy {
        stack_name,
        parameters,
        command,
        quick_create_url,
    }
}
