//! Validation against the JSON Schemas in `spec/` (the Score workload, the platform file, the
//! provisioner file), with each error mapped back to the span of the offending value and said in
//! plain language (an unknown field gets a did-you-mean).

use std::sync::OnceLock;

use jsonschema::error::{ValidationError, ValidationErrorKind};
use serde_json::Value as Json;

use super::yaml::{Node, Place, place_at};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::suggest;

/// The workload schema, as published by `stave schema workload`.
pub const WORKLOAD_SCHEMA: &str = include_str!("../../spec/score-v1b1.schema.json");
/// The platform file schema (`stave schema platform`).
pub const PLATFORM_SCHEMA: &str = include_str!("../../spec/platform.schema.json");
/// The provisioner file schema (`stave schema provisioners`).
pub const PROVISIONERS_SCHEMA: &str = include_str!("../../spec/provisioners.schema.json");

/// A compiled JSON Schema and its document (for did-you-mean candidates and expected types).
#[derive(Debug)]
pub struct Schema {
    document: Json,
    validator: jsonschema::Validator,
}

impl Schema {
    fn compile(text: &str) -> Self {
        let document: Json = serde_json::from_str(text).expect("an embedded schema is valid JSON");
        let validator = jsonschema::validator_for(&document).expect("an embedded schema compiles");
        Schema { document, validator }
    }

    /// Validates a document; returns one diagnostic per problem, each at its place.
    pub fn validate(&self, root: &Node, document: &Json) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        for error in self.validator.iter_errors(document) {
            explain(self, &error, root, &mut diagnostics);
        }
        diagnostics
    }

    /// Whether a document is valid (no diagnostics built).
    pub fn is_valid(&self, document: &Json) -> bool {
        self.validator.is_valid(document)
    }
}

pub fn workload() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::compile(WORKLOAD_SCHEMA))
}

pub fn platform() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::compile(PLATFORM_SCHEMA))
}

pub fn provisioners() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::compile(PROVISIONERS_SCHEMA))
}

/// Validates a workload document against the Score schema.
pub fn validate(root: &Node, document: &Json) -> Diagnostics {
    workload().validate(root, document)
}

/// Whether a workload document is valid under the Score schema.
pub fn is_valid(document: &Json) -> bool {
    workload().is_valid(document)
}

fn decode_pointer(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// A path in words: `containers.main.files["/etc/app.conf"].mode`.
pub fn describe(path: &[String]) -> String {
    let mut out = String::new();
    for segment in path {
        if segment.parse::<usize>().is_ok() {
            out.push_str(&format!("[{segment}]"));
        } else if segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        } else {
            out.push_str(&format!("[{segment:?}]"));
        }
    }
    if out.is_empty() { "the top level".to_string() } else { format!("`{out}`") }
}

/// The schema object that a keyword location points into, following `$ref`s.
fn schema_at<'s>(schema: &'s Schema, keyword_path: &[String]) -> Option<&'s Json> {
    let root = &schema.document;
    let mut node = root;
    for segment in keyword_path {
        if segment == "$ref" {
            let target = node.get("$ref")?.as_str()?.strip_prefix('#')?;
            node = root.pointer(target)?;
            continue;
        }
        node = match node {
            Json::Object(map) => map.get(segment)?,
            Json::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(node)
}

struct Located<'a> {
    schema: &'a Schema,
    path: Vec<String>,
    keyword_path: Vec<String>,
    place: Option<Place<'a>>,
    fallback: crate::source::Span,
}

impl<'a> Located<'a> {
    fn span(&self) -> crate::source::Span {
        self.place.map_or(self.fallback, |p| p.span())
    }
    fn value_span(&self) -> crate::source::Span {
        self.place.map_or(self.fallback, |p| p.node.span)
    }
    /// The name of the field this error is about (the last path segment).
    fn field(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }
    /// The schema object holding the failing keyword.
    fn schema_object(&self) -> Option<&'a Json> {
        schema_at(self.schema, &self.keyword_path[..self.keyword_path.len().saturating_sub(1)])
    }
}

fn explain(schema: &Schema, error: &ValidationError<'_>, root: &Node, out: &mut Diagnostics) {
    let path = decode_pointer(error.instance_path().as_str());
    let keyword_path = decode_pointer(error.schema_path().as_str());
    let place = place_at(root, &path);
    let at = Located { schema, path, keyword_path, place, fallback: root.span };
    let here = describe(&at.path);
    let value = error.instance();
    let shown = short(value);
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let allowed: Vec<&str> = at
                .schema_object()
                .and_then(|s| s.get("properties"))
                .and_then(Json::as_object)
                .map(|p| p.keys().map(String::as_str).collect())
                .unwrap_or_default();
            for key in unexpected {
                let span = at
                    .place
                    .and_then(|p| p.node.as_map())
                    .and_then(|m| m.get(key))
                    .map_or(at.span(), |entry| entry.key_span);
                let mut help = match suggest::did_you_mean(key, allowed.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => String::new(),
                };
                if !allowed.is_empty() {
                    if !help.is_empty() {
                        help.push(' ');
                    }
                    help.push_str(&format!("{here} accepts: {}", list(&allowed)));
                }
                out.push(
                    Diagnostic::error(Code::UnknownField, format!("unknown field `{key}` in {here}"))
                        .label(span, "not a Score field here")
                        .help(help),
                );
            }
        }
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            out.push(
                Diagnostic::error(Code::MissingField, format!("{here} is missing the required field `{property}`"))
                    .label(at.span(), format!("add `{property}` here"))
                    .help(required_help(property, &at.path)),
            );
        }
        ValidationErrorKind::Type { .. } => {
            let expected =
                at.schema_object().and_then(|s| s.get("type")).map_or("another type".to_string(), |t| match t {
                    Json::String(s) => article(s),
                    Json::Array(items) => {
                        items.iter().filter_map(Json::as_str).map(article).collect::<Vec<_>>().join(" or ")
                    }
                    _ => "another type".to_string(),
                });
            let found = at.place.map_or("another type", |p| p.node.kind_name());
            let (message, help) = if at.path.is_empty() {
                let title = schema.document.get("title").and_then(Json::as_str).unwrap_or("this file");
                let help = if std::ptr::eq(schema, workload()) {
                    "start the file with `apiVersion: score.dev/v1b1`, then `metadata:` and `containers:`".to_string()
                } else {
                    "see `stave schema` for the expected layout".to_string()
                };
                (format!("a {title} must be a map, found {found}"), help)
            } else if expected == "a string" && matches!(value.as_ref(), Json::Number(_) | Json::Bool(_)) {
                (format!("{here} must be a string, found {found}"), format!("quote it: `\"{shown}\"`"))
            } else {
                (format!("{here} must be {expected}, found {found}"), format!("write {here} as {expected}"))
            };
            out.push(
                Diagnostic::error(Code::WrongType, message)
                    .label(at.value_span(), format!("this is {found}"))
                    .help(help),
            );
        }
        ValidationErrorKind::PropertyNames { error: inner } => {
            let key = inner.instance().as_str().unwrap_or_default().to_string();
            let span = at
                .place
                .and_then(|p| p.node.as_map())
                .and_then(|m| m.get(&key))
                .map_or(at.span(), |entry| entry.key_span);
            let (what, help) = key_rules(at.field(), &key);
            out.push(
                Diagnostic::error(Code::InvalidValue, format!("`{key}` is not a valid {what} in {here}"))
                    .label(span, format!("invalid {what}"))
                    .help(help),
            );
        }
        ValidationErrorKind::Pattern { .. }
        | ValidationErrorKind::MinLength { .. }
        | ValidationErrorKind::MaxLength { .. } => {
            let in_header = at.path.iter().any(|s| s == "httpHeaders");
            let (message, help) = value_rules(at.field(), in_header, &shown, &here);
            out.push(Diagnostic::error(Code::InvalidValue, message).label(at.value_span(), "invalid value").help(help));
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<&str> =
                options.as_array().map(|o| o.iter().filter_map(Json::as_str).collect()).unwrap_or_default();
            let help = match suggest::did_you_mean(&shown, options.iter().copied()) {
                Some(best) => format!("did you mean `{best}`? (values are case-sensitive)"),
                None => format!("use one of {}", list(&options)),
            };
            out.push(
                Diagnostic::error(Code::InvalidValue, format!("`{shown}` is not one of {} in {here}", list(&options)))
                    .label(at.value_span(), "not an allowed value")
                    .help(help),
            );
        }
        ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. } => {
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("{here} must be a port number from 1 to 65535, found `{shown}`"),
                )
                .label(at.value_span(), "out of range")
                .help("ports are whole numbers from 1 to 65535"),
            );
        }
        ValidationErrorKind::MinProperties { .. } => {
            out.push(
                Diagnostic::error(Code::MissingField, format!("{here} needs at least one container"))
                    .label(at.span(), "empty")
                    .help("add a container, e.g. `main: {image: nginx:1.27}`"),
            );
        }
        ValidationErrorKind::Not { .. } => {
            let span = at
                .place
                .and_then(|p| p.node.as_map())
                .and_then(|m| m.get("target"))
                .map_or(at.span(), |entry| entry.key_span);
            out.push(
                Diagnostic::error(Code::UnknownField, format!("`target` is not allowed in {here}"))
                    .label(span, "only used in the deprecated list form")
                    .help("in the map form the key is the target path; remove `target`"),
            );
        }
        ValidationErrorKind::OneOfMultipleValid { .. } => file_choice(&at, &here, out),
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            let object = at.schema_object();
            let is_file = object.is_some_and(|s| s.pointer("/properties/binaryContent").is_some());
            let is_probe = object.is_some_and(|s| s.pointer("/properties/httpGet").is_some());
            if is_file {
                file_choice(&at, &here, out);
            } else if is_probe {
                out.push(
                    Diagnostic::error(Code::ProbeKind, format!("{here} needs `httpGet` or `exec`"))
                        .label(at.span(), "no check given")
                        .help("add `httpGet: {path: /healthz, port: 8080}` or `exec: {command: [...]}`"),
                );
            } else if let Some(branch) = best_branch(context, &at.path) {
                for inner in branch {
                    explain(schema, inner, root, out);
                }
            }
        }
        _ => {
            out.push(
                Diagnostic::error(Code::InvalidValue, format!("{here} is invalid: {error}"))
                    .label(at.value_span(), "invalid value")
                    .help("see `stave schema workload` for what this field accepts"),
            );
        }
    }
}

/// Of the alternatives of a oneOf/anyOf, the one the author most likely meant: the branch whose
/// type matched (no type error at the alternative's own place), then the fewest errors.
fn best_branch<'e>(
    context: &'e [Vec<ValidationError<'static>>],
    path: &[String],
) -> Option<&'e Vec<ValidationError<'static>>> {
    let own_place = |e: &ValidationError<'_>| decode_pointer(e.instance_path().as_str()) == path;
    context.iter().filter(|branch| !branch.is_empty()).min_by_key(|branch| {
        let type_mismatch = branch.iter().any(|e| own_place(e) && matches!(e.kind(), ValidationErrorKind::Type { .. }));
        (type_mismatch, branch.len())
    })
}

fn file_choice(at: &Located<'_>, here: &str, out: &mut Diagnostics) {
    let present: Vec<&str> = ["content", "binaryContent", "source"]
        .into_iter()
        .filter(|k| at.place.and_then(|p| p.node.get(k)).is_some())
        .collect();
    let message = if present.is_empty() {
        format!("the file at {here} has no content: it needs one of `content`, `binaryContent` or `source`")
    } else {
        format!("the file at {here} sets {}: it takes exactly one", list(&present))
    };
    out.push(
        Diagnostic::error(Code::FileContentChoice, message)
            .label(at.span(), "this file")
            .help("use `content` for text, `binaryContent` for base64 bytes, or `source` for a path to read"),
    );
}

fn required_help(property: &str, path: &[String]) -> String {
    match (property, path.first().map(String::as_str)) {
        ("apiVersion", _) => "add `apiVersion: score.dev/v1b1` at the top of the file".into(),
        ("metadata", _) => "add `metadata:` with `name: <workload-name>`".into(),
        ("containers", _) => "add `containers:` with at least one container, e.g. `main: {image: nginx:1.27}`".into(),
        ("name", Some("metadata")) => {
            "add `name: <workload-name>` under `metadata` (lowercase letters, digits and `-`)".into()
        }
        ("image", _) => "add `image: <registry/name:tag>`, or `image: .` to give it with `--image`".into(),
        ("type", _) => "add the resource `type`, e.g. `postgres`, `redis`, `volume`, `dns` or `route`".into(),
        ("ready", _) => "add `ready: started`, `ready: healthy` or `ready: complete`".into(),
        _ => format!("add `{property}`"),
    }
}

/// What a map key of a given field is, and the rule for it.
fn key_rules(field: &str, key: &str) -> (&'static str, String) {
    let name_rule = || {
        format!(
            "use 2 to 63 lowercase letters, digits and `-`, starting and ending with a letter or digit, e.g. `{}`",
            to_label(key)
        )
    };
    match field {
        "containers" | "before" => ("container name", name_rule()),
        "ports" => ("port name", name_rule()),
        "resources" => ("resource name", name_rule()),
        "variables" => ("variable name", "a variable name cannot be empty or contain `=`".to_string()),
        "annotations" => (
            "annotation key",
            "use an optional DNS prefix and `/`, then 2 to 63 letters, digits, `-`, `_` or `.`, e.g. `example.com/owner`".to_string(),
        ),
        _ => ("name", name_rule()),
    }
}

fn value_rules(field: &str, in_header: bool, value: &str, here: &str) -> (String, String) {
    let (what, help) = match field {
        "name" | "value" if in_header => {
            ("a valid HTTP header", "header names use letters, digits, `-` and `_`; values cannot be empty".to_string())
        }
        "apiVersion" => ("a Score version Stave reads", "use `apiVersion: score.dev/v1b1`".to_string()),
        "name" => (
            "a valid workload name",
            format!("use 2 to 63 lowercase letters, digits and `-`, e.g. `{}`", to_label(value)),
        ),
        "cpu" => ("a CPU quantity", "write CPUs as `2`, `0.5` or millicpus such as `250m`".to_string()),
        "memory" => (
            "a memory quantity",
            "write memory as `128M`, `512Mi` or `1.5Gi` (units K, M, G, T, P, E or Ki, Mi, Gi, Ti, Pi, Ei)".to_string(),
        ),
        "mode" => ("a file mode", "write the mode as three octal digits, e.g. `0644` or `600`".to_string()),
        "id" => (
            "a resource id",
            "use dot-separated parts of lowercase letters, digits and `-`, e.g. `shared.db`".to_string(),
        ),
        "type" | "class" => {
            ("a resource type or class", "use 2 to 63 letters, digits and `-`, e.g. `postgres`".to_string())
        }
        "image" => ("an image", "name an image, e.g. `nginx:1.27`".to_string()),
        "source" => ("a file source", "give a path relative to the workload file".to_string()),
        "target" => ("a target path", "give the path in the container, e.g. `/etc/app.conf`".to_string()),
        _ => ("valid here", "see `stave schema workload` for what this field accepts".to_string()),
    };
    (format!("`{value}` is not {what} ({here})"), help)
}

/// A best-effort RFC 1123 label made from a name, for suggestions.
fn to_label(name: &str) -> String {
    let lowered: String =
        name.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let trimmed = lowered.trim_matches('-');
    let label: String = trimmed.chars().take(63).collect();
    if label.len() >= 2 { label } else { "my-name".to_string() }
}

fn article(kind: &str) -> String {
    match kind {
        "object" => "a map".into(),
        "array" => "a list".into(),
        "integer" => "a whole number".into(),
        "string" | "boolean" | "number" => format!("a {kind}"),
        other => other.to_string(),
    }
}

fn list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

fn short(value: &Json) -> String {
    let text = match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 { format!("{}…", text.chars().take(60).collect::<String>()) } else { text }
}
