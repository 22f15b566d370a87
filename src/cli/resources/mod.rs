//! `stave resources list` and `stave resources get-outputs`: what each resource of the workloads
//! is met by, and the outputs it returns, as score-k8s's subcommands of the same names print them.
//!
//! Stave keeps no state: both compile the workload files (load, graph, provision; nothing is
//! written) for the environment, then print. Generated values are described, never shown, and a
//! secret output is the Secret key it names, never its value.

mod get_outputs;
mod list;

use clap::Subcommand;

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs};
use crate::pipeline::{Compiled, Stage};
use crate::provision::ProvisionedResource;
use crate::suggest;

#[derive(Debug, Subcommand)]
pub(crate) enum ResourcesCommand {
    /// List the resources of the workloads: UID, type, class, provisioner and output keys.
    List(list::ListArgs),
    /// Print one resource's outputs: as JSON, YAML, or through a template (`{{ host }}`).
    GetOutputs(get_outputs::GetOutputsArgs),
}

pub(crate) fn run(command: ResourcesCommand, reporter: &Reporter) -> Outcome {
    match command {
        ResourcesCommand::List(args) => list::run(&args, reporter),
        ResourcesCommand::GetOutputs(args) => get_outputs::run(&args, reporter),
    }
}

/// Compiles the workloads up to provisioning for one environment.
fn provisioned(input: &InputArgs, platform: &PlatformArgs, reporter: &Reporter) -> Result<Compiled, Outcome> {
    reporter.run_flags(input, platform, Stage::Provision).map(|(compiled, _)| compiled)
}

/// The resource of `uid`, or a usage error that lists the UIDs there are.
fn find<'c>(compiled: &'c Compiled, uid: &str, reporter: &Reporter) -> Result<&'c ProvisionedResource, Outcome> {
    let resources = compiled.provisioned.as_ref().map(|p| &p.resources);
    if let Some(resource) = resources.and_then(|r| r.get(uid)) {
        return Ok(resource);
    }
    let uids: Vec<&str> = resources.into_iter().flat_map(|r| r.keys()).map(String::as_str).collect();
    let listing = uids.iter().map(|u| format!("  {u}")).collect::<Vec<_>>().join("\n");
    Err(reporter.usage_error(&format!(
        "no resource `{uid}` in these workloads{}; the resources are:\n{listing}",
        suggest::hint(uid, uids.iter().copied())
    )))
}
