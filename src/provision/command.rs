//! Command provisioners: a program gets the resource as JSON on stdin and returns
//! `{"outputs": {…}, "objects": […]}` as JSON on stdout. It runs in containment
//! ([`crate::contained`]); the keys that derive generated values are redacted from the stderr
//! that a message shows.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use serde_json::Value as Json;

use super::output::Output;
use crate::contained::{self, Bounds};

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
    let program = argv.first().map_or("", String::as_str);
    let payload = serde_json::to_vec(input).map_err(|e| e.to_string())?;
    let bounds = Bounds { timeout, stdout_cap: STDOUT_CAP };
    let stdout = contained::run(argv, base_dir, bounds, payload, &secrets_of(input))?;
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
