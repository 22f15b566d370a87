//! Rendering diagnostics for people: miette's graphical report (CI formats are in `ci`).
//!
//! This is the only module that names miette: swapping the renderer touches nothing else.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::Sources;

/// How the rendered report looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Plain text, fixed width: what snapshots and pipes get.
    Plain,
    /// With colours, for a terminal.
    Color,
}

/// A miette view of one diagnostic: one source file, its labels in that file, and a related
/// report for each other file that a label points into.
#[derive(Debug)]
struct Report {
    message: String,
    code: &'static str,
    severity: miette::Severity,
    help: Option<String>,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }
    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }
    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() { None } else { Some(Box::new(self.labels.iter().cloned())) }
    }
    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            None
        } else {
            Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
        }
    }
}

fn report(diagnostic: &Diagnostic, sources: &Sources) -> Report {
    let severity = match diagnostic.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    let mut report = Report {
        message: diagnostic.message.clone(),
        code: diagnostic.code.name(),
        severity,
        help: diagnostic.help.clone(),
        source: None,
        labels: Vec::new(),
        related: Vec::new(),
    };
    let Some(primary) = diagnostic.primary_span() else {
        return report;
    };
    let file = sources.get(primary.source);
    report.source = Some(NamedSource::new(file.name.clone(), file.text.to_string()));
    for (index, label) in diagnostic.labels.iter().enumerate() {
        let span = SourceSpan::new((label.span.start as usize).into(), label.span.len());
        let text = (!label.text.is_empty()).then(|| label.text.clone());
        if label.span.source == primary.source {
            report.labels.push(if index == 0 {
                LabeledSpan::new_primary_with_span(text, span)
            } else {
                LabeledSpan::new_with_span(text, span)
            });
        } else {
            let other = sources.get(label.span.source);
            report.related.push(Report {
                message: label.text.clone(),
                code: diagnostic.code.name(),
                severity: miette::Severity::Advice,
                help: None,
                source: Some(NamedSource::new(other.name.clone(), other.text.to_string())),
                labels: vec![LabeledSpan::new_primary_with_span(None, span)],
                related: Vec::new(),
            });
        }
    }
    report
}

/// The report a person reads: message, `file:line:col`, the source lines with labels, help.
pub fn human(diagnostic: &Diagnostic, sources: &Sources, style: Style) -> String {
    let theme = match style {
        Style::Plain => GraphicalTheme::unicode_nocolor(),
        Style::Color => GraphicalTheme::unicode(),
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &report(diagnostic, sources)).is_err() {
        out = format!("{}: {} [{}]\n", diagnostic.severity.as_str(), diagnostic.message, diagnostic.code.name());
    }
    out
}

/// The closing line for people, newline included: `WHAT: no problems found`, or how many errors
/// and warnings there were (`WHAT: 1 error, 2 warnings`).
pub fn summary(diagnostics: &Diagnostics, what: &str) -> String {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let line = match (errors, warnings) {
        (0, 0) => format!("{what}: no problems found"),
        (0, w) => format!("{what}: {}", plural(w, "warning")),
        (e, 0) => format!("{what}: {}", plural(e, "error")),
        (e, w) => format!("{what}: {}, {}", plural(e, "error"), plural(w, "warning")),
    };
    format!("{line}\n")
}
