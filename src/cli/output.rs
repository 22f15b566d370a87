//! The one writer of results: a target's files to standard output (concatenated, for targets
//! whose files form one stream) or into `-o DIR`.
//!
//! Stave replaces only what it wrote: `DIR/.stave-output` lists the files of the last compile,
//! and a directory that holds other files but no such list is refused. Under a lock
//! (`DIR/.stave-lock`, released when the process ends), the new files are written into a staging
//! directory inside DIR, each moved into place with a rename (so no file is ever half-written),
//! the files of the previous output that are gone are deleted, and the list is written last.
//! Files the user added (a `providers.tf`, `.terraform/`) are left alone. Files holding secrets
//! get mode 0600 whatever the umask; staging directories that a killed run left are removed.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::targets::{Emitted, File, Layout};

/// The list of what Stave wrote in a directory.
pub const MANIFEST: &str = ".stave-output";
const LOCK: &str = ".stave-lock";
const STAGING: &str = ".stave-staging-";

/// Writes `emitted` to standard output (`None`) or into `dir`.
pub fn write(emitted: &Emitted, dir: Option<&Path>) -> Result<(), String> {
    match dir {
        None if emitted.layout == Layout::Directory => {
            Err(format!("{}: pass `-o DIR` to say where to write it", emitted.what))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            for file in &emitted.files {
                stdout.write_all(&file.bytes).map_err(|e| format!("cannot write to standard output: {e}"))?;
            }
            Ok(())
        }
        Some(dir) => write_directory(dir, &emitted.files),
    }
}

/// Writes `files` into `dir`, replacing only the files of Stave's previous output there.
pub fn write_directory(dir: &Path, files: &[File]) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("cannot write into `{}`: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(failed)?;
    let lock = OpenOptions::new().create(true).truncate(false).write(true).open(dir.join(LOCK)).map_err(failed)?;
    lock.lock().map_err(failed)?;
    remove_stale_staging(dir).map_err(failed)?;
    let previous = previous_output(dir)?;
    // A file of the user's that the new output would overwrite: refused, nothing written.
    if let Some(theirs) = files.iter().find(|f| dir.join(&f.path).exists() && !previous.contains(&f.path)) {
        return Err(format!(
            "cannot write into `{}`: `{}` is there and was not written by Stave; move it away or rename it",
            dir.display(),
            dir.join(&theirs.path).display()
        ));
    }
    let staging = tempfile::Builder::new().prefix(STAGING).tempdir_in(dir).map_err(failed)?;
    for file in files {
        let path = staging.path().join(&file.path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(failed)?;
        }
        write_file(&path, &file.bytes, file.mode).map_err(failed)?;
    }
    for file in files {
        let target = dir.join(&file.path);
        if let Some(folder) = target.parent() {
            std::fs::create_dir_all(folder).map_err(failed)?;
        }
        std::fs::rename(staging.path().join(&file.path), &target).map_err(failed)?;
    }
    let written: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    for stale in previous.iter().filter(|p| !written.contains(p.as_str())) {
        let path = dir.join(stale);
        if path.is_file() {
            std::fs::remove_file(&path).map_err(failed)?;
        }
        remove_empty_parents(dir, &path);
    }
    let mut manifest = String::from("# The files Stave wrote here: a recompile replaces these, and only these.\n");
    for path in &written {
        manifest.push_str(path);
        manifest.push('\n');
    }
    let listed = staging.path().join(MANIFEST);
    write_file(&listed, manifest.as_bytes(), 0o644).map_err(failed)?;
    std::fs::rename(&listed, dir.join(MANIFEST)).map_err(failed)?;
    drop(staging);
    Ok(())
}

/// The files Stave wrote last time; refuses a directory that holds files Stave did not write.
fn previous_output(dir: &Path) -> Result<Vec<String>, String> {
    match std::fs::read_to_string(dir.join(MANIFEST)) {
        Ok(text) => Ok(text
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
            .filter(|l| !l.starts_with('/') && !l.split('/').any(|part| part == ".."))
            .map(str::to_string)
            .collect()),
        Err(_) => {
            let mut foreign: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(|e| format!("cannot read `{}`: {e}", dir.display()))?
                .filter_map(|e| e.ok().map(|e| e.file_name()))
                .filter(|name| name != LOCK)
                .map(PathBuf::from)
                .collect();
            foreign.sort();
            match foreign.first() {
                None => Ok(Vec::new()),
                Some(first) => Err(format!(
                    "cannot write into `{}`: it holds `{}` and was not written by Stave (no `{MANIFEST}`); choose an empty directory",
                    dir.display(),
                    dir.join(first).display()
                )),
            }
        }
    }
}

/// Staging directories a killed run left behind (the lock is held, so no run is using them).
fn remove_stale_staging(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with(STAGING) && entry.file_type()?.is_dir() {
            std::fs::remove_dir_all(entry.path())?;
        }
    }
    Ok(())
}

fn remove_empty_parents(dir: &Path, path: &Path) {
    let mut parent = path.parent();
    while let Some(folder) = parent.filter(|p| *p != dir && p.starts_with(dir)) {
        if std::fs::remove_dir(folder).is_err() {
            break;
        }
        parent = folder.parent();
    }
}

/// Creates a file with `mode` from the start (so a secret is never readable by others, whatever
/// the umask), then sets it exactly.
fn write_file(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(mode & 0o600);
        let mut file = options.open(path)?;
        file.write_all(bytes)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        options.open(path)?.write_all(bytes)
    }
}
