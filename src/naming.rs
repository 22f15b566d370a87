//! Names that every layer derives the same way: DNS labels made from free text, names shortened
//! deterministically to a length limit (the end replaced by a hash of the whole, so two long
//! names stay apart), and short content hashes.

use sha2::{Digest, Sha256};

/// Lowercase letters, digits and `-`, at most 63 characters, starting and ending alphanumeric.
pub(crate) fn dns_label(text: &str) -> String {
    let lowered: String =
        text.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let trimmed: String = lowered.trim_matches('-').chars().take(63).collect();
    trimmed.trim_end_matches('-').to_string()
}

/// The first `length` hex digits of the SHA-256 of `text`.
pub(crate) fn short_hash(text: &str, length: usize) -> String {
    let hex: String = Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    hex[..length.min(64)].to_string()
}

/// `name` if it has at most `max` characters; else its start and an 8-digit hash of all of it,
/// `max` characters in all. The same name always gives the same result.
pub(crate) fn fit(name: &str, max: usize) -> String {
    if name.chars().count() <= max || max < 10 {
        return name.to_string();
    }
    let start: String = name.chars().take(max - 9).collect();
    format!("{}-{}", start.trim_end_matches(['-', '.']), short_hash(name, 8))
}

/// `name` as a string that lives as long as the process, allocated once for each distinct name:
/// for the few names a platform file or a target program introduces (external targets, their
/// diagnostic codes) where a `Copy` value must carry them.
pub(crate) fn intern(name: &str) -> &'static str {
    static NAMES: std::sync::Mutex<std::collections::BTreeSet<&'static str>> =
        std::sync::Mutex::new(std::collections::BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.to_owned().into_boxed_str());
    names.insert(leaked);
    leaked
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_shortens_deterministically() {
        assert_eq!(fit("short", 52), "short");
        let long = "inventory-reconciliation-service-for-the-warehouse-team-eu-one";
        let fitted = fit(long, 52);
        assert!(fitted.len() <= 52, "{fitted}");
        assert_eq!(fitted, fit(long, 52));
        assert_ne!(fitted, fit(&long.replace("one", "two"), 52));
    }
}
