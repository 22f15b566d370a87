//! The built-ins: what ships inside the binary, and the target names every layer may use. The
//! built-in provisioner files and template libraries (under `targets/`: `library/` for those
//! that return outputs only and so serve every target, then one folder per target),
//! the opt-in libraries (`builtin:aws`), the Terraform target's provider schema, the default
//! platform, and the JSON Schemas under `spec/`. It sits below every phase and imports only `naming`;
//! the command line parses target names itself.

use serde::{Deserialize, Serialize};

/// The targets an environment can compile to, as platform files and the command line name them:
/// the built-in ones, each implemented by the backend `targets::backend` names for it, and the
/// external ones a platform file declares (`targets:`), programs behind the target protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Target {
    Kubernetes,
    Helm,
    Terraform,
    External(ExternalName),
}

/// An external target: its name, interned so that [`Target`] stays `Copy` (each distinct name is
/// allocated once in a process; a platform file declares a handful), and whether it takes the
/// Kubernetes objects provisioners return (its declaration's `objects: kubernetes`). Two are the
/// same target when their names are: a provisioner's `targets:` names one without knowing what
/// the platform file declares.
#[derive(Clone, Copy)]
pub struct ExternalName {
    name: &'static str,
    kubernetes_objects: bool,
}

impl PartialEq for ExternalName {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for ExternalName {}

impl PartialOrd for ExternalName {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ExternalName {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.name.cmp(other.name)
    }
}

impl std::hash::Hash for ExternalName {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl std::fmt::Debug for ExternalName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.name)
    }
}

impl Target {
    /// The built-in targets.
    pub const ALL: [Target; 3] = [Target::Kubernetes, Target::Helm, Target::Terraform];

    pub fn name(self) -> &'static str {
        match self {
            Target::Kubernetes => "kubernetes",
            Target::Helm => "helm",
            Target::Terraform => "terraform",
            Target::External(external) => external.name,
        }
    }

    /// A built-in target by name.
    pub fn parse(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// A built-in target by name, else the external target of that name (which a platform file
    /// must declare before an environment can use it).
    pub fn named(name: &str) -> Target {
        Target::parse(name).unwrap_or_else(|| Target::external(name, false))
    }

    /// The external target `name`, as its declaration describes it.
    pub fn external(name: &str, kubernetes_objects: bool) -> Target {
        Target::External(ExternalName { name: crate::naming::intern(name), kubernetes_objects })
    }

    /// Whether the target is a program a platform file declares.
    pub fn is_external(self) -> bool {
        matches!(self, Target::External(_))
    }

    /// Whether the target takes the Kubernetes objects provisioners return (Terraform turns them
    /// into `kubernetes_*` resources): a provisioner written for Kubernetes objects serves it.
    pub fn takes_kubernetes_objects(self) -> bool {
        match self {
            Target::Kubernetes | Target::Helm | Target::Terraform => true,
            Target::External(external) => external.kubernetes_objects,
        }
    }

    /// Whether what a provisioner returns for this target is Kubernetes objects (and nothing
    /// else): true of kubernetes and helm; a Terraform provisioner may return Terraform blocks,
    /// and an external target's provisioners whatever that target reads.
    pub fn wants_only_kubernetes_objects(self) -> bool {
        match self {
            Target::Kubernetes | Target::Helm => true,
            Target::Terraform | Target::External(_) => false,
        }
    }
}

impl Serialize for Target {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = String::deserialize(deserializer)?;
        Ok(Target::named(&name))
    }
}

/// A built-in file embedded in the binary: its path under `targets/` and its text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Embedded {
    pub(crate) path: &'static str,
    pub(crate) text: &'static str,
}

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(Embedded { path: $path, text: include_str!(concat!("../targets/", $path)) },)*]
    };
}

/// The built-in provisioner files, searched after an environment's own, in this order.
pub(crate) const BUILTIN_PROVISIONERS: &[Embedded] = embed![
    "library/links.provisioners.yaml",
    "library/basics.provisioners.yaml",
    "kubernetes/links.provisioners.yaml",
    "kubernetes/basics.provisioners.yaml",
    "kubernetes/databases.provisioners.yaml",
    "kubernetes/messaging.provisioners.yaml",
    "kubernetes/storage.provisioners.yaml",
];

/// Built-in libraries that an environment opts into by listing `builtin:<name>` among its
/// provisioner files (searched as its own, before the built-ins above).
pub(crate) const BUILTIN_LIBRARIES: &[(&str, Embedded)] = &[(
    "aws",
    Embedded {
        path: "terraform/aws.provisioners.yaml",
        text: include_str!("../targets/terraform/aws.provisioners.yaml"),
    },
)];

/// The block structure of the hashicorp/kubernetes resources the Terraform target writes
/// (generated by `targets/terraform/kubernetes_schema.py`).
pub(crate) const TERRAFORM_KUBERNETES_SCHEMA: &str = include_str!("../targets/terraform/kubernetes.schema.json");

/// Template libraries that provisioner templates can `{% import %}` by this path.
pub(crate) const BUILTIN_TEMPLATES: &[Embedded] = embed!["kubernetes/workload.jinja", "terraform/aws.jinja"];

/// The platform that applies when there is no platform file.
pub(crate) const DEFAULT_PLATFORM: Embedded =
    Embedded { path: "default.platform.yaml", text: include_str!("../targets/default.platform.yaml") };

/// The workload schema, as published by `stave schema workload`.
pub(crate) const WORKLOAD_SCHEMA: &str = include_str!("../spec/score-v1b1.schema.json");
/// The platform file schema (`stave schema platform`).
pub const PLATFORM_SCHEMA: &str = include_str!("../spec/platform.schema.json");
/// The provisioner file schema (`stave schema provisioners`).
pub const PROVISIONERS_SCHEMA: &str = include_str!("../spec/provisioners.schema.json");
/// What an external target's program reads (`stave schema target-request`).
pub const TARGET_REQUEST_SCHEMA: &str = include_str!("../spec/target-request.schema.json");
/// What an external target's program answers (`stave schema target-response`).
pub const TARGET_RESPONSE_SCHEMA: &str = include_str!("../spec/target-response.schema.json");
