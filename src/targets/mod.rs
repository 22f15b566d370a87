//! Targets: what an environment compiles to. Each target lowers the IR and the provisioned
//! resources into its own files; the built-in provisioner templates for each live in
//! `targets/<target>/` at the top of the repository and are embedded here.

use serde::{Deserialize, Serialize};

/// The targets, registered in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    Kubernetes,
    Helm,
    Terraform,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Kubernetes, Target::Helm, Target::Terraform];

    pub fn name(self) -> &'static str {
        match self {
            Target::Kubernetes => "kubernetes",
            Target::Helm => "helm",
            Target::Terraform => "terraform",
        }
    }

    pub fn parse(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }
}

/// A built-in file embedded in the binary: its path under `targets/` and its text.
#[derive(Debug, Clone, Copy)]
pub struct Embedded {
    pub path: &'static str,
    pub text: &'static str,
}

macro_rules! embed {
    ($($path:literal),* $(,)?) => {
        &[$(Embedded { path: $path, text: include_str!(concat!("../../targets/", $path)) },)*]
    };
}

/// The built-in provisioner files, searched after an environment's own, in this order.
pub const BUILTIN_PROVISIONERS: &[Embedded] = embed![
    "kubernetes/links.provisioners.yaml",
    "kubernetes/basics.provisioners.yaml",
    "kubernetes/databases.provisioners.yaml",
    "kubernetes/messaging.provisioners.yaml",
    "kubernetes/storage.provisioners.yaml",
];

/// Template libraries that provisioner templates can `{% import %}` by this path.
pub const BUILTIN_TEMPLATES: &[Embedded] = embed!["kubernetes/workload.jinja"];

pub mod kubernetes;
