//! IAM policy documents, their evaluation, and "does this grant cover that
//! requirement".
//!
//! - [`Policy::parse`] / [`Policy::parse_str`] turn a JSON document (as AWS
//!   accepts it: `Statement` object or list, string-or-list elements,
//!   `Condition` with every operator family) into a validated [`Policy`]; a
//!   malformed document gives a [`PolicyError`] naming the statement and the
//!   field, never a panic.
//! - [`evaluate`] decides one concrete [`Request`] against identity policies
//!   and an optional permissions boundary: explicit deny wins, an allow is
//!   needed in the identity policies and (if present) in the boundary. The
//!   [`Evaluation`] names the statements that decided.
//! - [`evaluate_unknown_context`] decides a request whose context is unknown:
//!   the answer may be [`Decision::Conditional`], "allowed only if these
//!   conditions hold" (drift detection).
//! - [`coverage`] compares patterns with patterns (`action_covers`,
//!   `resource_covers`, [`coverage::covers`]); it is the one implementation
//!   that the evaluator, the additivity check and drift detection share.
//!
//! API used by other stages (signatures):
//!
//! ```text
//! Policy::parse(name: &str, doc: &serde_json::Value) -> Result<Policy, PolicyError>
//! Policy::parse_str(name: &str, json: &str) -> Result<Policy, PolicyError>
//! Policy::statements(&self) -> &[Statement]   // + name(), id(), version()
//! Statement { sid, effect: Effect, action: Element, resource: Option<Element>,
//!             principal: Option<Principal>, not_principal: Option<Principal>,
//!             condition: Conditions }           // Element::{Listed, Not}(Vec<String>)
//! Principal::{Any, Typed(BTreeMap<type, values>)}; Principal::values("AWS")
//! evaluate(&Request, identity: &[Policy], boundary: Option<&Policy>) -> Evaluation
//! evaluate_refs(&Request, identity: &[&Policy], boundary) -> Evaluation
//! evaluate_as(&Request, identity: &[(name, &Policy)], boundary: Option<(name, &Policy)>) -> Evaluation
//! evaluate_unknown_context(action, resource, identity, boundary) -> Evaluation
//! Evaluation { decision: Decision, deciding: Vec<StatementRef>, boundary_blocked: bool }
//! Decision::{Allowed, ExplicitDeny, ImplicitDeny, Conditional { allow, deny_unless }}
//! coverage::action_covers(grant, required) -> bool
//! coverage::resource_covers(grant, required) -> bool
//! coverage::{action_overlaps, resource_overlaps}(a, b) -> bool
//! coverage::covers(identity, boundary, &Requirement) -> Coverage
//! Coverage::{Granted { by }, Conditional { allow, deny_unless, by },
//!            Denied { by, reason: DenyReason::{ExplicitDeny, Boundary} }, NotGranted}
//! ```
//!
//! Invariants: names compared as AWS does (actions and condition keys
//! case-insensitive, resources case-sensitive); statement indexes in
//! [`StatementRef`] are 0-based positions in the document's statement list.

pub mod condition;
pub mod coverage;
mod eval;
pub mod explain;
mod index;
mod parse;

use std::collections::BTreeMap;

pub use condition::{ConditionClause, Operator};
pub use eval::{evaluate, evaluate_as, evaluate_refs, evaluate_unknown_context};

use crate::iam::Conditions;
use crate::iam::pattern::Pattern;
use crate::iam::wildcard::{self, Case};

/// A parsed, validated policy document.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    name: String,
    id: Option<String>,
    version: Option<String>,
    statements: Vec<Statement>,
    /// Statements by the service prefix their actions name.
    index: index::ActionIndex,
}

impl Policy {
    /// Name given by the caller (file name, policy name or ARN); used in
    /// [`StatementRef`] and messages.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The document's `Id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The document's `Version`, if any.
    pub fn version(&self) -> Option<&str> {
        self.version.as_deref()
    }

    /// The statements, in document order.
    pub fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// `"Effect": "Allow"`.
    Allow,
    /// `"Effect": "Deny"`.
    Deny,
}

impl Effect {
    /// The spelling used in policy documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: the listed values, or
/// everything except them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// `Action` / `Resource`.
    Listed(Vec<String>),
    /// `NotAction` / `NotResource`.
    Not(Vec<String>),
}

impl Element {
    /// The values as written.
    pub fn values(&self) -> &[String] {
        match self {
            Element::Listed(v) | Element::Not(v) => v,
        }
    }

    /// True for `NotAction` / `NotResource`.
    pub fn is_not(&self) -> bool {
        matches!(self, Element::Not(_))
    }
}

/// A `Principal` / `NotPrincipal` element (trust and resource policies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"*"`: everyone.
    Any,
    /// `{"AWS": ..., "Service": ..., "Federated": ..., "CanonicalUser": ...}`:
    /// principal type -> values, as written.
    Typed(BTreeMap<String, Vec<String>>),
}

impl Principal {
    /// Values of one principal type (`AWS`, `Service`, `Federated`); `"*"`
    /// yields `["*"]` for every type.
    pub fn values(&self, kind: &str) -> Vec<String> {
        match self {
            Principal::Any => vec!["*".to_string()],
            Principal::Typed(m) => m.get(kind).cloned().unwrap_or_default(),
        }
    }
}

/// One statement of a policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Action` or `NotAction`.
    pub action: Element,
    /// `Resource` or `NotResource`; `None` only in statements with a
    /// `Principal` (trust policies have no resource).
    pub resource: Option<Element>,
    /// `Principal`.
    pub principal: Option<Principal>,
    /// `NotPrincipal`.
    pub not_principal: Option<Principal>,
    /// `Condition` as written: operator -> key -> values (numbers and
    /// booleans turned into their text).
    pub condition: Conditions,
    /// Compiled forms, built once at parse time.
    pub(crate) compiled: Compiled,
}

/// Pre-tokenised patterns and parsed conditions of a statement.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Compiled {
    /// Lower-cased action patterns, as text: `*` and `?` are the wildcards
    /// (actions have no variables), matched by `iam::wildcard` as they are.
    pub action_text: Vec<String>,
    /// The shape of each of `action_text` (the fast paths of matching).
    pub action_shapes: Vec<ActionShape>,
    /// The same as tokens, made on first use (pattern-to-pattern coverage).
    pub actions: std::sync::OnceLock<Vec<Pattern>>,
    /// Resource patterns (variables unresolved).
    pub resources: Vec<Pattern>,
    /// One clause per operator and key.
    pub conditions: Vec<ConditionClause>,
}

/// What an action pattern needs to be matched: most are a whole name or a
/// name's start (`s3:GetObject`, `s3:Get*`), compared without the wildcard
/// engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionShape {
    /// No wildcard: the name itself.
    Exact,
    /// One `*`, at the end: names that start with the rest.
    Prefix,
    /// Anything else: the wildcard engine.
    Glob,
}

impl ActionShape {
    pub(crate) fn of(pattern: &str) -> ActionShape {
        match pattern.find(['*', '?']) {
            None => ActionShape::Exact,
            Some(i) if i + 1 == pattern.len() && pattern.ends_with('*') => ActionShape::Prefix,
            Some(_) => ActionShape::Glob,
        }
    }

    /// Does lower-cased `pattern`, of this shape, match `action` ignoring
    /// case (as `wildcard::matches` with `Case::Lowered` does)? `ascii`:
    /// `action` is ASCII, and only ASCII names take the fast paths (there
    /// ASCII case-folding is Unicode lower-casing).
    fn matches(self, pattern: &str, action: &str, ascii: bool) -> bool {
        match self {
            ActionShape::Exact if ascii => pattern.eq_ignore_ascii_case(action),
            ActionShape::Prefix if ascii => {
                let stem = pattern.as_bytes().split_last().map_or(&[][..], |(_, s)| s);
                action
                    .as_bytes()
                    .get(..stem.len())
                    .is_some_and(|a| a.eq_ignore_ascii_case(stem))
            }
            _ => wildcard::matches(pattern, action, Case::Lowered),
        }
    }
}

impl Statement {
    /// The parsed condition clauses (one per operator and key).
    pub fn condition_clauses(&self) -> &[ConditionClause] {
        &self.compiled.conditions
    }

    /// True when the statement's `Action`/`NotAction` matches `action`.
    pub fn matches_action(&self, action: &str) -> bool {
        let ascii = action.is_ascii();
        let any = self
            .compiled
            .action_text
            .iter()
            .zip(&self.compiled.action_shapes)
            .any(|(p, shape)| shape.matches(p, action, ascii));
        any != self.action.is_not()
    }

    /// The lower-cased action patterns as tokens.
    pub(crate) fn action_patterns(&self) -> &[Pattern] {
        self.compiled.actions.get_or_init(|| {
            self.compiled
                .action_text
                .iter()
                .map(|a| Pattern::new(a, false))
                .collect()
        })
    }
}

/// Points at one statement: policy name, 0-based index, `Sid`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct StatementRef {
    /// Name of the policy.
    pub policy: String,
    /// 0-based position in the policy's statement list.
    pub index: usize,
    /// The statement's `Sid`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

impl StatementRef {
    pub(crate) fn named(policy: &str, st: &Statement, index: usize) -> StatementRef {
        StatementRef {
            policy: policy.to_string(),
            index,
            sid: st.sid.clone(),
        }
    }

    pub(crate) fn new(policy: &Policy, index: usize) -> StatementRef {
        StatementRef {
            policy: policy.name.clone(),
            index,
            sid: policy.statements.get(index).and_then(|s| s.sid.clone()),
        }
    }
}

impl std::fmt::Display for StatementRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.sid {
            Some(sid) => write!(f, "`{}` statement `{sid}`", self.policy),
            None => write!(f, "`{}` statement #{}", self.policy, self.index + 1),
        }
    }
}

/// A concrete request: action, resource ARN and context (key -> values;
/// keys are matched case-insensitively; one value means a single-valued key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Request {
    /// `service:Action`.
    pub action: String,
    /// Resource ARN (or `*`).
    pub resource: String,
    /// Request context.
    pub context: BTreeMap<String, Vec<String>>,
}

/// The outcome of an evaluation, with the statements that decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// For `Allowed`: the allow statements that matched (identity and
    /// boundary). For `ExplicitDeny`: the deny statements that matched.
    /// For `ImplicitDeny`: the identity allows that matched when the boundary
    /// blocked, else empty. For `Conditional`: every statement involved.
    pub deciding: Vec<StatementRef>,
    /// True when the identity policies allowed but the boundary did not.
    pub boundary_blocked: bool,
}

/// The decision values of the IAM simulator (`EvalDecision`), plus the
/// third answer of [`evaluate_unknown_context`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// `allowed`.
    Allowed,
    /// `explicitDeny`.
    ExplicitDeny,
    /// `implicitDeny`.
    ImplicitDeny,
    /// Allowed only if, for the identity policies and for the boundary, the
    /// conditions of at least one `allow` clause hold and no `deny_unless`
    /// clause's conditions hold.
    Conditional {
        /// Allow statements whose conditions could not be resolved.
        allow: Vec<ConditionalStatement>,
        /// Deny statements that apply if their conditions hold.
        deny_unless: Vec<ConditionalStatement>,
    },
}

impl Decision {
    /// The `EvalDecision` spelling (`allowed`, `explicitDeny`,
    /// `implicitDeny`, and `conditional`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
            Decision::Conditional { .. } => "conditional",
        }
    }
}

/// A statement that applies only if its conditions hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionalStatement {
    /// The statement.
    pub statement: StatementRef,
    /// Its effect.
    pub effect: Effect,
    /// True when the statement is in the permissions boundary.
    pub in_boundary: bool,
    /// The conditions that would have to hold (as written in the statement,
    /// minus those implied by the requirement).
    pub conditions: Conditions,
    /// Policy variables whose value decides whether the statement's resource
    /// matches (lower-cased keys).
    pub variables: Vec<String>,
}

/// A policy document that AWS would reject, located to its statement and field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, miette::Diagnostic)]
pub enum PolicyError {
    /// The text is not JSON.
    #[error("policy `{policy}` is not valid JSON: {message}")]
    #[diagnostic(
        code(rolesmith::policy::json),
        help("fix the JSON syntax at the given line and column")
    )]
    Json {
        /// Policy name.
        policy: String,
        /// What serde_json reported (with line and column).
        message: String,
    },
    /// The document itself (not one statement) is wrong.
    #[error("policy `{policy}`: {message}")]
    #[diagnostic(code(rolesmith::policy::document))]
    Document {
        /// Policy name.
        policy: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// One field of one statement is wrong.
    #[error("policy `{policy}`, statement {position}{sid}, `{field}`: {message}")]
    #[diagnostic(code(rolesmith::policy::statement))]
    Statement {
        /// Policy name.
        policy: String,
        /// 1-based statement position.
        position: usize,
        /// ` (Sid `x`)` or empty.
        sid: String,
        /// The field, e.g. `Condition.StringEquals.aws:username`.
        field: String,
        /// What is wrong and what to do.
        message: String,
    },
}
