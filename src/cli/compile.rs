//! `stave compile`: load workloads and emit them for an environment and target.
//!
//! The graph, provisioners and targets are later stages; today `--emit ir` prints the typed IR.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::report::Reporter;
use super::{InputArgs, Outcome, inputs};
use crate::source::Sources;
use crate::spec;

#[derive(Debug, Args)]
pub struct CompileArgs {
    #[command(flatten)]
    input: InputArgs,

    /// Compile the example workload bundled into Stave instead of files.
    #[arg(long)]
    example: bool,

    /// The environment of the platform file to compile for.
    #[arg(long, value_name = "ENV")]
    env: Option<String>,

    /// The target to emit (overrides the environment's).
    #[arg(long, value_enum)]
    target: Option<Target>,

    /// The platform file describing environments (default: `stave.yaml`).
    #[arg(long, value_name = "FILE")]
    platform: Option<PathBuf>,

    /// Write into this directory (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "DIR")]
    output: Option<PathBuf>,

    /// The Kubernetes namespace of everything emitted.
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,

    /// What to emit.
    #[arg(long, value_enum, default_value_t = Emit::Manifests)]
    emit: Emit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    Kubernetes,
    Helm,
    Terraform,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Emit {
    /// The target's output.
    Manifests,
    /// The typed intermediate representation, as YAML.
    Ir,
}

pub fn run(args: CompileArgs, reporter: &Reporter) -> Outcome {
    let inputs = match inputs::resolve(&args.input, args.example) {
        Ok(inputs) => inputs,
        Err(message) => return reporter.usage_error(&message),
    };
    let options = match inputs::options(&args.input, inputs.len()) {
        Ok(options) => options,
        Err(message) => return reporter.usage_error(&message),
    };
    if args.emit == Emit::Manifests {
        return reporter.usage_error(
            "the kubernetes, helm and terraform targets are not built yet; `--emit ir` prints the typed IR",
        );
    }
    let _ = (&args.env, &args.target, &args.platform, &args.namespace);
    let mut sources = Sources::new();
    let loaded = spec::load(&inputs, &options, &mut sources);
    let outcome = reporter.emit(&loaded.diagnostics, &sources);
    if outcome != Outcome::Success {
        reporter.summary(&loaded.diagnostics, "compile failed; nothing was written");
        return outcome;
    }
    let document = serde_json::json!({ "workloads": loaded.workloads });
    let text = match serde_saphyr::to_string(&document) {
        Ok(text) => text,
        Err(error) => return reporter.usage_error(&format!("cannot print the IR: {error}")),
    };
    match &args.output {
        None => {
            let _ = std::io::stdout().lock().write_all(text.as_bytes());
            Outcome::Success
        }
        Some(dir) => match write_atomically(dir, "ir.yaml", &text) {
            Ok(()) => Outcome::Success,
            Err(error) => reporter.usage_error(&format!("cannot write into `{}`: {error}", dir.display())),
        },
    }
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
