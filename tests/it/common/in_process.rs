//! The command line run in the test process (`stave::cli::run`) instead of the binary: the same
//! code on the same arguments, without a process start, a dynamic link and the one-time work
//! (compiled schemas, parsed built-ins) that every run of the binary repeats. Each run gets a
//! thread with a working directory of its own (Linux's `unshare(CLONE_FS)`), and a pool of
//! workers started from it that share that directory, so that runs in different directories go
//! on side by side.
//!
//! What a run in-process cannot show falls back to the binary: a variable the command line does
//! not read through its console (`STAVE_SPOOL_MEMORY`, `STAVE_RENDER_MEMORY`: process-wide
//! limits), or a system that refuses the working directory of its own. The binary's own
//! behaviour (exit codes from `main`, signals, the render watchdog) is tested through
//! `common::stave_binary`.

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Output};

/// Runs `stave ARGS` in `cwd` in this process; `None` when it must run as a process.
pub fn run(cwd: &Path, args: &[&str], stdin: Option<&[u8]>, vars: &[(&str, Option<&str>)]) -> Option<Output> {
    if vars.iter().any(|(name, _)| !stave::cli::VARIABLES.contains(name)) {
        return None;
    }
    std::thread::scope(|scope| {
        let run = scope.spawn(|| {
            own_working_directory(cwd).ok()?;
            // Its own workers, started from this thread, share its working directory (the
            // global pool's would not: input files are read on the workers).
            let workers = rayon::ThreadPoolBuilder::new().build().ok()?;
            let (code, stdout, mut stderr) = workers.install(|| {
                let mut input = stdin.unwrap_or_default();
                let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
                let code = {
                    let mut console = stave::cli::Console::new(&mut input, &mut stdout, &mut stderr);
                    for (name, value) in vars {
                        if let Some(value) = value {
                            console = console.with_variable(name, value);
                        }
                    }
                    let all = std::iter::once("stave").chain(args.iter().copied());
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| stave::cli::run(all, &console)))
                };
                (code, stdout, stderr)
            });
            let code = code.unwrap_or_else(|_| {
                stderr.extend_from_slice(b"stave panicked (in-process run)\n");
                101
            });
            Some(Output { status: ExitStatus::from_raw(i32::from(code) << 8), stdout, stderr })
        });
        run.join().expect("the in-process run's thread")
    })
}

/// Gives this thread a working directory (and umask) of its own, then sets it to `dir`.
#[allow(unsafe_code)]
fn own_working_directory(dir: &Path) -> std::io::Result<()> {
    // SAFETY: `FS` unshares only the root, working directory and umask; the file descriptor
    // table (`FILES`, what makes the call unsafe) stays shared with every other thread.
    unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::FS) }?;
    std::env::set_current_dir(dir)
}
