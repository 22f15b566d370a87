//! The diagnostics of provisioning that fails: no provisioner for a resource (naming those of its
//! type that serve other targets only), a provisioner file's template that does not compile, a
//! provisioner that failed for a resource (its template's or command's message), and a render
//! stopped by its budget.

use super::registry::Provisioner;
use super::template::{BYTES_PER_FUEL, FUEL};
use super::{Inputs, generated};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Resource;
use crate::suggest;

pub(super) fn no_provisioner(resource: &Resource, inputs: &Inputs<'_>) -> Diagnostic {
    let types = inputs.registry.types_for(inputs.target);
    // Provisioners of the type that serve other targets only: the type is right, the target is not.
    let elsewhere: Vec<&Provisioner> = inputs
        .registry
        .provisioners
        .iter()
        .filter(|p| p.kind == resource.kind && p.serving(inputs.target).is_none())
        .collect();
    let hint = if elsewhere.is_empty() { suggest::hint(&resource.kind, types.iter().copied()) } else { String::new() };
    let found: Vec<String> = elsewhere
        .iter()
        .map(|p| {
            let strict = if p.strict_targets { ", with `strictTargets: true`" } else { "" };
            format!("provisioner `{}` ({}) serves it for {}{strict}", p.name, p.file, targets_of(p))
        })
        .collect();
    let found = if found.is_empty() { String::new() } else { format!(": {}", found.join("; ")) };
    let mut diagnostic = Diagnostic::error(
        Code::NoProvisioner,
        format!(
            "no provisioner serves resource type `{}` (class `{}`) for target {} in environment `{}`{hint}{found}",
            resource.kind,
            resource.class,
            inputs.target.name(),
            inputs.environment.name
        ),
    );
    for declaration in &resource.declarations {
        diagnostic = diagnostic.label(declaration.span, format!("`{}` is declared here", resource.uid));
    }
    for provisioner in &elsewhere {
        diagnostic = diagnostic.label(
            provisioner.span,
            format!("`{}` serves `{}` for {} only", provisioner.name, resource.kind, targets_of(provisioner)),
        );
    }
    let target = inputs.target.name();
    if elsewhere.iter().any(|p| p.strict_targets) {
        return diagnostic.help(format!(
            "`strictTargets: true` keeps a provisioner to the targets it lists: add `{target}` to its `targets` if \
            what it returns suits {target}, remove `strictTargets`, or add a provisioner for {target}"
        ));
    }
    if !elsewhere.is_empty() {
        return diagnostic.help(format!(
            "a provisioner serves the targets it lists (and, if it lists `kubernetes` or `helm`, every target that \
            takes Kubernetes objects): add `{target}` to its `targets` if what it returns suits {target}, or add a \
            provisioner for `{}` with `targets: [{target}]`",
            resource.kind
        ));
    }
    diagnostic.help(format!(
        "add a provisioner for `{}` to a provisioner file of the environment (see the book's Provisioners \
        chapter), or use a served type: {}",
        resource.kind,
        types.iter().map(|t| format!("`{t}`")).collect::<Vec<_>>().join(", ")
    ))
}

/// "targets kubernetes, helm", "target terraform".
fn targets_of(provisioner: &Provisioner) -> String {
    let names: Vec<&str> = provisioner.targets.iter().map(|t| t.name()).collect();
    let word = if names.len() == 1 { "target" } else { "targets" };
    format!("{word} {}", names.join(", "))
}

/// A template of the provisioner that does not compile.
pub(super) fn syntax_error(provisioner: &Provisioner, message: &str) -> Diagnostic {
    Diagnostic::error(
        Code::ProvisionerFailed,
        format!("provisioner `{}` has a template error: {message}", provisioner.name),
    )
    .label(provisioner.span, "in this provisioner")
    .help("fix the minijinja template in the provisioner file")
}

pub(super) fn failed(resource: &Resource, provisioner: &Provisioner, message: impl Into<String>) -> Diagnostics {
    one(Diagnostic::error(
        Code::ProvisionerFailed,
        format!(
            "provisioner `{}` ({}) failed for resource `{}`: {}",
            provisioner.name,
            provisioner.file,
            resource.uid,
            generated::describe_text(&message.into())
        ),
    )
    .label(resource.declarations[0].span, "the resource")
    .label(provisioner.span, "the provisioner")
    .help("the message comes from the provisioner's template or command; fix the params or the provisioner"))
}

/// The render of `at` (`outputs.url`, `objects`) for the resource used up its budget.
pub(super) fn over_budget(resource: &Resource, provisioner: &Provisioner, at: &str) -> Diagnostics {
    one(Diagnostic::error(
        Code::ProvisionerFailed,
        format!(
            "provisioner `{}` ({}) used more than its budget of time or memory rendering `{at}` for resource `{}`, and \
            was stopped",
            provisioner.name, provisioner.file, resource.uid
        ),
    )
    .label(resource.declarations[0].span, "the resource")
    .label(provisioner.span, "the provisioner")
    .help(format!(
        "one render may run {} million steps and create about {} MiB of text and values; a template that grows a value \
        in a loop or a recursive macro (`~`, `*`, `replace`) or loops without end never fits: bound it",
        FUEL / 1_000_000,
        (FUEL * BYTES_PER_FUEL as u64) >> 20
    )))
}

fn one(diagnostic: Diagnostic) -> Diagnostics {
    let mut out = Diagnostics::new();
    out.push(diagnostic);
    out
}
