//! The Terraform target: one root module per environment (`versions.tf`, `variables.tf`,
//! `outputs.tf`, `passwords.tf`, a file per workload and per resource), with no provider
//! configuration and no backend (those are the user's).
//!
//! Workloads are the object layer's objects (`kubernetes_objects::lower`: one lowering, two
//! serializations), converted into the hashicorp/kubernetes provider's typed resources by the
//! schema-driven [`convert`]er (`kubernetes_manifest` for custom resources). Resources are what
//! their provisioners return: Kubernetes objects (the in-cluster library) and Terraform blocks
//! (`blocks.rs`, the `builtin:aws` library). Outputs that are Terraform expressions travel through
//! the lowering as markers and come out as references; generated values become `random_password`
//! results (`values.rs`), ephemeral wherever every use is write-only. Checks: labels Terraform can
//! use, one owner per address, providers it knows, references to blocks the module declares.

mod assemble;
mod blocks;
pub mod convert;
mod hcl;
mod module;
pub mod schema;
mod values;

use super::kubernetes_objects::{self, OwnerRef};
use super::{Backend, Emitted, Input, Layout, Options, TargetOption};
use crate::builtins::Target;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Resource;
use crate::ir::Workload;
use crate::provision::{ProvisionedResource, TargetModel};

/// The Terraform target.
#[derive(Debug)]
pub(crate) struct Terraform;

impl Backend for Terraform {
    /// Terraform generates the values itself when it applies (`random_password`).
    fn model(&self) -> &dyn TargetModel {
        &kubernetes_objects::MODEL_GENERATING_AT_APPLY
    }

    fn options(&self, _target: Target) -> &'static [TargetOption] {
        super::KUBERNETES_OPTIONS
    }

    /// A Terraform block by its address (`aws_db_instance.db`), a Kubernetes object as `Kind/name`.
    fn object_name(&self, _target: Target, object: &serde_json::Value, _index: usize) -> String {
        if blocks::is_block(object) {
            blocks::parse(object).map_or_else(|_| "?".to_string(), |block| block.address())
        } else {
            kubernetes_objects::patches::display(object)
        }
    }

    fn emit(&self, _target: Target, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics> {
        let mut out = Diagnostics::new();
        let mut files = Vec::new();
        for input in inputs {
            let prefix = if inputs.len() > 1 { format!("{}/", input.environment.name) } else { String::new() };
            if let Some(module) = assemble::module(input, options, &mut out) {
                files.extend(module.files(&prefix));
            }
        }
        if out.has_errors() {
            Err(out.sorted())
        } else {
            Ok(Emitted {
                files,
                layout: Layout::Directory,
                what: "a Terraform root module is a directory".into(),
                warnings: out.sorted(),
            })
        }
    }
}

/// Who declares a block.
#[derive(Debug, Clone, Copy)]
enum Owner<'a> {
    Environment(&'a crate::platform::Environment),
    Workload(&'a Workload),
    Resource(&'a Resource, &'a ProvisionedResource),
}

impl<'a> Owner<'a> {
    fn of(owner: &OwnerRef, input: &Input<'a>) -> Option<Owner<'a>> {
        match owner {
            OwnerRef::Environment => Some(Owner::Environment(input.environment)),
            OwnerRef::Workload { name, .. } => input.workloads.iter().find(|w| &w.name == name).map(Owner::Workload),
            OwnerRef::Resource { uid } => {
                Some(Owner::Resource(input.graph.resources.get(uid)?, input.provisioned.resources.get(uid)?))
            }
        }
    }

    fn describe(&self) -> String {
        match self {
            Owner::Environment(e) => format!("environment `{}`", e.name),
            Owner::Workload(w) => format!("workload `{}`", w.name),
            Owner::Resource(r, p) => format!("provisioner `{}` for resource `{}`", p.provisioner, r.uid),
        }
    }

    fn label(&self, diagnostic: Diagnostic, text: &str) -> Diagnostic {
        match self {
            Owner::Environment(e) => diagnostic.label(e.span, format!("{text}: environment `{}`", e.name)),
            Owner::Workload(w) => diagnostic.label(w.name_span, format!("{text}: workload `{}`", w.name)),
            Owner::Resource(r, p) => diagnostic
                .label(r.declarations[0].span, format!("{text}: resource `{}`", r.uid))
                .label(p.provisioner_span, format!("provisioner `{}`", p.provisioner)),
        }
    }

    /// The file its blocks go to.
    fn file(&self) -> String {
        match self {
            Owner::Environment(_) => "namespace.tf".into(),
            Owner::Workload(w) => format!("workload-{}.tf", w.name),
            Owner::Resource(r, _) => format!("resource-{}-{}.tf", r.kind, r.dns_name()),
        }
    }

    fn provisioner(&self) -> Option<&'a str> {
        match self {
            Owner::Resource(_, p) => Some(&p.provisioner),
            _ => None,
        }
    }
}

fn error(code: Code, owner: &Owner<'_>, message: String, help: &str) -> Diagnostic {
    owner.label(Diagnostic::error(code, message), "declared by").help(help)
}
