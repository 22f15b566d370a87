//! A fast writer for emitted objects: byte for byte what serde-saphyr writes for them. It writes
//! block mappings and sequences (a sequence's items at its key's indentation), `{}` and `[]`,
//! integers, and strings plain when they are unambiguous words; any other string is written as
//! serde-saphyr writes it alone (a block scalar's lines moved to their place). An object with
//! anything else (a key that is not a plain word, a float, a sequence in a sequence) gives
//! `None`, and the caller serializes it with serde-saphyr. `tests/it/fast_yaml.rs` checks it against
//! serde-saphyr on every object the fixtures and the corpus emit.

use serde_json::{Map, Value as Json};

use crate::spool::Blob;

/// What a string is written as, when the caller writes something else in its place (generated
/// values, held as markers until written): `None` writes the string as it is.
pub(crate) type Substitute<'a> = &'a dyn Fn(&str) -> Option<String>;

/// `start`, then the YAML of `object` (a mapping), each string passed through `substitute`;
/// `None` when it needs serde-saphyr.
pub fn write(start: &str, object: &Json, substitute: Substitute<'_>) -> Option<Blob> {
    let Json::Object(map) = object else { return None };
    if map.is_empty() {
        return None;
    }
    thread_local! {
        /// Written into a buffer each thread reuses, then spooled (a compile holds every
        /// document until the output is written).
        static BUFFER: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
    }
    BUFFER.with_borrow_mut(|out| {
        out.clear();
        out.push_str(start);
        Writer { out, substitute }.entries(map, 0, false)?;
        Some(Blob::new(out.as_bytes()))
    })
}

struct Writer<'a> {
    out: &'a mut String,
    substitute: Substitute<'a>,
}

impl Writer<'_> {
    fn indent(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }

    /// A mapping's entries at `indent`; with `inline`, the first starts where the cursor is (after
    /// a sequence's `- `).
    fn entries(&mut self, map: &Map<String, Json>, indent: usize, inline: bool) -> Option<()> {
        for (i, (key, value)) in map.iter().enumerate() {
            if !plain_word(key) {
                return None;
            }
            if i > 0 || !inline {
                self.indent(indent);
            }
            self.out.push_str(key);
            self.out.push(':');
            match value {
                Json::Object(inner) if inner.is_empty() => self.out.push_str(" {}\n"),
                Json::Object(inner) => {
                    self.out.push('\n');
                    self.entries(inner, indent + 2, false)?;
                }
                Json::Array(items) if items.is_empty() => self.out.push_str(" []\n"),
                Json::Array(items) => {
                    self.out.push('\n');
                    self.items(items, indent)?;
                }
                scalar => {
                    self.out.push(' ');
                    self.scalar(scalar, indent + 2)?;
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }

    /// A sequence's items at `indent`.
    fn items(&mut self, items: &[Json], indent: usize) -> Option<()> {
        for item in items {
            self.indent(indent);
            self.out.push_str("- ");
            match item {
                Json::Object(inner) if inner.is_empty() => self.out.push_str("{}\n"),
                Json::Object(inner) => self.entries(inner, indent + 2, true)?,
                Json::Array(_) => return None,
                scalar => {
                    self.scalar(scalar, indent + 2)?;
                    self.out.push('\n');
                }
            }
        }
        Some(())
    }

    /// A scalar where the cursor is; a block scalar's lines at `block_indent`.
    fn scalar(&mut self, value: &Json, block_indent: usize) -> Option<()> {
        match value {
            Json::Null => self.out.push_str("null"),
            Json::Bool(true) => self.out.push_str("true"),
            Json::Bool(false) => self.out.push_str("false"),
            Json::Number(number) if number.is_i64() || number.is_u64() => self.out.push_str(&number.to_string()),
            Json::String(text) => match (self.substitute)(text) {
                Some(replaced) => self.string(&replaced, block_indent)?,
                None => self.string(text, block_indent)?,
            },
            _ => return None,
        }
        Some(())
    }

    /// A string as serde-saphyr writes it alone: one line as it is; a block scalar (`|`, `|-`,
    /// `>-`, …) with its lines moved from serde-saphyr's two spaces to `block_indent` (empty lines
    /// stay empty), which is what serde-saphyr writes in place.
    fn string(&mut self, text: &str, block_indent: usize) -> Option<()> {
        if plain_word(text) {
            self.out.push_str(text);
            return Some(());
        }
        let alone = serde_saphyr::to_string(&text).ok()?;
        let mut lines = alone.strip_suffix('\n')?.split('\n');
        let first = lines.next()?;
        self.out.push_str(first);
        if !first.starts_with(['>', '|']) {
            return lines.next().is_none().then_some(());
        }
        for line in lines {
            self.out.push('\n');
            if !line.is_empty() {
                self.indent(block_indent);
                self.out.push_str(line.strip_prefix("  ")?);
            }
        }
        Some(())
    }
}

/// A word YAML reads as this very string and serde-saphyr writes plain: a letter, then letters,
/// digits, `-`, `_`, `.` and `/`, short enough never to be folded, and none of the words YAML
/// 1.1 or 1.2 reads as a boolean, null or number.
fn plain_word(text: &str) -> bool {
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "nan", "infinity"];
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() < 64
        && bytes[0].is_ascii_alphabetic()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'))
        && !WORDS.iter().any(|w| w.eq_ignore_ascii_case(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_serde_saphyr_writes() {
        let object = serde_json::json!({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "db-1", "labels": {"app.kubernetes.io/name": "db", "tier": "yes"}, "annotations": {}},
            "spec": {"ports": [{"name": "pg", "port": 5432, "targetPort": "pg"}], "selector": {"a": "512Mi"},
                     "list": [], "strings": ["1", "with: colon", "ghcr.io/x/app:1.0", "", "#x", "-x", "2024-01-01"],
                     "maps": [{}, {"b": {"c": [{"d": null}]}, "e": true}], "count": -3,
                     "blocks": ["a\nb\n", "a\nb", "a\n\n  b\n", "  a\nb\n", "a\nb\n\n", "x".repeat(90), {"f": "a\nb"}]}
        });
        let written = write("", &object, &|_| None).map(|blob| blob.bytes().into_owned());
        assert_eq!(written.as_deref(), Some(serde_saphyr::to_string(&object).unwrap().as_bytes()));
    }

    #[test]
    fn leaves_the_rest_to_serde_saphyr() {
        for object in [
            serde_json::json!({"y": 1}),
            serde_json::json!({"a": 1.5}),
            serde_json::json!({"a": [[1]]}),
            serde_json::json!({"1a": 1}),
        ] {
            assert_eq!(write("", &object, &|_| None), None, "{object}");
        }
    }
}
