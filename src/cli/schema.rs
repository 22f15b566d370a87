//! `stave schema`: print a JSON Schema that Stave enforces.

use std::io::Write;

use clap::{Args, ValueEnum};

use super::Outcome;
use crate::spec::schema::WORKLOAD_SCHEMA;

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema.
    #[arg(value_enum)]
    which: Which,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    /// The Score workload file (score.dev/v1b1).
    Workload,
}

pub fn run(args: &SchemaArgs) -> Outcome {
    let text = match args.which {
        Which::Workload => WORKLOAD_SCHEMA,
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Outcome::Success
}
