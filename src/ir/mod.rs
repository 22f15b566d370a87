//! The typed IR: what every later phase (graph, provisioners, targets) reads.
//!
//! Built only by `score::lower` from validated input, so its invariants hold: names are valid,
//! placeholders are parsed, metadata placeholders are already resolved, `image: "."` has been
//! replaced, file sources are read. Resource outputs stay symbolic (`ResourceRef` inside a
//! `Template`): each target lowers them its own way (a Service name, a `secretKeyRef`, a
//! Terraform attribute, a Helm values reference). Maps are ordered, so everything downstream is
//! deterministic.

mod template;

use std::collections::BTreeMap;

use serde::Serialize;

pub(crate) use template::{Part, ResourceRef, Template};

use crate::sorted::SortedMap;
use crate::source::Span;

/// The workload named `name` in a list sorted by name (as the loader returns them).
pub(crate) fn find_workload<'w>(workloads: &'w [Workload], name: &str) -> Option<&'w Workload> {
    workloads.binary_search_by(|w| w.name.as_str().cmp(name)).ok().map(|i| &workloads[i])
}

/// One workload, from one Score file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    pub(crate) name: String,
    #[serde(skip)]
    pub(crate) name_span: Span,
    /// The file it came from, as the user named it.
    pub(crate) file: String,
    /// All of `metadata`, as written (after overrides); `${metadata.…}` read from it.
    pub(crate) metadata: serde_json::Map<String, serde_json::Value>,
    pub(crate) annotations: BTreeMap<String, String>,
    pub(crate) service_ports: BTreeMap<String, ServicePort>,
    /// Boxed, as are the resources: a map keeps room for eleven values in its first node.
    pub(crate) containers: SortedMap<String, Container>,
    pub(crate) resources: SortedMap<String, ResourceRequest>,
    /// The bytes its `${metadata.…}` placeholders added, counted against the platform's limits
    /// (provisioning adds what resource outputs add).
    #[serde(skip)]
    pub(crate) expanded: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(crate) enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    pub(crate) port: u16,
    /// Already defaulted to `port` when the file leaves it out.
    pub(crate) target_port: u16,
    pub(crate) protocol: Protocol,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container {
    pub(crate) image: String,
    #[serde(skip)]
    pub(crate) image_span: Span,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) args: Option<Vec<String>>,
    pub(crate) variables: SortedMap<String, Template>,
    /// Keyed by the path in the container.
    pub(crate) files: BTreeMap<String, File>,
    /// Keyed by the path in the container.
    pub(crate) volumes: BTreeMap<String, Volume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) requests: Option<Compute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) limits: Option<Compute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) liveness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) readiness_probe: Option<Probe>,
    /// Containers that start only after this one reaches the given state (Score's `before`).
    pub(crate) before: BTreeMap<String, Readiness>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Readiness {
    Started,
    Healthy,
    Complete,
}

/// CPU and memory as Kubernetes quantity strings (validated by the schema).
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Compute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) cpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) memory: Option<String>,
    /// Where `cpu` and `memory` are written.
    #[serde(skip)]
    pub(crate) cpu_span: Option<Span>,
    #[serde(skip)]
    pub(crate) memory_span: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Probe {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) http_get: Option<HttpGet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) exec: Option<Vec<String>>,
    /// The probe's key in the file.
    #[serde(skip)]
    pub(crate) span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HttpGet {
    pub(crate) path: String,
    pub(crate) port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) host: Option<String>,
    pub(crate) scheme: String,
    pub(crate) headers: Vec<HttpHeader>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct HttpHeader {
    pub(crate) name: String,
    pub(crate) value: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct File {
    /// The file mode, e.g. 0o644.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_octal")]
    pub(crate) mode: Option<u32>,
    pub(crate) content: FileContent,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum FileContent {
    /// UTF-8 text with placeholders (none when `noExpand` is set).
    Text(Template),
    /// Raw bytes, never expanded, shown as base64.
    Binary(#[serde(serialize_with = "as_base64")] Vec<u8>),
}

fn as_octal<S: serde::Serializer>(mode: &Option<u32>, serializer: S) -> Result<S::Ok, S::Error> {
    match mode {
        Some(mode) => serializer.serialize_str(&format!("{mode:04o}")),
        None => serializer.serialize_none(),
    }
}

fn as_base64<S: serde::Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    use base64::Engine;
    serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Volume {
    /// Usually a single `${resources.<name>}` reference: [`Template::as_whole_resource`].
    pub(crate) source: Template,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) path: Option<String>,
    pub(crate) read_only: bool,
}

/// A resource a workload asks for. Identity (the UID) and provisioning come later.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ResourceRequest {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) id: Option<String>,
    pub(crate) metadata: serde_json::Map<String, serde_json::Value>,
    pub(crate) params: BTreeMap<String, Param>,
    /// The span of every value inside `params`, by JSON pointer (`/port`, `/nested/list/0`).
    #[serde(skip)]
    pub(crate) param_spans: BTreeMap<String, Span>,
    /// The resource's key in the workload file.
    #[serde(skip)]
    pub(crate) span: Span,
}

/// A resource parameter: any YAML value, with placeholders parsed in its strings.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub(crate) enum Param {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(Template),
    List(Vec<Param>),
    Map(BTreeMap<String, Param>),
}

impl Param {
    /// The parameter as JSON, placeholders written back in Score syntax: for comparing the
    /// params of a resource declared in several workloads.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Param::Null => serde_json::Value::Null,
            Param::Bool(b) => serde_json::Value::Bool(*b),
            Param::Number(n) => serde_json::Value::Number(n.clone()),
            Param::String(t) => serde_json::Value::String(t.to_score()),
            Param::List(items) => serde_json::Value::Array(items.iter().map(Param::to_json).collect()),
            Param::Map(map) => serde_json::Value::Object(map.iter().map(|(k, v)| (k.clone(), v.to_json())).collect()),
        }
    }

    /// Every resource reference in the parameter, depth first.
    pub(crate) fn references(&self) -> Vec<&ResourceRef> {
        match self {
            Param::String(t) => t.references().collect(),
            Param::List(items) => items.iter().flat_map(Param::references).collect(),
            Param::Map(map) => map.values().flat_map(Param::references).collect(),
            _ => Vec::new(),
        }
    }
}
