//! `stave compile`: compile workloads for an environment and target.
//!
//! By default it emits the target's output: for Kubernetes, one YAML stream in apply order, on
//! stdout or in `-o FILE`, or with `-o DIR/` one file per object (see `output.rs` for what `-o`
//! names). `--emit ir` prints the typed IR; `--emit resources` the provisioned resources
//! (provisioner, outputs, objects).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs, TargetArgs, drift, inputs, output, safe_fs};
use crate::diagnostics::Diagnostics;
use crate::pipeline::{self, Stage};
use crate::provision::generated;
use crate::provision::object::Object;
use crate::source::Sources;
use crate::targets::{self, Emitted, File, Layout, Options, TargetOption};

#[derive(Debug, Args)]
pub(crate) struct CompileArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// Compile the example workload bundled into Stave instead of files.
    #[arg(long)]
    example: bool,

    #[command(flatten)]
    target: TargetArgs,

    /// Write to this file (one stream; `-` is standard output), or into this directory (one file
    /// per object) when it exists or ends in `/`; charts and modules always go into a directory.
    #[arg(short = 'o', long = "output", value_name = "FILE|DIR/")]
    output: Option<PathBuf>,

    /// Add the Namespace object (needs a namespace).
    #[arg(long)]
    generate_namespace: bool,

    /// Write nothing: compare with what `-o` holds, print a unified diff (secret values hashed),
    /// and exit 1 when anything would change, 0 when it is up to date.
    #[arg(long)]
    check: bool,

    /// What to emit.
    #[arg(long, value_enum, default_value_t = Emit::Manifests)]
    emit: Emit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Emit {
    /// The target's output.
    Manifests,
    /// The typed intermediate representation, as YAML.
    Ir,
    /// The provisioned resources: provisioner, outputs and objects, as YAML.
    Resources,
    /// The request an external target's program gets (`stave.dev/target/v1`), as JSON, with
    /// generated values as markers (a target declared `generatedValues: clear` gets the values).
    TargetRequest,
}

pub(crate) fn run(args: CompileArgs, reporter: &Reporter) -> Outcome {
    let mut request = match inputs::request(&args.input, &args.platform, args.example, reporter.console()) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    if let Err(message) = args.target.apply(&mut request) {
        return reporter.usage_error(&message);
    }
    if args.emit == Emit::Manifests {
        return match reporter.run_all(&request, Stage::Provision) {
            Ok((compiled, sources)) => {
                let outcome = manifests(&compiled, &sources, &request, &args, reporter);
                keep((compiled, sources));
                outcome
            }
            Err(outcome) => outcome,
        };
    }
    let stage = if args.emit == Emit::Ir { Stage::Load } else { Stage::Provision };
    let (compiled, sources) = match reporter.run(&request, stage) {
        Ok(result) => result,
        Err(outcome) => return outcome,
    };
    let (document, file) = match args.emit {
        Emit::Ir => (serde_json::json!({ "workloads": compiled.workloads }), "ir.yaml"),
        Emit::TargetRequest => {
            let Some(input) = compiled.target_input(&sources) else { return Outcome::InvalidInput };
            let options = crate::targets::Options { generate_namespace: args.generate_namespace, output_name: None };
            let request = match crate::targets::external::request(compiled.target, &[input], &options, false) {
                Ok(request) => request,
                Err(diagnostics) => {
                    reporter.emit(&diagnostics, &sources);
                    return Outcome::InvalidInput;
                }
            };
            let text = serde_json::to_string_pretty(&request).unwrap_or_default() + "\n";
            return print_document(text, "target-request.json", &args, reporter);
        }
        _ => (resources_view(&compiled), "resources.yaml"),
    };
    let text = match serde_saphyr::to_string(&document) {
        Ok(text) => text,
        Err(error) => return reporter.usage_error(&format!("cannot print the result: {error}")),
    };
    print_document(text, file, &args, reporter)
}

/// Prints (or, with `-o FILE`, writes) one document of `--emit`.
fn print_document(text: String, file: &str, args: &CompileArgs, reporter: &Reporter) -> Outcome {
    let emitted = Emitted {
        files: vec![File::new(file, text)],
        layout: Layout::Stream,
        what: String::new(),
        warnings: Diagnostics::new(),
    };
    deliver(&emitted, args, reporter)
}

/// Writes the output where `-o` says, or with `--check` compares it with what is there. Warnings
/// about files left in place go to standard error as notes; where the output goes to a CI log
/// that reads workflow commands ([`super::ci_log`]), the diff is printed through
/// [`drift::for_ci_log`] and flushed before anything goes to standard error.
fn deliver(emitted: &Emitted, args: &CompileArgs, reporter: &Reporter) -> Outcome {
    if !args.check {
        return match output::write(emitted, args.output.as_deref(), &mut **reporter.console().stdout()) {
            Ok(warnings) => {
                for warning in warnings {
                    reporter.note(&format!("warning: {warning}"));
                }
                Outcome::Success
            }
            Err(message) => reporter.usage_error(&message),
        };
    }
    let drift = match drift::check(emitted, args.output.as_deref()) {
        Ok(drift) => drift,
        Err(message) => return reporter.usage_error(&message),
    };
    if !drift.diff.is_empty() {
        let text = if reporter.ci_log() {
            match safe_fs::random_hex(16) {
                Ok(token) => drift::for_ci_log(&drift.diff, &token),
                Err(e) => return reporter.usage_error(&format!("cannot draw a random token: {e}")),
            }
        } else {
            drift.diff
        };
        reporter.console().out(text.as_bytes());
    }
    for warning in &drift.warnings {
        reporter.note(&format!("warning: {warning}"));
    }
    if drift.changed.is_empty() {
        reporter.note("up to date: the compile would change nothing");
        return Outcome::Success;
    }
    let count = drift.changed.len();
    reporter.note(&format!(
        "out of date: {count} file{} would change; run the same command without `--check` to update",
        if count == 1 { "" } else { "s" }
    ));
    Outcome::InvalidInput
}

/// The target's output, through the one entry point of every target and the one writer.
fn manifests(
    compiled: &[pipeline::Compiled],
    sources: &Sources,
    request: &pipeline::Request,
    args: &CompileArgs,
    reporter: &Reporter,
) -> Outcome {
    // An option the target does not take is refused rather than ignored.
    // (`--namespace` is refused by the pipeline, for `check` too.)
    for one in compiled.iter().filter(|_| args.generate_namespace) {
        if let Some(message) = targets::refuse(one.target, TargetOption::GenerateNamespace, &one.environment.name) {
            return reporter.usage_error(&message);
        }
    }
    let inputs = compiled.iter().map(|one| Some((one.target, one.target_input(sources)?))).collect::<Option<Vec<_>>>();
    let Some(inputs) = inputs.filter(|inputs| !inputs.is_empty()) else { return Outcome::InvalidInput };
    let output_name = args.output.as_deref().and_then(|dir| {
        let dir = if dir.as_os_str().is_empty() || dir == std::path::Path::new(".") {
            std::env::current_dir().ok()?
        } else {
            dir.to_path_buf()
        };
        Some(dir.file_name()?.to_string_lossy().into_owned())
    });
    let options = Options { generate_namespace: args.generate_namespace, output_name };
    match targets::emit_each(&inputs, &options) {
        Ok(emitted) => {
            let outcome = reporter.emit(&emitted.warnings, sources);
            if outcome != Outcome::Success {
                reporter.summary(&emitted.warnings, &super::report::failed(request));
                return outcome;
            }
            let outcome = deliver(&emitted, args, reporter);
            keep(emitted);
            outcome
        }
        Err(diagnostics) => {
            let outcome = reporter.emit(&diagnostics, sources);
            reporter.summary(&diagnostics, &super::report::failed(request));
            if outcome == Outcome::Success { Outcome::InvalidInput } else { outcome }
        }
    }
}

/// Leaves `value` unfreed: the process ends once the output is written, and dropping every
/// workload, resource, object and file one by one would only cost time (a sixth of a large
/// compile). The operating system takes the memory back at exit.
fn keep<T>(value: T) {
    std::mem::forget(value);
}

/// The provisioned resources (provisioner, outputs, and their objects as the target names them:
/// `Kind/name` on Kubernetes), then every
/// object once.
fn resources_view(compiled: &pipeline::Compiled) -> serde_json::Value {
    let (Some(provisioned), Some(graph)) = (&compiled.provisioned, &compiled.graph) else {
        return serde_json::Value::Null;
    };
    let names = |objects: &[Object]| -> Vec<String> {
        objects.iter().enumerate().map(|(i, o)| targets::object_name(compiled.target, &o.tree(), i)).collect()
    };
    let resources: serde_json::Map<String, serde_json::Value> = provisioned
        .resources
        .iter()
        .map(|(uid, r)| {
            let mut outputs = serde_json::to_value(&r.outputs).unwrap_or_default();
            generated::describe(&mut outputs);
            let view = serde_json::json!({
                "type": r.kind, "class": r.class, "provisioner": r.provisioner,
                "outputs": outputs, "objects": names(&r.objects),
            });
            (uid.clone(), view)
        })
        .collect();
    // Every object once: a shared instance (the same object for several resources) is one.
    let mut seen = std::collections::BTreeSet::new();
    let objects: Vec<serde_json::Value> = provisioned
        .in_order(graph)
        .flat_map(|r| &r.objects)
        .filter(|o| seen.insert(o.json()))
        .map(|o| {
            // Generated values are shown as what they are, never as values.
            let mut o = o.tree();
            generated::describe(&mut o);
            o
        })
        .collect();
    serde_json::json!({
        "environment": compiled.environment.name,
        "target": compiled.target,
        "resources": resources,
        "objects": objects,
    })
}
