//! What templates and commands see: the resource, its declaring workload, every workload (built
//! once per compile and shared by every resource's context; with the workloads the environment
//! declares as deployed elsewhere), the environment, the outputs of the resources the declaring
//! workload has, and the keys generated values derive from.
//!
//! `outputs` grows with the workload's resources, so templates read it through [`Siblings`], one
//! table per workload that each provisioned resource is added to once, seen through a view that
//! shows the resources provisioned before the one rendering (a copy per resource would make a
//! workload's provisioning quadratic in its resources). Commands get it as JSON.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use minijinja::value::{Enumerator, Object, ObjectRepr, Value};
use serde_json::{Value as Json, json};

use super::output::Outputs;
use super::{Inputs, Provisioned, lookup};
use crate::graph::{Resource, link_target};

/// Every workload's name, its Service's name, the host name it is reached by (qualified by its
/// namespace when it runs in another), its namespace, whether it is deployed elsewhere, its
/// ports and metadata: built once, each workload held as its compact JSON text (a tree each
/// held every workload's metadata twice while provisioning ran), read back as JSON for
/// commands and as a template value when a template reads one.
#[derive(Debug)]
pub(super) struct Shared {
    workloads: Arc<Workloads>,
    value: minijinja::Value,
}

/// Each workload's view as JSON text, in the order listed (compiled ones by name, then those
/// deployed elsewhere).
type Workloads = indexmap::IndexMap<String, Box<str>>;

fn read_back(text: &str) -> Json {
    // Written by serde_json from a tree, so it reads back.
    serde_json::from_str(text).unwrap_or(Json::Null)
}

/// `workloads` as templates see it: each workload converted when a template reads it (most
/// templates read none, and converting them all up front was a sequential cost per compile).
#[derive(Debug)]
struct WorkloadsView {
    workloads: Arc<Workloads>,
}

impl Object for WorkloadsView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let workload = read_back(self.workloads.get(key.as_str()?)?);
        Some(Value::from(minijinja::value::Serde(&workload)))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.workloads.keys().map(|k| Value::from(k.as_str())).collect())
    }
}

impl Shared {
    pub(crate) fn new(inputs: &Inputs<'_>) -> Shared {
        let model = inputs.model;
        let namespace = model.namespace(inputs.environment);
        let compact = |view: &Json| view.to_string().into_boxed_str();
        let port_view = |name: &str, p: &crate::ir::ServicePort| {
            json!({
                "name": name, "port": p.port, "target_port": p.target_port, "protocol": p.protocol,
                "peer_port": model.peer_port(p),
            })
        };
        let mut workloads: Workloads = inputs
            .workloads
            .iter()
            .map(|w| {
                let ports: serde_json::Map<String, Json> =
                    w.service_ports.iter().map(|(name, p)| (name.clone(), port_view(name, p))).collect();
                let service = model.service_name(w);
                let view = json!({
                    "name": w.name, "service": service, "hostname": service, "namespace": namespace,
                    "external": false, "ports": ports, "metadata": w.metadata,
                });
                (w.name.clone(), compact(&view))
            })
            .collect();
        // Workloads deployed elsewhere, unless one of that name is being compiled.
        for (name, external) in &inputs.environment.external {
            workloads.entry(name.clone()).or_insert_with(|| {
                let ports: serde_json::Map<String, Json> =
                    external.ports.iter().map(|(port_name, p)| (port_name.clone(), port_view(port_name, p))).collect();
                compact(&json!({
                    "name": name, "service": external.service,
                    "hostname": model.external_hostname(external, inputs.environment),
                    "namespace": external.namespace.as_deref().or(namespace), "external": true,
                    "ports": ports, "metadata": {"name": name},
                }))
            });
        }
        let workloads = Arc::new(workloads);
        Shared { value: Value::from_object(WorkloadsView { workloads: workloads.clone() }), workloads }
    }

    /// Every workload's view as JSON, for a command.
    pub(crate) fn json(&self) -> Json {
        Json::Object(self.workloads.iter().map(|(name, text)| (name.clone(), read_back(text))).collect())
    }

    /// A template context: `context` with the shared `workloads`, the declaring workload's
    /// `outputs` and the collector of the values `generate()` hands out.
    pub(crate) fn with(&self, context: &Json, outputs: Value, generated: Value) -> Value {
        minijinja::context! {
            workloads => self.value.clone(),
            outputs => outputs,
            _generated => generated,
            ..Value::from(minijinja::value::Serde(context))
        }
    }
}

/// The outputs of one workload's resources, by their names there, in the order provisioned.
#[derive(Debug, Default)]
pub(super) struct Siblings {
    entries: Mutex<Table>,
}

/// How many entries there are, and each with its sequence number.
type Table = (u64, BTreeMap<String, (u64, Value)>);

impl Siblings {
    /// Records the outputs of the workload's resource `name` (from [`outputs_value`]).
    pub(crate) fn add(&self, name: &str, value: Value) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let sequence = entries.0;
        entries.0 += 1;
        entries.1.insert(name.to_string(), (sequence, value));
    }

    /// What a resource rendering now sees: the resources recorded so far.
    pub(crate) fn view(self: &Arc<Self>) -> Value {
        let visible = self.entries.lock().unwrap_or_else(PoisonError::into_inner).0;
        Value::from_object(SiblingsView { siblings: self.clone(), visible })
    }
}

/// A resource's outputs as templates see them: a view of the provisioned outputs, each
/// converted when a template reads it (a copy per resource held every output twice).
pub(super) fn outputs_value(outputs: &Arc<Outputs>) -> Value {
    Value::from_object(OutputsView { outputs: outputs.clone() })
}

#[derive(Debug)]
struct OutputsView {
    outputs: Arc<Outputs>,
}

impl Object for OutputsView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let output = self.outputs.get(key.as_str()?)?;
        Some(Value::from(minijinja::value::Serde(&output.to_json())))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        Enumerator::Values(self.outputs.keys().map(|k| Value::from(k.as_str())).collect())
    }
}

/// [`Siblings`] as one resource sees it: a map of the first `visible` entries.
#[derive(Debug)]
struct SiblingsView {
    siblings: Arc<Siblings>,
    visible: u64,
}

impl Object for SiblingsView {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let entries = self.siblings.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let (sequence, value) = entries.1.get(key.as_str()?)?;
        (*sequence < self.visible).then(|| value.clone())
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let entries = self.siblings.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let keys: Vec<Value> =
            entries.1.iter().filter(|(_, (s, _))| *s < self.visible).map(|(k, _)| Value::from(k.as_str())).collect();
        Enumerator::Values(keys)
    }
}

/// The outputs of the resources the declaring workload has, as JSON (for commands).
pub(super) fn dependencies(inputs: &Inputs<'_>, resource: &Resource, done: &Provisioned) -> Json {
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
    Json::Object(dependencies)
}

/// What templates and commands see, but `workloads` (shared, added by the caller), `outputs`
/// (added by the caller: [`Siblings`] for templates, [`dependencies`] for commands) and the keys
/// commands derive their own values from (added for commands only).
pub(super) fn context(inputs: &Inputs<'_>, resource: &Resource, params: Json) -> Json {
    let workload = crate::ir::find_workload(inputs.workloads, &resource.source_workload);
    let environment = inputs.environment;
    let mut environment_view = serde_json::Map::new();
    environment_view.insert("name".into(), json!(environment.name));
    environment_view.insert("target".into(), json!(inputs.target.name()));
    environment_view.insert("variables".into(), json!(environment.variables));
    environment_view.extend(inputs.model.template_settings(environment));
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
            "declared_by": resource
                .declarations
                .iter()
                .map(|d| json!({"workload": d.workload, "name": d.name}))
                .collect::<Vec<_>>(),
        },
        "workload": workload.map(|w| json!({"name": w.name, "metadata": w.metadata, "annotations": w.annotations})),
        "environment": environment_view,
        "_scopes": { "resource": resource.uid, "shared": format!("shared:{}", environment.name) },
    })
}

/// The keys a command provisioner derives its own generated values from (never shown to
/// templates, which get markers; redacted from a command's messages).
pub(super) fn keys(inputs: &Inputs<'_>, resource: &Resource) -> Json {
    let shared = format!("shared:{}", inputs.environment.name);
    json!({ "resource": inputs.seed.key(&resource.uid), "shared": inputs.seed.key(&shared) })
}
