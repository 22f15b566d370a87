//! Writing a template tree as a Helm template: block YAML whose literals are exact (strings plain
//! where YAML reads them back as the same string, else JSON-quoted with every character YAML
//! refuses escaped; text holding `{{` written as a Go string literal), and whose holes are Go
//! template actions that render YAML (`toJson` for scalars, so numbers stay numbers, or `quote`
//! for strings `toJson` would leave a character YAML refuses in; `toYaml | nindent` for blocks).

use serde_json::Value as Json;

use super::knobs::quote;
use super::node::{Node, Presence, Shape, TextPart};
use super::text;

/// Appends `node`'s YAML as the value of `key`, at `indent` spaces.
pub(crate) fn entry(out: &mut String, indent: usize, key: &str, node: &Node) {
    let pad = " ".repeat(indent);
    let key = scalar_key(key);
    match node {
        Node::Expr { expr, shape, presence } => {
            let (open, value) = match presence {
                Presence::Always => (None, expr.clone()),
                Presence::UnlessNull => (Some(format!("if not (kindIs \"invalid\" {expr})")), expr.clone()),
                Presence::UnlessEmpty => (Some(format!("with {expr}")), ".".to_string()),
            };
            if let Some(open) = &open {
                out.push_str(&format!("{pad}{{{{- {open} }}}}\n"));
            }
            match shape {
                Shape::Scalar => out.push_str(&format!("{pad}{key}: {}\n", scalar(&value, *shape))),
                Shape::Json => out.push_str(&format!("{pad}{key}:{}\n", json_lines(&value, indent + 2))),
                Shape::Block => {
                    out.push_str(&format!("{pad}{key}:\n{pad}  {{{{- toYaml {value} | nindent {} }}}}\n", indent + 2))
                }
            }
            if open.is_some() {
                out.push_str(&format!("{pad}{{{{- end }}}}\n"));
            }
        }
        Node::Labels { base, extra } => {
            let extra = extra.clone().unwrap_or_else(|| "(dict)".into());
            out.push_str(&format!(
                "{pad}{key}:\n{pad}  {{{{- include \"stave.labels\" (list $ {} {extra}) | nindent {} }}}}\n",
                map_expr(base),
                indent + 2
            ));
        }
        Node::Env { base, extra } => env(out, indent, &key, base, extra),
        Node::Map(entries) if !entries.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for (k, v) in entries {
                entry(out, indent + 2, k, v);
            }
        }
        Node::List(items) if !items.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for item in items {
                list_item(out, indent, item);
            }
        }
        Node::Literal(Json::Object(map)) if !map.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for (k, v) in map {
                entry(out, indent + 2, k, &Node::Literal(v.clone()));
            }
        }
        Node::Literal(Json::Array(items)) if !items.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for item in items {
                list_item(out, indent, &Node::Literal(item.clone()));
            }
        }
        other => out.push_str(&format!("{pad}{key}: {}\n", inline(other))),
    }
}

/// One item of a block list at `indent` (the dash's column).
fn list_item(out: &mut String, indent: usize, item: &Node) {
    let pad = " ".repeat(indent);
    let entries: Vec<(String, Node)> = match item {
        Node::Map(entries) => entries.clone(),
        Node::Literal(Json::Object(map)) => map.iter().map(|(k, v)| (k.clone(), Node::Literal(v.clone()))).collect(),
        Node::Expr { expr, shape, .. } => {
            if *shape == Shape::Json {
                out.push_str(&format!("{pad}-{}\n", json_lines(expr, indent + 2)));
            } else {
                out.push_str(&format!("{pad}- {}\n", scalar(expr, *shape)));
            }
            return;
        }
        other => {
            out.push_str(&format!("{pad}- {}\n", inline(other)));
            return;
        }
    };
    if entries.is_empty() {
        out.push_str(&format!("{pad}- {{}}\n"));
        return;
    }
    // The first entry goes on the dash's line when it is a plain `key: value`.
    let mut text = String::new();
    for (k, v) in &entries {
        entry(&mut text, indent + 2, k, v);
    }
    let first_plain = text.lines().next().is_some_and(|l| !l.trim_start().starts_with("{{"));
    if first_plain {
        out.push_str(&format!("{pad}- {}", &text[indent + 2..]));
    } else {
        out.push_str(&format!("{pad}-\n{text}"));
    }
}

fn env(out: &mut String, indent: usize, key: &str, base: &Node, extra: &str) {
    let pad = " ".repeat(indent);
    let range = format!(
        "{pad}{{{{- range $name, $value := {extra} }}}}\n{pad}- name: {{{{ $name | toJson }}}}\n{pad}  value: {{{{ \
        $value | toString | toJson }}}}\n{pad}{{{{- end }}}}\n"
    );
    match base {
        Node::Expr { expr, shape, .. } => {
            out.push_str(&format!("{pad}{{{{- if or {expr} {extra} }}}}\n{pad}{key}:\n"));
            if *shape == Shape::Json {
                // Each variable as JSON.
                let item = json_lines(".", indent + 2);
                out.push_str(&format!("{pad}{{{{- range {expr} }}}}\n{pad}-{item}\n{pad}{{{{- end }}}}\n"));
            } else {
                out.push_str(&format!(
                    "{pad}{{{{- with {expr} }}}}\n{pad}{{{{- toYaml . | nindent {indent} }}}}\n{pad}{{{{- end }}}}\n"
                ));
            }
            out.push_str(&range);
            out.push_str(&format!("{pad}{{{{- end }}}}\n"));
        }
        _ => {
            let items: Vec<Node> = match base {
                Node::List(items) => items.clone(),
                Node::Literal(Json::Array(items)) => items.iter().map(|v| Node::Literal(v.clone())).collect(),
                _ => Vec::new(),
            };
            if items.is_empty() {
                out.push_str(&format!("{pad}{{{{- if {extra} }}}}\n{pad}{key}:\n{range}{pad}{{{{- end }}}}\n"));
            } else {
                out.push_str(&format!("{pad}{key}:\n"));
                for item in &items {
                    list_item(out, indent, item);
                }
                out.push_str(&range);
            }
        }
    }
}

/// A map as a Go template expression: `(dict "k" "v" …)` for flat string maps, else through JSON.
fn map_expr(node: &Node) -> String {
    if let Node::Expr { expr, .. } = node {
        return format!("(default (dict) {expr})");
    }
    match node.literal() {
        Some(Json::Object(map)) if map.values().all(Json::is_string) => {
            let pairs: Vec<String> =
                map.iter().map(|(k, v)| format!("{} {}", quote(k), quote(v.as_str().unwrap_or_default()))).collect();
            if pairs.is_empty() { "(dict)".into() } else { format!("(dict {})", pairs.join(" ")) }
        }
        Some(other) => format!("(fromJson {})", quote(&other.to_string())),
        None => "(dict)".into(),
    }
}

/// A scalar (or an empty map or list, or a text with generated values) on one line.
fn inline(node: &Node) -> String {
    match node {
        Node::Literal(Json::String(s)) => string(s),
        Node::Literal(Json::Object(_)) | Node::Map(_) => "{}".into(),
        Node::Literal(Json::Array(_)) | Node::List(_) => "[]".into(),
        Node::Literal(other) => other.to_string(),
        Node::Text(parts) => {
            let pieces: Vec<String> = parts
                .iter()
                .map(|part| match part {
                    TextPart::Literal(text) => quote(text),
                    TextPart::Generated { scope, purpose, length } => format!(
                        "(include \"stave.generated\" (dict \"seed\" $.Values.global.seed \"scope\" {} \"purpose\" {} \
                        \"length\" {length}))",
                        quote(scope),
                        quote(purpose)
                    ),
                })
                .collect();
            let raw = parts.iter().any(|part| matches!(part, TextPart::Literal(text) if text::raw_in_go_json(text)));
            scalar(&format!("print {}", pieces.join(" ")), if raw { Shape::Json } else { Shape::Scalar })
        }
        Node::Expr { expr, shape, .. } => scalar(expr, *shape),
        Node::Labels { .. } | Node::Env { .. } => "{}".into(),
    }
}

/// An expression's value on one line: `toJson` (numbers stay numbers), or, for a string
/// `toJson` would render with a character YAML refuses ([`Shape::Json`]), the chart's
/// `stave.json` (its JSON with those escaped).
fn scalar(expr: &str, shape: Shape) -> String {
    if shape == Shape::Json {
        format!("{{{{ include \"{JSON_HELPER}\" ({expr}) }}}}")
    } else {
        format!("{{{{ {expr} | toJson }}}}")
    }
}

/// A [`Shape::Json`] value after a key or a dash: its JSON (indented, one entry a line, which
/// YAML reads as a flow collection) on the next lines, at `indent`.
fn json_lines(expr: &str, indent: usize) -> String {
    format!("{{{{ include \"{JSON_HELPER}\" ({expr}) | nindent {indent} }}}}")
}

/// The helper that [`Shape::Json`] values are rendered with (defined in `_helpers.tpl` only
/// when a template uses it).
pub(crate) const JSON_HELPER: &str = "stave.json";

/// A string scalar: plain where YAML reads it back as this string, else JSON-quoted (every
/// character YAML refuses escaped); text with `{{` (which Helm would read as a template action)
/// as a Go string literal, rendered on one line (see [`scalar`]).
pub(crate) fn string(text: &str) -> String {
    if text.contains("{{") {
        let shape = if text::raw_in_go_json(text) { Shape::Json } else { Shape::Scalar };
        return scalar(&quote(text), shape);
    }
    if plain(text) { text.to_string() } else { quote(text) }
}

fn scalar_key(key: &str) -> String {
    if plain(key) && !key.contains("{{") { key.to_string() } else { quote(key) }
}

/// Whether YAML reads `text`, unquoted, as exactly this string.
fn plain(text: &str) -> bool {
    const WORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"];
    let first = text.chars().next();
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@' | ':' | '+'))
        && first.is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '_')
        && !text.ends_with(':')
        && !text.contains(": ")
        && !WORDS.contains(&text.to_ascii_lowercase().as_str())
        && text.parse::<f64>().is_err()
}

#[cfg(test)]
mod tests {
    use super::{plain, string};

    #[test]
    fn strings_are_plain_only_where_yaml_reads_them_back() {
        for text in ["api", "ghcr.io/example/shop:1.4.2", "app.kubernetes.io/name", "/etc/app.conf"] {
            assert!(plain(text), "{text}");
        }
        for text in ["", "1", "1.5", "true", "No", "null", "8080", "a b", "-x", "x:", "1e3", "inf", "{a}"] {
            assert!(!plain(text), "{text}");
        }
        assert_eq!(string("say {{ hi }}"), "{{ \"say {{ hi }}\" | toJson }}");
        assert_eq!(string("{{ \u{7f}"), "{{ include \"stave.json\" (\"{{ \\u007f\") }}");
        assert_eq!(string("a\u{85}"), "\"a\\u0085\"");
    }
}
