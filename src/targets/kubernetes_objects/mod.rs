//! The Kubernetes object layer: workloads and provisioned resources in, the objects a cluster
//! runs out; the kubernetes target writes them as they are, the helm target templates them, the
//! terraform target turns them into `kubernetes_*` resources, and an external target declared
//! with `objects: kubernetes` gets them in its request. No target folder imports another: they
//! share this layer.
//!
//! Each workload becomes a Deployment (or, with `k8s.score.dev/kind: StatefulSet`, a
//! StatefulSet and a headless Service), a Service when it has ports, ConfigMaps and Secrets for
//! its files, and a NetworkPolicy; objects are typed (k8s-openapi) and then serialized. Order:
//! the Namespace, the resources' objects in graph order, then each workload's objects. Every
//! object has one owner (`objects.rs`, the ledger); provisioners' objects are checked before they are
//! emitted. Secure defaults apply unless the environment or the workload switches them off.

mod admission;
mod env;
mod external;
mod files;
mod identity;
mod model;
mod namespace;
mod network;
mod objects;
mod output;
pub(crate) mod patches;
mod pod;
mod pss;
mod resources;
mod secrets;
mod volumes;
mod workload;

pub(crate) mod names;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use rayon::prelude::*;
use serde_json::Value as Json;

use super::{File, Input, Options};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::ir::{ResourceRef, Workload};
use crate::platform::Security;
use crate::provision::output::{Output, SecretKey};
use crate::provision::{Bindings, ProvisionedResource};
pub(crate) use admission::CLUSTER_SCOPED;
pub(crate) use model::{MODEL, MODEL_GENERATING_AT_APPLY};
use objects::{Checked, Ledger, Owner};
pub(crate) use objects::{Lowered, OwnerRef, Part};
use output::Body;

/// One environment's objects written as the kubernetes target writes them: a YAML stream in
/// apply order (the Namespace first), each file's path under `prefix`.
pub(crate) fn manifests(input: &Input<'_>, options: &Options, prefix: &str, out: &mut Diagnostics) -> Vec<File> {
    let (objects, identities) = lower_for_output(input, options, out);
    output::files(objects, identities, &input.provisioned.generated, prefix, out)
}

/// The annotation that names the workload an object belongs to, as score-k8s writes it.
pub(crate) const WORKLOAD_NAME: &str = "k8s.score.dev/workload-name";

/// The name of the Service a workload is reached by: its own, or `k8s.score.dev/service-name`.
pub(crate) fn service_name(workload: &Workload) -> String {
    workload.annotations.get("k8s.score.dev/service-name").cloned().unwrap_or_else(|| workload.name.clone())
}

/// The secure defaults in force for one workload.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) network_policy: bool,
    pub(crate) read_only_root_filesystem: bool,
    pub(crate) run_as_non_root: bool,
    pub(crate) run_as_user: Option<i64>,
    pub(crate) seccomp: bool,
    pub(crate) drop_capabilities: bool,
    pub(crate) automount_service_account_token: bool,
    pub(crate) default_resources: bool,
    /// Egress the platform allows this workload beyond what the graph knows.
    pub(crate) egress: Vec<crate::platform::Egress>,
}

impl Settings {
    fn resolve(security: &Security, egress: Vec<crate::platform::Egress>) -> Settings {
        Settings {
            egress,
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
pub(crate) struct Context<'a> {
    pub(crate) workloads: &'a [Workload],
    pub(crate) graph: &'a Graph,
    pub(crate) resources: &'a BTreeMap<String, Box<ProvisionedResource>>,
    bindings: &'a Bindings,
    pub(crate) namespace: Option<String>,
    /// Every container's pull policy, when the environment sets one.
    pub(crate) image_pull_policy: Option<&'static str>,
    secrets: secrets::Index<'a>,
    pub(crate) links: Links<'a>,
    /// Workloads deployed elsewhere that links may name.
    pub(crate) external: &'a BTreeMap<String, crate::platform::ExternalWorkload>,
}

/// Who links to whom: for each workload, the workloads that call it, and the workloads it calls
/// (with the port named, for `service-port`).
#[derive(Debug, Default)]
pub(crate) struct Links<'a> {
    pub(crate) callers: BTreeMap<&'a str, BTreeSet<&'a str>>,
    pub(crate) callees: BTreeMap<&'a str, Vec<(String, Option<String>)>>,
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
        Some(crate::graph::Node::External(stored)) => stored,
        _ => "",
    }
}

impl Context<'_> {
    /// The output a placeholder of `workload` reads, as provisioning bound it.
    pub(crate) fn output(&self, workload: &Workload, reference: &ResourceRef) -> Option<Output> {
        self.bindings.get(&workload.name, reference).cloned()
    }

    pub(crate) fn secret_value(&self, key: &SecretKey) -> Option<String> {
        self.secrets.value(key)
    }

    /// The recommended labels; stable across compiles.
    pub(crate) fn labels(&self, workload: &Workload) -> BTreeMap<String, String> {
        let mut labels = self.selector(workload);
        labels.insert("app.kubernetes.io/managed-by".into(), "stave".into());
        labels
    }

    /// The annotations score-k8s puts on a workload's Services, its Deployment or StatefulSet
    /// and its pods: `k8s.score.dev/workload-name`, so tools written for score-k8s find them.
    pub(crate) fn annotations(&self, workload: &Workload) -> BTreeMap<String, String> {
        BTreeMap::from([(WORKLOAD_NAME.into(), workload.name.clone())])
    }

    /// The labels selectors use: name and instance (never a changing value).
    pub(crate) fn selector(&self, workload: &Workload) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".into(), workload.name.clone()),
            ("app.kubernetes.io/instance".into(), workload.name.clone()),
        ])
    }
}

pub(crate) fn to_json<T: serde::Serialize>(object: &T) -> Json {
    serde_json::to_value(object).unwrap_or(Json::Null)
}

/// Every object of one environment, in apply order, each with one owner; generated values are
/// still markers. The Kubernetes target writes them; the targets built on its objects lower
/// them their own way.
pub(crate) fn lower(input: &Input<'_>, options: &Options, out: &mut Diagnostics) -> Vec<Lowered> {
    let mut lowered = record(input, options, WriteEarly::Never, out).into_lowered();
    // The Namespace comes first: everything else lives in it.
    if let Some(index) = lowered.iter().position(|l| l.owner == OwnerRef::Environment) {
        let namespace = lowered.remove(index);
        lowered.insert(0, namespace);
    }
    lowered
}

/// [`lower`]'s objects alone, for this target, which only serializes them: each written as soon
/// as it is checked or built where nothing reads it after.
fn lower_for_output<'a>(
    input: &Input<'a>,
    options: &Options,
    out: &mut Diagnostics,
) -> (Vec<Body<'a>>, Vec<identity::Identity>) {
    let (mut lowered, mut identities, namespace) = record(input, options, WriteEarly::WhenUnread, out).into_bodies();
    if let Some(index) = namespace {
        let namespace = lowered.remove(index);
        lowered.insert(0, namespace);
        let identity = identities.remove(index);
        identities.insert(0, identity);
    }
    (lowered, identities)
}

/// How many provisioned objects are checked at once (and an eighth as many workloads lowered):
/// enough to keep both cores busy, few enough that what waits to be recorded stays small.
const CHUNK: usize = 4096;

/// Whether [`record`] may write objects as it checks or builds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WriteEarly {
    /// The caller reads every object's tree.
    Never,
    /// The caller writes the objects: those nothing reads after recording (no patches, no
    /// Namespace labelled after the pods) are written at once, so their trees never pile up.
    WhenUnread,
}

/// Every object of one environment in the ledger, in the order recorded.
fn record<'a>(input: &Input<'a>, options: &Options, early: WriteEarly, out: &mut Diagnostics) -> Ledger<'a> {
    let environment = input.environment;
    let namespace = environment.kubernetes.namespace.clone();
    let mut ledger = Ledger::new(environment.kubernetes.namespace.as_deref(), &environment.kubernetes.allow);
    let resources = &input.provisioned.resources;
    let write_now = early == WriteEarly::WhenUnread && environment.patches.is_empty() && !options.generate_namespace;
    let generated = &input.provisioned.generated;
    // Checked (and written, when they may be) in parallel, recorded in graph order.
    let returned: Vec<_> = input
        .graph
        .resources_in_order()
        .filter_map(|resource| Some((resource, resources.get(&resource.uid)?)))
        .flat_map(|(resource, provided)| provided.objects.iter().map(move |object| (object, resource, provided)))
        .collect();
    // Room for every object at once: the provisioners' and about four per workload (room
    // never used is never touched).
    ledger.reserve(returned.len() + 4 * input.workloads.len() + 1);
    let (namespace_name, allow) = (ledger.namespace(), ledger.allow());
    // In chunks, so that only one chunk's checked objects wait to be recorded at a time.
    for chunk in returned.chunks(CHUNK) {
        let checked: Vec<_> = chunk
            .par_iter()
            .map(|&(object, resource, provided)| {
                let checked = Ledger::check_provisioned(namespace_name, allow, object, resource, provided);
                if write_now { checked.written(generated) } else { checked }
            })
            .collect();
        for checked in checked {
            ledger.record(checked, out);
        }
    }
    drop(returned);
    let secrets = secrets::Index::build(resources.values().flat_map(|r| &r.objects));
    secrets::Index::check_outputs(input.graph, resources, out);
    let cx = Context {
        workloads: input.workloads,
        graph: input.graph,
        resources,
        bindings: &input.provisioned.bindings,
        namespace: namespace.clone(),
        image_pull_policy: environment.kubernetes.image_pull_policy.map(|p| p.name()),
        secrets,
        links: Links::build(input.graph),
        external: &environment.external,
    };
    // Each workload is lowered on its own (in parallel, a chunk at a time), then recorded in order.
    for chunk in input.workloads.chunks(CHUNK / 8) {
        lower_workloads(&cx, input, chunk, write_now, &mut ledger, out);
    }
    // The platform's patches, before the Namespace is labelled for what the pods now are; then
    // on the Namespace itself.
    let mut matched = vec![0; environment.patches.len()];
    ledger.patch(0, &environment.patches, input.graph, &mut matched, out);
    if options.generate_namespace {
        match &namespace {
            Some(name) => {
                let object = namespace::namespace(name, environment, ledger.objects(), out);
                let start = ledger.len();
                ledger.add(object, Owner::Environment { name: &environment.name, span: environment.span }, out);
                ledger.patch(start, &environment.patches, input.graph, &mut matched, out);
            }
            None => out.push(
                Diagnostic::error(
                    Code::NoNamespace,
                    format!(
                        "`--generate-namespace` needs a namespace, and environment `{}` has none",
                        environment.name
                    ),
                )
                .label(environment.span, "this environment")
                .help("pass `--namespace NS`, or set `kubernetes.namespace` for the environment in the platform file"),
            ),
        }
    }
    patches::warn_unmatched(&environment.patches, &matched, out);
    ledger
}

/// Lowers `workloads` in parallel and records their objects in order.
fn lower_workloads<'a>(
    cx: &Context<'a>,
    input: &Input<'a>,
    workloads: &'a [Workload],
    write_now: bool,
    ledger: &mut Ledger<'a>,
    out: &mut Diagnostics,
) {
    let (environment, generated) = (input.environment, &input.provisioned.generated);
    let lowered: Vec<_> = workloads
        .par_iter()
        .map(|workload| {
            let mut out = Diagnostics::new();
            let settings = environment.workloads.get(&workload.name);
            let security = settings
                .map(|s| s.kubernetes.security.over(&environment.kubernetes.security))
                .unwrap_or_else(|| environment.kubernetes.security.clone());
            let replicas = settings.and_then(|s| s.replicas).map(|r| i32::try_from(r).unwrap_or(i32::MAX));
            let egress =
                environment.kubernetes.egress.iter().chain(settings.into_iter().flat_map(|s| &s.kubernetes.egress));
            let settings = Settings::resolve(&security, egress.cloned().collect());
            let objects = workload::objects(cx, workload, &settings, replicas, &mut out);
            let checked: Vec<_> = objects
                .into_iter()
                .map(|(object, part)| Checked::new(Cow::Owned(object), Owner::Workload { workload, part }))
                .map(|checked| if write_now { checked.written(generated) } else { checked })
                .collect();
            (checked, out)
        })
        .collect();
    for (checked, diagnostics) in lowered {
        out.extend(diagnostics);
        for checked in checked {
            ledger.record(checked, out);
        }
    }
}
