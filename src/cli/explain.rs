//! `stave explain UID`: which provisioner serves a resource in an environment, and why;
//! `stave explain Kind/name`: who emits an object, and which of the platform's patches changed it.

use clap::Args;

use super::report::Reporter;
use super::{InputArgs, Outcome, PlatformArgs};
use crate::pipeline::Stage;
use crate::provision::registry::{Origin, Serving};
use crate::suggest;
use crate::targets::TargetOption;
use crate::targets::kubernetes_objects::{self, OwnerRef};

#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The resource, by UID (`type.class#id` or `type.class#workload.name`), or an emitted
    /// object as `Kind/name` (`Deployment/api`).
    uid: String,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,
    /// Explain the choice for this target instead of the environment's (as `compile --target`).
    #[arg(long, value_parser = super::target_name())]
    target: Option<crate::builtins::Target>,
}

pub(crate) fn run(args: ExplainArgs, reporter: &Reporter) -> Outcome {
    if args.uid.contains('/') && !args.uid.contains('#') {
        return object(&args, reporter);
    }
    let mut request = match super::inputs::request(&args.input, &args.platform, false, reporter.console()) {
        Ok(request) => request,
        Err(message) => return reporter.usage_error(&message),
    };
    request.target = args.target;
    let compiled = match reporter.run(&request, Stage::Graph) {
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
        match p.serving(compiled.target) {
            Some(Serving::Implied) => text.push_str(&format!(
                "   serves {} without listing it: it returns Kubernetes objects (`strictTargets: true` stops that)\n",
                compiled.target.name()
            )),
            Some(Serving::Any) => text.push_str("   serves every target: it lists none and returns outputs only\n"),
            _ => {}
        }
        if let Some(description) = &p.description {
            text.push_str(&format!("   {}\n", description.trim()));
        }
    }
    text.push_str(
        "\nrule: the most specific match wins (id over class over type); at equal specificity an \
        environment's own provisioners come before the built-in ones, then those that list the target before \
        those that serve it by implication, then those that serve every target, then file order.\n",
    );
    reporter.console().out(text.as_bytes());
    Outcome::Success
}

/// The object `Kind/name` as the environment emits it: its owner, and the patches that changed it.
fn object(args: &ExplainArgs, reporter: &Reporter) -> Outcome {
    let (compiled, sources) = match reporter.run_flags(&args.input, &args.platform, Stage::Provision) {
        Ok(result) => result,
        Err(outcome) => return outcome,
    };
    if let Some(message) =
        crate::targets::refuse(compiled.target, TargetOption::ExplainObject, &compiled.environment.name)
    {
        return reporter
            .usage_error(&format!("{message} (`stave compile --emit target-request` shows what the target gets)"));
    }
    let Some(input) = compiled.target_input(&sources) else { return Outcome::InvalidInput };
    let mut diagnostics = crate::diagnostics::Diagnostics::new();
    let lowered = kubernetes_objects::lower(&input, &crate::targets::Options::default(), &mut diagnostics);
    let outcome = reporter.emit(&diagnostics, &sources);
    if outcome != Outcome::Success {
        return outcome;
    }
    let names: Vec<String> = lowered.iter().map(|l| kubernetes_objects::patches::display(&l.object)).collect();
    let Some(index) = names.iter().position(|n| n.eq_ignore_ascii_case(&args.uid)) else {
        let listing = names.iter().map(|n| format!("  {n}")).collect::<Vec<_>>().join("\n");
        return reporter.usage_error(&format!(
            "no object `{}` in what environment `{}` emits{}; the objects are:\n{listing}",
            args.uid,
            compiled.environment.name,
            suggest::hint(&args.uid, names.iter().map(String::as_str))
        ));
    };
    let item = &lowered[index];
    let owner = match &item.owner {
        OwnerRef::Environment => format!("environment `{}` (`--generate-namespace`)", compiled.environment.name),
        OwnerRef::Resource { uid } => format!("resource `{uid}` (see `stave explain {uid}`)"),
        OwnerRef::Workload { name, part } => format!("workload `{name}` ({part})"),
    };
    let mut text =
        format!("object `{}` in environment `{}`\n  emitted by: {owner}\n", names[index], compiled.environment.name);
    if item.patched_by.is_empty() {
        text.push_str("  patched by: no patch of the platform file\n");
    } else {
        text.push_str("  patched by, in order:\n");
        for patch in &item.patched_by {
            text.push_str(&format!("    - {patch}\n"));
        }
    }
    reporter.console().out(text.as_bytes());
    Outcome::Success
}
