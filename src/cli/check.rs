//! `stave check`: load, validate and check placeholders; with `--provision`, also build the graph
//! and provision the resources for the environment, as `compile` does. Writes nothing.

use clap::Args;

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs, inputs};
use crate::pipeline::{self, Stage};
use crate::source::Sources;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// Also build the graph and provision every resource for the environment (unknown types,
    /// bad params, missing outputs, links and cycles), as `compile` does.
    #[arg(long)]
    provision: bool,
}

pub fn run(args: CheckArgs, reporter: &Reporter) -> Outcome {
    let request = match inputs::request(&args.input, &args.platform, false) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    let mut sources = Sources::new();
    let stage = if args.provision { Stage::Provision } else { Stage::Load };
    let (_, diagnostics) = pipeline::run(&request, stage, &mut sources);
    let outcome = reporter.emit(&diagnostics, &sources);
    let what = match request.inputs.len() {
        1 => "checked 1 workload file".to_string(),
        n => format!("checked {n} workload files"),
    };
    reporter.summary(&diagnostics, &what);
    outcome
}
