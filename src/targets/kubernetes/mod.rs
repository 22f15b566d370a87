//! The kubernetes target: the object layer's objects (`targets::kubernetes_objects`) written as
//! they are, one YAML stream in apply order for an environment, or a directory of streams, one
//! per environment.

use super::kubernetes_objects;
use super::{Backend, Emitted, Input, Layout, Options, TargetOption};
use crate::builtins::Target;
use crate::diagnostics::Diagnostics;
use crate::provision::TargetModel;

/// The kubernetes target.
#[derive(Debug)]
pub(crate) struct Kubernetes;

impl Backend for Kubernetes {
    fn model(&self) -> &dyn TargetModel {
        &kubernetes_objects::MODEL
    }

    fn options(&self, _target: Target) -> &'static [TargetOption] {
        super::KUBERNETES_OPTIONS
    }

    fn object_name(&self, _target: Target, object: &serde_json::Value, _index: usize) -> String {
        kubernetes_objects::patches::display(object)
    }

    fn emit(&self, _target: Target, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics> {
        let mut out = Diagnostics::new();
        let mut files = Vec::new();
        for input in inputs {
            let prefix = if inputs.len() > 1 { format!("{}/", input.environment.name) } else { String::new() };
            files.extend(kubernetes_objects::manifests(input, options, &prefix, &mut out));
        }
        let layout = if inputs.len() > 1 { Layout::Directory } else { Layout::Stream };
        if out.has_errors() {
            Err(out.sorted())
        } else {
            let names: Vec<String> = inputs.iter().map(|i| format!("`{}`", i.environment.name)).collect();
            let what = format!(
                "{} environments ({}) compile to a directory each (or pass `--env` to print one)",
                names.len(),
                names.join(", ")
            );
            Ok(Emitted { files, layout, what, warnings: out.sorted() })
        }
    }
}
