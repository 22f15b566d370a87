//! Real external validators, installed on first use into `target/validators/` (a Python venv
//! with kubernetes-validate and yamllint from PyPI). A validator that cannot be installed fails
//! the test with the reason; it never passes silently.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PACKAGES: &[&str] = &["kubernetes-validate==1.37.0", "yamllint==1.38.0"];

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| super::root().join("target"))
}

/// The venv's bin directory, installing it first if needed. Test binaries run in parallel, so a
/// lock directory makes one of them install while the others wait.
pub fn bin() -> PathBuf {
    let home = target_dir().join("validators");
    let venv = home.join("venv");
    let marker = home.join(format!("installed-{}", PACKAGES.join("+")));
    if marker.exists() {
        return venv.join("bin");
    }
    std::fs::create_dir_all(&home).expect("create target/validators");
    let lock = home.join("lock");
    let started = Instant::now();
    loop {
        if marker.exists() {
            return venv.join("bin");
        }
        if std::fs::create_dir(&lock).is_ok() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(600),
            "timed out waiting for another test to install the validators ({})",
            lock.display()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let result = install(&venv);
    let _ = std::fs::remove_dir(&lock);
    if let Err(reason) = result {
        panic!(
            "could not install the validators ({}) into {}: {reason}\n\
             They come from PyPI with `python3 -m venv` and pip; the tests cannot pass without them.",
            PACKAGES.join(", "),
            venv.display()
        );
    }
    std::fs::write(&marker, "").expect("write the validators marker");
    venv.join("bin")
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

fn install(venv: &Path) -> Result<(), String> {
    if venv.exists() {
        std::fs::remove_dir_all(venv).map_err(|e| e.to_string())?;
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
    run(Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", "--disable-pip-version-check", "--no-input"])
        .args(PACKAGES))
}

/// Validates manifest files with kubernetes-validate (strict, 1.32) and yamllint; panics with
/// every problem found.
pub fn validate(files: &[PathBuf]) {
    assert!(!files.is_empty(), "nothing to validate");
    let bin = bin();
    let script = super::root().join("tests/validators/check_manifests.py");
    let output = Command::new(bin.join("python")).arg(&script).args(files).output().expect("run kubernetes-validate");
    assert!(
        output.status.success(),
        "kubernetes-validate found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let config = super::root().join("tests/validators/yamllint.yaml");
    let output = Command::new(bin.join("yamllint"))
        .arg("-f")
        .arg("parsable")
        .arg("-c")
        .arg(&config)
        .args(files)
        .output()
        .expect("run yamllint");
    assert!(
        output.status.success(),
        "yamllint found problems:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
