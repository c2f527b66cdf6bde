//! Deploys a generated CloudFormation template through the IAM API (moto's
//! CloudFormation mishandles IAM resources): resolves `Ref`, `Fn::Sub`,
//! `Fn::If`, `Fn::Not`, `Fn::Equals`, `Fn::Join` and `AWS::NoValue`, then
//! creates the role, its managed and inline policies, and attaches them.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// Where and how the stack is deployed.
pub struct Stack<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub name: &'a str,
    pub params: BTreeMap<String, String>,
}

struct Ctx<'a> {
    stack: &'a Stack<'a>,
    params: BTreeMap<String, String>,
    conditions: BTreeMap<String, bool>,
    /// Logical id -> value of `Ref` (role name, policy ARN).
    refs: BTreeMap<String, String>,
}

impl Ctx<'_> {
    fn pseudo(&self, name: &str) -> Option<String> {
        Some(match name {
            "AWS::Partition" => "aws".into(),
            "AWS::Region" => self.stack.region.into(),
            "AWS::AccountId" => self.stack.account.into(),
            "AWS::StackName" => self.stack.name.into(),
            "AWS::URLSuffix" => "amazonaws.com".into(),
            _ => return None,
        })
    }

    fn lookup(&self, name: &str) -> String {
        self.pseudo(name)
            .or_else(|| self.params.get(name).cloned())
            .or_else(|| self.refs.get(name).cloned())
            .unwrap_or_else(|| panic!("unresolved reference `{name}`"))
    }

    fn sub(&self, s: &str, vars: &Map<String, Value>) -> String {
        let mut out = String::new();
        let mut rest = s;
        while let Some(i) = rest.find("${") {
            out.push_str(&rest[..i]);
            let end = rest[i..].find('}').unwrap() + i;
            let name = &rest[i + 2..end];
            match vars.get(name) {
                Some(v) => out.push_str(self.resolve(v).as_str().unwrap()),
                None => out.push_str(&self.lookup(name)),
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        out
    }

    fn truth(&self, v: &Value) -> bool {
        match self.resolve(v) {
            Value::Bool(b) => b,
            other => panic!("not a condition: {other}"),
        }
    }

    /// Resolves intrinsics; `Value::Null` stands for `AWS::NoValue` and is
    /// dropped from objects and arrays.
    fn resolve(&self, v: &Value) -> Value {
        match v {
            Value::Object(m) if m.len() == 1 => {
                let (k, a) = m.iter().next().unwrap();
                match k.as_str() {
                    "Ref" if a == "AWS::NoValue" => Value::Null,
                    "Ref" => Value::String(self.lookup(a.as_str().unwrap())),
                    "Fn::Sub" => match a {
                        Value::String(s) => Value::String(self.sub(s, &Map::new())),
                        Value::Array(x) => Value::String(
                            self.sub(x[0].as_str().unwrap(), x[1].as_object().unwrap()),
                        ),
                        _ => panic!("bad Fn::Sub"),
                    },
                    "Fn::If" => {
                        let x = a.as_array().unwrap();
                        let c = self.conditions[x[0].as_str().unwrap()];
                        self.resolve(if c { &x[1] } else { &x[2] })
                    }
                    "Fn::Not" => Value::Bool(!self.truth(&a[0])),
                    "Fn::Equals" => Value::Bool(self.resolve(&a[0]) == self.resolve(&a[1])),
                    "Fn::Join" => {
                        let sep = a[0].as_str().unwrap();
                        let parts: Vec<String> = self
                            .resolve(&a[1])
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|p| p.as_str().unwrap().to_string())
                            .collect();
                        Value::String(parts.join(sep))
                    }
                    "Condition" => Value::Bool(self.conditions[a.as_str().unwrap()]),
                    _ => Value::Object(
                        m.iter()
                            .map(|(k, v)| (k.clone(), self.resolve(v)))
                            .filter(|(_, v)| !v.is_null())
                            .collect(),
                    ),
                }
            }
            Value::Object(m) => Value::Object(
                m.iter()
                    .map(|(k, v)| (k.clone(), self.resolve(v)))
                    .filter(|(_, v)| !v.is_null())
                    .collect(),
            ),
            Value::Array(a) => Value::Array(
                a.iter()
                    .map(|v| self.resolve(v))
                    .filter(|v| !v.is_null())
                    .collect(),
            ),
            other => other.clone(),
        }
    }
}

/// What was deployed.
#[derive(Debug)]
pub struct Deployed {
    pub role_arn: String,
    pub role_name: String,
}

/// Creates the template's IAM resources in the stack's account.
pub async fn deploy(iam: &aws_sdk_iam::Client, template: &Value, stack: &Stack<'_>) -> Deployed {
    let mut params = BTreeMap::new();
    for (name, p) in template["Parameters"]
        .as_object()
        .cloned()
        .unwrap_or_default()
    {
        if let Some(v) = stack.params.get(&name) {
            params.insert(name, v.clone());
        } else if let Some(d) = p.get("Default") {
            params.insert(name, d.as_str().unwrap().to_string());
        }
    }
    let mut ctx = Ctx {
        stack,
        params,
        conditions: BTreeMap::new(),
        refs: BTreeMap::new(),
    };
    for (name, c) in template["Conditions"]
        .as_object()
        .cloned()
        .unwrap_or_default()
    {
        let b = ctx.truth(&c);
        ctx.conditions.insert(name, b);
    }
    let resources = template["Resources"].as_object().unwrap();
    let mut role = None;
    for (id, r) in resources {
        if r["Type"] == "AWS::IAM::Role" {
            let name = r["Properties"]["RoleName"].as_str().unwrap().to_string();
            ctx.refs.insert(id.clone(), name.clone());
            role = Some((id.clone(), name));
        }
    }
    let (role_id, role_name) = role.expect("template has a role");
    let props = ctx.resolve(&resources[&role_id]["Properties"]);
    let mut req = iam
        .create_role()
        .role_name(&role_name)
        .assume_role_policy_document(props["AssumeRolePolicyDocument"].to_string());
    if let Some(p) = props.get("Path") {
        req = req.path(p.as_str().unwrap());
    }
    if let Some(d) = props.get("MaxSessionDuration") {
        req = req.max_session_duration(d.as_i64().unwrap() as i32);
    }
    if let Some(d) = props.get("Description") {
        req = req.description(d.as_str().unwrap());
    }
    if let Some(b) = props.get("PermissionsBoundary") {
        req = req.permissions_boundary(b.as_str().unwrap());
    }
    for t in props["Tags"].as_array().cloned().unwrap_or_default() {
        req = req.tags(
            aws_sdk_iam::types::Tag::builder()
                .key(t["Key"].as_str().unwrap())
                .value(t["Value"].as_str().unwrap())
                .build()
                .unwrap(),
        );
    }
    let created = req.send().await.unwrap();
    let role_arn = created.role().unwrap().arn().to_string();

    for arn in props["ManagedPolicyArns"]
        .as_array()
        .cloned()
        .unwrap_or_default()
    {
        let arn = arn.as_str().unwrap().to_string();
        attach(iam, &role_name, &arn).await;
    }
    for (id, r) in resources {
        let props = ctx.resolve(&r["Properties"]);
        match r["Type"].as_str().unwrap() {
            "AWS::IAM::ManagedPolicy" => {
                let name = props["ManagedPolicyName"].as_str().unwrap();
                let out = iam
                    .create_policy()
                    .policy_name(name)
                    .policy_document(props["PolicyDocument"].to_string())
                    .send()
                    .await
                    .unwrap();
                let arn = out.policy().unwrap().arn().unwrap().to_string();
                ctx.refs.insert(id.clone(), arn.clone());
                assert_eq!(props["Roles"], json!([role_name]));
                attach(iam, &role_name, &arn).await;
            }
            "AWS::IAM::Policy" | "AWS::IAM::RolePolicy" => {
                iam.put_role_policy()
                    .role_name(&role_name)
                    .policy_name(props["PolicyName"].as_str().unwrap())
                    .policy_document(props["PolicyDocument"].to_string())
                    .send()
                    .await
                    .unwrap();
            }
            _ => {}
        }
    }
    Deployed {
        role_arn,
        role_name,
    }
}

async fn attach(iam: &aws_sdk_iam::Client, role: &str, arn: &str) {
    iam.attach_role_policy()
        .role_name(role)
        .policy_arn(arn)
        .send()
        .await
        .unwrap();
}
