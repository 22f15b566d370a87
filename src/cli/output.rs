//! The one writer of results: a target's output to standard output, to one file, or into a
//! directory, as `-o` says. It never follows a symbolic link that it did not get from the
//! command line, and replaces or deletes only what provably is Stave's.
//!
//! Where `-o PATH` goes: nothing or `-` is standard output; an existing directory, or a path
//! ending in `/`, is a directory of one file per object; otherwise a one-stream output (the
//! Kubernetes manifests of one environment, `--emit ir|resources`) goes to the file PATH, as in
//! score-k8s, and an output that is a directory by nature (a Helm chart, a Terraform module,
//! Kubernetes manifests of several environments) goes into the directory PATH. The folders of
//! PATH itself are the user's: links there are followed.
//!
//! **One file.** The stream, behind a header line ([`HEADER`]), written to a temporary file
//! beside PATH and renamed over it, so PATH is never half-written and a failed compile leaves it
//! as it was. Stave overwrites only what it wrote: an existing PATH must be a regular file, empty
//! or starting with the header, else it is refused (so `-o score.yaml` cannot clobber a
//! workload); PATH being a symbolic link is refused. The file is mode 0600 when it holds a Secret
//! manifest.
//!
//! **A directory.** `DIR/.stave-output` lists each file of the last compile with the SHA-256 of
//! what was written (see `manifest.rs`); a directory that holds other files but no such list is
//! refused. Everything below DIR is reached without following links (see `safe_fs.rs`). Under a
//! lock (`DIR/.stave-lock`, deleted before it is let go, so no compile leaves it behind; a
//! compile that waited for it checks that the file it locked is still the lock, else takes the
//! new one), every file the new output writes is checked first: where something
//! is there, it must be a regular file, reached through real folders, that is provably Stave's
//! (listed, and its content has the recorded hash or is what this compile writes); anything else
//! refuses the whole compile and nothing is written. Then the files are written into a staging
//! folder inside DIR, each moved into place with a rename; the files of the previous output that
//! are gone are deleted when their content still has the recorded hash, and left in place with a
//! warning otherwise; the list is written last. Files the user added are left alone. Files
//! holding secrets get mode 0600 whatever the umask; staging folders a killed run left are removed.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::manifest::{self, LOCK, Previous, STAGING};
use super::safe_fs::{self, Dir, Found, Refusal};
use crate::targets::{Emitted, File, Layout};

pub(crate) use super::manifest::MANIFEST;

/// The first line of every file `-o FILE` writes: what marks it as Stave's to replace.
pub(crate) const HEADER: &str = "# Written by Stave: a recompile replaces this file; edit the workloads.\n";

/// Where `-o` sends an output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Destination {
    Stdout,
    File(PathBuf),
    Directory(PathBuf),
}

/// Where `-o PATH` sends an output of `layout` (see the module's contract); `what` says why an
/// output needs a directory.
pub(crate) fn destination(path: Option<&Path>, layout: Layout, what: &str) -> Result<Destination, String> {
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

/// Writes `emitted` where `-o` says (`None`: `stdout`). Returns the warnings: files of a
/// previous output left in place because nothing proves they are Stave's.
pub(crate) fn write(emitted: &Emitted, path: Option<&Path>, stdout: &mut dyn Write) -> Result<Vec<String>, String> {
    match destination(path, emitted.layout, &emitted.what)? {
        Destination::Stdout => {
            // Buffered: standard output would flush at every line break.
            let mut stdout = std::io::BufWriter::with_capacity(1 << 20, stdout);
            let written = emitted.files.iter().try_for_each(|file| file.bytes.write_to(&mut stdout));
            match written.and_then(|()| stdout.flush()) {
                Ok(()) => Ok(Vec::new()),
                // The reader has all it wanted (`stave compile | head`).
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Vec::new()),
                Err(e) => Err(format!("cannot write to standard output: {e}")),
            }
        }
        Destination::File(path) => write_stream(&path, &emitted.files).map(|()| Vec::new()),
        Destination::Directory(dir) => write_directory(&dir, &emitted.files),
    }
}

/// The folder and the name of the file `-o path` names.
pub(crate) fn split_file_path(path: &Path) -> Result<(PathBuf, String), String> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    let Some(name) = name else { return Err(format!("cannot write `{}`: it names no file", path.display())) };
    let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    Ok((folder.to_path_buf(), name))
}

/// Writes `files`, concatenated behind [`HEADER`], to the file `path`: through a temporary file
/// beside it and a rename, and only over a regular file that Stave wrote (or an empty one).
pub(crate) fn write_stream(path: &Path, files: &[File]) -> Result<(), String> {
    let shown = safe_fs::shown(&path.display().to_string());
    let failed = |e: std::io::Error| format!("cannot write `{shown}`: {e}");
    let (folder, name) = split_file_path(path)?;
    std::fs::create_dir_all(&folder).map_err(failed)?;
    match Dir::open(&folder).and_then(|dir| dir.open_here(&name)).map_err(failed)? {
        Found::Missing => {}
        Found::Present(file) => {
            let empty = file.metadata().map_err(failed)?.len() == 0;
            if !empty && !starts_with_header(file).map_err(failed)? {
                return Err(format!(
                    "cannot write `{shown}`: it is there and was not written by Stave (it does not start with Stave's \
                    header line); move it away, or choose another file"
                ));
            }
        }
        Found::Refused(Refusal::Link) => {
            return Err(format!(
                "cannot write `{shown}`: it is a symbolic link, and Stave does not write through links; remove it, or \
                name the file it points to"
            ));
        }
        Found::Refused(_) => {
            return Err(format!("cannot write `{shown}`: it is not a regular file (for standard output, pass `-o -`)"));
        }
    }
    let mut temporary =
        tempfile::Builder::new().prefix(&format!(".{name}.stave-")).tempfile_in(&folder).map_err(failed)?;
    temporary.write_all(HEADER.as_bytes()).map_err(failed)?;
    for file in files {
        file.bytes.write_to(&mut temporary).map_err(failed)?;
    }
    // Readable by its owner only when any part is (a Secret's manifest).
    let secret = files.iter().any(|f| f.mode & 0o077 == 0);
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if secret { 0o600 } else { 0o644 };
        temporary.as_file().set_permissions(std::fs::Permissions::from_mode(mode)).map_err(failed)?;
    }
    temporary.as_file().sync_all().map_err(failed)?;
    // A rename replaces what is at `path` (a link that appeared meanwhile, not its target).
    temporary.persist(folder.join(&name)).map_err(|e| failed(e.error))?;
    Ok(())
}

/// Whether the file starts with Stave's header line.
fn starts_with_header(file: std::fs::File) -> std::io::Result<bool> {
    let mut start = Vec::with_capacity(HEADER.len());
    file.take(HEADER.len() as u64).read_to_end(&mut start)?;
    Ok(start == HEADER.as_bytes())
}

/// Writes `files` into `dir`, replacing only files that provably are Stave's; returns the
/// warnings about files left in place.
pub(crate) fn write_directory(dir: &Path, files: &[File]) -> Result<Vec<String>, String> {
    let failed = |e: std::io::Error| format!("cannot write into `{}`: {e}", dir.display());
    let root = Dir::create(dir).map_err(failed)?;
    // A directory that is not Stave's is refused before anything is made in it (even the lock),
    // unless a compile is writing into it now (it takes the lock before writing anything).
    if let Err(message) = manifest::read(&root, dir)
        && !root.holds(LOCK)
    {
        return Err(message);
    }
    let _lock = Lock::take(&root).map_err(failed)?;
    remove_stale_staging(&root).map_err(failed)?;
    let previous = manifest::read(&root, dir)?;
    let blocked = blocked(&root, &previous, files).map_err(failed)?;
    if let Some((path, why)) = blocked.first() {
        let more = match blocked.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        return Err(format!("cannot write into `{}`: `{}` {why}{more}", dir.display(), at(dir, path)));
    }
    let staging = Staging::create(&root).map_err(failed)?;
    let mut written = BTreeMap::new();
    let mut folders = Folders::default();
    for file in files {
        written.insert(file.path.as_str(), staging.write(file, &mut folders).map_err(failed)?);
    }
    let mut targets = Folders::default();
    for file in files {
        let (folder, name) = split(&file.path)?;
        let from = folders.get(&staging.dir, &folder, false).map_err(failed)?;
        let into = targets.get(&root, &folder, true).map_err(failed)?;
        from.rename(name, into, name).map_err(failed)?;
    }
    let mut warnings = previous.ignored.clone();
    for stale in previous.listed.keys().filter(|p| !written.contains_key(p.as_str())) {
        if let Some(kept) = delete_if_stave(&root, &previous, stale).map_err(failed)? {
            warnings.push(format!("left `{}` in place: {kept}", at(dir, stale)));
        }
    }
    let mut list = staging.dir.create_file(MANIFEST, 0o644).map_err(failed)?;
    list.write_all(manifest::render(&written).as_bytes()).map_err(failed)?;
    drop(list);
    staging.dir.rename(MANIFEST, &root, MANIFEST).map_err(failed)?;
    staging.remove().map_err(failed)?;
    Ok(warnings)
}

/// The lock of a compile into one directory, held from [`Lock::take`] until dropped: then the
/// lock file is deleted first and let go second, so that the directory is left without it.
struct Lock<'d> {
    root: &'d Dir,
    _file: std::fs::File,
}

impl<'d> Lock<'d> {
    /// Creates (or opens) the lock file and waits for it. A compile that held it deleted it before
    /// letting go, so a compile that waited may hold a deleted file: it then tries again.
    fn take(root: &'d Dir) -> std::io::Result<Lock<'d>> {
        loop {
            let file = root.open_for_lock(LOCK)?;
            file.lock()?;
            if root.is_at(LOCK, &file)? {
                return Ok(Lock { root, _file: file });
            }
        }
    }
}

impl Drop for Lock<'_> {
    fn drop(&mut self) {
        // Deleted while still held: a compile waiting for it retries with a new file.
        let _ = self.root.unlink(LOCK);
    }
}

/// `dir/relative` as messages name it.
pub(crate) fn at(dir: &Path, relative: &str) -> String {
    safe_fs::shown(&dir.join(relative).display().to_string())
}

/// The folder parts and the name of an output's relative path.
fn split(relative: &str) -> Result<(Vec<&str>, &str), String> {
    let mut parts = safe_fs::parts(relative).ok_or_else(|| format!("an output path `{relative}` is not relative"))?;
    let name = parts.pop().unwrap_or_default();
    Ok((parts, name))
}

/// The files of `files` that cannot be written, each with why: something that is not a regular
/// file (or a link on the way) is there, or a file that is not provably Stave's.
fn blocked<'f>(root: &Dir, previous: &Previous, files: &'f [File]) -> std::io::Result<Vec<(&'f str, String)>> {
    let mut blocked = Vec::new();
    for file in files {
        let why = match root.hash(&file.path)? {
            Found::Missing => continue,
            Found::Refused(refusal) => {
                format!("is {refusal}; Stave writes only regular files there, never through a link: remove it")
            }
            Found::Present(actual) => {
                let new: [u8; 32] = file.bytes.with(|bytes| Sha256::digest(bytes).into());
                if previous.proves(&file.path, &actual, Some(&new)) {
                    continue;
                }
                if previous.listed.contains_key(&file.path) {
                    format!(
                        "is there and nothing proves that Stave wrote it: {}. Move it away, or delete it if it is \
                        Stave's old output",
                        previous.why_unproven(&file.path)
                    )
                } else {
                    "is there and was not written by Stave; move it away or rename it".to_string()
                }
            }
        };
        blocked.push((file.path.as_str(), why));
    }
    Ok(blocked)
}

/// Deletes the stale file `relative` when it provably is Stave's (and then its folders left
/// empty); otherwise says why it was kept.
fn delete_if_stave(root: &Dir, previous: &Previous, relative: &str) -> std::io::Result<Option<String>> {
    let Some(parts) = safe_fs::parts(relative) else { return Ok(None) };
    match root.hash(relative)? {
        Found::Missing => Ok(None),
        Found::Refused(refusal) => Ok(Some(format!("it is {refusal}"))),
        Found::Present(actual) if !previous.proves(relative, &actual, None) => {
            Ok(Some(previous.why_unproven(relative).to_string()))
        }
        Found::Present(_) => {
            let depth = parts.len() - 1;
            if let Found::Present(folder) = root.folder(&parts[..depth], false)? {
                folder.unlink(parts[depth])?;
            }
            for up in (0..depth).rev() {
                match root.folder(&parts[..up], false)? {
                    Found::Present(parent) if parent.remove_if_empty(parts[up]) => {}
                    _ => break,
                }
            }
            Ok(None)
        }
    }
}

/// Staging folders a killed run left behind (the lock is held, so no run is using them).
fn remove_stale_staging(root: &Dir) -> std::io::Result<()> {
    for (name, kind) in root.entries()? {
        let name = name.to_string_lossy();
        if name.starts_with(STAGING) && kind == rustix::fs::FileType::Directory {
            root.remove_tree(&name)?;
        }
    }
    Ok(())
}

/// The folders below a directory opened so far, by relative path (created when asked).
#[derive(Debug, Default)]
struct Folders(BTreeMap<String, Dir>);

impl Folders {
    fn get<'a>(&'a mut self, base: &Dir, folder: &[&str], create: bool) -> std::io::Result<&'a Dir> {
        let key = folder.join("/");
        if !self.0.contains_key(&key) {
            let dir = match base.folder(folder, create)? {
                Found::Present(dir) => dir,
                Found::Missing => return Err(std::io::Error::other(format!("`{key}` vanished"))),
                Found::Refused(refusal) => return Err(std::io::Error::other(format!("`{key}` is {refusal}"))),
            };
            self.0.insert(key.clone(), dir);
        }
        self.0.get(&key).ok_or_else(|| std::io::Error::other("a folder vanished"))
    }
}

/// The staging folder of one compile, removed when it ends (whether it succeeded or not).
#[derive(Debug)]
struct Staging<'r> {
    root: &'r Dir,
    name: String,
    dir: Dir,
    removed: bool,
}

impl<'r> Staging<'r> {
    fn create(root: &'r Dir) -> std::io::Result<Staging<'r>> {
        let (name, dir) = root.create_unique(STAGING)?;
        Ok(Staging { root, name, dir, removed: false })
    }

    /// Writes one file into the staging folder; returns the SHA-256 of its bytes.
    fn write(&self, file: &File, folders: &mut Folders) -> std::io::Result<[u8; 32]> {
        let (folder, name) = split(&file.path).map_err(std::io::Error::other)?;
        let folder = folders.get(&self.dir, &folder, true)?;
        let mut out =
            Hashing { file: std::io::BufWriter::new(folder.create_file(name, file.mode)?), hasher: Sha256::new() };
        file.bytes.write_to(&mut out)?;
        out.file.flush()?;
        Ok(out.hasher.finalize().into())
    }

    fn remove(mut self) -> std::io::Result<()> {
        self.removed = true;
        self.root.remove_tree(&self.name)
    }
}

impl Drop for Staging<'_> {
    fn drop(&mut self) {
        if !self.removed {
            let _ = self.root.remove_tree(&self.name);
        }
    }
}

/// A writer that hashes what it writes.
struct Hashing<W> {
    file: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(bytes)?;
        self.hasher.update(&bytes[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
