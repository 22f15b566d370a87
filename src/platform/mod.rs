//! The platform file: the environments a platform team offers.
//!
//! `stave.yaml` (or `--platform FILE`) declares, per environment, its target, namespace, the
//! provisioner files it uses (searched before the built-ins), overrides applied to every workload
//! or to named ones, values for `environment` resources, and per-workload settings that Score
//! lacks (replicas). It is validated against `spec/platform.schema.json`. With no platform file,
//! an embedded default applies: one environment, `local`, target kubernetes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value as Json;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::{SourceId, Sources, Span};
use crate::spec::yaml::{self, Node, place_at};
use crate::spec::{read, schema};
use crate::suggest;
use crate::targets::Target;

/// The default platform file name, looked for in the current directory.
pub const DEFAULT_PLATFORM_FILE: &str = "stave.yaml";
const EMBEDDED_DEFAULT: &str = include_str!("../../targets/default.platform.yaml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlatformInput {
    environments: BTreeMap<String, EnvironmentInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EnvironmentInput {
    description: Option<String>,
    target: Target,
    namespace: Option<String>,
    #[serde(default)]
    provisioners: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, Json>,
    #[serde(default)]
    overrides: Vec<OverrideInput>,
    #[serde(default)]
    workloads: BTreeMap<String, WorkloadSettings>,
    #[serde(default)]
    security: Security,
    routes: Option<RouteKind>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverrideInput {
    workload: Option<String>,
    #[allow(dead_code, reason = "read from the node tree, which keeps spans")]
    set: serde_json::Map<String, Json>,
}

/// Settings a deployment needs that Score does not have.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct WorkloadSettings {
    pub replicas: Option<u32>,
    #[serde(default)]
    pub security: Security,
}

/// The secure defaults of the Kubernetes target, each of which can be switched off; `None` means
/// "as the environment (or the default) says".
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteKind {
    #[default]
    Httproute,
    Ingress,
}

/// One override from the platform file: a path set (or deleted, with `null`) in some workloads.
#[derive(Debug, Clone)]
pub struct PlatformOverride {
    pub workload: Option<String>,
    pub path: Vec<String>,
    /// `None` deletes the path.
    pub value: Option<Node>,
    /// The path's key in the platform file.
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct Environment {
    pub name: String,
    pub description: Option<String>,
    pub target: Target,
    pub namespace: Option<String>,
    pub provisioner_files: Vec<(PathBuf, Span)>,
    pub variables: BTreeMap<String, Json>,
    pub overrides: Vec<PlatformOverride>,
    pub workloads: BTreeMap<String, WorkloadSettings>,
    /// Spans of the `workloads` entries, for "not being compiled" warnings.
    pub workload_spans: BTreeMap<String, Span>,
    /// The environment's key in the platform file.
    pub span: Span,
    pub security: Security,
    pub routes: RouteKind,
}

#[derive(Debug)]
pub struct Platform {
    /// The file, or `None` for the embedded default.
    pub path: Option<PathBuf>,
    /// The directory that provisioner files and the seed file are relative to.
    pub base_dir: PathBuf,
    pub source: SourceId,
    pub environments: BTreeMap<String, Environment>,
}

impl Platform {
    /// Loads `--platform FILE`, else `stave.yaml` in the current directory, else the default.
    pub fn load(path: Option<&Path>, sources: &mut Sources) -> Result<Platform, Diagnostics> {
        let mut out = Diagnostics::new();
        let default_file = Path::new(DEFAULT_PLATFORM_FILE);
        let chosen = path.map(Path::to_path_buf).or_else(|| default_file.is_file().then(|| default_file.to_path_buf()));
        let (source, base_dir) = match &chosen {
            Some(file) => {
                let base = file.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")).to_path_buf();
                let bytes = read::read_file(file).map_err(single)?;
                (read::decode(bytes, &file.display().to_string(), &base, sources).map_err(single)?, base)
            }
            None => {
                (sources.add("builtin:default.platform.yaml", EMBEDDED_DEFAULT, Path::new(".")), PathBuf::from("."))
            }
        };
        let root = yaml::parse(sources.get(source), source).map_err(single)?;
        let document = root.to_json();
        out.extend(schema::platform().validate(&root, &document));
        if out.has_errors() {
            return Err(out.sorted());
        }
        let input: PlatformInput = serde_json::from_value(document).map_err(|e| {
            single(
                Diagnostic::error(Code::InvalidValue, format!("cannot read the platform file: {e}"))
                    .label(root.span, "here"),
            )
        })?;
        let environments = input
            .environments
            .into_iter()
            .map(|(name, env)| {
                let environment = lower_environment(&root, &name, env);
                (name, environment)
            })
            .collect();
        Ok(Platform { path: chosen, base_dir, source, environments })
    }

    /// The environment to compile for: the one named, or the only one.
    pub fn select(&self, name: Option<&str>, sources: &Sources) -> Result<&Environment, Diagnostic> {
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

fn single(diagnostic: Diagnostic) -> Diagnostics {
    let mut out = Diagnostics::new();
    out.push(diagnostic);
    out
}

fn lower_environment(root: &Node, name: &str, input: EnvironmentInput) -> Environment {
    let at = |path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        place_at(root, &path)
    };
    let span = at(&["environments", name]).and_then(|p| p.key_span).unwrap_or(root.span);
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
                path: crate::spec::dotted_path(path),
                value,
                span: item.key_span,
            });
        }
    }
    let workload_spans = input
        .workloads
        .keys()
        .map(|w| (w.clone(), at(&["environments", name, "workloads", w]).and_then(|p| p.key_span).unwrap_or(span)))
        .collect();
    Environment {
        name: name.to_string(),
        description: input.description,
        target: input.target,
        namespace: input.namespace,
        provisioner_files,
        variables: input.variables,
        overrides,
        workloads: input.workloads,
        workload_spans,
        span,
        security: input.security,
        routes: input.routes.unwrap_or_default(),
    }
}
