//! Provisioning: each resource, in graph order, is met by the provisioner chosen for it in the
//! environment, which returns outputs (symbolic: literals, secret keys, target references) and
//! the objects it adds. Then every placeholder of every workload is checked against them.

pub mod command;
pub mod output;
pub mod registry;
pub mod seed;
pub mod template;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::{Graph, Resource, link_target};
use crate::ir::{FileContent, Param, Part, ResourceRef, Workload};
use crate::platform::Environment;
use crate::source::Span;
use crate::suggest;
use crate::targets::Target;
use output::{Output, Walked, walk};
use registry::{Action, Provisioner, Registry};
use seed::{Seed, SeedOrigin};
use template::Renderer;

/// What one resource became.
#[derive(Debug, Clone, Serialize)]
pub struct ProvisionedResource {
    pub uid: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub class: String,
    pub provisioner: String,
    pub outputs: BTreeMap<String, Output>,
    pub objects: Vec<Json>,
}

/// Every resource's outputs, and all objects, deduplicated, in graph order.
#[derive(Debug, Default, Serialize)]
pub struct Provisioned {
    pub resources: BTreeMap<String, ProvisionedResource>,
    /// Objects by first appearance; one with the same apiVersion, kind, namespace and name as an
    /// earlier one (a shared instance) is emitted once.
    pub objects: Vec<Json>,
}

/// Everything provisioning reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    pub workloads: &'a [Workload],
    pub graph: &'a Graph,
    pub environment: &'a Environment,
    pub target: Target,
    pub registry: &'a Registry,
    pub seed: &'a Seed,
}

/// The provisioner chosen for each resource, and the candidates it was chosen from.
pub fn choose<'r>(inputs: &Inputs<'r>) -> BTreeMap<String, Vec<&'r Provisioner>> {
    inputs.graph.resources.values().map(|r| (r.uid.clone(), inputs.registry.candidates(r, inputs.target))).collect()
}

pub fn provision(inputs: &Inputs<'_>) -> (Provisioned, Diagnostics) {
    let mut out = Diagnostics::new();
    let (renderer, syntax_errors) = Renderer::new(inputs.registry);
    for (order, message) in syntax_errors {
        let provisioner = &inputs.registry.provisioners[order];
        out.push(
            Diagnostic::error(
                Code::ProvisionerFailed,
                format!("provisioner `{}` has a template error: {message}", provisioner.name),
            )
            .label(provisioner.span, "in this provisioner")
            .help("fix the minijinja template in the provisioner file"),
        );
    }
    let mut provisioned = Provisioned::default();
    let mut first_generated: Option<Span> = None;
    // Built once: every resource's context shares it (rebuilding it per resource would make
    // provisioning quadratic in the number of workloads).
    let workloads = workloads_json(inputs);
    let shared = Shared { value: minijinja::Value::from(minijinja::value::Serde(&workloads)), json: workloads };
    let mut secret_keys: BTreeSet<(String, String)> = BTreeSet::new();
    for resource in inputs.graph.resources_in_order() {
        let candidates = inputs.registry.candidates(resource, inputs.target);
        let Some(provisioner) = candidates.first() else {
            out.push(no_provisioner(resource, inputs));
            continue;
        };
        let already_generated = renderer.generated_values();
        match run_one(inputs, &renderer, resource, provisioner, &provisioned, &shared, &secret_keys) {
            Ok(result) => {
                secret_keys.extend(result.objects.iter().flat_map(secret_keys_of));
                if !already_generated && renderer.generated_values() {
                    first_generated = Some(resource.declarations[0].span);
                }
                provisioned.resources.insert(resource.uid.clone(), result);
            }
            Err(diagnostics) => out.extend(diagnostics),
        }
    }
    if out.has_errors() {
        return (provisioned, out.sorted());
    }
    check_workload_placeholders(inputs, &provisioned, &mut out);
    if let (Some(span), SeedOrigin::Development) = (first_generated, &inputs.seed.origin) {
        out.push(
            Diagnostic::warning(Code::DevelopmentSeed, "no seed is set, so generated passwords are development values")
                .label(span, "this resource's generated values are not secret")
                .help(format!(
                    "for a real environment set `{}` or write a seed to `{}` (do not commit it); the same seed gives the same values",
                    seed::SEED_VARIABLE,
                    seed::SEED_FILE
                )),
        );
    }
    let mut seen = BTreeSet::new();
    for resource in inputs.graph.resources_in_order() {
        let Some(result) = provisioned.resources.get(&resource.uid) else { continue };
        for object in &result.objects {
            if seen.insert(identity(object)) {
                provisioned.objects.push(object.clone());
            }
        }
    }
    (provisioned, out.sorted())
}

/// apiVersion, kind, namespace and name: two objects with the same identity are one object.
fn identity(object: &Json) -> (String, String, String, String) {
    let text = |v: Option<&Json>| v.and_then(Json::as_str).unwrap_or_default().to_string();
    let metadata = object.get("metadata");
    (
        text(object.get("apiVersion")),
        text(object.get("kind")),
        text(metadata.and_then(|m| m.get("namespace"))),
        text(metadata.and_then(|m| m.get("name"))),
    )
}

fn no_provisioner(resource: &Resource, inputs: &Inputs<'_>) -> Diagnostic {
    let types = inputs.registry.types_for(inputs.target);
    let hint = suggest::hint(&resource.kind, types.iter().copied());
    let mut diagnostic = Diagnostic::error(
        Code::NoProvisioner,
        format!(
            "no provisioner serves resource type `{}` (class `{}`) for target {} in environment `{}`{hint}",
            resource.kind,
            resource.class,
            inputs.target.name(),
            inputs.environment.name
        ),
    );
    for declaration in &resource.declarations {
        diagnostic = diagnostic.label(declaration.span, format!("`{}` is declared here", resource.uid));
    }
    diagnostic.help(format!(
        "add a provisioner for `{}` to a provisioner file of the environment (see the README), or use a served type: {}",
        resource.kind,
        types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
    ))
}

fn failed(resource: &Resource, provisioner: &Provisioner, message: impl Into<String>) -> Diagnostics {
    let mut out = Diagnostics::new();
    out.push(
        Diagnostic::error(
            Code::ProvisionerFailed,
            format!(
                "provisioner `{}` ({}) failed for resource `{}`: {}",
                provisioner.name,
                provisioner.file,
                resource.uid,
                message.into()
            ),
        )
        .label(resource.declarations[0].span, "the resource")
        .label(provisioner.span, "the provisioner")
        .help("the message comes from the provisioner's template or command; fix the params or the provisioner"),
    );
    out
}

/// The workloads every provisioner sees, as JSON and as a template value, built once.
struct Shared {
    json: Json,
    value: minijinja::Value,
}

/// The `(Secret name, key)` pairs an object provides: a Secret's keys, or an ExternalSecret's.
fn secret_keys_of(object: &Json) -> Vec<(String, String)> {
    let text = |p: &str| object.pointer(p).and_then(Json::as_str).map(str::to_string);
    match object.get("kind").and_then(Json::as_str) {
        Some("Secret") => {
            let Some(name) = text("/metadata/name") else { return Vec::new() };
            ["stringData", "data"]
                .iter()
                .filter_map(|field| object.get(*field).and_then(Json::as_object))
                .flat_map(|map| map.keys())
                .map(|key| (name.clone(), key.clone()))
                .collect()
        }
        Some("ExternalSecret") => {
            let Some(name) = text("/spec/target/name") else { return Vec::new() };
            object
                .pointer("/spec/data")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|d| d.get("secretKey").and_then(Json::as_str))
                .map(|key| (name.clone(), key.to_string()))
                .collect()
        }
        _ => Vec::new(),
    }
}

fn run_one(
    inputs: &Inputs<'_>,
    renderer: &Renderer,
    resource: &Resource,
    provisioner: &Provisioner,
    done: &Provisioned,
    shared: &Shared,
    secret_keys: &BTreeSet<(String, String)>,
) -> Result<ProvisionedResource, Diagnostics> {
    let params = resolve_params(inputs, resource, done)?;
    if let Some(validator) = &provisioner.params {
        check_params(validator, &params, resource, provisioner)?;
    }
    let mut context = context(inputs, resource, params, done);
    let (outputs, objects) = match &provisioner.action {
        Action::Templates { outputs, .. } => {
            let value = minijinja::context! { workloads => shared.value.clone(), ..minijinja::Value::from(minijinja::value::Serde(&context)) };
            let rendered =
                renderer.outputs(provisioner, outputs, &value).map_err(|e| failed(resource, provisioner, e))?;
            let objects = renderer.objects(provisioner, &value).map_err(|e| failed(resource, provisioner, e))?;
            (rendered, objects)
        }
        Action::Command { argv, timeout_seconds, base_dir } => {
            if let Some(map) = context.as_object_mut() {
                map.insert("workloads".into(), shared.json.clone());
            }
            command::run(argv, base_dir, Duration::from_secs(*timeout_seconds), &context)
                .map_err(|e| failed(resource, provisioner, e))?
        }
    };
    if matches!(inputs.target, Target::Kubernetes | Target::Helm) {
        check_secrets(&outputs, &objects, secret_keys, resource, provisioner)?;
    }
    Ok(ProvisionedResource {
        uid: resource.uid.clone(),
        kind: resource.kind.clone(),
        class: resource.class.clone(),
        provisioner: provisioner.name.clone(),
        outputs,
        objects,
    })
}

/// The outputs of the resource a reference in `workload` names.
fn lookup<'p>(
    inputs: &Inputs<'_>,
    done: &'p Provisioned,
    workload: &str,
    name: &str,
) -> Option<(&'p ProvisionedResource, String)> {
    let uid = inputs.graph.local.get(&(workload.to_string(), name.to_string()))?;
    Some((done.resources.get(uid)?, uid.clone()))
}

fn missing_output(
    reference: &ResourceRef,
    uid: &str,
    depth: usize,
    keys: &[String],
    environment: &Environment,
) -> Diagnostic {
    let missing = &reference.path[depth];
    let walked = if depth == 0 {
        format!("`{}`", reference.resource)
    } else {
        format!("`{}.{}`", reference.resource, reference.path[..depth].join("."))
    };
    let hint = suggest::hint(missing, keys.iter().map(String::as_str));
    let returns = if keys.is_empty() {
        "nothing to look into".to_string()
    } else {
        keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    };
    let help = if uid.starts_with("environment.") {
        format!(
            "`environment` resources return the `variables` of environment `{}` in the platform file: add `{missing}` there (it returns: {returns})",
            environment.name
        )
    } else {
        format!("{walked} returns: {returns}")
    };
    Diagnostic::error(Code::MissingOutput, format!("{walked} (`{uid}`) has no output `{missing}`{hint}"))
        .label(reference.span, "this output does not exist")
        .help(help)
}

/// A reference resolved for use inside params: its text, or its symbolic JSON when it is a
/// whole-string secret or reference.
fn resolve_reference(
    reference: &ResourceRef,
    inputs: &Inputs<'_>,
    resource: &Resource,
    done: &Provisioned,
) -> Result<Output, Diagnostic> {
    let (provided, uid) = lookup(inputs, done, &resource.source_workload, &reference.resource).ok_or_else(|| {
        Diagnostic::error(Code::MissingOutput, format!("resource `{}` was not provisioned", reference.resource))
            .label(reference.span, "here")
    })?;
    match walk(&provided.outputs, &reference.path) {
        Ok(Walked::Output(output)) => Ok(output.clone()),
        Ok(Walked::Json(json)) => Ok(Output::Value(json)),
        Ok(Walked::All(all)) => Ok(Output::Map(all.clone())),
        Err((depth, keys)) => Err(missing_output(reference, &uid, depth, &keys, inputs.environment)),
    }
}

fn resolve_params(inputs: &Inputs<'_>, resource: &Resource, done: &Provisioned) -> Result<Json, Diagnostics> {
    let mut out = Diagnostics::new();
    let params = Json::Object(
        resource.params.iter().map(|(k, v)| (k.clone(), resolve_param(v, inputs, resource, done, &mut out))).collect(),
    );
    if out.has_errors() { Err(out) } else { Ok(params) }
}

fn resolve_param(
    param: &Param,
    inputs: &Inputs<'_>,
    resource: &Resource,
    done: &Provisioned,
    out: &mut Diagnostics,
) -> Json {
    match param {
        Param::Null => Json::Null,
        Param::Bool(b) => Json::Bool(*b),
        Param::Number(n) => Json::Number(n.clone()),
        Param::List(items) => {
            Json::Array(items.iter().map(|p| resolve_param(p, inputs, resource, done, out)).collect())
        }
        Param::Map(map) => {
            Json::Object(map.iter().map(|(k, p)| (k.clone(), resolve_param(p, inputs, resource, done, out))).collect())
        }
        Param::String(template) => {
            if let [Part::Resource(reference)] = template.parts.as_slice() {
                return match resolve_reference(reference, inputs, resource, done) {
                    Ok(output) => output.as_text().map_or_else(|| output.to_json(), Json::String),
                    Err(d) => {
                        out.push(d);
                        Json::Null
                    }
                };
            }
            let mut text = String::new();
            for part in &template.parts {
                match part {
                    Part::Text(t) => text.push_str(t),
                    Part::Resource(reference) => match resolve_reference(reference, inputs, resource, done) {
                        Ok(output) => match output.as_text() {
                            Some(t) => text.push_str(&t),
                            None => out.push(
                                Diagnostic::error(Code::SecretInText, format!("`{}` is a secret or a reference, so it cannot be mixed into the text of a param", reference.to_placeholder()))
                                    .label(reference.span, "a secret output inside text")
                                    .help("pass the placeholder alone as the param's value, so the provisioner receives the reference"),
                            ),
                        },
                        Err(d) => out.push(d),
                    },
                }
            }
            Json::String(text)
        }
    }
}

fn check_params(
    validator: &jsonschema::Validator,
    params: &Json,
    resource: &Resource,
    provisioner: &Provisioner,
) -> Result<(), Diagnostics> {
    let mut out = Diagnostics::new();
    let fallback = resource
        .declarations
        .iter()
        .find(|d| d.workload == resource.source_workload)
        .map_or(resource.declarations[0].span, |d| d.span);
    for error in validator.iter_errors(params) {
        let pointer = error.instance_path().as_str().to_string();
        let (pointer, what) = match error.kind() {
            jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } if unexpected.len() == 1 => {
                (format!("{pointer}/{}", unexpected[0]), format!("unknown param `{}`", unexpected[0]))
            }
            _ => (pointer.clone(), format!("param `{}`: {error}", pointer.trim_start_matches('/').replace('/', "."))),
        };
        let span = resource.param_spans.get(&pointer).copied().unwrap_or(fallback);
        let accepted = provisioner
            .params_schema
            .as_ref()
            .and_then(|s| s.get("properties"))
            .and_then(Json::as_object)
            .map(|p| p.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "))
            .unwrap_or_default();
        out.push(
            Diagnostic::error(Code::BadParam, format!("resource `{}`: {what}", resource.uid))
                .label(span, "not accepted by the provisioner")
                .label(provisioner.span, format!("provisioner `{}`", provisioner.name))
                .help(if accepted.is_empty() {
                    format!("see the params schema of provisioner `{}` (`stave provisioners list`)", provisioner.name)
                } else {
                    format!("provisioner `{}` accepts params: {accepted}", provisioner.name)
                }),
        );
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}

/// Every secret output must name a key of a Secret that this provisioner (or an earlier one)
/// creates, directly or through an `ExternalSecret` (External Secrets Operator) targeting it:
/// the only places a secret value may live. `known` indexes the earlier ones.
fn check_secrets(
    outputs: &BTreeMap<String, Output>,
    objects: &[Json],
    known: &BTreeSet<(String, String)>,
    resource: &Resource,
    provisioner: &Provisioner,
) -> Result<(), Diagnostics> {
    fn secrets(output: &Output, found: &mut Vec<(String, String)>) {
        match output {
            Output::Secret { secret } => found.push((secret.name.clone(), secret.key.clone())),
            Output::Map(map) => map.values().for_each(|o| secrets(o, found)),
            _ => {}
        }
    }
    let mut wanted = Vec::new();
    outputs.values().for_each(|o| secrets(o, &mut wanted));
    let own: BTreeSet<(String, String)> = objects.iter().flat_map(secret_keys_of).collect();
    let missing: Vec<_> = wanted.into_iter().filter(|k| !own.contains(k) && !known.contains(k)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut out = Diagnostics::new();
    for (name, key) in missing {
        out.push(
            Diagnostic::error(Code::DanglingSecret, format!("provisioner `{}` returns a secret output in Secret `{name}`, key `{key}`, but creates no such Secret key", provisioner.name))
                .label(provisioner.span, "this provisioner")
                .label(resource.declarations[0].span, format!("while provisioning `{}`", resource.uid))
                .help("add a Secret with that key (in `stringData` or `data`), or an ExternalSecret targeting it, to the provisioner's objects"),
        );
    }
    Err(out)
}

/// Every workload's name, Service name, ports and metadata, for templates and commands.
fn workloads_json(inputs: &Inputs<'_>) -> Json {
    let workloads: serde_json::Map<String, Json> = inputs
        .workloads
        .iter()
        .map(|w| {
            let ports: serde_json::Map<String, Json> = w
                .service_ports
                .iter()
                .map(|(name, p)| {
                    (
                        name.clone(),
                        json!({"name": name, "port": p.port, "target_port": p.target_port, "protocol": p.protocol}),
                    )
                })
                .collect();
            let service = w.annotations.get("k8s.score.dev/service-name").cloned().unwrap_or_else(|| w.name.clone());
            (w.name.clone(), json!({"name": w.name, "service": service, "ports": ports, "metadata": w.metadata}))
        })
        .collect();
    Json::Object(workloads)
}

/// What templates and commands see, but `workloads` (shared, added by the caller).
fn context(inputs: &Inputs<'_>, resource: &Resource, params: Json, done: &Provisioned) -> Json {
    let workload = crate::ir::find_workload(inputs.workloads, &resource.source_workload);
    let dependencies: serde_json::Map<String, Json> = workload
        .map(|w| {
            w.resources
                .keys()
                .filter_map(|name| {
                    let (provided, _) = lookup(inputs, done, &w.name, name)?;
                    let outputs: serde_json::Map<String, Json> =
                        provided.outputs.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
                    Some((name.clone(), Json::Object(outputs)))
                })
                .collect()
        })
        .unwrap_or_default();
    let environment = inputs.environment;
    json!({
        "resource": {
            "uid": resource.uid,
            "type": resource.kind,
            "class": resource.class,
            "id": resource.id,
            "name": resource.dns_name(),
            "params": params,
            "metadata": resource.metadata,
            "link": link_target(resource).map(|(w, _)| w),
            "declared_by": resource.declarations.iter().map(|d| json!({"workload": d.workload, "name": d.name})).collect::<Vec<_>>(),
        },
        "workload": workload.map(|w| json!({"name": w.name, "metadata": w.metadata, "annotations": w.annotations})),
        "environment": {
            "name": environment.name,
            "namespace": environment.namespace,
            "target": inputs.target.name(),
            "variables": environment.variables,
            "routes": environment.routes,
        },
        "outputs": dependencies,
        "_keys": { "resource": inputs.seed.key(&resource.uid), "shared": inputs.seed.key(&format!("shared:{}", environment.name)) },
    })
}

/// Every placeholder of every workload must name an output its resource returns.
fn check_workload_placeholders(inputs: &Inputs<'_>, done: &Provisioned, out: &mut Diagnostics) {
    for workload in inputs.workloads {
        let mut references: Vec<&ResourceRef> = Vec::new();
        for container in workload.containers.values() {
            references.extend(container.variables.values().flat_map(|t| t.references()));
            for file in container.files.values() {
                if let FileContent::Text(t) = &file.content {
                    references.extend(t.references());
                }
            }
            references.extend(container.volumes.values().flat_map(|v| v.source.references()));
        }
        for reference in references {
            let Some((provided, uid)) = lookup(inputs, done, &workload.name, &reference.resource) else { continue };
            if let Err((depth, keys)) = walk(&provided.outputs, &reference.path) {
                out.push(missing_output(reference, &uid, depth, &keys, inputs.environment));
            }
        }
    }
}

/// The output a workload's placeholder names, after provisioning (`None` when the resource or key
/// is missing, which provisioning has already reported).
pub fn resolve(graph: &Graph, provisioned: &Provisioned, workload: &str, reference: &ResourceRef) -> Option<Output> {
    let uid = graph.local.get(&(workload.to_string(), reference.resource.clone()))?;
    let outputs = &provisioned.resources.get(uid)?.outputs;
    match walk(outputs, &reference.path).ok()? {
        Walked::Output(output) => Some(output.clone()),
        Walked::Json(json) => Some(Output::Value(json)),
        Walked::All(all) => Some(Output::Map(all.clone())),
    }
}
