//! The one writer of results: a target's output to standard output, to one file, or into a
//! directory, as `-o` says.
//!
//! Where `-o PATH` goes: nothing or `-` is standard output; an existing directory, or a path
//! ending in `/`, is a directory of one file per object; otherwise a one-stream output (the
//! Kubernetes manifests of one environment, `--emit ir|resources`) goes to the file PATH, as in
//! score-k8s, and an output that is a directory by nature (a Helm chart, a Terraform module,
//! Kubernetes manifests of several environments) goes into the directory PATH.
//!
//! **One file.** The stream, behind a header line ([`HEADER`]), written to a temporary file
//! beside PATH and renamed over it, so PATH is never half-written and a failed compile leaves it
//! as it was. Stave overwrites only what it wrote: an existing PATH must be empty or start with
//! the header, else it is refused (so `-o score.yaml` cannot clobber a workload); a symbolic link
//! is followed. The file is mode 0600 when it holds a Secret manifest.
//!
//! **A directory.** Stave replaces only what it wrote: `DIR/.stave-output` lists the files of
//! the last compile, and a directory that holds other files but no such list is refused. Under a
//! lock (`DIR/.stave-lock`, released when the process ends), the new files are written into a
//! staging directory inside DIR, each moved into place with a rename (so no file is ever
//! half-written), the files of the previous output that are gone are deleted, and the list is
//! written last. Files the user added (a `providers.tf`, `.terraform/`) are left alone. Files
//! holding secrets get mode 0600 whatever the umask; staging directories that a killed run left
//! are removed.

use std::collections::BTreeSet;
use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::targets::{Emitted, File, Layout};

/// The list of what Stave wrote in a directory.
pub const MANIFEST: &str = ".stave-output";
const LOCK: &str = ".stave-lock";
const STAGING: &str = ".stave-staging-";

/// The first line of every file `-o FILE` writes: what marks it as Stave's to replace.
pub const HEADER: &str = "# Written by Stave: a recompile replaces this file; edit the workloads.\n";

/// Where `-o` sends an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
    Directory(PathBuf),
}

/// Where `-o PATH` sends an output of `layout` (see the module's contract); `what` says why an
/// output needs a directory.
pub fn destination(path: Option<&Path>, layout: Layout, what: &str) -> Result<Destination, String> {
    let Some(path) = path.filter(|p| p.as_os_str() != "-") else {
        return match layout {
            Layout::Stream => Ok(Destination::Stdout),
            Layout::Directory => Err(format!("{what}: pass `-o DIR` to say where to write it")),
        };
    };
    let named_directory = path.as_os_str().is_empty() || path.as_os_str().as_encoded_bytes().ends_with(b"/");
    if named_directory || path.is_dir() {
        return Ok(Destination::Directory(path.to_path_buf()));
    }
    match layout {
        Layout::Stream => Ok(Destination::File(path.to_path_buf())),
        Layout::Directory => {
            let yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
            if path.exists() || yaml {
                return Err(format!("`-o {}` names a file, but {what}: name a directory (`-o DIR/`)", path.display()));
            }
            Ok(Destination::Directory(path.to_path_buf()))
        }
    }
}

/// Writes `emitted` where `-o` says (`None`: standard output).
pub fn write(emitted: &Emitted, path: Option<&Path>) -> Result<(), String> {
    match destination(path, emitted.layout, &emitted.what)? {
        Destination::Stdout => {
            // Buffered: standard output would flush at every line break.
            let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
            let written = emitted.files.iter().try_for_each(|file| file.bytes.write_to(&mut stdout));
            match written.and_then(|()| stdout.flush()) {
                Ok(()) => Ok(()),
                // The reader has all it wanted (`stave compile | head`).
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(format!("cannot write to standard output: {e}")),
            }
        }
        Destination::File(path) => write_stream(&path, &emitted.files),
        Destination::Directory(dir) => write_directory(&dir, &emitted.files),
    }
}

/// Writes `files`, concatenated behind [`HEADER`], to the file `path`: through a temporary file
/// beside it and a rename, and only over a file that Stave wrote (or an empty one).
pub fn write_stream(path: &Path, files: &[File]) -> Result<(), String> {
    let failed = |e: std::io::Error| format!("cannot write `{}`: {e}", path.display());
    // A link is followed: the file it points to is replaced, the link kept.
    let path = if path.is_symlink() { std::fs::canonicalize(path).map_err(failed)? } else { path.to_path_buf() };
    if let Ok(metadata) = std::fs::metadata(&path) {
        if !metadata.is_file() {
            return Err(format!(
                "cannot write `{}`: it is not a regular file (for standard output, pass `-o -`)",
                path.display()
            ));
        }
        if metadata.len() > 0 && !written_by_stave(&path).map_err(failed)? {
            return Err(format!(
                "cannot write `{}`: it is there and was not written by Stave (it does not start with Stave's header line); move it away, or choose another file",
                path.display()
            ));
        }
    }
    let folder = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(folder) => {
            std::fs::create_dir_all(folder).map_err(failed)?;
            folder.to_path_buf()
        }
        None => PathBuf::from("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut temporary =
        tempfile::Builder::new().prefix(&format!(".{name}.stave-")).tempfile_in(&folder).map_err(failed)?;
    temporary.write_all(HEADER.as_bytes()).map_err(failed)?;
    for file in files {
        file.bytes.write_to(&mut temporary).map_err(failed)?;
    }
    // Readable by its owner only when any part is (a Secret's manifest).
    let secret = files.iter().any(|f| f.mode & 0o077 == 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if secret { 0o600 } else { 0o644 };
        temporary.as_file().set_permissions(std::fs::Permissions::from_mode(mode)).map_err(failed)?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    temporary.as_file().sync_all().map_err(failed)?;
    temporary.persist(&path).map_err(|e| failed(e.error))?;
    Ok(())
}

/// Whether the file at `path` starts with Stave's header line.
fn written_by_stave(path: &Path) -> std::io::Result<bool> {
    let mut start = vec![0; HEADER.len()];
    let mut file = std::fs::File::open(path)?;
    let mut read = 0;
    while read < start.len() {
        match file.read(&mut start[read..])? {
            0 => break,
            n => read += n,
        }
    }
    Ok(&start[..read] == HEADER.as_bytes())
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
        write_file(&path, &file.bytes.bytes(), file.mode).map_err(failed)?;
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
pub fn previous_output(dir: &Path) -> Result<Vec<String>, String> {
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
