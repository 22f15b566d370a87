//! Printing diagnostics to standard error, in the format `--diagnostics` names, and turning them
//! into an outcome. Line formats print as they come; SARIF and GitLab reports gather the run's
//! findings and print one document when the command ends ([`Reporter::finish`]).

use std::cell::RefCell;

use super::{Console, DiagnosticsFormat, Outcome};
use crate::diagnostics::ci::{self, Finding};
use crate::diagnostics::render::{self, Style};
use crate::diagnostics::{Code, Diagnostics};
use crate::pipeline::{self, Compiled, Request, Stage};
use crate::source::Sources;

#[derive(Debug)]
pub(crate) struct Reporter<'a> {
    console: &'a Console<'a>,
    format: DiagnosticsFormat,
    deny_warnings: bool,
    style: Style,
    /// Standard error goes to a log that reads workflow commands (GitHub Actions): what is
    /// printed for people is neutralised there, so a workload's text cannot become one.
    ci_log: bool,
    /// The findings a whole-run document (SARIF, GitLab) is written from.
    gathered: RefCell<Vec<Finding>>,
}

impl<'a> Reporter<'a> {
    pub(crate) fn new(format: DiagnosticsFormat, deny_warnings: bool, console: &'a Console<'a>) -> Self {
        Reporter {
            console,
            format,
            deny_warnings,
            style: if console.colors() { Style::Color } else { Style::Plain },
            ci_log: super::ci_log(format, console),
            gathered: RefCell::new(Vec::new()),
        }
    }

    /// Prints every diagnostic; says whether the run must fail because of them.
    pub(crate) fn emit(&self, diagnostics: &Diagnostics, sources: &Sources) -> Outcome {
        for diagnostic in diagnostics.iter() {
            match self.format {
                DiagnosticsFormat::Human => self.print_for_people(&render::human(diagnostic, sources, self.style)),
                _ => self.record(Finding::new(diagnostic, sources)),
            }
        }
        let fail = diagnostics.has_errors() || (self.deny_warnings && diagnostics.has_warnings());
        // An option the command line cannot follow (`stave::cli::usage`) exits as usage errors do.
        if diagnostics.iter().any(|d| d.code == Code::Usage) {
            Outcome::Usage
        } else if fail {
            Outcome::InvalidInput
        } else {
            Outcome::Success
        }
    }

    /// Where the run's results and diagnostics go.
    pub(crate) fn console(&self) -> &'a Console<'a> {
        self.console
    }

    /// Whether standard error goes to a log that reads workflow commands.
    pub(crate) fn ci_log(&self) -> bool {
        self.ci_log
    }

    fn print(&self, text: &str) {
        self.console.err(text.as_bytes());
    }

    /// Prints text for people (never a workflow command: see `ci_log`).
    fn print_for_people(&self, text: &str) {
        if self.ci_log { self.print(&super::drift::neutralise(text)) } else { self.print(text) }
    }

    /// Prints a finding of a line format, or keeps it for the document.
    fn record(&self, finding: Finding) {
        match self.format {
            DiagnosticsFormat::Human => {}
            DiagnosticsFormat::Json => self.print(&(ci::json_line(&finding) + "\n")),
            DiagnosticsFormat::Github => self.print(&(ci::github_line(&finding) + "\n")),
            DiagnosticsFormat::Sarif | DiagnosticsFormat::Gitlab => self.gathered.borrow_mut().push(finding),
        }
    }

    /// Writes the whole-run document of SARIF and GitLab reports (empty when all is well, so
    /// that a CI upload step always finds one); nothing for the other formats.
    pub(crate) fn finish(&self) {
        let findings = self.gathered.borrow();
        match self.format {
            DiagnosticsFormat::Sarif => self.print(&ci::sarif(&findings)),
            DiagnosticsFormat::Gitlab => self.print(&ci::gitlab(&findings)),
            _ => {}
        }
    }

    /// A closing line for people: how many errors and warnings, or that all is well.
    pub(crate) fn summary(&self, diagnostics: &Diagnostics, what: &str) {
        if self.format != DiagnosticsFormat::Human {
            return;
        }
        self.print_for_people(&render::summary(diagnostics, what));
    }

    /// A line for people on standard error (none in the machine formats).
    pub(crate) fn note(&self, text: &str) {
        if self.format == DiagnosticsFormat::Human {
            self.print_for_people(&format!("{text}\n"));
        }
    }

    /// A usage or I/O error (exit 2), in the format `--diagnostics` names.
    pub(crate) fn usage_error(&self, message: &str) -> Outcome {
        match self.format {
            DiagnosticsFormat::Human => {
                let diagnostic = crate::diagnostics::Diagnostic::error(Code::Usage, message);
                self.print_for_people(&render::human(&diagnostic, &Sources::new(), self.style));
            }
            _ => self.record(Finding::unplaced(Code::Usage, message, None)),
        }
        Outcome::Usage
    }
}

/// The summary of a failed run, with the platform file it read.
pub(crate) fn failed(request: &Request) -> String {
    format!("failed; nothing was written ({})", super::platform_used(request.platform.as_deref()))
}

impl Reporter<'_> {
    /// Builds the request from the shared flags, then runs it up to `stage` (see [`Self::run`]).
    pub(crate) fn run_flags(
        &self,
        input: &super::InputArgs,
        platform: &super::PlatformArgs,
        stage: Stage,
    ) -> Result<(Compiled, Sources), Outcome> {
        let request = super::inputs::request(input, platform, false, self.console)
            .map_err(|message| self.usage_error(&message))?;
        self.run(&request, stage)
    }

    /// Runs the pipeline up to `stage` for `--env` or every environment, and prints its
    /// diagnostics. Returns what it built, or the outcome to exit with when it failed.
    pub(crate) fn run_all(&self, request: &Request, stage: Stage) -> Result<(Vec<Compiled>, Sources), Outcome> {
        let mut sources = Sources::new();
        let (compiled, diagnostics) = pipeline::run_all(request, stage, &mut sources);
        let outcome = self.emit(&diagnostics, &sources);
        if outcome == Outcome::Success && !compiled.is_empty() {
            return Ok((compiled, sources));
        }
        self.summary(&diagnostics, &failed(request));
        Err(if outcome == Outcome::Success { Outcome::InvalidInput } else { outcome })
    }

    /// Runs the pipeline up to `stage` and prints its diagnostics. Returns what it built, or
    /// the outcome to exit with when it failed.
    pub(crate) fn run(&self, request: &Request, stage: Stage) -> Result<(Compiled, Sources), Outcome> {
        let mut sources = Sources::new();
        let (compiled, diagnostics) = pipeline::run(request, stage, &mut sources);
        let outcome = self.emit(&diagnostics, &sources);
        match compiled {
            Some(compiled) if outcome == Outcome::Success => Ok((compiled, sources)),
            _ => {
                self.summary(&diagnostics, &failed(request));
                Err(if outcome == Outcome::Success { Outcome::InvalidInput } else { outcome })
            }
        }
    }
}
