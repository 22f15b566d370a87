//! Diagnostics: what went wrong, where, and what to do about it.
//!
//! Every phase reports problems as [`Diagnostic`] values collected into [`Diagnostics`] rather
//! than stopping at the first; the driver stops between phases when there are errors. Rendering
//! for people (through miette) lives in [`render`], the only module that names the rendering
//! library; the formats CI reads (JSON lines, SARIF, GitHub, GitLab) in [`ci`].

pub mod ci;
mod codes;
pub mod render;

pub use codes::{Code, ReportedCode};

use crate::source::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A labelled place in a source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub(crate) span: Span,
    pub text: String,
}

/// One problem: a stable code, a message, labels on the exact values, and help.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    /// Lowercase, names identifiers in backticks.
    pub message: String,
    /// The first label is the primary one; its position is the diagnostic's position.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// For problems with no position inside a file (an unreadable path): the file's name.
    pub(crate) path: Option<String>,
}

impl Diagnostic {
    pub(crate) fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub(crate) fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    fn new(code: Code, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic { code, severity, message: message.into(), labels: Vec::new(), help: None, path: None }
    }

    pub(crate) fn label(mut self, span: Span, text: impl Into<String>) -> Self {
        self.labels.push(Label { span, text: text.into() });
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub(crate) fn primary_span(&self) -> Option<Span> {
        self.labels.first().map(|label| label.span)
    }
}

/// The problems found so far, in the order they were found until `Diagnostics::sorted`.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub(crate) fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Gives each diagnostic the code `recode` makes of its own.
    pub(crate) fn recode(&mut self, recode: impl Fn(Code) -> Code) {
        for item in &mut self.items {
            item.code = recode(item.code);
        }
    }

    pub(crate) fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// How many errors there are: a phase compares it before and after a step.
    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    /// Keeps the diagnostics `keep` accepts.
    pub(crate) fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    pub fn has_warnings(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Warning)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// By position (file, then offset), then code; exact duplicates removed. Output order must not
    /// depend on the order in which checks happened to run.
    pub(crate) fn sorted(mut self) -> Self {
        self.items.sort_by(|a, b| {
            (a.primary_span(), &a.path, a.code, &a.message).cmp(&(b.primary_span(), &b.path, b.code, &b.message))
        });
        self.items.dedup();
        self
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}
