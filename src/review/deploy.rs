//! How to deploy a module version: the AWS CLI command and, when templates
//! are published, the console quick-create link. A template over
//! CloudFormation's limit for a template body ([`TEMPLATE_BODY_LIMIT`])
//! cannot be sent inline: the command uploads it to an S3 bucket
//! (`--s3-bucket`), or the stack is created from its published URL.

use super::Settings;
use super::doc::{Deploy, DeployParam, ParamDoc, Trust};
use crate::compile::CompiledModule;

/// The largest template CloudFormation accepts as a template body (bytes;
/// `--template-body`, and what `aws cloudformation deploy --template-file`
/// sends without `--s3-bucket`). Larger templates must come from S3.
pub const TEMPLATE_BODY_LIMIT: usize = 51_200;

/// Does a template of `bytes` need S3 (a bucket or a template URL) to deploy?
pub fn needs_s3(bytes: usize) -> bool {
    bytes > TEMPLATE_BODY_LIMIT
}

/// `90123` -> `90,123`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Shell quoting for a placeholder or a value with spaces.
fn shell(v: &str) -> String {
    if v.contains(' ') || v.contains('<') {
        format!("'{v}'")
    } else {
        v.to_string()
    }
}

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

/// Where a published template lives: `<base>/<module>/<version>/template.json`.
pub fn template_url(base: &str, module: &str, version: &semver::Version) -> String {
    format!(
        "{}/{module}/{version}/template.json",
        base.trim_end_matches('/')
    )
}

/// The console's quick-create link for the template at `template_url`:
/// stack name and parameter values filled in (`param_<Name>`), in `region`
/// when given (else the console's current region).
pub fn quick_create_url(
    template_url: &str,
    stack_name: &str,
    params: &[(String, String)],
    region: Option<&str>,
) -> String {
    let region = region.map_or_else(String::new, |r| format!("?region={}", url_encode(r)));
    let mut url = format!(
        "https://console.aws.amazon.com/cloudformation/home{region}#/stacks/quickcreate?templateURL={}&stackName={}",
        url_encode(template_url),
        url_encode(stack_name)
    );
    for (name, value) in params {
        url.push_str(&format!(
            "&param_{}={}",
            url_encode(name),
            url_encode(value)
        ));
    }
    url
}

/// The quick-create link of a module version's template (`template`, as
/// compiled or as released), published under `base`: the same link its
/// review document gives (stack name = role name, every parameter of the
/// template with its default or empty).
pub fn release_quick_create_url(
    base: &str,
    module: &str,
    version: &semver::Version,
    stack_name: &str,
    template: &serde_json::Value,
) -> String {
    let params: Vec<(String, String)> = template
        .get("Parameters")
        .and_then(serde_json::Value::as_object)
        .map(|ps| {
            ps.iter()
                .map(|(name, p)| {
                    let default = p
                        .get("Default")
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or_default();
                    (name.clone(), default.to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    quick_create_url(
        &template_url(base, module, version),
        stack_name,
        &params,
        None,
    )
}

/// The console quick-create link of `compiled` (the one its review document
/// gives), when `settings` says where templates are published.
pub fn module_quick_create_url(compiled: &CompiledModule, settings: &Settings) -> Option<String> {
    let base = settings.template_url_base.as_deref()?;
    Some(release_quick_create_url(
        base,
        &compiled.module,
        &compiled.version,
        &compiled.role_name,
        &compiled.template,
    ))
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
    let template_bytes = compiled.template_bytes().len();
    let over_body_limit = needs_s3(template_bytes);
    let mut command = format!(
        "aws cloudformation deploy \\\n  --stack-name {stack_name} \\\n  --template-file template.json \\\n"
    );
    if over_body_limit {
        command.push_str("  --s3-bucket <bucket in your account and region> \\\n");
    }
    command.push_str("  --capabilities CAPABILITY_NAMED_IAM");
    let required: Vec<&DeployParam> = parameters.iter().filter(|p| !p.optional).collect();
    if !required.is_empty() {
        command.push_str(" \\\n  --parameter-overrides");
        for p in &required {
            command.push_str(&format!(" \\\n    {}={}", p.name, shell(&p.value)));
        }
    }
    let template_url = settings
        .template_url_base
        .as_ref()
        .map(|base| template_url(base, &compiled.module, &compiled.version));
    // From the published template, for a template S3 must hold anyway.
    let url_command = template_url.as_ref().filter(|_| over_body_limit).map(|url| {
        let mut c = format!(
            "aws cloudformation create-stack \\\n  --stack-name {stack_name} \\\n  --template-url {url} \\\n  --capabilities CAPABILITY_NAMED_IAM"
        );
        if !required.is_empty() {
            c.push_str(" \\\n  --parameters");
            for p in &required {
                c.push_str(&format!(
                    " \\\n    ParameterKey={},ParameterValue={}",
                    p.name,
                    shell(&p.value)
                ));
            }
        }
        c
    });
    let quick_create_url = module_quick_create_url(compiled, settings);
    Deploy {
        stack_name,
        parameters,
        command,
        template_size: thousands(template_bytes),
        over_body_limit,
        url_command,
        quick_create_url,
    }
}
