//! The Pod Security Standard every pod of an environment meets, for the label of a generated
//! Namespace: `restricted` when all pods are hardened (Stave's defaults), else `baseline`, else
//! `privileged`, with the first pod that keeps it lower. (A subset of the standards: the checks
//! that Stave's settings and provisioners can break.)

use serde_json::Value as Json;

/// A standard, and why no stricter one applies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Level {
    pub(crate) name: &'static str,
    pub(crate) because: Option<String>,
}

/// The pod spec of an object that runs pods.
fn pod_spec(object: &Json) -> Option<&Json> {
    match object.get("kind").and_then(Json::as_str)? {
        "Pod" => object.get("spec"),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => object.pointer("/spec/template/spec"),
        "CronJob" => object.pointer("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

fn name(object: &Json) -> String {
    let text = |p: &str| object.pointer(p).and_then(Json::as_str).unwrap_or("?").to_string();
    format!("{}/{}", text("/kind"), text("/metadata/name"))
}

/// Why a pod breaks `baseline`, if it does.
fn breaks_baseline(pod: &Json) -> Option<String> {
    for host in ["hostNetwork", "hostPID", "hostIPC"] {
        if pod.get(host) == Some(&Json::Bool(true)) {
            return Some(format!("it sets `{host}`"));
        }
    }
    if pod.get("volumes").and_then(Json::as_array).into_iter().flatten().any(|v| v.get("hostPath").is_some()) {
        return Some("it mounts a `hostPath` volume".into());
    }
    containers(pod).find_map(|c| {
        (c.pointer("/securityContext/privileged") == Some(&Json::Bool(true)))
            .then(|| "a container is privileged".to_string())
    })
}

fn containers(pod: &Json) -> impl Iterator<Item = &Json> {
    ["initContainers", "containers"]
        .into_iter()
        .flat_map(|list| pod.get(list).and_then(Json::as_array).into_iter().flatten())
}

/// Why a pod breaks `restricted`, if it does.
fn breaks_restricted(pod: &Json) -> Option<String> {
    let pod_non_root = pod.pointer("/securityContext/runAsNonRoot") == Some(&Json::Bool(true));
    let seccomp = |sc: Option<&Json>| {
        sc.and_then(|s| s.pointer("/seccompProfile/type"))
            .and_then(Json::as_str)
            .is_some_and(|t| t == "RuntimeDefault" || t == "Localhost")
    };
    let pod_seccomp = seccomp(pod.get("securityContext"));
    for container in containers(pod) {
        let sc = container.get("securityContext");
        let field = |p: &str| sc.and_then(|s| s.pointer(p));
        let which = container.get("name").and_then(Json::as_str).unwrap_or("?");
        if field("/allowPrivilegeEscalation") != Some(&Json::Bool(false)) {
            return Some(format!("container `{which}` may escalate privileges"));
        }
        let drops_all =
            field("/capabilities/drop").and_then(Json::as_array).is_some_and(|d| d.iter().any(|c| c == "ALL"));
        if !drops_all {
            return Some(format!("container `{which}` keeps its capabilities"));
        }
        if !pod_non_root && field("/runAsNonRoot") != Some(&Json::Bool(true)) {
            return Some(format!("container `{which}` may run as root"));
        }
        if !pod_seccomp && !seccomp(sc) {
            return Some(format!("container `{which}` has no seccomp profile"));
        }
    }
    None
}

/// The strictest standard all `objects` meet.
pub(crate) fn level<'a>(objects: impl Iterator<Item = &'a Json>) -> Level {
    let mut level = Level { name: "restricted", because: None };
    for object in objects {
        let Some(pod) = pod_spec(object) else { continue };
        if let Some(reason) = breaks_baseline(pod) {
            return Level { name: "privileged", because: Some(format!("`{}`: {reason}", name(object))) };
        }
        if level.name == "restricted"
            && let Some(reason) = breaks_restricted(pod)
        {
            level = Level { name: "baseline", because: Some(format!("`{}`: {reason}", name(object))) };
        }
    }
    level
}
