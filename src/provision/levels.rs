//! The order provisioning may run resources in parallel: levels (wavefronts) of the graph
//! order, each resource after every resource it may read, so that running a level's resources
//! at once sees exactly what running them one by one in graph order would.
//!
//! A resource reads the outputs of the resources its declaring workload has that came before it
//! in graph order (its `outputs`, and the placeholders of its params), so it comes after the
//! earlier resources of every workload that declares it: then no resource a workload's table
//! gains later is visible too early either.

use std::collections::BTreeMap;

use crate::graph::{Graph, Resource};

/// The graph's resources in levels; within a level, in graph order.
pub(crate) fn levels(graph: &Graph) -> Vec<Vec<&Resource>> {
    let mut levels: Vec<Vec<&Resource>> = Vec::new();
    // The deepest level so far of a resource each workload declares.
    let mut deepest: BTreeMap<&str, usize> = BTreeMap::new();
    let mut level_of: BTreeMap<&str, usize> = BTreeMap::new();
    for resource in graph.resources_in_order() {
        let after_workloads = resource.declarations.iter().filter_map(|d| deepest.get(d.workload.as_str())).max();
        let after_params =
            graph.param_dependencies(&resource.uid).into_iter().filter_map(|uid| level_of.get(uid)).max();
        let level = after_workloads.into_iter().chain(after_params).max().map_or(0, |l| l + 1);
        for declaration in &resource.declarations {
            deepest.insert(declaration.workload.as_str(), level);
        }
        level_of.insert(resource.uid.as_str(), level);
        if levels.len() <= level {
            levels.resize_with(level + 1, Vec::new);
        }
        levels[level].push(resource);
    }
    levels
}
