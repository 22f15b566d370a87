//! Placeholders, exactly as score-go reads them: `${…}` is substituted, `$$` is a literal `$`,
//! `$${…}` is a literal `${…}`, a lone `$` stays. Inside, parts are split on `.` (`\.` is a
//! literal dot). `${metadata.…}` resolves now against the workload's metadata (non-strings as
//! JSON); `${resources.<name>.…}` stays a symbolic reference for the targets to lower.
//!
//! One deliberate difference: score-go's validator rejects `\.` and `/` inside a placeholder,
//! although its substitution supports them (`${metadata.annotations.example\.com/owner}`);
//! Stave accepts them.

use std::collections::BTreeMap;

use super::expansion::{Meter, Verdict};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Part, ResourceRef, Template};
use crate::source::{Sources, Span};
use crate::suggest;

/// What placeholders in one workload can refer to.
#[derive(Debug)]
pub(crate) struct Scope<'a> {
    pub(crate) metadata: &'a serde_json::Map<String, serde_json::Value>,
    pub(crate) resources: &'a BTreeMap<String, crate::score::input::ResourceInput>,
    /// What the workload's placeholders have expanded to so far, against the limits.
    pub(crate) meter: &'a Meter,
}

/// Finds where a placeholder appears in the source text of its string value, so the label can
/// sit on the placeholder itself rather than the whole value. `cursor` moves past each match.
fn locate(raw: &str, needle: &str, cursor: &mut usize, value: Span) -> Span {
    match raw.get(*cursor..).and_then(|rest| rest.find(needle)) {
        Some(found) => {
            let start = *cursor + found;
            *cursor = start + needle.len();
            value.sub(start, start + needle.len())
        }
        None => value,
    }
}

/// Parses a string that Score expands, reporting malformed or unresolvable placeholders.
pub(crate) fn parse(text: &str, value: Span, scope: &Scope<'_>, sources: &Sources, out: &mut Diagnostics) -> Template {
    let raw = sources.slice(value);
    let mut cursor = 0;
    let mut parts = Vec::new();
    let mut literal = String::new();
    // The bytes of the value in `parts` so far.
    let mut done = 0;
    let mut rest = text;
    while let Some(dollar) = rest.find('$') {
        literal.push_str(&rest[..dollar]);
        let after = &rest[dollar + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            // `$${…}` is a literal `${…}`; otherwise `$$` is a literal `$`.
            if let Some(close) = escaped.strip_prefix('{').and_then(|b| b.find('}')) {
                literal.push('$');
                literal.push_str(&escaped[..close + 2]);
                rest = &escaped[close + 2..];
            } else {
                literal.push('$');
                rest = escaped;
            }
        } else if let Some(body_and_rest) = after.strip_prefix('{') {
            let Some(close) = body_and_rest.find('}') else {
                let span = locate(raw, "${", &mut cursor, value);
                out.push(
                    Diagnostic::warning(
                        Code::UnterminatedPlaceholder,
                        "`${` has no closing `}`, so it is kept as text",
                    )
                    .label(span, "unterminated placeholder")
                    .help("close it with `}`, or write `$${` for a literal `${`"),
                );
                literal.push_str(&rest[dollar..]);
                rest = "";
                break;
            };
            let body = &body_and_rest[..close];
            let span = locate(raw, &format!("${{{body}}}"), &mut cursor, value);
            match resolve(body, span, scope, out) {
                Some(Resolved::Text(text)) => {
                    let before = (done + literal.len()) as u64;
                    match scope.meter.expand(|| format!("${{{body}}}"), span, before, text.len() as u64) {
                        Verdict::Fits => literal.push_str(&text),
                        Verdict::Crossed(diagnostic) => out.push(*diagnostic),
                        Verdict::Stopped => {}
                    }
                }
                Some(Resolved::Resource(reference)) => {
                    if !literal.is_empty() {
                        done += literal.len();
                        parts.push(Part::Text(std::mem::take(&mut literal)));
                    }
                    parts.push(Part::Resource(reference));
                }
                None => {}
            }
            rest = &body_and_rest[close + 1..];
        } else {
            literal.push('$');
            rest = after;
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Text(literal));
    }
    // Held for the whole compile: at its exact size (a first push keeps room for four).
    parts.shrink_to_fit();
    Template { parts, span: value }
}

enum Resolved {
    Text(String),
    Resource(ResourceRef),
}

const FORMS: &str = "write `${resources.<name>.<output>}` or `${metadata.<key>}`; write `$$` for a literal `$`";

fn resolve(body: &str, span: Span, scope: &Scope<'_>, out: &mut Diagnostics) -> Option<Resolved> {
    let parts = crate::document::dotted::split(body, false);
    if parts.len() < 2 || parts.iter().any(String::is_empty) {
        let why = if body.is_empty() {
            "it is empty".to_string()
        } else if parts.len() < 2 {
            "it needs at least two parts separated by `.`".to_string()
        } else {
            "it has an empty part (two dots in a row, or a dot at an end)".to_string()
        };
        out.push(
            Diagnostic::error(Code::BadPlaceholder, format!("placeholder `${{{body}}}` is malformed: {why}"))
                .label(span, "malformed placeholder")
                .help(FORMS),
        );
        return None;
    }
    match parts[0].as_str() {
        "metadata" => resolve_metadata(body, &parts[1..], span, scope, out).map(Resolved::Text),
        "resources" => {
            let name = &parts[1];
            if !scope.resources.contains_key(name) {
                let declared = scope.resources.keys().map(String::as_str);
                // A typo of a declared resource is fixed by using it, not by declaring the typo.
                let help = match suggest::did_you_mean(name, declared.clone()) {
                    Some(meant) => {
                        match body.strip_prefix("resources.").and_then(|rest| rest.strip_prefix(name.as_str())) {
                            Some(rest) => format!("write `${{resources.{meant}{rest}}}`"),
                            None => format!("use the declared resource `{meant}`"),
                        }
                    }
                    None => format!("declare it under `resources:`, e.g. `{name}: {{type: postgres}}`"),
                };
                out.push(
                    Diagnostic::error(
                        Code::UnknownResource,
                        format!("resource `{name}` is not declared{}", suggest::hint(name, declared)),
                    )
                    .label(span, "this resource is not in `resources`")
                    .help(help),
                );
                return None;
            }
            Some(Resolved::Resource(ResourceRef { resource: name.clone(), path: parts[2..].to_vec(), span }))
        }
        root => {
            let hint = suggest::hint(root, ["metadata", "resources"]);
            out.push(
                Diagnostic::error(
                    Code::UnknownPlaceholderRoot,
                    format!("placeholder `${{{body}}}` starts with `{root}`, not `metadata` or `resources`{hint}"),
                )
                .label(span, "unknown placeholder root")
                .help(format!("{FORMS}; to keep `${{{body}}}` as text, write `$${{{body}}}`")),
            );
            None
        }
    }
}

fn resolve_metadata(
    body: &str,
    keys: &[String],
    span: Span,
    scope: &Scope<'_>,
    out: &mut Diagnostics,
) -> Option<String> {
    let mut current = scope.metadata;
    let mut value = None;
    for (depth, key) in keys.iter().enumerate() {
        let Some(found) = current.get(key) else {
            let walked =
                if depth == 0 { "metadata".to_string() } else { format!("metadata.{}", keys[..depth].join(".")) };
            let candidates: Vec<&str> = current.keys().map(String::as_str).collect();
            let hint = suggest::hint(key, candidates.iter().copied());
            out.push(
                Diagnostic::error(Code::UnknownMetadata, format!("`{walked}` has no key `{key}`{hint}"))
                    .label(span, format!("`${{{body}}}` cannot be resolved"))
                    .help(if candidates.is_empty() {
                        format!("add `{key}` under `{walked}`")
                    } else {
                        format!(
                            "`{walked}` has: {}",
                            candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                        )
                    }),
            );
            return None;
        };
        value = Some(found);
        if depth + 1 < keys.len() {
            match found {
                serde_json::Value::Object(map) => current = map,
                _ => {
                    out.push(
                        Diagnostic::error(
                            Code::UnknownMetadata,
                            format!(
                                "`metadata.{}` is not a map, so `{}` cannot be looked up in it",
                                keys[..=depth].join("."),
                                keys[depth + 1]
                            ),
                        )
                        .label(span, format!("`${{{body}}}` cannot be resolved"))
                        .help(format!("use `${{metadata.{}}}`", keys[..=depth].join("."))),
                    );
                    return None;
                }
            }
        }
    }
    Some(match value? {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// Whether a string holds something that looks like a placeholder: for warning about fields
/// where Score does not expand them.
pub(crate) fn looks_like_placeholder(text: &str) -> Option<usize> {
    ["${resources.", "${metadata."].iter().filter_map(|p| text.find(p)).min()
}
