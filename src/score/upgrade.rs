//! Upgrades of deprecated forms, applied before validation as score-go does.
//!
//! `files` and `volumes` written as lists become maps keyed by each item's `target`; a list-form
//! `content` is joined with newlines and `read_only` becomes `readOnly`. Each upgrade is reported
//! as a warning at the list, with the map form to write instead.

use indexmap::IndexMap;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::document::yaml::{Entry, Node, Value};

pub(crate) fn upgrade(root: &mut Node, diagnostics: &mut Diagnostics) {
    let Some(containers) = root.as_map_mut().and_then(|m| m.get_mut("containers")) else { return };
    let Some(containers) = containers.node.as_map_mut() else { return };
    for (name, container) in containers.iter_mut() {
        let Some(fields) = container.node.as_map_mut() else { continue };
        for field in ["files", "volumes"] {
            if let Some(entry) = fields.get_mut(field) {
                upgrade_list(name, field, entry, diagnostics);
            }
        }
    }
}

fn upgrade_list(container: &str, field: &str, entry: &mut Entry, diagnostics: &mut Diagnostics) {
    let Value::Seq(items) = &entry.node.value else { return };
    let mut map: IndexMap<String, Entry> = IndexMap::new();
    let mut ok = true;
    for item in items {
        let Some(fields) = item.as_map() else {
            // Not a map: the schema reports it, with the list form intact.
            return;
        };
        let Some(target) = fields.get("target") else {
            diagnostics.push(
                Diagnostic::error(Code::ListItemWithoutTarget, format!("this item of `{field}` has no `target`"))
                    .label(item.span, "no `target` in this item")
                    .help(format!(
                        "better still, write `{field}` as a map keyed by the target path: `/path/in/container: {{...}}`"
                    )),
            );
            ok = false;
            continue;
        };
        let Some(target_path) = target.node.as_str() else {
            // A non-string target: the schema reports the type.
            return;
        };
        if let Some(first) = map.get(target_path) {
            diagnostics.push(
                Diagnostic::error(
                    Code::DuplicateTarget,
                    format!("container `{container}` lists `{target_path}` twice in `{field}`"),
                )
                .label(target.node.span, "second use of this target")
                .label(first.key_span, "first use")
                .help("each target path can be mounted once; remove or rename one of them"),
            );
            ok = false;
            continue;
        }
        let mut upgraded = item.clone();
        if let Some(fields) = upgraded.as_map_mut() {
            fields.shift_remove("target");
            join_list_content(fields);
            if let Some(read_only) = fields.shift_remove("read_only") {
                fields.entry("readOnly".to_string()).or_insert(read_only);
            }
        }
        map.insert(target_path.to_string(), Entry { key_span: target.node.span, node: upgraded });
    }
    diagnostics.push(
        Diagnostic::warning(
            Code::DeprecatedListForm,
            format!("`{field}` of container `{container}` uses the deprecated list form"),
        )
        .label(entry.key_span, "a list here")
        .help(format!(
            "write `{field}` as a map keyed by target path, e.g. `{field}: {{\"/etc/app.conf\": {{...}}}}`; Stave \
            upgrades it for now"
        )),
    );
    if ok {
        entry.node.value = Value::Map(map);
    }
}

/// score-go joins a list-form `content` with newlines.
fn join_list_content(fields: &mut IndexMap<String, Entry>) {
    let Some(content) = fields.get_mut("content") else { return };
    let Value::Seq(lines) = &content.node.value else { return };
    let Some(lines) = lines.iter().map(Node::as_str).collect::<Option<Vec<_>>>() else { return };
    content.node.value = Value::String(lines.join("\n"));
}
