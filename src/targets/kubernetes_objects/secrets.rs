//! The Secret keys the provisioned objects provide: a Secret's `stringData` and `data` keys, or
//! the keys an External Secrets `ExternalSecret` writes into its target Secret. A secret output
//! must name one of them (the only places a secret value may live), and a file that embeds a
//! secret reads its value from the Secret.

use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde_json::Value as Json;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::provision::ProvisionedResource;
use crate::provision::object::Object;
use crate::provision::output::{Output, SecretKey};

/// Secret objects by name (as their text: the tree is read only for a value asked for).
#[derive(Debug, Default)]
pub(crate) struct Index<'a> {
    secrets: BTreeMap<String, &'a Object>,
}

impl<'a> Index<'a> {
    /// Indexes every Secret the provisioners returned (of two with one name, the first: the
    /// one-owner check reports the second).
    pub(crate) fn build(objects: impl Iterator<Item = &'a Object>) -> Index<'a> {
        let secrets: Vec<&Object> = objects.filter(|o| o.kind() == "Secret").collect();
        let named: Vec<(Option<String>, &Object)> = secrets
            .into_par_iter()
            .map(|o| (o.tree().pointer("/metadata/name").and_then(Json::as_str).map(str::to_string), o))
            .collect();
        let mut index = Index::default();
        for (name, object) in named {
            if let Some(name) = name {
                index.secrets.entry(name).or_insert(object);
            }
        }
        index
    }

    /// A Secret's value for a key, from `stringData` or base64 `data`.
    pub(crate) fn value(&self, key: &SecretKey) -> Option<String> {
        use base64::Engine;
        let secret = self.secrets.get(key.name.as_str())?.tree();
        if let Some(value) = secret.get("stringData").and_then(|d| d.get(&key.key)).and_then(Json::as_str) {
            return Some(value.to_string());
        }
        let encoded = secret.get("data").and_then(|d| d.get(&key.key)).and_then(Json::as_str)?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
        String::from_utf8(bytes).ok()
    }

    /// Every secret output of a resource must name a Secret key that the same resource's
    /// provisioner creates: an output cannot point at another resource's Secret.
    pub(crate) fn check_outputs(
        graph: &Graph,
        resources: &BTreeMap<String, Box<ProvisionedResource>>,
        out: &mut Diagnostics,
    ) {
        let in_order: Vec<_> = graph.resources_in_order().collect();
        let found: Vec<Vec<Diagnostic>> =
            in_order
                .par_iter()
                .map(|resource| {
                    let Some(provided) = resources.get(&resource.uid) else { return Vec::new() };
                    let mut wanted = Vec::new();
                    provided.outputs.values().for_each(|o| secrets(o, &mut wanted));
                    if wanted.is_empty() {
                        return Vec::new();
                    }
                    let own: BTreeSet<(String, String)> = provided
                        .objects
                        .iter()
                        .filter(|o| matches!(o.kind(), "Secret" | "ExternalSecret"))
                        .flat_map(|o| keys_of(&o.tree()))
                        .collect();
                    wanted.into_iter().filter(|k| !own.contains(k)).map(|(name, key)| {
                    Diagnostic::error(Code::DanglingSecret, format!("provisioner `{}` returns a secret output in \
                    Secret `{name}`, key `{key}`, but creates no such Secret key for this \
                    resource", provided.provisioner))
                        .label(provided.provisioner_span, "this provisioner")
                        .label(resource.declarations[0].span, format!("while provisioning `{}`", resource.uid))
                        .help("add a Secret with that key (in `stringData` or `data`), or an ExternalSecret targeting \
                        it, to the objects this provisioner returns for the resource; an output cannot point at \
                        another resource's Secret")
                }).collect()
                })
                .collect();
        found.into_iter().flatten().for_each(|d| out.push(d));
    }
}

fn secrets(output: &Output, found: &mut Vec<(String, String)>) {
    match output {
        Output::Secret { secret } => found.push((secret.name.clone(), secret.key.clone())),
        Output::Map(map) => map.values().for_each(|o| secrets(o, found)),
        _ => {}
    }
}

/// The `(Secret name, key)` pairs an object provides.
fn keys_of(object: &Json) -> Vec<(String, String)> {
    let text = |p: &str| object.pointer(p).and_then(Json::as_str).map(str::to_string);
    match object.get("kind").and_then(Json::as_str) {
        Some("Secret") => {
            let Some(name) = text("/metadata/name") else { return Vec::new() };
            ["stringData", "data"]
                .iter()
                .filter_map(|field| object.get(*field).and_then(Json::as_object))
                .flat_map(|map| map.keys())
                .map(|key| (name.clone(), key.clone()))
                .collect()
        }
        Some("ExternalSecret") => {
            let Some(name) = text("/spec/target/name") else { return Vec::new() };
            object
                .pointer("/spec/data")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|d| d.get("secretKey").and_then(Json::as_str))
                .map(|key| (name.clone(), key.to_string()))
                .collect()
        }
        _ => Vec::new(),
    }
}
