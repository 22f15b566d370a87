//! A param that the provisioner's JSON Schema refuses, in the user's words: which param (by
//! its dotted path, `rooms.1.name`), what is wrong with its value, and what the provisioner
//! accepts there (its type, values, pattern, bounds, description; or its params, with a "did
//! you mean"), located at the value in the workload file.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as Kind;
use serde_json::Value as Json;

use crate::suggest;

/// What one schema error says, before it is placed: the pointer of the value it is about (in
/// the params), the message after `resource `…`: `, the label and the help.
#[derive(Debug)]
pub(super) struct Refusal {
    pub(crate) pointer: String,
    pub(crate) message: String,
    pub(crate) label: String,
    pub(crate) help: String,
}

/// What the params schema `schema` of provisioner `provisioner` refuses in `params`, for
/// `error`: usually one refusal, one per param for unknown params.
pub(super) fn refusals(error: &ValidationError<'_>, params: &Json, schema: &Json, provisioner: &str) -> Vec<Refusal> {
    let pointer = error.instance_path().as_str().to_string();
    let name = dotted(&pointer);
    // The params as a whole (a schema rule about them all) have no name to give.
    let subject = if name.is_empty() { "the `params` map".to_string() } else { format!("param `{name}`") };
    let accepts = |pointer: &str, name: &str| match lookup(schema, pointer).and_then(describe) {
        Some(what) if name.is_empty() => format!("provisioner `{provisioner}` takes its params as {what}"),
        Some(what) => format!("provisioner `{provisioner}` takes `{name}` as {what}"),
        None => params_help(schema, "", provisioner),
    };
    let refused = |message: String| Refusal {
        pointer: pointer.clone(),
        message: format!("{subject} {message}"),
        label: "not accepted by the provisioner".into(),
        help: accepts(&pointer, &name),
    };
    let value = error.instance();
    match error.kind() {
        Kind::AdditionalProperties { unexpected } => {
            unexpected.iter().map(|key| unknown(schema, &pointer, key, provisioner)).collect()
        }
        Kind::FalseSchema if error.schema_path().as_str().ends_with("/additionalProperties") => {
            // Without `properties` (or `patternProperties`), every key is refused; the schema
            // error names only the first.
            let keys = params.pointer(&pointer).and_then(Json::as_object).map(|m| m.keys().cloned().collect());
            let keys: Vec<String> = keys.unwrap_or_default();
            keys.iter().map(|key| unknown(schema, &pointer, key, provisioner)).collect()
        }
        Kind::FalseSchema => vec![refused(format!("is not accepted by provisioner `{provisioner}`"))],
        Kind::Required { property } => {
            let property = property.as_str().map_or_else(|| property.to_string(), str::to_string);
            let path = format!("{pointer}/{}", property.replace('~', "~0").replace('/', "~1"));
            let missing = dotted(&path);
            vec![Refusal {
                pointer: pointer.clone(),
                message: format!("param `{missing}` is missing; provisioner `{provisioner}` requires it"),
                label: format!("`{missing}` is not set here"),
                help: accepts(&path, &missing),
            }]
        }
        Kind::Type { .. } => {
            let wanted =
                lookup(schema, &pointer).and_then(|s| s.get("type")).map_or_else(|| "another type".into(), types);
            vec![refused(format!("must be {wanted}, not {}", kind_of(value)))]
        }
        Kind::Enum { options } => {
            let options: Vec<&Json> = options.as_array().map(|o| o.iter().collect()).unwrap_or_default();
            let hint =
                value.as_str().map(|v| suggest::hint(v, options.iter().filter_map(|o| o.as_str()))).unwrap_or_default();
            vec![refused(format!("must be one of {}, not {}{hint}", listed(&options), shown(value)))]
        }
        Kind::Constant { expected_value } => {
            vec![refused(format!("must be {}, not {}", shown(expected_value), shown(value)))]
        }
        Kind::Pattern { pattern } => {
            vec![refused(format!("must match the pattern `{pattern}`, and {} does not", shown(value)))]
        }
        Kind::Minimum { limit } => vec![refused(format!("must be at least {limit}, not {}", shown(value)))],
        Kind::Maximum { limit } => vec![refused(format!("must be at most {limit}, not {}", shown(value)))],
        Kind::ExclusiveMinimum { limit } => {
            vec![refused(format!("must be greater than {limit}, not {}", shown(value)))]
        }
        Kind::ExclusiveMaximum { limit } => vec![refused(format!("must be less than {limit}, not {}", shown(value)))],
        Kind::MinLength { limit } | Kind::MaxLength { limit } => {
            let bound = if matches!(error.kind(), Kind::MinLength { .. }) { "at least" } else { "at most" };
            let length = value.as_str().map_or(0, |v| v.chars().count());
            vec![refused(format!("must be {bound} {limit} characters long, not {length}"))]
        }
        Kind::MinItems { limit } | Kind::MaxItems { limit } => {
            let bound = if matches!(error.kind(), Kind::MinItems { .. }) { "at least" } else { "at most" };
            let count = value.as_array().map_or(0, Vec::len);
            vec![refused(format!("must have {bound} {limit} items, not {count}"))]
        }
        Kind::MinProperties { limit } | Kind::MaxProperties { limit } => {
            let bound = if matches!(error.kind(), Kind::MinProperties { .. }) { "at least" } else { "at most" };
            let count = value.as_object().map_or(0, serde_json::Map::len);
            vec![refused(format!("must have {bound} {limit} keys, not {count}"))]
        }
        _ => vec![refused(format!("is refused: {error}"))],
    }
}

/// `key`, a param the object at `pointer` does not have.
fn unknown(schema: &Json, pointer: &str, key: &str, provisioner: &str) -> Refusal {
    let names = property_names(lookup(schema, pointer));
    let hint = suggest::hint(key, names.iter().map(String::as_str));
    let name = dotted(&format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")));
    Refusal {
        pointer: format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1")),
        message: format!("`{name}` is not a param of provisioner `{provisioner}`{hint}"),
        label: format!("not a param of `{provisioner}`"),
        help: params_help(schema, pointer, provisioner),
    }
}

/// What the object at `pointer` takes: its params, or none.
fn params_help(schema: &Json, pointer: &str, provisioner: &str) -> String {
    let names = property_names(lookup(schema, pointer));
    let at = if pointer.is_empty() { String::new() } else { format!(" in `{}`", dotted(pointer)) };
    if names.is_empty() {
        format!("provisioner `{provisioner}` takes no params{at}")
    } else {
        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
        format!("provisioner `{provisioner}` takes these params{at}: {}", names.join(", "))
    }
}

fn property_names(schema: Option<&Json>) -> Vec<String> {
    schema
        .and_then(|s| s.get("properties"))
        .and_then(Json::as_object)
        .map(|p| p.keys().cloned().collect())
        .unwrap_or_default()
}

/// The schema of the value at `pointer` in the params: through `properties`, `items` and
/// `additionalProperties` (a `$ref` or a combinator is not followed).
fn lookup<'s>(schema: &'s Json, pointer: &str) -> Option<&'s Json> {
    let mut current = schema;
    for segment in segments(pointer) {
        current = if let Some(property) = current.get("properties").and_then(|p| p.get(&segment)) {
            property
        } else if segment.parse::<usize>().is_ok() && current.get("items").is_some_and(Json::is_object) {
            &current["items"]
        } else {
            current.get("additionalProperties").filter(|a| a.is_object())?
        };
    }
    Some(current)
}

/// What a schema accepts, in words: `an integer from 1 to 3`, `one of `a`, `b``, with its
/// description.
fn describe(schema: &Json) -> Option<String> {
    let number = |key: &str| schema.get(key).filter(|v| v.is_number()).map(Json::to_string);
    let what = if let Some(value) = schema.get("const") {
        format!("exactly {}", shown(value))
    } else if let Some(options) = schema.get("enum").and_then(Json::as_array) {
        format!("one of {}", listed(&options.iter().collect::<Vec<_>>()))
    } else {
        let mut what = schema.get("type").map_or_else(String::new, types);
        if let Some(pattern) = schema.get("pattern").and_then(Json::as_str) {
            what.push_str(&format!(" matching `{pattern}`"));
        }
        what.push_str(&range(number("minLength"), number("maxLength"), "characters"));
        what.push_str(&range(number("minItems"), number("maxItems"), "items"));
        what.push_str(&range(number("minimum"), number("maximum"), ""));
        if let Some(limit) = number("exclusiveMinimum") {
            what.push_str(&format!(" greater than {limit}"));
        }
        if let Some(limit) = number("exclusiveMaximum") {
            what.push_str(&format!(" less than {limit}"));
        }
        what.trim().to_string()
    };
    let description = schema.get("description").and_then(Json::as_str).map(|d| d.trim().trim_end_matches('.'));
    match (what.is_empty(), description) {
        (true, None) => None,
        (true, Some(description)) => Some(format!("a value: {description}")),
        (false, None) => Some(what),
        (false, Some(description)) => Some(format!("{what} ({description})")),
    }
}

/// ` from 1 to 3`, ` of at least 3 characters`, or nothing.
fn range(low: Option<String>, high: Option<String>, unit: &str) -> String {
    let (of, unit) = if unit.is_empty() { ("", String::new()) } else { (" of", format!(" {unit}")) };
    match (low, high) {
        (Some(low), Some(high)) if unit.is_empty() => format!(" from {low} to {high}"),
        (Some(low), Some(high)) => format!("{of} {low} to {high}{unit}"),
        (Some(low), None) => format!("{of} at least {low}{unit}"),
        (None, Some(high)) => format!("{of} at most {high}{unit}"),
        (None, None) => String::new(),
    }
}

/// A schema's `type` in words: `an integer`, `a string or a list`.
fn types(value: &Json) -> String {
    let word = |t: &str| match t {
        "string" => "a string",
        "integer" => "an integer",
        "number" => "a number",
        "boolean" => "true or false",
        "array" => "a list",
        "object" => "a map",
        "null" => "null",
        _ => "a value",
    };
    match value {
        Json::String(t) => word(t).to_string(),
        Json::Array(ts) => ts.iter().filter_map(Json::as_str).map(word).collect::<Vec<_>>().join(" or "),
        _ => "a value".to_string(),
    }
}

/// What a value is, for "must be an integer, not …".
fn kind_of(value: &Json) -> String {
    match value {
        Json::String(_) => format!("the string {}", shown(value)),
        Json::Number(_) => format!("the number {}", shown(value)),
        Json::Bool(_) => shown(value),
        Json::Array(_) => "a list".into(),
        Json::Object(_) => "a map".into(),
        Json::Null => "null".into(),
    }
}

/// A value as the workload wrote it, in backticks, cut when long.
fn shown(value: &Json) -> String {
    const MOST: usize = 40;
    let text = value.as_str().map_or_else(|| value.to_string(), str::to_string);
    if text.chars().count() > MOST {
        format!("`{}…`", text.chars().take(MOST).collect::<String>())
    } else {
        format!("`{text}`")
    }
}

fn listed(values: &[&Json]) -> String {
    values.iter().map(|v| shown(v)).collect::<Vec<_>>().join(", ")
}

fn segments(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer.split('/').skip(1).map(|s| s.replace("~1", "/").replace("~0", "~"))
}

/// `rooms.1.name` for `/rooms/1/name`.
fn dotted(pointer: &str) -> String {
    segments(pointer).collect::<Vec<_>>().join(".")
}
