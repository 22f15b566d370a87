//! A workload's pod: containers (with `before` as init containers and native sidecars), probes,
//! files mounted at their own paths, volumes from resource outputs, and the security defaults.

use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::core::v1::{
    Capabilities, ConfigMap, Container, ContainerPort, EmptyDirVolumeSource, ExecAction, HTTPGetAction, HTTPHeader,
    PersistentVolumeClaim, PodSecurityContext, PodSpec, PodTemplateSpec, Probe, SeccompProfile, Secret,
    SecurityContext, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{Context, Settings, env, files, resources, volumes};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{self, Readiness, Workload};

/// The pod template annotation that holds a hash of the workload's files.
pub(crate) const FILES_HASH: &str = "stave.dev/files-hash";

/// The pod and the objects it needs.
#[derive(Debug, Default)]
pub(crate) struct Pod {
    pub(crate) template: PodTemplateSpec,
    /// By container name.
    pub(crate) config_maps: Vec<(String, ConfigMap)>,
    pub(crate) secrets: Vec<(String, Secret)>,
    /// For a StatefulSet: claims from volume outputs with a `claimSpec`.
    pub(crate) claims: Vec<PersistentVolumeClaim>,
}

/// Score allows both handlers and says exec is preferred; Kubernetes takes one.
fn probe(probe: &ir::Probe) -> Probe {
    if let Some(command) = &probe.exec {
        return Probe { exec: Some(ExecAction { command: Some(command.clone()) }), ..Default::default() };
    }
    let http = probe.http_get.as_ref();
    Probe {
        http_get: http.map(|h| HTTPGetAction {
            path: Some(h.path.clone()),
            port: IntOrString::Int(i32::from(h.port)),
            host: h.host.clone(),
            scheme: Some(h.scheme.clone()),
            http_headers: (!h.headers.is_empty()).then(|| {
                h.headers.iter().map(|x| HTTPHeader { name: x.name.clone(), value: x.value.clone() }).collect()
            }),
        }),
        ..Default::default()
    }
}

fn container_security(settings: &Settings) -> SecurityContext {
    SecurityContext {
        allow_privilege_escalation: settings.drop_capabilities.then_some(false),
        privileged: settings.drop_capabilities.then_some(false),
        capabilities: settings.drop_capabilities.then(|| Capabilities { drop: Some(vec!["ALL".into()]), add: None }),
        read_only_root_filesystem: settings.read_only_root_filesystem.then_some(true),
        run_as_non_root: settings.run_as_non_root.then_some(true),
        run_as_user: settings.run_as_user,
        run_as_group: settings.run_as_user,
        ..Default::default()
    }
}

/// Where a container goes, from its `before` entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Main,
    /// Runs to completion before the next container starts.
    Init,
    /// A native sidecar (an init container that keeps running); `true` when the next container
    /// waits until it is healthy.
    Sidecar(bool),
}

fn role(container: &ir::Container) -> Role {
    let states: BTreeSet<Readiness> = container.before.values().copied().collect();
    if states.is_empty() {
        Role::Main
    } else if states.contains(&Readiness::Complete) {
        Role::Init
    } else {
        Role::Sidecar(states.contains(&Readiness::Healthy))
    }
}

/// Init containers and sidecars in `before` order (a container comes before those it names),
/// ties by name. The graph is acyclic: the front end rejected cycles.
fn init_order(workload: &Workload) -> Vec<&str> {
    let early: BTreeSet<&str> =
        workload.containers.iter().filter(|(_, c)| role(c) != Role::Main).map(|(n, _)| n.as_str()).collect();
    let mut waiting: BTreeMap<&str, usize> = early.iter().map(|n| (*n, 0)).collect();
    for (name, container) in &workload.containers {
        for after in container.before.keys() {
            if early.contains(name.as_str())
                && let Some(count) = waiting.get_mut(after.as_str())
            {
                *count += 1;
            }
        }
    }
    let mut ready: BTreeSet<&str> = waiting.iter().filter(|(_, c)| **c == 0).map(|(n, _)| *n).collect();
    let mut order = Vec::new();
    while let Some(next) = ready.pop_first() {
        order.push(next);
        for after in workload.containers[next].before.keys() {
            if let Some(count) = waiting.get_mut(after.as_str()) {
                *count -= 1;
                if *count == 0 {
                    ready.insert(after.as_str());
                }
            }
        }
    }
    order
}

pub(crate) fn pod(
    cx: &Context<'_>,
    workload: &Workload,
    settings: &Settings,
    stateful: bool,
    out: &mut Diagnostics,
) -> Pod {
    let mut result = Pod::default();
    let mut volumes: BTreeMap<String, Volume> = BTreeMap::new();
    let main_names: Vec<&str> =
        workload.containers.iter().filter(|(_, c)| role(c) == Role::Main).map(|(n, _)| n.as_str()).collect();
    let mut built: BTreeMap<&str, Container> = BTreeMap::new();
    for (name, container) in &workload.containers {
        let files = files::files(cx, workload, name, container, out);
        let mut mounts = files.mounts;
        if let Some(map) = files.config_map {
            result.config_maps.push((name.clone(), map));
        }
        if let Some(secret) = files.secret {
            result.secrets.push((name.clone(), secret));
        }
        volumes.extend(files.volumes);
        mounts.extend(volumes::volumes(cx, workload, container, stateful, &mut volumes, &mut result.claims, out));
        if settings.read_only_root_filesystem && !mounts.iter().any(|m| m.mount_path == "/tmp") {
            volumes.insert(
                "tmp".into(),
                Volume { name: "tmp".into(), empty_dir: Some(EmptyDirVolumeSource::default()), ..Default::default() },
            );
            mounts.push(VolumeMount { name: "tmp".into(), mount_path: "/tmp".into(), ..Default::default() });
        }
        mounts.sort_by(|a, b| a.mount_path.cmp(&b.mount_path));
        let role = role(container);
        let ports = if main_names.first() == Some(&name.as_str()) {
            let mut ports: Vec<ContainerPort> = workload
                .service_ports
                .iter()
                .map(|(port_name, p)| ContainerPort {
                    name: Some(port_name.clone()).filter(|n| n.len() <= 15),
                    container_port: i32::from(p.target_port),
                    protocol: Some(if p.protocol == ir::Protocol::Udp { "UDP" } else { "TCP" }.into()),
                    ..Default::default()
                })
                .collect();
            ports.sort_by_key(|p| (p.container_port, p.protocol.clone()));
            ports.dedup_by_key(|p| (p.container_port, p.protocol.clone()));
            ports
        } else {
            Vec::new()
        };
        let readiness = container.readiness_probe.as_ref().map(probe);
        let startup = match role {
            Role::Sidecar(true) => match &readiness {
                Some(readiness) => Some(readiness.clone()),
                None => {
                    out.push(
                        Diagnostic::error(
                            Code::HealthyNeedsProbe,
                            format!(
                                "container `{name}` must be healthy before \
                                others start, but has no `readinessProbe`"
                            ),
                        )
                        .label(container.image_span, "this container")
                        .help("add a `readinessProbe`, or use `ready: started`"),
                    );
                    None
                }
            },
            _ => None,
        };
        let env = env::variables(cx, workload, &container.variables, out);
        if role == Role::Init {
            // Kubernetes allows no probe on a container that runs to completion.
            for probe in [&container.liveness_probe, &container.readiness_probe].into_iter().flatten() {
                out.push(
                    Diagnostic::warning(
                        Code::ProbeDropped,
                        format!(
                            "container `{name}` runs to completion before the others (`ready: complete`), so its \
                            probe is left out"
                        ),
                    )
                    .label(probe.span, "not allowed on an init container")
                    .help(
                        "remove the probe, or use `ready: started` or `ready: healthy` to keep the container running \
                        beside the others",
                    ),
                );
            }
        }
        built.insert(
            name.as_str(),
            Container {
                name: name.clone(),
                image: Some(container.image.clone()),
                image_pull_policy: cx.image_pull_policy.map(str::to_string),
                command: container.command.clone(),
                args: container.args.clone(),
                env: (!env.is_empty()).then_some(env),
                ports: (!ports.is_empty()).then_some(ports),
                resources: resources::resources(container, name, settings, out),
                liveness_probe: container
                    .liveness_probe
                    .as_ref()
                    .map(probe)
                    .filter(|_| role == Role::Main || matches!(role, Role::Sidecar(_))),
                readiness_probe: readiness.filter(|_| role != Role::Init),
                startup_probe: startup,
                restart_policy: matches!(role, Role::Sidecar(_)).then(|| "Always".to_string()),
                security_context: Some(container_security(settings)),
                volume_mounts: (!mounts.is_empty()).then_some(mounts),
                ..Default::default()
            },
        );
    }
    let init: Vec<Container> = init_order(workload).into_iter().filter_map(|n| built.remove(n)).collect();
    let main: Vec<Container> = built.into_values().collect();
    let pod_security = PodSecurityContext {
        run_as_non_root: settings.run_as_non_root.then_some(true),
        run_as_user: settings.run_as_user,
        run_as_group: settings.run_as_user,
        fs_group: settings.run_as_user,
        seccomp_profile: settings
            .seccomp
            .then(|| SeccompProfile { type_: "RuntimeDefault".into(), localhost_profile: None }),
        ..Default::default()
    };
    let mut annotations: BTreeMap<String, String> = workload
        .annotations
        .iter()
        .filter(|(k, _)| !k.starts_with("k8s.score.dev/") && !k.starts_with("stave.dev/"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .chain(cx.annotations(workload))
        .collect();
    // subPath mounts never refresh: a hash of the files' content in the pod template makes a
    // changed file roll the pods out. (Generated values count as what they are, not as values.)
    if !result.config_maps.is_empty() || !result.secrets.is_empty() {
        let content = serde_json::json!({
            "config": result.config_maps.iter().map(|(c, m)| (c, &m.data, &m.binary_data)).collect::<Vec<_>>(),
            "secret": result.secrets.iter().map(|(c, s)| (c, &s.string_data)).collect::<Vec<_>>(),
        });
        annotations.insert(FILES_HASH.into(), crate::naming::short_hash(&content.to_string(), 16));
    }
    result.template = PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(cx.labels(workload)),
            annotations: (!annotations.is_empty()).then_some(annotations),
            ..Default::default()
        }),
        spec: Some(PodSpec {
            automount_service_account_token: Some(settings.automount_service_account_token),
            enable_service_links: Some(false),
            init_containers: (!init.is_empty()).then_some(init),
            containers: main,
            security_context: Some(pod_security),
            volumes: (!volumes.is_empty()).then(|| volumes.into_values().collect()),
            ..Default::default()
        }),
    };
    result
}
