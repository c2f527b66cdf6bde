//! The CloudFormation stack that deployed the role.

use super::call::classify;
use super::{AwsReader, Ctx};
use crate::live::StackInfo;

impl AwsReader {
    /// DescribeStacks; a stack that cannot be read is reported in its status
    /// rather than failing the role, whose permissions were read.
    pub(super) async fn stack(&self, ctx: &Ctx, name: &str) -> StackInfo {
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
}
