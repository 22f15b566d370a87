//! The egress a link to a workload deployed elsewhere (`externalWorkloads`) opens in the
//! caller's NetworkPolicy: to its pods (those with its `podLabels`, else every pod) in its
//! namespace, on the target ports of the port the link names (all of them for a `service`
//! link). Nothing else is emitted for it.

use std::collections::BTreeMap;

use k8s_openapi::api::networking::v1::{NetworkPolicyEgressRule, NetworkPolicyPeer, NetworkPolicyPort};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use crate::ir::Protocol;
use crate::platform::ExternalWorkload;

/// The rule for a link from a workload of `namespace` to `external`, through `port` (a port's
/// name or number; `None` for all).
pub(crate) fn egress(
    external: &ExternalWorkload,
    port: Option<&str>,
    namespace: Option<&str>,
) -> NetworkPolicyEgressRule {
    let pods = LabelSelector { match_labels: external.pod_labels.clone(), match_expressions: None };
    let elsewhere = external.namespace.as_deref().filter(|theirs| Some(*theirs) != namespace);
    let peer = NetworkPolicyPeer {
        namespace_selector: elsewhere.map(|theirs| LabelSelector {
            match_labels: Some(BTreeMap::from([("kubernetes.io/metadata.name".into(), theirs.to_string())])),
            match_expressions: None,
        }),
        pod_selector: Some(pods),
        ip_block: None,
    };
    let ports = external
        .ports
        .iter()
        .filter(|(name, p)| port.is_none_or(|wanted| *name == wanted || p.port.to_string() == wanted))
        .map(|(_, p)| NetworkPolicyPort {
            port: Some(IntOrString::Int(i32::from(p.target_port))),
            protocol: Some(if p.protocol == Protocol::Udp { "UDP" } else { "TCP" }.into()),
            end_port: None,
        })
        .collect();
    NetworkPolicyEgressRule { to: Some(vec![peer]), ports: Some(ports) }
}
