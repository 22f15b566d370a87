//! The Kubernetes target: workloads and provisioned resources in, the objects a cluster runs out.
//!
//! Each workload becomes a Deployment (or, with `k8s.score.dev/kind: StatefulSet`, a
//! StatefulSet and a headless Service), a Service when it has ports, ConfigMaps and Secrets for
//! its files, and a NetworkPolicy; objects are typed (k8s-openapi) and then serialized. Order:
//! the Namespace, the resources' objects in graph order, then each workload's objects. Secure
//! defaults apply unless the environment or the workload switches them off.

mod env;
mod network;
mod output;
mod pod;

use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, StatefulSet, StatefulSetSpec};
use k8s_openapi::api::core::v1::{Namespace, Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value as Json;

pub use output::{file_names, to_yaml_stream, write_directory};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::ir::{Protocol, ResourceRef, Workload};
use crate::pipeline::Compiled;
use crate::platform::Security;
use crate::provision::Provisioned;
use crate::provision::output::{Output, SecretKey};

/// Options from the command line.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Prepend a Namespace object (needs a namespace).
    pub generate_namespace: bool,
}

/// The secure defaults in force for one workload.
#[derive(Debug, Clone)]
pub struct Settings {
    pub network_policy: bool,
    pub read_only_root_filesystem: bool,
    pub run_as_non_root: bool,
    pub run_as_user: Option<i64>,
    pub seccomp: bool,
    pub drop_capabilities: bool,
    pub automount_service_account_token: bool,
    pub default_resources: bool,
}

impl Settings {
    fn resolve(security: &Security) -> Settings {
        Settings {
            network_policy: security.network_policy.unwrap_or(true),
            read_only_root_filesystem: security.read_only_root_filesystem.unwrap_or(true),
            run_as_non_root: security.run_as_non_root.unwrap_or(true),
            run_as_user: security.run_as_user.unwrap_or(Some(65532)),
            seccomp: security.seccomp.unwrap_or(true),
            drop_capabilities: security.drop_capabilities.unwrap_or(true),
            automount_service_account_token: security.automount_service_account_token.unwrap_or(false),
            default_resources: security.default_resources.unwrap_or(true),
        }
    }
}

/// What lowering a workload reads, with the indexes built once per compile (so that nothing is
/// quadratic in workloads or resources).
#[derive(Debug)]
pub struct Context<'a> {
    pub workloads: &'a [Workload],
    pub graph: &'a Graph,
    pub provisioned: &'a Provisioned,
    pub namespace: Option<String>,
    /// Secret objects by name.
    secrets: BTreeMap<&'a str, &'a Json>,
    pub links: Links<'a>,
}

/// Who links to whom: for each workload, the workloads that call it, and the workloads it calls
/// (with the port named, for `service-port`).
#[derive(Debug, Default)]
pub struct Links<'a> {
    pub callers: BTreeMap<&'a str, std::collections::BTreeSet<&'a str>>,
    pub callees: BTreeMap<&'a str, Vec<(String, Option<String>)>>,
}

impl<'a> Links<'a> {
    fn build(graph: &'a Graph) -> Links<'a> {
        let mut links = Links::default();
        for resource in graph.resources.values() {
            let Some((target, _)) = crate::graph::link_target(resource) else { continue };
            let port = match resource.params.get("port") {
                Some(crate::ir::Param::String(t)) if resource.kind == "service-port" => t.as_literal(),
                Some(crate::ir::Param::Number(n)) if resource.kind == "service-port" => Some(n.to_string()),
                _ => None,
            };
            for declaration in &resource.declarations {
                if declaration.workload == target {
                    continue;
                }
                links.callers.entry(graph_name(graph, &target)).or_default().insert(&declaration.workload);
                links.callees.entry(&declaration.workload).or_default().push((target.clone(), port.clone()));
            }
        }
        links
    }
}

/// The workload's name as stored in the graph (so the maps can borrow it).
fn graph_name<'g>(graph: &'g Graph, name: &str) -> &'g str {
    match graph.node(&crate::graph::Node::Workload(name.to_string())).map(|i| &graph.graph[i]) {
        Some(crate::graph::Node::Workload(stored)) => stored,
        _ => "",
    }
}

impl Context<'_> {
    pub fn output(&self, workload: &Workload, reference: &ResourceRef) -> Option<Output> {
        crate::provision::resolve(self.graph, self.provisioned, &workload.name, reference)
    }

    pub fn secret_value(&self, key: &SecretKey) -> Option<String> {
        env::secret_value(self.secrets.get(key.name.as_str())?, key)
    }

    /// The recommended labels; stable across compiles.
    pub fn labels(&self, workload: &Workload) -> BTreeMap<String, String> {
        let mut labels = self.selector(workload);
        labels.insert("app.kubernetes.io/managed-by".into(), "stave".into());
        labels
    }

    /// The labels selectors use: name and instance (never a changing value).
    pub fn selector(&self, workload: &Workload) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".into(), workload.name.clone()),
            ("app.kubernetes.io/instance".into(), workload.name.clone()),
        ])
    }
}

/// Kinds that live outside namespaces.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PersistentVolume",
    "PriorityClass",
    "IngressClass",
    "GatewayClass",
    "ClusterSecretStore",
];

fn to_json<T: serde::Serialize>(object: &T) -> Json {
    serde_json::to_value(object).unwrap_or(Json::Null)
}

/// Every object, in apply order.
pub fn emit(compiled: &Compiled, options: &Options) -> Result<Vec<Json>, Diagnostics> {
    let mut out = Diagnostics::new();
    let (Some(graph), Some(provisioned)) = (&compiled.graph, &compiled.provisioned) else {
        return Err(out);
    };
    let environment = &compiled.environment;
    let namespace = environment.namespace.clone();
    let secrets = provisioned
        .objects
        .iter()
        .filter(|o| o.get("kind").and_then(Json::as_str) == Some("Secret"))
        .filter_map(|o| Some((o.pointer("/metadata/name")?.as_str()?, o)))
        .collect();
    let cx = Context {
        workloads: &compiled.workloads,
        graph,
        provisioned,
        namespace: namespace.clone(),
        secrets,
        links: Links::build(graph),
    };
    let mut objects = Vec::new();
    if options.generate_namespace {
        match &namespace {
            Some(name) => objects.push(to_json(&Namespace {
                metadata: ObjectMeta {
                    name: Some(name.clone()),
                    labels: Some(BTreeMap::from([
                        ("app.kubernetes.io/managed-by".into(), "stave".into()),
                        // Every pod Stave emits meets the restricted Pod Security Standard.
                        ("pod-security.kubernetes.io/enforce".into(), "restricted".into()),
                    ])),
                    ..Default::default()
                },
                ..Default::default()
            })),
            None => out.push(
                Diagnostic::error(
                    Code::NoNamespace,
                    format!(
                        "`--generate-namespace` needs a namespace, and environment `{}` has none",
                        environment.name
                    ),
                )
                .label(environment.span, "this environment")
                .help("pass `--namespace NS`, or set `namespace:` for the environment in the platform file"),
            ),
        }
    }
    for object in &provisioned.objects {
        let mut object = object.clone();
        let kind = object.get("kind").and_then(Json::as_str).unwrap_or_default().to_string();
        if let (Some(namespace), false) = (&namespace, CLUSTER_SCOPED.contains(&kind.as_str()))
            && let Some(metadata) = object.get_mut("metadata").and_then(Json::as_object_mut)
        {
            metadata.entry("namespace").or_insert_with(|| Json::String(namespace.clone()));
        }
        objects.push(object);
    }
    for workload in &compiled.workloads {
        let defaults = environment.workloads.get(&workload.name);
        let security =
            defaults.map(|d| d.security.over(&environment.security)).unwrap_or_else(|| environment.security.clone());
        let settings = Settings::resolve(&security);
        let replicas = defaults.and_then(|d| d.replicas).map(|r| i32::try_from(r).unwrap_or(i32::MAX));
        objects.extend(workload_objects(&cx, workload, &settings, replicas, &mut out));
    }
    if out.has_errors() { Err(out.sorted()) } else { Ok(objects) }
}

fn workload_objects(
    cx: &Context<'_>,
    workload: &Workload,
    settings: &Settings,
    replicas: Option<i32>,
    out: &mut Diagnostics,
) -> Vec<Json> {
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
        ..Default::default()
    };
    let mut objects: Vec<Json> = Vec::new();
    objects.extend(pod.config_maps.iter().map(to_json));
    objects.extend(pod.secrets.iter().map(to_json));
    let service_name =
        workload.annotations.get("k8s.score.dev/service-name").cloned().unwrap_or_else(|| workload.name.clone());
    if !workload.service_ports.is_empty() {
        let ports = workload
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
        objects.push(to_json(&Service {
            metadata: meta(&service_name),
            spec: Some(ServiceSpec {
                type_: Some("ClusterIP".into()),
                selector: Some(cx.selector(workload)),
                ports: Some(ports),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
    let headless = format!("{}-headless", workload.name);
    if stateful {
        objects.push(to_json(&Service {
            metadata: meta(&headless),
            spec: Some(ServiceSpec {
                cluster_ip: Some("None".into()),
                selector: Some(cx.selector(workload)),
                ports: Some(vec![ServicePort { name: Some("headless".into()), port: 99, ..Default::default() }]),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
    if settings.network_policy {
        objects.push(to_json(&network::policy(cx, workload)));
    }
    let selector = LabelSelector { match_labels: Some(cx.selector(workload)), match_expressions: None };
    if stateful {
        objects.push(to_json(&StatefulSet {
            metadata: meta(&workload.name),
            spec: Some(StatefulSetSpec {
                replicas,
                selector,
                service_name: Some(headless),
                template: pod.template,
                volume_claim_templates: (!pod.claims.is_empty()).then_some(pod.claims),
                ..Default::default()
            }),
            ..Default::default()
        }));
    } else {
        objects.push(to_json(&Deployment {
            metadata: meta(&workload.name),
            spec: Some(DeploymentSpec { replicas, selector, template: pod.template, ..Default::default() }),
            ..Default::default()
        }));
    }
    objects
}
