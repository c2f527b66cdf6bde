//! Reading AWS `AccessDenied` messages (IAM's "access denied error
//! messages" formats):
//!
//! - `User: P is not authorized to perform: A on resource: R because no T allows the A action`
//!   (an implicit deny; `T` is `identity-based policy`, `resource-based policy`,
//!   `permissions boundary`, `service control policy`, `resource control policy`,
//!   `session policy`, `VPC endpoint policy`, ...);
//! - `... with an explicit deny in a T` (or `an T`), optionally followed by
//!   `: <policy ARN>` and an authorization link;
//! - the older forms: no reason at all, `with an explicit deny` without a
//!   type, and no `on resource:` part.
//!
//! The message may sit inside a longer log line (`An error occurred
//! (AccessDenied) when calling the X operation: User: ...`, a JSON log
//! field): only the text from `User:` on is read. Pure: text in, value out.

use super::ExplainError;

/// The phrase every AccessDenied message of this family has.
const NOT_AUTHORIZED: &str = " is not authorized to perform:";
const ON_RESOURCE: &str = "on resource: ";
const BECAUSE_NO: &str = "because no ";
const EXPLICIT_DENY: &str = "with an explicit deny";

/// Who the message names as denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `arn:<partition>:sts::<account>:assumed-role/<role>/<session>`.
    AssumedRole {
        /// Partition (`aws`, `aws-cn`, ...).
        partition: String,
        /// Account id.
        account: String,
        /// Role name (without path: assumed-role ARNs carry none).
        role: String,
        /// Session name.
        session: String,
    },
    /// `arn:<partition>:iam::<account>:role/<path/><role>`.
    Role {
        /// Partition.
        partition: String,
        /// Account id.
        account: String,
        /// Role name, without its path.
        role: String,
    },
    /// Anything else (a user, the root user, a service), as written.
    Other(String),
}

/// The kind of policy a message says denied the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyType {
    /// `identity-based policy`: the role's own policies.
    IdentityBased,
    /// `resource-based policy`: the resource's policy (bucket, key ...).
    ResourceBased,
    /// `permissions boundary`.
    PermissionsBoundary,
    /// `service control policy` (AWS Organizations).
    ServiceControl,
    /// `resource control policy` (AWS Organizations).
    ResourceControl,
    /// `session policy`: passed by the caller of `sts:AssumeRole`.
    Session,
    /// `VPC endpoint policy`.
    VpcEndpoint,
    /// `role trust policy`.
    RoleTrust,
    /// Any other type, as written (without a trailing `policy`).
    Other(String),
}

impl PolicyType {
    /// Reads the words between `because no` / `explicit deny in a` and the
    /// rest of the message.
    fn from_words(words: &str) -> PolicyType {
        let w = words.trim().to_ascii_lowercase();
        let w = w.strip_suffix(" policy").unwrap_or(&w);
        match w {
            "identity-based" => PolicyType::IdentityBased,
            "resource-based" => PolicyType::ResourceBased,
            "permissions boundary" => PolicyType::PermissionsBoundary,
            "service control" => PolicyType::ServiceControl,
            "resource control" => PolicyType::ResourceControl,
            "session" => PolicyType::Session,
            "vpc endpoint" => PolicyType::VpcEndpoint,
            "role trust" | "trust" => PolicyType::RoleTrust,
            other => PolicyType::Other(other.to_string()),
        }
    }

    /// The name used in JSON (`identity-based`, `permissions-boundary`, ...).
    pub fn name(&self) -> &str {
        match self {
            PolicyType::IdentityBased => "identity-based",
            PolicyType::ResourceBased => "resource-based",
            PolicyType::PermissionsBoundary => "permissions-boundary",
            PolicyType::ServiceControl => "service-control",
            PolicyType::ResourceControl => "resource-control",
            PolicyType::Session => "session",
            PolicyType::VpcEndpoint => "vpc-endpoint",
            PolicyType::RoleTrust => "role-trust",
            PolicyType::Other(s) => s,
        }
    }

    /// Words for text output (`a permissions boundary`).
    pub fn words(&self) -> String {
        match self {
            PolicyType::IdentityBased => "an identity-based policy".into(),
            PolicyType::ResourceBased => "a resource-based policy".into(),
            PolicyType::PermissionsBoundary => "a permissions boundary".into(),
            PolicyType::ServiceControl => "a service control policy".into(),
            PolicyType::ResourceControl => "a resource control policy".into(),
            PolicyType::Session => "a session policy".into(),
            PolicyType::VpcEndpoint => "a VPC endpoint policy".into(),
            PolicyType::RoleTrust => "a role trust policy".into(),
            PolicyType::Other(s) => format!("a `{s}` policy"),
        }
    }
}

/// Why the message says the request was denied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// `because no T allows the A action`.
    Implicit(PolicyType),
    /// `with an explicit deny in a T`; `None` for the older `with an explicit deny`.
    Explicit(Option<PolicyType>),
    /// The older form that says nothing after the resource.
    Unstated,
}

/// One parsed AccessDenied message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denial {
    /// The principal as written.
    pub principal_text: String,
    /// The principal, read.
    pub principal: Principal,
    /// The action (`service:Action`).
    pub action: String,
    /// The resource, when the message names one.
    pub resource: Option<String>,
    /// Why.
    pub reason: Reason,
    /// The denying policy's ARN, when the message gives it.
    pub policy_arn: Option<String>,
}

/// Characters that end a token copied out of a sentence or a log line.
fn token(s: &str) -> &str {
    let end = s
        .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '\\')
        .unwrap_or(s.len());
    s.get(..end)
        .unwrap_or_default()
        .trim_end_matches(['.', ',', ';', ')'])
}

/// Reads a principal ARN.
fn principal(text: &str) -> Principal {
    let Some([_, partition, service, _, account, resource]) = crate::iam::arn::split_concrete(text)
    else {
        return Principal::Other(text.to_string());
    };
    let (partition, account) = (partition.to_string(), account.to_string());
    if service == "sts"
        && let Some(rest) = resource.strip_prefix("assumed-role/")
        && let Some((role, session)) = rest.split_once('/')
        && !role.is_empty()
    {
        return Principal::AssumedRole {
            partition,
            account,
            role: role.to_string(),
            session: session.to_string(),
        };
    }
    if service == "iam"
        && let Some(rest) = resource.strip_prefix("role/")
        && let Some(role) = rest.rsplit('/').next()
        && !role.is_empty()
    {
        return Principal::Role {
            partition,
            account,
            role: role.to_string(),
        };
    }
    Principal::Other(text.to_string())
}

/// Parses one message (or a log line holding one).
pub fn parse(line: &str) -> Result<Denial, ExplainError> {
    let Some(at) = line.find(NOT_AUTHORIZED) else {
        return Err(ExplainError::NotAccessDenied {
            excerpt: excerpt(line),
        });
    };
    let before = line.get(..at).unwrap_or_default();
    let principal_text = match before.rfind("User: ") {
        Some(u) => before.get(u + "User: ".len()..).unwrap_or_default().trim(),
        None => before
            .rsplit(char::is_whitespace)
            .next()
            .unwrap_or_default(),
    };
    let principal_text = principal_text.trim_matches(['"', '\'']);
    if principal_text.is_empty() {
        return Err(ExplainError::NoPrincipal);
    }
    let after = line
        .get(at + NOT_AUTHORIZED.len()..)
        .unwrap_or_default()
        .trim_start();
    let action = token(after);
    if action.is_empty() || !crate::iam::action::is_policy_action(action) {
        return Err(ExplainError::NoAction {
            found: excerpt(action),
        });
    }
    let mut rest = after.get(action.len()..).unwrap_or_default().trim_start();
    let mut resource = None;
    if let Some(r) = rest.strip_prefix(ON_RESOURCE) {
        let r = r.trim_start();
        let t = token(r);
        if !t.is_empty() {
            resource = Some(t.to_string());
        }
        rest = r.get(t.len()..).unwrap_or_default();
    }
    let (reason, policy_arn) = reason(rest);
    Ok(Denial {
        principal_text: principal_text.to_string(),
        principal: principal(principal_text),
        action: action.to_string(),
        resource,
        reason,
        policy_arn,
    })
}

/// The reason part (after the resource).
fn reason(rest: &str) -> (Reason, Option<String>) {
    if let Some(i) = rest.find(BECAUSE_NO) {
        let words = rest.get(i + BECAUSE_NO.len()..).unwrap_or_default();
        let end = words.find(" allows").unwrap_or(words.len());
        let kind = words.get(..end).unwrap_or_default();
        let (kind, arn) = split_arn(kind);
        return (Reason::Implicit(PolicyType::from_words(kind)), arn);
    }
    if let Some(i) = rest.find(EXPLICIT_DENY) {
        let words = rest.get(i + EXPLICIT_DENY.len()..).unwrap_or_default();
        let typed = words
            .strip_prefix(" in a ")
            .or_else(|| words.strip_prefix(" in an "))
            .or_else(|| words.strip_prefix(" in the "));
        let Some(typed) = typed else {
            return (Reason::Explicit(None), None);
        };
        // The type ends at `:` (a policy ARN follows), a sentence end, or the line's end.
        let end = typed
            .find([':', '.', '"', '\\'])
            .unwrap_or(typed.len())
            .min(typed.find(" Go to ").unwrap_or(typed.len()));
        let kind = typed.get(..end).unwrap_or_default();
        let arn = typed
            .get(end..)
            .and_then(|t| t.strip_prefix(':'))
            .map(str::trim_start)
            .map(token)
            .filter(|t| t.starts_with("arn:"))
            .map(str::to_string);
        return (Reason::Explicit(Some(PolicyType::from_words(kind))), arn);
    }
    (Reason::Unstated, None)
}

/// `identity-based policy: arn:...` -> the words and the ARN.
fn split_arn(kind: &str) -> (&str, Option<String>) {
    match kind.split_once(": ") {
        Some((k, a)) if a.trim_start().starts_with("arn:") => {
            (k, Some(token(a.trim_start()).to_string()))
        }
        _ => (kind, None),
    }
}

/// At most 80 characters of a line, for messages.
fn excerpt(s: &str) -> String {
    let s = s.trim();
    let mut out: String = s.chars().take(80).collect();
    if s.chars().count() > 80 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLE: &str = "arn:aws:sts::222233334444:assumed-role/CXPortal-contact-flows/tenant-acme";

    #[test]
    fn the_current_form_with_a_policy_arn() {
        let d = parse(&format!(
            "An error occurred (AccessDenied) when calling the GetObject operation: User: {ROLE} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k with an explicit deny in a service control policy: arn:aws:organizations::999988887777:policy/o-x/service_control_policy/p-1. Go to https://example.com/x"
        ))
        .unwrap();
        assert_eq!(d.action, "s3:GetObject");
        assert_eq!(d.resource.as_deref(), Some("arn:aws:s3:::b/k"));
        assert_eq!(d.reason, Reason::Explicit(Some(PolicyType::ServiceControl)));
        assert_eq!(
            d.policy_arn.as_deref(),
            Some("arn:aws:organizations::999988887777:policy/o-x/service_control_policy/p-1")
        );
        assert!(
            matches!(d.principal, Principal::AssumedRole { ref role, .. } if role == "CXPortal-contact-flows")
        );
    }

    #[test]
    fn implicit_with_and_without_resource() {
        let d = parse(&format!("User: {ROLE} is not authorized to perform: connect:ListUsers because no permissions boundary allows the connect:ListUsers action")).unwrap();
        assert_eq!(d.resource, None);
        assert_eq!(d.reason, Reason::Implicit(PolicyType::PermissionsBoundary));
        let d = parse(&format!(
            "User: {ROLE} is not authorized to perform: connect:ListUsers on resource: *"
        ))
        .unwrap();
        assert_eq!(d.resource.as_deref(), Some("*"));
        assert_eq!(d.reason, Reason::Unstated);
    }

    #[test]
    fn not_a_message() {
        assert!(matches!(
            parse("2026-12-02 INFO all good"),
            Err(ExplainError::NotAccessDenied { .. })
        ));
        assert!(matches!(
            parse("User: x is not authorized to perform: "),
            Err(ExplainError::NoAction { .. })
        ));
    }
}
