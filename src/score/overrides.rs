//! Overrides applied to a workload's tree before validation, as score-k8s and score-compose do.
//!
//! `--overrides-file FILE` is merged in (maps merge key by key, a null deletes a key, anything else
//! replaces); then each `--override-property PATH=VALUE` sets or, with an empty value, deletes one
//! path. VALUE is parsed as YAML, `\.` escapes a dot in PATH, numeric segments index lists and
//! `-1` appends. Values keep the spans of the overrides file or command-line argument they came
//! from, so a later error in an overridden value points there.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::document::yaml::{self, Entry, Node, Value};
use crate::source::{SourceId, Sources, Span};

/// One `--override-property` argument, registered as its own source so errors can point into it.
#[derive(Debug, Clone)]
pub(crate) struct PropertyOverride {
    pub(crate) source: SourceId,
}

/// Merges an overrides document into the workload (score-go's `OverrideMapInMap`).
pub(crate) fn merge_file(target: &mut Node, patch: Node) -> Result<(), Diagnostic> {
    let Value::Map(patch_map) = patch.value else {
        return Err(Diagnostic::error(Code::InvalidOverride, "an overrides file must hold a map of fields to change")
            .label(patch.span, format!("this is {}", patch.kind_name()))
            .help(
                "write the fields to change as they appear in the workload, e.g. `containers: {main: {image: nginx}}`",
            ));
    };
    merge_maps(target, patch_map);
    Ok(())
}

fn merge_maps(target: &mut Node, patch: IndexMap<String, Entry>) {
    if !matches!(target.value, Value::Map(_)) {
        target.value = Value::Map(IndexMap::new());
    }
    let Some(map) = target.as_map_mut() else { return };
    for (key, entry) in patch {
        match (&entry.node.value, map.get_mut(&key)) {
            (Value::Null, _) => {
                map.shift_remove(&key);
            }
            (Value::Map(_), Some(existing)) if matches!(existing.node.value, Value::Map(_)) => {
                let Value::Map(inner) = entry.node.value else { continue };
                merge_maps(&mut existing.node, inner);
            }
            _ => {
                map.insert(key, entry);
            }
        }
    }
}

/// Applies one `PATH=VALUE` argument.
pub(crate) fn apply_property(
    target: &mut Node,
    property: &PropertyOverride,
    sources: &Sources,
) -> Result<(), Diagnostic> {
    let file = sources.get(property.source);
    let whole = Span::new(property.source, 0, file.text.len());
    let Some((path, value_text)) = file.text.split_once('=') else {
        return Err(Diagnostic::error(Code::InvalidOverride, "an override property needs the form `PATH=VALUE`")
            .label(whole, "no `=` here")
            .help(
                "for example `--override-property containers.main.variables.DEBUG=true`; an empty VALUE deletes the \
                path",
            ));
    };
    let path_span = Span::new(property.source, 0, path.len());
    let segments = crate::document::dotted::split(path, true);
    if path.is_empty() || segments.iter().any(String::is_empty) {
        return Err(Diagnostic::error(Code::InvalidOverride, format!("`{path}` is not a valid override path"))
            .label(path_span, "empty path segment")
            .help(
                "separate fields with single dots, e.g. `containers.main.image`; write `\\.` for a dot inside a key",
            ));
    }
    let value = if value_text.is_empty() {
        None
    } else {
        let offset = path.len() + 1;
        let value_file = crate::source::SourceFile::detached(value_text);
        let mut node = yaml::parse(&value_file, property.source).map_err(|mut d| {
            for label in &mut d.labels {
                label.span = shift(label.span, offset);
            }
            d
        })?;
        shift_node(&mut node, offset);
        Some(node)
    };
    set_path(target, &segments, 0, value).map_err(|reason| {
        Diagnostic::error(Code::InvalidOverride, format!("cannot apply override `{path}`: {reason}"))
            .label(path_span, "this path")
            .help("list segments must be indices (`-1` appends); every other segment must name a map key")
    })
}

/// One override an environment of the platform file applies: a path set (or deleted, with
/// `null`) in every workload, or in the one named.
#[derive(Debug, Clone)]
pub struct PlatformOverride {
    pub(crate) workload: Option<String>,
    pub(crate) path: Vec<String>,
    /// `None` deletes the path.
    pub(crate) value: Option<Node>,
    /// The path's key in the platform file.
    pub(crate) span: Span,
}

/// Applies one override from the platform file.
pub(crate) fn apply_platform(target: &mut Node, platform_override: &PlatformOverride) -> Result<(), Diagnostic> {
    set_path(target, &platform_override.path, 0, platform_override.value.clone()).map_err(|reason| {
        Diagnostic::error(
            Code::InvalidOverride,
            format!("cannot apply the platform override `{}`: {reason}", platform_override.path.join(".")),
        )
        .label(platform_override.span, "this override")
        .help("list segments must be indices (`-1` appends); every other segment must name a map key")
    })
}

fn shift(span: Span, offset: usize) -> Span {
    Span::new(span.source, span.start as usize + offset, span.end as usize + offset)
}

fn shift_node(node: &mut Node, offset: usize) {
    node.span = shift(node.span, offset);
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|item| shift_node(item, offset)),
        Value::Map(map) => map.values_mut().for_each(|entry| {
            entry.key_span = shift(entry.key_span, offset);
            shift_node(&mut entry.node, offset);
        }),
        _ => {}
    }
}

/// Sets (`Some`) or deletes (`None`) the value at `path[depth..]` below `node`, creating maps
/// along the way. `path[..depth]` is where `node` sits, for messages.
/// The most segments an override path may have (a workload nests far less deeply).
pub(crate) const MAX_PATH_SEGMENTS: usize = 32;

fn set_path(node: &mut Node, path: &[String], depth: usize, value: Option<Node>) -> Result<(), String> {
    if path.len() > MAX_PATH_SEGMENTS {
        return Err(format!(
            "the path has {} segments, and a workload nests at most {MAX_PATH_SEGMENTS} deep",
            path.len()
        ));
    }
    let Some(head) = path.get(depth) else {
        return Err("it would replace the whole workload".to_string());
    };
    let last = depth + 1 == path.len();
    let here = || if depth == 0 { "the workload".to_string() } else { format!("`{}`", path[..depth].join(".")) };
    let span = node.span;
    let kind = node.kind_name();
    match &mut node.value {
        Value::Map(map) => {
            if last {
                match value {
                    Some(value) if !matches!(value.value, Value::Null) => {
                        map.insert(head.clone(), Entry { key_span: value.span, node: value });
                    }
                    _ => {
                        map.shift_remove(head);
                    }
                }
                return Ok(());
            }
            let entry = map
                .entry(head.clone())
                .or_insert_with(|| Entry { key_span: span, node: Node::new(Value::Map(IndexMap::new()), span) });
            set_path(&mut entry.node, path, depth + 1, value)
        }
        Value::Seq(items) => {
            let len = items.len();
            let index: i64 = head.parse().map_err(|_| format!("{} is a list, and `{head}` is not an index", here()))?;
            let out_of_range = || format!("index {index} is out of range: {} has {len} items", here());
            let position = usize::try_from(index).ok().filter(|&i| i < len);
            match (last, value) {
                (true, Some(value)) if index == -1 => items.push(value),
                (true, Some(value)) => items[position.ok_or_else(out_of_range)?] = value,
                (true, None) => {
                    items.remove(position.ok_or_else(out_of_range)?);
                }
                (false, value) => {
                    return set_path(&mut items[position.ok_or_else(out_of_range)?], path, depth + 1, value);
                }
            }
            Ok(())
        }
        _ => Err(format!("{} is {kind}, so `{head}` cannot be set inside it", here())),
    }
}
