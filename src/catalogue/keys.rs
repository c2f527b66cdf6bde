//! Condition keys: their types, the global keys every service accepts, and
//! which condition operators can compare a key of each type.
//!
//! Service keys and their types come from the catalogue text; the global
//! keys (`aws:SourceIp`, `aws:PrincipalTag/${TagKey}`, and the cross-service
//! keys such as `ec2:SourceInstanceArn`) are listed here, from AWS's page
//! "AWS global condition context keys" (the catalogue's source does not
//! carry them).

use serde::Serialize;

/// What a condition key holds, as the service authorisation reference types it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// Text (`String`).
    String,
    /// An ARN (`ARN`); compared with `Arn*` or `String*` operators.
    Arn,
    /// A number (`Numeric`).
    Numeric,
    /// A date and time (`Date`).
    Date,
    /// `true` or `false` (`Bool`).
    Bool,
    /// An IP address (`IPAddress`).
    Ip,
    /// Base-64 bytes (`Binary`).
    Binary,
    /// The source gives no type: every operator is accepted.
    Unknown,
}

/// A condition key's type and whether a request may carry several values
/// (`ArrayOfString`), which IAM compares only with `ForAnyValue:` /
/// `ForAllValues:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyKind {
    /// The type of each value.
    pub ty: KeyType,
    /// Several values per request.
    pub multivalued: bool,
}

impl KeyKind {
    /// Reads a type as the catalogue text writes it (`ArrayOfARN`, `-`).
    pub fn parse(s: &str) -> KeyKind {
        let (multivalued, base) = match s.strip_prefix("ArrayOf") {
            Some(b) => (true, b),
            None => (false, s),
        };
        let ty = match base {
            "String" => KeyType::String,
            "ARN" | "Arn" => KeyType::Arn,
            "Numeric" | "Long" | "Integer" => KeyType::Numeric,
            "Date" => KeyType::Date,
            "Bool" | "Boolean" => KeyType::Bool,
            "IPAddress" | "IpAddress" => KeyType::Ip,
            "Binary" => KeyType::Binary,
            _ => KeyType::Unknown,
        };
        KeyKind { ty, multivalued }
    }

    /// Can the base operator (`StringLike`, no qualifier or `IfExists`)
    /// compare values of this kind? `Null` tests presence, so it takes every
    /// key.
    pub fn accepts(&self, base: &str) -> bool {
        let family = |p: &str| base.starts_with(p);
        if base == "Null" {
            return true;
        }
        match self.ty {
            KeyType::Unknown => true,
            KeyType::String => family("String"),
            KeyType::Arn => family("Arn") || family("String"),
            KeyType::Numeric => family("Numeric"),
            KeyType::Date => family("Date"),
            KeyType::Bool => base == "Bool",
            KeyType::Ip => base == "IpAddress" || base == "NotIpAddress",
            KeyType::Binary => base == "BinaryEquals",
        }
    }

    /// The operators that compare this kind, in words, for a help text.
    pub fn operators(&self) -> &'static str {
        match self.ty {
            KeyType::Unknown => "any operator",
            KeyType::String => "String* operators (StringEquals, StringLike, ...)",
            KeyType::Arn => "Arn* or String* operators (ArnLike, ArnEquals, StringEquals, ...)",
            KeyType::Numeric => "Numeric* operators (NumericEquals, NumericLessThan, ...)",
            KeyType::Date => "Date* operators (DateGreaterThan, DateLessThan, ...)",
            KeyType::Bool => "Bool",
            KeyType::Ip => "IpAddress or NotIpAddress",
            KeyType::Binary => "BinaryEquals",
        }
    }

    /// The type's name as AWS writes it (`ArrayOfString`).
    pub fn name(&self) -> String {
        let base = match self.ty {
            KeyType::String => "String",
            KeyType::Arn => "ARN",
            KeyType::Numeric => "Numeric",
            KeyType::Date => "Date",
            KeyType::Bool => "Bool",
            KeyType::Ip => "IPAddress",
            KeyType::Binary => "Binary",
            KeyType::Unknown => "unknown",
        };
        if self.multivalued {
            format!("ArrayOf{base}")
        } else {
            base.to_owned()
        }
    }
}

/// The global condition keys, valid in a policy for any action, with their
/// types (a `${...}` part stands for any text).
pub const GLOBAL_KEYS: &[(&str, &str)] = &[
    ("aws:AssumedRoot", "Bool"),
    ("aws:CalledVia", "ArrayOfString"),
    ("aws:CalledViaFirst", "String"),
    ("aws:CalledViaLast", "String"),
    ("aws:ChatbotSourceArn", "ARN"),
    ("aws:CurrentTime", "Date"),
    ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"),
    ("aws:Ec2InstanceSourceVpc", "String"),
    ("aws:EpochTime", "Date"),
    ("aws:FederatedProvider", "String"),
    ("aws:MultiFactorAuthAge", "Numeric"),
    ("aws:MultiFactorAuthPresent", "Bool"),
    ("aws:PrincipalAccount", "String"),
    ("aws:PrincipalArn", "ARN"),
    ("aws:PrincipalIsAWSService", "Bool"),
    ("aws:PrincipalOrgID", "String"),
    ("aws:PrincipalOrgPaths", "ArrayOfString"),
    ("aws:PrincipalServiceName", "String"),
    ("aws:PrincipalServiceNamesList", "ArrayOfString"),
    ("aws:PrincipalTag/${TagKey}", "String"),
    ("aws:PrincipalType", "String"),
    ("aws:Referer", "String"),
    ("aws:RequestedRegion", "String"),
    ("aws:RequestTag/${TagKey}", "String"),
    ("aws:ResourceAccount", "String"),
    ("aws:ResourceOrgID", "String"),
    ("aws:ResourceOrgPaths", "ArrayOfString"),
    ("aws:ResourceTag/${TagKey}", "String"),
    ("aws:SecureTransport", "Bool"),
    ("aws:SourceAccount", "String"),
    ("aws:SourceArn", "ARN"),
    ("aws:SourceIdentity", "String"),
    ("aws:SourceIp", "IPAddress"),
    ("aws:SourceOrgID", "String"),
    ("aws:SourceOrgPaths", "ArrayOfString"),
    ("aws:SourceVpc", "String"),
    ("aws:SourceVpcArn", "ARN"),
    ("aws:SourceVpce", "String"),
    ("aws:TagKeys", "ArrayOfString"),
    ("aws:TokenIssueTime", "Date"),
    ("aws:UserAgent", "String"),
    ("aws:userid", "String"),
    ("aws:username", "String"),
    ("aws:ViaAWSService", "Bool"),
    ("aws:VpceAccount", "String"),
    ("aws:VpceOrgID", "String"),
    ("aws:VpceOrgPaths", "ArrayOfString"),
    ("aws:VpcSourceIp", "IPAddress"),
    // Cross-service keys: set by one service, present in requests to others.
    ("ec2:RoleDelivery", "Numeric"),
    ("ec2:SourceInstanceArn", "ARN"),
    ("glue:CredentialIssuingService", "String"),
    ("glue:RoleAssumedBy", "String"),
    ("identitystore:UserId", "String"),
    ("lambda:SourceFunctionArn", "ARN"),
    ("ssm:SourceInstanceArn", "ARN"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_operators() {
        let s = KeyKind::parse("String");
        assert!(s.accepts("StringLike") && s.accepts("Null") && !s.accepts("ArnLike"));
        let a = KeyKind::parse("ArrayOfARN");
        assert!(a.multivalued && a.accepts("ArnLike") && a.accepts("StringEquals"));
        assert_eq!(a.name(), "ArrayOfARN");
        let b = KeyKind::parse("Bool");
        assert!(b.accepts("Bool") && !b.accepts("StringEquals"));
        assert!(KeyKind::parse("IPAddress").accepts("NotIpAddress"));
        assert!(!KeyKind::parse("Numeric").accepts("DateLessThan"));
        assert!(KeyKind::parse("-").accepts("DateLessThan"));
    }

    #[test]
    fn global_keys_are_sorted_within_their_prefix_and_typed() {
        for (k, t) in GLOBAL_KEYS {
            assert!(k.contains(':'), "{k}");
            assert_ne!(KeyKind::parse(t).ty, KeyType::Unknown, "{k}: {t}");
        }
    }
}
