//! Checks on `before`: every named container exists, none names itself, and the order has no cycle.

use std::collections::{BTreeMap, BTreeSet};

use super::input::ContainerInput;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::source::Span;
use crate::suggest;

pub(crate) fn check(
    containers: &BTreeMap<String, ContainerInput>,
    key_span: impl Fn(&[&str]) -> Span,
    out: &mut Diagnostics,
) {
    let names: Vec<&str> = containers.keys().map(String::as_str).collect();
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, container) in containers {
        for other in container.before.keys() {
            let span = key_span(&["containers", name, "before", other]);
            if other == name {
                out.push(
                    Diagnostic::error(Code::BeforeSelf, format!("container `{name}` lists itself in `before`"))
                        .label(span, "names its own container")
                        .help("`before` names the containers that start after this one; remove this entry"),
                );
            } else if !containers.contains_key(other) {
                let hint = suggest::hint(other, names.iter().copied());
                out.push(
                    Diagnostic::error(
                        Code::UnknownContainer,
                        format!("container `{name}` has `before: {other}`, but there is no container `{other}`{hint}"),
                    )
                    .label(span, "no such container")
                    .help(format!(
                        "the workload's containers are: {}",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    )),
                );
            } else {
                edges.entry(name).or_default().push(other);
            }
        }
    }
    if let Some(cycle) = find_cycle(&names, &edges) {
        let mut diagnostic = Diagnostic::error(
            Code::BeforeCycle,
            format!("the `before` order of containers forms a cycle: {}", cycle.join(" → ")),
        );
        for pair in cycle.windows(2) {
            diagnostic = diagnostic.label(
                key_span(&["containers", pair[0], "before", pair[1]]),
                format!("`{}` starts before `{}`", pair[0], pair[1]),
            );
        }
        out.push(diagnostic.help("remove one of these `before` entries so that some container can start first"));
    }
}

/// The first cycle found by a depth-first search in name order, as a closed walk `a → b → a`.
fn find_cycle<'a>(names: &[&'a str], edges: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    for &start in names {
        if done.contains(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        let mut on_path: Vec<&str> = vec![start];
        while let Some((node, next)) = stack.last_mut() {
            let node = *node;
            let successors = edges.get(node).map_or(&[][..], Vec::as_slice);
            if let Some(&succ) = successors.get(*next) {
                *next += 1;
                if let Some(pos) = on_path.iter().position(|&n| n == succ) {
                    let mut cycle = on_path[pos..].to_vec();
                    cycle.push(succ);
                    return Some(cycle);
                }
                if !done.contains(succ) {
                    stack.push((succ, 0));
                    on_path.push(succ);
                }
            } else {
                done.insert(node);
                stack.pop();
                on_path.pop();
            }
        }
    }
    None
}
