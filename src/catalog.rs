//! What every layer may name and what ships inside the binary: the target names, the built-in
//! provisioner files and template libraries (one folder per target under `targets/`), the default
//! platform, and the JSON Schemas under `spec/`. It sits below every phase and imports nothing.

use serde::{Deserialize, Serialize};

/// The targets an environment can compile to, as platform files and the command line name them.
/// Each is implemented by a backend registered in `targets::BACKENDS`.
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
        &[$(Embedded { path: $path, text: include_str!(concat!("../targets/", $path)) },)*]
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

/// The platform that applies when there is no platform file.
pub const DEFAULT_PLATFORM: Embedded =
    Embedded { path: "default.platform.yaml", text: include_str!("../targets/default.platform.yaml") };

/// The workload schema, as published by `stave schema workload`.
pub const WORKLOAD_SCHEMA: &str = include_str!("../spec/score-v1b1.schema.json");
/// The platform file schema (`stave schema platform`).
pub const PLATFORM_SCHEMA: &str = include_str!("../spec/platform.schema.json");
/// The provisioner file schema (`stave schema provisioners`).
pub const PROVISIONERS_SCHEMA: &str = include_str!("../spec/provisioners.schema.json");
