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
    args.target.apply(&mut request);
    let mut sources = Sources::new();
    let stage = if args.provision { Stage::Provision } else { Stage::Load };
    let (compiled, mut diagnostics) = pipeline::run(&request, stage, &mut sources);
    if args.provision
        && !diagnostics.has_errors()
        && let Some(compiled) = &compiled
        && let Some(input) = compiled.target_input()
    {
        match targets::emit(compiled.target, &[input], &Options::default()) {
            Ok(emitted) => diagnostics.extend(emitted.warnings),
            Err(found) => diagnostics.extend(found),
        }
    }
    let diagnostics = diagnostics.sorted();
    let outcome = reporter.emit(&diagnostics, &sources);
    let what = match request.inputs.len() {
        1 => "checked 1 workload file".to_string(),
        n => format!("checked {n} workload files"),
    };
    reporter.summary(&diagnostics, &what);
    outcome
}
