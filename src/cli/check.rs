//! `stave check`: everything `compile` does short of writing, for every environment in its own
//! target (schema, placeholders, graph, provisioning, outputs, links, the target's own checks),
//! in one report; with `--schema-only`, loading alone (for editors). Writes nothing.

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

    /// Only read and validate the files (schema, placeholders, Score's rules): no graph, no
    /// provisioning, no target. Faster, for editors; `check` alone finds everything `compile` would.
    #[arg(long)]
    schema_only: bool,

    /// What `check` does anyway (kept so that older scripts keep working).
    #[arg(long, hide = true, conflicts_with = "schema_only")]
    provision: bool,

    #[command(flatten)]
    target: TargetArgs,
}

pub(crate) fn run(args: CheckArgs, reporter: &Reporter) -> Outcome {
    let mut request = match inputs::request(&args.input, &args.platform, false, reporter.console()) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    if let Err(message) = args.target.apply(&mut request) {
        return reporter.usage_error(&message);
    }
    // Every environment (or the one `--env` names), each with its own overrides and provisioners.
    let depth = if args.schema_only { api::Depth::SchemaOnly } else { api::Depth::Everything };
    let checked = api::check(&request, depth);
    let (diagnostics, sources) = (&checked.diagnostics, &checked.sources);
    let outcome = reporter.emit(diagnostics, sources);
    let what = summary(request.inputs.len(), checked.environments.len(), request.platform.as_deref());
    reporter.summary(diagnostics, &what);
    if !checked.left_out.is_empty() {
        reporter.note(&left_out(&checked.left_out));
    }
    outcome
}

/// The line after the summary that says what the errors kept from being checked.
pub fn left_out(what: &[String]) -> String {
    format!("not checked because of the errors: {}", what.join(", "))
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
