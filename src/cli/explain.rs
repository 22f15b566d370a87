//! `stave explain UID`: which provisioner serves a resource in an environment, and why.

use std::io::Write;

use clap::Args;

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs};
use crate::pipeline::Stage;
use crate::provision::registry::Origin;
use crate::suggest;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The resource, by UID: `type.class#id` or `type.class#workload.name`.
    uid: String,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,
}

pub fn run(args: ExplainArgs, reporter: &Reporter) -> Outcome {
    let compiled = match reporter.run_flags(&args.input, &args.platform, Stage::Graph) {
        Ok((compiled, _)) => compiled,
        Err(outcome) => return outcome,
    };
    let Some(graph) = &compiled.graph else { return Outcome::InvalidInput };
    let Some(resource) = graph.resources.get(&args.uid) else {
        let uids: Vec<&str> = graph.resources.keys().map(String::as_str).collect();
        let listing = uids.iter().map(|u| format!("  {u}")).collect::<Vec<_>>().join("\n");
        return reporter.usage_error(&format!(
            "no resource `{}` in these workloads{}; the resources are:\n{listing}",
            args.uid,
            suggest::hint(&args.uid, uids.iter().copied())
        ));
    };
    let candidates = compiled.choices.candidates(&compiled.registry, &resource.uid);
    let mut text = format!(
        "resource `{}` (type `{}`, class `{}`{})\n  declared by: {}\n  environment `{}`, target {}\n\n",
        resource.uid,
        resource.kind,
        resource.class,
        resource.id.as_ref().map(|id| format!(", id `{id}`")).unwrap_or_default(),
        resource.declarations.iter().map(|d| format!("{}.{}", d.workload, d.name)).collect::<Vec<_>>().join(", "),
        compiled.environment.name,
        compiled.target.name(),
    );
    if candidates.is_empty() {
        text.push_str("no provisioner serves it: `stave compile` reports `stave::provision::no-provisioner`.\n");
    }
    for (rank, p) in candidates.iter().enumerate() {
        let specificity = ["type", "class", "id"][p.specificity() as usize];
        let origin = if p.origin == Origin::Builtin { "built-in" } else { "the environment's" };
        let verdict = if rank == 0 { "CHOSEN" } else { "passed over" };
        text.push_str(&format!(
            "{}. {verdict}: `{}` from {} ({origin})\n   matches on {} (specificity: {specificity})\n",
            rank + 1,
            p.name,
            p.file,
            p.selector()
        ));
        if let Some(description) = &p.description {
            text.push_str(&format!("   {}\n", description.trim()));
        }
    }
    text.push_str("\nrule: the most specific match wins (id over class over type); at equal specificity an environment's own provisioners come before the built-in ones, then file order.\n");
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Outcome::Success
}
