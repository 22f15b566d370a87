//! External targets: a program a platform file declares (`targets:`) gets the request
//! ([`request`], `stave.dev/target/v1`) as JSON on stdin and answers with files and diagnostics
//! ([`response`]) as JSON on stdout. It runs in the containment command provisioners have
//! ([`crate::contained`]); its files go through the one writer, its diagnostics through the one
//! renderer, with its own code namespace (`<target>::<code>`). Any failure of the program (it
//! crashes, hangs, prints no JSON, names an unsafe path) is `stave::target::failed`.

mod request;
mod response;

pub(crate) use request::API_VERSION;

use super::{Backend, Emitted, Input, Layout, Options, TargetOption};
use crate::builtins::Target;
use crate::contained::{self, Bounds};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{ServicePort, Workload};
use crate::platform::Environment;
use crate::provision::TargetModel;

/// The most a target program may print: its whole output, in JSON.
const RESPONSE_CAP: usize = 256 * 1024 * 1024;

/// Runs every external target's program.
#[derive(Debug)]
pub(crate) struct External;

/// What provisioning asks of an external target that takes no Kubernetes objects: peers reach a
/// workload by its name and its containers' ports (as on a Compose network or in a Nomad
/// service mesh), there are no namespaces, and templates see the environment's `settings:`
/// section as `environment.settings`. A target that names hosts otherwise rewrites the `host`
/// outputs it is given.
impl TargetModel for External {
    fn service_name(&self, workload: &Workload) -> String {
        workload.name.clone()
    }

    fn peer_port(&self, port: &ServicePort) -> u16 {
        port.target_port
    }

    fn template_settings(&self, environment: &Environment) -> serde_json::Map<String, serde_json::Value> {
        let mut settings = serde_json::Map::new();
        settings.insert("settings".into(), serde_json::Value::Object(environment.settings.clone()));
        settings
    }
}

impl Backend for External {
    fn model(&self) -> &dyn TargetModel {
        self
    }

    /// The Kubernetes options for a target declared with `objects: kubernetes` (its request
    /// carries the objects they shape), none for another.
    fn options(&self, target: Target) -> &'static [TargetOption] {
        if target.takes_kubernetes_objects() { super::KUBERNETES_OPTIONS } else { &[] }
    }

    /// A Kubernetes object as `Kind/name` for a target that takes them; else the default.
    fn object_name(&self, target: Target, object: &serde_json::Value, index: usize) -> String {
        if target.takes_kubernetes_objects() && object.get("kind").is_some() {
            super::kubernetes_objects::patches::display(object)
        } else {
            super::plain_object_name(object, index)
        }
    }

    fn emit(&self, target: Target, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics> {
        let Some(first) = inputs.first() else {
            return Ok(Emitted {
                files: Vec::new(),
                layout: Layout::Directory,
                what: String::new(),
                warnings: Diagnostics::new(),
            });
        };
        let name = target.name();
        let environment = first.environment;
        let Some(declared) = environment.external_targets.get(name) else {
            // The pipeline refused the name before: no environment gets here with it.
            return Err(single(failed(first, name, "the platform file does not declare it".into())));
        };
        let request = request(target, inputs, options, declared.clear_generated_values)?;
        let redact: Vec<String> = if declared.clear_generated_values {
            request["environments"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|e| e["generated"].as_array().into_iter().flatten())
                .filter_map(|g| g["value"].as_str().map(str::to_string))
                .collect()
        } else {
            Vec::new()
        };
        let bytes = serde_json::to_vec(&request).unwrap_or_default();
        let bounds = Bounds { timeout: declared.timeout, stdout_cap: RESPONSE_CAP };
        let stdout = contained::run(&declared.command, &declared.base_dir, bounds, bytes, &redact)
            .map_err(|why| single(failed(first, name, why)))?;
        let mut response: response::Response = serde_json::from_slice(&stdout).map_err(|e| {
            let program = declared.command.first().map_or("", String::as_str);
            single(failed(first, name, format!("`{program}` did not print a response of `{API_VERSION}` as JSON: {e}")))
        })?;
        let files = response.take_files().map_err(|why| single(failed(first, name, why)))?;
        let mut reported = Diagnostics::new();
        let diagnostics =
            response.diagnostics(target, first, declared.span).map_err(|why| single(failed(first, name, why)))?;
        for diagnostic in diagnostics {
            reported.push(diagnostic);
        }
        if reported.has_errors() {
            return Err(reported.sorted());
        }
        Ok(Emitted {
            files,
            layout: Layout::Directory,
            what: format!("the `{name}` target writes a folder of files"),
            warnings: reported,
        })
    }
}

/// The request for `target` (see [`request::build`]), with each environment's Kubernetes objects
/// when the target builds on them: what its program gets, and what `--emit target-request` prints.
pub(crate) fn request(
    target: Target,
    inputs: &[Input<'_>],
    options: &Options,
    clear: bool,
) -> Result<serde_json::Value, Diagnostics> {
    let objects = match target.is_external() && target.takes_kubernetes_objects() {
        true => Some(inputs.iter().map(|input| kubernetes_objects(input, options)).collect::<Result<_, _>>()?),
        false => None,
    };
    Ok(request::build(target, inputs, options, clear, objects))
}

/// The objects `--target kubernetes` writes for one environment, in its order, as JSON.
fn kubernetes_objects(input: &Input<'_>, options: &Options) -> Result<Vec<serde_json::Value>, Diagnostics> {
    let emitted = super::emit(Target::Kubernetes, std::slice::from_ref(input), options)?;
    let mut objects = Vec::new();
    for file in &emitted.files {
        let bytes = file.bytes.bytes();
        let text = String::from_utf8_lossy(&bytes);
        let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(&text).map_err(|e| {
            single(failed(
                input,
                "kubernetes",
                format!("cannot read back the kubernetes target's `{}`: {e}", file.path),
            ))
        })?;
        objects.extend(documents.into_iter().filter(|d| !d.is_null()));
    }
    Ok(objects)
}

/// The target program failed: why, at its declaration and the environment that uses it.
fn failed(input: &Input<'_>, name: &str, why: String) -> Diagnostic {
    let environment = input.environment;
    let mut diagnostic = Diagnostic::error(Code::TargetFailed, format!("the `{name}` target failed: {why}"))
        .help("fix the target's program; `stave compile --emit target-request` prints the request it gets");
    if let Some(declared) = environment.external_targets.get(name) {
        diagnostic = diagnostic.label(declared.span, "the program is declared here");
    }
    diagnostic.label(environment.target_span, format!("environment `{}` compiles with it", environment.name))
}

fn single(diagnostic: Diagnostic) -> Diagnostics {
    let mut out = Diagnostics::new();
    out.push(diagnostic);
    out
}
