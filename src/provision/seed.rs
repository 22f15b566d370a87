//! Deterministic generated values (passwords, suffixes) with no state file.
//!
//! A value is derived from a seed, the resource's UID and a purpose (`password`, …) with
//! SHA-256, so the same inputs and seed give the same bytes on every run and machine. The
//! derivation uses only text and hexadecimal digests, so a Helm chart computes the same values
//! at install time with Sprig's `sha256sum` (see `targets/helm`):
//!
//! - key(scope) = hex(SHA-256("stave/v2\n" + seed + "\n" + scope))
//! - value(key, purpose, length) = the first `length` characters of
//!   hex(SHA-256(key + "\n" + purpose + "\n0")) + hex(SHA-256(key + "\n" + purpose + "\n1")) + …
//!
//! The seed comes from `STAVE_SEED`, else from the file `.stave/seed` next to the platform file (or in the
//! current directory); neither is meant to be committed. With no seed, a fixed development seed
//! is used and a warning says so: such values are public and fit only for development.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Where the seed came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SeedOrigin {
    Environment,
    File(PathBuf),
    Development,
}

#[derive(Debug, Clone)]
pub struct Seed {
    secret: Vec<u8>,
    pub(crate) origin: SeedOrigin,
}

pub(crate) const SEED_VARIABLE: &str = "STAVE_SEED";
pub(crate) const SEED_FILE: &str = ".stave/seed";

impl Seed {
    /// The seed for a run whose platform file (or current directory) is in `base_dir`, given
    /// the value of `STAVE_SEED`.
    pub(crate) fn locate(variable: Option<&std::ffi::OsStr>, base_dir: &Path) -> Seed {
        if let Some(value) = variable.filter(|v| !v.is_empty()) {
            return Seed { secret: value.as_encoded_bytes().to_vec(), origin: SeedOrigin::Environment };
        }
        let file = base_dir.join(SEED_FILE);
        if let Ok(bytes) = std::fs::read(&file)
            && !bytes.trim_ascii().is_empty()
        {
            return Seed { secret: bytes.trim_ascii().to_vec(), origin: SeedOrigin::File(file) };
        }
        Seed::development()
    }

    pub(crate) fn development() -> Seed {
        Seed { secret: b"stave development seed: not secret".to_vec(), origin: SeedOrigin::Development }
    }

    pub fn from_text(text: &str) -> Seed {
        Seed { secret: text.as_bytes().to_vec(), origin: SeedOrigin::Environment }
    }

    /// The key for one scope (a resource UID, or a name shared by several resources).
    pub fn key(&self, scope: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"stave/v2\n");
        hasher.update(&self.secret);
        hasher.update(b"\n");
        hasher.update(scope.as_bytes());
        hex(&hasher.finalize())
    }
}

/// `length` lowercase hexadecimal digits (4 bits each) derived from a key and a purpose.
pub fn derive(key: &str, purpose: &str, length: usize) -> String {
    let mut out = String::with_capacity(length + 64);
    let mut counter: u32 = 0;
    while out.len() < length {
        out.push_str(&hex(&Sha256::digest(format!("{key}\n{purpose}\n{counter}").as_bytes())));
        counter += 1;
    }
    out.truncate(length);
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derivation_is_stable_and_depends_on_every_input() {
        let seed = Seed::from_text("s1");
        let a = derive(&seed.key("postgres.default#web.db"), "password", 24);
        assert_eq!(a.len(), 24);
        assert_eq!(a, derive(&seed.key("postgres.default#web.db"), "password", 24));
        assert_ne!(a, derive(&seed.key("postgres.default#web.db2"), "password", 24));
        assert_ne!(a, derive(&seed.key("postgres.default#web.db"), "username", 24));
        assert_ne!(a, derive(&Seed::from_text("s2").key("postgres.default#web.db"), "password", 24));
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(derive("k", "p", 100).len(), 100);
        assert!(derive("k", "p", 100).starts_with(&derive("k", "p", 64)));
    }

    /// The derivation, spelled out with a known digest: what the Helm chart recomputes.
    #[test]
    fn derivation_is_the_documented_text_hash() {
        let key = Seed::from_text("s").key("scope");
        let expected_key = hex(&Sha256::digest(b"stave/v2\ns\nscope"));
        assert_eq!(key, expected_key);
        let value = derive(&key, "password", 8);
        assert_eq!(value, hex(&Sha256::digest(format!("{key}\npassword\n0").as_bytes()))[..8]);
    }
}
