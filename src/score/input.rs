//! Input types: the workload file exactly as written (after overrides and upgrades), decoded
//! from a document the schema has already accepted. Spans come from the node tree alongside.

use std::collections::BTreeMap;

use serde::Deserialize;

type Object = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WorkloadInput {
    #[allow(dead_code, reason = "checked by the schema, kept so the type mirrors the file")]
    pub api_version: String,
    pub metadata: Object,
    pub service: Option<ServiceInput>,
    pub containers: BTreeMap<String, ContainerInput>,
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceInput {
    #[serde(default)]
    pub ports: BTreeMap<String, PortInput>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortInput {
    #[serde(deserialize_with = "port")]
    pub port: u16,
    #[serde(default, deserialize_with = "optional_port")]
    pub target_port: Option<u16>,
    pub protocol: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerInput {
    pub image: String,
    pub command: Option<Vec<String>>,
    pub args: Option<Vec<String>>,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub files: BTreeMap<String, FileInput>,
    #[serde(default)]
    pub volumes: BTreeMap<String, VolumeInput>,
    pub resources: Option<ComputeInput>,
    pub liveness_probe: Option<ProbeInput>,
    pub readiness_probe: Option<ProbeInput>,
    #[serde(default)]
    pub before: BTreeMap<String, BeforeInput>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FileInput {
    pub mode: Option<String>,
    pub content: Option<String>,
    pub binary_content: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub no_expand: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VolumeInput {
    pub source: String,
    pub path: Option<String>,
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComputeInput {
    pub requests: Option<QuantitiesInput>,
    pub limits: Option<QuantitiesInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuantitiesInput {
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ProbeInput {
    pub http_get: Option<HttpGetInput>,
    pub exec: Option<ExecInput>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HttpGetInput {
    pub path: String,
    #[serde(deserialize_with = "port")]
    pub port: u16,
    pub host: Option<String>,
    pub scheme: Option<String>,
    #[serde(default)]
    pub http_headers: Vec<HeaderInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderInput {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecInput {
    pub command: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BeforeInput {
    pub ready: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    #[serde(rename = "type")]
    pub kind: String,
    pub class: Option<String>,
    pub id: Option<String>,
    #[serde(default)]
    pub metadata: Object,
    #[serde(default)]
    pub params: Object,
}

/// A port: JSON Schema calls `80.0` an integer, so it is one here too.
fn port<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u16, D::Error> {
    let number = serde_json::Number::deserialize(deserializer)?;
    number
        .as_u64()
        .or_else(|| number.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| serde::de::Error::custom(format!("`{number}` is not a port number")))
}

fn optional_port<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<u16>, D::Error> {
    port(deserializer).map(Some)
}
