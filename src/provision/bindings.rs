//! The bindings table: every resource placeholder of every workload (in variables, file contents
//! and volume sources) mapped to the symbolic output it reads. Built once, after provisioning;
//! a placeholder naming an output the resource does not return is reported here, at its place.
//! Targets lower what this table holds and never resolve a placeholder again.

use std::collections::BTreeMap;

use super::output::{Output, Walked, walk};
use super::params::missing_output;
use super::{Inputs, Provisioned, lookup};
use crate::diagnostics::Diagnostics;
use crate::ir::{FileContent, ResourceRef, Workload};
use crate::sorted::SortedMap;

/// A placeholder within one workload: the resource's name there, and the path into its outputs.
type Key = (String, Vec<String>);

/// Every workload's placeholders and the outputs they read.
#[derive(Debug, Default)]
pub struct Bindings {
    /// Each workload's table, frozen at its exact size.
    by_workload: BTreeMap<String, SortedMap<Key, Output>>,
}

impl Bindings {
    /// The output `reference` reads in `workload`; `None` when it was not bound (provisioning
    /// reported why).
    pub fn get(&self, workload: &str, reference: &ResourceRef) -> Option<&Output> {
        self.by_workload.get(workload)?.get(&(reference.resource.clone(), reference.path.clone()))
    }

    /// How many distinct placeholders are bound, over all workloads.
    pub fn len(&self) -> usize {
        self.by_workload.values().map(SortedMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The same table with every output passed through `f`: for a target that lowers some
    /// outputs its own way (into markers) before reusing another target's lowering.
    pub fn map(&self, f: &mut dyn FnMut(&Output) -> Output) -> Bindings {
        let by_workload = self
            .by_workload
            .iter()
            .map(|(workload, bound)| (workload.clone(), bound.iter().map(|(k, o)| (k.clone(), f(o))).collect()))
            .collect();
        Bindings { by_workload }
    }
}

/// Every resource placeholder a target lowers: in variables, file contents and volume sources.
pub fn references(workload: &Workload) -> impl Iterator<Item = &ResourceRef> {
    workload.containers.values().flat_map(|container| {
        let variables = container.variables.values().flat_map(|t| t.references());
        let files = container.files.values().flat_map(|file| match &file.content {
            FileContent::Text(t) => t.references().collect::<Vec<_>>(),
            FileContent::Binary(_) => Vec::new(),
        });
        let volumes = container.volumes.values().flat_map(|v| v.source.references());
        variables.chain(files).chain(volumes)
    })
}

pub(super) fn bind(inputs: &Inputs<'_>, provisioned: &Provisioned, out: &mut Diagnostics) -> Bindings {
    use rayon::prelude::*;
    // Each workload's on its own (in parallel); the diagnostics in workload order.
    let bound: Vec<_> = inputs
        .workloads
        .par_iter()
        .map(|workload| {
            let mut found = Diagnostics::new();
            let mut bound = BTreeMap::new();
            for reference in references(workload) {
                let key = (reference.resource.clone(), reference.path.clone());
                if bound.contains_key(&key) {
                    continue;
                }
                // An undeclared resource was reported by the front end.
                let Some((provided, uid)) = lookup(inputs, provisioned, &workload.name, &reference.resource) else {
                    continue;
                };
                match walk(&provided.outputs, &reference.path) {
                    Ok(walked) => {
                        let output = match walked {
                            Walked::Output(output) => output.clone(),
                            Walked::Json(json) => Output::Value(json),
                            Walked::All(all) => Output::Map(all.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
                        };
                        bound.insert(key, output);
                    }
                    Err((depth, keys)) => found.push(missing_output(reference, &uid, depth, &keys, inputs.environment)),
                }
            }
            (workload.name.clone(), bound, found)
        })
        .collect();
    let mut bindings = Bindings::default();
    for (name, bound, found) in bound {
        out.extend(found);
        bindings.by_workload.insert(name, bound.into());
    }
    bindings
}
