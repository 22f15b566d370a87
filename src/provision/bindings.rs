//! The bindings table: every resource placeholder of every workload (in variables, file contents
//! and volume sources) mapped to the symbolic output it reads. Built once, after provisioning;
//! a placeholder naming an output the resource does not return is reported here, at its place.
//! Targets lower what this table holds and never resolve a placeholder again.

use std::collections::BTreeMap;

use super::output::{Output, Walked, walk};
use super::params::missing_output;
use super::{Inputs, Provisioned, lookup};
use crate::diagnostics::Diagnostics;
use crate::ir::{FileContent, Part, ResourceRef, Template, Workload};
use crate::score::expansion::{Meter, Verdict};
use crate::sorted::SortedMap;

/// A placeholder within one workload: the resource's name there, and the path into its outputs.
type Key = (String, Vec<String>);

/// Every workload's placeholders and the outputs they read.
#[derive(Debug, Default)]
pub(crate) struct Bindings {
    /// Each workload's table, frozen at its exact size.
    by_workload: BTreeMap<String, SortedMap<Key, Output>>,
}

impl Bindings {
    /// The output `reference` reads in `workload`; `None` when it was not bound (provisioning
    /// reported why).
    pub(crate) fn get(&self, workload: &str, reference: &ResourceRef) -> Option<&Output> {
        self.by_workload.get(workload)?.get(&(reference.resource.clone(), reference.path.clone()))
    }

    /// The same table with every output passed through `f`: for a target that lowers some
    /// outputs its own way (into markers) before reusing another target's lowering.
    pub(crate) fn map(&self, f: &mut dyn FnMut(&Output) -> Output) -> Bindings {
        let by_workload = self
            .by_workload
            .iter()
            .map(|(workload, bound)| (workload.clone(), bound.iter().map(|(k, o)| (k.clone(), f(o))).collect()))
            .collect();
        Bindings { by_workload }
    }
}

/// Every resource placeholder a target lowers: in variables, file contents and volume sources.
pub(crate) fn references(workload: &Workload) -> impl Iterator<Item = &ResourceRef> {
    templates(workload).flat_map(Template::references)
}

/// Every string of a workload whose resource placeholders a target lowers.
fn templates(workload: &Workload) -> impl Iterator<Item = &Template> {
    workload.containers.values().flat_map(|container| {
        let variables = container.variables.values();
        let files = container.files.values().filter_map(|file| match &file.content {
            FileContent::Text(t) => Some(t),
            FileContent::Binary(_) => None,
        });
        let volumes = container.volumes.values().map(|v| &v.source);
        variables.chain(files).chain(volumes)
    })
}

/// The bytes an output adds where a placeholder reads it: a literal is copied in (a map, or a
/// whole resource, as JSON); a secret or a reference is lowered to a reference, not a copy.
fn expanded_size(output: &Output) -> u64 {
    match output {
        Output::Value(serde_json::Value::String(text)) => text.len() as u64,
        Output::Value(value) => value.to_string().len() as u64,
        Output::Map(_) => serde_json::to_string(output).map_or(0, |text| text.len() as u64),
        Output::Secret { .. } | Output::Reference { .. } => 0,
    }
}

/// Meters what the workload's resource placeholders expand to, after what its metadata
/// placeholders did, against the environment's limits; the first to cross one is reported.
fn meter(inputs: &Inputs<'_>, workload: &Workload, sizes: &BTreeMap<Key, u64>, found: &mut Diagnostics) {
    let meter = Meter::new(inputs.environment.limits, &workload.name, workload.expanded);
    for template in templates(workload) {
        let mut before = 0u64;
        for part in &template.parts {
            match part {
                Part::Text(text) => before += text.len() as u64,
                Part::Resource(reference) => {
                    let key = (reference.resource.clone(), reference.path.clone());
                    let Some(&size) = sizes.get(&key) else { continue };
                    match meter.expand(|| reference.to_placeholder(), reference.span, before, size) {
                        Verdict::Fits => before += size,
                        Verdict::Crossed(diagnostic) => return found.push(*diagnostic),
                        Verdict::Stopped => return,
                    }
                }
            }
        }
    }
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
            let mut sizes = BTreeMap::new();
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
                        sizes.insert(key.clone(), expanded_size(&output));
                        bound.insert(key, output);
                    }
                    Err((depth, keys)) => found.push(missing_output(reference, &uid, depth, &keys, inputs.environment)),
                }
            }
            meter(inputs, workload, &sizes, &mut found);
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
