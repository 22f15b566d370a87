//! Resource identity: a UID per resource, and one shared resource per UID.
//!
//! A private resource's UID is `type.class#workload.name` (as score-k8s), with class `default`
//! when none is given; a resource shared through `id` is `type.class#shared:id`. The two forms
//! cannot meet: `:` is in no workload or resource name, so no spelling of `id` or `class` names
//! another workload's private resource. The same UID in several workloads is one shared
//! resource; its params and metadata must agree wherever they are given.

use std::collections::{BTreeMap, BTreeSet};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Param, ResourceRequest, Workload};
use crate::source::Span;

/// Where a workload declares a resource.
#[derive(Debug, Clone)]
pub(crate) struct Declaration {
    pub(crate) workload: String,
    /// The resource's key in that workload's `resources`.
    pub(crate) name: String,
    pub(crate) span: Span,
}

/// One resource after identity is settled: what the provisioners see.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    pub(crate) uid: String,
    pub(crate) kind: String,
    pub(crate) class: String,
    pub(crate) id: Option<String>,
    pub(crate) params: BTreeMap<String, Param>,
    /// Spans of the params' values, by JSON pointer, in the declaration that carries them.
    pub(crate) param_spans: BTreeMap<String, Span>,
    pub(crate) metadata: serde_json::Map<String, serde_json::Value>,
    /// The workload whose declaration carries the params (else the first by name): placeholders
    /// in params resolve in its scope.
    pub(crate) source_workload: String,
    pub(crate) declarations: Vec<Declaration>,
}

impl Resource {
    /// A DNS label unique to this resource, for naming the objects a provisioner creates:
    /// `<id or workload-name>-<12 hex digits of the UID's hash>`. 48 bits put a chosen collision
    /// out of reach; the one-owner rule of the targets is the backstop.
    pub(crate) fn dns_name(&self) -> String {
        use sha2::{Digest, Sha256};
        let base = match &self.id {
            Some(id) => id.replace('.', "-"),
            None => {
                let first = &self.declarations[0];
                format!("{}-{}", first.workload, first.name)
            }
        };
        let digest = Sha256::digest(self.uid.as_bytes());
        let suffix: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let base: String = base.chars().take(63 - 13).collect();
        format!("{}-{suffix}", base.trim_end_matches('-'))
    }
}

pub(crate) fn uid(workload: &str, name: &str, request: &ResourceRequest) -> String {
    let class = request.class.as_deref().unwrap_or("default");
    match &request.id {
        Some(id) => format!("{}.{class}#shared:{id}", request.kind),
        None => format!("{}.{class}#{workload}.{name}", request.kind),
    }
}

/// Groups every declaration by UID; reports shared resources whose params or metadata differ.
/// Every resource by UID, each in a box of its own (a map node then holds pointers, not
/// resources, so a half-full node wastes little).
pub(crate) type Resources = BTreeMap<String, Box<Resource>>;

/// Also returns the UID of each `(workload, local name)`.
/// Also records in `conflicted` each shared resource declared in conflicting ways (an error).
pub(crate) fn settle(
    workloads: &[Workload],
    out: &mut Diagnostics,
    conflicted: &mut BTreeSet<String>,
) -> (Resources, BTreeMap<(String, String), String>) {
    let mut resources = Resources::new();
    let mut local = BTreeMap::new();
    for workload in workloads {
        for (name, request) in &workload.resources {
            let uid = uid(&workload.name, name, request);
            local.insert((workload.name.clone(), name.clone()), uid.clone());
            let declaration = Declaration { workload: workload.name.clone(), name: name.clone(), span: request.span };
            match resources.get_mut(&uid) {
                None => {
                    resources.insert(
                        uid.clone(),
                        Box::new(Resource {
                            uid: uid.clone(),
                            kind: request.kind.clone(),
                            class: request.class.clone().unwrap_or_else(|| "default".into()),
                            id: request.id.clone(),
                            params: request.params.clone(),
                            param_spans: request.param_spans.clone(),
                            metadata: request.metadata.clone(),
                            source_workload: workload.name.clone(),
                            declarations: vec![declaration],
                        }),
                    );
                }
                Some(shared) => {
                    let errors = out.error_count();
                    merge(shared, request, declaration, out);
                    if out.error_count() > errors {
                        conflicted.insert(uid);
                    }
                }
            }
        }
    }
    (resources, local)
}

fn merge(shared: &mut Resource, request: &ResourceRequest, declaration: Declaration, out: &mut Diagnostics) {
    let params_json = |p: &BTreeMap<String, Param>| -> serde_json::Value {
        serde_json::Value::Object(p.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
    };
    let first = shared.declarations[0].clone();
    let conflict = |what: &str| {
        Diagnostic::error(
            Code::SharedResourceConflict,
            format!("shared resource `{}` is declared with different {what}", shared.uid),
        )
        .label(declaration.span, format!("`{}` declares it with these {what}", declaration.workload))
        .label(first.span, format!("`{}` declares it with others", first.workload))
        .help(format!(
            "a resource shared through `id` has one set of {what}: give them in one workload, or make them identical"
        ))
    };
    if !request.params.is_empty() {
        if shared.params.is_empty() {
            shared.params = request.params.clone();
            shared.param_spans = request.param_spans.clone();
            shared.source_workload = declaration.workload.clone();
        } else if params_json(&shared.params) != params_json(&request.params) {
            out.push(conflict("params"));
        }
    }
    if !request.metadata.is_empty() {
        if shared.metadata.is_empty() {
            shared.metadata = request.metadata.clone();
        } else if shared.metadata != request.metadata {
            out.push(conflict("metadata"));
        }
    }
    shared.declarations.push(declaration);
}
