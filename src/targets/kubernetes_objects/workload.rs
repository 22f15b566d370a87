//! One workload's objects: its files' ConfigMaps and Secrets, its Service (and a headless one
//! for a StatefulSet), its NetworkPolicy, and its Deployment or StatefulSet, each with the part
//! of the workload it comes from (for messages about who owns an object).

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value as Json;

use super::{Context, Part, Settings, network, pod, service_name, to_json};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Protocol, Workload};

pub(crate) fn objects(
    cx: &Context<'_>,
    workload: &Workload,
    settings: &Settings,
    replicas: Option<i32>,
    out: &mut Diagnostics,
) -> Vec<(Json, Part)> {
    let kind = workload.annotations.get("k8s.score.dev/kind").map_or("Deployment", String::as_str);
    let stateful = match kind {
        "Deployment" => false,
        "StatefulSet" => true,
        other => {
            out.push(
                Diagnostic::error(
                    Code::InvalidKind,
                    format!(
                        "workload `{}` asks for kind `{other}`; Stave emits `Deployment` or `StatefulSet`",
                        workload.name
                    ),
                )
                .label(workload.name_span, "this workload")
                .help("set the annotation `k8s.score.dev/kind` to `Deployment` or `StatefulSet`, or remove it"),
            );
            return Vec::new();
        }
    };
    let pod = pod::pod(cx, workload, settings, stateful, out);
    let meta = |name: &str| ObjectMeta {
        name: Some(name.to_string()),
        namespace: cx.namespace.clone(),
        labels: Some(cx.labels(workload)),
        annotations: Some(cx.annotations(workload)),
        ..Default::default()
    };
    let mut objects: Vec<(Json, Part)> = Vec::new();
    objects.extend(pod.config_maps.iter().map(|(container, map)| (to_json(map), Part::Files(container.clone()))));
    objects
        .extend(pod.secrets.iter().map(|(container, secret)| (to_json(secret), Part::SecretFiles(container.clone()))));
    let service_name = service_name(workload);
    let ports: Vec<ServicePort> = workload
        .service_ports
        .iter()
        .map(|(name, p)| ServicePort {
            name: Some(name.clone()),
            port: i32::from(p.port),
            target_port: Some(IntOrString::Int(i32::from(p.target_port))),
            protocol: Some(if p.protocol == Protocol::Udp { "UDP" } else { "TCP" }.into()),
            ..Default::default()
        })
        .collect();
    if !ports.is_empty() {
        objects.push((
            to_json(&Service {
                metadata: meta(&service_name),
                spec: Some(ServiceSpec {
                    type_: Some("ClusterIP".into()),
                    selector: Some(cx.selector(workload)),
                    ports: Some(ports.clone()),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Part::Service,
        ));
    }
    // Kubernetes derives names from these (a label per pod, a revision hash): shortened with a
    // hash of the whole where they would be too long.
    let headless = crate::naming::fit(&format!("{}-headless", workload.name), 63);
    if stateful {
        objects.push((
            to_json(&Service {
                metadata: meta(&headless),
                spec: Some(ServiceSpec {
                    cluster_ip: Some("None".into()),
                    selector: Some(cx.selector(workload)),
                    // The pods' own ports, or none: a headless Service needs no port of its own.
                    ports: (!ports.is_empty()).then_some(ports),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Part::HeadlessService,
        ));
    }
    if settings.network_policy {
        objects.push((to_json(&network::policy(cx, workload, settings, out)), Part::NetworkPolicy));
    }
    let selector = LabelSelector { match_labels: Some(cx.selector(workload)), match_expressions: None };
    if stateful {
        objects.push((
            to_json(&StatefulSet {
                metadata: meta(&crate::naming::fit(&workload.name, 52)),
                spec: Some(StatefulSetSpec {
                    replicas,
                    selector,
                    service_name: Some(headless),
                    template: pod.template,
                    volume_claim_templates: (!pod.claims.is_empty()).then_some(pod.claims),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            Part::StatefulSet,
        ));
    } else {
        let deployment = Deployment {
            metadata: meta(&workload.name),
            spec: Some(DeploymentSpec { replicas, selector, template: pod.template, ..Default::default() }),
            ..Default::default()
        };
        objects.push((to_json(&deployment), Part::Deployment));
    }
    objects
}
