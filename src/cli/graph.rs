//! `stave graph`: the dependency graph of workloads and resources, as dot, mermaid or JSON.

use clap::{Args, ValueEnum};

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs};
use crate::graph;
use crate::pipeline::Stage;

#[derive(Debug, Args)]
pub(crate) struct GraphArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// The output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    format: GraphFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    Dot,
    Mermaid,
    Json,
}

pub(crate) fn run(args: GraphArgs, reporter: &Reporter) -> Outcome {
    let compiled = match reporter.run_flags(&args.input, &args.platform, Stage::Graph) {
        Ok((compiled, _)) => compiled,
        Err(outcome) => return outcome,
    };
    let Some(graph) = &compiled.graph else { return Outcome::InvalidInput };
    let format = match args.format {
        GraphFormat::Dot => graph::Format::Dot,
        GraphFormat::Mermaid => graph::Format::Mermaid,
        GraphFormat::Json => graph::Format::Json,
    };
    let text = graph::render(graph, format, &compiled.choices.names(&compiled.registry));
    reporter.console().out(text.as_bytes());
    Outcome::Success
}
