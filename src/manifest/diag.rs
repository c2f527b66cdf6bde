//! Located problems found while loading a project, and their collection.
//!
//! A [`Problem`] is a `miette::Diagnostic` (file, snippet, label, help) and
//! also plain data (file, line, column, message, help) for tests and
//! `--format json`. Loading never stops at the first problem: everything found
//! is gathered into one [`Diagnostics`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, LabeledSpan, NamedSource, SourceCode, SourceSpan};
use serde::Serialize;

use super::yaml::Span;

/// One file's text, shared by the problems that point into it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the project root (what messages show).
    pub name: PathBuf,
    /// The file's text.
    pub text: Arc<String>,
    /// Byte offset of the start of every line, so a problem's line is a
    /// binary search: a file with thousands of problems stays linear.
    line_starts: Arc<Vec<usize>>,
}

impl SourceFile {
    /// A source named `name` (relative to the project root) holding `text`.
    pub fn new(name: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text: String = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self {
            name: name.into(),
            text: Arc::new(text),
            line_starts: Arc::new(line_starts),
        }
    }

    /// 1-based line of a span's start.
    pub fn line_of(&self, span: Span) -> usize {
        self.line_col(span.offset).0
    }

    /// 1-based line and (character) column of a byte offset.
    fn line_col(&self, offset: usize) -> (usize, usize) {
        let text = self.text.as_str();
        let mut off = offset.min(text.len());
        while !text.is_char_boundary(off) {
            off -= 1;
        }
        // Index of the last line start <= off.
        let idx = self.line_starts.partition_point(|&s| s <= off).max(1) - 1;
        let start = self.line_starts.get(idx).copied().unwrap_or(0).min(off);
        let column = text.get(start..off).map_or(0, |t| t.chars().count()) + 1;
        (idx + 1, column)
    }

    /// A problem at `span` of this file.
    pub fn problem(
        &self,
        span: Option<Span>,
        kind: ProblemKind,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Problem {
        let (line, column, span) = match span {
            Some(s) => {
                let offset = s.offset.min(self.text.len());
                let len = s.len.min(self.text.len() - offset);
                let (line, column) = self.line_col(offset);
                (line, column, Some(SourceSpan::new(offset.into(), len)))
            }
            None => (0, 0, None),
        };
        Problem {
            file: self.name.clone(),
            line,
            column,
            kind,
            message: message.into(),
            label: label.into(),
            help,
            severity: Severity::Error,
            src: NamedSource::new(display_path(&self.name), Arc::clone(&self.text)),
            span,
        }
    }
}

/// `/`-separated path for display, whatever the platform.
fn display_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// What kind of problem a [`Problem`] is: callers match on it (for example,
/// an unreadable file makes `build` exit 2, not 1); its [`code`](ProblemKind::code)
/// is the stable text shown in diagnostics and `--format json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProblemKind {
    /// `manifest::account_id`.
    AccountId,
    /// `manifest::action_syntax`.
    ActionSyntax,
    /// `manifest::authoriser_role`.
    AuthoriserRole,
    /// `manifest::broad_resource` (a warning).
    BroadResource,
    /// `manifest::condition_empty`.
    ConditionEmpty,
    /// `manifest::condition_key`.
    ConditionKey,
    /// `manifest::condition_key_service`.
    ConditionKeyService,
    /// `manifest::condition_operator`.
    ConditionOperator,
    /// `manifest::condition_type`.
    ConditionType,
    /// `manifest::condition_value`.
    ConditionValue,
    /// `manifest::duplicate_action`.
    DuplicateAction,
    /// `manifest::duplicate_feature`.
    DuplicateFeature,
    /// `manifest::duplicate_key`.
    DuplicateKey,
    /// `manifest::duplicate_resource`.
    DuplicateResource,
    /// `manifest::empty`.
    Empty,
    /// `manifest::encoding`.
    Encoding,
    /// `manifest::feature_id`.
    FeatureId,
    /// `manifest::hardcoded_partition` (a warning).
    HardcodedPartition,
    /// `manifest::max_managed_policies`.
    MaxManagedPolicies,
    /// `manifest::max_length`.
    MaxLength,
    /// `manifest::max_session_duration`.
    MaxSessionDuration,
    /// `manifest::missing_key`.
    MissingKey,
    /// `manifest::module_file`.
    ModuleFile,
    /// `manifest::module_id`.
    ModuleId,
    /// `manifest::name_prefix`.
    NamePrefix,
    /// `manifest::no_actions`.
    NoActions,
    /// `manifest::no_features`.
    NoFeatures,
    /// `manifest::no_modules`.
    NoModules,
    /// `manifest::no_resources`.
    NoResources,
    /// `manifest::parameter_default`.
    ParameterDefault,
    /// `manifest::parameter_name`.
    ParameterName,
    /// `manifest::parameter_pattern`.
    ParameterPattern,
    /// `manifest::placeholder`.
    Placeholder,
    /// `manifest::regions`.
    Regions,
    /// `manifest::resource_mismatch`.
    ResourceMismatch,
    /// `manifest::resource_syntax`.
    ResourceSyntax,
    /// `manifest::role_name_length`.
    RoleNameLength,
    /// `manifest::star_resource`.
    StarResource,
    /// `manifest::tags`.
    Tags,
    /// `manifest::template_url_base`.
    TemplateUrlBase,
    /// `manifest::unknown_action`.
    UnknownAction,
    /// `manifest::unused_parameter` (a warning).
    UnusedParameter,
    /// `manifest::unknown_condition_key`.
    UnknownConditionKey,
    /// `manifest::unknown_key`.
    UnknownKey,
    /// `manifest::unreadable`.
    Unreadable,
    /// `manifest::version`.
    Version,
    /// `manifest::wildcard_reason`.
    WildcardReason,
    /// `manifest::wrong_type`.
    WrongType,
    /// `manifest::yaml_syntax`.
    YamlSyntax,
}

impl ProblemKind {
    /// The stable code, `manifest::<kind>`.
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::AccountId => "manifest::account_id",
            ProblemKind::ActionSyntax => "manifest::action_syntax",
            ProblemKind::AuthoriserRole => "manifest::authoriser_role",
            ProblemKind::BroadResource => "manifest::broad_resource",
            ProblemKind::ConditionEmpty => "manifest::condition_empty",
            ProblemKind::ConditionKey => "manifest::condition_key",
            ProblemKind::ConditionKeyService => "manifest::condition_key_service",
            ProblemKind::ConditionOperator => "manifest::condition_operator",
            ProblemKind::ConditionType => "manifest::condition_type",
            ProblemKind::ConditionValue => "manifest::condition_value",
            ProblemKind::DuplicateAction => "manifest::duplicate_action",
            ProblemKind::DuplicateFeature => "manifest::duplicate_feature",
            ProblemKind::DuplicateKey => "manifest::duplicate_key",
            ProblemKind::DuplicateResource => "manifest::duplicate_resource",
            ProblemKind::Empty => "manifest::empty",
            ProblemKind::Encoding => "manifest::encoding",
            ProblemKind::FeatureId => "manifest::feature_id",
            ProblemKind::HardcodedPartition => "manifest::hardcoded_partition",
            ProblemKind::MaxManagedPolicies => "manifest::max_managed_policies",
            ProblemKind::MaxLength => "manifest::max_length",
            ProblemKind::MaxSessionDuration => "manifest::max_session_duration",
            ProblemKind::MissingKey => "manifest::missing_key",
            ProblemKind::ModuleFile => "manifest::module_file",
            ProblemKind::ModuleId => "manifest::module_id",
            ProblemKind::NamePrefix => "manifest::name_prefix",
            ProblemKind::NoActions => "manifest::no_actions",
            ProblemKind::NoFeatures => "manifest::no_features",
            ProblemKind::NoModules => "manifest::no_modules",
            ProblemKind::NoResources => "manifest::no_resources",
            ProblemKind::ParameterDefault => "manifest::parameter_default",
            ProblemKind::ParameterName => "manifest::parameter_name",
            ProblemKind::ParameterPattern => "manifest::parameter_pattern",
            ProblemKind::Placeholder => "manifest::placeholder",
            ProblemKind::Regions => "manifest::regions",
            ProblemKind::ResourceMismatch => "manifest::resource_mismatch",
            ProblemKind::ResourceSyntax => "manifest::resource_syntax",
            ProblemKind::RoleNameLength => "manifest::role_name_length",
            ProblemKind::StarResource => "manifest::star_resource",
            ProblemKind::Tags => "manifest::tags",
            ProblemKind::TemplateUrlBase => "manifest::template_url_base",
            ProblemKind::UnknownAction => "manifest::unknown_action",
            ProblemKind::UnusedParameter => "manifest::unused_parameter",
            ProblemKind::UnknownConditionKey => "manifest::unknown_condition_key",
            ProblemKind::UnknownKey => "manifest::unknown_key",
            ProblemKind::Unreadable => "manifest::unreadable",
            ProblemKind::Version => "manifest::version",
            ProblemKind::WildcardReason => "manifest::wildcard_reason",
            ProblemKind::WrongType => "manifest::wrong_type",
            ProblemKind::YamlSyntax => "manifest::yaml_syntax",
        }
    }
}

impl Serialize for ProblemKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How much a [`Problem`] matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The project is invalid: nothing is built.
    Error,
    /// Probably a mistake, or a grant broader than it looks; the build goes on.
    Warning,
}

/// A problem in the config or a manifest, with its location.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    /// File, relative to the project root.
    #[serde(serialize_with = "ser_path")]
    pub file: PathBuf,
    /// 1-based line (0 when the problem is about the file as a whole).
    pub line: usize,
    /// 1-based column, in characters (0 when unknown).
    pub column: usize,
    /// Stable identifier of the rule (`manifest::unknown_action`).
    #[serde(rename = "code")]
    pub kind: ProblemKind,
    /// What is wrong (one line, lowercase).
    pub message: String,
    /// Short text under the snippet.
    #[serde(skip)]
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
    /// An error stops the build; a warning is reported and the build goes on.
    pub severity: Severity,
    #[serde(skip)]
    src: NamedSource<Arc<String>>,
    #[serde(skip)]
    span: Option<SourceSpan>,
}

fn ser_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&display_path(p))
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Problem {}

/// Problems are equal when they say the same thing at the same place.
impl PartialEq for Problem {
    fn eq(&self, other: &Self) -> bool {
        (
            &self.file,
            self.line,
            self.column,
            self.kind,
            &self.message,
            &self.help,
            self.severity,
        ) == (
            &other.file,
            other.line,
            other.column,
            other.kind,
            &other.message,
            &other.help,
            other.severity,
        )
    }
}

impl Eq for Problem {}

impl Diagnostic for Problem {
    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.kind.code()))
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.span.map(|_| &self.src as &dyn SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        let label = (!self.label.is_empty()).then(|| self.label.clone());
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            label, span,
        ))))
    }
}

impl Problem {
    /// `file:line:col: message` on one line (plain logs, tests).
    pub fn one_line(&self) -> String {
        if self.line == 0 {
            format!("{}: {}", display_path(&self.file), self.message)
        } else {
            format!(
                "{}:{}:{}: {}",
                display_path(&self.file),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

/// Every problem found while loading a project, in file order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diagnostics {
    /// The errors: sorted by file, then position.
    pub problems: Vec<Problem>,
    /// The warnings found beside them, in the same order.
    pub warnings: Vec<Problem>,
}

impl Diagnostics {
    /// Number of problems.
    pub fn len(&self) -> usize {
        self.problems.len()
    }
    /// True when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.problems.is_empty()
    }
    /// Sorts by file then position, so output does not depend on check order.
    pub(crate) fn sort(&mut self) {
        sort_problems(&mut self.problems);
        sort_problems(&mut self.warnings);
    }
    /// Iterates the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.problems.iter()
    }
}

/// Sorts problems by file then position, so output does not depend on check order.
pub(crate) fn sort_problems(problems: &mut [Problem]) {
    problems.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.len() {
            1 => f.write_str("1 problem in the project"),
            n => write!(f, "{n} problems in the project"),
        }
    }
}

impl std::error::Error for Diagnostics {}

impl Diagnostic for Diagnostics {
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        Some(Box::new(self.problems.iter().map(|p| p as &dyn Diagnostic)))
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Problem;
    type IntoIter = std::slice::Iter<'a, Problem>;
    fn into_iter(self) -> Self::IntoIter {
        self.problems.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_from_the_index() {
        let f = SourceFile::new("x.yaml", "ab\ncé\n\nd");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(2), (1, 3));
        assert_eq!(f.line_col(3), (2, 1));
        // `é` is two bytes: the column counts characters.
        assert_eq!(f.line_col(6), (2, 3));
        assert_eq!(f.line_col(7), (3, 1));
        assert_eq!(f.line_col(8), (4, 1));
        assert_eq!(f.line_col(99), (4, 2));
        // Inside a multi-byte character: its start.
        assert_eq!(f.line_col(5), (2, 2));
    }
}
