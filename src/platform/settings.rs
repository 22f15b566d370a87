//! Settings of an environment that are not about provisioning: per-workload settings Score lacks
//! (replicas), and the section of each target (`kubernetes:` for the Kubernetes objects that the
//! targets emit: namespace, what routes become, secure defaults; `terraform:` for the Terraform
//! module: deletion protection, extra providers). Keys that moved into a target's section still
//! work, with a warning that says where they went.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Settings a deployment needs that Score does not have.
#[derive(Debug, Clone, Default, Serialize)]
pub struct WorkloadSettings {
    pub replicas: Option<u32>,
    pub kubernetes: WorkloadKubernetes,
}

/// A workload's own Kubernetes settings, over the environment's.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadKubernetes {
    #[serde(default)]
    pub security: Security,
    /// Egress this workload's NetworkPolicy allows besides the environment's.
    #[serde(default)]
    pub egress: Vec<Egress>,
}

/// The `kubernetes:` section of an environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KubernetesSettings {
    /// The namespace of everything compiled for the environment.
    pub namespace: Option<String>,
    #[serde(default)]
    pub routes: RouteKind,
    #[serde(default)]
    pub security: Security,
    /// What each provisioner (by name) may create beyond the environment's namespace.
    #[serde(default)]
    pub allow: std::collections::BTreeMap<String, Allowance>,
    /// Every container's `imagePullPolicy`; absent leaves Kubernetes' default.
    pub image_pull_policy: Option<PullPolicy>,
    /// Egress every workload's NetworkPolicy allows besides what the graph knows.
    #[serde(default)]
    pub egress: Vec<Egress>,
}

/// Egress to addresses outside what the graph knows (an external API): a CIDR and ports (none
/// means every port). NetworkPolicies cannot name hosts, so a host is reached by its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    pub cidr: String,
    #[serde(default)]
    pub ports: Vec<u16>,
}

/// When a node pulls an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    pub fn name(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// What one provisioner may create beyond the environment's namespace.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Allowance {
    /// Cluster-scoped kinds (ClusterRole, StorageClass, …).
    #[serde(default)]
    pub cluster_scoped: bool,
    /// These other namespaces.
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// The platform file's `helm:` section: the chart's metadata (one chart for all environments).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HelmSettings {
    /// The chart's name (default: the output directory's name).
    pub name: Option<String>,
    /// The chart's version (default `0.1.0`).
    pub version: Option<String>,
    pub app_version: Option<String>,
    pub description: Option<String>,
}

/// The secure defaults of the Kubernetes objects, each of which can be switched off; `None`
/// means "as the environment (or the default) says".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Security {
    pub network_policy: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub run_as_non_root: Option<bool>,
    #[serde(default, deserialize_with = "explicit_null")]
    pub run_as_user: Option<Option<i64>>,
    pub seccomp: Option<bool>,
    pub drop_capabilities: Option<bool>,
    pub automount_service_account_token: Option<bool>,
    pub default_resources: Option<bool>,
}

/// Tells `runAsUser: null` (keep the image's user) from an absent `runAsUser`.
fn explicit_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<i64>>, D::Error> {
    Ok(Some(Option::deserialize(deserializer)?))
}

impl Security {
    /// This layer's settings over `base`'s.
    pub fn over(&self, base: &Security) -> Security {
        Security {
            network_policy: self.network_policy.or(base.network_policy),
            read_only_root_filesystem: self.read_only_root_filesystem.or(base.read_only_root_filesystem),
            run_as_non_root: self.run_as_non_root.or(base.run_as_non_root),
            run_as_user: self.run_as_user.or(base.run_as_user),
            seccomp: self.seccomp.or(base.seccomp),
            drop_capabilities: self.drop_capabilities.or(base.drop_capabilities),
            automount_service_account_token: self
                .automount_service_account_token
                .or(base.automount_service_account_token),
            default_resources: self.default_resources.or(base.default_resources),
        }
    }
}

/// What `route` resources become in Kubernetes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    #[default]
    Httproute,
    Ingress,
}

/// The `terraform:` section of an environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TerraformSettings {
    /// The default of the module's `deletion_protection` variable (default true).
    pub deletion_protection: Option<bool>,
    /// Providers beyond the built-in ones (aws, kubernetes, random), by local name, for the
    /// environment's own Terraform provisioners.
    #[serde(default)]
    pub providers: BTreeMap<String, ProviderRequirement>,
}

/// A provider's `required_providers` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderRequirement {
    /// `hashicorp/google`.
    pub source: String,
    /// A version constraint, `~> 6.0`.
    pub version: String,
}
