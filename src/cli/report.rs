//! Printing diagnostics to standard error and turning them into an outcome.

use std::io::{IsTerminal, Write};

use super::{DiagnosticsFormat, Outcome};
use crate::diagnostics::render::{self, Style};
use crate::diagnostics::{Diagnostics, Severity};
use crate::pipeline::{self, Compiled, Request, Stage};
use crate::source::Sources;

#[derive(Debug)]
pub struct Reporter {
    format: DiagnosticsFormat,
    deny_warnings: bool,
    style: Style,
}

impl Reporter {
    pub fn new(format: DiagnosticsFormat, deny_warnings: bool) -> Self {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Reporter { format, deny_warnings, style: if color { Style::Color } else { Style::Plain } }
    }

    /// Prints every diagnostic; says whether the run must fail because of them.
    pub fn emit(&self, diagnostics: &Diagnostics, sources: &Sources) -> Outcome {
        let mut stderr = std::io::stderr().lock();
        for diagnostic in diagnostics.iter() {
            let text = match self.format {
                DiagnosticsFormat::Human => render::human(diagnostic, sources, self.style),
                DiagnosticsFormat::Json => render::json(diagnostic, sources) + "\n",
            };
            let _ = stderr.write_all(text.as_bytes());
        }
        let fail = diagnostics.has_errors() || (self.deny_warnings && diagnostics.has_warnings());
        if fail { Outcome::InvalidInput } else { Outcome::Success }
    }

    /// A closing line for people: how many errors and warnings, or that all is well.
    pub fn summary(&self, diagnostics: &Diagnostics, what: &str) {
        if self.format != DiagnosticsFormat::Human {
            return;
        }
        let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
        let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
        let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
        let line = match (errors, warnings) {
            (0, 0) => format!("{what}: no problems found"),
            (0, w) => format!("{what}: {}", plural(w, "warning")),
            (e, 0) => format!("{what}: {}", plural(e, "error")),
            (e, w) => format!("{what}: {}, {}", plural(e, "error"), plural(w, "warning")),
        };
        let _ = writeln!(std::io::stderr(), "{line}");
    }

    pub fn usage_error(&self, message: &str) -> Outcome {
        let _ = writeln!(std::io::stderr(), "error: {message}");
        Outcome::Usage
    }
}

/// The summary of a failed run, with the platform file it read.
pub fn failed(request: &Request) -> String {
    format!("failed; nothing was written ({})", super::platform_used(request.platform.as_deref()))
}

impl Reporter {
    /// Builds the request from the shared flags, then runs it up to `stage` (see [`Self::run`]).
    pub fn run_flags(
        &self,
        input: &super::InputArgs,
        platform: &super::PlatformArgs,
        stage: Stage,
    ) -> Result<(Compiled, Sources), Outcome> {
        let request = super::inputs::request(input, platform, false).map_err(|message| self.usage_error(&message))?;
        self.run(&request, stage)
    }

    /// Runs the pipeline up to `stage` for `--env` or every environment, and prints its
    /// diagnostics. Returns what it built, or the outcome to exit with when it failed.
    pub fn run_all(&self, request: &Request, stage: Stage) -> Result<(Vec<Compiled>, Sources), Outcome> {
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
    pub fn run(&self, request: &Request, stage: Stage) -> Result<(Compiled, Sources), Outcome> {
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
