//! `stave graph`: the dependency graph of workloads and resources, as dot, mermaid or JSON.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs, inputs};
use crate::graph;
use crate::pipeline::{self, Stage};
use crate::source::Sources;

#[derive(Debug, Args)]
pub struct GraphArgs {
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

pub fn run(args: GraphArgs, reporter: &Reporter) -> Outcome {
    let request = match inputs::request(&args.input, &args.platform, false) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    let mut sources = Sources::new();
    let (compiled, diagnostics) = pipeline::run(&request, Stage::Graph, &mut sources);
    let outcome = reporter.emit(&diagnostics, &sources);
    if outcome != Outcome::Success {
        return outcome;
    }
    let Some(compiled) = compiled else { return Outcome::InvalidInput };
    let Some(graph) = &compiled.graph else { return Outcome::InvalidInput };
    let format = match args.format {
        GraphFormat::Dot => graph::Format::Dot,
        GraphFormat::Mermaid => graph::Format::Mermaid,
        GraphFormat::Json => graph::Format::Json,
    };
    let text = graph::render(graph, format, &compiled.choices);
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    outcome
}
