//! `stave check`: load, validate and check placeholders; with `--provision`, also build the graph,
//! provision the resources and emit the environment's target in memory, as `compile` does.
//! Writes nothing.

use clap::Args;

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs, TargetArgs, inputs};
use crate::pipeline::{self, Stage};
use crate::source::Sources;
use crate::targets::{self, Options};

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// Also build the graph, provision every resource and emit the target in memory (unknown
    /// types, bad params, missing outputs, links, cycles, target errors), as `compile` does.
    #[arg(long)]
    provision: bool,

    #[command(flatten)]
    target: TargetArgs,
}

pub fn run(args: CheckArgs, reporter: &Reporter) -> Outcome {
    let mut request = match inputs::request(&args.input, &args.platform, false) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    if let Err(message) = args.target.apply(&mut request) {
        return reporter.usage_error(&message);
    }
    let mut sources = Sources::new();
    let stage = if args.provision { Stage::Provision } else { Stage::Load };
    // Every environment (or the one `--env` names), each with its own overrides and provisioners.
    let (compiled, mut diagnostics) = pipeline::run_all(&request, stage, &mut sources);
    let inputs: Option<Vec<_>> = compiled.iter().map(pipeline::Compiled::target_input).collect();
    if args.provision
        && !diagnostics.has_errors()
        && let (Some(inputs), Some(first)) = (inputs, compiled.first())
    {
        match targets::emit(first.target, &inputs, &Options::default()) {
            Ok(emitted) => diagnostics.extend(emitted.warnings),
            Err(found) => diagnostics.extend(found),
        }
    }
    let diagnostics = diagnostics.sorted();
    let outcome = reporter.emit(&diagnostics, &sources);
    let mut what = match request.inputs.len() {
        1 => "checked 1 workload file".to_string(),
        n => format!("checked {n} workload files"),
    };
    if compiled.len() > 1 {
        what.push_str(&format!(" in {} environments", compiled.len()));
    }
    what.push_str(&format!(" ({})", super::platform_used(request.platform.as_deref())));
    reporter.summary(&diagnostics, &what);
    outcome
}
