//! `stave schema`: print a JSON Schema that Stave enforces.

use super::report::Reporter;

use clap::{Args, ValueEnum};

use super::Outcome;
use crate::builtins::{
    PLATFORM_SCHEMA, PROVISIONERS_SCHEMA, TARGET_REQUEST_SCHEMA, TARGET_RESPONSE_SCHEMA, WORKLOAD_SCHEMA,
};

#[derive(Debug, Args)]
pub(crate) struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    which: Which,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    /// The Score workload file (score.dev/v1b1).
    Workload,
    /// The platform file (`stave.yaml`): environments.
    Platform,
    /// A provisioner file.
    Provisioners,
    /// The request an external target's program reads (`stave.dev/target/v1`).
    TargetRequest,
    /// The response an external target's program prints (`stave.dev/target/v1`).
    TargetResponse,
}

pub(crate) fn run(args: &SchemaArgs, reporter: &Reporter<'_>) -> Outcome {
    let text = match args.which {
        Which::Workload => WORKLOAD_SCHEMA,
        Which::Platform => PLATFORM_SCHEMA,
        Which::Provisioners => PROVISIONERS_SCHEMA,
        Which::TargetRequest => TARGET_REQUEST_SCHEMA,
        Which::TargetResponse => TARGET_RESPONSE_SCHEMA,
    };
    reporter.console().out(text.as_bytes());
    Outcome::Success
}
