//! Deterministic generated values (passwords, suffixes) with no state file.
//!
//! A value is derived from a seed, the resource's UID and a purpose (`password`, …) with
//! SHA-256, so the same inputs and seed give the same bytes on every run and machine. The seed
//! comes from `STAVE_SEED`, else from the file `.stave/seed` next to the platform file (or in the
//! current directory); neither is meant to be committed. With no seed, a fixed development seed
//! is used and a warning says so: such values are public and fit only for development.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Where the seed came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedOrigin {
    Environment,
    File(PathBuf),
    Development,
}

#[derive(Debug, Clone)]
pub struct Seed {
    secret: Vec<u8>,
    pub origin: SeedOrigin,
}

pub const SEED_VARIABLE: &str = "STAVE_SEED";
pub const SEED_FILE: &str = ".stave/seed";

impl Seed {
    /// The seed for a run whose platform file (or current directory) is in `base_dir`.
    pub fn locate(base_dir: &Path) -> Seed {
        if let Some(value) = std::env::var_os(SEED_VARIABLE).filter(|v| !v.is_empty()) {
            return Seed { secret: value.into_encoded_bytes(), origin: SeedOrigin::Environment };
        }
        let file = base_dir.join(SEED_FILE);
        if let Ok(bytes) = std::fs::read(&file)
            && !bytes.trim_ascii().is_empty()
        {
            return Seed { secret: bytes.trim_ascii().to_vec(), origin: SeedOrigin::File(file) };
        }
        Seed::development()
    }

    pub fn development() -> Seed {
        Seed { secret: b"stave development seed: not secret".to_vec(), origin: SeedOrigin::Development }
    }

    pub fn from_text(text: &str) -> Seed {
        Seed { secret: text.as_bytes().to_vec(), origin: SeedOrigin::Environment }
    }

    /// The key for one scope (a resource UID, or a name shared by several resources).
    pub fn key(&self, scope: &str) -> String {
        let mut hasher = Sha256::new();
        hasher.update(b"stave/v1\0");
        hasher.update(&self.secret);
        hasher.update(b"\0");
        hasher.update(scope.as_bytes());
        hex(&hasher.finalize())
    }
}

/// `length` characters of `[A-Za-z0-9]` derived from a key and a purpose.
pub fn derive(key: &str, purpose: &str, length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(length);
    let mut counter: u32 = 0;
    while out.len() < length {
        let mut hasher = Sha256::new();
        hasher.update(key.as_bytes());
        hasher.update(b"\0");
        hasher.update(purpose.as_bytes());
        hasher.update(counter.to_be_bytes());
        for byte in hasher.finalize() {
            // 248 = 4 * 62: rejecting the rest keeps every character equally likely.
            if byte < 248 && out.len() < length {
                out.push(ALPHABET[(byte % 62) as usize] as char);
            }
        }
        counter += 1;
    }
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
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
