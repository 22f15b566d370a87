//! No-follow file access below an output directory: a [`Dir`] is an open directory, and every
//! path below it is walked one component at a time with `openat(O_NOFOLLOW | O_DIRECTORY)`, so a
//! symbolic link inside never leads out of it. Files are opened `O_NOFOLLOW | O_NONBLOCK` and
//! used only when they are regular files; creating, renaming and deleting are relative to
//! directories opened that way. Only the directory named on the command line is opened by path
//! (following links there is the user's choice).

use std::ffi::OsString;
use std::io::Read;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;
use sha2::{Digest, Sha256};

/// Why something at a path is not a regular file Stave may read, replace or delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The path itself is a symbolic link.
    Link,
    /// The path is a directory.
    Directory,
    /// A FIFO, a socket or a device.
    Special,
    /// A folder on the way (the path up to it given) is a symbolic link or not a directory.
    OnTheWay(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Link => f.write_str("not a regular file (a symbolic link)"),
            Refusal::Directory => f.write_str("not a regular file (a directory)"),
            Refusal::Special => f.write_str("not a regular file (a FIFO, socket or device)"),
            Refusal::OnTheWay(folder) => {
                write!(f, "not a regular file (`{}` on the way is a symbolic link or not a directory)", shown(folder))
            }
        }
    }
}

/// What is at a path, seen without following links.
#[derive(Debug)]
pub(crate) enum Found<T> {
    Missing,
    Present(T),
    Refused(Refusal),
}

/// An open directory, the root of no-follow paths.
#[derive(Debug)]
pub(crate) struct Dir {
    fd: OwnedFd,
}

const DIRECTORY: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);
const NO_FOLLOW: OFlags = OFlags::NOFOLLOW.union(OFlags::NONBLOCK).union(OFlags::NOCTTY).union(OFlags::CLOEXEC);

/// The parts of a relative path (`a/b/c.yaml`), or `None` when it is not a plain relative path
/// (absolute, empty, or with an empty, `.` or `..` part).
pub(crate) fn parts(relative: &str) -> Option<Vec<&str>> {
    let parts: Vec<&str> = relative.split('/').collect();
    let plain = |p: &&str| !p.is_empty() && *p != "." && *p != ".." && !p.contains('\0');
    parts.iter().all(plain).then_some(parts)
}

/// A name as it may be printed: control characters escaped (a carriage return or a line break
/// in a name cannot start a line of its own), and `##[` (a workflow command of the GitHub runner
/// anywhere in a line) broken as `##\[`.
pub(crate) fn shown(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out.replace("##[", "##\\[")
}

impl Dir {
    /// Opens the directory at `path` (links on the way followed: the path is the user's).
    pub(crate) fn open(path: &Path) -> std::io::Result<Dir> {
        let path = if path.as_os_str().is_empty() { Path::new(".") } else { path };
        Ok(Dir { fd: rustix::fs::open(path, DIRECTORY, Mode::empty())? })
    }

    /// Creates the directory at `path` and its parents when missing, then opens it.
    pub(crate) fn create(path: &Path) -> std::io::Result<Dir> {
        if !path.as_os_str().is_empty() {
            std::fs::create_dir_all(path)?;
        }
        Dir::open(path)
    }

    /// The directory `name` right below this one, not following a link.
    fn child(&self, name: &str) -> std::io::Result<Found<Dir>> {
        match rustix::fs::openat(&self.fd, name, DIRECTORY | OFlags::NOFOLLOW, Mode::empty()) {
            Ok(fd) => Ok(Found::Present(Dir { fd })),
            Err(Errno::NOENT) => Ok(Found::Missing),
            Err(Errno::LOOP | Errno::NOTDIR) => Ok(Found::Refused(Refusal::OnTheWay(name.to_string()))),
            Err(e) => Err(e.into()),
        }
    }

    /// The directory at the relative path `folder` (`""` is this one), walked without following
    /// links; with `create`, missing folders are made.
    pub(crate) fn folder(&self, folder: &[&str], create: bool) -> std::io::Result<Found<Dir>> {
        let mut current = Dir { fd: self.fd.try_clone()? };
        for (depth, name) in folder.iter().enumerate() {
            let mut found = current.child(name)?;
            if create && matches!(found, Found::Missing) {
                match rustix::fs::mkdirat(&current.fd, *name, Mode::from_raw_mode(0o777)) {
                    Ok(()) | Err(Errno::EXIST) => found = current.child(name)?,
                    Err(e) => return Err(e.into()),
                }
            }
            current = match found {
                Found::Present(dir) => dir,
                Found::Missing => return Ok(Found::Missing),
                Found::Refused(_) => return Ok(Found::Refused(Refusal::OnTheWay(folder[..=depth].join("/")))),
            };
        }
        Ok(Found::Present(current))
    }

    /// The regular file at the relative path, open for reading; anything else is not opened
    /// beyond what telling it apart needs (a FIFO is opened without blocking, never read).
    pub(crate) fn open_file(&self, relative: &str) -> std::io::Result<Found<std::fs::File>> {
        let Some(parts) = parts(relative) else {
            return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a relative path"));
        };
        let (name, folder) = parts.split_last().map(|(n, f)| (*n, f)).unwrap_or(("", &[]));
        let dir = match self.folder(folder, false)? {
            Found::Present(dir) => dir,
            Found::Missing => return Ok(Found::Missing),
            Found::Refused(refusal) => return Ok(Found::Refused(refusal)),
        };
        dir.open_here(name)
    }

    /// The regular file `name` right in this directory, open for reading.
    pub(crate) fn open_here(&self, name: &str) -> std::io::Result<Found<std::fs::File>> {
        let fd = match rustix::fs::openat(&self.fd, name, OFlags::RDONLY | NO_FOLLOW, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Found::Missing),
            Err(Errno::LOOP) => return Ok(Found::Refused(Refusal::Link)),
            Err(Errno::NXIO | Errno::OPNOTSUPP) => return Ok(Found::Refused(Refusal::Special)),
            Err(e) => return Err(e.into()),
        };
        match regular(&fd)? {
            None => Ok(Found::Present(std::fs::File::from(fd))),
            Some(refusal) => Ok(Found::Refused(refusal)),
        }
    }

    /// The bytes of the regular file at the relative path.
    pub(crate) fn read(&self, relative: &str) -> std::io::Result<Found<Vec<u8>>> {
        Ok(match self.open_file(relative)? {
            Found::Present(mut file) => {
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)?;
                Found::Present(bytes)
            }
            Found::Missing => Found::Missing,
            Found::Refused(refusal) => Found::Refused(refusal),
        })
    }

    /// The SHA-256 of the regular file at the relative path.
    pub(crate) fn hash(&self, relative: &str) -> std::io::Result<Found<[u8; 32]>> {
        Ok(match self.open_file(relative)? {
            Found::Present(file) => Found::Present(sha256_of(file)?),
            Found::Missing => Found::Missing,
            Found::Refused(refusal) => Found::Refused(refusal),
        })
    }

    /// Creates the file `name` here (it must not exist), readable as `mode` says from the start
    /// (so a secret is never readable by others, whatever the umask).
    pub(crate) fn create_file(&self, name: &str, mode: u32) -> std::io::Result<std::fs::File> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | NO_FOLLOW;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(mode & 0o600))?;
        rustix::fs::fchmod(&fd, Mode::from_raw_mode(mode & 0o7777))?;
        Ok(std::fs::File::from(fd))
    }

    /// Opens (creating it) the regular file `name` here for writing, without truncating it.
    pub(crate) fn open_for_lock(&self, name: &str) -> std::io::Result<std::fs::File> {
        let flags = OFlags::WRONLY | OFlags::CREATE | NO_FOLLOW;
        let fd = match rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(0o644)) {
            Ok(fd) => fd,
            Err(Errno::LOOP) => return Err(refused(name, &Refusal::Link)),
            Err(Errno::NXIO | Errno::OPNOTSUPP) => return Err(refused(name, &Refusal::Special)),
            Err(e) => return Err(e.into()),
        };
        match regular(&fd)? {
            None => Ok(std::fs::File::from(fd)),
            Some(refusal) => Err(refused(name, &refusal)),
        }
    }

    /// Whether `name` here is the very file `file` (the same inode), not another one or nothing.
    pub(crate) fn is_at(&self, name: &str, file: &std::fs::File) -> std::io::Result<bool> {
        let open = rustix::fs::fstat(file)?;
        Ok(match rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(here) => here.st_dev == open.st_dev && here.st_ino == open.st_ino,
            Err(Errno::NOENT) => false,
            Err(e) => return Err(e.into()),
        })
    }

    /// Whether anything (a link too) is at `name` here.
    pub(crate) fn holds(&self, name: &str) -> bool {
        rustix::fs::statat(&self.fd, name, AtFlags::SYMLINK_NOFOLLOW).is_ok()
    }

    /// Moves `name` from here to `to` in `into` (replacing what is there, never through a link).
    pub(crate) fn rename(&self, name: &str, into: &Dir, to: &str) -> std::io::Result<()> {
        Ok(rustix::fs::renameat(&self.fd, name, &into.fd, to)?)
    }

    /// Deletes the entry `name` here (a link itself, never what it points to).
    pub(crate) fn unlink(&self, name: &str) -> std::io::Result<()> {
        Ok(rustix::fs::unlinkat(&self.fd, name, AtFlags::empty())?)
    }

    /// Deletes the folder `name` here when it is empty; whether it did.
    pub(crate) fn remove_if_empty(&self, name: &str) -> bool {
        rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR).is_ok()
    }

    /// The names in this directory, with what each is (links not followed).
    pub(crate) fn entries(&self) -> std::io::Result<Vec<(OsString, FileType)>> {
        let mut entries = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let kind = match entry.file_type() {
                FileType::Unknown => FileType::from_raw_mode(
                    rustix::fs::statat(&self.fd, entry.file_name(), AtFlags::SYMLINK_NOFOLLOW)?.st_mode,
                ),
                kind => kind,
            };
            entries.push((OsString::from_vec(name.to_vec()), kind));
        }
        Ok(entries)
    }

    /// Deletes the folder `name` here and everything in it, following no link.
    pub(crate) fn remove_tree(&self, name: &str) -> std::io::Result<()> {
        if let Found::Present(folder) = self.child(name)? {
            for (entry, kind) in folder.entries()? {
                let entry = entry.to_string_lossy();
                if kind == FileType::Directory {
                    folder.remove_tree(&entry)?;
                } else {
                    folder.unlink(&entry)?;
                }
            }
        }
        match rustix::fs::unlinkat(&self.fd, name, AtFlags::REMOVEDIR) {
            Ok(()) | Err(Errno::NOENT) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Makes a new folder here named `prefix` and random characters, and opens it.
    pub(crate) fn create_unique(&self, prefix: &str) -> std::io::Result<(String, Dir)> {
        loop {
            let name = format!("{prefix}{}", random_hex(6)?);
            match rustix::fs::mkdirat(&self.fd, name.as_str(), Mode::from_raw_mode(0o700)) {
                Ok(()) => {}
                Err(Errno::EXIST) => continue,
                Err(e) => return Err(e.into()),
            }
            return match self.child(&name)? {
                Found::Present(dir) => Ok((name, dir)),
                _ => Err(std::io::Error::other("a staging folder vanished")),
            };
        }
    }
}

/// `None` when the open file is a regular file, else why it is not.
fn regular(fd: &OwnedFd) -> std::io::Result<Option<Refusal>> {
    Ok(match FileType::from_raw_mode(rustix::fs::fstat(fd)?.st_mode) {
        FileType::RegularFile => None,
        FileType::Directory => Some(Refusal::Directory),
        FileType::Symlink => Some(Refusal::Link),
        _ => Some(Refusal::Special),
    })
}

fn refused(name: &str, refusal: &Refusal) -> std::io::Error {
    std::io::Error::other(format!("`{}` is {refusal}", shown(name)))
}

/// The SHA-256 of everything `reader` holds.
pub(crate) fn sha256_of(mut reader: impl Read) -> std::io::Result<[u8; 32]> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.finalize().into())
}

/// `bytes` random bytes from the operating system, in hexadecimal.
pub(crate) fn random_hex(bytes: usize) -> std::io::Result<String> {
    let mut buffer = vec![0; bytes];
    let mut filled = 0;
    while filled < bytes {
        match rustix::rand::getrandom(&mut buffer[filled..], rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => filled += n,
            Err(Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(buffer.iter().map(|b| format!("{b:02x}")).collect())
}
