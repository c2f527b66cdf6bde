//! Located problems found while loading a project, and their collection.
//!
//! A [`Problem`] is a `miette::Diagnostic` (file, snippet, label, help) and
//! also plain data (file, line, column, message, help) for tests and
//! `--format json`. Loading never stops at the first problem: everything found
//! is gathered into one [`Diagnostics`].
//!
//! Snippets stay small whatever the file: a line longer than [`LONG_LINE`]
//! characters is shown as a window of about [`WINDOW`] columns around the
//! problem (cut ends marked `…`), and a long line next to the problem's is
//! left out of the context, while line and column still count in the whole
//! file. A 10 MB one-line manifest gives a diagnostic of a few hundred bytes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{
    Diagnostic, LabeledSpan, MietteError, MietteSpanContents, NamedSource, SourceCode, SourceSpan,
    SpanContents,
};
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

    /// 1-based line and (character) column of a span's start.
    pub fn position(&self, span: Span) -> (usize, usize) {
        self.line_col(span.offset)
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
        let name = display_path(&self.name);
        let (line, column, span, excerpt) = match span {
            Some(s) => {
                let mut offset = s.offset.min(self.text.len());
                while !self.text.is_char_boundary(offset) {
                    offset -= 1;
                }
                let len = s.len.min(self.text.len() - offset);
                let (line, column) = self.line_col(offset);
                let excerpt = self.excerpt(offset, line);
                // A label never runs past what the snippet shows.
                let len = match &excerpt {
                    Some(e) => len.min(e.shown_end().saturating_sub(offset)),
                    None => len,
                };
                (
                    line,
                    column,
                    Some(SourceSpan::new(offset.into(), len)),
                    excerpt,
                )
            }
            None => (0, 0, None, None),
        };
        Problem {
            file: self.name.clone(),
            line,
            column,
            kind,
            message: bounded(message.into()),
            label: bounded(label.into()),
            help: help.map(bounded),
            severity: Severity::Error,
            src: Snippet {
                whole: NamedSource::new(name.clone(), Arc::clone(&self.text)),
                name,
                file: self.clone(),
                excerpt,
            },
            span,
        }
    }

    /// Byte range of 1-based line `line`, without its line break.
    fn line_range(&self, line: usize) -> Option<(usize, usize)> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |next| next - 1);
        let end = if self.text.as_bytes().get(end.wrapping_sub(1)) == Some(&b'\r') && end > start {
            end - 1
        } else {
            end
        };
        Some((start, end))
    }

    fn is_long(&self, line: usize) -> bool {
        self.line_range(line).is_some_and(|(s, e)| {
            self.text
                .get(s..e)
                .is_some_and(|t| t.len() > LONG_LINE && t.chars().nth(LONG_LINE).is_some())
        })
    }

    /// The bounded snippet for a problem at `offset` on `line`, or `None`
    /// when the lines around it are short enough to show as they are.
    fn excerpt(&self, offset: usize, line: usize) -> Option<Excerpt> {
        let (start, end) = self.line_range(line)?;
        let neighbours_long = self.is_long(line.saturating_sub(1)) || self.is_long(line + 1);
        if !self.is_long(line) && !neighbours_long {
            return None;
        }
        let text = self.text.as_str();
        if !self.is_long(line) {
            // Only a neighbour is long: this line whole, without context.
            return Some(Excerpt {
                data: text.get(start..end)?.to_string(),
                offset: start,
                shown: end,
                line: line - 1,
            });
        }
        let at = offset.clamp(start, end);
        // WINDOW characters: a third before the problem, the rest after it.
        let from = text
            .get(start..at)?
            .char_indices()
            .rev()
            .nth(WINDOW / 3 - 1)
            .map_or(start, |(i, _)| start + i);
        let to = text
            .get(from..end)?
            .char_indices()
            .nth(WINDOW)
            .map_or(end, |(i, _)| from + i);
        let cut_before = from > start && from >= ELLIPSIS.len();
        let from = if cut_before { from } else { start };
        let mut data = String::with_capacity(to - from + 2 * ELLIPSIS.len());
        if cut_before {
            data.push_str(ELLIPSIS);
        }
        data.push_str(text.get(from..to)?);
        if to < end {
            data.push_str(ELLIPSIS);
        }
        Some(Excerpt {
            offset: if cut_before {
                from - ELLIPSIS.len()
            } else {
                from
            },
            shown: to,
            line: line - 1,
            data,
        })
    }
}

/// Characters of a message (or label, or help) kept whole; a longer one
/// (it quotes a huge value) keeps its start and end around a `…`.
pub const LONG_MESSAGE: usize = 1_000;

fn bounded(s: String) -> String {
    if s.len() <= LONG_MESSAGE || s.chars().nth(LONG_MESSAGE).is_none() {
        return s;
    }
    let head: String = s.chars().take(LONG_MESSAGE * 7 / 10).collect();
    let tail_start = s
        .char_indices()
        .rev()
        .nth(LONG_MESSAGE / 5 - 1)
        .map_or(s.len(), |(i, _)| i);
    format!(
        "{head}{ELLIPSIS}{}",
        s.get(tail_start..).unwrap_or_default()
    )
}

/// A line longer than this (in characters) is shown as a window.
pub const LONG_LINE: usize = 160;
/// Characters of a long line shown around a problem.
pub const WINDOW: usize = 120;
/// Marks where a long line was cut.
const ELLIPSIS: &str = "…";

/// What a problem's snippet is read from: the whole file, or a window of
/// one long line.
#[derive(Clone)]
struct Snippet {
    name: String,
    whole: NamedSource<Arc<String>>,
    /// The whole file, for line and column of any offset.
    file: SourceFile,
    excerpt: Option<Excerpt>,
}

/// One line's window: the text shown and where it sits in the file.
#[derive(Debug, Clone)]
struct Excerpt {
    /// What is shown: part of one line, with `…` where it was cut.
    data: String,
    /// The file offset `data` is shown at: a leading `…` stands just before
    /// the window, so every file offset in the window keeps its place.
    offset: usize,
    /// File offset just past the last character shown.
    shown: usize,
    /// 0-based line.
    line: usize,
}

/// The name and the window only: the file's text can be megabytes.
impl fmt::Debug for Snippet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Snippet")
            .field("name", &self.name)
            .field("excerpt", &self.excerpt)
            .finish_non_exhaustive()
    }
}

impl Excerpt {
    fn shown_end(&self) -> usize {
        self.shown
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let Some(e) = &self.excerpt else {
            return self
                .whole
                .read_span(span, context_lines_before, context_lines_after);
        };
        let data = e.data.as_str();
        // Asked for the span alone (the header's line and column): from the
        // span's start, located in the whole file.
        let skip = span.offset().saturating_sub(e.offset);
        let (from, line, column) = if context_lines_before == 0
            && context_lines_after == 0
            && skip > 0
            && data.is_char_boundary(skip.min(data.len()))
        {
            let (line, column) = self.file.line_col(span.offset());
            (skip.min(data.len()), line - 1, column - 1)
        } else {
            (0, e.line, 0)
        };
        let shown = data.get(from..).unwrap_or(data);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            shown.as_bytes(),
            SourceSpan::new((e.offset + from).into(), shown.len()),
            line,
            column,
            1,
        )))
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
    src: Snippet,
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

    fn render(p: &Problem) -> String {
        let handler = miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::none())
            .with_width(400);
        let mut out = String::new();
        handler.render_report(&mut out, p).unwrap();
        out
    }

    /// The label's `^` starts in the column of `word` in the shown line.
    fn assert_label_under(out: &str, shown: &str, word: &str) {
        let mark = out.lines().find(|l| l.contains("^^")).unwrap();
        let col = |l: &str, at: usize| l.get(..at).unwrap().chars().count();
        assert_eq!(
            col(mark, mark.find('^').unwrap()),
            col(shown, shown.find(word).unwrap()),
            "{out}"
        );
    }

    fn problem_at(text: &str, needle: &str) -> Problem {
        let f = SourceFile::new("m.yaml", text);
        let offset = text.find(needle).unwrap();
        f.problem(
            Some(Span {
                offset,
                len: needle.len(),
            }),
            ProblemKind::UnknownKey,
            "unknown key `bogus`",
            "unknown key",
            None,
        )
    }

    #[test]
    fn a_long_line_is_shown_as_a_window_with_the_whole_file_column() {
        let text = format!("a: {}, bogus: 1\n", "x".repeat(1_000_000));
        let p = problem_at(&text, "bogus");
        assert_eq!((p.line, p.column), (1, 1_000_006));
        let out = render(&p);
        assert!(out.len() < 1_000, "{} bytes", out.len());
        assert!(out.contains("[m.yaml:1:1000006]"), "{out}");
        // About WINDOW characters of the line, cut ends marked.
        let shown = out.lines().find(|l| l.starts_with(" 1 | ")).unwrap();
        assert!(shown.starts_with(" 1 | …xxx"), "{shown}");
        assert!(shown.ends_with("bogus: 1"), "{shown}");
        assert!(shown.chars().count() <= WINDOW + 10, "{shown}");
        assert_label_under(&out, shown, "bogus");
    }

    #[test]
    fn a_cut_at_both_ends_keeps_the_label_under_the_value() {
        let text = format!("{}bogus{}\n", "é".repeat(500), "y".repeat(500));
        let p = problem_at(&text, "bogus");
        assert_eq!((p.line, p.column), (1, 501));
        let out = render(&p);
        let shown = out.lines().find(|l| l.starts_with(" 1 | ")).unwrap();
        assert!(
            shown.starts_with(" 1 | …éé") && shown.ends_with("yy…"),
            "{shown}"
        );
        assert_label_under(&out, shown, "bogus");
        assert!(out.contains("[m.yaml:1:501]"), "{out}");
    }

    #[test]
    fn a_long_neighbour_is_left_out_of_the_context() {
        let long = "z".repeat(100_000);
        let text = format!("a: {long}\nbogus: 1\nc: {long}\n");
        let p = problem_at(&text, "bogus");
        let out = render(&p);
        assert!(out.len() < 600, "{out}");
        assert!(out.contains(" 2 | bogus: 1"), "{out}");
        assert!(!out.contains("zzz"), "{out}");
        assert!(out.contains("[m.yaml:2:1]"), "{out}");
    }

    #[test]
    fn a_message_quoting_a_huge_value_is_bounded() {
        let key = format!("k{}", "é".repeat(1_000_000));
        let text = format!("{key}: 1\n");
        let f = SourceFile::new("m.yaml", text.as_str());
        let p = f.problem(
            Some(Span {
                offset: 0,
                len: key.len(),
            }),
            ProblemKind::UnknownKey,
            format!("unknown key `{key}`; did you mean `module`?"),
            "unknown key",
            None,
        );
        assert!(
            p.message.chars().count() <= LONG_MESSAGE + 1,
            "{}",
            p.message.len()
        );
        assert!(p.message.starts_with("unknown key `kéé"), "{}", p.message);
        assert!(
            p.message.ends_with("éé`; did you mean `module`?"),
            "{}",
            p.message
        );
        assert!(render(&p).len() < 4_000);
    }

    #[test]
    fn short_lines_keep_their_context() {
        let text = "a: 1\nbogus: 2\nc: 3\n";
        let out = render(&problem_at(text, "bogus"));
        for l in [" 1 | a: 1", " 2 | bogus: 2", " 3 | c: 3"] {
            assert!(out.contains(l), "{out}");
        }
        assert!(!out.contains('…'), "{out}");
    }

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
