//! The spool: bulky bytes a compile holds until it writes them (provisioned objects' text, the
//! emitted documents), kept in memory up to a budget for the whole process and beyond it in one
//! unnamed temporary file, so that a compile's memory stays flat however much it emits. Spooled
//! blobs are gathered into segments of 256 KiB, each written with one call and read back ahead
//! (blobs are mostly read in the order they were made). A [`Blob`] reads back byte for byte
//! whichever way it is kept, so nothing in any output depends on the budget; the file is gone
//! once its last segment is dropped (or the process ends).
//!
//! The budget is 1 MiB, or `STAVE_SPOOL_MEMORY` bytes (`0` spools every blob, which the tests use
//! to compare both ways). Where no temporary file can be written, segments stay in memory.

use std::borrow::Cow;
use std::io::Write;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, RwLock, Weak};

/// Bytes held in memory by blobs, across the process.
static IN_MEMORY: AtomicUsize = AtomicUsize::new(0);

/// The file full segments are written to, while any segment in it lives.
static CURRENT: Mutex<Weak<SpoolFile>> = Mutex::new(Weak::new());

/// The segment that blobs beyond the budget are appended to now.
static FILLING: Mutex<Option<Arc<Segment>>> = Mutex::new(None);

/// The buffer of the last segment written, for the next one (a fresh buffer each time left
/// the freed ones resident).
static SPARE: Mutex<Vec<u8>> = Mutex::new(Vec::new());

const DEFAULT_BUDGET: usize = 1 << 20;

/// Blobs beyond the budget are gathered into segments of this size, each written with one
/// call (a call per blob cost more than the work that made it).
const SEGMENT_BYTES: usize = 256 << 10;

/// How much a read from disk fetches at once: blobs are mostly read in the order they were
/// spooled, so the next ones come from memory.
const READ_AHEAD: usize = 32 << 10;

fn budget() -> usize {
    static BUDGET: OnceLock<usize> = OnceLock::new();
    *BUDGET.get_or_init(|| {
        std::env::var("STAVE_SPOOL_MEMORY").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(DEFAULT_BUDGET)
    })
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// An unnamed temporary file that full segments are appended to (each at an offset reserved
/// first) and read from by position.
#[derive(Debug)]
struct SpoolFile {
    file: std::fs::File,
    end: AtomicU64,
}

impl SpoolFile {
    /// The current file, or a new one when there is none.
    fn current() -> Option<Arc<SpoolFile>> {
        let mut current = lock(&CURRENT);
        if let Some(file) = current.upgrade() {
            return Some(file);
        }
        let file = Arc::new(SpoolFile { file: tempfile::tempfile().ok()?, end: AtomicU64::new(0) });
        *current = Arc::downgrade(&file);
        Some(file)
    }
}

/// Blobs spooled one after another: in memory while it fills, then in the file.
#[derive(Debug)]
struct Segment {
    /// Tells segments apart in the read cache.
    id: u64,
    state: RwLock<State>,
}

#[derive(Debug)]
enum State {
    /// Filling, or full where it could not be written (it stays in memory).
    Memory(Vec<u8>),
    #[cfg_attr(not(unix), allow(dead_code, reason = "only Unix spools to disk"))]
    Disk { file: Arc<SpoolFile>, offset: u64, len: usize },
}

impl Segment {
    fn new() -> Segment {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        let mut buffer = std::mem::take(&mut *lock(&SPARE));
        buffer.reserve(SEGMENT_BYTES);
        Segment { id, state: RwLock::new(State::Memory(buffer)) }
    }

    fn state(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Appends `bytes` (to a segment still filling), returning where they start.
    fn append(&self, bytes: &[u8]) -> usize {
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        match &mut *state {
            State::Memory(data) => {
                data.extend_from_slice(bytes);
                data.len() - bytes.len()
            }
            State::Disk { .. } => unreachable!("only the filling segment is appended to, and it is in memory"),
        }
    }

    fn len(&self) -> usize {
        match &*self.state() {
            State::Memory(data) => data.len(),
            State::Disk { len, .. } => *len,
        }
    }

    /// Writes the full segment to the file and frees its memory (or keeps it, where the file
    /// cannot be written).
    #[cfg(unix)]
    fn seal(&self) {
        use std::os::unix::fs::FileExt;
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let State::Memory(data) = &*state else { return };
        let Some(file) = SpoolFile::current() else { return };
        let offset = file.end.fetch_add(data.len() as u64, Ordering::Relaxed);
        if file.file.write_all_at(data, offset).is_ok() {
            let len = data.len();
            if let State::Memory(mut buffer) = std::mem::replace(&mut *state, State::Disk { file, offset, len }) {
                buffer.clear();
                *lock(&SPARE) = buffer;
            }
        }
    }

    #[cfg(not(unix))]
    fn seal(&self) {}

    /// Appends `len` bytes from `start` to `out`.
    fn read(&self, start: usize, len: usize, out: &mut Vec<u8>) {
        match &*self.state() {
            State::Memory(data) => out.extend_from_slice(&data[start..start + len]),
            State::Disk { file, offset, len: total } => {
                read_cached(self.id, file, *offset, *total, start, len, out);
            }
        }
    }
}

/// Some bytes, in memory or in a segment of the spool.
#[derive(Debug)]
pub struct Blob(Kept);

#[derive(Debug)]
enum Kept {
    Memory(Box<[u8]>),
    Spooled { segment: Arc<Segment>, start: u32, len: u32 },
}

impl Blob {
    /// `bytes`, in memory while the process's blobs stay within the budget, else spooled.
    pub(crate) fn new(bytes: &[u8]) -> Blob {
        if Blob::within_budget(bytes.len()) {
            return Blob(Kept::Memory(bytes.into()));
        }
        Blob::spool(bytes).unwrap_or_else(|| Blob::in_memory(bytes.to_vec()))
    }

    /// The same, taking a buffer it keeps (at its exact size) when the bytes stay in memory.
    pub(crate) fn from_vec(bytes: Vec<u8>) -> Blob {
        if Blob::within_budget(bytes.len()) {
            return Blob(Kept::Memory(bytes.into_boxed_slice()));
        }
        Blob::spool(&bytes).unwrap_or_else(|| Blob::in_memory(bytes))
    }

    /// Counts `len` bytes in memory if they fit in the budget.
    fn within_budget(len: usize) -> bool {
        let held = IN_MEMORY.fetch_add(len, Ordering::Relaxed);
        if held + len <= budget() {
            return true;
        }
        IN_MEMORY.fetch_sub(len, Ordering::Relaxed);
        false
    }

    /// `bytes`, kept in memory whatever the budget (counted in it all the same).
    fn in_memory(bytes: Vec<u8>) -> Blob {
        IN_MEMORY.fetch_add(bytes.len(), Ordering::Relaxed);
        Blob(Kept::Memory(bytes.into_boxed_slice()))
    }

    /// `bytes` appended to the filling segment (a full one is written out first). `None` for
    /// bytes too many to place by 32-bit positions.
    fn spool(bytes: &[u8]) -> Option<Blob> {
        let len = u32::try_from(bytes.len()).ok()?;
        let mut filling = lock(&FILLING);
        let segment = match &*filling {
            Some(segment) if segment.len() == 0 || segment.len() + bytes.len() <= SEGMENT_BYTES => segment.clone(),
            _ => {
                if let Some(full) = filling.take() {
                    full.seal();
                }
                let segment = Arc::new(Segment::new());
                *filling = Some(segment.clone());
                segment
            }
        };
        let start = u32::try_from(segment.append(bytes)).ok()?;
        Some(Blob(Kept::Spooled { segment, start, len }))
    }

    pub fn len(&self) -> usize {
        match &self.0 {
            Kept::Memory(bytes) => bytes.len(),
            Kept::Spooled { len, .. } => *len as usize,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes: borrowed when in memory, read back when spooled.
    pub fn bytes(&self) -> Cow<'_, [u8]> {
        match &self.0 {
            Kept::Memory(bytes) => Cow::Borrowed(bytes),
            Kept::Spooled { .. } => {
                let mut buffer = Vec::new();
                self.read_into(&mut buffer);
                Cow::Owned(buffer)
            }
        }
    }

    /// Calls `f` with the bytes, read (when spooled) into a buffer each thread reuses.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        thread_local! {
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        match &self.0 {
            Kept::Memory(bytes) => f(bytes),
            Kept::Spooled { .. } => BUFFER.with(|cell| match cell.try_borrow_mut() {
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
    pub(crate) fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        self.with(|bytes| out.write_all(bytes))
    }

    /// Replaces `buffer`'s contents with the bytes.
    fn read_into(&self, buffer: &mut Vec<u8>) {
        buffer.clear();
        match &self.0 {
            Kept::Memory(bytes) => buffer.extend_from_slice(bytes),
            Kept::Spooled { segment, start, len } => segment.read(*start as usize, *len as usize, buffer),
        }
    }
}

/// The part of a segment this thread read last.
struct Cache {
    segment: u64,
    start: usize,
    bytes: Vec<u8>,
}

/// Appends `len` bytes at `start` of the segment (`total` bytes at `offset` in `file`) to
/// `out`, from what this thread read last when it holds them, else reading ahead.
#[cfg(unix)]
fn read_cached(segment: u64, file: &SpoolFile, offset: u64, total: usize, start: usize, len: usize, out: &mut Vec<u8>) {
    use std::os::unix::fs::FileExt;
    thread_local! {
        static CACHE: std::cell::RefCell<Cache> =
            const { std::cell::RefCell::new(Cache { segment: u64::MAX, start: 0, bytes: Vec::new() }) };
    }
    CACHE.with_borrow_mut(|cache| {
        let held = cache.segment == segment && cache.start <= start && start + len <= cache.start + cache.bytes.len();
        if !held {
            let window = len.max(READ_AHEAD).min(total - start);
            cache.bytes.resize(window, 0);
            // The file is this process's own and unnamed: failing to read back what was
            // written is a failing disk, like failing memory.
            if let Err(error) = file.file.read_exact_at(&mut cache.bytes, offset + start as u64) {
                let _ = writeln!(std::io::stderr(), "stave: cannot read back the spool file: {error}");
                std::process::abort();
            }
            (cache.segment, cache.start) = (segment, start);
        }
        let from = start - cache.start;
        out.extend_from_slice(&cache.bytes[from..from + len]);
    });
}

#[cfg(not(unix))]
fn read_cached(_: u64, _: &SpoolFile, _: u64, _: usize, _: usize, _: usize, _: &mut Vec<u8>) {
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
            Kept::Spooled { segment, start, len } => {
                Blob(Kept::Spooled { segment: segment.clone(), start: *start, len: *len })
            }
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

    fn text(i: usize) -> Vec<u8> {
        format!("blob {i} ").repeat(i % 97 + 1).into_bytes()
    }

    #[test]
    fn spooled_bytes_read_back_as_they_were_in_any_order() {
        // Several segments (about 1.4 MB in all, and one blob larger than a segment), most of
        // them written to the file.
        let mut blobs: Vec<Blob> = (0..3000).map(|i| Blob::spool(&text(i)).unwrap()).collect();
        let large = vec![7u8; SEGMENT_BYTES + 5];
        blobs.push(Blob::spool(&large).unwrap());
        assert!(
            blobs.iter().any(
                |b| matches!(&b.0, Kept::Spooled { segment, .. } if matches!(&*segment.state(), State::Disk { .. }))
            )
        );
        assert_eq!(&*blobs[3000].bytes(), &large[..]);
        for i in (0..3000).rev().chain((0..3000).step_by(7)).chain(0..3000) {
            assert_eq!(&*blobs[i].bytes(), &text(i)[..], "blob {i}");
            assert_eq!(blobs[i].with(|b| b.len()), blobs[i].len());
        }
        let mut out = Vec::new();
        blobs[3].write_to(&mut out).unwrap();
        assert_eq!(out, text(3));
        assert_eq!(blobs[3], Blob::in_memory(text(3)));
        assert_ne!(blobs[3], blobs[4]);
        assert_eq!(blobs[5].clone(), blobs[5]);
    }
}
