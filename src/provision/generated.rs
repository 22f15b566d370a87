//! Generated values (passwords, keys) stay symbolic until a target lowers them. A template's
//! `generate()` returns a marker that names what to derive (a scope, a purpose, a length); the
//! markers travel inside outputs and objects as they are, and each target lowers them its own way:
//! the Kubernetes target writes the value derived from the seed, a Helm chart derives the same
//! value at install time from a seed given then, Terraform generates it. A marker that a template
//! changed (with a filter) is an error, since no target could lower it any more.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::seed::{Seed, derive};

const OPEN: char = '\u{E000}';
const SEPARATOR: char = '\u{E001}';
const CLOSE: char = '\u{E002}';

/// What one generated value is derived from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GeneratedKey {
    /// The resource's UID, or `shared:<environment>` for a value shared by several resources.
    pub(crate) scope: String,
    /// What the value is for, as the template names it (`password`).
    pub(crate) purpose: String,
    pub(crate) length: usize,
}

impl GeneratedKey {
    /// The marker that stands for this value in text.
    pub(crate) fn marker(&self) -> String {
        format!("{OPEN}{}{SEPARATOR}{}{SEPARATOR}{}{CLOSE}", self.scope, self.purpose, self.length)
    }

    /// Whether a scope or purpose can be carried in a marker.
    pub(crate) fn valid_part(text: &str) -> bool {
        !text.contains([OPEN, SEPARATOR, CLOSE])
    }
}

/// A piece of text: literal, or a generated value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece<'a> {
    Text(&'a str),
    Generated(GeneratedKey),
}

/// Whether `text` holds a marker (or a broken piece of one).
pub(crate) fn has_marker(text: &str) -> bool {
    // The three characters are EE 80 80 to EE 80 82 in UTF-8: a scan for the lead byte first is
    // far cheaper than a search for three characters, and almost every text has none.
    text.bytes().any(|b| b == 0xEE) && text.contains([OPEN, SEPARATOR, CLOSE])
}

/// Splits text into literal pieces and markers. A broken marker is `Err` with the text.
pub(crate) fn pieces(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        if start > 0 {
            out.push(Piece::Text(&rest[..start]));
        }
        let body = &rest[start + OPEN.len_utf8()..];
        let end = body.find(CLOSE).ok_or_else(|| text.to_string())?;
        let parts: Vec<&str> = body[..end].split(SEPARATOR).collect();
        let [scope, purpose, length] = parts.as_slice() else { return Err(text.to_string()) };
        let length = length.parse().map_err(|_| text.to_string())?;
        out.push(Piece::Generated(GeneratedKey { scope: scope.to_string(), purpose: purpose.to_string(), length }));
        rest = &body[end + CLOSE.len_utf8()..];
    }
    if rest.contains([SEPARATOR, CLOSE]) {
        return Err(text.to_string());
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(Piece::Text(rest));
    }
    Ok(out)
}

/// Every marker in the strings (and keys) of a JSON value.
pub(crate) fn collect(value: &Json, found: &mut BTreeSet<GeneratedKey>, broken: &mut Vec<String>) {
    fn text(s: &str, found: &mut BTreeSet<GeneratedKey>, broken: &mut Vec<String>) {
        if !has_marker(s) {
            return;
        }
        match pieces(s) {
            Ok(pieces) => found.extend(pieces.into_iter().filter_map(|p| match p {
                Piece::Generated(key) => Some(key),
                Piece::Text(_) => None,
            })),
            Err(text) => broken.push(text),
        }
    }
    match value {
        Json::String(s) => text(s, found, broken),
        Json::Array(items) => items.iter().for_each(|v| collect(v, found, broken)),
        Json::Object(map) => {
            for (k, v) in map {
                text(k, found, broken);
                collect(v, found, broken);
            }
        }
        _ => {}
    }
}

/// Replaces every marker in the strings of a JSON value, with `lower(key)`.
pub(crate) fn replace(value: &mut Json, lower: &dyn Fn(&GeneratedKey) -> String) {
    match value {
        Json::String(s) if has_marker(s) => {
            if let Ok(parts) = pieces(s) {
                *s = parts
                    .into_iter()
                    .map(|p| match p {
                        Piece::Text(t) => t.to_string(),
                        Piece::Generated(key) => lower(&key),
                    })
                    .collect();
            }
        }
        Json::Array(items) => items.iter_mut().for_each(|v| replace(v, lower)),
        Json::Object(map) => map.values_mut().for_each(|v| replace(v, lower)),
        _ => {}
    }
}

/// The values derived from the seed for every generated value of a compile: what the Kubernetes
/// target writes.
#[derive(Debug, Default)]
pub(crate) struct Generated {
    values: BTreeMap<GeneratedKey, String>,
}

impl Generated {
    pub(crate) fn derive(keys: impl IntoIterator<Item = GeneratedKey>, seed: &Seed) -> Generated {
        use rayon::prelude::*;
        let keys: Vec<GeneratedKey> = keys.into_iter().collect();
        let values = keys
            .into_par_iter()
            .map(|key| {
                let value = derive(&seed.key(&key.scope), &key.purpose, key.length);
                (key, value)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        Generated { values }
    }

    pub(crate) fn value(&self, key: &GeneratedKey) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// `text` with every marker replaced by its derived value.
    pub(crate) fn substitute(&self, value: &mut Json) {
        replace(value, &|key| self.value(key).unwrap_or_default().to_string());
    }
}

/// `text` with every marker shown in words, for messages (a message never shows a value, or a
/// marker's private-use characters).
pub(crate) fn describe_text(text: &str) -> String {
    let mut value = Json::String(text.to_string());
    describe(&mut value);
    match value {
        Json::String(described) if !has_marker(&described) => described,
        _ => text.replace([OPEN, SEPARATOR, CLOSE], "?"),
    }
}

/// `value` with every marker shown in words, for views that print provisioned objects.
pub(crate) fn describe(value: &mut Json) {
    replace(value, &|key| format!("<generated {} of {}, {} characters>", key.purpose, key.scope, key.length));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_round_trip_inside_text() {
        let key = GeneratedKey { scope: "postgres.default#web.db".into(), purpose: "password".into(), length: 32 };
        let text = format!("postgres://app:{}@db:5432/app", key.marker());
        let parts = pieces(&text).unwrap();
        assert_eq!(parts, [Piece::Text("postgres://app:"), Piece::Generated(key.clone()), Piece::Text("@db:5432/app")]);
        assert_eq!(pieces("plain").unwrap(), [Piece::Text("plain")]);
        let broken = key.marker().replace(CLOSE, "");
        assert!(pieces(&broken).is_err());
        let mut json = Json::String(text);
        replace(&mut json, &|k| k.purpose.to_uppercase());
        assert_eq!(json, "postgres://app:PASSWORD@db:5432/app");
    }
}
