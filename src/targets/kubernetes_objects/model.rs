//! What provisioning asks of every target built on Kubernetes objects (kubernetes, helm,
//! terraform, and an external target declared with `objects: kubernetes`): a peer reaches a
//! workload through its Service (the Service's name and port), in the environment's namespace;
//! templates see the environment's `kubernetes:` settings as `environment.namespace`,
//! `environment.routes` and `environment.image_pull_policy`.

use serde_json::{Map, Value as Json};

use crate::ir::{ServicePort, Workload};
use crate::platform::{Environment, ExternalWorkload};
use crate::provision::TargetModel;

/// The model of the targets built on Kubernetes objects.
#[derive(Debug)]
pub(crate) struct KubernetesModel {
    /// Whether the target writes the values derived from the seed (Terraform generates its own).
    derives_generated_values: bool,
}

/// The model of the targets that write the objects themselves (kubernetes, helm).
pub(crate) const MODEL: KubernetesModel = KubernetesModel { derives_generated_values: true };

/// The model of a target that generates its values when it applies (terraform).
pub(crate) const MODEL_GENERATING_AT_APPLY: KubernetesModel = KubernetesModel { derives_generated_values: false };

impl TargetModel for KubernetesModel {
    /// The Service's name: the workload's own, or `k8s.score.dev/service-name`.
    fn service_name(&self, workload: &Workload) -> String {
        super::service_name(workload)
    }

    /// Traffic goes through the Service's port, which forwards to the container's.
    fn peer_port(&self, port: &ServicePort) -> u16 {
        port.port
    }

    fn namespace<'e>(&self, environment: &'e Environment) -> Option<&'e str> {
        environment.kubernetes.namespace.as_deref()
    }

    /// Its Service's name, qualified (`<service>.<namespace>.svc`) when it runs in another
    /// namespace than the environment's.
    fn external_hostname(&self, workload: &ExternalWorkload, environment: &Environment) -> String {
        workload.hostname(self.namespace(environment))
    }

    fn template_settings(&self, environment: &Environment) -> Map<String, Json> {
        let kubernetes = &environment.kubernetes;
        let mut settings = Map::new();
        settings.insert("namespace".into(), serde_json::json!(kubernetes.namespace));
        settings.insert("routes".into(), serde_json::json!(kubernetes.routes));
        settings.insert("image_pull_policy".into(), serde_json::json!(kubernetes.image_pull_policy.map(|p| p.name())));
        settings
    }

    fn derives_generated_values(&self) -> bool {
        self.derives_generated_values
    }
}
