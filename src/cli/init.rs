//! `stave init [DIR]`: starts a project. Writes a commented `workload.yaml` (a web service with
//! a database) and a `stave.yaml` (environments `dev`, Kubernetes, and `prod`, Helm), and adds
//! `.stave/` (where the seed lives) to `.gitignore`, creating it when absent. `--no-sample`
//! writes only the platform file.
//!
//! It never overwrites: a file that exists is left alone and named (exit 0); no sample is written
//! beside an existing `score.yaml`, which `stave check` would otherwise stop reading. Each new
//! file is written whole in a temporary file and linked into place only if the name is still
//! free. The report goes to standard error. DIR is created (with its parents) when it does not
//! exist; a DIR that is a file, or a file that cannot be written, is exit 2, as for `compile -o`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::Outcome;
use super::report::Reporter;
use crate::examples::{INIT_PLATFORM, INIT_WORKLOAD};

/// What `.gitignore` gets.
const IGNORE: &str = ".stave/";

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The directory to start the project in (created, with its parents, when it does not exist).
    #[arg(default_value = ".")]
    dir: PathBuf,

    /// Write only the platform file (`stave.yaml`) and `.gitignore`, no sample workload.
    #[arg(long)]
    no_sample: bool,
}

/// What happened to one file.
enum Done {
    Wrote(String),
    LeftAlone(String),
}

pub(crate) fn run(args: &InitArgs, reporter: &Reporter) -> Outcome {
    let mut done = Vec::new();
    match create_dir(&args.dir) {
        Ok(Some(created)) => done.push(created),
        Ok(None) => {}
        Err(message) => return reporter.usage_error(&message),
    }
    let mut files: Vec<(&str, &str, &str)> = Vec::new();
    if !args.no_sample {
        if args.dir.join("score.yaml").exists() && !args.dir.join("workload.yaml").exists() {
            done.push(Done::LeftAlone(
                "no sample `workload.yaml`: `score.yaml` is already a workload file here, and `stave check` reads \
                `workload.yaml` first"
                    .into(),
            ));
        } else {
            files.push(("workload.yaml", INIT_WORKLOAD, "a web service with a PostgreSQL database"));
        }
    }
    files.push(("stave.yaml", INIT_PLATFORM, "environments `dev` (kubernetes) and `prod` (helm)"));
    for (name, text, what) in files {
        match create_new(&args.dir.join(name), text) {
            Ok(true) => done.push(Done::Wrote(format!("wrote `{name}`: {what}"))),
            Ok(false) => done.push(Done::LeftAlone(format!("left `{name}` alone: it exists"))),
            Err(message) => return reporter.usage_error(&message),
        }
    }
    match ignore_seed(&args.dir.join(".gitignore")) {
        Ok(done_here) => done.push(done_here),
        Err(message) => return reporter.usage_error(&message),
    }
    let mut report = String::new();
    for Done::Wrote(line) | Done::LeftAlone(line) in &done {
        report.push_str(line);
        report.push('\n');
    }
    let wrote = done.iter().any(|d| matches!(d, Done::Wrote(_)));
    report.push_str(if wrote { "next: " } else { "nothing to do; try: " });
    if args.dir != Path::new(".") {
        report.push_str(&format!("`cd {}`, then ", args.dir.display()));
    }
    report.push_str("`stave check`, `stave compile --env dev`, `stave compile --env prod -o chart`\n");
    reporter.console().err(report.as_bytes());
    Outcome::Success
}

/// Creates `dir` and its parents when it does not exist (what was done, to report); refuses a
/// path that is something other than a directory.
fn create_dir(dir: &Path) -> Result<Option<Done>, String> {
    if dir.is_dir() {
        return Ok(None);
    }
    if dir.symlink_metadata().is_ok() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create the directory `{}`: {e}", dir.display()))?;
    Ok(Some(Done::Wrote(format!("created the directory `{}`", dir.display()))))
}

/// Writes `text` to `path` unless something is there; `Ok(false)` when it was. The text goes into
/// a temporary file beside it first, then takes the name without replacing anything.
fn create_new(path: &Path, text: &str) -> Result<bool, String> {
    if path.symlink_metadata().is_ok() {
        return Ok(false);
    }
    let failed = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new().prefix(".stave-init-").tempfile_in(dir).map_err(failed)?;
    temp.write_all(text.as_bytes()).map_err(failed)?;
    set_readable(temp.as_file()).map_err(failed)?;
    match temp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(failed(e.error)),
    }
}

/// Mode 0644: temporary files are created 0600, and these are sources to share.
#[cfg(unix)]
fn set_readable(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_readable(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

/// Adds `.stave/` to `.gitignore` (created when absent), unless a line already ignores it.
fn ignore_seed(path: &Path) -> Result<Done, String> {
    let failed = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    let existing = match std::fs::read(path) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read `{}`: {e}", path.display())),
    };
    let Some(existing) = existing else {
        let text =
            format!("# Stave's seed for generated values (`stave init`): keep it out of version control.\n{IGNORE}\n");
        return if create_new(path, &text)? {
            Ok(Done::Wrote(format!("wrote `.gitignore`: it ignores `{IGNORE}`")))
        } else {
            // A dangling link, or a file that appeared meanwhile: not ours to change.
            Ok(Done::LeftAlone(format!("left `.gitignore` alone: add `{IGNORE}` to it yourself")))
        };
    };
    let text = String::from_utf8_lossy(&existing);
    if text.lines().map(str::trim).any(|line| matches!(line, ".stave" | ".stave/" | "/.stave" | "/.stave/")) {
        return Ok(Done::LeftAlone(format!("left `.gitignore` alone: it already ignores `{IGNORE}`")));
    }
    let separator = if existing.is_empty() || existing.ends_with(b"\n") { "" } else { "\n" };
    let addition = format!("{separator}# Stave's seed for generated values (`stave init`).\n{IGNORE}\n");
    let mut file = OpenOptions::new().append(true).open(path).map_err(failed)?;
    file.write_all(addition.as_bytes()).map_err(failed)?;
    Ok(Done::Wrote(format!("added `{IGNORE}` to `.gitignore`")))
}
