//! `stave compile`: compile workloads for an environment and target.
//!
//! By default it emits the target's output: for Kubernetes, one YAML stream on stdout in apply
//! order, or with `-o DIR` one file per object. `--emit ir` prints the typed IR; `--emit
//! resources` the provisioned resources (provisioner, outputs, objects).

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs, inputs};
use crate::pipeline::{self, Stage};
use crate::source::Sources;
use crate::targets::{Target, kubernetes};

#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// Compile the example workload bundled into Stave instead of files.
    #[arg(long)]
    example: bool,

    /// The target to emit (overrides the environment's).
    #[arg(long, value_enum)]
    target: Option<Target>,

    /// Write into this directory (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: Option<PathBuf>,

    /// The Kubernetes namespace of everything emitted (overrides the environment's).
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,

    /// Add the Namespace object (needs a namespace).
    #[arg(long)]
    generate_namespace: bool,

    /// What to emit.
    #[arg(long, value_enum, default_value_t = Emit::Manifests)]
    emit: Emit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The target's output.
    Manifests,
    /// The typed intermediate representation, as YAML.
    Ir,
    /// The provisioned resources: provisioner, outputs and objects, as YAML.
    Resources,
}

pub fn run(args: CompileArgs, reporter: &Reporter) -> Outcome {
    let mut request = match inputs::request(&args.input, &args.platform, args.example) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    request.target = args.target;
    request.namespace = args.namespace.clone();
    let stage = if args.emit == Emit::Ir { Stage::Load } else { Stage::Provision };
    let (compiled, sources) = match reporter.run(&request, stage) {
        Ok(result) => result,
        Err(outcome) => return outcome,
    };
    if args.emit == Emit::Manifests {
        return manifests(&compiled, &sources, &args, reporter);
    }
    let (document, file) = match args.emit {
        Emit::Ir => (serde_json::json!({ "workloads": compiled.workloads }), "ir.yaml"),
        _ => (resources_view(&compiled), "resources.yaml"),
    };
    let text = match serde_saphyr::to_string(&document) {
        Ok(text) => text,
        Err(error) => return reporter.usage_error(&format!("cannot print the result: {error}")),
    };
    match &args.output {
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Outcome::Success
        }
        Some(dir) => match write_atomically(dir, file, &text) {
            Ok(()) => Outcome::Success,
            Err(error) => reporter.usage_error(&format!("cannot write into `{}`: {error}", dir.display())),
        },
    }
}

/// The target's output.
fn manifests(compiled: &pipeline::Compiled, sources: &Sources, args: &CompileArgs, reporter: &Reporter) -> Outcome {
    if compiled.target != Target::Kubernetes {
        return reporter.usage_error(&format!(
            "the {} target is not built yet; environments can compile to kubernetes (or use `--emit ir` or `--emit resources`)",
            compiled.target.name()
        ));
    }
    let options = kubernetes::Options { generate_namespace: args.generate_namespace };
    let objects = match kubernetes::emit(compiled, &options) {
        Ok(objects) => objects,
        Err(diagnostics) => {
            let outcome = reporter.emit(&diagnostics, sources);
            reporter.summary(&diagnostics, "failed; nothing was written");
            return if outcome == Outcome::Success { Outcome::InvalidInput } else { outcome };
        }
    };
    match &args.output {
        None => match kubernetes::to_yaml_stream(&objects) {
            Ok(text) => {
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
                Outcome::Success
            }
            Err(error) => reporter.usage_error(&format!("cannot print the manifests: {error}")),
        },
        Some(dir) => match kubernetes::write_directory(dir, &objects) {
            Ok(()) => Outcome::Success,
            Err(error) => reporter.usage_error(&format!("cannot write into `{}`: {error}", dir.display())),
        },
    }
}

/// The provisioned resources (provisioner, outputs, and their objects by `Kind/name`), then every
/// object once.
fn resources_view(compiled: &pipeline::Compiled) -> serde_json::Value {
    let Some(provisioned) = &compiled.provisioned else { return serde_json::Value::Null };
    let name = |o: &serde_json::Value| {
        let text = |p: &str| o.pointer(p).and_then(serde_json::Value::as_str).unwrap_or("?").to_string();
        format!("{}/{}", text("/kind"), text("/metadata/name"))
    };
    let resources: serde_json::Map<String, serde_json::Value> = provisioned
        .resources
        .iter()
        .map(|(uid, r)| {
            let view = serde_json::json!({
                "type": r.kind, "class": r.class, "provisioner": r.provisioner,
                "outputs": r.outputs, "objects": r.objects.iter().map(name).collect::<Vec<_>>(),
            });
            (uid.clone(), view)
        })
        .collect();
    serde_json::json!({
        "environment": compiled.environment.name,
        "target": compiled.target,
        "resources": resources,
        "objects": provisioned.objects,
    })
}

/// Writes `name` inside `dir` through a temporary file and a rename, so a reader never sees a
/// half-written file and a failure leaves the previous one in place.
fn write_atomically(dir: &std::path::Path, name: &str, text: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}
