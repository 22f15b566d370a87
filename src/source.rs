//! Source files and spans: every diagnostic points into a file registered here.
//!
//! A [`Span`] is a byte range in one [`SourceFile`]; line and column (1-based, columns counted in
//! characters) are computed on demand from a line index, so spans stay small and cheap to copy.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourceId(u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub(crate) source: SourceId,
    pub(crate) start: u32,
    pub(crate) end: u32,
}

impl Span {
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span { source, start: clamp(start), end: clamp(end.max(start)) }
    }

    /// A sub-range of this span, given as offsets relative to its start.
    pub(crate) fn sub(self, from: usize, to: usize) -> Self {
        let start = self.start as usize + from;
        Span::new(self.source, start, (self.start as usize + to).max(start))
    }

    pub(crate) fn len(self) -> usize {
        (self.end - self.start) as usize
    }
}

/// One input: a workload file, standard input, an overrides file or a command-line value.
#[derive(Debug)]
pub struct SourceFile {
    /// The name shown to users (the path as given, `<stdin>`, or `--override-property`).
    pub(crate) name: String,
    pub(crate) text: Arc<str>,
    /// The directory that relative file `source`s resolve against.
    pub(crate) base_dir: PathBuf,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        let prefix = self.text.get(line_start..offset).unwrap_or("");
        (line + 1, prefix.chars().count() + 1)
    }

    /// Byte offset of a 1-based line and character column, clamped to the text.
    pub(crate) fn offset_of(&self, line: usize, column: usize) -> usize {
        let Some(&line_start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[line_start..];
        rest.char_indices().nth(column.saturating_sub(1)).map_or(self.text.len(), |(i, _)| line_start + i)
    }

    pub(crate) fn slice(&self, span: Span) -> &str {
        self.text.get(span.start as usize..span.end as usize).unwrap_or("")
    }
}

impl SourceFile {
    fn new(name: String, text: Arc<str>, base_dir: PathBuf) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { name, text, base_dir, line_starts }
    }

    /// A file that is not registered: for parsing a fragment whose spans are shifted afterwards.
    pub(crate) fn detached(text: &str) -> Self {
        SourceFile::new(String::new(), text.into(), PathBuf::new())
    }
}

/// The registry of every source file read in one run.
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<Arc<str>>, base_dir: &Path) -> SourceId {
        let id = SourceId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(name.into(), text.into(), base_dir.to_path_buf()));
        id
    }

    pub fn get(&self, id: SourceId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub(crate) fn slice(&self, span: Span) -> &str {
        self.get(span.source).slice(span)
    }
}
