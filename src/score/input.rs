//! Input types: the workload file exactly as written (after overrides and upgrades), decoded
//! from a document the schema has already accepted. Spans come from the node tree alongside.

use std::collections::BTreeMap;

use serde::Deserialize;

type Object = serde_json::Map<String, serde_json::Value>;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WorkloadInput {
    #[allow(dead_code, reason = "checked by the schema, kept so the type mirrors the file")]
    pub(crate) api_version: String,
    pub(crate) metadata: Object,
    pub(crate) service: Option<ServiceInput>,
    pub(crate) containers: BTreeMap<String, ContainerInput>,
    #[serde(default)]
    pub(crate) resources: BTreeMap<String, ResourceInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceInput {
    #[serde(default)]
    pub(crate) ports: BTreeMap<String, PortInput>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PortInput {
    #[serde(deserialize_with = "port")]
    pub(crate) port: u16,
    #[serde(default, deserialize_with = "optional_port")]
    pub(crate) target_port: Option<u16>,
    pub(crate) protocol: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ContainerInput {
    pub(crate) image: String,
    pub(crate) command: Option<Vec<String>>,
    pub(crate) args: Option<Vec<String>>,
    #[serde(default)]
    pub(crate) variables: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) files: BTreeMap<String, FileInput>,
    #[serde(default)]
    pub(crate) volumes: BTreeMap<String, VolumeInput>,
    pub(crate) resources: Option<ComputeInput>,
    pub(crate) liveness_probe: Option<ProbeInput>,
    pub(crate) readiness_probe: Option<ProbeInput>,
    #[serde(default)]
    pub(crate) before: BTreeMap<String, BeforeInput>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FileInput {
    pub(crate) mode: Option<String>,
    pub(crate) content: Option<String>,
    pub(crate) binary_content: Option<String>,
    pub(crate) source: Option<String>,
    #[serde(default)]
    pub(crate) no_expand: bool,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct VolumeInput {
    pub(crate) source: String,
    pub(crate) path: Option<String>,
    #[serde(default)]
    pub(crate) read_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ComputeInput {
    pub(crate) requests: Option<QuantitiesInput>,
    pub(crate) limits: Option<QuantitiesInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct QuantitiesInput {
    pub(crate) cpu: Option<String>,
    pub(crate) memory: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ProbeInput {
    pub(crate) http_get: Option<HttpGetInput>,
    pub(crate) exec: Option<ExecInput>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct HttpGetInput {
    pub(crate) path: String,
    #[serde(deserialize_with = "port")]
    pub(crate) port: u16,
    pub(crate) host: Option<String>,
    pub(crate) scheme: Option<String>,
    #[serde(default)]
    pub(crate) http_headers: Vec<HeaderInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeaderInput {
    pub(crate) name: String,
    pub(crate) value: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExecInput {
    pub(crate) command: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BeforeInput {
    pub(crate) ready: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceInput {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) class: Option<String>,
    pub(crate) id: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Object,
    #[serde(default)]
    pub(crate) params: Object,
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
