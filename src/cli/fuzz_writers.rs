//! A fuzzing harness for the writers, `output::write` and `drift::check`, against a hostile
//! output directory: bytes choose a tree of files, links (inside and out), folders, FIFOs and
//! `.stave-output` lines (valid, `..`, absolute, with wrong hashes, listing user files); then
//! the gate and a compile of a fixed output run, and every invariant is asserted (a panic is a
//! finding): nothing outside the directory is touched, nothing not provably Stave's is deleted
//! or overwritten, the gate never reads through a link (a canary file outside never shows), a
//! refused compile changes nothing, and one that succeeds leaves exactly the output and a list
//! that checks as up to date. `fuzz/fuzz_targets/writers.rs` and `tests/it/drift.rs` run it.
#![allow(clippy::expect_used, clippy::panic, reason = "a test harness: a panic is its finding")]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{drift, manifest, output};
use crate::diagnostics::Diagnostics;
use crate::targets::{Emitted, File, Layout};

const CANARY: &str = "STAVE-FUZZ-CANARY: a file outside the output";

/// The paths inside the output directory the bytes act on.
const PATHS: &[&str] = &[
    "a.yaml",
    "templates",
    "templates/b.yaml",
    "templates/c.yaml",
    "env",
    "env/dev",
    "env/dev/d.yaml",
    "gone.yaml",
    "new",
    "new/e.yaml",
    "lnk",
    "lnk/important.txt",
    "notes.txt",
    "sub/notes.txt",
    ".stave-output",
    ".stave-lock",
    ".stave-staging-old",
    ".stave-staging-old/x.yaml",
];

/// A previous compile's output, and this compile's: path, content, mode.
const OLD: &[(&str, &str, u32)] = &[
    ("a.yaml", "kind: A\nversion: 1\n", 0o644),
    ("templates/b.yaml", "kind: B\n", 0o644),
    ("templates/c.yaml", "kind: C\n", 0o644),
    ("env/dev/d.yaml", "kind: Secret\nversion: 1\n", 0o600),
    ("gone.yaml", "kind: Gone\n", 0o644),
];
const NEW: &[(&str, &str, u32)] = &[
    ("a.yaml", "kind: A\nversion: 2\n", 0o644),
    ("templates/b.yaml", "kind: B\n", 0o644),
    ("env/dev/d.yaml", "kind: Secret\nversion: 2\n", 0o600),
    ("new/e.yaml", "kind: E\n", 0o644),
];
/// What files the bytes create hold (never the canary: a regular file inside may be shown).
const CONTENTS: &[&str] = &["user notes\n", "", "kind: A\nversion: 1\n", "kind: B\n", "kind: Secret\nversion: 2\n"];

/// Runs one case: the bytes choose the directory's state.
pub fn run(data: &[u8]) {
    let mut choices = Choices { data, at: 0 };
    let temp = tempfile::tempdir().expect("a temporary directory");
    let base = temp.path().canonicalize().expect("the temporary directory");
    let victim = base.join("victim");
    for (path, text) in [
        ("canary.txt", CANARY.to_string()),
        ("important.txt", "important\n".to_string()),
        ("empty.txt", String::new()),
        ("header.yaml", format!("{}victim\n", output::HEADER)),
        ("sub/deep.yaml", "deep\n".to_string()),
    ] {
        std::fs::create_dir_all(victim.join(path).parent().expect("a folder")).expect("the victim");
        std::fs::write(victim.join(path), text).expect("the victim");
    }
    let outside = (tree(&victim), stamps(&victim));
    if choices.byte().is_multiple_of(8) {
        stream_case(&mut choices, &base, &victim);
    } else {
        directory_case(&mut choices, &base, &victim);
    }
    assert!(outside == (tree(&victim), stamps(&victim)), "something outside the output was touched");
}

/// What is at a path: a regular file (bytes, mode), a link (its target), a folder, or other.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    File(Vec<u8>, u32),
    Link(PathBuf),
    Dir,
    Other,
}

type Tree = BTreeMap<String, Entry>;

/// Everything below `root`, by relative path, links not followed.
fn tree(root: &Path) -> Tree {
    let mut found = Tree::new();
    let mut pending = vec![(root.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let relative = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let Ok(meta) = std::fs::symlink_metadata(entry.path()) else { continue };
            let kind = if meta.file_type().is_symlink() {
                Entry::Link(std::fs::read_link(entry.path()).unwrap_or_default())
            } else if meta.is_dir() {
                pending.push((entry.path(), format!("{relative}/")));
                Entry::Dir
            } else if meta.is_file() {
                Entry::File(std::fs::read(entry.path()).unwrap_or_default(), meta.permissions().mode() & 0o7777)
            } else {
                Entry::Other
            };
            found.insert(relative, kind);
        }
    }
    found
}

/// The modification times below `root` (a write inside a folder changes the folder's).
fn stamps(root: &Path) -> Vec<(String, Option<std::time::SystemTime>)> {
    tree(root)
        .keys()
        .map(|p| (p.clone(), std::fs::symlink_metadata(root.join(p)).and_then(|m| m.modified()).ok()))
        .collect()
}

/// What a path of a tree is, walked like Stave walks it.
enum Look<'t> {
    Missing,
    /// A folder on the way is a link, a file or other.
    Blocked,
    Found(&'t Entry),
}

fn look<'t>(tree: &'t Tree, path: &str) -> Look<'t> {
    let parts: Vec<&str> = path.split('/').collect();
    for depth in 1..parts.len() {
        match tree.get(&parts[..depth].join("/")) {
            None => return Look::Missing,
            Some(Entry::Dir) => {}
            Some(_) => return Look::Blocked,
        }
    }
    tree.get(path).map_or(Look::Missing, Look::Found)
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

fn emitted(files: &[(&str, &str, u32)], layout: Layout) -> Emitted {
    let files = files
        .iter()
        .map(|(path, text, mode)| if *mode == 0o600 { File::secret(*path, *text) } else { File::new(*path, *text) })
        .collect();
    Emitted { files, layout, what: "a test output".into(), warnings: Diagnostics::new() }
}

/// The bytes, read one at a time (zeros once they run out).
struct Choices<'a> {
    data: &'a [u8],
    at: usize,
}

impl Choices<'_> {
    fn byte(&mut self) -> u8 {
        let byte = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        byte
    }

    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[usize::from(self.byte()) % items.len()]
    }
}

/// `-o one.yaml`: a missing file, Stave's, the user's, an empty one, a link (to a file Stave
/// would overwrite, to the canary, to a folder, dangling), a FIFO.
fn stream_case(choices: &mut Choices, base: &Path, victim: &Path) {
    let one = base.join("one.yaml");
    let state = choices.byte() % 10;
    match state {
        1 => std::fs::write(&one, format!("{}old\n", output::HEADER)).expect("a file"),
        2 => std::fs::write(&one, "the user's\n").expect("a file"),
        3 => std::fs::write(&one, "").expect("a file"),
        4..=7 | 9 => {
            // A link to the victim folder makes `-o one.yaml` a directory (the user's path is
            // followed), one that is not Stave's: refused.
            let target = ["header.yaml", "empty.txt", "canary.txt", "", "missing.yaml"][usize::from(state - 4).min(4)];
            std::os::unix::fs::symlink(victim.join(target), &one).expect("a link");
        }
        8 => rustix::fs::mkfifoat(rustix::fs::CWD, &one, rustix::fs::Mode::from_raw_mode(0o644)).expect("a FIFO"),
        _ => {}
    }
    let new = emitted(NEW, Layout::Stream);
    let before = tree(base);
    let checked = drift::check(&new, Some(&one));
    assert!(!format!("{checked:?}").contains(CANARY), "the gate read through a link: {checked:?}");
    assert!(before == tree(base), "the gate wrote");
    let written = output::write(&new, Some(&one), &mut std::io::sink());
    assert_eq!(written.is_ok(), matches!(state, 0 | 1 | 3), "state {state}: {written:?}");
    let after = tree(base);
    let stray: Vec<&String> = after.keys().filter(|p| !p.starts_with("victim") && *p != "one.yaml").collect();
    assert!(stray.is_empty(), "left behind: {stray:?}");
    if written.is_ok() {
        let stream: String = NEW.iter().map(|(_, text, _)| *text).collect();
        let expected = Entry::File(format!("{}{stream}", output::HEADER).into_bytes(), 0o600);
        assert_eq!(after.get("one.yaml"), Some(&expected));
    } else {
        assert_eq!(after.get("one.yaml"), before.get("one.yaml"), "a refused write changed the file");
    }
}

/// `-o out/`: maybe a previous compile, then the bytes' changes, then the gate and a compile.
fn directory_case(choices: &mut Choices, base: &Path, victim: &Path) {
    let out = base.join("out");
    if !choices.byte().is_multiple_of(4) {
        output::write(&emitted(OLD, Layout::Directory), Some(&out), &mut std::io::sink())
            .expect("a first compile into a fresh directory");
    }
    let changes = choices.byte() % 12;
    if changes > 0 {
        std::fs::create_dir_all(&out).expect("the output directory");
    }
    for _ in 0..changes {
        change(choices, &out, victim);
    }
    let pre = tree(&out);
    let new = emitted(NEW, Layout::Directory);
    let checked = drift::check(&new, Some(&out));
    assert!(!format!("{checked:?}").contains(CANARY), "the gate read through a link: {checked:?}");
    assert!(pre == tree(&out), "the gate wrote");
    if let Ok(drift) = &checked {
        for (path, _, _) in NEW {
            if matches!(look(&pre, path), Look::Blocked | Look::Found(Entry::Link(_) | Entry::Dir | Entry::Other)) {
                let name = out.join(path).display().to_string();
                assert!(drift.changed.contains(&name), "{name} is in the way, not reported: {drift:?}");
            }
        }
    }
    let listed = match pre.get(manifest::MANIFEST) {
        Some(Entry::File(bytes, _)) => Some(manifest::parse(&String::from_utf8_lossy(bytes)).listed),
        Some(_) => None,
        None => Some(BTreeMap::new()),
    };
    let expected_ok = would_succeed(&pre, listed.as_ref());
    let written = output::write(&new, Some(&out), &mut std::io::sink());
    assert_eq!(written.is_ok(), expected_ok, "{written:?}\n{pre:#?}");
    let post = tree(&out);
    let stray: Vec<String> =
        tree(base).into_keys().filter(|p| !p.starts_with("out") && !p.starts_with("victim")).collect();
    assert!(stray.is_empty(), "written outside: {stray:?}");
    let bookkeeping = |path: &str| path.split('/').next().is_some_and(manifest::is_bookkeeping);
    if written.is_err() {
        let kept = |tree: &Tree| {
            tree.iter().filter(|(p, _)| !bookkeeping(p)).map(|(p, e)| (p.clone(), e.clone())).collect::<Tree>()
        };
        assert!(kept(&pre) == kept(&post), "a refused compile changed the directory");
        return;
    }
    let listed = listed.unwrap_or_default();
    for (path, text, mode) in NEW {
        assert!(
            matches!(look(&post, path), Look::Found(Entry::File(b, m)) if b == text.as_bytes() && m == mode),
            "{path}"
        );
    }
    // Nothing not provably Stave's was deleted or changed; what provably was and is gone, is.
    let proven = |path: &str, bytes: &[u8]| listed.get(path).is_some_and(|h| *h == Some(sha256(bytes)));
    for (path, entry) in pre.iter().filter(|(p, _)| !bookkeeping(p)) {
        let now = post.get(path);
        let new_text = NEW.iter().find(|(p, _, _)| p == path).map(|(_, text, _)| text.as_bytes());
        match entry {
            Entry::File(bytes, _) if now != Some(entry) => {
                let same = listed.contains_key(path) && new_text == Some(bytes.as_slice());
                assert!(proven(path, bytes) || same, "{path} was not provably Stave's, and was changed");
                assert!(new_text.is_some() || now.is_none(), "{path}");
            }
            Entry::File(bytes, _) if new_text.is_none() && matches!(look(&pre, path), Look::Found(_)) => {
                assert!(!proven(path, bytes), "{path} provably was Stave's and was left");
            }
            Entry::Dir => {
                let empty = !pre.keys().any(|p| p.starts_with(&format!("{path}/")));
                assert!(!empty || now == Some(&Entry::Dir), "the empty folder {path} was removed");
            }
            Entry::Link(_) | Entry::Other => assert_eq!(now, Some(entry), "{path}"),
            Entry::File(..) => {}
        }
    }
    let names: Vec<&String> = post.keys().filter(|p| p.starts_with(manifest::STAGING)).collect();
    assert!(names.iter().all(|p| post.get(*p) != Some(&Entry::Dir)), "a staging folder left: {names:?}");
    let Some(Entry::File(list, _)) = post.get(manifest::MANIFEST) else { panic!("no list written") };
    let list = manifest::parse(&String::from_utf8_lossy(list));
    let expected: BTreeMap<String, Option<[u8; 32]>> =
        NEW.iter().map(|(p, text, _)| (p.to_string(), Some(sha256(text.as_bytes())))).collect();
    assert!(list.listed == expected && list.ignored.is_empty(), "{list:?}");
    let again = drift::check(&new, Some(&out)).expect("the gate after a compile");
    assert!(again.changed.is_empty() && again.warnings.is_empty(), "not up to date after a compile: {again:?}");
}

/// Whether a compile of [`NEW`] into a directory in the state `pre` must succeed (`listed`:
/// what its list names, `None` when the list is not a regular file).
fn would_succeed(pre: &Tree, listed: Option<&BTreeMap<String, Option<[u8; 32]>>>) -> bool {
    let Some(listed) = listed else { return false };
    if pre.get(manifest::LOCK).is_some_and(|e| !matches!(e, Entry::File(..))) {
        return false;
    }
    if !pre.contains_key(manifest::MANIFEST) {
        let stale_staging = |p: &str, e: &Entry| p.starts_with(manifest::STAGING) && *e == Entry::Dir;
        let foreign = pre.iter().any(|(p, e)| !p.contains('/') && p != manifest::LOCK && !stale_staging(p, e));
        if foreign {
            return false;
        }
    }
    NEW.iter().all(|(path, text, _)| match look(pre, path) {
        Look::Missing => true,
        Look::Blocked | Look::Found(Entry::Link(_) | Entry::Dir | Entry::Other) => false,
        Look::Found(Entry::File(bytes, _)) => match listed.get(*path) {
            None => false,
            Some(hash) => *hash == Some(sha256(bytes)) || bytes == text.as_bytes(),
        },
    })
}

/// One change to the output directory, never made through a link (the harness itself must not
/// touch what is outside).
fn change(choices: &mut Choices, out: &Path, victim: &Path) {
    let kind = choices.byte() % 8;
    let path = *choices.pick(PATHS);
    let parts: Vec<&str> = path.split('/').collect();
    for depth in 1..parts.len() {
        match std::fs::symlink_metadata(out.join(parts[..depth].join("/"))) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return,
            Err(_) => break,
        }
    }
    let at = out.join(path);
    let exists = std::fs::symlink_metadata(&at).ok();
    let clear = |at: &Path| match std::fs::symlink_metadata(at) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(at).is_ok(),
        Ok(_) => std::fs::remove_file(at).is_ok(),
        Err(_) => at.parent().is_some_and(|p| std::fs::create_dir_all(p).is_ok()),
    };
    match kind {
        0 | 7 => {
            let text = if kind == 0 { choices.pick(CONTENTS) } else { choices.pick(OLD).1 };
            if clear(&at) {
                let _ = std::fs::write(&at, text);
            }
        }
        1 => {
            let targets = [
                victim.to_path_buf(),
                victim.join("canary.txt"),
                victim.join("header.yaml"),
                PathBuf::from("../victim"),
                PathBuf::from("../victim/canary.txt"),
                PathBuf::from("../../victim/canary.txt"),
                PathBuf::from("../victim/missing.yaml"),
                PathBuf::from("a.yaml"),
                PathBuf::from("templates"),
                PathBuf::from("."),
            ];
            let target = choices.pick(&targets).clone();
            if clear(&at) {
                let _ = std::os::unix::fs::symlink(target, &at);
            }
        }
        2 if exists.is_none() => {
            let _ = std::fs::create_dir_all(&at);
        }
        3 => {
            let _ = clear(&at);
        }
        4 | 5 => list_line(choices, out, victim, path),
        6 if clear(&at) => {
            let _ = rustix::fs::mkfifoat(rustix::fs::CWD, &at, rustix::fs::Mode::from_raw_mode(0o644));
        }
        _ => {}
    }
}

/// Appends a line to `.stave-output` (only when it is a regular file, or missing): a path of
/// [`PATHS`] or one leading out, with no hash, the hash of what is there, or another hash.
fn list_line(choices: &mut Choices, out: &Path, victim: &Path, path: &str) {
    let list = out.join(manifest::MANIFEST);
    if std::fs::symlink_metadata(&list).is_ok_and(|m| !m.is_file()) {
        return;
    }
    let absolute = victim.join("important.txt").display().to_string();
    let outside =
        ["../victim/important.txt", absolute.as_str(), "lnk/../a.yaml", "templates/../../victim/canary.txt", ""];
    let listed = if choices.byte().is_multiple_of(4) { *choices.pick(&outside) } else { path };
    let hash = match choices.byte() % 4 {
        0 => None,
        // What is there, through links (a file outside too), but never a FIFO's (it would block).
        1 => {
            let at = out.join(listed);
            let regular = std::fs::metadata(&at).is_ok_and(|m| m.is_file());
            Some(sha256(&if regular { std::fs::read(&at).unwrap_or_default() } else { Vec::new() }))
        }
        2 => Some(sha256(choices.pick(&[CANARY, "important\n", "user notes\n", "kind: C\n", ""]).as_bytes())),
        _ => Some([choices.byte(); 32]),
    };
    let line = match hash {
        Some(hash) => format!("{}  {listed}\n", manifest::to_hex(&hash)),
        None => format!("{listed}\n"),
    };
    let mut text = std::fs::read_to_string(&list).unwrap_or_default();
    text.push_str(&line);
    let _ = std::fs::write(&list, text);
}
