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
}

impl SourceFile {
    /// A source named `name` (relative to the project root) holding `text`.
    pub fn new(name: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: Arc::new(text.into()),
        }
    }

    /// 1-based line of a span's start.
    pub fn line_of(&self, span: Span) -> usize {
        line_col(&self.text, span.offset).0
    }

    /// A problem at `span` of this file.
    pub fn problem(
        &self,
        span: Option<Span>,
        code: &'static str,
        message: impl Into<String>,
        label: impl Into<String>,
        help: Option<String>,
    ) -> Problem {
        let (line, column, span) = match span {
            Some(s) => {
                let offset = s.offset.min(self.text.len());
                let len = s.len.min(self.text.len() - offset);
                let (line, column) = line_col(&self.text, offset);
                (line, column, Some(SourceSpan::new(offset.into(), len)))
            }
            None => (0, 0, None),
        };
        Problem {
            file: self.name.clone(),
            line,
            column,
            code,
            message: message.into(),
            label: label.into(),
            help,
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

/// 1-based line and (character) column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut off = offset.min(text.len());
    while !text.is_char_boundary(off) {
        off -= 1;
    }
    let before = &text[..off];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
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
    pub code: &'static str,
    /// What is wrong (one line, lowercase).
    pub message: String,
    /// Short text under the snippet.
    #[serde(skip)]
    pub label: String,
    /// What to do about it.
    pub help: Option<String>,
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

impl Diagnostic for Problem {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
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
    /// The problems: sorted by file, then position.
    pub problems: Vec<Problem>,
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
        self.problems.sort_by(|a, b| {
            (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
        });
    }
    /// Iterates the problems.
    pub fn iter(&self) -> std::slice::Iter<'_, Problem> {
        self.problems.iter()
    }
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
