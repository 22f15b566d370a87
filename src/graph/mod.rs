//! The dependency graph of workloads and resources (petgraph), and the order everything follows.
//!
//! Nodes are workloads and resources (by UID), inserted in sorted order. Edges: a workload uses a
//! resource; a resource's params use another resource's outputs; a resource links to a workload
//! (`service-port`'s `workload` param, the community `service` type), or to a workload the
//! environment declares as deployed elsewhere (an external node, which nothing is emitted for).
//! Param edges must form no cycle. The order is topological (dependencies first, ties broken by kind then UID or name)
//! and ignores links, since two workloads may well call each other.

pub(crate) mod identity;
pub(crate) mod links;
mod render;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, BinaryHeap};

use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

pub(crate) use identity::Resource;
pub(crate) use render::{Format, render};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Param, Workload};
use crate::platform::ExternalWorkload;
use crate::source::Span;
use crate::suggest;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Node {
    Resource(String),
    Workload(String),
    /// A workload deployed elsewhere that a link names (`externalWorkloads`).
    External(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// A workload declares the resource.
    Uses(Span),
    /// A resource's params use the other resource's outputs (the placeholder).
    Param(Span),
    /// A resource links to a workload (the param or resource naming it).
    Link(Span),
}

impl Edge {
    pub(crate) fn span(self) -> Span {
        match self {
            Edge::Uses(s) | Edge::Param(s) | Edge::Link(s) => s,
        }
    }
}

/// The application's graph and everything settled while building it.
#[derive(Debug)]
pub(crate) struct Graph {
    pub(crate) graph: DiGraph<Node, Edge>,
    pub(crate) resources: BTreeMap<String, Box<Resource>>,
    /// The UID of each `(workload, resource name)`.
    pub(crate) local: BTreeMap<(String, String), String>,
    /// Every node, dependencies first.
    pub(crate) order: Vec<NodeIndex>,
    /// Resources that cannot be provisioned because of an error found while building the graph
    /// (a link to a workload that is missing or failed to load, a conflicting shared
    /// declaration): left out of provisioning, so that the rest is still checked.
    pub(crate) left_out: BTreeSet<String>,
}

impl Graph {
    pub(crate) fn node(&self, node: &Node) -> Option<NodeIndex> {
        find(&self.graph, node)
    }

    /// Resources in provisioning order.
    pub(crate) fn resources_in_order(&self) -> impl Iterator<Item = &Resource> {
        self.order.iter().filter_map(|&i| match &self.graph[i] {
            Node::Resource(uid) => self.resources.get(uid).map(|r| &**r),
            Node::Workload(_) | Node::External(_) => None,
        })
    }

    /// The UIDs a resource's params depend on.
    pub(crate) fn param_dependencies(&self, uid: &str) -> Vec<&str> {
        let Some(index) = self.node(&Node::Resource(uid.to_string())) else { return Vec::new() };
        let mut deps: Vec<&str> = self
            .graph
            .edges_directed(index, Direction::Outgoing)
            .filter(|e| matches!(e.weight(), Edge::Param(_)))
            .filter_map(|e| match &self.graph[e.target()] {
                Node::Resource(uid) => Some(uid.as_str()),
                Node::Workload(_) | Node::External(_) => None,
            })
            .collect();
        deps.sort_unstable();
        deps.dedup();
        deps
    }
}

/// The workload a resource links to, if its type is a link, and where that is said.
pub(crate) fn link_target(resource: &Resource) -> Option<(String, Span)> {
    match resource.kind.as_str() {
        "service-port" => match resource.params.get("workload") {
            Some(Param::String(t)) => t.as_literal().map(|w| (w, t.span)),
            _ => None,
        },
        // The community `service` type: the resource's name (the last part of its id) is the workload.
        "service" => {
            let name = match &resource.id {
                Some(id) => id.rsplit('.').next().unwrap_or(id).to_string(),
                None => resource.declarations[0].name.clone(),
            };
            Some((name, resource.declarations[0].span))
        }
        _ => None,
    }
}

/// A node of a graph whose nodes were added in order, by binary search.
fn find(graph: &DiGraph<Node, Edge>, node: &Node) -> Option<NodeIndex> {
    graph.raw_nodes().binary_search_by(|n| n.weight.cmp(node)).ok().map(NodeIndex::new)
}

/// Builds the graph of `workloads`; a link may also name a workload of `external` (deployed
/// elsewhere) that is not among them, and links to a workload of `failed` (one whose file did
/// not load) are left out without a word: its own errors say why. Returns the graph with every
/// error found; no graph when the order cannot be settled (a cycle).
pub(crate) fn build(
    workloads: &[Workload],
    external: &BTreeMap<String, ExternalWorkload>,
    failed: &BTreeSet<String>,
) -> (Option<Graph>, Diagnostics) {
    let mut out = Diagnostics::new();
    let mut left_out = BTreeSet::new();
    let (resources, local) = identity::settle(workloads, &mut out, &mut left_out);
    let mut graph = DiGraph::new();
    let mut nodes: Vec<Node> = resources.keys().cloned().map(Node::Resource).collect();
    nodes.extend(workloads.iter().map(|w| Node::Workload(w.name.clone())));
    // A workload being compiled wins over a declaration of the same name.
    let linked: BTreeSet<String> = resources
        .values()
        .filter_map(|r| link_target(r).map(|(w, _)| w))
        .filter(|w| external.contains_key(w) && crate::ir::find_workload(workloads, w).is_none())
        .collect();
    nodes.extend(linked.into_iter().map(Node::External));
    // Added in order (each once), so a node is found by its place: no index beside them.
    nodes.sort();
    nodes.dedup();
    for node in nodes {
        graph.add_node(node);
    }
    // Every workload and every resource has its node (added above).
    for workload in workloads {
        let Some(from) = find(&graph, &Node::Workload(workload.name.clone())) else { continue };
        for (name, request) in &workload.resources {
            let Some(uid) = local.get(&(workload.name.clone(), name.clone())) else { continue };
            if let Some(to) = find(&graph, &Node::Resource(uid.clone())) {
                graph.add_edge(from, to, Edge::Uses(request.span));
            }
        }
    }
    for resource in resources.values() {
        let Some(from) = find(&graph, &Node::Resource(resource.uid.clone())) else { continue };
        for param in resource.params.values() {
            for reference in param.references() {
                let key = (resource.source_workload.clone(), reference.resource.clone());
                if let Some(to) = local.get(&key).and_then(|uid| find(&graph, &Node::Resource(uid.clone()))) {
                    graph.add_edge(from, to, Edge::Param(reference.span));
                }
            }
        }
        if let Some((target, span)) = link_target(resource) {
            if let Some(to) = find(&graph, &Node::External(target.clone())) {
                graph.add_edge(from, to, Edge::Link(span));
                continue;
            }
            match find(&graph, &Node::Workload(target.clone())) {
                Some(to) => {
                    graph.add_edge(from, to, Edge::Link(span));
                    if let Some(callee) = crate::ir::find_workload(workloads, &target) {
                        let callers: Vec<(&str, Span)> =
                            resource.declarations.iter().map(|d| (d.workload.as_str(), span)).collect();
                        let errors = out.error_count();
                        links::check(callee, &callers, &mut out);
                        links::check_port(callee, resource, &mut out);
                        if out.error_count() > errors {
                            left_out.insert(resource.uid.clone());
                        }
                    }
                }
                None if failed.contains(&target) => {
                    left_out.insert(resource.uid.clone());
                }
                None => {
                    left_out.insert(resource.uid.clone());
                    let names: Vec<&str> = workloads.iter().map(|w| w.name.as_str()).collect();
                    out.push(
                        Diagnostic::error(
                            Code::UnknownWorkload,
                            format!(
                                "resource `{}` links to workload `{target}`, which is not being \
                                compiled{}",
                                resource.uid,
                                suggest::hint(&target, names.iter().copied())
                            ),
                        )
                        .label(span, "no such workload")
                        .help(format!(
                            "compile the workload files together (`stave compile a.yaml b.yaml`), or declare it under \
                            the environment's `externalWorkloads` in the platform file if it is deployed elsewhere; \
                            the workloads here are: {}",
                            names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                        )),
                    );
                }
            }
        }
    }
    let errors = out.error_count();
    report_cycles(&graph, &mut out);
    if out.error_count() > errors {
        return (None, out.sorted());
    }
    let order = topological_order(&graph);
    (Some(Graph { graph, resources, local, order, left_out }), out.sorted())
}

/// Each strongly connected set of resources over param edges is a cycle: one error naming every
/// member, with a label on the placeholder behind each edge.
fn report_cycles(graph: &DiGraph<Node, Edge>, out: &mut Diagnostics) {
    let params = graph.filter_map(|_, n| Some(n.clone()), |_, e| matches!(e, Edge::Param(_)).then_some(*e));
    let mut components = petgraph::algo::tarjan_scc(&params);
    components.iter_mut().for_each(|c| c.sort_by(|a, b| params[*a].cmp(&params[*b])));
    components.sort_by(|a, b| params[a[0]].cmp(&params[b[0]]));
    for component in components {
        let self_loop = component.len() == 1 && params.find_edge(component[0], component[0]).is_some();
        if component.len() < 2 && !self_loop {
            continue;
        }
        let name = |i: NodeIndex| match &params[i] {
            Node::Resource(uid) | Node::Workload(uid) | Node::External(uid) => uid.clone(),
        };
        let members: Vec<String> = component.iter().map(|&i| format!("`{}`", name(i))).collect();
        let mut diagnostic = Diagnostic::error(
            Code::ResourceCycle,
            format!("resources use each other's outputs in a cycle: {}", members.join(", ")),
        );
        let mut edges: Vec<(Span, String)> = Vec::new();
        for &from in &component {
            for edge in params.edges_directed(from, Direction::Outgoing) {
                if component.contains(&edge.target()) {
                    edges.push((edge.weight().span(), format!("`{}` uses `{}`", name(from), name(edge.target()))));
                }
            }
        }
        edges.sort();
        for (span, text) in edges {
            diagnostic = diagnostic.label(span, text);
        }
        out.push(diagnostic.help(
            "a resource's params cannot depend, through other resources, on its own outputs: \
            remove one of these placeholders",
        ));
    }
}

/// Kahn's algorithm: dependencies (edge targets) first, ties broken by node order; link edges
/// are ignored. Linear in nodes and edges (with a log factor for the heap).
fn topological_order(graph: &DiGraph<Node, Edge>) -> Vec<NodeIndex> {
    let counts = |i: NodeIndex| {
        graph.edges_directed(i, Direction::Outgoing).filter(|e| !matches!(e.weight(), Edge::Link(_))).count()
    };
    let mut remaining: Vec<usize> = graph.node_indices().map(counts).collect();
    let mut ready: BinaryHeap<Reverse<(&Node, NodeIndex)>> =
        graph.node_indices().filter(|&i| remaining[i.index()] == 0).map(|i| Reverse((&graph[i], i))).collect();
    let mut order = Vec::with_capacity(graph.node_count());
    while let Some(Reverse((_, node))) = ready.pop() {
        order.push(node);
        for edge in graph.edges_directed(node, Direction::Incoming) {
            if matches!(edge.weight(), Edge::Link(_)) {
                continue;
            }
            let dependent = edge.source();
            remaining[dependent.index()] -= 1;
            if remaining[dependent.index()] == 0 {
                ready.push(Reverse((&graph[dependent], dependent)));
            }
        }
    }
    order
}
