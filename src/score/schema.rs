//! The Score dialect of schema validation: the workload schema (`spec/score-v1b1.schema.json`)
//! and the words its errors are said in (what a container name is, how to write a CPU quantity,
//! which of `content`, `binaryContent` and `source` a file takes).

use std::sync::OnceLock;

use jsonschema::error::{ValidationError, ValidationErrorKind};

use crate::builtins::WORKLOAD_SCHEMA;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::document::schema::{Dialect, Located, Schema, list};

/// The Score workload schema, compiled once.
pub(crate) fn workload() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| Schema::compile(WORKLOAD_SCHEMA, &Score))
}

/// Validates a workload document against the Score schema.
pub(crate) fn validate(root: &crate::document::yaml::Node, document: &serde_json::Value) -> Diagnostics {
    workload().validate(root, document)
}

/// Whether a workload document is valid under the Score schema.
pub fn is_valid(document: &serde_json::Value) -> bool {
    workload().is_valid(document)
}

#[derive(Debug)]
struct Score;

impl Dialect for Score {
    fn field_word(&self) -> &'static str {
        "Score"
    }

    fn schema_command(&self) -> &'static str {
        "stave schema workload"
    }

    fn root_help(&self) -> String {
        "start the file with `apiVersion: score.dev/v1b1`, then `metadata:` and `containers:`".to_string()
    }

    fn required_help(&self, property: &str, path: &[String]) -> String {
        required_help(property, path)
    }

    fn key_rule(&self, field: &str, key: &str) -> (String, String) {
        let (what, help) = key_rules(field, key);
        (what.to_string(), help)
    }

    fn value_rule(&self, at: &Located<'_>, value: &str, here: &str) -> (String, String) {
        let in_header = at.path.iter().any(|s| s == "httpHeaders");
        value_rules(at.field(), in_header, value, here)
    }

    fn special(&self, error: &ValidationError<'_>, at: &Located<'_>, out: &mut Diagnostics) -> bool {
        let here = crate::document::schema::describe(&at.path);
        let shown = crate::document::schema::short(error.instance().as_ref());
        match error.kind() {
            ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. } => out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("{here} must be a port number from 1 to 65535, found `{shown}`"),
                )
                .label(at.value_span(), "out of range")
                .help("ports are whole numbers from 1 to 65535"),
            ),
            ValidationErrorKind::MinProperties { .. } => out.push(
                Diagnostic::error(Code::MissingField, format!("{here} needs at least one container"))
                    .label(at.span(), "empty")
                    .help("add a container, e.g. `main: {image: nginx:1.27}`"),
            ),
            ValidationErrorKind::Not { .. } => out.push(
                Diagnostic::error(Code::UnknownField, format!("`target` is not allowed in {here}"))
                    .label(at.key_span("target"), "only used in the deprecated list form")
                    .help("in the map form the key is the target path; remove `target`"),
            ),
            ValidationErrorKind::OneOfMultipleValid { .. } => file_choice(at, &here, out),
            ValidationErrorKind::OneOfNotValid { .. } | ValidationErrorKind::AnyOf { .. } => {
                let object = at.schema_object();
                if object.is_some_and(|s| s.pointer("/properties/binaryContent").is_some()) {
                    file_choice(at, &here, out);
                } else if object.is_some_and(|s| s.pointer("/properties/httpGet").is_some()) {
                    out.push(
                        Diagnostic::error(Code::ProbeKind, format!("{here} needs `httpGet` or `exec`"))
                            .label(at.span(), "no check given")
                            .help("add `httpGet: {path: /healthz, port: 8080}` or `exec: {command: [...]}`"),
                    );
                } else {
                    return false;
                }
            }
            _ => return false,
        }
        true
    }
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
            "use an optional DNS prefix and `/`, then 2 to 63 letters, digits, `-`, `_` or `.`, e.g. \
            `example.com/owner`"
                .to_string(),
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
