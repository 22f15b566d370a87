//! JSON Schema validation of a spanned YAML document: each error is mapped back to the span of
//! the offending value and said in plain language (an unknown field gets a did-you-mean). What a
//! kind of document calls its fields, and the rules it explains in its own words, come from its
//! [`Dialect`] (the Score front end has one; platform and provisioner files use the plain one).

use jsonschema::error::{ValidationError, ValidationErrorKind};
use serde_json::Value as Json;

use super::yaml::{Node, Place, place_at};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::suggest;

/// How one kind of document words its validation errors. Every method has a plain default.
pub(crate) trait Dialect: Sync + std::fmt::Debug {
    /// What a field of this document is called in "not a … field here" labels.
    fn field_word(&self) -> &'static str;
    /// The command that prints the schema, for "see … for what this field accepts".
    fn schema_command(&self) -> &'static str;
    /// Help for a document whose top level is not a map.
    fn root_help(&self) -> String {
        format!("see `{}` for the expected layout", self.schema_command())
    }
    /// Help for a missing required field.
    fn required_help(&self, property: &str, _path: &[String]) -> String {
        format!("add `{property}`")
    }
    /// What a map key of `field` is, and the rule it breaks (a `propertyNames` error).
    fn key_rule(&self, _field: &str, key: &str) -> (String, String) {
        ("name".into(), format!("`{key}` breaks the naming rule of this map; see `{}`", self.schema_command()))
    }
    /// The message and help for a value that breaks a pattern or a length limit.
    fn value_rule(&self, _at: &Located<'_>, value: &str, here: &str) -> (String, String) {
        (
            format!("`{value}` is not valid here ({here})"),
            format!("see `{}` for what this field accepts", self.schema_command()),
        )
    }
    /// The code of an error that a Score file reports as `spec` (`stave::spec::…`): the same
    /// by default.
    fn code(&self, spec: Code) -> Code {
        spec
    }
    /// Words an error itself, for the rules only this dialect knows; `false` leaves it to the
    /// generic wording.
    fn special(&self, _error: &ValidationError<'_>, _at: &Located<'_>, _out: &mut Diagnostics) -> bool {
        false
    }
}

/// The plain dialect: platform files, provisioner files.
#[derive(Debug)]
pub(crate) struct Plain {
    pub(crate) field_word: &'static str,
    pub(crate) schema_command: &'static str,
}

/// The command that prints the platform file's schema: what marks the platform file's dialect.
const PLATFORM_SCHEMA_COMMAND: &str = "stave schema platform";

impl Dialect for Plain {
    fn field_word(&self) -> &'static str {
        self.field_word
    }
    fn schema_command(&self) -> &'static str {
        self.schema_command
    }
    /// The platform file's errors carry its own codes (`stave::platform::…`); a provisioner
    /// file's keep the Score file's.
    fn code(&self, spec: Code) -> Code {
        if self.schema_command == PLATFORM_SCHEMA_COMMAND { spec.of_platform_file() } else { spec }
    }
}

/// A compiled JSON Schema, its document (for did-you-mean candidates and expected types) and
/// the dialect its errors are said in.
#[derive(Debug)]
pub(crate) struct Schema {
    document: Json,
    validator: jsonschema::Validator,
    dialect: &'static dyn Dialect,
}

impl Schema {
    /// Compiles an embedded schema; a broken one is a bug that every test run catches.
    pub(crate) fn compile(text: &str, dialect: &'static dyn Dialect) -> Self {
        let document: Json = serde_json::from_str(text).expect("an embedded schema is valid JSON");
        let validator = jsonschema::validator_for(&document).expect("an embedded schema compiles");
        Schema { document, validator, dialect }
    }

    /// Validates a document; returns one diagnostic per problem, each at its place.
    pub(crate) fn validate(&self, root: &Node, document: &Json) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        for error in self.validator.iter_errors(document) {
            explain(self, &error, root, &mut diagnostics);
        }
        diagnostics.recode(|code| self.dialect.code(code));
        diagnostics
    }

    /// Whether a document is valid (no diagnostics built).
    pub(crate) fn is_valid(&self, document: &Json) -> bool {
        self.validator.is_valid(document)
    }
}

fn decode_pointer(pointer: &str) -> Vec<String> {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
}

/// A path in words: `containers.main.files["/etc/app.conf"].mode`.
pub(crate) fn describe(path: &[String]) -> String {
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

/// One validation error, placed in the document and in the schema.
#[derive(Debug)]
pub(crate) struct Located<'a> {
    schema: &'a Schema,
    /// The path of the failing value in the document.
    pub(crate) path: Vec<String>,
    keyword_path: Vec<String>,
    /// The failing value in the document, when it is there.
    pub(crate) place: Option<Place<'a>>,
    fallback: Span,
}

impl<'a> Located<'a> {
    /// The span of the failing entry (its key, where it has one).
    pub(crate) fn span(&self) -> Span {
        self.place.map_or(self.fallback, |p| p.span())
    }
    /// The span of the failing value.
    pub(crate) fn value_span(&self) -> Span {
        self.place.map_or(self.fallback, |p| p.node.span)
    }
    /// The name of the field this error is about (the last path segment).
    pub(crate) fn field(&self) -> &str {
        self.path.last().map_or("", String::as_str)
    }
    /// The schema object holding the failing keyword.
    pub(crate) fn schema_object(&self) -> Option<&'a Json> {
        schema_at(self.schema, &self.keyword_path[..self.keyword_path.len().saturating_sub(1)])
    }
    /// The span of the key `key` inside the failing map (else the failing entry's span).
    pub(crate) fn key_span(&self, key: &str) -> Span {
        self.place.and_then(|p| p.node.as_map()).and_then(|m| m.get(key)).map_or(self.span(), |entry| entry.key_span)
    }
}

fn explain(schema: &Schema, error: &ValidationError<'_>, root: &Node, out: &mut Diagnostics) {
    let path = decode_pointer(error.instance_path().as_str());
    let keyword_path = decode_pointer(error.schema_path().as_str());
    let place = place_at(root, &path);
    let at = Located { schema, path, keyword_path, place, fallback: root.span };
    let dialect = schema.dialect;
    if dialect.special(error, &at, out) {
        return;
    }
    let here = describe(&at.path);
    let value = error.instance();
    let shown = short(value);
    match error.kind() {
        ValidationErrorKind::AdditionalProperties { unexpected } => unknown_fields(&at, unexpected, &here, out),
        ValidationErrorKind::Required { property } => {
            let property = property.as_str().unwrap_or_default();
            out.push(
                Diagnostic::error(Code::MissingField, format!("{here} is missing the required field `{property}`"))
                    .label(at.span(), format!("add `{property}` here"))
                    .help(dialect.required_help(property, &at.path)),
            );
        }
        ValidationErrorKind::Type { .. } => out.push(wrong_type(&at, value.as_ref(), &shown, &here)),
        ValidationErrorKind::PropertyNames { error: inner } => {
            let key = inner.instance().as_str().unwrap_or_default().to_string();
            let (what, help) = dialect.key_rule(at.field(), &key);
            out.push(
                Diagnostic::error(Code::InvalidValue, format!("`{key}` is not a valid {what} in {here}"))
                    .label(at.key_span(&key), format!("invalid {what}"))
                    .help(help),
            );
        }
        ValidationErrorKind::Pattern { .. }
        | ValidationErrorKind::MinLength { .. }
        | ValidationErrorKind::MaxLength { .. } => {
            let (message, help) = dialect.value_rule(&at, &shown, &here);
            out.push(Diagnostic::error(Code::InvalidValue, message).label(at.value_span(), "invalid value").help(help));
        }
        ValidationErrorKind::Enum { options } => out.push(not_one_of(&at, options, &shown, &here)),
        ValidationErrorKind::Minimum { .. } | ValidationErrorKind::Maximum { .. } => {
            out.push(
                Diagnostic::error(Code::InvalidValue, format!("{here} is out of range: {error}"))
                    .label(at.value_span(), "out of range")
                    .help(format!("see `{}` for the range this field accepts", dialect.schema_command())),
            );
        }
        ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } => {
            if let Some(branch) = best_branch(context, &at.path) {
                for inner in branch {
                    explain(schema, inner, root, out);
                }
            }
        }
        _ => {
            out.push(
                Diagnostic::error(Code::InvalidValue, format!("{here} is invalid: {error}"))
                    .label(at.value_span(), "invalid value")
                    .help(format!("see `{}` for what this field accepts", dialect.schema_command())),
            );
        }
    }
}

/// `unknown field` for each key the schema does not define, with a did-you-mean and what the
/// place accepts.
fn unknown_fields(at: &Located<'_>, unexpected: &[String], here: &str, out: &mut Diagnostics) {
    let allowed: Vec<&str> = at
        .schema_object()
        .and_then(|s| s.get("properties"))
        .and_then(Json::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for key in unexpected {
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
                .label(at.key_span(key), format!("not a {} field here", at.schema.dialect.field_word()))
                .help(help),
        );
    }
}

/// A value of the wrong type: what was expected and found (a whole document that is not a map,
/// a number or boolean where a string belongs: quote it).
fn wrong_type(at: &Located<'_>, value: &Json, shown: &str, here: &str) -> Diagnostic {
    let expected = at.schema_object().and_then(|s| s.get("type")).map_or("another type".to_string(), |t| match t {
        Json::String(s) => article(s),
        Json::Array(items) => items.iter().filter_map(Json::as_str).map(article).collect::<Vec<_>>().join(" or "),
        _ => "another type".to_string(),
    });
    let found = at.place.map_or("another type", |p| p.node.kind_name());
    let (message, help) = if at.path.is_empty() {
        let title = at.schema.document.get("title").and_then(Json::as_str).unwrap_or("this file");
        (format!("a {title} must be a map, found {found}"), at.schema.dialect.root_help())
    } else if expected == "a string" && matches!(value, Json::Number(_) | Json::Bool(_)) {
        (format!("{here} must be a string, found {found}"), format!("quote it: `\"{shown}\"`"))
    } else {
        (format!("{here} must be {expected}, found {found}"), format!("write {here} as {expected}"))
    };
    Diagnostic::error(Code::WrongType, message).label(at.value_span(), format!("this is {found}")).help(help)
}

/// A value outside an `enum`, with a did-you-mean (values are case-sensitive).
fn not_one_of(at: &Located<'_>, options: &Json, shown: &str, here: &str) -> Diagnostic {
    let options: Vec<&str> =
        options.as_array().map(|o| o.iter().filter_map(Json::as_str).collect()).unwrap_or_default();
    let help = match suggest::did_you_mean(shown, options.iter().copied()) {
        Some(best) => format!("did you mean `{best}`? (values are case-sensitive)"),
        None => format!("use one of {}", list(&options)),
    };
    Diagnostic::error(Code::InvalidValue, format!("`{shown}` is not one of {} in {here}", list(&options)))
        .label(at.value_span(), "not an allowed value")
        .help(help)
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

fn article(kind: &str) -> String {
    match kind {
        "object" => "a map".into(),
        "array" => "a list".into(),
        "integer" => "a whole number".into(),
        "string" | "boolean" | "number" => format!("a {kind}"),
        other => other.to_string(),
    }
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn list(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

/// A value as shown in a message: strings bare, the rest as JSON, at most 60 characters.
pub(crate) fn short(value: &Json) -> String {
    let text = match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 { format!("{}…", text.chars().take(60).collect::<String>()) } else { text }
}
