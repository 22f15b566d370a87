//! `compile … -o OUT --check`, the drift gate: what the compile would write, compared with what
//! OUT holds, as a unified diff on standard output; nothing is written. Secret values never show:
//! in a Secret's `data` and `stringData` each value is replaced by a short hash of it keyed with
//! a random key of this run, on both sides, so the diff says that a secret changed and not what
//! it is (and the hash in a CI log cannot be used to guess a weak value).

use std::path::Path;

use sha2::{Digest, Sha256};

use super::output::{self, Destination, HEADER};
use crate::targets::{Emitted, File};

/// What differs, file by file.
#[derive(Debug, Default)]
pub struct Drift {
    /// The unified diff of every file that would change, in path order.
    pub diff: String,
    /// The files that would be added, changed or deleted.
    pub changed: Vec<String>,
}

/// Compares `emitted` with what `-o path` holds (standard output has nothing to compare with).
pub fn check(emitted: &Emitted, path: Option<&Path>) -> Result<Drift, String> {
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
            let name = file.display().to_string();
            compare(&mut drift, &name, read(&file)?, Some(wanted));
        }
        Destination::Directory(dir) => {
            let previous = if dir.is_dir() { output::previous_output(&dir)? } else { Vec::new() };
            let mut paths: Vec<(&str, Option<&File>)> =
                emitted.files.iter().map(|f| (f.path.as_str(), Some(f))).collect();
            paths.extend(
                previous.iter().filter(|p| !emitted.files.iter().any(|f| &f.path == *p)).map(|p| (p.as_str(), None)),
            );
            paths.sort_by_key(|(p, _)| *p);
            for (relative, file) in paths {
                let on_disk = dir.join(relative);
                let name = on_disk.display().to_string();
                let wanted = file.map(|f| String::from_utf8_lossy(&f.bytes.bytes()).into_owned());
                compare(&mut drift, &name, read(&on_disk)?, wanted);
            }
        }
    }
    Ok(drift)
}

/// The file's text, or `None` when it is not there.
fn read(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
    }
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
pub fn redact(text: &str) -> String {
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
    use super::redact;

    #[test]
    fn secret_values_are_hashed_and_the_rest_kept() {
        let text = "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n  password: hunter2\n  conf: |\n    user=app\n    password=hunter2\ntype: Opaque\n---\nkind: ConfigMap\ndata:\n  plain: visible\n";
        let redacted = redact(text);
        assert!(!redacted.contains("hunter2"), "{redacted}");
        assert!(redacted.contains("  password: <secret sha256:") && redacted.contains("  conf: <secret sha256:"));
        assert!(redacted.contains("type: Opaque") && redacted.contains("  plain: visible"), "{redacted}");
        let other = redact(&text.replace("hunter2", "hunter3"));
        assert_ne!(redacted, other, "a changed secret changes its hash");
    }
}
