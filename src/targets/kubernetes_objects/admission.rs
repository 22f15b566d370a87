//! What a provisioner's object must be before the Kubernetes target emits it: an `apiVersion`,
//! a `kind` and a `metadata.name`; for the built-in API groups, a kind the group has; in the
//! environment's namespace (it gets that namespace when it names none); and not cluster-scoped.
//! The platform file may allow one provisioner other namespaces or cluster-scoped kinds
//! (`kubernetes.allow.<provisioner>`): a workload's params must never reach beyond its namespace
//! through a platform template.

use std::borrow::Cow;

use serde_json::Value as Json;

use crate::platform::Allowance;

/// The kinds of the API groups every cluster serves. A kind of another group (a custom
/// resource) is not checked here.
const BUILT_IN: &[(&str, &[&str])] = &[
    (
        "v1",
        &[
            "Binding",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "Node",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
        ],
    ),
    ("apps/v1", &["ControllerRevision", "DaemonSet", "Deployment", "ReplicaSet", "StatefulSet"]),
    ("batch/v1", &["CronJob", "Job"]),
    ("networking.k8s.io/v1", &["Ingress", "IngressClass", "NetworkPolicy"]),
    ("rbac.authorization.k8s.io/v1", &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]),
    ("policy/v1", &["PodDisruptionBudget"]),
    ("autoscaling/v1", &["HorizontalPodAutoscaler"]),
    ("autoscaling/v2", &["HorizontalPodAutoscaler"]),
    ("storage.k8s.io/v1", &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"]),
    ("scheduling.k8s.io/v1", &["PriorityClass"]),
    ("coordination.k8s.io/v1", &["Lease"]),
    ("discovery.k8s.io/v1", &["EndpointSlice"]),
    ("node.k8s.io/v1", &["RuntimeClass"]),
    ("apiextensions.k8s.io/v1", &["CustomResourceDefinition"]),
    ("admissionregistration.k8s.io/v1", &["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]),
    ("certificates.k8s.io/v1", &["CertificateSigningRequest"]),
];

/// Kinds that live outside namespaces.
pub(crate) const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PersistentVolume",
    "PriorityClass",
    "IngressClass",
    "GatewayClass",
    "ClusterSecretStore",
    "RuntimeClass",
    "CSIDriver",
    "CSINode",
    "VolumeAttachment",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "CertificateSigningRequest",
    "ClusterIssuer",
];

fn text<'j>(object: &'j Json, pointer: &str) -> Option<&'j str> {
    object.pointer(pointer).and_then(Json::as_str).filter(|s| !s.is_empty())
}

/// A refusal: the message (after "provisioner `p` (file) …") and the help.
pub(crate) type Refusal = (String, String);

/// Checks a provisioner's object; returns it with the environment's namespace where it names
/// none (borrowed when it needs no change).
pub(crate) fn admit<'j>(
    object: &'j Json,
    namespace: Option<&str>,
    allowance: Option<&Allowance>,
) -> Result<Cow<'j, Json>, Refusal> {
    let missing: Vec<&str> = [("/apiVersion", "apiVersion"), ("/kind", "kind"), ("/metadata/name", "metadata.name")]
        .into_iter()
        .filter(|(pointer, _)| text(object, pointer).is_none())
        .map(|(_, field)| field)
        .collect();
    if !missing.is_empty() {
        let fields = missing.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ");
        return Err((
            format!("returns an object without {fields}"),
            "every object needs `apiVersion`, `kind` and `metadata.name` (a string each)".into(),
        ));
    }
    let (api_version, kind) =
        (text(object, "/apiVersion").unwrap_or_default(), text(object, "/kind").unwrap_or_default());
    if let Some((_, kinds)) = BUILT_IN.iter().find(|(group, _)| *group == api_version)
        && !kinds.contains(&kind)
    {
        return Err((
            format!("returns a `{kind}`, which `{api_version}` does not have"),
            format!("`{api_version}` has: {}", kinds.join(", ")),
        ));
    }
    let name = text(object, "/metadata/name").unwrap_or_default();
    if CLUSTER_SCOPED.contains(&kind) {
        if allowance.is_some_and(|a| a.cluster_scoped) {
            return Ok(Cow::Borrowed(object));
        }
        return Err((
            format!("returns `{kind}/{name}`, which is cluster-scoped: beyond the environment's namespace"),
            "if the platform means it, allow it for this provisioner: `kubernetes: \
            {allow: {<provisioner>: {clusterScoped: true}}}`"
                .into(),
        ));
    }
    match (text(object, "/metadata/namespace"), namespace) {
        (Some(theirs), ours) if Some(theirs) != ours => {
            if allowance.is_some_and(|a| a.namespaces.iter().any(|n| n == theirs)) {
                return Ok(Cow::Borrowed(object));
            }
            let ours =
                ours.map_or("none (objects go to the namespace they are applied in)".into(), |n| format!("`{n}`"));
            Err((
                format!("puts `{kind}/{name}` into namespace `{theirs}`, but the environment's namespace is {ours}"),
                "a provisioner's objects belong to the environment's namespace: leave `metadata.namespace` out, or use \
                `environment.namespace` (or allow the namespace for this provisioner: \
                `kubernetes.allow.<provisioner>.namespaces`)".into(),
            ))
        }
        (None, Some(ours)) => {
            let mut object = object.clone();
            if let Some(metadata) = object.get_mut("metadata").and_then(Json::as_object_mut) {
                metadata.insert("namespace".into(), Json::String(ours.to_string()));
            }
            Ok(Cow::Owned(object))
        }
        _ => Ok(Cow::Borrowed(object)),
    }
}
