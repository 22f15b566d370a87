//! A container's volumes, from the outputs of the resources they name: a `source` output is the
//! pod volume (e.g. `emptyDir`), a `claimSpec` output a volume claim template (StatefulSets
//! only); the volume's `path` is the mount's `subPath`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PersistentVolumeClaimSpec, Volume, VolumeMount};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value as Json;

use super::Context;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, Workload};
use crate::provision::output::Output;

/// The mounts of `container`'s volumes; adds their pod volumes and claims.
pub(crate) fn volumes(
    cx: &Context<'_>,
    workload: &Workload,
    container: &ir::Container,
    stateful: bool,
    pod_volumes: &mut BTreeMap<String, Volume>,
    claims: &mut Vec<PersistentVolumeClaim>,
    out: &mut Diagnostics,
) -> Vec<VolumeMount> {
    let mut mounts = Vec::new();
    for (target, volume) in &container.volumes {
        let Some(reference) = volume.source.as_whole_resource() else {
            out.push(
                Diagnostic::error(Code::BadVolume, format!("the volume at `{target}` does not name a resource"))
                    .label(volume.source.span, "expected `${resources.<name>}`")
                    .help(
                        "declare a resource of type `volume` (or another that provides one) and use `source: \
                        ${resources.<name>}`",
                    ),
            );
            continue;
        };
        let outputs = cx.output(workload, reference);
        let source = outputs.as_ref().and_then(|o| match o {
            Output::Map(map) => map.get("source").and_then(Output::to_literal_json),
            _ => None,
        });
        let claim = outputs.as_ref().and_then(|o| match o {
            Output::Map(map) => map.get("claimSpec").and_then(Output::to_literal_json),
            _ => None,
        });
        let volume_name = format!("vol-{}", reference.resource);
        match (source, claim) {
            (Some(Json::Object(mut source)), _) => {
                source.insert("name".into(), Json::String(volume_name.clone()));
                match serde_json::from_value::<Volume>(Json::Object(source)) {
                    Ok(v) => {
                        pod_volumes.insert(format!("resource/{}", reference.resource), v);
                    }
                    Err(error) => out.push(
                        Diagnostic::error(
                            Code::BadVolume,
                            format!(
                                "resource `{}` returns a `source` that is not a \
                                Kubernetes volume source: {error}",
                                reference.resource
                            ),
                        )
                        .label(reference.span, "this volume")
                        .help("the provisioner's `source` output must be a volume source, e.g. `{emptyDir: {}}`"),
                    ),
                }
            }
            (_, Some(claim)) if stateful => match serde_json::from_value::<PersistentVolumeClaimSpec>(claim) {
                Ok(spec) => claims.push(PersistentVolumeClaim {
                    metadata: ObjectMeta { name: Some(volume_name.clone()), ..Default::default() },
                    spec: Some(spec),
                    ..Default::default()
                }),
                Err(error) => out.push(
                    Diagnostic::error(
                        Code::BadVolume,
                        format!(
                            "resource `{}` returns a `claimSpec` that is not a \
                            claim spec: {error}",
                            reference.resource
                        ),
                    )
                    .label(reference.span, "this volume"),
                ),
            },
            (_, Some(_)) => out.push(
                Diagnostic::error(
                    Code::BadVolume,
                    format!(
                        "resource `{}` provides a claim, which only a StatefulSet \
                        can use",
                        reference.resource
                    ),
                )
                .label(reference.span, "a claim for a Deployment")
                .help(
                    "annotate the workload with `k8s.score.dev/kind: StatefulSet`, or use a provisioner that \
                    returns a `source`",
                ),
            ),
            _ => out.push(
                Diagnostic::error(
                    Code::BadVolume,
                    format!(
                        "resource `{}` provides no volume (`source` or `claimSpec` \
                        output)",
                        reference.resource
                    ),
                )
                .label(reference.span, "not a volume")
                .help("use a resource of type `volume`, or a provisioner that returns `source`"),
            ),
        }
        mounts.push(VolumeMount {
            name: volume_name,
            mount_path: target.clone(),
            sub_path: volume.path.clone(),
            read_only: volume.read_only.then_some(true),
            ..Default::default()
        });
    }
    mounts
}
