//! The platform file: the environments a platform team offers.
//!
//! `stave.yaml` (or `--platform FILE`) declares, per environment, its target, the provisioner
//! files it uses (searched before the built-ins), overrides applied to every workload or to named
//! ones, values for `environment` resources, per-workload settings that Score lacks (replicas),
//! workloads deployed elsewhere that links may name (`externalWorkloads`), the hosts `dns`
//! resources may choose (`dns:`), and a section per target (`kubernetes:`, `terraform:`; `helm:`
//! holds nothing yet); a top-level
//! `helm:` section holds the chart's metadata, one chart serving every environment. It is
//! validated against `spec/platform.schema.json`. With no platform file, an embedded default
//! applies: one environment, `local`, target kubernetes.

mod external;
pub(crate) mod patches;
mod settings;
mod targets;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value as Json;

pub(crate) use external::ExternalWorkload;
pub(crate) use settings::{
    Allowance, DnsSettings, Egress, HelmSettings, KubernetesSettings, RouteKind, Security, TerraformSettings,
    WorkloadKubernetes, WorkloadSettings,
};
pub(crate) use targets::{ExternalTarget, resolve as resolve_target};

use crate::builtins::{DEFAULT_PLATFORM, PLATFORM_SCHEMA, Target};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::document::schema::{Plain, Schema};
use crate::document::yaml::{self, Node, place_at};
use crate::document::{dotted, read};
use crate::limits::Limits;
use crate::score::overrides::PlatformOverride;
use crate::source::{SourceId, Sources, Span};
use crate::suggest;

/// The default platform file name, looked for in the current directory.
pub(crate) const DEFAULT_PLATFORM_FILE: &str = "stave.yaml";

fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    static DIALECT: Plain = Plain { field_word: "platform file", schema_command: "stave schema platform" };
    SCHEMA.get_or_init(|| Schema::compile(PLATFORM_SCHEMA, &DIALECT))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformInput {
    environments: BTreeMap<String, EnvironmentInput>,
    #[serde(default)]
    targets: BTreeMap<String, targets::ExternalTargetInput>,
    #[serde(default)]
    helm: HelmSettings,
    #[serde(default)]
    limits: Limits,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvironmentInput {
    #[allow(dead_code, reason = "documentation for the platform team")]
    description: Option<String>,
    target: String,
    #[serde(default)]
    provisioners: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, Json>,
    #[serde(default)]
    dns: DnsSettings,
    #[serde(default)]
    overrides: Vec<OverrideInput>,
    #[serde(default)]
    patches: Vec<patches::PatchInput>,
    #[serde(default)]
    workloads: BTreeMap<String, WorkloadInput>,
    #[serde(default, rename = "externalWorkloads")]
    external_workloads: BTreeMap<String, external::ExternalInput>,
    #[serde(default)]
    kubernetes: KubernetesSettings,
    #[allow(dead_code, reason = "room for the Helm target's settings; the schema admits none yet")]
    helm: Option<serde_json::Map<String, Json>>,
    #[serde(default)]
    terraform: TerraformSettings,
    /// For an external target.
    #[serde(default)]
    settings: serde_json::Map<String, Json>,
    /// Deprecated: `kubernetes.namespace`.
    namespace: Option<String>,
    /// Deprecated: `kubernetes.security`.
    security: Option<Security>,
    /// Deprecated: `kubernetes.routes`.
    routes: Option<RouteKind>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkloadInput {
    replicas: Option<u32>,
    #[serde(default)]
    kubernetes: WorkloadKubernetes,
    /// Deprecated: `kubernetes.security`.
    security: Option<Security>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideInput {
    workload: Option<String>,
    #[allow(dead_code, reason = "read from the node tree, which keeps spans")]
    set: serde_json::Map<String, Json>,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub(crate) name: String,
    pub(crate) target: Target,
    /// The `target:` value in the platform file.
    pub(crate) target_span: Span,
    pub(crate) provisioner_files: Vec<(PathBuf, Span)>,
    pub(crate) variables: BTreeMap<String, Json>,
    /// What `dns` resources may be named (`dns:`).
    pub(crate) dns: DnsSettings,
    pub overrides: Vec<PlatformOverride>,
    /// Changes to emitted objects, in order.
    pub(crate) patches: Vec<patches::Patch>,
    pub(crate) workloads: BTreeMap<String, WorkloadSettings>,
    /// Spans of the `workloads` entries, for "not being compiled" warnings.
    pub(crate) workload_spans: BTreeMap<String, Span>,
    /// Workloads deployed elsewhere that links may name (`externalWorkloads`).
    pub(crate) external: BTreeMap<String, ExternalWorkload>,
    /// The environment's key in the platform file.
    pub(crate) span: Span,
    pub(crate) kubernetes: KubernetesSettings,
    /// The platform file's `helm:` section (one chart for every environment).
    pub(crate) helm: HelmSettings,
    pub(crate) terraform: TerraformSettings,
    /// `settings:`, for an external target.
    pub(crate) settings: serde_json::Map<String, Json>,
    /// The external targets of the platform file (`targets:`), by name: the environment's own, when
    /// it is one, and any that `--target` may name.
    pub(crate) external_targets: BTreeMap<String, ExternalTarget>,
    /// The platform file's `limits:` (the same for every environment).
    pub(crate) limits: Limits,
    /// Where they are set: `limits:`, else the environment's key.
    pub(crate) limits_span: Span,
}

#[derive(Debug)]
pub struct Platform {
    /// The directory that provisioner files and the seed file are relative to.
    pub(crate) base_dir: PathBuf,
    pub(crate) source: SourceId,
    pub environments: BTreeMap<String, Environment>,
}

impl Platform {
    /// Loads `--platform FILE`, else the nearest `stave.yaml` (see [`find_platform_file`]), else
    /// the default. Returns the platform and its warnings (settings that moved), or every error.
    pub fn load(path: Option<&Path>, sources: &mut Sources) -> Result<(Platform, Diagnostics), Diagnostics> {
        let chosen = path.map(Path::to_path_buf).or_else(find_platform_file);
        let (source, base_dir) = match &chosen {
            Some(file) => {
                let base = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
                let bytes = read::read_file(file).map_err(single)?;
                (read::decode(bytes, &file.display().to_string(), &base, sources).map_err(single)?, base)
            }
            None => (
                sources.add(format!("builtin:{}", DEFAULT_PLATFORM.path), DEFAULT_PLATFORM.text, Path::new(".")),
                PathBuf::from("."),
            ),
        };
        Platform::from_source(source, base_dir, sources)
    }

    /// Reads a platform file already in `sources` (the fuzz target's way in).
    pub fn from_source(
        source: SourceId,
        base_dir: PathBuf,
        sources: &Sources,
    ) -> Result<(Platform, Diagnostics), Diagnostics> {
        let mut out = Diagnostics::new();
        let root = yaml::parse(sources.get(source), source).map_err(single)?;
        let document = root.to_json();
        out.extend(schema().validate(&root, &document));
        if out.has_errors() {
            return Err(out.sorted());
        }
        let input: PlatformInput = serde_json::from_value(document).map_err(|e| {
            single(
                Diagnostic::error(Code::PlatformInvalidValue, format!("cannot read the platform file: {e}"))
                    .label(root.span, "here"),
            )
        })?;
        let external_targets: BTreeMap<String, ExternalTarget> = input
            .targets
            .into_iter()
            .map(|(name, declared)| {
                let span = place_at(&root, &["targets".to_string(), name.clone()])
                    .map_or(root.span, |p| p.key_span.unwrap_or(p.node.span));
                let lowered = declared.lower(&base_dir, span);
                (name, lowered)
            })
            .collect();
        let environments = input
            .environments
            .into_iter()
            .map(|(name, env)| {
                let mut environment = lower_environment(&root, &name, env, &external_targets, &mut out);
                environment.helm = input.helm.clone();
                environment.limits = input.limits;
                if let Some(place) = place_at(&root, &["limits".to_string()]) {
                    environment.limits_span = place.key_span.unwrap_or(place.node.span);
                }
                (name, environment)
            })
            .collect();
        if out.has_errors() {
            return Err(out.sorted());
        }
        Ok((Platform { base_dir, source, environments }, out))
    }

    /// The environment to compile for: the one named, or the only one.
    pub(crate) fn select(&self, name: Option<&str>, sources: &Sources) -> Result<&Environment, Diagnostic> {
        let names: Vec<&str> = self.environments.keys().map(String::as_str).collect();
        let listing = names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
        let file = sources.get(self.source).name.clone();
        let whole = Span::new(self.source, 0, 0);
        let span = self.environments.values().next().map_or(whole, |e| e.span);
        match name {
            Some(name) => self.environments.get(name).ok_or_else(|| {
                Diagnostic::error(
                    Code::UnknownEnvironment,
                    format!("environment `{name}` is not in `{file}`{}", suggest::hint(name, names.iter().copied())),
                )
                .label(span, "the environments are declared here")
                .help(format!("choose one of {listing} with `--env`"))
            }),
            None if self.environments.len() == 1 => Ok(self.environments.values().next().expect("one environment")),
            None => Err(Diagnostic::error(
                Code::UnknownEnvironment,
                format!("`{file}` declares several environments; say which with `--env`"),
            )
            .label(span, "the environments are declared here")
            .help(format!("pass `--env` with one of {listing}"))),
        }
    }
}

/// The nearest `stave.yaml` from the current directory up to the repository root (the nearest
/// directory holding `.git`), as a path relative to the current directory (`../../stave.yaml`).
/// Outside a repository only the current directory counts: a file higher up belongs to
/// someone else.
pub(crate) fn find_platform_file() -> Option<PathBuf> {
    let here = std::env::current_dir().ok()?;
    let root = here.ancestors().find(|dir| dir.join(".git").exists());
    let mut relative = PathBuf::new();
    for dir in here.ancestors() {
        let candidate = dir.join(DEFAULT_PLATFORM_FILE);
        if candidate.is_file() {
            return Some(relative.join(DEFAULT_PLATFORM_FILE));
        }
        if root.is_none_or(|root| dir == root) {
            return None;
        }
        relative.push("..");
    }
    None
}

/// Whether `cidr` is `address/prefix` with the prefix within the address family's length.
pub(crate) fn check_cidr(cidr: &str) -> Result<(), String> {
    let (address, prefix) = cidr.split_once('/').ok_or("it has no `/prefix`")?;
    let address: std::net::IpAddr = address.parse().map_err(|_| format!("`{address}` is not an IP address"))?;
    let bits = if address.is_ipv4() { 32 } else { 128 };
    match prefix.parse::<u8>() {
        Ok(prefix) if prefix <= bits => Ok(()),
        _ => Err(format!("the prefix length must be 0 to {bits}")),
    }
}

fn single(diagnostic: Diagnostic) -> Diagnostics {
    let mut out = Diagnostics::new();
    out.push(diagnostic);
    out
}

fn lower_environment(
    root: &Node,
    name: &str,
    input: EnvironmentInput,
    external_targets: &BTreeMap<String, ExternalTarget>,
    out: &mut Diagnostics,
) -> Environment {
    let at = |path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        place_at(root, &path)
    };
    let span = at(&["environments", name]).and_then(|p| p.key_span).unwrap_or(root.span);
    let target_span = at(&["environments", name, "target"]).map_or(span, |p| p.node.span);
    let what = format!("environment `{name}`");
    let target = targets::resolve(&input.target, external_targets, target_span, &what).unwrap_or_else(|error| {
        out.push(error);
        Target::Kubernetes
    });
    let provisioner_files = input
        .provisioners
        .iter()
        .enumerate()
        .map(|(i, file)| {
            let index = i.to_string();
            let span = at(&["environments", name, "provisioners", &index]).map_or(span, |p| p.node.span);
            (PathBuf::from(file), span)
        })
        .collect();
    let mut overrides = Vec::new();
    for (i, entry) in input.overrides.iter().enumerate() {
        let index = i.to_string();
        let Some(set) = at(&["environments", name, "overrides", &index, "set"]).and_then(|p| p.node.as_map()) else {
            continue;
        };
        for (path, item) in set {
            let value = (!matches!(item.node.value, yaml::Value::Null)).then(|| item.node.clone());
            overrides.push(PlatformOverride {
                workload: entry.workload.clone(),
                path: dotted::split(path, true),
                value,
                span: item.key_span,
            });
        }
    }
    let mut kubernetes = input.kubernetes;
    let mut moved = |key: &str, prefix: &[&str]| -> bool {
        let old: Vec<&str> = prefix.iter().copied().chain([key]).collect();
        let new: Vec<&str> = prefix.iter().copied().chain(["kubernetes", key]).collect();
        let Some(place) = at(&old) else { return false };
        let key_span = place.key_span.unwrap_or(place.node.span);
        let new_path = format!("kubernetes.{key}");
        if let Some(both) = at(&new) {
            out.push(
                Diagnostic::error(Code::DeprecatedSetting, format!("`{key}` is given twice: here and as `{new_path}`"))
                    .label(key_span, "the old place")
                    .label(both.key_span.unwrap_or(both.node.span), "the new place")
                    .help(format!("remove `{key}`; `{new_path}` is where it belongs")),
            );
            return false;
        }
        out.push(
            Diagnostic::warning(Code::DeprecatedSetting, format!("`{key}` has moved to `{new_path}`"))
                .label(key_span, "still read from here, for now")
                .help(format!("move it under `kubernetes:` (`{new_path}`); the old place will stop working")),
        );
        true
    };
    let prefix = ["environments", name];
    if let Some(namespace) = input.namespace.filter(|_| moved("namespace", &prefix)) {
        kubernetes.namespace = Some(namespace);
    }
    if let Some(routes) = input.routes.filter(|_| moved("routes", &prefix)) {
        kubernetes.routes = routes;
    }
    if let Some(security) = input.security.filter(|_| moved("security", &prefix)) {
        kubernetes.security = security;
    }
    let mut workloads = BTreeMap::new();
    for (workload, settings) in input.workloads {
        let prefix = ["environments", name, "workloads", workload.as_str()];
        let mut own = settings.kubernetes;
        if let Some(security) = settings.security.filter(|_| moved("security", &prefix)) {
            own.security = security;
        }
        workloads.insert(workload, WorkloadSettings { replicas: settings.replicas, kubernetes: own });
    }
    let mut egress_lists = vec![(vec!["environments", name, "kubernetes"], &kubernetes.egress)];
    for (workload, settings) in &workloads {
        egress_lists.push((
            vec!["environments", name, "workloads", workload.as_str(), "kubernetes"],
            &settings.kubernetes.egress,
        ));
    }
    for (prefix, list) in egress_lists {
        for (i, egress) in list.iter().enumerate() {
            if let Err(why) = check_cidr(&egress.cidr) {
                let index = i.to_string();
                let path: Vec<&str> = prefix.iter().copied().chain(["egress", &index, "cidr"]).collect();
                out.push(
                    Diagnostic::error(Code::InvalidCidr, format!("`{}` is not a CIDR: {why}", egress.cidr))
                        .label(at(&path).map_or(span, |p| p.node.span), "not a CIDR")
                        .help("write an address and a prefix length, such as `203.0.113.0/24` or `2001:db8::/32`"),
                );
            }
        }
    }
    if let Some(domain) = input.variables.get("dns_domain") {
        let valid = domain.as_str().is_some_and(|d| {
            d.len() <= 200
                && d.split('.').all(|label| {
                    (1..=63).contains(&label.len())
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !label.starts_with('-')
                        && !label.ends_with('-')
                })
        });
        if !valid {
            let place = at(&["environments", name, "variables", "dns_domain"]);
            out.push(
                Diagnostic::error(Code::InvalidDnsDomain, format!("`dns_domain` is not a DNS domain: {domain}"))
                    .label(place.map_or(span, |p| p.node.span), "the built-in `dns` names hosts under this")
                    .help(
                        "write labels of letters, digits and `-` joined by dots, such as `dev.example.com` (at most \
                        200 characters, to leave room for the host's own label)",
                    ),
            );
        }
    }
    let workload_spans = workloads
        .keys()
        .map(|w| (w.clone(), at(&["environments", name, "workloads", w]).and_then(|p| p.key_span).unwrap_or(span)))
        .collect();
    let external = input
        .external_workloads
        .into_iter()
        .map(|(workload, declared)| {
            let external = declared.lower(&workload);
            (workload, external)
        })
        .collect();
    Environment {
        name: name.to_string(),
        target,
        target_span,
        provisioner_files,
        variables: input.variables,
        dns: DnsSettings {
            chosen_hosts_span: at(&["environments", name, "dns", "chosenHosts"])
                .map(|p| p.key_span.unwrap_or(p.node.span)),
            ..input.dns
        },
        overrides,
        patches: patches::lower(root, name, input.patches, out),
        workloads,
        workload_spans,
        external,
        span,
        kubernetes,
        helm: HelmSettings::default(),
        terraform: input.terraform,
        settings: input.settings,
        external_targets: external_targets.clone(),
        limits: Limits::default(),
        limits_span: span,
    }
}
