//! Provisioning: each resource, in graph order, is met by the provisioner chosen for it (once, by
//! `choose`), which returns outputs (symbolic: literals, secret keys, target references) and the
//! objects it adds. Then every placeholder of every workload is bound to the output it reads
//! (`Bindings`), so targets never come back here.
//!
//! Provisioning knows no target's object shapes: objects are opaque JSON that the target checks
//! and emits, and what it needs of the target (the name a workload is reached by) comes through
//! [`TargetModel`], which each target implements.

mod bindings;
pub(crate) mod command;
mod context;
mod failures;
pub(crate) mod generated;
mod levels;
pub(crate) mod object;
pub(crate) mod output;
mod params;
mod refused;
pub mod registry;
mod routes;
pub mod seed;
pub(crate) mod template;
pub mod watchdog;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use rayon::prelude::*;

use serde::Serialize;
use serde_json::Value as Json;

pub(crate) use bindings::Bindings;

use crate::builtins::Target;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::{Graph, Resource};
use crate::ir::{ServicePort, Workload};
use crate::platform::{Environment, ExternalWorkload};
use crate::source::Span;
use context::{Shared, Siblings};
use failures::{failed, no_provisioner};
use generated::{Generated, GeneratedKey};
use object::Object;
use output::Outputs;
use registry::{Action, Provisioner, Registry};
use seed::{Seed, SeedOrigin};
use template::{Collector, RenderError, Renderer};

/// What one resource became.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionedResource {
    pub(crate) uid: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) class: String,
    pub(crate) provisioner: String,
    /// The provisioner's file and its entry there, for messages about what it returned.
    #[serde(skip)]
    pub(crate) provisioner_file: String,
    #[serde(skip)]
    pub(crate) provisioner_span: Span,
    /// The params, placeholders resolved, as the provisioner saw them.
    #[serde(skip)]
    pub(crate) params: Json,
    /// Shared with the view templates get of the workload's earlier resources.
    pub(crate) outputs: Arc<Outputs>,
    /// As the provisioner returned them: the target checks and emits them.
    pub objects: Vec<Object>,
    /// The egress the provisioner says its resource needs.
    #[serde(skip)]
    pub(crate) egress: Vec<crate::platform::Egress>,
}

/// Every resource's outputs and objects, every workload placeholder bound to its output, and
/// the values derived for the generated values that outputs and objects mark.
#[derive(Debug, Default, Serialize)]
pub struct Provisioned {
    pub resources: BTreeMap<String, Box<ProvisionedResource>>,
    #[serde(skip)]
    pub(crate) bindings: Bindings,
    #[serde(skip)]
    pub(crate) generated: Generated,
    /// Resources not provisioned because what they need failed: the graph left them out, or a
    /// resource whose outputs their params use was not provisioned.
    #[serde(skip)]
    pub(crate) left_out: BTreeSet<String>,
}

impl Provisioned {
    /// The provisioned resources in graph order (dependencies first).
    pub(crate) fn in_order<'a>(&'a self, graph: &'a Graph) -> impl Iterator<Item = &'a ProvisionedResource> {
        graph.resources_in_order().filter_map(|r| self.resources.get(&r.uid).map(|p| &**p))
    }
}

/// What provisioning asks of the target it provisions for. Each target implements it (the
/// targets built on Kubernetes objects share one), so that provisioning never reads a target's
/// object shapes or settings: the host and port a peer connects to, the namespace workloads run
/// in, how a workload deployed elsewhere is reached, and what templates see of the target's
/// settings.
pub trait TargetModel: std::fmt::Debug + Sync {
    /// The host name by which other workloads reach `workload` (Kubernetes: its Service's name).
    fn service_name(&self, workload: &Workload) -> String;

    /// The port a peer connects to for one of a workload's service ports: the service port
    /// itself where something forwards it (a Kubernetes Service), the container's port where
    /// peers reach the container directly (Compose).
    fn peer_port(&self, port: &ServicePort) -> u16;

    /// The namespace workloads run in, for a target that has namespaces.
    fn namespace<'e>(&self, _environment: &'e Environment) -> Option<&'e str> {
        None
    }

    /// The host name by which a workload the environment declares as deployed elsewhere is reached.
    fn external_hostname(&self, workload: &ExternalWorkload, _environment: &Environment) -> String {
        workload.service.clone()
    }

    /// What templates and commands see of the target's settings, beside `environment.name`,
    /// `environment.target` and `environment.variables`.
    fn template_settings(&self, environment: &Environment) -> serde_json::Map<String, Json>;

    /// Whether the target writes the values derived from the seed (so a development seed
    /// deserves a warning); Terraform generates its own at apply time instead.
    fn derives_generated_values(&self) -> bool {
        true
    }
}

/// Everything provisioning reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inputs<'a> {
    pub(crate) workloads: &'a [Workload],
    pub(crate) graph: &'a Graph,
    pub(crate) environment: &'a Environment,
    pub(crate) target: Target,
    pub(crate) model: &'a dyn TargetModel,
    pub(crate) registry: &'a Registry,
    pub(crate) seed: &'a Seed,
}

/// For each resource UID, the provisioners that serve it in the environment, best first (by
/// their position in the registry). Matching runs once; provisioning, `graph` and `explain` all
/// read this.
#[derive(Debug, Default, Clone)]
pub(crate) struct Choices {
    candidates: BTreeMap<String, Vec<usize>>,
}

impl Choices {
    /// The candidates for `uid`, best first.
    pub(crate) fn candidates<'r>(&self, registry: &'r Registry, uid: &str) -> Vec<&'r Provisioner> {
        self.candidates.get(uid).into_iter().flatten().map(|&i| &registry.provisioners[i]).collect()
    }

    /// The provisioner chosen for `uid`.
    pub(crate) fn chosen<'r>(&self, registry: &'r Registry, uid: &str) -> Option<&'r Provisioner> {
        self.candidates.get(uid)?.first().map(|&i| &registry.provisioners[i])
    }

    /// The chosen provisioner's name for every resource that has one.
    pub(crate) fn names(&self, registry: &Registry) -> BTreeMap<String, String> {
        self.candidates
            .iter()
            .filter_map(|(uid, c)| Some((uid.clone(), registry.provisioners[*c.first()?].name.clone())))
            .collect()
    }
}

/// Matches every resource of the graph with the provisioners of the registry, once.
pub(crate) fn choose(graph: &Graph, registry: &Registry, target: Target) -> Choices {
    let candidates = graph
        .resources
        .values()
        .map(|r| (r.uid.clone(), registry.candidates(r, target).into_iter().map(|p| p.order).collect()))
        .collect();
    Choices { candidates }
}

/// Provisions every resource in graph order: in levels (`levels.rs`) whose resources run in
/// parallel, each after every resource it reads. Results are recorded in graph order, so the
/// output does not depend on the number of threads.
pub(crate) fn provision(inputs: &Inputs<'_>, choices: &Choices) -> (Provisioned, Diagnostics) {
    let mut out = Diagnostics::new();
    let (renderer, syntax_errors) = Renderer::new(inputs.registry);
    for (order, message) in syntax_errors {
        out.push(failures::syntax_error(&inputs.registry.provisioners[order], &message));
    }
    let mut provisioned = Provisioned::default();
    // Built once: every resource's context shares it (rebuilding it per resource would make
    // provisioning quadratic in the number of workloads).
    let shared = Shared::new(inputs);
    let mut siblings: BTreeMap<&str, Arc<Siblings>> = BTreeMap::new();
    let mut first_generated: Option<Span> = None;
    let mut handed_all = BTreeSet::new();
    let guard = watchdog::Guard::start();
    // Level by level: a level's resources (outputs, then objects) in parallel, then recorded
    // in graph order, so that the result does not depend on the number of threads.
    for level in levels::levels(inputs.graph) {
        let (level, blocked): (Vec<_>, Vec<_>) = level.into_iter().partition(|resource| {
            !inputs.graph.left_out.contains(&resource.uid)
                && inputs.graph.param_dependencies(&resource.uid).iter().all(|d| provisioned.resources.contains_key(*d))
        });
        provisioned.left_out.extend(blocked.into_iter().map(|resource| resource.uid.clone()));
        for resource in &level {
            siblings.entry(resource.source_workload.as_str()).or_default();
        }
        let results: Vec<_> = level
            .par_iter()
            .map(|resource| {
                let Some(provisioner) = choices.chosen(inputs.registry, &resource.uid) else {
                    let mut out = Diagnostics::new();
                    out.push(no_provisioner(resource, inputs));
                    return Err(out);
                };
                let outputs = &siblings[resource.source_workload.as_str()];
                let ticket = guard.enter(|| {
                    format!("provisioner `{}` ({}) for resource `{}`", provisioner.name, provisioner.file, resource.uid)
                });
                let result = run_one(inputs, &renderer, resource, provisioner, &provisioned, &shared, outputs);
                guard.leave(ticket);
                result
            })
            .collect();
        for (resource, result) in level.into_iter().zip(results) {
            match result {
                Ok((result, handed)) => {
                    if first_generated.is_none() && !handed.is_empty() {
                        first_generated = Some(resource.declarations[0].span);
                    }
                    handed_all.extend(handed);
                    // Every workload that declares it sees it under its own name there.
                    let value = context::outputs_value(&result.outputs);
                    for declaration in &resource.declarations {
                        siblings
                            .entry(declaration.workload.as_str())
                            .or_default()
                            .add(&declaration.name, value.clone());
                    }
                    provisioned.resources.insert(resource.uid.clone(), Box::new(result));
                }
                Err(diagnostics) => out.extend(diagnostics),
            }
        }
    }
    drop(guard);
    // On past a failed resource: what does not depend on it is still checked.
    routes::check(inputs.graph, &provisioned, &mut out);
    provisioned.bindings = bindings::bind(inputs, &provisioned, &mut out);
    provisioned.generated = Generated::derive(handed_all, inputs.seed);
    if let (Some(span), SeedOrigin::Development, true) =
        (first_generated, &inputs.seed.origin, inputs.model.derives_generated_values())
    {
        out.push(
            Diagnostic::warning(Code::DevelopmentSeed, "no seed is set, so generated passwords are development values")
                .label(span, "this resource's generated values are not secret")
                .help(format!(
                    "for a real environment set `{}` or write a seed to `{}` (do not commit it); the same seed gives \
                    the same values",
                    seed::SEED_VARIABLE,
                    seed::SEED_FILE
                )),
        );
    }
    (provisioned, out.sorted())
}

/// A resource's params, outputs and objects (a command's, or rendered from its templates), with
/// the generated values its templates handed out.
fn run_one(
    inputs: &Inputs<'_>,
    renderer: &Renderer,
    resource: &Resource,
    provisioner: &Provisioner,
    done: &Provisioned,
    shared: &Shared,
    siblings: &Arc<Siblings>,
) -> Result<(ProvisionedResource, BTreeSet<GeneratedKey>), Diagnostics> {
    let params = params::resolve(inputs, resource, done)?;
    if let Some(validator) = &provisioner.params {
        params::check(validator, &params, resource, provisioner)?;
    }
    let mut context = context::context(inputs, resource, params.clone());
    let mut result = ProvisionedResource {
        uid: resource.uid.clone(),
        kind: resource.kind.clone(),
        class: resource.class.clone(),
        provisioner: provisioner.name.clone(),
        provisioner_file: provisioner.file.clone(),
        provisioner_span: provisioner.span,
        params,
        outputs: Arc::default(),
        objects: Vec::new(),
        egress: provisioner.egress.clone(),
    };
    match &provisioner.action {
        Action::Templates { outputs, .. } => {
            let value = shared.with(&context, siblings.view(), Collector::value());
            result.outputs = Arc::new(
                renderer
                    .outputs(provisioner, outputs, &value)
                    .map_err(|e| not_rendered(resource, provisioner, e))?
                    .into(),
            );
            let (objects, handed) = render_objects(renderer, resource, provisioner, &result, &value)?;
            result.objects = objects;
            Ok((result, handed))
        }
        Action::Command { argv, timeout_seconds, base_dir } => {
            if let Some(map) = context.as_object_mut() {
                map.insert("workloads".into(), shared.json());
                map.insert("outputs".into(), context::dependencies(inputs, resource, done));
                map.insert("_keys".into(), context::keys(inputs, resource));
            }
            let (outputs, objects) = command::run(argv, base_dir, Duration::from_secs(*timeout_seconds), &context)
                .map_err(|e| failed(resource, provisioner, e))?;
            result.outputs = Arc::new(outputs.into());
            result.objects = objects.iter().map(Object::new).collect();
            Ok((result, BTreeSet::new()))
        }
    }
}

/// What a render that gave no text is reported as.
fn not_rendered(resource: &Resource, provisioner: &Provisioner, error: RenderError) -> Diagnostics {
    match error {
        RenderError::Failed(message) => failed(resource, provisioner, message),
        RenderError::OverBudget { at } => failures::over_budget(resource, provisioner, &at),
    }
}

/// Renders a template provisioner's objects, and checks that every generated value its renders
/// handed out reaches its outputs or objects unchanged. Returns the objects and those values.
fn render_objects(
    renderer: &Renderer,
    resource: &Resource,
    provisioner: &Provisioner,
    provided: &ProvisionedResource,
    context: &minijinja::Value,
) -> Result<(Vec<Object>, BTreeSet<GeneratedKey>), Diagnostics> {
    let trees = renderer.objects(provisioner, context).map_err(|e| not_rendered(resource, provisioner, e))?;
    let objects: Vec<Object> = trees.iter().map(Object::new).collect();
    let handed = context.get_attr("_generated").map(|c| Collector::keys(&c)).unwrap_or_default();
    // Only objects whose text holds a marker character need a walk.
    let marked = trees.iter().zip(&objects).filter(|(_, o)| o.marked()).map(|(t, _)| t);
    check_generated(&handed, &provided.outputs, marked).map_err(|e| failed(resource, provisioner, e))?;
    Ok((objects, handed))
}

/// Every value a template generated must reach its outputs or objects unchanged: a filter
/// (`b64encode`, `upper`, …) applied to one leaves a marker no target can lower.
fn check_generated<'a>(
    handed: &BTreeSet<GeneratedKey>,
    outputs: &Outputs,
    objects: impl Iterator<Item = &'a Json>,
) -> Result<(), String> {
    let (mut found, mut broken) = (BTreeSet::new(), Vec::new());
    outputs.values().for_each(|o| generated::collect(&o.to_json(), &mut found, &mut broken));
    objects.for_each(|o| generated::collect(o, &mut found, &mut broken));
    let changed: Vec<&GeneratedKey> = handed.iter().filter(|k| !found.contains(k)).collect();
    if broken.is_empty() && changed.is_empty() {
        return Ok(());
    }
    let what = changed.first().map_or("a generated value".to_string(), |k| format!("`generate(\"{}\")`", k.purpose));
    Err(format!(
        "{what} was changed by a filter or cut, so no target can lower it: insert generated values as they are (in a \
        Secret, under `stringData`, not base64 in `data`)"
    ))
}

/// The outputs of the resource a reference in `workload` names, with its UID.
fn lookup<'p>(
    inputs: &Inputs<'_>,
    done: &'p Provisioned,
    workload: &str,
    name: &str,
) -> Option<(&'p ProvisionedResource, String)> {
    let uid = inputs.graph.local.get(&(workload.to_string(), name.to_string()))?;
    Some((done.resources.get(uid)?, uid.clone()))
}
