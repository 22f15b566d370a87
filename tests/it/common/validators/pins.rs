//! Every validator download is pinned by its hash: a file fetched by `npm pack` is checked against a
//! sha256 constant before use ([`verify_sha256`]); pip installs and downloads only from the files in
//! `tests/validators/requirements/` (every package, transitive ones included, at an exact version
//! with its sha256s) with `--require-hashes` ([`pip_install`]); and `npm ci` installs from a lockfile
//! whose every package carries a sha512 `integrity`, which npm checks ([`check_npm_lockfile`]).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use super::install;

/// `tests/validators/requirements/NAME.txt`: a pinned requirements file (see `compile.sh` there).
pub fn requirements(name: &str) -> PathBuf {
    super::script("requirements").join(format!("{name}.txt"))
}

/// The sha256 of a file's bytes, as 64 lowercase hex digits.
pub fn sha256_file(path: &Path) -> Result<String, String> {
    let mut file = std::fs::File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0_u8; 1 << 16];
    loop {
        let read = file.read(&mut buffer).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
    }
    Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}

/// `Ok` when `path` (the download of `package`) has the sha256 `expected`; else `Err` naming the
/// package, the expected and the found hash.
pub fn verify_sha256(package: &str, path: &Path, expected: &str) -> Result<(), String> {
    let found = sha256_file(path)?;
    if found == expected {
        Ok(())
    } else {
        Err(format!(
            "hash mismatch for {package}: expected sha256 {expected}, found sha256 {found} ({}). The \
             registry served other bytes than the pinned ones; nothing was unpacked. If the new bytes \
             are trusted, update the pinned sha256.",
            path.display()
        ))
    }
}

/// One package of a pinned requirements file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pinned {
    /// The name as PyPI compares it (lowercase, runs of `-_.` as one `-`).
    pub name: String,
    pub version: String,
    /// The sha256 of each file of that release pip may pick, 64 hex digits each.
    pub hashes: Vec<String>,
    /// The requirement as written (`NAME==VERSION`, with any marker), for a one-package file.
    pub line: String,
}

/// PyPI's normal form of a project name.
pub fn normalize(name: &str) -> String {
    let mut normal = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !normal.ends_with('-') {
                normal.push('-');
            }
        } else {
            normal.push(c.to_ascii_lowercase());
        }
    }
    normal
}

/// Parses a pinned requirements file: each requirement is `NAME==VERSION` (an optional `; marker`)
/// followed by one or more `--hash=sha256:HEX`, lines joined by a trailing `\`. Anything else (an
/// option line, a requirement with no hash or no exact version, a malformed hash) is an error
/// located at its line.
pub fn parse_requirements(text: &str) -> Result<Vec<Pinned>, String> {
    let mut pinned = Vec::new();
    let mut logical = String::new();
    let mut first_line = 0;
    for (index, raw) in text.lines().enumerate() {
        let line = match raw.find(" #") {
            Some(at) => &raw[..at],
            None if raw.trim_start().starts_with('#') => "",
            None => raw,
        };
        if logical.is_empty() {
            first_line = index + 1;
        }
        let (body, continues) = match line.trim_end().strip_suffix('\\') {
            Some(body) => (body, true),
            None => (line, false),
        };
        logical.push(' ');
        logical.push_str(body.trim());
        if !continues {
            if !logical.trim().is_empty() {
                pinned.push(parse_requirement(logical.trim()).map_err(|e| format!("line {first_line}: {e}"))?);
            }
            logical.clear();
        }
    }
    if !logical.trim().is_empty() {
        return Err(format!("line {first_line}: the file ends inside a continued line"));
    }
    Ok(pinned)
}

fn parse_requirement(logical: &str) -> Result<Pinned, String> {
    if logical.starts_with('-') {
        return Err(format!("`{logical}`: options are not allowed in a pinned file, only NAME==VERSION --hash=…"));
    }
    let (requirement, hashes) = match logical.find("--hash=") {
        Some(at) => (logical[..at].trim(), &logical[at..]),
        None => (logical, ""),
    };
    let spec = requirement.split(';').next().unwrap_or_default().trim();
    let Some((name, version)) = spec.split_once("==") else {
        return Err(format!("`{requirement}` is not pinned to an exact version (NAME==VERSION)"));
    };
    let (name, version) = (name.trim(), version.trim());
    let exact = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-_.+!".contains(c));
    if !exact(name) || !exact(version) {
        return Err(format!("`{requirement}` is not pinned to an exact version (NAME==VERSION)"));
    }
    let mut digests = Vec::new();
    for token in hashes.split_whitespace() {
        let digest = token
            .strip_prefix("--hash=sha256:")
            .filter(|hex| hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()))
            .ok_or_else(|| format!("{name}: `{token}` is not --hash=sha256:<64 hex digits>"))?;
        digests.push(digest.to_ascii_lowercase());
    }
    if digests.is_empty() {
        return Err(format!("{name}=={version} has no --hash=sha256:…; every package must be pinned by its hash"));
    }
    Ok(Pinned { name: normalize(name), version: version.to_string(), hashes: digests, line: requirement.to_string() })
}

/// [`parse_requirements`] of a file, errors prefixed with its path.
pub fn read_requirements(path: &Path) -> Result<Vec<Pinned>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_requirements(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Installs exactly the pinned file `requirements` into the venv `venv`: `pip install
/// --require-hashes --no-deps --only-binary :all:` (pip refuses any file whose sha256 is not
/// pinned, naming the package and both hashes), then `pip check` (no dependency left out).
pub fn pip_install(venv: &Path, requirements: &Path) -> Result<(), String> {
    read_requirements(requirements)?;
    let pip = venv.join("bin/pip");
    install::run(
        Command::new(&pip)
            .args(["install", "--quiet", "--disable-pip-version-check", "--no-input"])
            .args(["--require-hashes", "--no-deps", "--only-binary", ":all:", "-r"])
            .arg(requirements),
    )?;
    install::run(Command::new(&pip).args(["check", "--disable-pip-version-check"])).map(drop)
}

/// Checks an npm lockfile (v2 or v3) gives every package a sha512 `integrity` (which `npm ci`
/// verifies each download against); `Ok` holds how many packages it pins.
pub fn check_npm_lockfile(path: &Path) -> Result<usize, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let lock: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    let packages = lock
        .get("packages")
        .and_then(serde_json::Value::as_object)
        .ok_or_else(|| format!("{}: no `packages` (lockfileVersion 2 or 3 expected)", path.display()))?;
    let mut count = 0;
    for (key, entry) in packages.iter().filter(|(key, _)| !key.is_empty()) {
        let integrity = entry.get("integrity").and_then(serde_json::Value::as_str).unwrap_or_default();
        if !integrity.starts_with("sha512-") {
            return Err(format!("{}: {key} has no sha512 integrity, so npm ci would not check it", path.display()));
        }
        count += 1;
    }
    Ok(count)
}
