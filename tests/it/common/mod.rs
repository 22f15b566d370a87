//! Shared helpers for the integration tests: run the real binary, copy fixtures, read cases.
#![allow(dead_code, reason = "each test crate uses a different subset")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The sidecar `case.yaml` of a fixture directory.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// The workload files to pass (default: `workload.yaml`).
    #[serde(default)]
    pub files: Vec<String>,
    /// Extra command-line arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// A file the test writes first (too large to commit).
    pub generate: Option<Generate>,
    /// Whether to set `STAVE_SEED` (default: yes, so generated values are fixed and quiet).
    pub seed: Option<bool>,
    /// For invalid fixtures: the subcommand to run instead of `check`.
    #[serde(default)]
    pub subcommand: Vec<String>,
    /// Only the front end applies (no graph, provisioning or target snapshots).
    #[serde(default)]
    pub front_end_only: bool,
    /// For valid fixtures: the targets it is emitted for, each with a snapshot of its own.
    #[serde(default)]
    pub targets: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    pub name: String,
    pub bytes: usize,
}

pub fn read_case(dir: &Path) -> Case {
    match std::fs::read_to_string(dir.join("case.yaml")) {
        Ok(text) => serde_saphyr::from_str(&text).expect("case.yaml is valid"),
        Err(_) => Case::default(),
    }
}

/// Copies a fixture directory into a fresh temporary directory (so generated files stay out of
/// the tree) and returns the temporary directory and the copy's path.
pub fn copy_fixture(dir: &Path) -> (tempfile::TempDir, PathBuf) {
    let temp = crate::common::tempdir().expect("temp dir");
    let target = temp.path().join(dir.file_name().expect("fixture name"));
    copy_dir(dir, &target);
    (temp, target)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

/// A temporary directory for a test ([`use_ram_for_temporary_files`] first).
pub fn tempdir() -> std::io::Result<tempfile::TempDir> {
    use_ram_for_temporary_files();
    tempfile::tempdir()
}

/// Puts this process's temporary files (the tests' and the library's, through `tempfile`) on a
/// RAM-backed file system when the machine has one with room (`/dev/shm`, 2 GiB free): the
/// suite creates and deletes tens of thousands of files, and on ext4 the journal made that a
/// tenth of its time. Elsewhere they stay in the system's temporary directory.
pub fn use_ram_for_temporary_files() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let shm = Path::new("/dev/shm");
        let room = rustix::fs::statvfs(shm).map(|fs| fs.f_bavail.saturating_mul(fs.f_frsize)).unwrap_or(0);
        if shm.is_dir() && room >= 2 << 30 {
            let _ = tempfile::env::override_temp_dir(shm);
        }
    });
}

/// The seed the fixture tests compile with.
pub const FIXTURE_SEED: &str = "stave fixture seed";

/// Runs `stave` in `cwd` with `args`, optional standard input, no colours, and the fixture seed.
pub fn stave(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    stave_with_env(cwd, args, stdin, &[("STAVE_SEED", Some(FIXTURE_SEED))])
}

/// Runs `stave compile ARGS` in `cwd` under `umask 000` (so only Stave decides who may read what
/// it writes); whether it succeeded.
pub fn compile_with_open_umask(cwd: &Path, args: &str) -> bool {
    let shell = format!("umask 000 && exec {} compile {args}", env!("CARGO_BIN_EXE_stave"));
    let status = Command::new("sh").arg("-c").arg(&shell).current_dir(cwd).env("STAVE_SEED", "s").status();
    status.expect("run stave").success()
}

/// Runs `stave` with environment variables set (`Some`) or removed (`None`): in this process
/// (see [`in_process`]) when it can, else the binary.
pub fn stave_with_env(cwd: &Path, args: &[&str], stdin: Option<&[u8]>, vars: &[(&str, Option<&str>)]) -> Output {
    in_process::run(cwd, args, stdin, vars).unwrap_or_else(|| stave_binary(cwd, args, stdin, vars))
}

/// Runs the `stave` binary, with environment variables set (`Some`) or removed (`None`).
pub fn stave_binary(cwd: &Path, args: &[&str], stdin: Option<&[u8]>, vars: &[(&str, Option<&str>)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_stave"));
    command.current_dir(cwd).args(args).env("NO_COLOR", "1").env_remove("RUST_BACKTRACE").env_remove("COLUMNS");
    if let Some(path) = path_without_shims() {
        command.env("PATH", path);
    }
    for (name, value) in vars {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("run stave");
    if let Some(bytes) = stdin {
        use std::io::Write;
        let mut pipe = child.stdin.take().expect("stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    child.wait_with_output().expect("wait for stave")
}

/// `PATH` with the real Python interpreter's directory first, so that a command provisioner's
/// `python3` skips a version manager's shim (pyenv's costs 0.1 s of shell scripts a call);
/// `None` (the inherited `PATH`) without `python3`.
fn path_without_shims() -> Option<&'static std::ffi::OsString> {
    static PATH: std::sync::OnceLock<Option<std::ffi::OsString>> = std::sync::OnceLock::new();
    PATH.get_or_init(|| {
        let script = "import os, sys; print(os.path.dirname(os.path.realpath(sys.executable)))";
        let output = Command::new("python3").args(["-c", script]).stderr(Stdio::null()).output().ok()?;
        let dir = String::from_utf8(output.stdout).ok().filter(|_| output.status.success())?;
        let inherited = std::env::var_os("PATH").unwrap_or_default();
        let dirs = std::iter::once(PathBuf::from(dir.trim())).chain(std::env::split_paths(&inherited));
        std::env::join_paths(dirs).ok()
    })
    .as_ref()
}

/// Runs a fixture case with a subcommand (`check`, or `compile --emit ir`).
pub fn run_case(dir: &Path, subcommand: &[&str], extra: &[&str]) -> Output {
    let case = read_case(dir);
    let (_temp, copy) = copy_fixture(dir);
    if let Some(generate) = &case.generate {
        let mut text = String::from("# padding\n").repeat(generate.bytes / 10 + 1);
        text.truncate(generate.bytes);
        std::fs::write(copy.join(&generate.name), text).expect("generate");
    }
    let files = if case.files.is_empty() { vec!["workload.yaml".to_string()] } else { case.files.clone() };
    let mut args: Vec<&str> = subcommand.to_vec();
    args.extend(files.iter().map(String::as_str));
    args.extend(case.args.iter().map(String::as_str));
    args.extend(extra);
    let seed = if case.seed == Some(false) { None } else { Some(FIXTURE_SEED) };
    stave_with_env(&copy, &args, None, &[("STAVE_SEED", seed)])
}

/// Exit code, then standard output and standard error, for a snapshot.
pub fn transcript(output: &Output) -> String {
    let mut text = format!("exit: {}\n", output.status.code().unwrap_or(-1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !stdout.is_empty() {
        text.push_str("--- stdout ---\n");
        text.push_str(&stdout);
    }
    if !stderr.is_empty() {
        text.push_str("--- stderr ---\n");
        text.push_str(&stderr);
    }
    text
}

/// The valid fixtures whose sidecar names `target`.
pub fn fixtures_for(target: &str) -> Vec<PathBuf> {
    fixture_dirs("valid").into_iter().filter(|dir| read_case(dir).targets.iter().any(|t| t == target)).collect()
}

pub fn fixture_dirs(kind: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures").join(kind))
        .expect("fixtures dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `stave::spec::unknown-field` for the fixture directory `spec-unknown-field`; a code with
/// several cases has one directory per case, `<area>-<name>.<case>`.
pub fn code_for_dir(dir: &Path) -> String {
    let name = dir.file_name().and_then(|n| n.to_str()).expect("utf-8 name");
    let name = name.split_once('.').map_or(name, |(code, _case)| code);
    let (area, rest) = name.split_once('-').expect("area-name");
    format!("stave::{area}::{rest}")
}

/// Set (to anything) where the corpus must be present: `.ci/run` sets it; `CI` counts too.
pub const REQUIRE_CORPUS: &str = "STAVE_REQUIRE_CORPUS";

/// The Score corpus (`../shared/score-corpus`, or `STAVE_SCORE_CORPUS`). Where it is absent, a
/// test that needs it fails when [`REQUIRE_CORPUS`] or `CI` is set, and is otherwise skipped:
/// `None`, after [`skipped`] said so where the run shows it.
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("STAVE_SCORE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/score-corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    let required = [REQUIRE_CORPUS, "CI"].into_iter().find(|name| std::env::var_os(name).is_some());
    if let Some(name) = required {
        panic!(
            "the Score corpus is missing at {} (`{name}` is set, so it is required; set STAVE_SCORE_CORPUS)",
            dir.display()
        );
    }
    skipped(&format!("the Score corpus is not at {} (set STAVE_SCORE_CORPUS)", dir.display()));
    None
}

/// Says that the running test checks nothing, and why, as one line `test NAME ... SKIPPED: WHY`
/// on the test process's own standard error, which libtest does not capture (it captures only
/// `eprintln!`), so the line shows in every run beside the test's `ok`; `.ci/run` counts these
/// lines and fails on any.
pub fn skipped(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("(a test)");
    let _ = writeln!(std::io::stderr().lock(), "test {test} ... SKIPPED: {why}; it checked nothing");
}

/// Every Score file under `dir`, sorted.
pub fn score_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("corpus dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml")
                && std::fs::read_to_string(&path)
                    .is_ok_and(|t| t.lines().any(|l| l.trim() == "apiVersion: score.dev/v1b1"))
            {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Every Score file of the corpus, or `None` when it is absent.
pub fn corpus_score_files() -> Option<Vec<PathBuf>> {
    corpus_dir().map(|dir| score_files(&dir))
}

pub mod in_process;
pub mod library;
pub mod validators;
