//! One owner per route: two `route` resources (of one workload or of two) that claim the same
//! host and path would shadow each other in the gateway, so they are an error naming both; and
//! one owner per DNS host that `dns` resources choose (`super::params::check_host_claims`).
//! Params are compared as provisioned, placeholders resolved; a path defaults to `/`.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::Provisioned;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::{Graph, Resource};

pub(crate) fn check(graph: &Graph, provisioned: &Provisioned, out: &mut Diagnostics) {
    super::params::check_host_claims(graph, provisioned, out);
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
