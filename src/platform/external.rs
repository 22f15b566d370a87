//! Workloads deployed elsewhere (`environments.<env>.externalWorkloads`): a name, service ports,
//! a namespace and a Service name, so that links (`service-port`, `service`) to them compile
//! when each service has its own repository and pipeline. Nothing is emitted for them; a link's
//! outputs and the caller's NetworkPolicy egress come from the declaration.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::ir::{Protocol, ServicePort};

/// A workload that another pipeline deploys.
#[derive(Debug, Clone)]
pub struct ExternalWorkload {
    /// Its namespace, when it is not the environment's.
    pub(crate) namespace: Option<String>,
    /// Its Service's name.
    pub(crate) service: String,
    pub(crate) ports: BTreeMap<String, ServicePort>,
    /// The labels of its pods, when callers' egress should go to those pods only.
    pub(crate) pod_labels: Option<BTreeMap<String, String>>,
}

impl ExternalWorkload {
    /// The host name that reaches it from `namespace` (the environment's): its Service's name,
    /// qualified (`<service>.<namespace>.svc`) when it runs in another namespace.
    pub(crate) fn hostname(&self, namespace: Option<&str>) -> String {
        match &self.namespace {
            Some(theirs) if Some(theirs.as_str()) != namespace => format!("{}.{theirs}.svc", self.service),
            _ => self.service.clone(),
        }
    }
}

/// The platform file's form (validated by the schema first).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct ExternalInput {
    #[allow(dead_code, reason = "documentation for the platform team")]
    description: Option<String>,
    namespace: Option<String>,
    service: Option<String>,
    ports: BTreeMap<String, PortInput>,
    pod_labels: Option<BTreeMap<String, String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct PortInput {
    port: u16,
    target_port: Option<u16>,
    /// `TCP` or `UDP` (the schema says which).
    protocol: Option<String>,
}

impl ExternalInput {
    pub(super) fn lower(self, name: &str) -> ExternalWorkload {
        let ports = self
            .ports
            .into_iter()
            .map(|(port_name, p)| {
                let port = ServicePort {
                    port: p.port,
                    target_port: p.target_port.unwrap_or(p.port),
                    protocol: if p.protocol.as_deref() == Some("UDP") { Protocol::Udp } else { Protocol::Tcp },
                };
                (port_name, port)
            })
            .collect();
        ExternalWorkload {
            namespace: self.namespace,
            service: self.service.unwrap_or_else(|| name.to_string()),
            ports,
            pod_labels: self.pod_labels,
        }
    }
}
