//! A NetworkPolicy per workload that allows exactly what the graph knows: ingress from the
//! workloads that link to it and (on the routed port) from the route's gateway; egress to DNS, to
//! the workloads it links to (for one deployed elsewhere, its namespace's pods), and to its
//! resources (their pods, when they run in the cluster, or their port anywhere, when they do
//! not), plus the egress the platform file and the resources' provisioners allow. A variable
//! that names an outside address nothing allows is a warning.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{
    IPBlock, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort,
    NetworkPolicySpec,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value as Json;

use super::Context;
use super::Settings;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::link_target;
use crate::ir::{Param, Workload};
use crate::platform::Egress;
use crate::provision::output::Output;

fn selector(labels: BTreeMap<String, String>) -> LabelSelector {
    LabelSelector { match_labels: Some(labels), match_expressions: None }
}

fn pods(labels: BTreeMap<String, String>) -> NetworkPolicyPeer {
    NetworkPolicyPeer { pod_selector: Some(selector(labels)), ..Default::default() }
}

fn tcp(port: IntOrString) -> NetworkPolicyPort {
    NetworkPolicyPort { port: Some(port), protocol: Some("TCP".into()), end_port: None }
}

/// The target ports of a workload's service port, by name or number (all of them for `None`).
fn target_ports(workload: &Workload, port: Option<&str>) -> Vec<NetworkPolicyPort> {
    workload
        .service_ports
        .iter()
        .filter(|(name, p)| port.is_none_or(|wanted| *name == wanted || p.port.to_string() == wanted))
        .map(|(_, p)| NetworkPolicyPort {
            port: Some(IntOrString::Int(i32::from(p.target_port))),
            protocol: Some(if p.protocol == crate::ir::Protocol::Udp { "UDP" } else { "TCP" }.into()),
            end_port: None,
        })
        .collect()
}

fn param_text(params: &BTreeMap<String, Param>, key: &str) -> Option<String> {
    match params.get(key)? {
        Param::String(t) => t.as_literal(),
        Param::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// An egress rule to a CIDR on the given ports (every port when there are none).
fn allowed(egress: &Egress) -> NetworkPolicyEgressRule {
    NetworkPolicyEgressRule {
        to: Some(vec![NetworkPolicyPeer {
            ip_block: Some(IPBlock { cidr: egress.cidr.clone(), except: None }),
            ..Default::default()
        }]),
        ports: (!egress.ports.is_empty())
            .then(|| egress.ports.iter().map(|p| tcp(IntOrString::Int(i32::from(*p)))).collect()),
    }
}

/// The host of a literal `scheme://host[:port]/...` value, when it lies outside the cluster.
fn outside_host(value: &str) -> Option<&str> {
    let (scheme, rest) = value.split_once("://")?;
    if scheme.is_empty() || !scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) {
        return None;
    }
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit('@').next()?;
    let host = if host_port.starts_with('[') {
        host_port.split(']').next()?.trim_start_matches('[')
    } else {
        host_port.split(':').next()?
    };
    let inside = host.is_empty()
        || host == "localhost"
        || !host.contains(['.', ':'])
        || host.ends_with(".svc")
        || host.ends_with(".cluster.local")
        || host.ends_with(".localhost")
        || host.starts_with("127.");
    (!inside).then_some(host)
}

/// Warns once per workload about variables that name an outside host when no egress beyond the
/// graph's is allowed (the policy would drop the connection).
fn warn_unreachable(workload: &Workload, out: &mut Diagnostics) {
    for (container_name, container) in &workload.containers {
        for (variable, value) in &container.variables {
            let Some(text) = value.as_literal() else { continue };
            let Some(host) = outside_host(&text) else { continue };
            out.push(
                Diagnostic::warning(
                    Code::NoEgress,
                    format!(
                        "container `{container_name}` reads `{variable}` = `{text}`, but the NetworkPolicy of `{}` \
                        allows no egress to `{host}`",
                        workload.name
                    ),
                )
                .label(value.span, "an address outside the cluster")
                .help(format!(
                    "declare the dependency as a resource, or allow it in the platform file: `workloads: {{{}: \
                    {{kubernetes: {{egress: [{{cidr: <addresses of {host}>, ports: [443]}}]}}}}}}` (or \
                    `kubernetes.egress` for every workload)",
                    workload.name
                )),
            );
            return;
        }
    }
}

pub(crate) fn policy(
    cx: &Context<'_>,
    workload: &Workload,
    settings: &Settings,
    out: &mut Diagnostics,
) -> NetworkPolicy {
    let mut ingress = Vec::new();
    let mut egress = vec![NetworkPolicyEgressRule {
        to: Some(vec![NetworkPolicyPeer {
            namespace_selector: Some(selector(BTreeMap::from([(
                "kubernetes.io/metadata.name".into(),
                "kube-system".into(),
            )]))),
            pod_selector: Some(selector(BTreeMap::from([("k8s-app".into(), "kube-dns".into())]))),
            ip_block: None,
        }]),
        ports: Some(vec![
            NetworkPolicyPort { port: Some(IntOrString::Int(53)), protocol: Some("UDP".into()), end_port: None },
            NetworkPolicyPort { port: Some(IntOrString::Int(53)), protocol: Some("TCP".into()), end_port: None },
        ]),
    }];
    // Links into this workload, and from it.
    for (callee, port) in cx.links.callees.get(workload.name.as_str()).into_iter().flatten() {
        if let Some(callee) = crate::ir::find_workload(cx.workloads, callee) {
            egress.push(NetworkPolicyEgressRule {
                to: Some(vec![pods(cx.selector(callee))]),
                ports: Some(target_ports(callee, port.as_deref())),
            });
        } else if let Some(external) = cx.external.get(callee) {
            egress.push(super::external::egress(external, port.as_deref(), cx.namespace.as_deref()));
        }
    }
    for caller in cx.links.callers.get(workload.name.as_str()).into_iter().flatten() {
        if let Some(caller) = crate::ir::find_workload(cx.workloads, caller) {
            ingress.push(NetworkPolicyIngressRule {
                from: Some(vec![pods(cx.selector(caller))]),
                ports: Some(target_ports(workload, None)),
            });
        }
    }
    for (name, request) in &workload.resources {
        let Some(uid) = cx.graph.local.get(&(workload.name.clone(), name.clone())) else { continue };
        let Some(provided) = cx.resources.get(uid) else { continue };
        if request.kind == "route" {
            // The gateway or ingress controller runs in a namespace we do not know.
            let port = param_text(&request.params, "port");
            let ports = target_ports(workload, port.as_deref());
            if !ports.is_empty() {
                ingress.push(NetworkPolicyIngressRule {
                    from: Some(vec![NetworkPolicyPeer {
                        namespace_selector: Some(LabelSelector::default()),
                        ..Default::default()
                    }]),
                    ports: Some(ports),
                });
            }
            continue;
        }
        if link_target(&cx.graph.resources[uid]).is_some() {
            continue;
        }
        egress.extend(provided.egress.iter().map(allowed));
        let services: Vec<Json> = provided.objects.iter().filter(|o| o.kind() == "Service").map(|o| o.tree()).collect();
        for service in &services {
            let Some(labels) = service
                .pointer("/spec/selector")
                .and_then(|s| serde_json::from_value::<BTreeMap<String, String>>(s.clone()).ok())
            else {
                continue;
            };
            let ports: Vec<NetworkPolicyPort> = service
                .pointer("/spec/ports")
                .and_then(Json::as_array)
                .into_iter()
                .flatten()
                .filter_map(|p| {
                    let target = p.get("targetPort").or_else(|| p.get("port"))?;
                    let port = match target {
                        Json::Number(n) => IntOrString::Int(i32::try_from(n.as_i64()?).ok()?),
                        Json::String(s) => IntOrString::String(s.clone()),
                        _ => return None,
                    };
                    Some(NetworkPolicyPort {
                        port: Some(port),
                        protocol: Some(p.get("protocol").and_then(Json::as_str).unwrap_or("TCP").into()),
                        end_port: None,
                    })
                })
                .collect();
            egress.push(NetworkPolicyEgressRule { to: Some(vec![pods(labels)]), ports: Some(ports) });
        }
        if services.is_empty()
            && provided.egress.is_empty()
            && let Some(Output::Value(Json::Number(port))) = provided.outputs.get("port")
            && let Some(port) = port.as_i64().and_then(|p| i32::try_from(p).ok())
        {
            // Outside the cluster (a managed database) and its provisioner names no addresses:
            // its port, to any address.
            egress.push(NetworkPolicyEgressRule {
                to: Some(vec![
                    NetworkPolicyPeer {
                        ip_block: Some(IPBlock { cidr: "0.0.0.0/0".into(), except: None }),
                        ..Default::default()
                    },
                    NetworkPolicyPeer {
                        ip_block: Some(IPBlock { cidr: "::/0".into(), except: None }),
                        ..Default::default()
                    },
                ]),
                ports: Some(vec![tcp(IntOrString::Int(port))]),
            });
        }
    }
    egress.extend(settings.egress.iter().map(allowed));
    if settings.egress.is_empty() {
        warn_unreachable(workload, out);
    }
    // Two resources on one shared instance give the same rule: keep one.
    let mut seen = std::collections::BTreeSet::new();
    egress.retain(|rule| seen.insert(serde_json::to_string(rule).unwrap_or_default()));
    NetworkPolicy {
        metadata: ObjectMeta {
            name: Some(workload.name.clone()),
            namespace: cx.namespace.clone(),
            labels: Some(cx.labels(workload)),
            ..Default::default()
        },
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(selector(cx.selector(workload))),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(ingress),
            egress: Some(egress),
        }),
    }
}
