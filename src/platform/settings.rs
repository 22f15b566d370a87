//! Settings of an environment that are not about provisioning: per-workload settings Score lacks
//! (replicas), and the section of each target (`kubernetes:` for the Kubernetes objects that the
//! targets emit: namespace, what routes become, secure defaults; `terraform:` for the Terraform
//! module: deletion protection, extra providers). Keys that moved into a target's section still
//! work, with a warning that says where they went.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Settings a deployment needs that Score does not have.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct WorkloadSettings {
    pub(crate) replicas: Option<u32>,
    pub(crate) kubernetes: WorkloadKubernetes,
}

/// A workload's own Kubernetes settings, over the environment's.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkloadKubernetes {
    #[serde(default)]
    pub(crate) security: Security,
    /// Egress this workload's NetworkPolicy allows besides the environment's.
    #[serde(default)]
    pub(crate) egress: Vec<Egress>,
}

/// The `kubernetes:` section of an environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KubernetesSettings {
    /// The namespace of everything compiled for the environment.
    pub(crate) namespace: Option<String>,
    #[serde(default)]
    pub(crate) routes: RouteKind,
    #[serde(default)]
    pub(crate) security: Security,
    /// What each provisioner (by name) may create beyond the environment's namespace.
    #[serde(default)]
    pub(crate) allow: std::collections::BTreeMap<String, Allowance>,
    /// Every container's `imagePullPolicy`; absent leaves Kubernetes' default.
    pub(crate) image_pull_policy: Option<PullPolicy>,
    /// Egress every workload's NetworkPolicy allows besides what the graph knows.
    #[serde(default)]
    pub(crate) egress: Vec<Egress>,
}

/// Egress to addresses outside what the graph knows (an external API): a CIDR and ports (none
/// means every port). NetworkPolicies cannot name hosts, so a host is reached by its addresses.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Egress {
    pub(crate) cidr: String,
    #[serde(default)]
    pub(crate) ports: Vec<u16>,
}

/// When a node pulls an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
pub(crate) enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    pub(crate) fn name(self) -> &'static str {
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
pub(crate) struct Allowance {
    /// Cluster-scoped kinds (ClusterRole, StorageClass, …).
    #[serde(default)]
    pub(crate) cluster_scoped: bool,
    /// These other namespaces.
    #[serde(default)]
    pub(crate) namespaces: Vec<String>,
}

/// The platform file's `helm:` section: the chart's metadata (one chart for all environments).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct HelmSettings {
    /// The chart's name (default: the output directory's name).
    pub(crate) name: Option<String>,
    /// The chart's version (default `0.1.0`).
    pub(crate) version: Option<String>,
    pub(crate) app_version: Option<String>,
    pub(crate) description: Option<String>,
}

/// The secure defaults of the Kubernetes objects, each of which can be switched off; `None`
/// means "as the environment (or the default) says".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Security {
    pub(crate) network_policy: Option<bool>,
    pub(crate) read_only_root_filesystem: Option<bool>,
    pub(crate) run_as_non_root: Option<bool>,
    #[serde(default, deserialize_with = "explicit_null")]
    pub(crate) run_as_user: Option<Option<i64>>,
    pub(crate) seccomp: Option<bool>,
    pub(crate) drop_capabilities: Option<bool>,
    pub(crate) automount_service_account_token: Option<bool>,
    pub(crate) default_resources: Option<bool>,
}

/// Tells `runAsUser: null` (keep the image's user) from an absent `runAsUser`.
fn explicit_null<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<Option<i64>>, D::Error> {
    Ok(Some(Option::deserialize(deserializer)?))
}

impl Security {
    /// This layer's settings over `base`'s.
    pub(crate) fn over(&self, base: &Security) -> Security {
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
pub(crate) enum RouteKind {
    #[default]
    Httproute,
    Ingress,
}

/// The `terraform:` section of an environment.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TerraformSettings {
    /// The default of the module's `deletion_protection` variable (default true).
    pub(crate) deletion_protection: Option<bool>,
    /// Providers beyond the built-in ones (aws, kubernetes, random), by local name, for the
    /// environment's own Terraform provisioners.
    #[serde(default)]
    pub(crate) providers: BTreeMap<String, ProviderRequirement>,
}

/// A provider's `required_providers` entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProviderRequirement {
    /// `hashicorp/google`.
    pub(crate) source: String,
    /// A version constraint, `~> 6.0`.
    pub(crate) version: String,
}
