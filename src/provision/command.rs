//! Command provisioners: a program gets the resource as JSON on stdin and returns
//! `{"outputs": {…}, "objects": […]}` as JSON on stdout. It runs with a time limit, and its
//! stderr is shown when it fails.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
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
pub type Provided = (BTreeMap<String, Output>, Vec<Json>);

/// Runs `argv` (a program on PATH, or a path relative to `base_dir`) with `input` on stdin.
pub fn run(argv: &[String], base_dir: &Path, timeout: Duration, input: &Json) -> Result<Provided, String> {
    let program = &argv[0];
    let program_path =
        if program.contains('/') { base_dir.join(program).display().to_string() } else { program.clone() };
    let mut child = Command::new(&program_path)
        .args(&argv[1..])
        .current_dir(base_dir)
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
    let mut stdout = child.stdout.take().ok_or("no stdout")?;
    let mut stderr = child.stderr.take().ok_or("no stderr")?;
    let out_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stdout.by_ref().take(64 * 1024 * 1024).read_to_end(&mut bytes);
        bytes
    });
    let err_reader = std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stderr.by_ref().take(64 * 1024).read_to_end(&mut bytes);
        bytes
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("`{program}` did not finish within {} seconds and was stopped", timeout.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let _ = writer.join();
    let stdout = out_reader.join().unwrap_or_default();
    let stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).trim().to_string();
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
