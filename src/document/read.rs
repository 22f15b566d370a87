//! Reading input bytes safely: a size limit, no binary data, UTF-8 only.

use std::io::Read;
use std::path::Path;

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceId, Sources, Span};

/// The largest workload, overrides or `source` file Stave reads: 8 MiB.
pub(crate) const MAX_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// Reads at most [`MAX_FILE_BYTES`] (plus one byte, to tell that there is more) from `reader`.
pub(crate) fn read_limited(reader: impl Read, name: &str) -> Result<Vec<u8>, Diagnostic> {
    let mut bytes = Vec::new();
    reader.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| unreadable(name, &e))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(Diagnostic::error(
            Code::TooLarge,
            format!("`{name}` is larger than {} MiB, the most Stave reads", MAX_FILE_BYTES / (1024 * 1024)),
        )
        .with_path(name)
        .help("a workload file is a few kilobytes; check that this is the file you meant"));
    }
    Ok(bytes)
}

/// Characters Stave reserves for the markers of generated values (Unicode private use: U+E000
/// to U+E002). No input may hold them, so that no input can forge a marker.
pub(crate) const RESERVED: [char; 3] = ['\u{E000}', '\u{E001}', '\u{E002}'];

/// The error for a reserved character at byte `at` of source `id`.
pub(crate) fn reserved_character(name: &str, id: SourceId, at: usize) -> Diagnostic {
    Diagnostic::error(
        Code::ReservedCharacter,
        format!("`{name}` holds a character that Stave reserves (U+E000 to U+E002)"),
    )
    .label(Span::new(id, at, at + 3), "this character")
    .help("remove it: Stave uses these private-use characters to mark generated values")
}

pub(crate) fn read_file(path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|e| unreadable(&name, &e))?;
    if file.metadata().is_ok_and(|m| m.is_dir()) {
        return Err(Diagnostic::error(Code::Unreadable, format!("`{name}` is a directory, not a workload file"))
            .with_path(name)
            .help("name the YAML file inside it, e.g. `score.yaml`"));
    }
    read_limited(file, &name)
}

fn unreadable(name: &str, error: &std::io::Error) -> Diagnostic {
    let reason = match error.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => error.to_string(),
    };
    Diagnostic::error(Code::Unreadable, format!("cannot read `{name}`: {reason}"))
        .with_path(name)
        .help("check the path; with no path, Stave reads `workload.yaml` or `score.yaml` in the current directory")
}

/// Turns bytes into text, refusing binary data and invalid UTF-8 at the first bad byte. On
/// failure the bytes are registered (lossily decoded) so that the error can show the place.
pub fn decode(bytes: Vec<u8>, name: &str, base_dir: &Path, sources: &mut Sources) -> Result<SourceId, Diagnostic> {
    let bytes = read_limited(bytes.as_slice(), name)?;
    if let Some(nul) = bytes.iter().position(|&b| b == 0) {
        let lossy = String::from_utf8_lossy(&bytes[..nul]).into_owned();
        let at = lossy.len();
        let id = sources.add(name, lossy, base_dir);
        return Err(Diagnostic::error(Code::Binary, format!("`{name}` holds binary data, not YAML text"))
            .label(Span::new(id, at, at), "a NUL byte here")
            .help("pass a Score workload file (YAML text)"));
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            let reserved = text.find(RESERVED);
            let id = sources.add(name, text, base_dir);
            match reserved {
                Some(at) => Err(reserved_character(name, id, at)),
                None => Ok(id),
            }
        }
        Err(error) => {
            let valid = error.utf8_error().valid_up_to();
            let bytes = error.into_bytes();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            let at = String::from_utf8_lossy(&bytes[..valid]).len();
            let id = sources.add(name, text, base_dir);
            Err(Diagnostic::error(Code::NotUtf8, format!("`{name}` is not UTF-8 text"))
                .label(Span::new(id, at, at + 1), "this byte is not valid UTF-8")
                .help("save the file as UTF-8"))
        }
    }
}
