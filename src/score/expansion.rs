//! What placeholders expand to, metered against the platform's [`Limits`]: each expansion is
//! counted before it is made, and the first placeholder that would take its value past
//! `limits.valueSize`, or its workload past `limits.workloadExpansion`, is an error at that
//! placeholder. After the first error a workload's placeholders are no longer expanded (its
//! compile has failed already), so one workload gets one such error, and nothing large is built.
//! The front end meters `${metadata.…}`; provisioning meters resource outputs with the same
//! meter, starting from what the front end counted.

use std::cell::Cell;

use crate::diagnostics::{Code, Diagnostic};
use crate::limits::{self, Limits};
use crate::source::Span;

/// One workload's expansions so far.
#[derive(Debug)]
pub(crate) struct Meter {
    limits: Limits,
    workload: String,
    added: Cell<u64>,
    stopped: Cell<bool>,
}

/// Whether an expansion may be made.
#[derive(Debug)]
pub(crate) enum Verdict {
    Fits,
    /// It crosses a limit: report this, and do not expand.
    Crossed(Box<Diagnostic>),
    /// An earlier expansion crossed a limit: do not expand, report nothing more.
    Stopped,
}

impl Meter {
    /// A meter for `workload`, which placeholders have already grown by `added` bytes.
    pub(crate) fn new(limits: Limits, workload: &str, added: u64) -> Meter {
        Meter { limits, workload: workload.to_string(), added: Cell::new(added), stopped: Cell::new(false) }
    }

    /// What this workload's placeholders have added so far.
    pub(crate) fn added(&self) -> u64 {
        self.added.get()
    }

    /// Counts the placeholder at `span` (`written` gives it as written), which adds `size` bytes
    /// to a value that holds `before` bytes so far.
    pub(crate) fn expand(&self, written: impl Fn() -> String, span: Span, before: u64, size: u64) -> Verdict {
        if self.stopped.get() {
            return Verdict::Stopped;
        }
        let value = before.saturating_add(size);
        let added = self.added.get().saturating_add(size);
        let crossed = if value > self.limits.value_size {
            Some(
                Diagnostic::error(
                    Code::ValueTooLarge,
                    format!(
                        "`{}` makes this value {}, over the limit of {} for one value",
                        written(),
                        limits::describe(value),
                        limits::describe(self.limits.value_size)
                    ),
                )
                .label(span, "this placeholder takes the value past the limit")
                .help(format!(
                    "a placeholder copies what it reads into the value; keep large data out of placeholders (put it in \
                    a file's `content` once), or raise `{}` in the platform file",
                    limits::VALUE_SIZE
                )),
            )
        } else if added > self.limits.workload_expansion {
            Some(
                Diagnostic::error(
                    Code::ExpansionTooLarge,
                    format!(
                        "the placeholders of workload `{}` expand to more than {} in all",
                        self.workload,
                        limits::describe(self.limits.workload_expansion)
                    ),
                )
                .label(span, format!("`{}` crosses the limit here", written()))
                .help(format!(
                    "each placeholder copies what it reads: read a large value in fewer places, or raise `{}` in the \
                    platform file",
                    limits::WORKLOAD_EXPANSION
                )),
            )
        } else {
            None
        };
        match crossed {
            Some(diagnostic) => {
                self.stopped.set(true);
                Verdict::Crossed(Box::new(diagnostic))
            }
            None => {
                self.added.set(added);
                Verdict::Fits
            }
        }
    }
}
