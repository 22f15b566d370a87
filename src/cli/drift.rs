//! `compile … -o OUT --check`, the drift gate: what the compile would write, compared with what
//! OUT holds, as a unified diff on standard output; nothing is written. Secret values never show:
//! in a Secret's `data` and `stringData` each value is replaced by a short hash of it keyed with
//! a random key of this run, on both sides, so the diff says that a secret changed and not what
//! it is (and the hash in a CI log cannot be used to guess a weak value). What is read back is
//! read without following links (see `safe_fs.rs`): a symbolic link, a folder that is a link, a
//! FIFO is drift ("not a regular file") and never read. [`for_ci_log`] makes the diff safe to
//! print where a CI runner reads workflow commands.

use std::path::Path;

use sha2::{Digest, Sha256};

use super::manifest::{self, Previous};
use super::output::{self, Destination, HEADER};
use super::safe_fs::{self, Dir, Found};
use crate::targets::{Emitted, File};

/// What differs, file by file.
#[derive(Debug, Default)]
pub(crate) struct Drift {
    /// The unified diff of every file that would change, in path order.
    pub(crate) diff: String,
    /// The files that would be added, changed or deleted, or that are in the way.
    pub(crate) changed: Vec<String>,
    /// Lines of `.stave-output` that were ignored.
    pub(crate) warnings: Vec<String>,
}

/// Compares `emitted` with what `-o path` holds (standard output has nothing to compare with).
/// What is read back must be a regular file reached without following a link below what `-o`
/// names; anything else is drift ("not a regular file"), and never read.
pub(crate) fn check(emitted: &Emitted, path: Option<&Path>) -> Result<Drift, String> {
    let mut drift = Drift::default();
    match output::destination(path, emitted.layout, &emitted.what)? {
        Destination::Stdout => {
            return Err("`--check` compares the output with what `-o` names: pass `-o FILE` or `-o DIR/`".into());
        }
        Destination::File(file) => {
            let mut wanted = HEADER.to_string();
            for part in &emitted.files {
                wanted.push_str(&String::from_utf8_lossy(&part.bytes.bytes()));
            }
            let name = safe_fs::shown(&file.display().to_string());
            let (folder, leaf) = output::split_file_path(&file)?;
            let found = match Dir::open(&folder) {
                Ok(dir) => dir.open_here(&leaf).and_then(read_all),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Found::Missing),
                Err(e) => Err(e),
            };
            let found = found.map_err(|e| format!("cannot read `{name}`: {e}"))?;
            match found {
                Found::Refused(refusal) => {
                    notice(&mut drift, &name, &format!("{refusal}: not read; a compile refuses it"))
                }
                Found::Present(bytes) => compare(&mut drift, &name, Some(lossy(bytes)), Some(wanted)),
                Found::Missing => compare(&mut drift, &name, None, Some(wanted)),
            }
        }
        Destination::Directory(dir) => {
            let root = match Dir::open(&dir) {
                Ok(root) => Some(root),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(format!("cannot read `{}`: {e}", dir.display())),
            };
            let previous = match &root {
                Some(root) => manifest::read(root, &dir)?,
                None => Previous::default(),
            };
            drift.warnings.clone_from(&previous.ignored);
            let mut paths: Vec<(&str, Option<&File>)> =
                emitted.files.iter().map(|f| (f.path.as_str(), Some(f))).collect();
            paths.extend(
                previous
                    .listed
                    .keys()
                    .filter(|p| !emitted.files.iter().any(|f| &f.path == *p))
                    .map(|p| (p.as_str(), None)),
            );
            paths.sort_by_key(|(p, _)| *p);
            for (relative, file) in paths {
                let name = output::at(&dir, relative);
                let found = match &root {
                    Some(root) => root.read(relative).map_err(|e| format!("cannot read `{name}`: {e}"))?,
                    None => Found::Missing,
                };
                let wanted = file.map(|f| String::from_utf8_lossy(&f.bytes.bytes()).into_owned());
                match found {
                    Found::Refused(refusal) => {
                        let then =
                            if file.is_some() { "a compile refuses to write there" } else { "a compile leaves it" };
                        notice(&mut drift, &name, &format!("{refusal}: not read; {then}"));
                    }
                    Found::Present(bytes) if file.is_none() && !proven(&previous, relative, &bytes) => {
                        let why = previous.why_unproven(relative);
                        notice(&mut drift, &name, &format!("{why}; a compile leaves it in place and stops listing it"));
                    }
                    Found::Present(bytes) => compare(&mut drift, &name, Some(lossy(bytes)), wanted),
                    Found::Missing => compare(&mut drift, &name, None, wanted),
                }
            }
        }
    }
    Ok(drift)
}

/// Whether a stale file's content is what `.stave-output` records (so a compile deletes it).
fn proven(previous: &Previous, relative: &str, bytes: &[u8]) -> bool {
    previous.proves(relative, &Sha256::digest(bytes).into(), None)
}

fn read_all(found: Found<std::fs::File>) -> std::io::Result<Found<Vec<u8>>> {
    Ok(match found {
        Found::Present(mut file) => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut bytes)?;
            Found::Present(bytes)
        }
        Found::Missing => Found::Missing,
        Found::Refused(refusal) => Found::Refused(refusal),
    })
}

fn lossy(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A file in the way, said in the diff without its content.
fn notice(drift: &mut Drift, name: &str, what: &str) {
    drift.changed.push(name.to_string());
    drift.diff.push_str(&format!("--- a/{name}\n+++ b/{name}\n@@ {what} @@\n"));
}

fn compare(drift: &mut Drift, name: &str, old: Option<String>, new: Option<String>) {
    if old == new {
        return;
    }
    let old_text = old.as_deref().map(redact).unwrap_or_default();
    let new_text = new.as_deref().map(redact).unwrap_or_default();
    let old_name = if old.is_some() { format!("a/{name}") } else { "/dev/null".to_string() };
    let new_name = if new.is_some() { format!("b/{name}") } else { "/dev/null".to_string() };
    drift.changed.push(name.to_string());
    let diff = similar::TextDiff::from_lines(&old_text, &new_text);
    let text = diff.unified_diff().context_radius(3).header(&old_name, &new_name).to_string();
    if text.is_empty() {
        // Only a secret value changed, and redacted both sides read the same: say so.
        drift.diff.push_str(&format!("--- {old_name}\n+++ {new_name}\n@@ a secret value changed (not shown) @@\n"));
    } else {
        drift.diff.push_str(&text);
    }
}

/// The diff as it may go to a CI log whose runner reads workflow commands in what a step prints
/// (GitHub Actions): between `::stop-commands::TOKEN` and `::TOKEN::`, with `token` drawn for
/// this run (so nothing in the files can end the pause), and with every line neutralised besides
/// ([`neutralise`]).
pub(crate) fn for_ci_log(diff: &str, token: &str) -> String {
    format!("::stop-commands::{token}\n{}::{token}::\n", neutralise(diff))
}

/// Text for people, as it may go to a CI log that reads workflow commands: no line starts with
/// `::` after leading whitespace (a `\\` is inserted), none holds `##[` (written `##\\[`), and a
/// carriage return (where the runner starts a new line) is written `\\r`. Ends with a line break.
pub(crate) fn neutralise(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix("\r\n") {
            Some(body) => (body, "\r\n"),
            None => line.strip_suffix('\n').map_or((line, ""), |body| (body, "\n")),
        };
        let mut body = body.replace('\r', "\\r").replace("##[", "##\\[");
        let trimmed =
            body.trim_start_matches(|c: char| c.is_whitespace() || matches!(c, '\u{feff}' | '\u{200b}' | '\u{180e}'));
        if trimmed.starts_with("::") {
            let at = body.len() - trimmed.len();
            body.insert(at, '\\');
        }
        out.push_str(&body);
        out.push_str(if end.is_empty() { "\n" } else { end });
    }
    out
}

/// A key drawn once per run (from the standard library's randomly seeded hasher).
fn run_key() -> &'static [u8; 16] {
    static KEY: std::sync::OnceLock<[u8; 16]> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        use std::hash::BuildHasher;
        let state = std::collections::hash_map::RandomState::new();
        let mut key = [0; 16];
        key[..8].copy_from_slice(&state.hash_one(1u8).to_le_bytes());
        key[8..].copy_from_slice(&state.hash_one(2u8).to_le_bytes());
        key
    })
}

/// The text with every value of a Secret's top-level `data:` and `stringData:` replaced by
/// `<secret sha256:…>` (a value on several lines, a block scalar, counts as one).
pub(crate) fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let bare = |line: &str| line.trim_end_matches(['\n', '\r']).to_string();
    let mut start = 0;
    while start < lines.len() {
        // One YAML document: up to the next `---`.
        let end = (start + 1..lines.len()).find(|&i| bare(lines[i]) == "---").unwrap_or(lines.len());
        let secret = lines[start..end].iter().any(|l| bare(l) == "kind: Secret");
        let mut in_data = false;
        let mut i = start;
        while i < end {
            let line = bare(lines[i]);
            if !line.starts_with(' ') && !line.is_empty() {
                in_data = secret && (line == "data:" || line == "stringData:");
            } else if in_data && let Some(key) = line.split_once(':').map(|(k, _)| k.to_string()) {
                let indent = line.len() - line.trim_start().len();
                let mut whole = line.clone();
                // A block scalar (`|`, `>-`, …) or a value continued on more-indented lines.
                while i + 1 < end {
                    let next = bare(lines[i + 1]);
                    let next_indent = next.len() - next.trim_start().len();
                    if next.trim().is_empty() || next_indent > indent {
                        whole.push('\n');
                        whole.push_str(&next);
                        i += 1;
                    } else {
                        break;
                    }
                }
                let mut hasher = Sha256::new();
                hasher.update(run_key());
                hasher.update(whole.as_bytes());
                let hash: String = hasher.finalize().iter().take(6).map(|b| format!("{b:02x}")).collect();
                out.push_str(&format!("{key}: <secret sha256:{hash}>\n"));
                i += 1;
                continue;
            }
            out.push_str(lines[i]);
            i += 1;
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{for_ci_log, redact};

    #[test]
    fn no_line_of_a_diff_in_a_ci_log_reads_as_a_workflow_command() {
        let diff =
            " ::add-mask::sha256\n   \t::warning::forged\n+##[add-mask]x\n a\r::error::cr\n \u{2003}::x::y\r\n-::z\n";
        let log = for_ci_log(diff, "0123abcd");
        let lines: Vec<&str> = log.split(['\r', '\n']).filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.first(), Some(&"::stop-commands::0123abcd"));
        assert_eq!(lines.last(), Some(&"::0123abcd::"));
        for line in &lines[1..lines.len() - 1] {
            assert!(!line.trim_start().starts_with("::"), "{line:?}");
            assert!(!line.contains("##["), "{line:?}");
        }
        assert!(log.contains(" \\::add-mask::sha256\n") && log.contains("+##\\[add-mask]x\n"), "{log}");
        assert!(log.contains(" a\\r::error::cr\n") && log.contains("-::z\n"), "{log}");
    }

    #[test]
    fn secret_values_are_hashed_and_the_rest_kept() {
        let text = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n  \
        conf: |\n    user=app\n    password=hunter2\ntype: Opaque\n---\nkind: ConfigMap\ndata:\n  plain: visible\n";
        let redacted = redact(text);
        assert!(!redacted.contains("hunter2"), "{redacted}");
        assert!(redacted.contains("  password: <secret sha256:") && redacted.contains("  conf: <secret sha256:"));
        assert!(redacted.contains("type: Opaque") && redacted.contains("  plain: visible"), "{redacted}");
        let other = redact(&text.replace("hunter2", "hunter3"));
        assert_ne!(redacted, other, "a changed secret changes its hash");
    }
}
