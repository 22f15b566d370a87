//! The last guard on a template's memory, where minijinja's fuel does not count it: fuel stops
//! every render that runs too long or builds too much (see `template.rs`), but minijinja 3.1
//! materializes a deeply concatenated list, and prints a value whose parts are shared, before it
//! charges for them. While templates render, a watchdog thread reads the process's resident
//! memory every 10 ms; when it has grown by more than `RENDER_MEMORY` (or the bytes in
//! `STAVE_RENDER_MEMORY`) since a render began,
//! the program's overrun hook gets a diagnostic naming the renders in progress.
//!
//! The library never ends the process, and has no watchdog unless a program sets a hook
//! ([`on_overrun`]): the `stave` binary's `main` does, and reports the diagnostic in the format
//! `--diagnostics` names before it exits. (Linux only; elsewhere fuel is the only bound.)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::diagnostics::{Code, Diagnostic};

/// How much the process may grow while a render runs: 1 GiB, or `STAVE_RENDER_MEMORY` bytes.
pub(crate) const RENDER_MEMORY: u64 = 1 << 30;

fn render_memory() -> u64 {
    std::env::var("STAVE_RENDER_MEMORY").ok().and_then(|v| v.parse().ok()).unwrap_or(RENDER_MEMORY)
}

/// What a program does when a render outgrows [`RENDER_MEMORY`]: it must not return to the
/// render (which goes on growing), so it ends the process or parks the thread.
pub(crate) type Overrun = fn(Diagnostic);

static HOOK: OnceLock<Overrun> = OnceLock::new();

/// Sets the overrun hook, once per process; it turns the watchdog on.
pub fn on_overrun(hook: Overrun) {
    let _ = HOOK.set(hook);
}

/// The process's resident memory, in bytes.
fn resident() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

/// What renders now, by ticket: its description, and the memory when the watchdog first saw it
/// (so that a render costs no system call).
type Current = Arc<Mutex<BTreeMap<u64, (String, Option<u64>)>>>;

/// The renders of one provisioning run, watched while it lasts.
#[derive(Debug)]
pub(crate) struct Guard {
    current: Current,
    tickets: AtomicU64,
    stop: Arc<AtomicBool>,
    watchdog: Option<JoinHandle<()>>,
}

/// One render, from [`Guard::enter`] to [`Guard::leave`].
#[derive(Debug)]
pub(crate) struct Ticket(u64);

impl Guard {
    /// Starts watching, when a hook is set and the memory can be read.
    pub(crate) fn start() -> Guard {
        let current: Current = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let watchdog = match (HOOK.get(), resident()) {
            (Some(&hook), Some(_)) => {
                let (watched, stopping) = (current.clone(), stop.clone());
                Some(std::thread::spawn(move || watch(&watched, &stopping, hook)))
            }
            _ => None,
        };
        Guard { current, tickets: AtomicU64::new(0), stop, watchdog }
    }

    /// Marks the start of a render of `what` (`provisioner x for resource y`).
    pub(crate) fn enter(&self, what: impl FnOnce() -> String) -> Option<Ticket> {
        self.watchdog.as_ref()?;
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        self.current.lock().unwrap_or_else(PoisonError::into_inner).insert(ticket, (what(), None));
        Some(Ticket(ticket))
    }

    /// Marks its end.
    pub(crate) fn leave(&self, ticket: Option<Ticket>) {
        if let Some(Ticket(ticket)) = ticket {
            self.current.lock().unwrap_or_else(PoisonError::into_inner).remove(&ticket);
        }
    }
}

fn watch(current: &Current, stop: &AtomicBool, hook: Overrun) {
    let limit = render_memory();
    while !stop.load(Ordering::Relaxed) {
        std::thread::park_timeout(Duration::from_millis(10));
        let overrun = {
            let mut current = current.lock().unwrap_or_else(PoisonError::into_inner);
            if current.is_empty() {
                continue;
            }
            let now = resident().unwrap_or(0);
            let grown = current.values_mut().any(|(_, start)| now.saturating_sub(*start.get_or_insert(now)) > limit);
            grown.then(|| current.values().map(|(what, _)| what.clone()).collect::<Vec<_>>())
        };
        if let Some(renders) = overrun {
            hook(diagnostic(&renders, limit));
            return;
        }
    }
}

/// What the hook is told: the render, or the renders in progress when memory ran over.
fn diagnostic(renders: &[String], limit: u64) -> Diagnostic {
    let who = match renders {
        [one] => one.clone(),
        several => format!("one of the renders in progress ({})", several.join("; ")),
    };
    Diagnostic::error(
        Code::ProvisionerFailed,
        format!(
            "{who} grew the process by more than {} while rendering, and was stopped",
            crate::limits::describe(limit)
        ),
    )
    .help(
        "a template that concatenates a list with itself, or prints a value built from itself, grows without bound: \
        bound the loop",
    )
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(watchdog) = self.watchdog.take() {
            // Woken, so that dropping the guard does not wait for a tick.
            watchdog.thread().unpark();
            let _ = watchdog.join();
        }
    }
}
