//! `values.schema.json` (JSON Schema draft 2020-12): every value the chart reads, by its
//! workloads and containers, with unknown keys and wrong types rejected, so that `helm lint
//! --strict`, `helm template` and `helm install` catch a typo before the cluster does; and the
//! same list in words, for the chart's README.

use serde_json::{Map, Value as Json, json};

/// One value, for the README.
#[derive(Debug, Clone)]
pub(crate) struct Described {
    pub(crate) path: String,
    pub(crate) kind: &'static str,
    /// JSON text, with every character YAML refuses escaped (or `per environment`).
    pub(crate) default: String,
    pub(crate) description: &'static str,
}

fn strings() -> Json {
    json!({"type": "object", "additionalProperties": {"type": "string"}})
}

/// The knobs of one workload and their schema, descriptions and JSON types.
const WORKLOAD_KNOBS: &[(&str, &str, &str)] = &[
    ("replicas", "integer or null", "pods to run; null leaves it to the cluster (an autoscaler)"),
    ("podAnnotations", "map", "annotations of the pods (the workload's own, from its Score file, by default)"),
    ("podLabels", "map", "extra labels of the pods (the labels selectors use cannot be changed)"),
    ("nodeSelector", "map", "the pods' node selector"),
    ("tolerations", "list", "the pods' tolerations"),
    ("affinity", "map", "the pods' affinity"),
    ("serviceAccountName", "string", "the pods' service account (its token is not mounted)"),
];

const CONTAINER_KNOBS: &[(&str, &str, &str)] = &[
    ("image.repository", "string", "the image's repository (with its registry)"),
    ("image.tag", "string", "the image's tag; empty for none"),
    ("image.digest", "string", "the image's digest (`sha256:…`); empty for none"),
    ("resources", "map", "requests and limits"),
    ("env", "map", "extra variables, by name, after the workload's own"),
];

fn workload_schema(containers: &[String]) -> Json {
    let container = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "image": {
                "type": "object",
                "additionalProperties": false,
                "required": ["repository"],
                "properties": {
                    "repository": {"type": "string", "minLength": 1},
                    "tag": {"type": ["string", "integer"]},
                    "digest": {"type": "string"},
                },
            },
            "resources": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "requests": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
                    "limits": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
                },
            },
            "env": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
        },
    });
    let containers: Map<String, Json> = containers.iter().map(|c| (c.clone(), container.clone())).collect();
    json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "replicas": {"type": ["integer", "null"], "minimum": 0},
            "podAnnotations": strings(),
            "podLabels": strings(),
            "nodeSelector": strings(),
            "tolerations": {"type": "array", "items": {"type": "object"}},
            "affinity": {"type": "object"},
            "serviceAccountName": {"type": "string"},
            "containers": {"type": "object", "additionalProperties": false, "properties": containers},
        },
    })
}

/// The schema of the chart's values; `workloads` lists each workload with its containers.
pub(crate) fn schema(workloads: &[(String, Vec<String>)]) -> Json {
    let workloads: Map<String, Json> = workloads.iter().map(|(w, c)| (w.clone(), workload_schema(c))).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Values of a chart compiled by Stave",
        "type": "object",
        "additionalProperties": false,
        "properties": {
            "global": {
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "seed": {"type": "string", "description": "The seed generated values are derived from: the one \
                    Stave compiled with."},
                    "imageRegistry": {"type": "string", "description": "A registry that replaces every image's own."},
                    "imagePullSecrets": {
                        "type": "array",
                        "items": {
                            "type": "object", "additionalProperties": false, "required": ["name"],
                            "properties": {"name": {"type": "string"}},
                        },
                    },
                    "commonLabels": strings(),
                },
            },
            "workloads": {"type": "object", "additionalProperties": false, "properties": workloads},
            "compiled": {
                "description": "What Stave compiled per environment (which objects, and the values that differ between \
                environments); change the platform file rather than these.",
                "type": "object",
                "additionalProperties": false,
                "properties": {
                    "objects": {"type": "object", "additionalProperties": {"type": "boolean"}},
                    "values": {"type": "object", "additionalProperties": {"type": "object"}},
                },
            },
        },
    })
}

fn shown(value: Option<&Json>) -> String {
    match value {
        None => "per environment".into(),
        Some(other) => super::text::json(other),
    }
}

/// Every value in words, with its default in `values.yaml`.
pub(crate) fn describe(workloads: &[(String, Vec<String>)], defaults: &Json) -> Vec<Described> {
    let mut out = vec![
        Described {
            path: "global.seed".into(),
            kind: "string",
            default: "\"\"".into(),
            description: "required when the chart derives generated values: the seed Stave compiled with",
        },
        Described {
            path: "global.imageRegistry".into(),
            kind: "string",
            default: "\"\"".into(),
            description: "a registry that replaces every workload image's own",
        },
        Described {
            path: "global.imagePullSecrets".into(),
            kind: "list",
            default: "[]".into(),
            description: "`{name: SECRET}` entries, for every workload's pods",
        },
        Described {
            path: "global.commonLabels".into(),
            kind: "map",
            default: "{}".into(),
            description: "labels added to every object",
        },
    ];
    for (workload, containers) in workloads {
        let at = |path: &[&str]| {
            let mut node = defaults.get("workloads").and_then(|w| w.get(workload));
            for key in path {
                node = node.and_then(|n| n.get(*key));
            }
            shown(node)
        };
        for (knob, kind, description) in WORKLOAD_KNOBS {
            out.push(Described {
                path: format!("workloads.{workload}.{knob}"),
                kind,
                default: at(&[knob]),
                description,
            });
        }
        for container in containers {
            for (knob, kind, description) in CONTAINER_KNOBS {
                let mut path = vec!["containers", container.as_str()];
                path.extend(knob.split('.'));
                out.push(Described {
                    path: format!("workloads.{workload}.containers.{container}.{knob}"),
                    kind,
                    default: at(&path),
                    description,
                });
            }
        }
    }
    out.push(Described {
        path: "compiled.objects".into(),
        kind: "map",
        default: "{}".into(),
        description: "the objects only some environments have, by `Kind/name`: set by each environment's values file",
    });
    out.push(Described {
        path: "compiled.values".into(),
        kind: "map",
        default: "{}".into(),
        description: "what differs between environments, by object and place: set by each environment's values file",
    });
    out
}
