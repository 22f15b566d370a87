//! The typed IR: what every later phase (graph, provisioners, targets) reads.
//!
//! Built only by `score::lower` from validated input, so its invariants hold: names are valid,
//! placeholders are parsed, metadata placeholders are already resolved, `image: "."` has been
//! replaced, file sources are read. Resource outputs stay symbolic ([`ResourceRef`] inside a
//! [`Template`]): each target lowers them its own way (a Service name, a `secretKeyRef`, a
//! Terraform attribute, a Helm values reference). Maps are ordered, so everything downstream is
//! deterministic.

mod template;

use std::collections::BTreeMap;

use serde::Serialize;

pub use template::{Part, ResourceRef, Template};

use crate::sorted::SortedMap;
use crate::source::Span;

/// The workload named `name` in a list sorted by name (as the loader returns them).
pub fn find_workload<'w>(workloads: &'w [Workload], name: &str) -> Option<&'w Workload> {
    workloads.binary_search_by(|w| w.name.as_str().cmp(name)).ok().map(|i| &workloads[i])
}

/// One workload, from one Score file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    pub name: String,
    #[serde(skip)]
    pub name_span: Span,
    /// The file it came from, as the user named it.
    pub file: String,
    /// All of `metadata`, as written (after overrides); `${metadata.…}` read from it.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub annotations: BTreeMap<String, String>,
    pub service_ports: BTreeMap<String, ServicePort>,
    /// Boxed, as are the resources: a map keeps room for eleven values in its first node.
    pub containers: SortedMap<String, Container>,
    pub resources: SortedMap<String, ResourceRequest>,
    /// The bytes its `${metadata.…}` placeholders added, counted against the platform's limits
    /// (provisioning adds what resource outputs add).
    #[serde(skip)]
    pub expanded: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Protocol {
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    pub port: u16,
    /// Already defaulted to `port` when the file leaves it out.
    pub target_port: u16,
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub image: String,
    #[serde(skip)]
    pub image_span: Span,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub args: Option<Vec<String>>,
    pub variables: SortedMap<String, Template>,
    /// Keyed by the path in the container.
    pub files: BTreeMap<String, File>,
    /// Keyed by the path in the container.
    pub volumes: BTreeMap<String, Volume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requests: Option<Compute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limits: Option<Compute>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    /// Containers that start only after this one reaches the given state (Score's `before`).
    pub before: BTreeMap<String, Readiness>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Readiness {
    Started,
    Healthy,
    Complete,
}

/// CPU and memory as Kubernetes quantity strings (validated by the schema).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Compute {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    /// Where `cpu` and `memory` are written.
    #[serde(skip)]
    pub cpu_span: Option<Span>,
    #[serde(skip)]
    pub memory_span: Option<Span>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_get: Option<HttpGet>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exec: Option<Vec<String>>,
    /// The probe's key in the file.
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpGet {
    pub path: String,
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub scheme: String,
    pub headers: Vec<HttpHeader>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct File {
    /// The file mode, e.g. 0o644.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_octal")]
    pub mode: Option<u32>,
    pub content: FileContent,
    #[serde(skip)]
    pub span: Span,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FileContent {
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
pub struct Volume {
    /// Usually a single `${resources.<name>}` reference: [`Template::as_whole_resource`].
    pub source: Template,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub read_only: bool,
}

/// A resource a workload asks for. Identity (the UID) and provisioning come later.
#[derive(Debug, Clone, Serialize)]
pub struct ResourceRequest {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub params: BTreeMap<String, Param>,
    /// The span of every value inside `params`, by JSON pointer (`/port`, `/nested/list/0`).
    #[serde(skip)]
    pub param_spans: BTreeMap<String, Span>,
    /// The resource's key in the workload file.
    #[serde(skip)]
    pub span: Span,
}

/// A resource parameter: any YAML value, with placeholders parsed in its strings.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Param {
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
    pub fn to_json(&self) -> serde_json::Value {
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
    pub fn references(&self) -> Vec<&ResourceRef> {
        match self {
            Param::String(t) => t.references().collect(),
            Param::List(items) => items.iter().flat_map(Param::references).collect(),
            Param::Map(map) => map.values().flat_map(Param::references).collect(),
            _ => Vec::new(),
        }
    }
}
