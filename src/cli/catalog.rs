//! `stave catalog`: the workloads and resources of one environment as Backstage entities
//! (`catalog-info.yaml`), printed to standard output; nothing is written when there are errors.
//!
//! The entities come from `crate::backstage`; this file picks the System's name (`--system`,
//! else the name of the directory holding the platform file in use, else of the current one)
//! and the default owner (`--owner`).

use std::path::Path;

use clap::Args;

use super::report::{self, Reporter};
use super::{InputArgs, Outcome, PlatformArgs, inputs};
use crate::backstage::{self, Options};
use crate::pipeline::Stage;

#[derive(Debug, Args)]
pub(crate) struct CatalogArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// The System's name (default: the name of the directory holding the platform file, else of
    /// the current directory).
    #[arg(long, value_name = "NAME")]
    system: Option<String>,

    /// The System's owner, and the owner of every workload without a `stave.dev/owner`
    /// annotation (default: `unknown`, with a warning per workload).
    #[arg(long, value_name = "OWNER")]
    owner: Option<String>,
}

pub(crate) fn run(args: CatalogArgs, reporter: &Reporter) -> Outcome {
    let request = match inputs::request(&args.input, &args.platform, false, reporter.console()) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    let system = match &args.system {
        Some(name) if backstage::is_entity_name(name) => name.clone(),
        Some(name) => {
            return reporter.usage_error(&format!(
                "`--system {name}` is not a Backstage entity name: at most 63 letters, digits, `-`, `_` and `.`, \
                starting and ending with a letter or digit"
            ));
        }
        None => default_system(request.platform.as_deref()),
    };
    if let Some(owner) = &args.owner
        && !backstage::is_entity_ref(owner)
    {
        return reporter.usage_error(&format!(
            "`--owner {owner}` is not a Backstage entity reference, such as `group:payments` or `payments`"
        ));
    }
    let (compiled, sources) = match reporter.run(&request, Stage::Graph) {
        Ok(done) => done,
        Err(outcome) => return outcome,
    };
    let Some(graph) = &compiled.graph else { return Outcome::InvalidInput };
    let options = Options { system, owner: args.owner.clone() };
    match backstage::entities(&compiled.workloads, graph, &options) {
        Ok((entities, warnings)) => {
            let outcome = reporter.emit(&warnings, &sources);
            if outcome != Outcome::Success {
                reporter.summary(&warnings, &report::failed(&request));
                return outcome;
            }
            let text = backstage::to_yaml(&entities);
            reporter.console().out(text.as_bytes());
            Outcome::Success
        }
        Err(errors) => {
            reporter.emit(&errors, &sources);
            reporter.summary(&errors, &report::failed(&request));
            Outcome::InvalidInput
        }
    }
}

/// The name of the directory holding the platform file (else the current one), as an entity
/// name; `stave` when that gives nothing usable.
fn default_system(platform: Option<&Path>) -> String {
    let dir = match platform.and_then(Path::parent) {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    std::fs::canonicalize(&dir)
        .ok()
        .and_then(|dir| dir.file_name().and_then(|n| n.to_str()).and_then(backstage::entity_name))
        .unwrap_or_else(|| "stave".to_string())
}
