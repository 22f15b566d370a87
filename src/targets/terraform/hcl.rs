//! A typed HCL tree (bodies of attributes and blocks, expressions) and its writer, which writes
//! exactly what `terraform fmt` would: two-space indentation, `=` aligned across consecutive
//! one-line arguments (a blank line, a block or a multi-line value ends the run), multi-line
//! maps and objects, one-line lists of plain values. Strings are templates: literal text is
//! escaped (`"`, `\`, control characters and the other characters YAML refuses, `${` and `%{`,
//! a `$` just before an interpolation), so workload text is never an interpolation or a
//! directive; interpolations are written as they are.

use std::fmt::Write;

/// A piece of a quoted template.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Piece {
    Text(String),
    /// `${EXPR}`.
    Interpolation(String),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    /// A quoted string, maybe with interpolations.
    Template(Vec<Piece>),
    /// An expression written as it is: a reference, a function call, a type.
    Raw(String),
    List(Vec<Expr>),
    /// Keys in order (quoted when they are not identifiers).
    Object(Vec<(String, Expr)>),
}

impl Expr {
    pub(crate) fn string(text: impl Into<String>) -> Expr {
        Expr::Template(vec![Piece::Text(text.into())])
    }

    pub(crate) fn raw(text: impl Into<String>) -> Expr {
        Expr::Raw(text.into())
    }

    /// Pieces joined into a template; a lone interpolation is the expression itself.
    pub(crate) fn from_pieces(mut pieces: Vec<Piece>) -> Expr {
        pieces.retain(|p| !matches!(p, Piece::Text(t) if t.is_empty()));
        match pieces.as_slice() {
            [Piece::Interpolation(expression)] => Expr::Raw(expression.clone()),
            [] => Expr::string(""),
            _ => Expr::Template(pieces),
        }
    }

    /// Whether it is written on one line.
    fn is_inline(&self) -> bool {
        match self {
            Expr::List(items) => items.iter().all(|i| !matches!(i, Expr::List(_) | Expr::Object(_))),
            Expr::Object(items) => items.is_empty(),
            _ => true,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Item {
    Attribute(String, Expr),
    Block(Block),
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Body {
    pub(crate) items: Vec<Item>,
}

impl Body {
    pub(crate) fn attribute(&mut self, name: impl Into<String>, value: Expr) {
        self.items.push(Item::Attribute(name.into(), value));
    }

    pub(crate) fn block(&mut self, block: Block) {
        self.items.push(Item::Block(block));
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Block {
    pub(crate) kind: String,
    pub(crate) labels: Vec<String>,
    pub(crate) body: Body,
}

impl Block {
    pub(crate) fn new(kind: impl Into<String>, labels: &[&str], body: Body) -> Block {
        Block { kind: kind.into(), labels: labels.iter().map(|l| l.to_string()).collect(), body }
    }
}

/// Whether `name` is an HCL identifier (a valid label for Terraform addresses).
pub(crate) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Literal text inside a quoted template.
pub(crate) fn escape(text: &str) -> String {
    escape_before(text, false)
}

/// Literal text inside a quoted template; `interpolation` when an interpolation (`${`) follows
/// it, so that a `$` ending the text cannot join it into the escape `$${`: that `$` is written
/// as an interpolation of its own, `${"$"}`.
fn escape_before(text: &str, interpolation: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            // `$${` would be the escape of a literal `${` (and so would `\u0024${` to hcl-rs).
            '$' if interpolation && chars.peek().is_none() => out.push_str("${\"$\"}"),
            c if must_escape(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Whether a character is written as a `\uXXXX` escape: the controls (C0, DEL, C1), and what
/// other readers of the same text take for a line break or a byte order mark or refuse (LS, PS,
/// U+FEFF, U+FFFE, U+FFFF), so a string never changes a file's lines or its encoding.
fn must_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}')
}

/// A quoted template: literal text escaped (adjacent pieces of text as one), interpolations
/// as they are.
fn template(pieces: &[Piece]) -> String {
    let mut out = String::from("\"");
    let mut text = String::new();
    for piece in pieces {
        match piece {
            Piece::Text(more) => text.push_str(more),
            Piece::Interpolation(expression) => {
                out.push_str(&escape_before(&std::mem::take(&mut text), true));
                let _ = write!(out, "${{{expression}}}");
            }
        }
    }
    out.push_str(&escape(&text));
    out.push('"');
    out
}

fn key(name: &str) -> String {
    let keyword = matches!(name, "for" | "in" | "if" | "true" | "false" | "null");
    if is_identifier(name) && !name.contains('-') && !keyword {
        name.to_string()
    } else {
        format!("\"{}\"", escape(name))
    }
}

/// One line of output: its indentation, the text before ` = ` (when it is a one-line
/// assignment, which takes part in alignment) and the rest.
struct Line {
    indent: usize,
    lead: String,
    assign: Option<String>,
}

struct Writer {
    lines: Vec<Line>,
}

impl Writer {
    fn plain(&mut self, indent: usize, text: impl Into<String>) {
        self.lines.push(Line { indent, lead: text.into(), assign: None });
    }

    fn body(&mut self, body: &Body, indent: usize) {
        for item in &body.items {
            match item {
                Item::Attribute(name, value) => self.assignment(indent, name.clone(), value),
                Item::Block(block) => self.block(block, indent),
            }
        }
    }

    fn block(&mut self, block: &Block, indent: usize) {
        let mut head = block.kind.clone();
        for label in &block.labels {
            let _ = write!(head, " \"{}\"", escape(label));
        }
        if block.body.items.is_empty() {
            self.plain(indent, format!("{head} {{}}"));
            return;
        }
        self.plain(indent, format!("{head} {{"));
        self.body(&block.body, indent + 1);
        self.plain(indent, "}");
    }

    fn assignment(&mut self, indent: usize, lead: String, value: &Expr) {
        if value.is_inline() {
            self.lines.push(Line { indent, lead, assign: Some(inline(value)) });
            return;
        }
        self.open(indent, format!("{lead} = "), value, "");
    }

    /// A multi-line list or object, starting after `prefix` and ending with `suffix`.
    fn open(&mut self, indent: usize, prefix: String, value: &Expr, suffix: &str) {
        match value {
            Expr::Object(items) => {
                self.plain(indent, format!("{prefix}{{"));
                for (name, item) in items {
                    self.assignment(indent + 1, key(name), item);
                }
                self.plain(indent, format!("}}{suffix}"));
            }
            Expr::List(items) => {
                self.plain(indent, format!("{prefix}["));
                for item in items {
                    if item.is_inline() {
                        self.plain(indent + 1, format!("{},", inline(item)));
                    } else {
                        self.open(indent + 1, String::new(), item, ",");
                    }
                }
                self.plain(indent, format!("]{suffix}"));
            }
            other => self.plain(indent, format!("{prefix}{}{suffix}", inline(other))),
        }
    }

    fn finish(self) -> String {
        let mut out = String::new();
        let mut index = 0;
        while index < self.lines.len() {
            // A run of consecutive one-line assignments is aligned on its longest lead.
            let end = (index..self.lines.len()).find(|&i| self.lines[i].assign.is_none()).unwrap_or(self.lines.len());
            if end > index {
                let width = self.lines[index..end].iter().map(|l| l.lead.chars().count()).max().unwrap_or(0);
                for line in &self.lines[index..end] {
                    let pad = width - line.lead.chars().count();
                    let value = line.assign.as_deref().unwrap_or_default();
                    let _ = writeln!(out, "{}{}{} = {value}", "  ".repeat(line.indent), line.lead, " ".repeat(pad));
                }
                index = end;
                continue;
            }
            let line = &self.lines[index];
            if line.lead.is_empty() {
                out.push('\n');
            } else {
                let _ = writeln!(out, "{}{}", "  ".repeat(line.indent), line.lead);
            }
            index += 1;
        }
        out
    }
}

/// A value on one line.
fn inline(value: &Expr) -> String {
    match value {
        Expr::Null => "null".into(),
        Expr::Bool(b) => b.to_string(),
        Expr::Number(n) => n.to_string(),
        Expr::Raw(text) => text.clone(),
        Expr::Template(pieces) => template(pieces),
        Expr::List(items) => format!("[{}]", items.iter().map(inline).collect::<Vec<_>>().join(", ")),
        Expr::Object(items) if items.is_empty() => "{}".into(),
        Expr::Object(_) => unreachable!("objects with items are written on several lines"),
    }
}

/// Top-level blocks separated by blank lines, as a `.tf` file.
pub(crate) fn file(blocks: &[Block]) -> String {
    let mut writer = Writer { lines: Vec::new() };
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            writer.plain(0, "");
        }
        writer.block(block, 0);
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_runs_of_one_line_arguments() {
        let mut inner = Body::default();
        inner.attribute("name", Expr::string("api"));
        inner.attribute("namespace", Expr::raw("var.namespace"));
        inner.attribute("labels", Expr::Object(vec![("app.kubernetes.io/name".into(), Expr::string("a${b}"))]));
        inner.attribute("x", Expr::List(vec![Expr::Number(1.into()), Expr::Bool(true)]));
        let mut body = Body::default();
        body.block(Block::new("metadata", &[], inner));
        body.block(Block::new("empty_dir", &[], Body::default()));
        let text = file(&[Block::new("resource", &["kubernetes_secret_v1", "api"], body)]);
        assert_eq!(
            text,
            "resource \"kubernetes_secret_v1\" \"api\" \
            {\n  metadata {\n    name      = \"api\"\n    namespace = var.namespace\n    labels = \
            {\n      \"app.kubernetes.io/name\" = \"a$${b}\"\n    }\n    x = [1, true]\n  }\n  empty_dir \
            {}\n}\n"
        );
    }

    #[test]
    fn workload_text_is_never_an_interpolation() {
        let pieces = vec![
            Piece::Text("a$".into()),
            Piece::Interpolation("var.x".into()),
            Piece::Text("$".into()),
            Piece::Text("{b} %".into()),
            Piece::Text("{c}\u{7f}\u{85}\u{2028}\u{feff}\u{ffff}\u{10ffff}".into()),
        ];
        assert_eq!(
            inline(&Expr::Template(pieces)),
            "\"a${\"$\"}${var.x}$${b} %%{c}\\u007F\\u0085\\u2028\\uFEFF\\uFFFF\u{10ffff}\""
        );
        assert_eq!(escape("$${x} x$"), "$$${x} x$");
    }

    #[test]
    fn identifiers() {
        assert!(is_identifier("api_db-1") && is_identifier("_x"));
        assert!(!is_identifier("1db") && !is_identifier("a.b") && !is_identifier(""));
    }
}
