//! The ledger of emitted objects: every object has one owner. Two objects with the same
//! apiVersion, kind, namespace and name are an error naming both owners at their declarations,
//! never a silent merge; the one exception is a shared instance, the same object that one
//! provisioner returns for several resources (one MinIO for every bucket), emitted once.
//!
//! Objects that provisioners return are checked before they are recorded: they need an
//! `apiVersion`, a `kind` and a `metadata.name` valid for the kind, and may not lie in another
//! namespace than the environment's (they get the environment's when they name none).

use std::borrow::Cow;
use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::Value as Json;

use super::identity::{Identity, identity};
use super::output::{self, Body};
use super::{admission, names};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Resource;
use crate::ir::Workload;
use crate::platform::Allowance;
use crate::provision::ProvisionedResource;
use crate::provision::generated::Generated;
use crate::provision::object::Object;
use crate::source::Span;

/// Which of a workload's objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    /// The ConfigMap of a container's files.
    Files(String),
    /// The Secret of a container's files that embed secrets.
    SecretFiles(String),
    Service,
    HeadlessService,
    NetworkPolicy,
    Deployment,
    StatefulSet,
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Part::Files(container) => write!(f, "the files of container `{container}`"),
            Part::SecretFiles(container) => write!(f, "the secret files of container `{container}`"),
            Part::Service => f.write_str("its Service"),
            Part::HeadlessService => f.write_str("its headless Service"),
            Part::NetworkPolicy => f.write_str("its NetworkPolicy"),
            Part::Deployment => f.write_str("its Deployment"),
            Part::StatefulSet => f.write_str("its StatefulSet"),
        }
    }
}

/// Who emits an object.
#[derive(Debug, Clone)]
pub(crate) enum Owner<'a> {
    /// The environment itself (its Namespace).
    Environment { name: &'a str, span: Span },
    /// A provisioner, for a resource.
    Resource { resource: &'a Resource, provided: &'a ProvisionedResource },
    /// A workload, and which of its objects.
    Workload { workload: &'a Workload, part: Part },
}

/// Who emits an object, for the targets built on this one's objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OwnerRef {
    /// The Namespace of the environment.
    Environment,
    /// The objects of a resource, by UID.
    Resource { uid: String },
    /// One of a workload's objects.
    Workload { name: String, part: Part },
}

impl Owner<'_> {
    fn to_ref(&self) -> OwnerRef {
        match self {
            Owner::Environment { .. } => OwnerRef::Environment,
            Owner::Resource { resource, .. } => OwnerRef::Resource { uid: resource.uid.clone() },
            Owner::Workload { workload, part } => {
                OwnerRef::Workload { name: workload.name.clone(), part: part.clone() }
            }
        }
    }
}

/// One emitted object and who emits it. Generated values in it are still markers.
#[derive(Debug, Clone)]
pub(crate) struct Lowered {
    pub(crate) object: Json,
    pub(crate) owner: OwnerRef,
    /// The environment's patches that changed it, in order.
    pub(crate) patched_by: Vec<String>,
}

impl Owner<'_> {
    /// "workload `api` (its Service)", for messages.
    fn describe(&self) -> String {
        match self {
            Owner::Environment { name, .. } => format!("environment `{name}`"),
            Owner::Resource { resource, provided } => {
                format!("provisioner `{}` for resource `{}`", provided.provisioner, resource.uid)
            }
            Owner::Workload { workload, part } => format!("workload `{}` ({part})", workload.name),
        }
    }

    /// Labels at the owner's declarations.
    fn label(&self, diagnostic: Diagnostic, text: &str) -> Diagnostic {
        match self {
            Owner::Environment { span, .. } => diagnostic.label(*span, format!("{text}: this environment")),
            Owner::Resource { resource, provided } => diagnostic
                .label(resource.declarations[0].span, format!("{text}: resource `{}`", resource.uid))
                .label(provided.provisioner_span, format!("provisioner `{}`", provided.provisioner)),
            Owner::Workload { workload, part } => {
                diagnostic.label(workload.name_span, format!("{text}: workload `{}` ({part})", workload.name))
            }
        }
    }
}

fn text<'j>(object: &'j Json, pointer: &str) -> Option<&'j str> {
    object.pointer(pointer).and_then(Json::as_str).filter(|s| !s.is_empty())
}

/// `Kind/name`, for messages.
pub(crate) fn display(object: &Json) -> String {
    format!("{}/{}", text(object, "/kind").unwrap_or("?"), text(object, "/metadata/name").unwrap_or("?"))
}

/// The objects of one environment, in the order they were recorded, with their owners.
#[derive(Debug)]
pub(crate) struct Ledger<'a> {
    namespace: Option<&'a str>,
    /// What the platform allows each provisioner beyond the namespace.
    allow: &'a BTreeMap<String, Allowance>,
    /// As trees, or written already where nothing reads them after recording.
    objects: Vec<Body<'a>>,
    owners: Vec<Owner<'a>>,
    /// For provisioners' objects, the object as returned.
    sources: Vec<Option<&'a Object>>,
    /// Looked up only, never listed: a hash index (one lookup per object, in order).
    index: IndexMap<Identity, usize>,
    /// The patches that changed each object, by its index.
    patched_by: BTreeMap<usize, Vec<String>>,
}

impl<'a> Ledger<'a> {
    pub(crate) fn new(namespace: Option<&'a str>, allow: &'a BTreeMap<String, Allowance>) -> Self {
        Ledger {
            namespace,
            allow,
            objects: Vec::new(),
            owners: Vec::new(),
            sources: Vec::new(),
            index: IndexMap::new(),
            patched_by: BTreeMap::new(),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.objects.len()
    }

    /// Applies the environment's patches to the objects from index `start` on (identities do
    /// not change, so the index stays right), counting each patch's matches in `matched`.
    pub(crate) fn patch(
        &mut self,
        start: usize,
        patches: &[crate::platform::patches::Patch],
        graph: &crate::graph::Graph,
        matched: &mut [usize],
        out: &mut Diagnostics,
    ) {
        for index in start..self.objects.len() {
            // Objects are written early only where there are no patches.
            let Body::Tree(object) = &mut self.objects[index] else { continue };
            let owner = self.owners[index].to_ref();
            let applied = super::patches::apply(object, &owner, patches, graph, matched, out);
            if !applied.is_empty() {
                self.patched_by.entry(index).or_default().extend(applied);
            }
        }
    }

    /// The objects not written yet (all of them unless [`Checked::written`] wrote some).
    pub(crate) fn objects(&self) -> impl Iterator<Item = &Json> {
        self.objects.iter().filter_map(|body| match body {
            Body::Tree(object) => Some(&**object),
            Body::Written(_) => None,
        })
    }

    /// The objects as trees, with their owners and patches (for the targets built on these
    /// objects, which record none written).
    pub(crate) fn into_lowered(mut self) -> Vec<Lowered> {
        let owners = self.owners;
        self.objects
            .into_iter()
            .zip(owners)
            .enumerate()
            .filter_map(|(index, (body, owner))| match body {
                Body::Tree(object) => Some(Lowered {
                    object: object.into_owned(),
                    owner: owner.to_ref(),
                    patched_by: self.patched_by.remove(&index).unwrap_or_default(),
                }),
                Body::Written(_) => None,
            })
            .collect()
    }

    /// The objects, in order, with their identities, and where the environment's Namespace is
    /// among them (for a target that only serializes them).
    pub(crate) fn into_bodies(self) -> (Vec<Body<'a>>, Vec<Identity>, Option<usize>) {
        let namespace = self.owners.iter().position(|o| matches!(o, Owner::Environment { .. }));
        // Every recorded object was indexed once, in the order recorded.
        (self.objects, self.index.into_keys().collect(), namespace)
    }

    /// Makes room for `more` objects at once (growing by doubling copies every object).
    pub(crate) fn reserve(&mut self, more: usize) {
        self.objects.reserve(more);
        self.owners.reserve(more);
        self.sources.reserve(more);
        self.index.reserve(more);
    }

    /// Checks an object a provisioner returned and gives it the environment's namespace (pure,
    /// so that it runs in parallel; [`Ledger::record`] then records it in order).
    pub(crate) fn check_provisioned(
        namespace: Option<&str>,
        allow: &BTreeMap<String, Allowance>,
        object: &'a Object,
        resource: &'a Resource,
        provided: &'a ProvisionedResource,
    ) -> Checked<'a> {
        let owner = Owner::Resource { resource, provided };
        let tree = object.tree();
        let refusal = match admission::admit(&tree, namespace, allow.get(&provided.provisioner)) {
            Ok(Cow::Borrowed(_)) => None,
            Ok(Cow::Owned(admitted)) => return Ledger::admitted(admitted, owner, object),
            Err(refusal) => Some(refusal),
        };
        let Some((message, help)) = refusal else { return Ledger::admitted(tree, owner, object) };
        let message = format!(
            "provisioner `{}` ({}) {message}, for resource `{}`",
            provided.provisioner, provided.provisioner_file, resource.uid
        );
        let refused =
            owner.label(Diagnostic::error(Code::InvalidObject, message), "returned while provisioning").help(help);
        let shown = display(&tree);
        Checked { object: Body::Tree(Cow::Owned(tree)), owner, identity: Err(refused), shown, source: Some(object) }
    }

    /// A provisioner's object as admitted, with the common label.
    fn admitted(admitted: Json, owner: Owner<'a>, source: &'a Object) -> Checked<'a> {
        let mut admitted = Cow::Owned(admitted);
        common_labels(&mut admitted);
        Checked { source: Some(source), ..Checked::new(admitted, owner) }
    }

    pub(crate) fn namespace(&self) -> Option<&'a str> {
        self.namespace
    }

    pub(crate) fn allow(&self) -> &'a BTreeMap<String, Allowance> {
        self.allow
    }

    /// Records an object unless one with its identity is there already: then it is a shared
    /// instance (the same object from the same provisioner) and dropped, or an error naming both
    /// owners. A name not valid for the kind is an error too.
    pub(crate) fn add(&mut self, object: Json, owner: Owner<'a>, out: &mut Diagnostics) {
        self.record(Checked::new(Cow::Owned(object), owner), out);
    }

    /// Records a checked object (see [`Ledger::add`]).
    pub(crate) fn record(&mut self, checked: Checked<'a>, out: &mut Diagnostics) {
        let Checked { object, owner, identity, shown, source } = checked;
        let identity = match identity {
            Ok(identity) => identity,
            Err(diagnostic) => return out.push(diagnostic),
        };
        if let Some(&first) = self.index.get(&identity) {
            let earlier = &self.owners[first];
            // One provisioner's same object for several resources is a shared instance; the same
            // resource returning one identity twice is not.
            let shared = match (earlier, &owner) {
                (
                    Owner::Resource { provided: a, resource: first_resource },
                    Owner::Resource { provided: b, resource: this_resource },
                ) => {
                    a.provisioner == b.provisioner
                        && first_resource.uid != this_resource.uid
                        && same_object(self.sources[first], source)
                }
                _ => false,
            };
            if !shared {
                out.push(duplicate(&shown, earlier, &owner));
            }
            return;
        }
        self.index.insert(identity, self.objects.len());
        self.objects.push(object);
        self.owners.push(owner);
        self.sources.push(source);
    }
}

/// An object and its owner, checked and identified before it is recorded: what can run in
/// parallel, apart from the one sequential step of looking its identity up.
#[derive(Debug)]
pub(crate) struct Checked<'a> {
    object: Body<'a>,
    owner: Owner<'a>,
    /// Its identity, or why it is refused (a name not valid for its kind, a refused object).
    identity: Result<Identity, Diagnostic>,
    /// `Kind/name`, for messages.
    shown: String,
    /// The object as its provisioner returned it (what tells a shared instance).
    source: Option<&'a Object>,
}

/// Whether two provisioners' objects are the same object (a shared instance): the same text,
/// or, written differently, the same tree.
fn same_object(first: Option<&Object>, second: Option<&Object>) -> bool {
    match (first, second) {
        (Some(a), Some(b)) => a == b || a.tree() == b.tree(),
        _ => false,
    }
}

impl<'a> Checked<'a> {
    pub(crate) fn new(object: Cow<'a, Json>, owner: Owner<'a>) -> Checked<'a> {
        let kind = text(&object, "/kind").unwrap_or_default();
        let name = text(&object, "/metadata/name").unwrap_or_default();
        let identity = match names::check(kind, name) {
            Ok(()) => Ok(identity(&object)),
            Err(reason) => {
                let diagnostic = Diagnostic::error(
                    Code::InvalidName,
                    format!(
                        "`{}`, emitted by {}, has a name Kubernetes refuses: {reason}",
                        display(&object),
                        owner.describe()
                    ),
                );
                Err(owner.label(diagnostic, "named after").help(names::help(kind)))
            }
        };
        let shown = display(&object);
        Checked { object: Body::Tree(object), owner, identity, shown, source: None }
    }

    /// The same, its YAML document written now (generated values written in) and its tree
    /// dropped: for an object nothing reads after it is recorded. One that cannot be written
    /// stays a tree, for the output to report.
    pub(crate) fn written(self, generated: &Generated) -> Checked<'a> {
        let Body::Tree(object) = &self.object else { return self };
        match output::write(object, generated) {
            Ok(written) => Checked { object: Body::Written(written), ..self },
            Err(_) => self,
        }
    }
}

fn duplicate(shown: &str, first: &Owner<'_>, second: &Owner<'_>) -> Diagnostic {
    let help = match (first, second) {
        (Owner::Resource { provided: a, .. }, Owner::Resource { provided: b, .. })
            if a.provisioner == b.provisioner =>
        {
            "a provisioner that returns one object for several resources must return the same object each time; name \
            per-resource objects after `resource.name`"
        }
        (Owner::Workload { .. }, Owner::Workload { .. }) => {
            "each workload's objects are named after it (and its containers): rename one workload or container"
        }
        (Owner::Resource { .. }, Owner::Workload { .. }) | (Owner::Workload { .. }, Owner::Resource { .. }) => {
            "a workload's objects are named after the workload: rename the workload, or name the provisioner's objects \
            after `resource.name`"
        }
        _ => "every object needs one owner: name each provisioner's objects after `resource.name`",
    };
    let diagnostic = Diagnostic::error(
        Code::DuplicateObject,
        format!("`{shown}` is emitted twice: by {} and by {}", first.describe(), second.describe()),
    );
    second.label(first.label(diagnostic, "first"), "again").help(help)
}

/// The label every emitted object carries (so that `kubectl … -l app.kubernetes.io/managed-by=stave`
/// finds them all), added to a provisioner's object that lacks it. Nothing per resource: one
/// object shared by several resources must stay the same object.
fn common_labels(object: &mut Cow<'_, Json>) {
    let labels = object.pointer("/metadata/labels");
    let has = labels.and_then(|l| l.get("app.kubernetes.io/managed-by")).is_some();
    let metadata_is_map = object.get("metadata").is_some_and(Json::is_object);
    if has || !metadata_is_map || labels.is_some_and(|l| !l.is_object()) {
        return;
    }
    let Some(metadata) = object.to_mut().get_mut("metadata").and_then(Json::as_object_mut) else { return };
    let labels = metadata.entry("labels").or_insert_with(|| Json::Object(Default::default()));
    if let Some(labels) = labels.as_object_mut() {
        labels.entry("app.kubernetes.io/managed-by").or_insert_with(|| Json::String("stave".into()));
    }
}
