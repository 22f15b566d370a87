//! Runs a platform team's program (a command provisioner, an external target) in containment:
//! a clean environment (only `PATH`), a process group of its own, a time limit, capped output.
//!
//! On time-out, on too much output, and when it exits, the whole group is killed, so no child
//! of the program outlives the compile or holds its pipes open. Standard output and error are
//! read concurrently, with caps (the most stdout the caller reads; 64 KiB of stderr: more is
//! drained, not kept). The caller turns the reply into its own types.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The most stderr a message shows.
const STDERR_CAP: usize = 64 * 1024;

/// How one run is bounded.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bounds {
    pub(crate) timeout: Duration,
    /// The most stdout read; more stops the program.
    pub(crate) stdout_cap: usize,
}

/// Reads a pipe to its end, keeping at most `cap` bytes; sets `over` when there was more (and
/// stops there when `stop_at_cap`, else drains the rest).
fn read_capped(mut pipe: impl Read, cap: usize, stop_at_cap: bool, over: &AtomicBool) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 64 * 1024];
    loop {
        match pipe.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len());
                kept.extend_from_slice(&buffer[..n.min(room)]);
                if n > room {
                    over.store(true, Ordering::Relaxed);
                    if stop_at_cap {
                        break;
                    }
                }
            }
        }
    }
    kept
}

/// Kills the child's process group (it leads one of its own) and reaps the child.
fn kill_group(child: &mut Child) {
    if let Some(pid) = i32::try_from(child.id()).ok().and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Runs `argv` (a program on `PATH`, or a path relative to `base_dir`, where it runs) with
/// `input` on stdin; its stdout when it exits 0. `Err` says what went wrong, with the end of its
/// stderr, every string of `redact` replaced.
pub(crate) fn run(
    argv: &[String],
    base_dir: &Path,
    bounds: Bounds,
    input: Vec<u8>,
    redact: &[String],
) -> Result<Vec<u8>, String> {
    use std::os::unix::process::CommandExt;
    let Some(program) = argv.first() else { return Err("the command is empty".into()) };
    let program_path =
        if program.contains('/') { base_dir.join(program).display().to_string() } else { program.clone() };
    let mut command = Command::new(&program_path);
    command.args(&argv[1..]).current_dir(base_dir).env_clear().process_group(0);
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{program}`: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let too_much = Arc::new(AtomicBool::new(false));
    let flag = too_much.clone();
    let cap = bounds.stdout_cap;
    let out_reader = std::thread::spawn(move || read_capped(stdout, cap, true, &flag));
    let err_reader = std::thread::spawn(move || read_capped(stderr, STDERR_CAP, false, &AtomicBool::new(false)));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > bounds.timeout || too_much.load(Ordering::Relaxed) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Whatever happened, nothing of the program's outlives this point (a child of it that kept
    // its pipes open would hold the readers forever).
    kill_group(&mut child);
    let _ = writer.join();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let mut stderr = String::from_utf8_lossy(&stderr).trim().to_string();
    for secret in redact {
        stderr = stderr.replace(secret, "<redacted>");
    }
    if too_much.load(Ordering::Relaxed) {
        return Err(format!("`{program}` printed more than {} MiB on stdout, the most Stave reads", cap >> 20));
    }
    let Some(status) = status else {
        return Err(format!("`{program}` did not finish within {} seconds and was stopped", bounds.timeout.as_secs()));
    };
    if !status.success() {
        let code = status.code().map_or("a signal".to_string(), |c| format!("code {c}"));
        let tail = if stderr.is_empty() { String::new() } else { format!(": {stderr}") };
        return Err(format!("`{program}` exited with {code}{tail}"));
    }
    Ok(stdout)
}
