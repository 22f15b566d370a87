//! An environment's `patches:`: changes to emitted objects that the platform team owns (an RFC
//! 6902 JSON patch or an RFC 7386 merge patch, and which objects it applies to). This module only
//! reads them; the targets apply them to what they emit.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value as Json;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::document::yaml::{Node, place_at};
use crate::source::Span;

/// Which objects a patch applies to: every condition given must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Select {
    pub(crate) api_version: Option<String>,
    pub(crate) kind: Option<String>,
    /// Exact, or with `*` standing for any run of characters.
    pub(crate) name: Option<String>,
    #[serde(default)]
    pub(crate) labels: BTreeMap<String, String>,
    /// The objects of these workloads and of the resources they declare.
    #[serde(default)]
    pub(crate) workloads: Vec<String>,
}

/// What a patch does.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Change {
    Json(json_patch::Patch),
    Merge(Json),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Patch {
    /// Its `name`, else `patches[N]`.
    pub(crate) name: String,
    pub(crate) select: Select,
    pub(crate) change: Change,
    /// Its `select` in the platform file.
    pub(crate) select_span: Span,
    /// Its `json` or `merge`.
    pub(crate) change_span: Span,
    /// Each operation of a JSON patch.
    pub(crate) operation_spans: Vec<Span>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PatchInput {
    name: Option<String>,
    select: Select,
    json: Option<Json>,
    merge: Option<Json>,
}

/// The patches of environment `environment`, in order; a JSON patch that is not one is an error
/// at its place (the schema has checked the rest).
pub(super) fn lower(root: &Node, environment: &str, inputs: Vec<PatchInput>, out: &mut Diagnostics) -> Vec<Patch> {
    let mut patches = Vec::new();
    for (index, input) in inputs.into_iter().enumerate() {
        let path = |rest: &[&str]| -> Vec<String> {
            ["environments", environment, "patches", &index.to_string()]
                .iter()
                .chain(rest)
                .map(|s| s.to_string())
                .collect()
        };
        let span = place_at(root, &path(&[])).map_or(root.span, |p| p.node.span);
        let select_span = place_at(root, &path(&["select"])).map_or(span, |p| p.node.span);
        let key = if input.json.is_some() { "json" } else { "merge" };
        let change_span = place_at(root, &path(&[key])).map_or(span, |p| p.node.span);
        let count = input.json.as_ref().and_then(Json::as_array).map_or(0, Vec::len);
        let operation_spans = (0..count)
            .map(|i| place_at(root, &path(&["json", &i.to_string()])).map_or(change_span, |p| p.node.span))
            .collect();
        let name = input.name.unwrap_or_else(|| format!("patches[{index}]"));
        let change = match (input.json, input.merge) {
            (Some(operations), None) => match serde_json::from_value::<json_patch::Patch>(operations) {
                Ok(patch) => Change::Json(patch),
                Err(error) => {
                    out.push(
                        Diagnostic::error(Code::PatchFailed, format!("patch `{name}` is not a JSON patch: {error}"))
                            .label(change_span, "these operations")
                            .help("write RFC 6902 operations: `{op: add, path: /spec/replicas, value: 2}`"),
                    );
                    continue;
                }
            },
            (None, Some(merge)) => Change::Merge(merge),
            _ => continue, // the schema requires exactly one
        };
        patches.push(Patch { name, select: input.select, change, select_span, change_span, operation_spans });
    }
    patches
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters (linear time).
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_runs_of_characters() {
        assert!(glob("api", "api"));
        assert!(!glob("api", "api-2"));
        assert!(glob("api-*", "api-db-1234"));
        assert!(glob("*-headless", "web-headless"));
        assert!(glob("a*b*c", "aXbYc"));
        assert!(!glob("a*b*c", "aXcYb"));
        assert!(!glob("ab*ba", "aba"), "the start and the end may not overlap");
        assert!(glob("*", ""));
    }
}
