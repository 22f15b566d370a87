//! The memory a template may use. minijinja bounds a template's instructions (fuel), not the size
//! of its values: a string doubled in a loop reaches gigabytes in a few steps. While a template
//! renders, a watchdog thread reads the process's resident memory; when one render grows it by
//! more than [`RENDER_BUDGET`], Stave stops with an error naming the provisioner and the
//! resource, before the machine runs out. (Linux; elsewhere only fuel applies.)

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

/// How much one render may grow the process.
pub const RENDER_BUDGET: u64 = 1 << 30;

/// The process's resident memory, in bytes.
fn resident() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = text.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * rustix::param::page_size() as u64)
}

/// What is rendering now, by ticket: its description, and the memory when the watchdog first
/// saw it (read by the watchdog, so a render costs no system call; one shorter than a tick is
/// never measured, and could not have grown by a gigabyte anyway).
type Current = Arc<Mutex<BTreeMap<u64, (String, Option<u64>)>>>;

#[derive(Debug)]
pub struct Guard {
    current: Current,
    tickets: AtomicU64,
    stop: Arc<AtomicBool>,
    watchdog: Option<JoinHandle<()>>,
}

/// One render, from [`Guard::enter`] to [`Guard::leave`].
#[derive(Debug)]
pub struct Ticket(u64);

impl Guard {
    pub fn start() -> Guard {
        let current: Current = Arc::new(Mutex::new(BTreeMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (watched, stopping) = (current.clone(), stop.clone());
        let watchdog = resident().is_some().then(|| {
            std::thread::spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    std::thread::park_timeout(Duration::from_millis(10));
                    let mut current = watched.lock().unwrap_or_else(PoisonError::into_inner);
                    if current.is_empty() {
                        continue;
                    }
                    let now = resident().unwrap_or(0);
                    let over = current.values_mut().find_map(|(what, start)| {
                        let start = *start.get_or_insert(now);
                        (now.saturating_sub(start) > RENDER_BUDGET).then(|| what.clone())
                    });
                    if let Some(what) = over {
                        // Nothing has been written yet: stopping here loses nothing.
                        #[allow(clippy::print_stderr, reason = "the compile cannot report through its phases any more")]
                        {
                            eprintln!(
                                "stave::provision::failed\n\n  × {what} used more than {} MiB of memory while rendering, and was stopped\n  help: a template that grows a value in a loop (`~`, `replace`) never ends well: bound the loop\nfailed; nothing was written: 1 error",
                                RENDER_BUDGET >> 20
                            );
                        }
                        std::process::exit(1);
                    }
                }
            })
        });
        Guard { current, tickets: AtomicU64::new(0), stop, watchdog }
    }

    /// Marks the start of a render of `what` (`provisioner x for resource y`); renders on
    /// several threads each have their own ticket.
    pub fn enter(&self, what: String) -> Ticket {
        let ticket = self.tickets.fetch_add(1, Ordering::Relaxed);
        self.current.lock().unwrap_or_else(PoisonError::into_inner).insert(ticket, (what, None));
        Ticket(ticket)
    }

    /// Marks its end.
    pub fn leave(&self, ticket: Ticket) {
        self.current.lock().unwrap_or_else(PoisonError::into_inner).remove(&ticket.0);
    }
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
