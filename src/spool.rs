//! The spool: bulky bytes a compile holds until it writes them (provisioned objects' text, the
//! emitted documents), kept in memory up to a budget for the whole process and beyond it in one
//! unnamed temporary file, so that a compile's memory stays flat however much it emits. A
//! [`Blob`] reads back byte for byte whichever way it is kept, so nothing in any output depends on
//! the budget; the file is gone once its last blob is dropped (or the process ends).
//!
//! The budget is 4 MiB, or `STAVE_SPOOL_MEMORY` bytes (`0` keeps every blob on disk, which the
//! tests use to compare both ways). Where no temporary file can be made, blobs stay in memory.

use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

/// Bytes held in memory by blobs, across the process.
static IN_MEMORY: AtomicUsize = AtomicUsize::new(0);

/// The file blobs beyond the budget go to, while any blob in it lives.
static CURRENT: Mutex<Weak<SpoolFile>> = Mutex::new(Weak::new());

const DEFAULT_BUDGET: usize = 4 << 20;

fn budget() -> usize {
    static BUDGET: OnceLock<usize> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        std::env::var("STAVE_SPOOL_MEMORY").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_BUDGET)
    })
}

/// An unnamed temporary file that blobs are appended to (each at an offset reserved first, so
/// threads write at once) and read from by position.
#[derive(Debug)]
struct SpoolFile {
    file: std::fs::File,
    end: AtomicU64,
}

impl SpoolFile {
    /// The current file, or a new one when there is none.
    fn current() -> Option<Arc<SpoolFile>> {
        let mut current = CURRENT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(file) = current.upgrade() {
            return Some(file);
        }
        let file = Arc::new(SpoolFile { file: tempfile::tempfile().ok()?, end: AtomicU64::new(0) });
        *current = Arc::downgrade(&file);
        Some(file)
    }
}

/// Some bytes, in memory or in the spool file.
#[derive(Debug)]
pub struct Blob(Kept);

#[derive(Debug)]
enum Kept {
    Memory(Box<[u8]>),
    #[cfg_attr(not(unix), allow(dead_code, reason = "only Unix spools to disk"))]
    Disk {
        file: Arc<SpoolFile>,
        offset: u64,
        len: usize,
    },
}

impl Blob {
    /// `bytes`, in memory while the process's blobs stay within the budget, else on disk.
    pub fn new(bytes: &[u8]) -> Blob {
        let held = IN_MEMORY.fetch_add(bytes.len(), Ordering::Relaxed);
        if held + bytes.len() <= budget() {
            return Blob(Kept::Memory(bytes.into()));
        }
        IN_MEMORY.fetch_sub(bytes.len(), Ordering::Relaxed);
        match Blob::to_disk(bytes) {
            Some(blob) => blob,
            None => Blob::in_memory(bytes.to_vec()),
        }
    }

    /// The same, taking a buffer it keeps (at its exact size) when the bytes stay in memory.
    pub fn from_vec(bytes: Vec<u8>) -> Blob {
        let held = IN_MEMORY.fetch_add(bytes.len(), Ordering::Relaxed);
        if held + bytes.len() <= budget() {
            return Blob(Kept::Memory(bytes.into_boxed_slice()));
        }
        IN_MEMORY.fetch_sub(bytes.len(), Ordering::Relaxed);
        Blob::to_disk(&bytes).unwrap_or_else(|| Blob::in_memory(bytes))
    }

    /// `bytes`, kept in memory whatever the budget (counted in it all the same).
    fn in_memory(bytes: Vec<u8>) -> Blob {
        IN_MEMORY.fetch_add(bytes.len(), Ordering::Relaxed);
        Blob(Kept::Memory(bytes.into_boxed_slice()))
    }

    #[cfg(unix)]
    fn to_disk(bytes: &[u8]) -> Option<Blob> {
        use std::os::unix::fs::FileExt;
        let file = SpoolFile::current()?;
        let offset = file.end.fetch_add(bytes.len() as u64, Ordering::Relaxed);
        file.file.write_all_at(bytes, offset).ok()?;
        Some(Blob(Kept::Disk { file, offset, len: bytes.len() }))
    }

    #[cfg(not(unix))]
    fn to_disk(_: &[u8]) -> Option<Blob> {
        None
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Kept::Memory(bytes) => bytes.len(),
            Kept::Disk { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes: borrowed when in memory, read back when on disk.
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        match &self.0 {
            Kept::Memory(bytes) => Cow::Borrowed(bytes),
            Kept::Disk { .. } => {
                let mut buffer = Vec::new();
                self.read_into(&mut buffer);
                Cow::Owned(buffer)
            }
        }
    }

    /// Calls `f` with the bytes, read (when on disk) into a buffer each thread reuses.
    pub fn with<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        match &self.0 {
            Kept::Memory(bytes) => f(bytes),
            Kept::Disk { .. } => BUFFER.with(|cell| match cell.try_borrow_mut() {
                Ok(mut buffer) => {
                    self.read_into(&mut buffer);
                    f(&buffer)
                }
                // Called again from inside `f`: a buffer of its own.
                Err(_) => f(&self.bytes()),
            }),
        }
    }

    /// Writes the bytes to `out`.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.with(|bytes| out.write_all(bytes))
    }

    /// Replaces `buffer`'s contents with the bytes.
    fn read_into(&self, buffer: &mut Vec<u8>) {
        buffer.clear();
        match &self.0 {
            Kept::Memory(bytes) => buffer.extend_from_slice(bytes),
            Kept::Disk { file, offset, len } => read_at(file, *offset, *len, buffer),
        }
    }
}

#[cfg(unix)]
fn read_at(file: &SpoolFile, offset: u64, len: usize, buffer: &mut Vec<u8>) {
    use std::os::unix::fs::FileExt;
    buffer.resize(len, 0);
    // The file is this process's own and unnamed: failing to read back what was written is a
    // failing disk, like failing memory.
    if let Err(error) = file.file.read_exact_at(buffer, offset) {
        let _ = writeln!(std::io::stderr(), "stave: cannot read back the spool file: {error}");
        std::process::abort();
    }
}

#[cfg(not(unix))]
fn read_at(_: &SpoolFile, _: u64, _: usize, _: &mut Vec<u8>) {
    unreachable!("only Unix spools to disk")
}

impl Drop for Blob {
    fn drop(&mut self) {
        if let Kept::Memory(bytes) = &self.0 {
            IN_MEMORY.fetch_sub(bytes.len(), Ordering::Relaxed);
        }
    }
}

impl Clone for Blob {
    fn clone(&self) -> Blob {
        match &self.0 {
            Kept::Memory(bytes) => Blob::in_memory(bytes.to_vec()),
            Kept::Disk { file, offset, len } => Blob(Kept::Disk { file: file.clone(), offset: *offset, len: *len }),
        }
    }
}

impl PartialEq for Blob {
    fn eq(&self, other: &Blob) -> bool {
        self.len() == other.len() && self.bytes() == other.bytes()
    }
}

impl Eq for Blob {}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Blob {
        Blob::from_vec(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_on_disk_read_back_as_they_were() {
        let blobs: Vec<Blob> = (0..100).map(|i| Blob::to_disk(format!("blob {i}").as_bytes()).unwrap()).collect();
        for (i, blob) in blobs.iter().enumerate().rev() {
            assert_eq!(&*blob.bytes(), format!("blob {i}").as_bytes());
            assert_eq!(blob.with(|b| b.len()), blob.len());
        }
        let mut out = Vec::new();
        blobs[3].write_to(&mut out).unwrap();
        assert_eq!(out, b"blob 3");
        assert_eq!(blobs[3], Blob::in_memory(b"blob 3".to_vec()));
        assert_ne!(blobs[3], blobs[4]);
        assert_eq!(blobs[5].clone(), blobs[5]);
    }
}
