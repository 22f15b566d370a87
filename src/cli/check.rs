//! `stave check`: load, validate and check placeholders; with `--provision`, also build the graph,
//! provision the resources and emit the environment's target in memory, as `compile` does.
//! Writes nothing.

use clap::Args;

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs, TargetArgs, inputs};
use crate::api;

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
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

pub(crate) fn run(args: CheckArgs, reporter: &Reporter) -> Outcome {
    let mut request = match inputs::request(&args.input, &args.platform, false) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    if let Err(message) = args.target.apply(&mut request) {
        return reporter.usage_error(&message);
    }
    // Every environment (or the one `--env` names), each with its own overrides and provisioners.
    let checked = api::check(&request, args.provision);
    let (diagnostics, sources) = (&checked.diagnostics, &checked.sources);
    let outcome = reporter.emit(diagnostics, sources);
    let what = summary(request.inputs.len(), checked.environments.len(), request.platform.as_deref());
    reporter.summary(diagnostics, &what);
    outcome
}

/// What a check's summary line says it checked: `checked N workload files[ in M environments]
/// (the platform file in use)`; the line then counts the problems.
pub fn summary(files: usize, environments: usize, platform: Option<&std::path::Path>) -> String {
    let mut what = match files {
        1 => "checked 1 workload file".to_string(),
        n => format!("checked {n} workload files"),
    };
    if environments > 1 {
        what.push_str(&format!(" in {environments} environments"));
    }
    what.push_str(&format!(" ({})", super::platform_used(platform)));
    what
}
