//! The memory a template may use. minijinja bounds a template's instructions (fuel), not the size
//! of its values: a string doubled in a loop reaches gigabytes in a few steps. While a template
//! renders, a watchdog thread reads the process's resident memory; when one render grows it by
//! more than [`RENDER_BUDGET`], Stave stops with an error naming the provisioner and the
//! resource, before the machine runs out. (Linux; elsewhere only fuel applies.)

use std::sync::atomic::{AtomicBool, Ordering};
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

/// What is rendering now: its description, and the memory when it began.
type Current = Arc<Mutex<Option<(String, u64)>>>;

#[derive(Debug)]
pub struct Guard {
    current: Current,
    stop: Arc<AtomicBool>,
    watchdog: Option<JoinHandle<()>>,
}

impl Guard {
    pub fn start() -> Guard {
        let current: Current = Arc::new(Mutex::new(None));
        let stop = Arc::new(AtomicBool::new(false));
        let (watched, stopping) = (current.clone(), stop.clone());
        let watchdog = resident().is_some().then(|| {
            std::thread::spawn(move || {
                while !stopping.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(10));
                    let now = resident().unwrap_or(0);
                    let over = watched
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .as_ref()
                        .filter(|(_, start)| now.saturating_sub(*start) > RENDER_BUDGET)
                        .map(|(what, _)| what.clone());
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
        Guard { current, stop, watchdog }
    }

    /// Marks the start of a render of `what` (`provisioner x for resource y`).
    pub fn enter(&self, what: String) {
        let start = resident().unwrap_or(0);
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some((what, start));
    }

    /// Marks its end.
    pub fn leave(&self) {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = None;
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(watchdog) = self.watchdog.take() {
            let _ = watchdog.join();
        }
    }
}
