//! One owner per route: two `route` resources (of one workload or of two) that claim the same
//! host and path would shadow each other in the gateway, so they are an error naming both; and
//! one owner per DNS host that `dns` resources choose.
//! Params are compared as provisioned, placeholders resolved; a path defaults to `/`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::Provisioned;
use super::params::{DNS_TYPE, host_span};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::{Graph, Resource};

pub(crate) fn check(graph: &Graph, provisioned: &Provisioned, out: &mut Diagnostics) {
    check_host_claims(graph, provisioned, out);
    let mut claimed: BTreeMap<(String, String), &Resource> = BTreeMap::new();
    for resource in graph.resources_in_order().filter(|r| r.kind == "route") {
        let Some(params) = provisioned.resources.get(&resource.uid).map(|p| &p.params) else { continue };
        let Some(host) = params.get("host").and_then(Json::as_str) else { continue };
        let path = params.get("path").and_then(Json::as_str).unwrap_or("/");
        let path = if path.len() > 1 { path.trim_end_matches('/') } else { path };
        match claimed.get(&(host.to_string(), path.to_string())) {
            Some(first) => out.push(
                Diagnostic::error(
                    Code::RouteConflict,
                    format!("routes `{}` and `{}` both claim host `{host}` and path `{path}`", first.uid, resource.uid),
                )
                .label(first.declarations[0].span, format!("`{}` claims it first", first.declarations[0].workload))
                .label(
                    resource.declarations[0].span,
                    format!("and `{}` claims it again", resource.declarations[0].workload),
                )
                .help("give each route its own host or path; one of them would otherwise shadow the other"),
            ),
            None => {
                claimed.insert((host.to_string(), path.to_string()), resource);
            }
        }
    }
}

/// One owner per chosen DNS host: two `dns` resources whose `host` params (as provisioned,
/// placeholders resolved) are the same are one error naming them all, at each one's `host`.
fn check_host_claims(graph: &Graph, provisioned: &Provisioned, out: &mut Diagnostics) {
    // UIDs begin with the type, so the `dns` resources are one range of the graph's.
    let prefix = format!("{DNS_TYPE}.");
    let mut claims: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
    for (_, resource) in graph.resources.range(prefix.clone()..).take_while(|(uid, _)| uid.starts_with(&prefix)) {
        let params = provisioned.resources.get(&resource.uid).map(|p| &p.params);
        if let Some(host) = params.and_then(|p| p.get("host")).and_then(Json::as_str) {
            claims.entry(host).or_default().push(resource);
        }
    }
    for (host, claimants) in claims.into_iter().filter(|(_, c)| c.len() > 1) {
        let named: Vec<String> = claimants
            .iter()
            .map(|r| {
                let workloads: Vec<&str> = r.declarations.iter().map(|d| d.workload.as_str()).collect();
                format!("`{}` (workload `{}`)", r.uid, workloads.join("`, `"))
            })
            .collect();
        let mut diagnostic = Diagnostic::error(
            Code::HostConflict,
            format!("host `{host}` is claimed by {} `dns` resources: {}", claimants.len(), named.join(" and ")),
        );
        for claimant in &claimants {
            diagnostic = diagnostic.label(host_span(claimant), format!("`{}` claims `{host}`", claimant.uid));
        }
        out.push(diagnostic.help(
            "a DNS name points at one place: choose another `host` for all but one of them, or declare one shared \
            resource (the same `id` in each workload)",
        ));
    }
}
