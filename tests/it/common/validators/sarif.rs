//! SARIF 2.1.0 validation: Microsoft's SARIF multitool 5.7.0 (`Sarif.Multitool validate`, from the
//! npm package `@microsoft/sarif-multitool-linux`) and the SARIF 2.1.0 JSON schema that package
//! ships, both cached under `target/validators/sarif-multitool-5.7.0/`. The package's tarball is
//! pinned by its sha256 ([`PACKAGE_SHA256`]), checked before unpacking.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::install;

const PACKAGE: &str = "@microsoft/sarif-multitool-linux@5.7.0";
/// The sha256 of [`PACKAGE`]'s tarball as the npm registry serves it (`npm pack`).
pub const PACKAGE_SHA256: &str = "27d8e3e96dde578a23b7c45035b8d741fece5731e2700aa068015b8c44d1514e";
const MEMBERS: [&str; 2] = ["package/Sarif.Multitool", "package/sarif-2.1.0.json"];

/// The install directory, holding `Sarif.Multitool` and `sarif-2.1.0.json`.
fn dir() -> PathBuf {
    let key = format!("npm pack {PACKAGE} sha256:{PACKAGE_SHA256}; tar x {}", MEMBERS.join(" "));
    install::cached("sarif-multitool-5.7.0", &key, |dir| {
        let tarball = install::npm_pack(PACKAGE, PACKAGE_SHA256, dir)?;
        install::run(Command::new("tar").arg("xzf").arg(&tarball).arg("-C").arg(dir).args(MEMBERS))?;
        std::fs::remove_file(&tarball).map_err(|e| e.to_string())?;
        for member in MEMBERS {
            let name = member.trim_start_matches("package/");
            std::fs::rename(dir.join(member), dir.join(name)).map_err(|e| e.to_string())?;
        }
        std::fs::remove_dir(dir.join("package")).map_err(|e| e.to_string())?;
        let tool = dir.join("Sarif.Multitool");
        let mut permissions = std::fs::metadata(&tool).map_err(|e| e.to_string())?.permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
        std::fs::set_permissions(&tool, permissions).map_err(|e| e.to_string())?;
        install::run(multitool_command(dir).arg("--version")).map(drop)
    })
}

fn multitool_command(dir: &Path) -> Command {
    let mut command = Command::new(dir.join("Sarif.Multitool"));
    // No ICU on a bare machine; the tool needs no culture data.
    command.env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1").env("DOTNET_CLI_TELEMETRY_OPTOUT", "1");
    command
}

/// The SARIF 2.1.0 JSON schema (draft 2020-12) as the multitool package ships it.
pub fn sarif_schema() -> serde_json::Value {
    let path = dir().join("sarif-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the SARIF schema is JSON")
}

/// Validates SARIF logs against the schema, each alone, then with `Sarif.Multitool validate` (its
/// rules of what a SARIF log should hold), their results gathered into one log (see [`merge`]);
/// `Err` lists every problem of either.
pub fn try_sarif_validate(files: &[PathBuf]) -> Result<String, String> {
    let validator = jsonschema::validator_for(&sarif_schema()).expect("the SARIF schema compiles");
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let log: serde_json::Value = match serde_json::from_str(&text) {
            Ok(log) => log,
            Err(error) => {
                problems.push(format!("{}: not JSON: {error}", file.display()));
                continue;
            }
        };
        for error in validator.iter_errors(&log) {
            problems.push(format!("{}: {} at {}", file.display(), error, error.instance_path().as_str()));
        }
    }
    let merged = crate::common::tempdir().expect("temp dir");
    let (inputs, legend) = merge(files, merged.path());
    let output = multitool_command(&dir())
        .arg("validate")
        .args(&inputs)
        .output()
        .unwrap_or_else(|e| panic!("cannot run Sarif.Multitool: {e}"));
    let text = install::text(&output);
    // The tool reports `error SARIFnnnn` lines for rule violations; warnings and notes are advice.
    let errors: Vec<String> = text.lines().filter(|l| l.contains(": error ")).map(String::from).collect();
    if !errors.is_empty() && !legend.is_empty() {
        problems.push(format!("(in {}, {legend})", MERGED));
    }
    problems.extend(errors);
    if !output.status.success() {
        problems.push(format!("Sarif.Multitool validate exited with {}:\n{text}", output.status));
    }
    if problems.is_empty() { Ok(text) } else { Err(problems.join("\n")) }
}

/// The log the multitool reads for several: every log's runs, in order, in one.
const MERGED: &str = "merged.sarif";

/// What the multitool validates for `files`: one log holding every log that differs from the
/// first only in its runs, with the results of every run that differs from the first run only in
/// its results gathered into that run (the tool spends a quarter of a second on each file and
/// about 70 ms on each run, little on each result), and each other log as it is; with which
/// results and runs came from which file.
fn merge(files: &[PathBuf], dir: &Path) -> (Vec<PathBuf>, String) {
    use serde_json::{Map, Value};
    let read = |file: &PathBuf| -> Option<Map<String, Value>> {
        let text = std::fs::read_to_string(file).ok()?;
        serde_json::from_str::<Value>(&text).ok()?.as_object().cloned()
    };
    let without = |object: &Map<String, Value>, key: &str| {
        let mut object = object.clone();
        object.remove(key);
        object
    };
    let runs_of = |log: &Map<String, Value>| log.get("runs").and_then(Value::as_array).cloned().unwrap_or_default();
    let Some(first) = files.first().and_then(read).filter(|_| files.len() > 1) else {
        return (files.to_vec(), String::new());
    };
    let Some(Value::Object(first_run)) = runs_of(&first).into_iter().next() else {
        return (files.to_vec(), String::new());
    };
    let header = without(&first_run, "results");
    let first_header = without(&first, "runs");
    let (mut alone, mut results, mut other_runs, mut legend) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for file in files {
        match read(file) {
            Some(log) if without(&log, "runs") == first_header => {
                for run in runs_of(&log) {
                    match run.as_object() {
                        Some(object) if without(object, "results") == header => {
                            let these = object.get("results").and_then(Value::as_array).cloned().unwrap_or_default();
                            let range = results.len()..results.len() + these.len();
                            legend.push(format!("results {range:?} of run 0 are {}", file.display()));
                            results.extend(these);
                        }
                        _ => {
                            legend.push(format!("run {} is {}", other_runs.len() + 1, file.display()));
                            other_runs.push(run);
                        }
                    }
                }
            }
            _ => alone.push(file.clone()),
        }
    }
    let mut run = header;
    run.insert("results".into(), Value::Array(results));
    let mut log = first_header;
    log.insert("runs".into(), Value::Array([Value::Object(run)].into_iter().chain(other_runs).collect()));
    let merged = dir.join(MERGED);
    std::fs::write(&merged, serde_json::to_string_pretty(&log).expect("JSON")).expect("write the merged log");
    alone.insert(0, merged);
    (alone, legend.join("; "))
}
