//! The values a Helm user may override, cut out of the Kubernetes target's objects: per workload
//! `replicas`, `podAnnotations`, `podLabels`, `nodeSelector`, `tolerations`, `affinity`,
//! `serviceAccountName`; per container `image` (`repository`, `tag`, `digest`), `resources` and
//! `env` (extra variables); for every object the release's namespace and labels (the labels Helm
//! owns and `global.commonLabels`). Each knob's default is what the Kubernetes target emits, so
//! the chart rendered with its defaults emits the same objects.

use serde_json::{Map, Value as Json, json};

use super::node::{Node, Presence, Shape};
use crate::targets::kubernetes_objects::{Lowered, OwnerRef, Part};

/// Go template text for a string literal (also a YAML double-quoted scalar).
pub(crate) use super::text::quote;

/// The expression of a workload's values map (`$w` is set at the top of its template file).
pub(crate) const WORKLOAD: &str = "$w";

/// The variable that holds a workload's values, for the top of its template file.
pub(crate) fn workload_variable(name: &str) -> String {
    format!("{{{{- {WORKLOAD} := index .Values.workloads {} }}}}", quote(name))
}

fn container(name: &str) -> String {
    format!("(index {WORKLOAD}.containers {})", quote(name))
}

fn expr(expr: String, shape: Shape, presence: Presence) -> Node {
    Node::Expr { expr, shape, presence }
}

/// Kinds that live outside namespaces.
fn namespaced(kind: &str) -> bool {
    !crate::targets::kubernetes_objects::CLUSTER_SCOPED.contains(&kind)
}

/// The template tree of one object; adds the defaults of its knobs to `workloads` (the values of
/// this environment's `workloads` map).
pub(crate) fn template(lowered: &Lowered, workloads: &mut Map<String, Json>) -> Node {
    let mut node = Node::from_json(&lowered.object);
    let kind = lowered.object.get("kind").and_then(Json::as_str).unwrap_or_default().to_string();
    if let Some(metadata) = node.get_mut("metadata") {
        release_metadata(metadata, namespaced(&kind), None);
    }
    if let OwnerRef::Workload { name, part: Part::Deployment | Part::StatefulSet } = &lowered.owner {
        let values = workloads.entry(name.clone()).or_insert_with(|| Json::Object(Map::new()));
        if let (Some(spec), Json::Object(values)) = (node.get_mut("spec"), values) {
            controller(spec, values);
        }
    }
    node
}

/// The release's namespace and the chart's labels on an object's (or a pod's) metadata.
fn release_metadata(metadata: &mut Node, namespaced: bool, extra: Option<String>) {
    if namespaced {
        metadata.set("namespace", expr("$.Release.Namespace".into(), Shape::Scalar, Presence::Always));
    }
    let base = metadata.take("labels").unwrap_or(Node::Literal(Json::Object(Map::new())));
    metadata.set("labels", Node::Labels { base: Box::new(base), extra });
}

/// A Deployment's or StatefulSet's spec: replicas, the pod's metadata and spec.
fn controller(spec: &mut Node, values: &mut Map<String, Json>) {
    let replicas = spec.take("replicas").and_then(|n| n.literal()).unwrap_or(Json::Null);
    values.insert("replicas".into(), replicas);
    spec.set("replicas", expr(format!("{WORKLOAD}.replicas"), Shape::Scalar, Presence::UnlessNull));
    let Some(template) = spec.get_mut("template") else { return };
    if let Some(metadata) = template.get_mut("metadata") {
        let annotations = metadata.take("annotations").and_then(|n| n.literal()).unwrap_or_else(|| json!({}));
        let shape = Shape::Block.unless_raw(std::iter::once(&annotations));
        values.insert("podAnnotations".into(), annotations);
        metadata.set("annotations", expr(format!("{WORKLOAD}.podAnnotations"), shape, Presence::UnlessEmpty));
        release_metadata(metadata, false, Some(format!("{WORKLOAD}.podLabels")));
    }
    values.insert("podLabels".into(), json!({}));
    let Some(pod) = template.get_mut("spec") else { return };
    for (key, default, shape) in [
        ("nodeSelector", json!({}), Shape::Block),
        ("tolerations", json!([]), Shape::Block),
        ("affinity", json!({}), Shape::Block),
        ("serviceAccountName", json!(""), Shape::Scalar),
    ] {
        // What the object holds (a platform patch may have set it) is the knob's default.
        let default = pod.take(key).and_then(|n| n.literal()).unwrap_or(default);
        let shape = shape.unless_raw(std::iter::once(&default));
        values.insert(key.into(), default);
        pod.set(key, expr(format!("{WORKLOAD}.{key}"), shape, Presence::UnlessEmpty));
    }
    pod.set("imagePullSecrets", expr("$.Values.global.imagePullSecrets".into(), Shape::Block, Presence::UnlessEmpty));
    let mut containers = Map::new();
    for list in ["initContainers", "containers"] {
        let Some(items) = pod.get_mut(list).and_then(Node::items_mut) else { continue };
        for item in items {
            let Some(Node::Literal(Json::String(name))) = item.get_mut("name").map(|n| n.clone()) else { continue };
            containers.insert(name.clone(), Json::Object(container_knobs(item, &name)));
        }
    }
    values.insert("containers".into(), Json::Object(containers));
}

/// One container's image, resources and extra variables.
fn container_knobs(item: &mut Node, name: &str) -> Map<String, Json> {
    let mut values = Map::new();
    let at = container(name);
    if let Some(Json::String(image)) = item.get_mut("image").and_then(|n| n.literal()) {
        values.insert("image".into(), split_image(&image));
        let expr_text = format!("include \"stave.image\" (list $.Values.global {at}.image)");
        let shape = Shape::Scalar.unless_raw(std::iter::once(&Json::String(image)));
        item.set("image", expr(expr_text, shape, Presence::Always));
    }
    let resources = item.take("resources").and_then(|n| n.literal()).unwrap_or_else(|| json!({}));
    let shape = Shape::Block.unless_raw(std::iter::once(&resources));
    values.insert("resources".into(), resources);
    item.set("resources", expr(format!("{at}.resources"), shape, Presence::UnlessEmpty));
    let base = item.take("env").unwrap_or(Node::Literal(json!([])));
    values.insert("env".into(), json!({}));
    item.set("env", Node::Env { base: Box::new(base), extra: format!("{at}.env") });
    values
}

/// `registry/name:tag@digest` into its repository, tag and digest.
pub(crate) fn split_image(image: &str) -> Json {
    let (rest, digest) = image.split_once('@').unwrap_or((image, ""));
    let slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match rest[slash..].rfind(':') {
        Some(colon) => (&rest[..slash + colon], &rest[slash + colon + 1..]),
        None => (rest, ""),
    };
    json!({"repository": repository, "tag": tag, "digest": digest})
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn images_split_and_join_back() {
        for (image, repository, tag, digest) in [
            ("nginx:1.27", "nginx", "1.27", ""),
            ("ghcr.io/example/shop:1.4.2", "ghcr.io/example/shop", "1.4.2", ""),
            ("registry:5000/app", "registry:5000/app", "", ""),
            ("app@sha256:abc", "app", "", "sha256:abc"),
            ("localhost:5000/a/b:2@sha256:0f", "localhost:5000/a/b", "2", "sha256:0f"),
        ] {
            let split = split_image(image);
            assert_eq!(split["repository"], repository, "{image}");
            assert_eq!(split["tag"], tag, "{image}");
            assert_eq!(split["digest"], digest, "{image}");
        }
    }
}
