//! The provisioner registry: provisioner files (an environment's, with the built-in libraries it
//! names as `builtin:<name>`, then the built-in ones), validated against
//! `spec/provisioners.schema.json`, and the matching rule.
//!
//! Matching: among the provisioners that serve the environment's target and the resource's type
//! (and its class and id, where they name one), the most specific wins: id over class over type
//! alone; at equal specificity an environment's own provisioners come before the built-in ones,
//! then those that list the target, then those that serve it by implication, then those that serve
//! every target, then file order.
//!
//! Targets: a provisioner serves the targets its `targets:` lists. One that lists `kubernetes` or
//! `helm` returns Kubernetes objects, so it also serves every other target that takes them
//! (kubernetes, helm, terraform) by implication, unless it says `strictTargets: true`. One that
//! lists none returns outputs only (no objects, no command: the schema requires `targets:` with
//! either), which every target can serve: it serves them all, after those that list or imply
//! the target.

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value as Json;

use crate::builtins::{BUILTIN_LIBRARIES, BUILTIN_PROVISIONERS, PROVISIONERS_SCHEMA, Target};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::document::schema::{Plain, Schema};
use crate::document::{read, yaml};
use crate::graph::Resource;
use crate::source::{SourceId, Sources, Span};

/// Compiles the provisioner file schema now (on another thread while the platform loads).
pub(crate) fn warm() {
    schema();
}

fn schema() -> &'static Schema {
    static SCHEMA: std::sync::OnceLock<Schema> = std::sync::OnceLock::new();
    static DIALECT: Plain = Plain { field_word: "provisioner file", schema_command: "stave schema provisioners" };
    SCHEMA.get_or_init(|| Schema::compile(PROVISIONERS_SCHEMA, &DIALECT))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileInput {
    provisioners: Vec<ProvisionerInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProvisionerInput {
    name: Option<String>,
    description: Option<String>,
    #[serde(rename = "type")]
    kind: String,
    class: Option<String>,
    id: Option<String>,
    #[serde(default)]
    targets: Vec<Target>,
    #[serde(default, rename = "strictTargets")]
    strict_targets: bool,
    params: Option<Json>,
    outputs: Option<Json>,
    objects: Option<String>,
    command: Option<Vec<String>>,
    timeout: Option<u64>,
    #[serde(default)]
    egress: Vec<crate::platform::Egress>,
}

/// What a provisioner does.
#[derive(Debug)]
pub(crate) enum Action {
    /// Outputs (a map whose strings are templates, or one template rendering a YAML map) and an
    /// objects template rendering a YAML list.
    Templates { outputs: Json, objects: Option<String> },
    /// A program that reads the resource as JSON and writes `{outputs, objects}` as JSON.
    Command { argv: Vec<String>, timeout_seconds: u64, base_dir: PathBuf },
}

/// Where a provisioner comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Origin {
    Environment,
    Builtin,
}

#[derive(Debug)]
pub struct Provisioner {
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) kind: String,
    pub(crate) class: Option<String>,
    pub(crate) id: Option<String>,
    pub(crate) targets: Vec<Target>,
    /// Where each of `targets` is written.
    pub(crate) target_spans: Vec<Span>,
    /// `strictTargets: true`: it serves the targets it lists and no other.
    pub(crate) strict_targets: bool,
    pub(crate) params: Option<jsonschema::Validator>,
    pub(crate) params_schema: Option<Json>,
    pub(crate) action: Action,
    pub(crate) origin: Origin,
    /// The file, as shown to users (`builtin:kubernetes/databases.provisioners.yaml` for built-ins).
    pub file: String,
    /// The provisioner's entry in its file.
    pub(crate) span: Span,
    /// Position across all files, for ties.
    pub(crate) order: usize,
    /// Egress the workloads using its resources need (a service outside the cluster).
    pub(crate) egress: Vec<crate::platform::Egress>,
}

impl Provisioner {
    /// 2 when it names an id, 1 a class, 0 the type alone.
    pub(crate) fn specificity(&self) -> u8 {
        if self.id.is_some() {
            2
        } else if self.class.is_some() {
            1
        } else {
            0
        }
    }

    /// Whether it serves `target`, and how: the target is listed, or implied (see the module).
    pub(crate) fn serving(&self, target: Target) -> Option<Serving> {
        if self.targets.is_empty() {
            Some(Serving::Any)
        } else if self.targets.contains(&target) {
            Some(Serving::Listed)
        } else if !self.strict_targets
            && target.takes_kubernetes_objects()
            && self.targets.iter().any(|t| t.wants_only_kubernetes_objects())
        {
            Some(Serving::Implied)
        } else {
            None
        }
    }

    pub(crate) fn serves(&self, resource: &Resource, target: Target) -> bool {
        self.serving(target).is_some()
            && self.kind == resource.kind
            && self.class.as_ref().is_none_or(|c| *c == resource.class)
            && self.id.as_ref().is_none_or(|id| Some(id) == resource.id.as_ref())
    }

    /// Its place among the candidates for a resource of its type for `target`, best first (the
    /// matching rule of the module).
    pub(crate) fn rank(&self, target: Target) -> (std::cmp::Reverse<u8>, Origin, Option<Serving>, usize) {
        (std::cmp::Reverse(self.specificity()), self.origin, self.serving(target), self.order)
    }

    /// "type `postgres`, class `large`", for explanations.
    pub(crate) fn selector(&self) -> String {
        let mut out = format!("type `{}`", self.kind);
        if let Some(class) = &self.class {
            out.push_str(&format!(", class `{class}`"));
        }
        if let Some(id) = &self.id {
            out.push_str(&format!(", id `{id}`"));
        }
        out
    }
}

/// How a provisioner serves a target: the target is in its `targets:`, or it returns Kubernetes
/// objects (it lists `kubernetes` or `helm`) and the target takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Serving {
    Listed,
    Implied,
    /// It lists no target: it returns outputs only, which serve every target.
    Any,
}

#[derive(Debug, Default)]
pub struct Registry {
    pub provisioners: Vec<Provisioner>,
}

impl Registry {
    /// Loads an environment's provisioner files (paths relative to `base_dir`), then the built-ins.
    pub fn load(files: &[(PathBuf, Span)], base_dir: &Path, sources: &mut Sources, out: &mut Diagnostics) -> Registry {
        let mut registry = Registry::default();
        for (path, span) in files {
            if let Some(library) = path.to_str().and_then(|p| p.strip_prefix("builtin:")) {
                registry.add_library(library, *span, sources, out);
                continue;
            }
            let full = base_dir.join(path);
            let bytes = match read::read_file(&full) {
                Ok(bytes) => bytes,
                Err(mut diagnostic) => {
                    diagnostic.labels.push(crate::diagnostics::Label { span: *span, text: "named here".into() });
                    diagnostic.path = None;
                    out.push(diagnostic);
                    continue;
                }
            };
            let name = full.display().to_string();
            let dir = full.parent().map(Path::to_path_buf).unwrap_or_default();
            match read::decode(bytes, &name, &dir, sources) {
                Ok(id) => registry.add_file(id, &name, Origin::Environment, sources, out),
                Err(diagnostic) => out.push(diagnostic),
            }
        }
        for builtin in BUILTIN_PROVISIONERS {
            let name = format!("builtin:{}", builtin.path);
            let id = sources.add(name.clone(), builtin.text, Path::new("."));
            registry.add_file(id, &name, Origin::Builtin, sources, out);
        }
        registry
    }

    /// A built-in library an environment names (`builtin:aws`), as one of its own files.
    /// Reports each target a provisioner lists that is neither built in nor one of `declared`
    /// (the platform file's external targets), at its place.
    pub(crate) fn check_targets(
        &self,
        declared: &std::collections::BTreeMap<String, crate::platform::ExternalTarget>,
        out: &mut Diagnostics,
    ) {
        for provisioner in &self.provisioners {
            for (target, span) in provisioner.targets.iter().zip(&provisioner.target_spans) {
                let what = format!("provisioner `{}`", provisioner.name);
                if let Err(error) = crate::platform::resolve_target(target.name(), declared, *span, &what) {
                    out.push(error);
                }
            }
        }
    }

    fn add_library(&mut self, library: &str, span: Span, sources: &mut Sources, out: &mut Diagnostics) {
        let Some((_, embedded)) = BUILTIN_LIBRARIES.iter().find(|(name, _)| *name == library) else {
            let names: Vec<&str> = BUILTIN_LIBRARIES.iter().map(|(name, _)| *name).collect();
            out.push(
                Diagnostic::error(
                    Code::Unreadable,
                    format!(
                        "`builtin:{library}` is not a built-in library{}",
                        crate::suggest::hint(library, names.iter().copied())
                    ),
                )
                .label(span, "named here")
                .help(format!(
                    "the built-in libraries are {}",
                    names.iter().map(|n| format!("`builtin:{n}`")).collect::<Vec<_>>().join(", ")
                )),
            );
            return;
        };
        let name = format!("builtin:{}", embedded.path);
        let id = sources.add(name.clone(), embedded.text, Path::new("."));
        self.add_file(id, &name, Origin::Environment, sources, out);
    }

    fn add_file(&mut self, id: SourceId, name: &str, origin: Origin, sources: &Sources, out: &mut Diagnostics) {
        let root = match yaml::parse(sources.get(id), id) {
            Ok(root) => root,
            Err(diagnostic) => return out.push(diagnostic),
        };
        let document = root.to_json();
        let problems = schema().validate(&root, &document);
        if problems.has_errors() {
            return out.extend(problems);
        }
        let input: FileInput = match serde_json::from_value(document) {
            Ok(input) => input,
            Err(error) => {
                return out.push(
                    Diagnostic::error(Code::InvalidValue, format!("cannot read provisioner file: {error}"))
                        .label(root.span, "here"),
                );
            }
        };
        let base_dir = sources.get(id).base_dir.clone();
        for (index, entry) in input.provisioners.into_iter().enumerate() {
            let path = ["provisioners".to_string(), index.to_string()];
            let span = yaml::place_at(&root, &path).map_or(root.span, |p| p.node.span);
            let params = match entry.params.as_ref().map(jsonschema::validator_for) {
                Some(Err(error)) => {
                    let params_path = [path[0].clone(), path[1].clone(), "params".to_string()];
                    let span = yaml::place_at(&root, &params_path).map_or(span, |p| p.span());
                    out.push(
                        Diagnostic::error(Code::InvalidValue, format!("`params` is not a valid JSON Schema: {error}"))
                            .label(span, "this schema")
                            .help("`params` is a JSON Schema (draft 2020-12) for the resource's params"),
                    );
                    continue;
                }
                Some(Ok(validator)) => Some(validator),
                None => None,
            };
            let action = match entry.command {
                Some(argv) => {
                    Action::Command { argv, timeout_seconds: entry.timeout.unwrap_or(30), base_dir: base_dir.clone() }
                }
                None => Action::Templates {
                    outputs: entry.outputs.unwrap_or_else(|| Json::Object(Default::default())),
                    objects: entry.objects,
                },
            };
            for (i, egress) in entry.egress.iter().enumerate() {
                if let Err(why) = crate::platform::check_cidr(&egress.cidr) {
                    let cidr_path = [path[0].clone(), path[1].clone(), "egress".into(), i.to_string(), "cidr".into()];
                    let span = yaml::place_at(&root, &cidr_path).map_or(span, |p| p.node.span);
                    out.push(
                        Diagnostic::error(Code::InvalidCidr, format!("`{}` is not a CIDR: {why}", egress.cidr))
                            .label(span, "not a CIDR")
                            .help("write an address and a prefix length, such as `203.0.113.0/24` or `2001:db8::/32`"),
                    );
                }
            }
            let short = name.rsplit('/').next().unwrap_or(name);
            self.provisioners.push(Provisioner {
                name: entry.name.unwrap_or_else(|| format!("{short}#{}", entry.kind)),
                description: entry.description,
                kind: entry.kind,
                class: entry.class,
                id: entry.id,
                target_spans: (0..entry.targets.len())
                    .map(|i| {
                        let at = [path[0].clone(), path[1].clone(), "targets".into(), i.to_string()];
                        yaml::place_at(&root, &at).map_or(span, |p| p.node.span)
                    })
                    .collect(),
                targets: entry.targets,
                strict_targets: entry.strict_targets,
                params,
                params_schema: entry.params,
                action,
                origin,
                file: name.to_string(),
                span,
                order: self.provisioners.len(),
                egress: entry.egress,
            });
        }
    }

    /// Every provisioner that could serve the resource, best first.
    pub(crate) fn candidates(&self, resource: &Resource, target: Target) -> Vec<&Provisioner> {
        let mut found: Vec<&Provisioner> = self.provisioners.iter().filter(|p| p.serves(resource, target)).collect();
        found.sort_by_key(|p| p.rank(target));
        found
    }

    /// The resource types served for a target, for "no provisioner" help.
    pub(crate) fn types_for(&self, target: Target) -> Vec<&str> {
        let mut types: Vec<&str> =
            self.provisioners.iter().filter(|p| p.serving(target).is_some()).map(|p| p.kind.as_str()).collect();
        types.sort_unstable();
        types.dedup();
        types
    }
}
