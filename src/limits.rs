//! The limits on what one compile may grow to: the size of one value once its placeholders are
//! expanded, what placeholders may add to one workload in all, and the total size of the files a
//! target emits. A workload file is untrusted input; without these, one placeholder read a
//! hundred thousand times turns a few megabytes into terabytes. The platform file sets them
//! (`limits:`); the defaults hold every real workload with room to spare.

use serde::{Deserialize, Deserializer, Serialize};

/// One mebibyte.
const MI: u64 = 1 << 20;

/// The limits of a compile, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    /// The largest one string value may be once its placeholders are expanded (Kubernetes keeps
    /// a whole object, and a ConfigMap's data, under about 1 MiB).
    #[serde(default = "default_value_size", deserialize_with = "quantity")]
    pub(crate) value_size: u64,
    /// What placeholders may add to one workload, over all its values.
    #[serde(default = "default_workload_expansion", deserialize_with = "quantity")]
    pub(crate) workload_expansion: u64,
    /// The total size of the files one compile emits.
    #[serde(default = "default_output_size", deserialize_with = "quantity")]
    pub(crate) output_size: u64,
}

fn default_value_size() -> u64 {
    MI
}

fn default_workload_expansion() -> u64 {
    8 * MI
}

fn default_output_size() -> u64 {
    2048 * MI
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            value_size: default_value_size(),
            workload_expansion: default_workload_expansion(),
            output_size: default_output_size(),
        }
    }
}

/// The names of the settings, as the platform file writes them.
pub(crate) const VALUE_SIZE: &str = "limits.valueSize";
pub(crate) const WORKLOAD_EXPANSION: &str = "limits.workloadExpansion";
pub(crate) const OUTPUT_SIZE: &str = "limits.outputSize";

/// A size as the platform file writes it: a number of bytes, or a string with a binary suffix
/// (`512Ki`, `1Mi`, `2Gi`), as Kubernetes quantities are written.
fn quantity<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Bytes(u64),
        Text(String),
    }
    match Written::deserialize(deserializer)? {
        Written::Bytes(bytes) => Ok(bytes),
        Written::Text(text) => parse_quantity(&text).ok_or_else(|| {
            serde::de::Error::custom(format!("`{text}` is not a size: write bytes, or a number with Ki, Mi or Gi"))
        }),
    }
}

/// `1Mi` as 1,048,576; `None` when it is not a size.
pub(crate) fn parse_quantity(text: &str) -> Option<u64> {
    let (digits, unit) = match text.len().checked_sub(2).map(|at| text.split_at(at)) {
        Some((digits, "Ki")) => (digits, 1 << 10),
        Some((digits, "Mi")) => (digits, 1 << 20),
        Some((digits, "Gi")) => (digits, 1 << 30),
        _ => (text, 1),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u64>().ok()?.checked_mul(unit)
}

/// A size for people: `1 MiB`, `512 KiB`, `1,000 bytes`.
pub(crate) fn describe(bytes: u64) -> String {
    for (unit, name) in [(1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    let digits = bytes.to_string();
    let mut grouped = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("{grouped} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_read_as_kubernetes_writes_them() {
        assert_eq!(parse_quantity("64"), Some(64));
        assert_eq!(parse_quantity("512Ki"), Some(512 << 10));
        assert_eq!(parse_quantity("1Mi"), Some(1 << 20));
        assert_eq!(parse_quantity("2Gi"), Some(2 << 30));
        for bad in ["", "Mi", "1.5Mi", "-1", "1MB", "1 Mi", "99999999999999999999Gi"] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
        assert_eq!(describe(1 << 20), "1 MiB");
        assert_eq!(describe(1_234_567), "1,234,567 bytes");
        let limits: Limits =
            serde_json::from_value(serde_json::json!({"valueSize": "2Mi", "outputSize": 1000})).expect("limits");
        assert_eq!(limits, Limits { value_size: 2 << 20, output_size: 1000, ..Limits::default() });
    }
}
