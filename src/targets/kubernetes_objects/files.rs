//! A container's files: text in a ConfigMap, text that embeds a secret in a Secret (the value
//! read from the provisioner's Secret), bytes as binary data; each mounted with `subPath` at its
//! own path, so the rest of its directory stays visible.

use std::collections::BTreeMap;

use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, KeyToPath, Secret, SecretVolumeSource, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use super::{Context, env};
use crate::diagnostics::Diagnostics;
use crate::ir::{self, FileContent, Workload};

/// What a container's files need: mounts, the ConfigMap and Secret holding them, and the pod
/// volumes (by their key in the pod's volume map).
#[derive(Debug, Default)]
pub(crate) struct Files {
    pub(crate) mounts: Vec<VolumeMount>,
    pub(crate) config_map: Option<ConfigMap>,
    pub(crate) secret: Option<Secret>,
    pub(crate) volumes: Vec<(String, Volume)>,
}

/// A ConfigMap or Secret key for a file: its base name, made safe, and a hash of the path.
fn file_key(target: &str) -> String {
    let base: String = target
        .rsplit('/')
        .next()
        .unwrap_or("file")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' })
        .take(40)
        .collect();
    format!("{}-{}", base.trim_matches('.'), crate::naming::short_hash(target, 8))
}

pub(crate) fn files(
    cx: &Context<'_>,
    workload: &Workload,
    name: &str,
    container: &ir::Container,
    out: &mut Diagnostics,
) -> Files {
    let mut result = Files::default();
    let mut mounts = Vec::new();
    let mut config_data = BTreeMap::new();
    let mut binary_data = BTreeMap::new();
    let mut secret_data = BTreeMap::new();
    let mut config_items = Vec::new();
    let mut secret_items = Vec::new();
    let config_name = format!("{}-{name}-files", workload.name);
    let secret_name = format!("{}-{name}-secret-files", workload.name);
    for (target, file) in &container.files {
        let key = file_key(target);
        let mode = file.mode.map(|m| i32::try_from(m).unwrap_or(0o644));
        let in_secret = match &file.content {
            FileContent::Binary(bytes) => {
                binary_data.insert(key.clone(), ByteString(bytes.clone()));
                false
            }
            FileContent::Text(template) => match env::file_text(cx, workload, template, out) {
                Some((text, true)) => {
                    secret_data.insert(key.clone(), text);
                    true
                }
                Some((text, false)) => {
                    config_data.insert(key.clone(), text);
                    false
                }
                None => continue,
            },
        };
        let item = KeyToPath { key: key.clone(), path: key.clone(), mode };
        let volume = if in_secret {
            secret_items.push(item);
            "secret-files"
        } else {
            config_items.push(item);
            "files"
        };
        // subPath mounts the one file at its own path and leaves the rest of the directory.
        mounts.push(VolumeMount {
            name: volume.into(),
            mount_path: target.clone(),
            sub_path: Some(key),
            read_only: Some(true),
            ..Default::default()
        });
    }
    let labels = cx.labels(workload);
    let meta = |object: &str| ObjectMeta {
        name: Some(object.to_string()),
        namespace: cx.namespace.clone(),
        labels: Some(labels.clone()),
        ..Default::default()
    };
    if !config_items.is_empty() {
        result.config_map = Some(ConfigMap {
            metadata: meta(&config_name),
            data: (!config_data.is_empty()).then_some(config_data),
            binary_data: (!binary_data.is_empty()).then_some(binary_data),
            immutable: None,
        });
        result.volumes.push((
            format!("{name}/files"),
            Volume {
                name: format!("{name}-files"),
                config_map: Some(ConfigMapVolumeSource {
                    name: config_name.clone(),
                    items: Some(config_items),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ));
    }
    if !secret_items.is_empty() {
        result.secret = Some(Secret {
            metadata: meta(&secret_name),
            string_data: Some(secret_data),
            type_: Some("Opaque".into()),
            ..Default::default()
        });
        result.volumes.push((
            format!("{name}/secret-files"),
            Volume {
                name: format!("{name}-secret-files"),
                secret: Some(SecretVolumeSource {
                    secret_name: Some(secret_name.clone()),
                    items: Some(secret_items),
                    ..Default::default()
                }),
                ..Default::default()
            },
        ));
    }
    for mount in &mut mounts {
        mount.name = format!("{name}-{}", mount.name);
    }
    result.mounts = mounts;
    result
}
