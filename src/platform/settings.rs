//! Settings of an environment that are not about provisioning: per-workload settings Score lacks
//! (replicas), and the section of each target (`kubernetes:` for the Kubernetes objects that the
//! targets emit: namespace, what routes become, secure defaults; `terraform:` for the Terraform
//! module: deletion protection, extra providers), and `dns:`, the hosts workloads may choose for
//! `dns` resources, with the check of a chosen host. Keys that moved into a target's section
//! still work, with a warning that says where they went.

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

/// The `dns:` section of an environment: which hosts workloads may choose for `dns` resources
/// (`params: {host: www}` gives `www.<dns_domain>`); hosts are always under the domain.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DnsSettings {
    #[serde(default)]
    pub(crate) chosen_hosts: ChosenHosts,
    /// Where `chosenHosts` is set in the platform file.
    #[serde(skip)]
    pub(crate) chosen_hosts_span: Option<crate::source::Span>,
}

/// `chosenHosts`: allowed or not, or the patterns a chosen host must match.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(untagged)]
pub(crate) enum ChosenHosts {
    Allowed(bool),
    Matching(Vec<String>),
}

impl Default for ChosenHosts {
    fn default() -> Self {
        ChosenHosts::Allowed(true)
    }
}

/// Why an environment refuses a chosen host: what is wrong (after "param `host` "), a label for
/// the value, what to do, and whether the platform's `dns.chosenHosts` is the reason (rather
/// than the name itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostRefusal {
    pub(crate) reason: String,
    pub(crate) label: &'static str,
    pub(crate) help: String,
    pub(crate) by_platform: bool,
}

/// The longest DNS name.
const MOST_NAME_LENGTH: usize = 253;

impl DnsSettings {
    /// Checks a host a workload chose, relative to the environment's `domain`: a DNS name of
    /// lower-case labels, not written in full, that the environment allows.
    pub(crate) fn check_host(&self, host: &str, domain: &str, environment: &str) -> Result<(), HostRefusal> {
        let refused =
            |reason: String, label, help: String| Err(HostRefusal { reason, label, help, by_platform: false });
        if host == domain || host.ends_with(&format!(".{domain}")) {
            let relative = host.strip_suffix(domain).unwrap_or_default().trim_end_matches('.');
            let write = if relative.is_empty() { String::new() } else { format!(": write `{relative}`") };
            return refused(
                format!("`{host}` is written in full{write}"),
                "written in full",
                format!(
                    "a host is relative to the environment's `dns_domain` (`{domain}` in `{environment}`), which \
                    each environment sets for itself: `host: www` gives `www.{domain}`"
                ),
            );
        }
        if let Some(why) = not_a_name(host) {
            let lower = host.to_ascii_lowercase();
            let hint = if lower != host && not_a_name(&lower).is_none() {
                format!(" (write `{lower}`)")
            } else {
                String::new()
            };
            return refused(
                format!("`{host}` is not a host name: {why}{hint}"),
                "not a host name",
                "write DNS labels (lower-case letters, digits and `-`, 1 to 63 characters, not starting or ending \
                with `-`) joined by dots, such as `www` or `api.v2`"
                    .into(),
            );
        }
        if host.len() + 1 + domain.len() > MOST_NAME_LENGTH {
            return refused(
                format!("`{host}.{domain}` is longer than a DNS name may be ({MOST_NAME_LENGTH} characters)"),
                "too long",
                "choose a shorter host".into(),
            );
        }
        let policy = |reason: String, help: String| {
            Err(HostRefusal { reason, label: "a host the environment does not allow", help, by_platform: true })
        };
        match &self.chosen_hosts {
            ChosenHosts::Allowed(true) => Ok(()),
            ChosenHosts::Allowed(false) => policy(
                format!("is not allowed: environment `{environment}` does not let workloads choose DNS hosts"),
                "remove `host` to get the generated name `<resource>-<hash>.<dns_domain>`, or ask the platform team \
                to allow chosen hosts (`dns.chosenHosts` in the platform file)"
                    .into(),
            ),
            ChosenHosts::Matching(patterns) if patterns.iter().any(|p| host_matches(p, host)) => Ok(()),
            ChosenHosts::Matching(patterns) => {
                let listed: Vec<String> = patterns.iter().map(|p| format!("`{p}`")).collect();
                let allowed = if listed.is_empty() { "none".to_string() } else { listed.join(", ") };
                policy(
                    format!("`{host}` is not among the hosts environment `{environment}` allows"),
                    format!(
                        "the platform file allows these hosts (`dns.chosenHosts`, where `*` stands for any run of \
                        characters within a label): {allowed}; choose one of them, or remove `host` for a generated \
                        name"
                    ),
                )
            }
        }
    }
}

/// What makes `host` no DNS name of labels joined by dots, if anything.
fn not_a_name(host: &str) -> Option<String> {
    if host.is_empty() {
        return Some("it is empty".into());
    }
    for label in host.split('.') {
        let problem = if label.is_empty() {
            "it has an empty label (two dots, or a dot at an end)".to_string()
        } else if label.len() > 63 {
            format!("the label `{label}` is longer than 63 characters")
        } else if let Some(c) = label.chars().find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')) {
            format!("`{c}` is not a lower-case letter, a digit or `-`")
        } else if label.starts_with('-') || label.ends_with('-') {
            format!("the label `{label}` starts or ends with `-`")
        } else {
            continue;
        };
        return Some(problem);
    }
    None
}

/// Whether `host` matches `pattern`, label by label, where `*` stands for any run of characters
/// within a label (as in the platform's patches).
pub(crate) fn host_matches(pattern: &str, host: &str) -> bool {
    let (patterns, labels): (Vec<&str>, Vec<&str>) = (pattern.split('.').collect(), host.split('.').collect());
    patterns.len() == labels.len() && patterns.iter().zip(&labels).all(|(p, l)| super::patches::glob(p, l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_stands_for_a_run_of_characters_within_a_label() {
        assert!(host_matches("www", "www"));
        assert!(!host_matches("www", "www2"));
        assert!(host_matches("*-preview", "pr-12-preview"));
        assert!(host_matches("*.api", "v1.api"));
        assert!(!host_matches("*.api", "api"));
        assert!(!host_matches("*", "a.b"));
        assert!(host_matches("a*b*c", "aXbYYc"));
    }

    #[test]
    fn a_chosen_host_is_a_relative_name_the_environment_allows() {
        let any = DnsSettings::default();
        assert_eq!(any.check_host("www", "example.com", "prod"), Ok(()));
        assert_eq!(any.check_host("api.v2", "example.com", "prod"), Ok(()));
        let full = any.check_host("www.example.com", "example.com", "prod").unwrap_err();
        assert!(full.reason.contains("write `www`") && !full.by_platform, "{full:?}");
        let upper = any.check_host("WWW", "example.com", "prod").unwrap_err();
        assert!(upper.reason.contains("(write `www`)"), "{upper:?}");
        assert!(any.check_host("a..b", "example.com", "prod").is_err());
        let none = DnsSettings { chosen_hosts: ChosenHosts::Allowed(false), ..DnsSettings::default() };
        assert!(none.check_host("www", "example.com", "prod").unwrap_err().by_platform);
        let some = DnsSettings { chosen_hosts: ChosenHosts::Matching(vec!["www".into()]), ..DnsSettings::default() };
        assert_eq!(some.check_host("www", "example.com", "prod"), Ok(()));
        let refused = some.check_host("shop", "example.com", "prod").unwrap_err();
        assert!(refused.by_platform && refused.help.contains("`www`"), "{refused:?}");
    }
}
