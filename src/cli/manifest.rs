//! `DIR/.stave-output`, the list of what Stave wrote in an output directory: one line per file,
//! the SHA-256 of its bytes as written, two spaces, its path (the format of `sha256sum`). A file
//! is *provably Stave's* when it is listed and its content still has that hash; only such files
//! are replaced or deleted by a recompile. A line of an earlier Stave (a path alone) proves
//! nothing: the file it names is replaced only by the same content, and never deleted.

use std::collections::BTreeMap;
use std::path::Path;

use rustix::fs::FileType;

use super::safe_fs::{self, Dir, Found};

/// The list's name in the output directory.
pub(crate) const MANIFEST: &str = ".stave-output";
/// The lock that serializes compiles into one directory.
pub(crate) const LOCK: &str = ".stave-lock";
/// The prefix of the staging folders a compile writes in before moving files into place.
pub(crate) const STAGING: &str = ".stave-staging-";

const TITLE: &str = "# The files Stave wrote here: a recompile replaces these, and only these.\n";
const FORMAT: &str = "# Each line: the SHA-256 of the file as Stave wrote it, two spaces, its path.\n";

/// What `.stave-output` lists: each path with the hash it records (`None`: a line of an earlier
/// Stave, which records none).
#[derive(Debug, Default)]
pub(crate) struct Previous {
    pub(crate) listed: BTreeMap<String, Option<[u8; 32]>>,
    /// The lines that name no path inside the directory (absolute, `..`), as warnings.
    pub(crate) ignored: Vec<String>,
}

impl Previous {
    /// Whether a file listed here whose content has `actual` may be replaced by content that
    /// has `new` (`None` to delete it): its content is what Stave wrote, or what it writes now.
    pub(crate) fn proves(&self, path: &str, actual: &[u8; 32], new: Option<&[u8; 32]>) -> bool {
        match self.listed.get(path) {
            None => false,
            Some(Some(recorded)) if recorded == actual => true,
            Some(_) => new == Some(actual),
        }
    }

    /// Why a file there is not provably Stave's.
    pub(crate) fn why_unproven(&self, path: &str) -> &'static str {
        match self.listed.get(path) {
            Some(Some(_)) => "its content is not what `.stave-output` records (it was edited, or listed by hand)",
            Some(None) => "an earlier Stave's `.stave-output` lists it without a hash",
            None => "`.stave-output` does not list it",
        }
    }
}

/// Reads the list in `root` (`shown`: the directory as messages name it). A directory without
/// one must hold nothing but the lock (and staging folders a killed run left): anything else is
/// refused, since it is not Stave's.
pub(crate) fn read(root: &Dir, shown: &Path) -> Result<Previous, String> {
    let unreadable = |e: std::io::Error| format!("cannot read `{}`: {e}", shown.join(MANIFEST).display());
    match root.open_here(MANIFEST).map_err(unreadable)? {
        Found::Present(mut file) => {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut file, &mut bytes).map_err(unreadable)?;
            Ok(parse(&String::from_utf8_lossy(&bytes)))
        }
        Found::Refused(refusal) => Err(format!(
            "cannot use `{}`: it is {refusal}; Stave reads only a regular file there",
            shown.join(MANIFEST).display()
        )),
        Found::Missing => {
            let mut foreign: Vec<String> = root
                .entries()
                .map_err(|e| format!("cannot read `{}`: {e}", shown.display()))?
                .into_iter()
                .filter(|(name, kind)| !(name.to_string_lossy().starts_with(STAGING) && *kind == FileType::Directory))
                .map(|(name, _)| name.to_string_lossy().into_owned())
                .filter(|name| name != LOCK)
                .collect();
            foreign.sort();
            match foreign.first() {
                None => Ok(Previous::default()),
                Some(first) => Err(format!(
                    "cannot write into `{}`: it holds `{}` and was not written by Stave (no `{MANIFEST}`); choose an \
                    empty directory",
                    shown.display(),
                    shown.join(safe_fs::shown(first)).display()
                )),
            }
        }
    }
}

/// The paths and hashes of a list's text.
pub(crate) fn parse(text: &str) -> Previous {
    let mut previous = Previous::default();
    for (number, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (path, hash) = match line.split_once("  ").and_then(|(hash, path)| Some((path, hex(hash)?))) {
            Some((path, hash)) => (path, Some(hash)),
            None => (line, None),
        };
        if safe_fs::parts(path).is_none_or(|parts| parts.first().is_some_and(|top| is_bookkeeping(top))) {
            previous.ignored.push(format!(
                "line {} of `{MANIFEST}` was ignored: `{}` is not a path of an output file inside the directory",
                number + 1,
                safe_fs::shown(path)
            ));
            continue;
        }
        previous.listed.entry(path.to_string()).or_insert(hash);
    }
    previous
}

/// Whether a name at the top of an output directory is one of Stave's own (the list, the lock,
/// a staging folder): never an output file, so a line naming one is ignored.
pub(crate) fn is_bookkeeping(name: &str) -> bool {
    name == MANIFEST || name == LOCK || name.starts_with(STAGING)
}

/// The text of the list of `written` files.
pub(crate) fn render(written: &BTreeMap<&str, [u8; 32]>) -> String {
    let mut text = String::from(TITLE);
    text.push_str(FORMAT);
    for (path, hash) in written {
        text.push_str(&to_hex(hash));
        text.push_str("  ");
        text.push_str(path);
        text.push('\n');
    }
    text
}

pub(crate) fn to_hex(hash: &[u8; 32]) -> String {
    hash.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 32 bytes of 64 lowercase hexadecimal digits.
fn hex(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut hash = [0; 32];
    for (i, byte) in hash.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_lines_legacy_lines_and_lines_outside() {
        let hash = [0xab; 32];
        let text = render(&BTreeMap::from([("a.yaml", hash), ("templates/b.yaml", [1; 32])]));
        let lines = "old.yaml\n../out.txt\n/etc/passwd\nx/../y\n.stave-lock\n.stave-staging-1/a\n";
        let previous = parse(&format!("{text}{lines}{}  c\n", "f".repeat(64)));
        assert_eq!(previous.listed.get("a.yaml"), Some(&Some(hash)));
        assert_eq!(previous.listed.get("templates/b.yaml"), Some(&Some([1; 32])));
        assert_eq!(previous.listed.get("old.yaml"), Some(&None), "a path alone: an earlier Stave's line");
        assert_eq!(previous.listed.get("c"), Some(&Some([0xff; 32])));
        assert_eq!(previous.listed.len(), 4);
        assert_eq!(previous.ignored.len(), 5, "{:?}", previous.ignored);
        assert!(previous.proves("a.yaml", &hash, None));
        assert!(!previous.proves("a.yaml", &[0; 32], None), "edited since");
        assert!(previous.proves("a.yaml", &[0; 32], Some(&[0; 32])), "the same content as the new");
        assert!(!previous.proves("old.yaml", &[0; 32], None), "no hash proves nothing");
        assert!(!previous.proves("mine.txt", &[0; 32], Some(&[0; 32])), "not listed");
    }
}
