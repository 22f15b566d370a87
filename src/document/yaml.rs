//! YAML text to a spanned node tree, through serde-saphyr with its safety budgets.
//!
//! The tree keeps every value's span (and every map key's), so later phases can point at the
//! exact place of a problem. serde-saphyr bounds alias expansion, nesting depth and node count, so
//! a billion-laughs file or a 10,000-deep nesting is refused quickly with a located error.
//!
//! A file is one document: empty documents (a leading or trailing `---`, a lone `...`, a
//! document of only comments or `null`) are skipped, and a second document with content is an
//! error at its start (`stave::yaml::several-documents`), never silently dropped.

use std::fmt;
use std::sync::OnceLock;

use indexmap::IndexMap;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceFile, SourceId, Span};

/// A YAML value with the span it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub(crate) value: Value,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Seq(Vec<Node>),
    Map(IndexMap<String, Entry>),
}

/// A map entry: the key's own span, and the value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) key_span: Span,
    pub(crate) node: Node,
}

impl Node {
    pub(crate) fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    pub(crate) fn as_map(&self) -> Option<&IndexMap<String, Entry>> {
        match &self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub(crate) fn as_map_mut(&mut self) -> Option<&mut IndexMap<String, Entry>> {
        match &mut self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key).map(|entry| &entry.node)
    }

    /// What kind of value this is, in words for messages.
    /// How deeply the tree nests (a scalar is 1).
    pub(crate) fn depth(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::depth).max().unwrap_or(0),
            Value::Map(map) => map.values().map(|e| e.node.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }

    pub(crate) fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Null => "nothing (null)",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a map",
        }
    }

    /// The JSON form of this node, for the schema validator and the serde input types.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.value {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(n.clone()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Seq(items) => serde_json::Value::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(map) => {
                serde_json::Value::Object(map.iter().map(|(key, entry)| (key.clone(), entry.node.to_json())).collect())
            }
        }
    }
}

/// Where a node sits in its document: the span to label when a message is about the whole node.
/// A map or list is best shown by its key (`main:`), a scalar by its value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place<'a> {
    pub(crate) node: &'a Node,
    pub(crate) key_span: Option<Span>,
}

impl Place<'_> {
    pub(crate) fn span(&self) -> Span {
        match (&self.node.value, self.key_span) {
            (Value::Map(_) | Value::Seq(_), Some(key)) => key,
            _ => self.node.span,
        }
    }
}

/// Walks a path of map keys and list indices (a decoded JSON pointer) from `root`.
pub(crate) fn place_at<'a>(root: &'a Node, path: &[String]) -> Option<Place<'a>> {
    let mut place = Place { node: root, key_span: None };
    for segment in path {
        place = match &place.node.value {
            Value::Map(map) => {
                let entry = map.get(segment)?;
                Place { node: &entry.node, key_span: Some(entry.key_span) }
            }
            Value::Seq(items) => {
                let node = items.get(segment.parse::<usize>().ok()?)?;
                Place { node, key_span: None }
            }
            _ => return None,
        };
    }
    Some(place)
}

/// The deepest nesting Stave reads, also after overrides.
pub(crate) const MAX_DEPTH: usize = 64;

/// The most `---` documents (empty ones included) a file may hold.
const MAX_DOCUMENTS: usize = 64;

/// Parser limits. Score workloads are small; these leave room for large ones and refuse abuse.
fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::budget::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = 64;
    budget.max_nodes = 200_000;
    budget.max_aliases = 10_000;
    // Empty documents are skipped, so a stray `---` is harmless; a storm of them is not.
    budget.max_documents = MAX_DOCUMENTS;
    let mut aliases = serde_saphyr::options::AliasLimits::default();
    aliases.max_total_replayed_events = 100_000;
    // YAML 1.2 booleans only, as Go's yaml.v3 (used by score-go) reads untyped values: `yes` is text.
    serde_saphyr::options! { budget: Some(budget), alias_limits: aliases, strict_booleans: true }
}

/// The stack for parsing: deserialization recurses once per nesting level (up to the 64-level
/// budget), so it runs on threads whose stack is known to be enough in any build profile,
/// whatever the caller's thread has.
const PARSER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// The parser's threads, started once and reused for every file (a thread per file cost a
/// fresh stack and allocator heap each: half the time of checking a thousand files).
fn parser_threads() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(rayon::current_num_threads())
            .thread_name(|_| "stave-yaml".into())
            .stack_size(PARSER_STACK_BYTES)
            .build()
            .ok()
    })
    .as_ref()
}

/// Parses a file's one YAML document into a node tree (empty documents skipped; a file with
/// none is `null`).
pub fn parse(file: &SourceFile, source: SourceId) -> Result<Node, Diagnostic> {
    let parse = || -> Result<Node, Diagnostic> {
        let documents: Vec<Spanned<RawValue>> = serde_saphyr::from_multiple_with_options(&file.text, options())
            .map_err(|e| yaml_error(&e, file, source))?;
        super::scan::scan(&file.text, source)?;
        let mut documents = documents.into_iter().filter(|d| !matches!(d.value, RawValue::Null));
        let Some(first) = documents.next() else { return Ok(Node::new(Value::Null, Span::new(source, 0, 0))) };
        if let Some(second) = documents.next() {
            return Err(several_documents(first, second, 2 + documents.count(), file, source));
        }
        Ok(first.into_node(file, source))
    };
    let crashed = || {
        Err(Diagnostic::error(Code::YamlSyntax, "the YAML parser failed on this file")
            .label(Span::new(source, 0, 0), "while reading this file")
            .help("this is a bug in Stave; please report it with the file"))
    };
    let Some(pool) = parser_threads() else {
        return Err(Diagnostic::error(Code::YamlLimit, "cannot start the YAML parser's threads")
            .label(Span::new(source, 0, 0), "while reading this file"));
    };
    pool.install(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse))).unwrap_or_else(|_| crashed())
}

/// A file with more than one document that has content: each workload (or platform, or
/// provisioner list) belongs in a file of its own, and none is silently dropped.
fn several_documents(
    first: Spanned<RawValue>,
    second: Spanned<RawValue>,
    count: usize,
    file: &SourceFile,
    source: SourceId,
) -> Diagnostic {
    let first = span_of(first.referenced, file, source).start as usize;
    let second = span_of(second.referenced, file, source).start as usize;
    // Point at the `---` that opens the second document (the last one at a line's start before
    // its first value), else at the value.
    let text = &file.text[..second.min(file.text.len())];
    let separator = text.rmatch_indices("---").map(|(i, _)| i).find(|&i| i == 0 || text[..i].ends_with('\n'));
    let at = match separator {
        Some(i) if i > first => Span::new(source, i, i + 3),
        _ => Span::new(source, second, second),
    };
    Diagnostic::error(
        Code::SeveralDocuments,
        format!("`{}` holds {count} YAML documents, and Stave reads one document per file", file.name),
    )
    .label(at, "another document starts here")
    .label(Span::new(source, first, first), "the first document")
    .help(
        "put each document in a file of its own and pass them all (`stave compile a.yaml b.yaml`); \
        an empty document, such as a trailing `---`, is fine",
    )
}

fn yaml_error(error: &serde_saphyr::Error, file: &SourceFile, source: SourceId) -> Diagnostic {
    let text = error.without_snippet().to_string();
    // serde-saphyr prefixes messages with "line N column M: "; the label shows the place instead.
    let message = match text.split_once(": ") {
        Some((prefix, rest)) if prefix.starts_with("line ") => rest.to_string(),
        _ => text,
    };
    let message = strip_positions(&message);
    let limit = message.contains("budget") || message.contains("limit") || message.contains("alias");
    let (code, summary, help) = if limit {
        (
            Code::YamlLimit,
            "the YAML exceeds a safety limit",
            "Stave refuses YAML that nests more than 64 levels, expands more than 100,000 aliased \
            values, holds more than 200,000 values or more than 64 documents; write the values out plainly",
        )
    } else {
        (Code::YamlSyntax, "invalid YAML", "fix the YAML syntax at the marked place")
    };
    let span = error.location().map_or(Span::new(source, 0, 0), |location| span_of(location, file, source));
    Diagnostic::error(code, format!("{summary}: {message}")).label(span, "here").help(help)
}

/// Drops "at line N, column M" and "(defined at line N, column M)" asides: the label shows the place.
fn strip_positions(message: &str) -> String {
    let mut out = message.to_string();
    while let Some(at) = out.find("at line ") {
        let digits_end =
            |s: &str, from: usize| s[from..].find(|c: char| !c.is_ascii_digit()).map_or(s.len(), |e| from + e);
        let mut end = digits_end(&out, at + "at line ".len());
        if out[end..].starts_with(", column ") {
            end = digits_end(&out, end + ", column ".len());
        }
        let mut start = at;
        for prefix in ["(defined ", "(used "] {
            if out[..start].ends_with(prefix) {
                start -= prefix.len();
                if out[end..].starts_with(')') {
                    end += 1;
                }
            }
        }
        let start = out[..start].trim_end().len();
        out.replace_range(start..end, "");
    }
    out.trim().to_string()
}

/// serde-saphyr reports both characters and (for string input) bytes; we keep bytes and fall
/// back to line and column when byte information is missing.
fn span_of(location: Location, file: &SourceFile, source: SourceId) -> Span {
    let span = location.span();
    match (span.byte_offset(), span.byte_len()) {
        (Some(start), Some(len)) if start < u64::from(u32::MAX) => {
            let start = start as usize;
            Span::new(source, start, start + len as usize)
        }
        _ => {
            let start = file.offset_of(location.line() as usize, location.column() as usize);
            Span::new(source, start, start)
        }
    }
}

/// What serde-saphyr hands us: a value whose children carry their own locations.
enum RawValue {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Seq(Vec<Spanned<RawValue>>),
    Map(Vec<(Spanned<String>, Spanned<RawValue>)>),
}

trait IntoNode {
    fn into_node(self, file: &SourceFile, source: SourceId) -> Node;
}

impl IntoNode for Spanned<RawValue> {
    fn into_node(self, file: &SourceFile, source: SourceId) -> Node {
        let span = span_of(self.referenced, file, source);
        let value = match self.value {
            RawValue::Null => Value::Null,
            RawValue::Bool(b) => Value::Bool(b),
            RawValue::Number(n) => Value::Number(n),
            RawValue::String(s) => Value::String(s),
            RawValue::Seq(items) => Value::Seq(items.into_iter().map(|item| item.into_node(file, source)).collect()),
            RawValue::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(key, value)| {
                        let key_span = span_of(key.referenced, file, source);
                        (key.value, Entry { key_span, node: value.into_node(file, source) })
                    })
                    .collect(),
            ),
        };
        Node { value, span }
    }
}

impl<'de> Deserialize<'de> for RawValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = RawValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_none<E>(self) -> Result<RawValue, E> {
        Ok(RawValue::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<RawValue, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E>(self, b: bool) -> Result<RawValue, E> {
        Ok(RawValue::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<RawValue, E> {
        Ok(RawValue::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<RawValue, E> {
        Ok(RawValue::Number(n.into()))
    }
    fn visit_f64<E: serde::de::Error>(self, n: f64) -> Result<RawValue, E> {
        serde_json::Number::from_f64(n)
            .map(RawValue::Number)
            .ok_or_else(|| E::custom("infinite or NaN numbers are not supported; quote the value"))
    }
    fn visit_str<E>(self, s: &str) -> Result<RawValue, E> {
        Ok(RawValue::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<RawValue, E> {
        Ok(RawValue::String(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawValue, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<RawValue>>()? {
            items.push(item);
        }
        Ok(RawValue::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawValue, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<RawValue>>()?;
            entries.push((key, value));
        }
        Ok(RawValue::Map(entries))
    }
}
