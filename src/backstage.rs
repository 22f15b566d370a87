//! Backstage catalog entities from the graph: one `System` for the compiled set, one `Component`
//! (type `service`) per workload, one `Resource` per resource (type: its Score type; a shared
//! resource once), in that order, each group sorted by name.
//!
//! A component `dependsOn` the resources it declares and the workloads it links to (a
//! `service-port` or `service` resource is a link, so it becomes that dependency, not a
//! `Resource`); a resource `dependsOn` the resources its params read. Owner and lifecycle come
//! from the workload annotations `stave.dev/owner` and `stave.dev/lifecycle`; a workload without
//! an owner gets the default owner (`unknown`, unless the caller gives one) and, when the caller
//! gave none, the warning `stave::catalog::missing-owner`. A resource belongs to the owner of the
//! workload that carries its params. Entity names are workload names and resources' DNS names
//! (`Resource::dns_name`), both valid Backstage names; each resource keeps its UID as title and
//! in the annotation `stave.dev/uid`.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::{self, Graph, Resource};
use crate::ir::Workload;

/// The annotation naming a workload's owner (a Backstage entity reference, e.g. `group:payments`).
pub(crate) const OWNER: &str = "stave.dev/owner";
/// The annotation naming a workload's lifecycle (`experimental`, `production`, `deprecated`, …).
pub(crate) const LIFECYCLE: &str = "stave.dev/lifecycle";
/// The annotation each resource entity carries its UID in.
pub(crate) const UID: &str = "stave.dev/uid";
/// The owner of a workload that names none, when the caller gives no other.
pub(crate) const DEFAULT_OWNER: &str = "unknown";
/// The lifecycle of a workload that names none.
pub(crate) const DEFAULT_LIFECYCLE: &str = "experimental";

const API_VERSION: &str = "backstage.io/v1alpha1";

/// What the caller decides for the whole set.
#[derive(Debug, Clone)]
pub(crate) struct Options {
    /// The System's name (a valid entity name, see [`is_entity_name`]).
    pub(crate) system: String,
    /// The System's owner and the owner of every workload that names none; with it, a missing
    /// owner is no warning.
    pub(crate) owner: Option<String>,
}

/// The entities, System first; or the errors (an owner that can name no entity). Warnings
/// are returned beside the entities.
pub(crate) fn entities(
    workloads: &[Workload],
    graph: &Graph,
    options: &Options,
) -> Result<(Vec<Value>, Diagnostics), Diagnostics> {
    let mut out = Diagnostics::new();
    let default_owner = options.owner.as_deref().unwrap_or(DEFAULT_OWNER);
    let mut owners = Vec::new();
    let mut components = Vec::new();
    for workload in workloads {
        let owner = owner(workload, options.owner.is_some(), &mut out).unwrap_or_else(|| default_owner.to_string());
        let lifecycle = lifecycle(workload);
        let itself = format!("component:{}", workload.name);
        let depends: BTreeSet<String> = workload
            .resources
            .keys()
            .filter_map(|name| graph.local.get(&(workload.name.clone(), name.clone())))
            .filter_map(|uid| reference(graph, uid))
            .filter(|reference| *reference != itself)
            .collect();
        let spec = json!({
            "type": "service",
            "lifecycle": lifecycle,
            "owner": owner,
            "system": options.system,
            "dependsOn": depends.into_iter().collect::<Vec<_>>(),
        });
        components.push(entity("Component", &workload.name, None, Map::new(), spec));
        owners.push((workload.name.clone(), owner));
    }
    if out.has_errors() {
        return Err(out.sorted());
    }
    let owner_of = |name: &str| {
        owners.iter().find(|(w, _)| w == name).map_or_else(|| default_owner.to_string(), |(_, o)| o.clone())
    };
    let mut resources: Vec<(String, Value)> = Vec::new();
    for resource in graph.resources.values().filter(|r| graph::link_target(r).is_none()) {
        let depends: BTreeSet<String> =
            graph.param_dependencies(&resource.uid).into_iter().filter_map(|uid| reference(graph, uid)).collect();
        let spec = json!({
            "type": resource.kind,
            "owner": owner_of(&resource.source_workload),
            "system": options.system,
            "dependsOn": depends.into_iter().collect::<Vec<_>>(),
        });
        let annotations = Map::from_iter([(UID.to_string(), Value::from(resource.uid.clone()))]);
        let name = resource.dns_name();
        resources.push((name.clone(), entity("Resource", &name, Some(&resource.uid), annotations, spec)));
    }
    resources.sort_by(|a, b| a.0.cmp(&b.0));
    let system_owner = options.owner.clone().unwrap_or_else(|| common_owner(&owners));
    let system = entity("System", &options.system, None, Map::new(), json!({"owner": system_owner}));
    let mut all = vec![system];
    all.extend(components);
    all.extend(resources.into_iter().map(|(_, entity)| entity));
    Ok((all, out.sorted()))
}

/// The entities as one YAML stream, each document opened by `---`.
pub(crate) fn to_yaml(entities: &[Value]) -> String {
    entities.iter().map(|e| format!("---\n{}", serde_saphyr::to_string(e).unwrap_or_default())).collect()
}

/// The reference a dependency on `uid` becomes: the resource entity, or for a link the
/// component of the workload it links to.
fn reference(graph: &Graph, uid: &str) -> Option<String> {
    let resource: &Resource = graph.resources.get(uid)?;
    Some(match graph::link_target(resource) {
        Some((workload, _)) => format!("component:{workload}"),
        None => format!("resource:{}", resource.dns_name()),
    })
}

fn entity(kind: &str, name: &str, title: Option<&str>, annotations: Map<String, Value>, mut spec: Value) -> Value {
    if spec["dependsOn"].as_array().is_some_and(Vec::is_empty) {
        spec.as_object_mut().map(|s| s.remove("dependsOn"));
    }
    let mut metadata = Map::from_iter([("name".to_string(), Value::from(name))]);
    if let Some(title) = title {
        metadata.insert("title".into(), title.into());
    }
    if !annotations.is_empty() {
        metadata.insert("annotations".into(), Value::Object(annotations));
    }
    json!({"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec})
}

/// The owner every workload names, if they agree; else the default.
fn common_owner(owners: &[(String, String)]) -> String {
    let distinct: BTreeSet<&str> = owners.iter().map(|(_, o)| o.as_str()).collect();
    match distinct.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => (*one).to_string(),
        _ => DEFAULT_OWNER.to_string(),
    }
}

/// The workload's owner annotation, checked; `None` when absent (a warning unless `defaulted`).
fn owner(workload: &Workload, defaulted: bool, out: &mut Diagnostics) -> Option<String> {
    let Some(owner) = workload.annotations.get(OWNER) else {
        if !defaulted {
            out.push(
                Diagnostic::warning(
                    Code::MissingOwner,
                    format!(
                        "workload `{}` names no owner; its catalog entry is owned by \
                        `{DEFAULT_OWNER}`",
                        workload.name
                    ),
                )
                .label(workload.name_span, format!("no `{OWNER}` annotation"))
                .help(format!(
                    "add `annotations: {{{OWNER}: group:your-team}}` to its `metadata`, or pass `--owner` for every \
                    workload that names none"
                )),
            );
        }
        return None;
    };
    if !is_entity_ref(owner) {
        out.push(
            Diagnostic::error(
                Code::InvalidOwner,
                format!(
                    "workload `{}` has the owner {owner:?}, which can name no Backstage user or \
                    group",
                    workload.name
                ),
            )
            .label(workload.name_span, format!("this workload's `{OWNER}` annotation"))
            .help(format!(
                "`{OWNER}` is an entity reference, `[kind:][namespace/]name`, e.g. `group:payments`; a name is letters \
                and digits joined by `-`, `_` or `.`"
            )),
        );
    }
    Some(owner.clone())
}

fn lifecycle(workload: &Workload) -> String {
    workload.annotations.get(LIFECYCLE).cloned().unwrap_or_else(|| DEFAULT_LIFECYCLE.to_string())
}

/// A Backstage entity name: at most 63 characters, `[A-Za-z0-9]` runs joined by `-`, `_` or `.`.
pub(crate) fn is_entity_name(text: &str) -> bool {
    let bytes = text.as_bytes();
    let separator = |b: &u8| matches!(b, b'-' | b'_' | b'.');
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || separator(b))
        && bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric)
        && !bytes.windows(2).any(|w| separator(&w[0]) && separator(&w[1]))
}

/// `[kind:][namespace/]name`, each part a valid entity name (the kind letters only).
pub(crate) fn is_entity_ref(text: &str) -> bool {
    let (kind, rest) = text.split_once(':').map_or((None, text), |(k, r)| (Some(k), r));
    let (namespace, name) = rest.split_once('/').map_or((None, rest), |(n, r)| (Some(n), r));
    kind.is_none_or(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphabetic()))
        && namespace.is_none_or(is_entity_name)
        && is_entity_name(name)
}

/// An entity name made from free text (a directory's name): other characters become `-`, at
/// most 63 characters; `None` when nothing usable is left.
pub(crate) fn entity_name(text: &str) -> Option<String> {
    let name = crate::naming::dns_label(text);
    is_entity_name(&name).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::{entity_name, is_entity_name, is_entity_ref};

    #[test]
    fn names_and_references_follow_backstage() {
        assert!(is_entity_name("shop-db-1ce7875e009a"));
        assert!(is_entity_name("Team_A.b"));
        assert!(!is_entity_name("a--b") && !is_entity_name("-a") && !is_entity_name("a b") && !is_entity_name(""));
        assert!(!is_entity_name(&"a".repeat(64)));
        assert!(is_entity_ref("group:default/payments") && is_entity_ref("payments") && is_entity_ref("user:jane"));
        assert!(!is_entity_ref("team a") && !is_entity_ref("group:") && !is_entity_ref("a/b/c"));
        assert_eq!(entity_name("My Shop!").as_deref(), Some("my-shop"));
        assert_eq!(entity_name("///"), None);
    }
}
