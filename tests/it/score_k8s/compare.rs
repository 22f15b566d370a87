//! Comparing Stave's objects with score-k8s's: both sides normalised to what a cluster and a
//! container see (files by path and content, volumes by mount path and source, ConfigMaps folded
//! into the files), then diffed field by field; every difference must be explained by one of
//! the documented rules.

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine;
use serde_json::{Map, Value as Json, json};

/// One field that differs: absent from Stave's objects, added by Stave, or changed.
#[derive(Debug, Clone)]
pub struct Difference {
    /// `Kind/name/field/…`, list items by their `name` (or index).
    pub path: String,
    pub expected: Option<Json>,
    pub actual: Option<Json>,
}

impl Difference {
    pub fn missing(path: String, expected: Json) -> Difference {
        Difference { path, expected: Some(expected), actual: None }
    }

    pub fn added(path: String, actual: Json) -> Difference {
        Difference { path, expected: None, actual: Some(actual) }
    }

    fn under(&self, part: &str) -> bool {
        self.path.split('/').any(|p| p == part)
    }

    fn ends(&self, suffix: &str) -> bool {
        self.path.ends_with(suffix)
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |v: &Option<Json>| v.as_ref().map_or("(absent)".to_string(), Json::to_string);
        write!(f, "  {}: score-k8s {} / Stave {}", self.path, show(&self.expected), show(&self.actual))
    }
}

/// A deliberate difference: its title (bold in the README's list) and what it explains.
pub struct Rule {
    pub title: &'static str,
    pub explains: fn(&Difference) -> bool,
}

/// An object of nothing but empty objects (`{}`, `{loadBalancer: {}}`): what Go writes for a
/// struct left at its zero value.
fn hollow(value: &Json) -> bool {
    value.as_object().is_some_and(|m| m.values().all(hollow))
}

const INSTANCE: &str = "/app.kubernetes.io~1instance";
const NAME: &str = "/app.kubernetes.io~1name";

/// Every deliberate difference, in the README's order.
pub const RULES: &[Rule] = &[
    Rule {
        title: "Stable labels and selectors",
        explains: |d| {
            d.ends(INSTANCE) && d.expected.is_some() && d.actual.is_some()
                || d.ends(NAME) && d.expected.is_none() && (d.under("matchLabels") || d.under("selector"))
        },
    },
    Rule { title: "Managed by Stave", explains: |d| d.ends("/app.kubernetes.io~1managed-by") },
    Rule {
        title: "No Go zero values",
        explains: |d| {
            d.actual.is_none() && d.expected.as_ref().is_some_and(hollow)
                || d.ends("/env/VAR2/value") && d.expected.is_none()
        },
    },
    Rule {
        title: "Files mounted one by one",
        explains: |d| {
            d.path.starts_with("ConfigMap/") || d.expected.is_none() && d.ends("/annotations/stave.dev~1files-hash")
        },
    },
    Rule {
        title: "A NetworkPolicy per workload",
        explains: |d| d.path == "NetworkPolicy/example" && d.expected.is_none(),
    },
    Rule {
        title: "Secure defaults",
        explains: |d| {
            let only_tmp = |v: &Json| v.as_object().is_some_and(|m| m.keys().all(|k| k == "/tmp"));
            d.expected.is_none()
                && (d.ends("/securityContext")
                    || d.ends("/automountServiceAccountToken")
                    || d.ends("/enableServiceLinks")
                    || d.ends("/mounts/~1tmp")
                    || d.ends("/mounts") && d.actual.as_ref().is_some_and(only_tmp)
                    || d.under("resources") && d.under("containers"))
        },
    },
    Rule { title: "Container ports", explains: |d| d.expected.is_none() && d.under("containers") && d.ends("/ports") },
    Rule { title: "Explicit Service type", explains: |d| d.expected.is_none() && d.ends("/spec/type") },
    Rule {
        title: "The probe path Score requires",
        explains: |d| d.expected.is_none() && d.ends("/readinessProbe/httpGet/path"),
    },
];

/// Each object under `Kind/name`, ConfigMaps folded into the files of the containers that mount
/// them, volumes into each container's `mounts` (by path).
pub fn normalise(objects: &[Json]) -> BTreeMap<String, Json> {
    let mut maps: BTreeMap<String, BTreeMap<String, Json>> = BTreeMap::new();
    for object in objects.iter().filter(|o| o["kind"] == "ConfigMap") {
        let name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
        let mut keys = BTreeMap::new();
        for (key, value) in object["data"].as_object().into_iter().flatten() {
            keys.insert(key.clone(), value.clone());
        }
        for (key, value) in object["binaryData"].as_object().into_iter().flatten() {
            let bytes = base64::engine::general_purpose::STANDARD.decode(value.as_str().unwrap_or_default()).unwrap();
            let text = String::from_utf8(bytes).map(Json::from).unwrap_or_else(|_| value.clone());
            keys.insert(key.clone(), text);
        }
        maps.insert(name, keys);
    }
    let mut out = BTreeMap::new();
    for object in objects {
        let mut object = object.clone();
        let id = format!(
            "{}/{}",
            object["kind"].as_str().unwrap_or("?"),
            object["metadata"]["name"].as_str().unwrap_or("?")
        );
        if object["kind"] == "ConfigMap" {
            // Compared through the files that mount it; its own shape is a rule of its own.
            let keys = maps.get(object["metadata"]["name"].as_str().unwrap_or_default()).map(BTreeMap::len);
            out.insert(id, json!({"files": keys}));
            continue;
        }
        if let Some(pod) = object.pointer_mut("/spec/template/spec") {
            fold_volumes(pod, &maps);
        }
        out.insert(id, object);
    }
    out
}

/// Replaces each container's `volumeMounts` with `files` (path to content) and `mounts` (path to
/// source), and drops the pod's `volumes`.
fn fold_volumes(pod: &mut Json, maps: &BTreeMap<String, BTreeMap<String, Json>>) {
    let volumes: BTreeMap<String, Json> = pod["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|v| {
            let mut source = v.clone();
            source.as_object_mut().map(|m| m.remove("name"));
            (v["name"].as_str().unwrap_or_default().to_string(), source)
        })
        .collect();
    pod.as_object_mut().map(|p| p.remove("volumes"));
    for container in pod["containers"].as_array_mut().into_iter().flatten() {
        let mut files = Map::new();
        let mut mounts = Map::new();
        for mount in container["volumeMounts"].as_array().into_iter().flatten() {
            let path = mount["mountPath"].as_str().unwrap_or_default();
            let source = &volumes[mount["name"].as_str().unwrap_or_default()];
            let config_maps: Vec<&Json> = match (source.get("configMap"), source.pointer("/projected/sources")) {
                (Some(one), _) => vec![one],
                (None, Some(Json::Array(sources))) => sources.iter().filter_map(|s| s.get("configMap")).collect(),
                _ => Vec::new(),
            };
            if config_maps.is_empty() {
                let mut entry = json!({"source": source});
                for key in ["readOnly", "subPath"] {
                    if let Some(value) = mount.get(key) {
                        entry[key] = value.clone();
                    }
                }
                mounts.insert(path.to_string(), entry);
                continue;
            }
            for map in config_maps {
                let keys = &maps[map["name"].as_str().unwrap_or_default()];
                for item in map["items"].as_array().into_iter().flatten() {
                    let item_path = item["path"].as_str().unwrap_or_default();
                    let target = match mount.get("subPath").and_then(Json::as_str) {
                        Some(sub) if sub == item_path => path.to_string(),
                        Some(_) => continue,
                        None => format!("{}/{item_path}", path.trim_end_matches('/')),
                    };
                    files.insert(target, keys[item["key"].as_str().unwrap_or_default()].clone());
                }
            }
        }
        let container = container.as_object_mut().expect("a container");
        container.remove("volumeMounts");
        if !files.is_empty() {
            container.insert("files".into(), Json::Object(files));
        }
        if !mounts.is_empty() {
            container.insert("mounts".into(), Json::Object(mounts));
        }
    }
}

/// Every field of `expected` against `actual`, and what `actual` adds.
pub fn diff(path: &str, expected: &Json, actual: &Json, out: &mut Vec<Difference>) {
    let child = |key: &str| format!("{path}/{}", key.replace('~', "~0").replace('/', "~1"));
    match (expected, actual) {
        (Json::Object(e), Json::Object(a)) => {
            for (key, value) in e {
                match a.get(key) {
                    Some(ours) => diff(&child(key), value, ours, out),
                    None => out.push(Difference::missing(child(key), value.clone())),
                }
            }
            for (key, value) in a.iter().filter(|(k, _)| !e.contains_key(*k)) {
                out.push(Difference::added(child(key), value.clone()));
            }
        }
        (Json::Array(e), Json::Array(a)) if named(e) && named(a) => {
            let by_name = |items: &[Json]| -> BTreeMap<String, Json> {
                items.iter().map(|i| (i["name"].as_str().unwrap_or_default().to_string(), i.clone())).collect()
            };
            diff(
                path,
                &Json::Object(by_name(e).into_iter().collect()),
                &Json::Object(by_name(a).into_iter().collect()),
                out,
            );
        }
        (Json::Array(e), Json::Array(a)) => {
            for (index, value) in e.iter().enumerate() {
                match a.get(index) {
                    Some(ours) => diff(&child(&index.to_string()), value, ours, out),
                    None => out.push(Difference::missing(child(&index.to_string()), value.clone())),
                }
            }
            for (index, value) in a.iter().enumerate().skip(e.len()) {
                out.push(Difference::added(child(&index.to_string()), value.clone()));
            }
        }
        _ if expected == actual => {}
        _ => out.push(Difference {
            path: path.to_string(),
            expected: Some(expected.clone()),
            actual: Some(actual.clone()),
        }),
    }
}

/// A list whose items are named objects (containers, env, ports), compared by name.
fn named(items: &[Json]) -> bool {
    !items.is_empty() && items.iter().all(|i| i.get("name").is_some_and(Json::is_string))
}
