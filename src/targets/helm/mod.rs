//! The Helm target: one chart for every environment compiled, rendering exactly the objects of
//! the Kubernetes target. Each environment's objects come from the Kubernetes target's lowering;
//! the values a user may override become template expressions (`knobs.rs`); an object's trees are
//! merged across environments (`node.rs`), what differs going into each environment's
//! values file, and an object only some environments have is enabled by theirs. Generated values
//! are derived at install time from `global.seed`, so no secret is written into the chart.

mod chart;
mod emit;
mod knobs;
mod node;
mod schema;
mod text;
mod values;

use std::collections::BTreeMap;

use serde_json::{Map, Value as Json, json};

use super::kubernetes_objects::{self, Lowered, OwnerRef};
use super::{Backend, Emitted, File, Input, Layout, Options, TargetOption};
use crate::builtins::Target;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::provision::TargetModel;
use chart::ChartInfo;
use knobs::quote;
use node::{Hole, Node};

/// The Helm target.
#[derive(Debug)]
pub(crate) struct Helm;

impl Backend for Helm {
    fn model(&self) -> &dyn TargetModel {
        &kubernetes_objects::MODEL
    }

    fn options(&self, _target: Target) -> &'static [TargetOption] {
        super::KUBERNETES_OPTIONS
    }

    fn object_name(&self, _target: Target, object: &serde_json::Value, _index: usize) -> String {
        kubernetes_objects::patches::display(object)
    }

    fn emit(&self, _target: Target, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics> {
        let mut out = Diagnostics::new();
        if options.generate_namespace
            && let Some(input) = inputs.first()
        {
            out.push(
                Diagnostic::warning(
                    Code::ChartNamespace,
                    "a chart does not create its namespace; `--generate-namespace` adds nothing to it",
                )
                .label(input.environment.span, "this environment")
                .help("let Helm create it: `helm install --create-namespace`"),
            );
        }
        let lowered: Vec<Vec<Lowered>> = inputs
            .iter()
            .map(|input| {
                kubernetes_objects::lower(input, &Options { generate_namespace: false, ..options.clone() }, &mut out)
            })
            .collect();
        if out.has_errors() {
            return Err(out.sorted());
        }
        let files = chart(inputs, &lowered, options);
        Ok(Emitted {
            files,
            layout: Layout::Directory,
            what: "a Helm chart is a directory".into(),
            warnings: out.sorted(),
        })
    }
}

/// One object of the chart: its file, the workload it belongs to, and per environment its tree.
#[derive(Debug)]
struct Object {
    file: String,
    workload: Option<String>,
    trees: Vec<Option<Node>>,
}

/// `templates/workload-<name>.yaml`, `templates/resource-<uid>.yaml`.
fn template_file(owner: &OwnerRef) -> String {
    let slug = |text: &str| -> String {
        text.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c.to_ascii_lowercase() } else { '-' }).collect()
    };
    match owner {
        OwnerRef::Workload { name, .. } => format!("templates/workload-{}.yaml", slug(name)),
        OwnerRef::Resource { uid } => format!("templates/resource-{}.yaml", slug(uid)),
        OwnerRef::Environment => "templates/environment.yaml".into(),
    }
}

fn key_of(object: &Json) -> String {
    let text = |p: &str| object.pointer(p).and_then(Json::as_str).unwrap_or("?").to_string();
    format!("{}/{}", text("/kind"), text("/metadata/name"))
}

fn chart(inputs: &[Input<'_>], lowered: &[Vec<Lowered>], options: &Options) -> Vec<File> {
    let count = inputs.len();
    let mut environment_values: Vec<Json> = Vec::with_capacity(count);
    let mut objects: Vec<(String, Object)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for (i, objects_of_env) in lowered.iter().enumerate() {
        let mut workloads = Map::new();
        for lowered in objects_of_env {
            let tree = knobs::template(lowered, &mut workloads);
            let key = key_of(&lowered.object);
            let slot = *index.entry(key.clone()).or_insert_with(|| {
                let workload = match &lowered.owner {
                    OwnerRef::Workload { name, .. } => Some(name.clone()),
                    _ => None,
                };
                let file = template_file(&lowered.owner);
                objects.push((key.clone(), Object { file, workload, trees: vec![None; count] }));
                objects.len() - 1
            });
            objects[slot].1.trees[i] = Some(tree);
        }
        let mut values = base_values();
        values::insert(&mut values, &["workloads"], Json::Object(workloads));
        environment_values.push(values);
    }
    let environments: Vec<String> = inputs.iter().map(|i| i.environment.name.clone()).collect();
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (key, object) in &objects {
        let text = object_templates(key, object, &environments, &mut environment_values);
        let file = files.entry(object.file.clone()).or_insert_with(|| match &object.workload {
            // A workload's templates read its values through `$w`.
            Some(name) => format!("{}\n", knobs::workload_variable(name)),
            None => String::new(),
        });
        file.push_str(&text);
    }
    let shared = values::common(&environment_values);
    let workloads = workload_list(inputs);
    let info = chart_info(inputs, options);
    let mut out = vec![
        File::new("Chart.yaml", chart::chart_yaml(&info)),
        File::new(".helmignore", chart::HELMIGNORE),
        File::new("values.yaml", values::yaml(&shared, "# What every environment shares. Generated by Stave.\n")),
    ];
    for (env, values) in environments.iter().zip(&environment_values) {
        let header = format!("# Environment `{env}`: only what differs from values.yaml. Generated by Stave.\n");
        out.push(File::new(format!("values-{env}.yaml"), values::yaml(&values::difference(values, &shared), &header)));
    }
    let schema = schema::schema(&workloads);
    out.push(File::new("values.schema.json", serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"));
    out.push(File::new("README.md", chart::readme(&info, &environments, &schema::describe(&workloads, &shared))));
    let uses_json = files.values().any(|text| text.contains(&format!("include \"{}\"", emit::JSON_HELPER)));
    let helpers = if uses_json { format!("{}{}", chart::HELPERS, chart::json_helper()) } else { chart::HELPERS.into() };
    out.push(File::new("templates/_helpers.tpl", helpers));
    out.push(File::new("templates/NOTES.txt", chart::notes(&service_list(inputs))));
    out.extend(files.into_iter().map(|(path, text)| File::new(path, text)));
    out
}

/// The values every chart starts from.
fn base_values() -> Json {
    json!({
        "global": {"seed": "", "imageRegistry": "", "imagePullSecrets": [], "commonLabels": {}},
        "workloads": {},
        "compiled": {"objects": {}, "values": {}},
    })
}

/// The templates of one object: one document, merged over the environments that have it (and
/// enabled only by theirs), or one variant per environment where holes differ.
fn object_templates(key: &str, object: &Object, environments: &[String], values: &mut [Json]) -> String {
    let present: Vec<usize> = (0..object.trees.len()).filter(|&i| object.trees[i].is_some()).collect();
    let trees: Vec<&Node> = present.iter().filter_map(|&i| object.trees[i].as_ref()).collect();
    let everywhere = present.len() == object.trees.len();
    let lookup = |pointer: &str| format!("(dig {} {} nil $.Values.compiled.values)", quote(key), quote(pointer));
    let mut holes: Vec<Hole> = Vec::new();
    if let Some(merged) = node::merge(&trees, &lookup, &mut holes) {
        for hole in holes {
            for (&env, value) in present.iter().zip(hole.values) {
                if let Some(value) = value {
                    values::insert(&mut values[env], &["compiled", "values", key, &hole.pointer], value);
                }
            }
        }
        if !everywhere {
            present
                .iter()
                .for_each(|&env| values::insert(&mut values[env], &["compiled", "objects", key], json!(true)));
        }
        return document(&merged, (!everywhere).then_some(key));
    }
    // Holes differ between environments: each environment gets its own variant.
    let mut text = String::new();
    for (&env, tree) in present.iter().zip(&trees) {
        let variant = format!("{key}@{}", environments[env]);
        values::insert(&mut values[env], &["compiled", "objects", &variant], json!(true));
        text.push_str(&document(tree, Some(&variant)));
    }
    text
}

/// One YAML document, enabled by `compiled.objects.<flag>` when given.
fn document(tree: &Node, flag: Option<&str>) -> String {
    let mut body = String::new();
    if let Node::Map(entries) = tree {
        for (k, v) in entries {
            emit::entry(&mut body, 0, k, v);
        }
    } else if let Some(Json::Object(map)) = tree.literal() {
        for (k, v) in map {
            emit::entry(&mut body, 0, &k, &Node::Literal(v));
        }
    }
    match flag {
        Some(flag) => {
            format!("{{{{- if dig {} false $.Values.compiled.objects }}}}\n---\n{body}{{{{- end }}}}\n", quote(flag))
        }
        None => format!("---\n{body}"),
    }
}

/// Every workload with its containers, over all environments (overrides may add containers).
fn workload_list(inputs: &[Input<'_>]) -> Vec<(String, Vec<String>)> {
    let mut all: BTreeMap<&str, std::collections::BTreeSet<&str>> = BTreeMap::new();
    for input in inputs {
        for workload in input.workloads {
            all.entry(&workload.name).or_default().extend(workload.containers.keys().map(String::as_str));
        }
    }
    all.into_iter().map(|(w, c)| (w.to_string(), c.into_iter().map(str::to_string).collect())).collect()
}

fn service_list(inputs: &[Input<'_>]) -> Vec<(String, Vec<(String, u16)>)> {
    inputs
        .first()
        .map(|input| {
            input
                .workloads
                .iter()
                .map(|w| {
                    let service = kubernetes_objects::service_name(w);
                    (w.name.clone(), w.service_ports.values().map(|p| (service.clone(), p.port)).collect())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn chart_info(inputs: &[Input<'_>], options: &Options) -> ChartInfo {
    let settings = inputs.first().map(|i| i.environment.helm.clone()).unwrap_or_default();
    let fallback = options.output_name.clone().unwrap_or_else(|| "stave".into());
    let names: Vec<&str> =
        inputs.first().map(|i| i.workloads.iter().map(|w| w.name.as_str()).collect()).unwrap_or_default();
    ChartInfo {
        name: chart::chart_name(settings.name.as_deref().unwrap_or(&fallback)),
        version: settings.version.unwrap_or_else(|| "0.1.0".into()),
        app_version: settings.app_version,
        description: settings
            .description
            .unwrap_or_else(|| format!("Workloads {} compiled by Stave.", names.join(", "))),
    }
}
