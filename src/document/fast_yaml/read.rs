//! A fast reader for the YAML that object templates render: block mappings and sequences whose
//! values are JSON (what `tojson` and auto-escaping write) or simple plain words and integers.
//! [`parse`] returns `None` as soon as the text leaves that subset (comments after values, block
//! scalars, quoting it does not know, anchors, tags, floats, duplicate keys, several documents),
//! and the caller reads the text with serde-saphyr instead; where it returns a value, it is the
//! value serde-saphyr reads (`tests/it/fast_yaml.rs` checks it against serde-saphyr on what the
//! fixtures' and corpus's templates render).

use serde_json::Value as Json;

use crate::document::exact;

/// The value of `text`, or `None` when it is not in the subset.
pub fn parse(text: &str) -> Option<Json> {
    let mut lines = Vec::new();
    for raw in text.split('\n') {
        let content = raw.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') || raw.ends_with([' ', '\t', '\r']) {
            return None;
        }
        if content.starts_with("---") || content.starts_with("...") || content.starts_with('%') {
            return None;
        }
        lines.push(Line { indent: raw.len() - content.len(), text: content });
    }
    if lines.is_empty() {
        return None;
    }
    let mut reader = Reader { lines, pos: 0 };
    let indent = reader.lines[0].indent;
    let value = reader.block(indent)?;
    (reader.pos == reader.lines.len()).then_some(value)
}

#[derive(Debug, Clone, Copy)]
struct Line<'a> {
    indent: usize,
    text: &'a str,
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    pos: usize,
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// A plain word: a letter, then letters, digits and `._/-`; never a word YAML might read as
/// anything but text.
fn is_word(text: &str) -> bool {
    const RESERVED: [&str; 12] =
        ["true", "false", "null", "yes", "no", "on", "off", "y", "n", "inf", "nan", "infinity"];
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || "._/-".contains(c))
        && !RESERVED.iter().any(|r| text.eq_ignore_ascii_case(r))
}

/// `key: value` or `key:` with a plain key: the key and the rest.
fn entry(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(':')?;
    let (key, rest) = (&text[..colon], &text[colon + 1..]);
    if !is_word(key) || !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some((key, rest.trim_start_matches(' ')))
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<Line<'a>> {
        self.lines.get(self.pos).copied()
    }

    fn block(&mut self, indent: usize) -> Option<Json> {
        let line = self.peek()?;
        if is_item(line.text) { self.sequence(indent) } else { self.mapping(indent) }
    }

    /// The value after `key:` or `-` with nothing on the line: a deeper block, an indentless
    /// sequence (for a mapping's value), or null.
    fn nested(&mut self, indent: usize, indentless: bool) -> Option<Json> {
        match self.peek() {
            Some(next) if next.indent > indent => self.block(next.indent),
            Some(next) if indentless && next.indent == indent && is_item(next.text) => self.sequence(indent),
            _ => Some(Json::Null),
        }
    }

    /// A scalar on its line; the next line may not continue it.
    fn scalar_line(&mut self, text: &str, indent: usize) -> Option<Json> {
        let value = scalar(text)?;
        self.pos += 1;
        match self.peek() {
            Some(next) if next.indent > indent => None,
            _ => Some(value),
        }
    }

    fn sequence(&mut self, indent: usize) -> Option<Json> {
        let mut items = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent || (line.indent == indent && !is_item(line.text)) {
                break;
            }
            if line.indent > indent {
                return None;
            }
            if line.text == "-" {
                self.pos += 1;
                items.push(self.nested(indent, false)?);
                continue;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            let column = indent + (line.text.len() - rest.len());
            if is_item(rest) {
                return None;
            }
            if !rest.starts_with(['"', '{', '[']) && entry(rest).is_some() {
                // A mapping that starts on the item's line, its keys at `column`.
                self.lines[self.pos] = Line { indent: column, text: rest };
                items.push(self.mapping(column)?);
            } else {
                items.push(self.scalar_line(rest, indent)?);
            }
        }
        Some(exact::array(items))
    }

    fn mapping(&mut self, indent: usize) -> Option<Json> {
        let mut entries = Vec::new();
        while let Some(line) = self.peek() {
            if line.indent < indent {
                break;
            }
            if line.indent > indent || is_item(line.text) {
                return None;
            }
            let (key, rest) = entry(line.text)?;
            let value = if rest.is_empty() {
                self.pos += 1;
                self.nested(indent, true)?
            } else {
                self.scalar_line(rest, indent)?
            };
            entries.push((key.to_string(), value));
        }
        exact::map(entries)
    }
}

/// A value on one line: JSON, `true`, `false`, `null`, an integer, or a plain word.
fn scalar(text: &str) -> Option<Json> {
    // A JSON string with nothing to unescape is its inner text (what most `tojson` writes).
    if let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'))
        && inner.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\')
    {
        return Some(Json::String(inner.to_string()));
    }
    if text.starts_with(['"', '{', '[']) {
        // Strict: no duplicate keys, fractions or integers beyond i64 (serde-saphyr may read
        // those otherwise).
        return exact::parse_strict(text).or_else(|| words(text));
    }
    match text {
        "true" => return Some(Json::Bool(true)),
        "false" => return Some(Json::Bool(false)),
        "null" | "~" => return Some(Json::Null),
        _ => {}
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        if digits.len() > 1 && digits.starts_with('0') || digits.len() > 18 || text == "-0" {
            return None;
        }
        return text.parse::<i64>().ok().map(Json::from);
    }
    is_word(text).then(|| Json::String(text.to_string()))
}

/// A flow sequence of plain words: `[Ingress, Egress]`.
fn words(text: &str) -> Option<Json> {
    let inner = text.strip_prefix('[')?.strip_suffix(']')?;
    inner
        .split(',')
        .map(|word| {
            let word = word.trim_matches(' ');
            is_word(word).then(|| Json::String(word.to_string()))
        })
        .collect::<Option<Vec<_>>>()
        .map(Json::Array)
}

#[cfg(test)]
mod tests {
    use super::parse;

    fn same(text: &str) {
        let slow: serde_json::Value = serde_saphyr::from_str(text).unwrap();
        assert_eq!(parse(text), Some(slow), "{text}");
    }

    #[test]
    fn reads_what_templates_render_as_serde_saphyr_does() {
        same(
            "- apiVersion: v1\n  kind: Secret\n  metadata:\n    name: \"db\"\n    \
            labels: {\"a/b\": \"x\", \"n\": 1}\n  stringData: {\"password\": \"\\u00e9\"}\n",
        );
        same(
            "- a: 1\n  ports:\n  - {\"port\": 5432}\n  - 80\n  empty:\n  list: []\n  map: {}\n- b: true\n  c: null\n  \
            d: -3\n",
        );
        same("list:\n-\n  - v1\n-\n- x\nx: z\n");
        same("policyTypes: [Ingress, Egress]\nb: [a,b-c/d]\n");
        same("# comment\na:\n  b:\n    - c: d\n      e: apps/v1\n  f: \"5432\"\n");
    }

    #[test]
    fn leaves_everything_else_to_serde_saphyr() {
        for text in [
            "a: 1.5\n",
            "a: yes\n",
            "a: 0123\n",
            "a: \"x\" # comment\n",
            "a: |\n  text\n",
            "a: &x 1\nb: *x\n",
            "a: !tag 1\n",
            "a: 1\na: 2\n",
            "a: {\"k\": 1, \"k\": 2}\n",
            "a: 'single'\n",
            "a: b: c\n",
            "a: plain text\n",
            "---\na: 1\n",
            "a:\n\tb: 1\n",
            "a: 1\n  b: 2\n",
            "- a\n  b\n",
            "\"key\": 1\n",
            "a: [1,\n  2]\n",
            "a: [x y]\n",
            "a: [x, [y]]\n",
            "a: [x, ]\n",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
