//! Workload text in the chart's files, always as data: JSON text (a YAML double-quoted scalar and
//! a Go string literal alike) that holds only characters every YAML reader prints, the others
//! escaped; which strings Go's `toJson` would render with a character YAML refuses (those are
//! rendered with `quote` instead); and Markdown code spans that stay inside their table cell.

use serde_json::Value as Json;

/// Whether `c` must be written as an escape: it is outside YAML's printable set (tab, LF, CR,
/// U+0020-U+007E, U+0085, U+00A0-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF), or a YAML 1.1 reader
/// takes it for a line break (NEL, LS, PS) or a byte order mark.
pub(crate) fn must_escape(c: char) -> bool {
    !matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}')
}

/// `value` as JSON text with every character [`must_escape`] holds written `\uXXXX` (serde_json
/// escapes only those below U+0020; the rest, found only inside strings, are escaped here). The
/// same text for any value without them.
pub(crate) fn json(value: &Json) -> String {
    escape_json(value.to_string())
}

/// A string as a double-quoted scalar that YAML and Go templates read back as `text`.
pub(crate) fn quote(text: &str) -> String {
    escape_json(serde_json::to_string(text).unwrap_or_default())
}

fn escape_json(json: String) -> String {
    if !json.chars().any(must_escape) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if must_escape(c) {
            // Every such character is in the Basic Multilingual Plane.
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether Go's `toJson` would render `text` with a character YAML refuses or reads otherwise:
/// it escapes those below U+0020, LS and PS, and leaves DEL, the C1 controls, U+FEFF, U+FFFE
/// and U+FFFF as they are. Such text is rendered with Sprig's `quote` (Go's `%q`, whose escapes
/// are all YAML escapes) instead.
pub(crate) fn raw_in_go_json(text: &str) -> bool {
    text.chars().any(|c| must_escape(c) && !matches!(c, '\0'..='\u{1F}' | '\u{2028}' | '\u{2029}'))
}

/// `text` (JSON text, or a name: no raw line break, no backslash before a `|`) as a code span in a
/// Markdown table cell: a run of backticks longer than any inside it, padded with a space where
/// the text starts or ends with a backtick (CommonMark strips one), and `|` escaped (GitHub's
/// tables split cells on it even inside a code span). Inside a code span nothing is a link or
/// HTML. Ordinary text gets `` `text` ``.
pub(crate) fn code_cell(text: &str) -> String {
    let text = text.replace('|', "\\|");
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let padded = text.starts_with('`') || text.ends_with('`') || (text.starts_with(' ') && text.ends_with(' '));
    let pad = if padded { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_character_yaml_refuses_is_escaped() {
        assert_eq!(
            quote("a\u{7f}b\u{85}\u{9f}\u{2028}\u{feff}\u{fffe}\u{ffff}"),
            "\"a\\u007fb\\u0085\\u009f\\u2028\\ufeff\\ufffe\\uffff\""
        );
        assert_eq!(quote("\u{1b}\t\"é\u{a0}\u{10ffff}"), "\"\\u001b\\t\\\"é\u{a0}\u{10ffff}\"");
        assert_eq!(quote("ghcr.io/example/shop:1.4.2"), serde_json::to_string("ghcr.io/example/shop:1.4.2").unwrap());
        let map = serde_json::json!({"k\u{7f}": ["\u{85}", 1]});
        assert_eq!(json(&map), "{\"k\\u007f\":[\"\\u0085\",1]}");
        assert_eq!(serde_json::from_str::<Json>(&json(&map)).unwrap(), map);
        assert!(raw_in_go_json("\u{7f}") && raw_in_go_json("\u{feff}") && !raw_in_go_json("\u{1b}\u{2028}é"));
    }

    #[test]
    fn code_cells_hold_backticks_and_pipes() {
        assert_eq!(code_cell("\"1.27\""), "`\"1.27\"`");
        assert_eq!(code_cell("\"a|b\""), "`\"a\\|b\"`");
        assert_eq!(code_cell("\"a`b``\""), "```\"a`b``\"```");
        assert_eq!(code_cell("`x"), "`` `x ``");
    }
}
