//! Overrides applied to a workload's tree before validation, as score-k8s and score-compose do.
//!
//! `--overrides-file FILE` is merged in (maps merge key by key, a null deletes a key, anything else
//! replaces); then each `--override-property PATH=VALUE` sets or, with an empty value, deletes one
//! path. VALUE is parsed as YAML, `\.` escapes a dot in PATH, numeric segments index lists and
//! `-1` appends. Values keep the spans of the overrides file or command-line argument they came
//! from, so a later error in an overridden value points there.

use indexmap::IndexMap;

use super::yaml::{self, Entry, Node, Value};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceId, Sources, Span};

/// One `--override-property` argument, registered as its own source so errors can point into it.
#[derive(Debug, Clone)]
pub struct PropertyOverride {
    pub source: SourceId,
}

/// Merges an overrides document into the workload (score-go's `OverrideMapInMap`).
pub fn merge_file(target: &mut Node, patch: Node) -> Result<(), Diagnostic> {
    let Value::Map(patch_map) = patch.value else {
        return Err(Diagnostic::error(Code::InvalidOverride, "an overrides file must hold a map of fields to change")
            .label(patch.span, format!("this is {}", patch.kind_name()))
            .help("write the fields to change as they appear in the workload, e.g. `containers: {main: {image: nginx}}`"));
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

/// Splits an override path on dots; `\.` is a literal dot and `\\` a literal backslash.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some('.')) => {
                parts.last_mut().map(|p| p.push('.'));
                chars.next();
            }
            ('\\', Some('\\')) => {
                parts.last_mut().map(|p| p.push('\\'));
                chars.next();
            }
            ('.', _) => parts.push(String::new()),
            _ => {
                parts.last_mut().map(|p| p.push(c));
            }
        }
    }
    parts
}

/// Applies one `PATH=VALUE` argument.
pub fn apply_property(target: &mut Node, property: &PropertyOverride, sources: &Sources) -> Result<(), Diagnostic> {
    let file = sources.get(property.source);
    let whole = Span::new(property.source, 0, file.text.len());
    let Some((path, value_text)) = file.text.split_once('=') else {
        return Err(Diagnostic::error(Code::InvalidOverride, "an override property needs the form `PATH=VALUE`")
            .label(whole, "no `=` here")
            .help("for example `--override-property containers.main.variables.DEBUG=true`; an empty VALUE deletes the path"));
    };
    let path_span = Span::new(property.source, 0, path.len());
    let segments = split_path(path);
    if path.is_empty() || segments.iter().any(String::is_empty) {
        return Err(Diagnostic::error(Code::InvalidOverride, format!("`{path}` is not a valid override path"))
            .label(path_span, "empty path segment")
            .help("separate fields with single dots, e.g. `containers.main.image`; write `\\.` for a dot inside a key"));
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
    set_path(target, &segments, value).map_err(|reason| {
        Diagnostic::error(Code::InvalidOverride, format!("cannot apply override `{path}`: {reason}"))
            .label(path_span, "this path")
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

/// Sets (`Some`) or deletes (`None`) the value at `path`, creating maps along the way.
fn set_path(node: &mut Node, path: &[String], value: Option<Node>) -> Result<(), String> {
    let Some((head, rest)) = path.split_first() else {
        return Err("cannot replace the whole workload".to_string());
    };
    let span = node.span;
    match &mut node.value {
        Value::Map(map) => {
            if rest.is_empty() {
                match value {
                    Some(value) if !matches!(value.value, Value::Null) => {
                        let key_span = value.span;
                        map.insert(head.clone(), Entry { key_span, node: value });
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
            set_path(&mut entry.node, rest, value).map_err(|e| format!("{head}.{e}"))
        }
        Value::Seq(items) => {
            let index: i64 = head.parse().map_err(|_| format!("`{head}` is not a list index"))?;
            let len = items.len();
            if rest.is_empty() {
                return match value {
                    Some(value) if index == -1 => {
                        items.push(value);
                        Ok(())
                    }
                    Some(value) => {
                        let slot = usize::try_from(index).ok().and_then(|i| items.get_mut(i));
                        let slot = slot.ok_or_else(|| format!("index {index} is out of range (the list has {len} items)"))?;
                        *slot = value;
                        Ok(())
                    }
                    None => {
                        let i = usize::try_from(index).ok().filter(|&i| i < len);
                        let i = i.ok_or_else(|| format!("index {index} is out of range (the list has {len} items)"))?;
                        items.remove(i);
                        Ok(())
                    }
                };
            }
            let slot = usize::try_from(index).ok().and_then(|i| items.get_mut(i));
            let slot = slot.ok_or_else(|| format!("index {index} is out of range (the list has {len} items)"))?;
            set_path(slot, rest, value).map_err(|e| format!("{head}.{e}"))
        }
        _ => Err(format!("`{head}` is inside {}, not a map or list", node.kind_name())),
    }
}

#[cfg(test)]
mod tests {
    use super::split_path;

    #[test]
    fn splits_on_unescaped_dots() {
        assert_eq!(split_path("a.b\\.c.d"), ["a", "b.c", "d"]);
        assert_eq!(split_path("a\\\\.b"), ["a\\", "b"]);
    }
}
