//! `stave check`: load, validate and check placeholders; write nothing.

use clap::Args;

use super::report::Reporter;
use super::{InputArgs, Outcome, inputs};
use crate::source::Sources;
use crate::spec;

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
}

pub fn run(args: CheckArgs, reporter: &Reporter) -> Outcome {
    let inputs = match inputs::resolve(&args.input, false) {
        Ok(inputs) => inputs,
        Err(message) => return reporter.usage_error(&message),
    };
    let options = match inputs::options(&args.input, inputs.len()) {
        Ok(options) => options,
        Err(message) => return reporter.usage_error(&message),
    };
    let mut sources = Sources::new();
    let loaded = spec::load(&inputs, &options, &mut sources);
    let outcome = reporter.emit(&loaded.diagnostics, &sources);
    let what = match inputs.len() {
        1 => "checked 1 workload file".to_string(),
        n => format!("checked {n} workload files"),
    };
    reporter.summary(&loaded.diagnostics, &what);
    outcome
}
