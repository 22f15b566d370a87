//! `stave check`: load, validate and check placeholders; with `--provision`, also build the graph,
//! provision the resources and lower them for the environment's target, as `compile` does.
//! Writes nothing.

use clap::Args;

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs, inputs};
use crate::pipeline::{self, Stage};
use crate::source::Sources;
use crate::targets::{Target, kubernetes};

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// Also build the graph, provision every resource and lower everything for the environment's
    /// target (unknown types, bad params, missing outputs, links, cycles), as `compile` does.
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
    let (compiled, mut diagnostics) = pipeline::run(&request, stage, &mut sources);
    if let Some(compiled) =
        compiled.filter(|c| args.provision && !diagnostics.has_errors() && c.target == Target::Kubernetes)
        && let Err(found) = kubernetes::emit(&compiled, &kubernetes::Options::default())
    {
        diagnostics.extend(found);
    }
    let outcome = reporter.emit(&diagnostics, &sources);
    let what = match request.inputs.len() {
        1 => "checked 1 workload file".to_string(),
        n => format!("checked {n} workload files"),
    };
    reporter.summary(&diagnostics, &what);
    outcome
}
