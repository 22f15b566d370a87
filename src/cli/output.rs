//! The one writer of results: a target's files to standard output (concatenated, for targets
//! whose files form one stream) or into `-o DIR`. A directory is replaced whole: written aside,
//! then renamed into place, so a failed compile leaves the previous output untouched; and only a
//! directory holding nothing but what the target writes is replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::targets::{Emitted, Layout};

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
        Some(dir) => write_directory(dir, emitted).map_err(|e| format!("cannot write into `{}`: {e}", dir.display())),
    }
}

/// Every file below `dir`, relative to it.
fn listing(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(relative) = pending.pop() {
        for entry in std::fs::read_dir(dir.join(&relative))? {
            let entry = entry?;
            let path = relative.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                pending.push(path);
            } else {
                found.push(path);
            }
        }
    }
    Ok(found)
}

fn write_directory(dir: &Path, emitted: &Emitted) -> Result<(), String> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err("it is not a directory".into());
        }
        let mut foreign: Vec<PathBuf> =
            listing(dir).map_err(|e| e.to_string())?.into_iter().filter(|p| !(emitted.owns)(p)).collect();
        foreign.sort();
        if let Some(first) = foreign.first() {
            return Err(format!(
                "it holds `{}`, which is not a previous output; choose an empty directory",
                dir.join(first).display()
            ));
        }
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    let staging = tempfile::Builder::new().prefix(".stave-output-").tempdir_in(parent).map_err(|e| e.to_string())?;
    for file in &emitted.files {
        let path = staging.path().join(&file.path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| e.to_string())?;
        }
        std::fs::write(&path, &file.bytes).map_err(|e| e.to_string())?;
        set_mode(&path, file.mode).map_err(|e| e.to_string())?;
    }
    let staged = staging.keep();
    if dir.exists() {
        let old =
            tempfile::Builder::new().prefix(".stave-previous-").tempdir_in(parent).map_err(|e| e.to_string())?.keep();
        std::fs::remove_dir(&old).map_err(|e| e.to_string())?;
        std::fs::rename(dir, &old).map_err(|e| e.to_string())?;
        std::fs::rename(&staged, dir).map_err(|e| e.to_string())?;
        std::fs::remove_dir_all(&old).map_err(|e| e.to_string())?;
    } else {
        std::fs::rename(&staged, dir).map_err(|e| e.to_string())?;
    }
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Writes `name` inside `dir` through a temporary file and a rename, so a reader never sees a
/// half-written file and a failure leaves the previous one in place.
pub fn write_atomically(dir: &Path, name: &str, text: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}
