//! Command provisioners: a program gets the resource as JSON on stdin and returns
//! `{"outputs": {…}, "objects": […]}` as JSON on stdout.
//!
//! The program runs in a clean environment (only `PATH`), in a process group of its own, with a
//! time limit: on time-out, on too much output, and when it exits, the whole group is killed, so
//! no child of it outlives the compile or holds its pipes open. stdout and stderr are read
//! concurrently, with caps (16 MiB and 64 KiB: more stderr is drained, not kept); the keys that
//! derive generated values are redacted from the stderr that a message shows.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value as Json;

use super::output::Output;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reply {
    #[serde(default)]
    outputs: serde_json::Map<String, Json>,
    #[serde(default)]
    objects: Vec<Json>,
}

/// The result of a command: outputs and objects.
pub(crate) type Provided = (BTreeMap<String, Output>, Vec<Json>);

/// The most stdout Stave reads from a command.
const STDOUT_CAP: usize = 16 * 1024 * 1024;
/// The most stderr a message shows.
const STDERR_CAP: usize = 64 * 1024;

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

/// The keys in the input that a message must not show.
fn secrets_of(input: &Json) -> Vec<String> {
    input
        .get("_keys")
        .and_then(Json::as_object)
        .map(|keys| keys.values().filter_map(Json::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

/// Runs `argv` (a program on PATH, or a path relative to `base_dir`) with `input` on stdin.
pub(crate) fn run(argv: &[String], base_dir: &Path, timeout: Duration, input: &Json) -> Result<Provided, String> {
    use std::os::unix::process::CommandExt;
    let program = &argv[0];
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
    let payload = serde_json::to_vec(input).map_err(|e| e.to_string())?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&payload);
    });
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let stderr = child.stderr.take().ok_or("no stderr")?;
    let too_much = Arc::new(AtomicBool::new(false));
    let flag = too_much.clone();
    let out_reader = std::thread::spawn(move || read_capped(stdout, STDOUT_CAP, true, &flag));
    let err_reader = std::thread::spawn(move || read_capped(stderr, STDERR_CAP, false, &AtomicBool::new(false)));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break Some(status);
        }
        if started.elapsed() > timeout || too_much.load(Ordering::Relaxed) {
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    // Whatever happened, nothing of the command's outlives this point (a child of it that kept
    // its pipes open would hold the readers forever).
    kill_group(&mut child);
    let _ = writer.join();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = err_reader.join().unwrap_or_default();
    let too_much = too_much.load(Ordering::Relaxed);
    let mut stderr = String::from_utf8_lossy(&stderr).trim().to_string();
    for secret in secrets_of(input) {
        stderr = stderr.replace(&secret, "<redacted>");
    }
    if too_much {
        return Err(format!("`{program}` printed more than {} MiB on stdout, the most Stave reads", STDOUT_CAP >> 20));
    }
    let Some(status) = status else {
        return Err(format!("`{program}` did not finish within {} seconds and was stopped", timeout.as_secs()));
    };
    if !status.success() {
        let code = status.code().map_or("a signal".to_string(), |c| format!("code {c}"));
        let tail = if stderr.is_empty() { String::new() } else { format!(": {stderr}") };
        return Err(format!("`{program}` exited with {code}{tail}"));
    }
    let reply: Reply = serde_json::from_slice(&stdout)
        .map_err(|e| format!("`{program}` did not print `{{\"outputs\": {{…}}, \"objects\": […]}}` as JSON: {e}"))?;
    let outputs = reply
        .outputs
        .into_iter()
        .map(|(k, v)| Ok((k, Output::from_json(v)?)))
        .collect::<Result<_, String>>()
        .map_err(|e| format!("`{program}` returned a bad output: {e}"))?;
    if let Some(bad) = reply.objects.iter().find(|o| !o.is_object()) {
        return Err(format!("`{program}` returned an object that is not a map: {bad}"));
    }
    Ok((outputs, reply.objects))
}
