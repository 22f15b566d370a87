//! Objects as the Helm tests compare them: a chart's rendered objects and the Kubernetes target's,
//! by identity, without what only Helm sets (the namespace, the labels Helm owns).

use std::collections::BTreeMap;

use serde_json::Value as Json;

pub fn documents(text: &str) -> Vec<Json> {
    serde_saphyr::from_multiple::<Json>(text).expect("YAML").into_iter().filter(|d| !d.is_null()).collect()
}

/// An object as the comparison sees it: no namespace, no labels Helm owns.
pub fn normal(mut object: Json) -> Json {
    fn strip(value: &mut Json) {
        match value {
            Json::Object(map) => {
                if let Some(Json::Object(labels)) = map.get_mut("labels") {
                    labels.remove("helm.sh/chart");
                    labels.remove("app.kubernetes.io/managed-by");
                    if labels.is_empty() {
                        map.remove("labels");
                    }
                }
                map.values_mut().for_each(strip);
            }
            Json::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    if let Some(metadata) = object.get_mut("metadata").and_then(Json::as_object_mut) {
        metadata.remove("namespace");
    }
    strip(&mut object);
    object
}

pub fn by_identity(objects: Vec<Json>) -> BTreeMap<(String, String, String), Json> {
    objects
        .into_iter()
        .map(|o| {
            let text = |p: &str| o.pointer(p).and_then(Json::as_str).unwrap_or_default().to_string();
            ((text("/apiVersion"), text("/kind"), text("/metadata/name")), normal(o.clone()))
        })
        .collect()
}
