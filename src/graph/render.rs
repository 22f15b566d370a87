//! Printing the graph: Graphviz dot, Mermaid, or JSON. Nodes in sorted order, so the output is
//! stable.

use std::collections::BTreeMap;
use std::fmt::Write;

use petgraph::visit::EdgeRef;

use super::{Edge, Graph, Node};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Dot,
    Mermaid,
    Json,
}

struct NodeView {
    id: String,
    label: String,
    kind: &'static str,
    json: serde_json::Value,
}

fn view(graph: &Graph, node: &Node, provisioners: &BTreeMap<String, String>) -> NodeView {
    match node {
        Node::Workload(name) => NodeView {
            id: format!("workload:{name}"),
            label: format!("workload {name}"),
            kind: "workload",
            json: serde_json::json!({ "id": format!("workload:{name}"), "kind": "workload", "name": name }),
        },
        Node::External(name) => NodeView {
            id: format!("external:{name}"),
            label: format!("workload {name}\\n(deployed elsewhere)"),
            kind: "external",
            json: serde_json::json!({ "id": format!("external:{name}"), "kind": "external", "name": name }),
        },
        Node::Resource(uid) => {
            let resource = &graph.resources[uid];
            let provisioner = provisioners.get(uid).map_or("(none)", String::as_str);
            NodeView {
                id: format!("resource:{uid}"),
                label: format!(
                    "{uid}\\ntype: {}  class: {}\\nprovisioner: {provisioner}",
                    resource.kind, resource.class
                ),
                kind: "resource",
                json: serde_json::json!({
                    "id": format!("resource:{uid}"), "kind": "resource", "uid": uid,
                    "type": resource.kind, "class": resource.class, "provisioner": provisioners.get(uid),
                }),
            }
        }
    }
}

fn edge_label(edge: Edge) -> &'static str {
    match edge {
        Edge::Uses(_) => "uses",
        Edge::Param(_) => "param",
        Edge::Link(_) => "links to",
    }
}

/// Renders the graph; `provisioners` names the provisioner chosen for each resource UID.
pub(crate) fn render(graph: &Graph, format: Format, provisioners: &BTreeMap<String, String>) -> String {
    let mut nodes: Vec<(NodeView, petgraph::graph::NodeIndex)> =
        graph.graph.node_indices().map(|i| (view(graph, &graph.graph[i], provisioners), i)).collect();
    nodes.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    let ids: BTreeMap<_, _> = nodes.iter().enumerate().map(|(n, (_, i))| (*i, n)).collect();
    let mut edges: Vec<(usize, usize, &'static str)> =
        graph.graph.edge_references().map(|e| (ids[&e.source()], ids[&e.target()], edge_label(*e.weight()))).collect();
    edges.sort();
    edges.dedup();
    let mut out = String::new();
    match format {
        Format::Dot => {
            out.push_str("digraph stave {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
            for (n, (node, _)) in nodes.iter().enumerate() {
                let shape = match node.kind {
                    "workload" => "box",
                    "external" => "box, style=dashed",
                    _ => "ellipse",
                };
                let _ = writeln!(out, "  n{n} [shape={shape}, label=\"{}\"];", node.label.replace('"', "\\\""));
            }
            for (from, to, label) in &edges {
                let style = if *label == "links to" { ", style=dashed" } else { "" };
                let _ = writeln!(out, "  n{from} -> n{to} [label=\"{label}\"{style}];");
            }
            out.push_str("}\n");
        }
        Format::Mermaid => {
            out.push_str("flowchart LR\n");
            for (n, (node, _)) in nodes.iter().enumerate() {
                let label = node.label.replace("\\n", "<br>").replace('"', "#quot;");
                let (open, close) = match node.kind {
                    "workload" => ("[", "]"),
                    "external" => ("[/", "/]"),
                    _ => ("([", "])"),
                };
                let _ = writeln!(out, "  n{n}{open}\"{label}\"{close}");
            }
            for (from, to, label) in &edges {
                let arrow = if *label == "links to" { "-.->" } else { "-->" };
                let _ = writeln!(out, "  n{from} {arrow}|{label}| n{to}");
            }
        }
        Format::Json => {
            let json = serde_json::json!({
                "nodes": nodes.iter().map(|(n, _)| n.json.clone()).collect::<Vec<_>>(),
                "edges": edges.iter().map(|(from, to, label)| serde_json::json!({
                    "from": nodes[*from].0.id, "to": nodes[*to].0.id, "kind": label,
                })).collect::<Vec<_>>(),
                "order": graph.order.iter().map(|i| nodes[ids[i]].0.id.clone()).collect::<Vec<_>>(),
            });
            out = serde_json::to_string_pretty(&json).unwrap_or_default();
            out.push('\n');
        }
    }
    out
}
