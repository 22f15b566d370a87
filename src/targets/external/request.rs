//! The request an external target gets (`stave.dev/target/v1`, `spec/target-request.schema.json`):
//! every environment it compiles, each with its workloads (placeholders bound), its resources
//! (provisioner, outputs, objects), the graph's order, and its variables and settings.

use std::collections::BTreeSet;

use serde_json::{Map, Value as Json, json};

use crate::builtins::Target;
use crate::graph::Node;
use crate::ir::{FileContent, Workload};
use crate::ir::{Part, Template};
use crate::provision::generated::{self, GeneratedKey};
use crate::provision::output::Output;
use crate::targets::{Input, Options};

/// The protocol's version, the request's `apiVersion`.
pub(crate) const API_VERSION: &str = "stave.dev/target/v1";

/// The request for `target`: markers for generated values, or (`clear`) their derived values;
/// with `kubernetes`, each environment's objects as the kubernetes target writes them.
pub(crate) fn build(
    target: Target,
    inputs: &[Input<'_>],
    options: &Options,
    clear: bool,
    kubernetes: Option<Vec<Vec<Json>>>,
) -> Json {
    let mut environments: Vec<Json> = inputs.iter().map(|input| environment(input, clear)).collect();
    for (environment, objects) in environments.iter_mut().zip(kubernetes.into_iter().flatten()) {
        environment["kubernetes"] = json!({"objects": objects});
    }
    json!({
        "apiVersion": API_VERSION,
        "target": target.name(),
        "generatedValues": if clear { "clear" } else { "markers" },
        "options": {
            "generateNamespace": options.generate_namespace,
            "outputName": options.output_name,
        },
        "environments": environments,
    })
}

fn environment(input: &Input<'_>, clear: bool) -> Json {
    let mut workloads: Vec<Json> = input.workloads.iter().map(|w| workload(input, w)).collect();
    let mut resources: Vec<Json> = input.provisioned.in_order(input.graph).map(resource).collect();
    let order: Vec<Json> = input
        .graph
        .order
        .iter()
        .filter_map(|&index| match &input.graph.graph[index] {
            Node::Resource(uid) => Some(json!({"resource": uid})),
            Node::Workload(name) => Some(json!({"workload": name})),
            Node::External(_) => None,
        })
        .collect();
    let mut keys = BTreeSet::new();
    for value in workloads.iter().chain(&resources) {
        generated::collect(value, &mut keys, &mut Vec::new());
    }
    let generated: Vec<Json> = keys.iter().map(|key| generated_value(input, key, clear)).collect();
    if clear {
        for value in workloads.iter_mut().chain(resources.iter_mut()) {
            input.provisioned.generated.substitute(value);
        }
    }
    let environment = input.environment;
    json!({
        "name": environment.name,
        "variables": environment.variables,
        "settings": environment.settings,
        "workloads": workloads,
        "resources": resources,
        "order": order,
        "generated": generated,
    })
}

/// One generated value: what it is derived from, its marker, and (`clear`) its value.
fn generated_value(input: &Input<'_>, key: &GeneratedKey, clear: bool) -> Json {
    let mut entry = json!({
        "marker": key.marker(),
        "scope": key.scope,
        "purpose": key.purpose,
        "length": key.length,
    });
    if clear {
        entry["value"] = json!(input.provisioned.generated.value(key).unwrap_or_default());
    }
    entry
}

/// A workload as the IR has it, with each variable and file content bound (see [`bound`]), each
/// volume's source the resource it mounts, and each resource named by its UID.
fn workload(input: &Input<'_>, workload: &Workload) -> Json {
    let mut tree = serde_json::to_value(workload).unwrap_or(Json::Null);
    let Some(containers) = tree.get_mut("containers").and_then(Json::as_object_mut) else { return tree };
    for (name, container) in workload.containers.iter() {
        let Some(out) = containers.get_mut(name.as_str()).and_then(Json::as_object_mut) else { continue };
        let variables: Map<String, Json> =
            container.variables.iter().map(|(key, value)| (key.clone(), bound(input, workload, value))).collect();
        out.insert("variables".into(), Json::Object(variables));
        if let Some(files) = out.get_mut("files").and_then(Json::as_object_mut) {
            for (path, file) in &container.files {
                if let (FileContent::Text(text), Some(entry)) = (&file.content, files.get_mut(path.as_str())) {
                    entry["content"] = json!({"text": bound(input, workload, text)});
                }
            }
        }
        if let Some(volumes) = out.get_mut("volumes").and_then(Json::as_object_mut) {
            for (path, volume) in &container.volumes {
                let entry = volumes.get_mut(path.as_str());
                if let (Some(reference), Some(entry)) = (volume.source.as_whole_resource(), entry) {
                    entry["source"] = json!({"resource": reference.resource});
                }
            }
        }
    }
    if let Some(resources) = tree.get_mut("resources").and_then(Json::as_object_mut) {
        for (name, entry) in resources.iter_mut() {
            if let Some(uid) = input.graph.local.get(&(workload.name.clone(), name.clone())) {
                entry["uid"] = json!(uid);
            }
        }
    }
    tree
}

/// A template with its placeholders bound: a string when it is all text (a literal output as any
/// target inserts it), else a list of pieces, each a string, a `{"$secret": {name, key}}`, a
/// `{"$ref": {TARGET: EXPRESSION}}` or (for a whole resource whose outputs include secrets,
/// `${resources.db}`) `{"$outputs": {…}}`. Generated values stay in the text as
/// markers (or their values, in `clear` mode).
pub(crate) fn bound(input: &Input<'_>, workload: &Workload, template: &Template) -> Json {
    let mut pieces: Vec<Json> = Vec::new();
    let push_text = |pieces: &mut Vec<Json>, text: &str| match pieces.last_mut() {
        Some(Json::String(last)) => last.push_str(text),
        _ => pieces.push(Json::String(text.to_string())),
    };
    for part in &template.parts {
        match part {
            Part::Text(text) => push_text(&mut pieces, text),
            Part::Resource(reference) => match input.provisioned.bindings.get(&workload.name, reference) {
                // A literal reads as every target reads it (`Output::as_text`: non-strings as JSON).
                Some(output) => match (output.as_text(), output) {
                    (Some(text), _) => push_text(&mut pieces, &text),
                    (None, Output::Map(_)) => pieces.push(json!({"$outputs": output.to_json()})),
                    (None, symbolic) => pieces.push(symbolic.to_json()),
                },
                None => push_text(&mut pieces, &reference.to_placeholder()),
            },
        }
    }
    match pieces.len() {
        0 => Json::String(String::new()),
        1 if pieces[0].is_string() => pieces.pop().unwrap_or_default(),
        _ => Json::Array(pieces),
    }
}

/// A provisioned resource: what the provisioner returned.
fn resource(resource: &crate::provision::ProvisionedResource) -> Json {
    let mut tree = serde_json::to_value(resource).unwrap_or(Json::Null);
    if let Some(objects) = tree.get_mut("objects") {
        let parsed: Vec<Json> =
            resource.objects.iter().map(|o| serde_json::from_str(&o.json()).unwrap_or(Json::Null)).collect();
        *objects = Json::Array(parsed);
    }
    tree
}
