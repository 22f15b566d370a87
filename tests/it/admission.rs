//! The API server's own rules, beyond the OpenAPI schema that kubernetes-validate checks, over
//! the manifests of every corpus workload and every Kubernetes fixture: names and their lengths
//! per kind, label syntax, unique ports and container names, requests within limits, relative
//! `subPath`s, route path match types, selectors that match their pods, one owner per identity.
//! No API server can run offline, so these rules are written out here (from the validation code
//! of kube-apiserver and of the Gateway API CRDs).

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::library::{self, Flags, Prepared};
use common::{fixtures_for, run_case, transcript};
use serde_json::Value as Json;

fn documents(text: &str) -> Vec<Json> {
    serde_saphyr::from_multiple::<Json>(text).expect("YAML").into_iter().filter(|d| !d.is_null()).collect()
}

fn is_dns_label(name: &str) -> bool {
    (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// As kube-apiserver's `IsDNS1123Subdomain`: at most 253 in all, dot-separated parts of any length.
fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253
        && name.split('.').all(|part| {
            !part.is_empty()
                && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// A label value, or the name part of a label or annotation key.
fn is_qualified_part(text: &str, allow_empty: bool) -> bool {
    if text.is_empty() {
        return allow_empty;
    }
    let edge = |c: u8| c.is_ascii_alphanumeric();
    text.len() <= 63
        && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && edge(text.as_bytes()[0])
        && edge(text.as_bytes()[text.len() - 1])
}

fn is_label_key(key: &str) -> bool {
    match key.split_once('/') {
        Some((prefix, name)) => is_dns_subdomain(prefix) && is_qualified_part(name, false),
        None => is_qualified_part(key, false),
    }
}

/// The longest name each kind allows: DNS labels for Services and Namespaces, 52 for
/// StatefulSets and CronJobs (the controllers append a suffix to a label value), 63 for Jobs
/// (the `job-name` label), DNS subdomains elsewhere.
fn name_rule(kind: &str) -> (usize, bool) {
    match kind {
        "Service" | "Namespace" => (63, true),
        "StatefulSet" | "CronJob" => (52, false),
        "Job" => (63, false),
        _ => (253, false),
    }
}

/// A Kubernetes quantity in millis (cpu) or bytes (memory), enough for comparing.
fn quantity(text: &Json) -> f64 {
    let text = match text {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        other => panic!("not a quantity: {other}"),
    };
    let suffixes: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1024f64.powi(2)),
        ("Gi", 1024f64.powi(3)),
        ("Ti", 1024f64.powi(4)),
        ("Pi", 1024f64.powi(5)),
        ("Ei", 1024f64.powi(6)),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
    ];
    for (suffix, factor) in suffixes {
        if let Some(number) = text.strip_suffix(suffix) {
            return number.parse::<f64>().unwrap_or_else(|_| panic!("quantity {text}")) * factor;
        }
    }
    text.parse::<f64>().unwrap_or_else(|_| panic!("quantity {text}"))
}

/// The pod template (or pod spec holder) of a workload object.
fn pod_template(object: &Json) -> Option<&Json> {
    match object["kind"].as_str()? {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => object.pointer("/spec/template"),
        "CronJob" => object.pointer("/spec/jobTemplate/spec/template"),
        "Pod" => Some(object),
        _ => None,
    }
}

fn strings(value: &Json) -> BTreeMap<String, String> {
    serde_json::from_value(value.clone()).unwrap_or_default()
}

/// A Gateway API path value of `PathPrefix` or `Exact` type, as the CRD's CEL rules accept it.
fn is_gateway_path(path: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-/._~!$&'()*+,;=:@%".contains(c);
    path.starts_with('/')
        && path.chars().all(allowed)
        && !["//", "/./", "/../", "%2f", "%2F", "#"].iter().any(|bad| path.contains(bad))
        && !path.ends_with("/..")
        && !path.ends_with("/.")
}

/// Every rule broken by one compile's objects, as readable lines.
fn violations(objects: &[Json]) -> Vec<String> {
    let mut found = Vec::new();
    let mut identities = BTreeSet::new();
    let pods: Vec<BTreeMap<String, String>> =
        objects.iter().filter_map(pod_template).map(|t| strings(&t["metadata"]["labels"])).collect();
    for object in objects {
        let kind = object["kind"].as_str().unwrap_or("?");
        let name = object["metadata"]["name"].as_str().unwrap_or("");
        let at = format!("{kind}/{name}");
        let group = object["apiVersion"].as_str().unwrap_or("").rsplit_once('/').map_or("", |(g, _)| g);
        let namespace = object["metadata"]["namespace"].as_str().unwrap_or("").to_string();
        if !identities.insert((group.to_string(), kind.to_string(), namespace, name.to_string())) {
            found.push(format!("{at}: a second object with this identity"));
        }
        let (max, label) = name_rule(kind);
        let shaped = if label { is_dns_label(name) } else { is_dns_subdomain(name) };
        if !shaped || name.len() > max {
            found.push(format!("{at}: name not valid for its kind (at most {max} characters)"));
        }
        let mut label_maps = vec![&object["metadata"]["labels"]];
        if let Some(template) = pod_template(object) {
            label_maps.push(&template["metadata"]["labels"]);
        }
        label_maps.push(&object["spec"]["selector"]["matchLabels"]);
        for labels in label_maps {
            for (key, value) in strings(labels) {
                if !is_label_key(&key) || !is_qualified_part(&value, true) {
                    found.push(format!("{at}: label `{key}: {value}` breaks the label syntax"));
                }
            }
        }
        if let Some(template) = pod_template(object) {
            let labels = strings(&template["metadata"]["labels"]);
            let selector = strings(&object["spec"]["selector"]["matchLabels"]);
            let selects = !matches!(kind, "Job" | "CronJob" | "Pod");
            if selects && (selector.is_empty() || selector.iter().any(|(k, v)| labels.get(k) != Some(v))) {
                found.push(format!("{at}: the selector does not match the pod template's labels"));
            }
            let claims = object["spec"]["volumeClaimTemplates"].as_array().into_iter().flatten();
            let claims: Vec<String> = claims.filter_map(|c| c["metadata"]["name"].as_str().map(String::from)).collect();
            found.extend(pod_violations(&at, &template["spec"], &claims));
        }
        if kind == "Service" {
            let ports = object["spec"]["ports"].as_array().cloned().unwrap_or_default();
            let mut seen = BTreeSet::new();
            let mut names = BTreeSet::new();
            for port in &ports {
                let protocol = port["protocol"].as_str().unwrap_or("TCP").to_string();
                if !seen.insert((port["port"].to_string(), protocol)) {
                    found.push(format!("{at}: port {} twice", port["port"]));
                }
                if let Some(port_name) = port["name"].as_str()
                    && (!names.insert(port_name.to_string()) || !is_dns_label(port_name))
                {
                    found.push(format!("{at}: port name `{port_name}` repeated or not a DNS label"));
                }
            }
            if ports.len() > 1 && ports.iter().any(|p| p["name"].as_str().is_none()) {
                found.push(format!("{at}: several ports need a name each"));
            }
            if let Some(selector) = object["spec"]["selector"].as_object() {
                let selector = strings(&Json::Object(selector.clone()));
                if !pods.iter().any(|pod| selector.iter().all(|(k, v)| pod.get(k) == Some(v))) {
                    found.push(format!("{at}: the selector matches no pod template of the output"));
                }
            }
        }
        if kind == "HTTPRoute" {
            for rule in object["spec"]["rules"].as_array().into_iter().flatten() {
                for matching in rule["matches"].as_array().into_iter().flatten() {
                    let path = &matching["path"];
                    let value = path["value"].as_str().unwrap_or("/");
                    match path["type"].as_str().unwrap_or("PathPrefix") {
                        "PathPrefix" | "Exact" if !is_gateway_path(value) => {
                            found.push(format!("{at}: `{value}` is not a path Gateway API accepts for its type"));
                        }
                        "RegularExpression" if value.is_empty() => found.push(format!("{at}: empty regex")),
                        _ => {}
                    }
                }
            }
        }
        if kind == "Ingress" {
            for rule in object["spec"]["rules"].as_array().into_iter().flatten() {
                for path in rule["http"]["paths"].as_array().into_iter().flatten() {
                    let value = path["path"].as_str().unwrap_or("");
                    let kind_of_path = path["pathType"].as_str().unwrap_or("");
                    if (kind_of_path == "Prefix" || kind_of_path == "Exact") && !is_gateway_path(value) {
                        found.push(format!("{at}: `{value}` is not a plain path for pathType {kind_of_path}"));
                    }
                }
            }
        }
        if kind == "NetworkPolicy" {
            let rules = object["spec"]["egress"].as_array().into_iter().flatten().flat_map(|r| r["to"].as_array());
            for cidr in rules.flatten().filter_map(|peer| peer["ipBlock"]["cidr"].as_str()) {
                let valid = cidr.split_once('/').is_some_and(|(address, prefix)| {
                    address
                        .parse::<std::net::IpAddr>()
                        .is_ok_and(|a| prefix.parse::<u8>().is_ok_and(|p| p <= if a.is_ipv4() { 32 } else { 128 }))
                });
                if !valid {
                    found.push(format!("{at}: `{cidr}` is not a CIDR"));
                }
            }
        }
        if kind == "ConfigMap" || kind == "Secret" {
            for field in ["data", "stringData", "binaryData"] {
                for key in object[field].as_object().into_iter().flat_map(|m| m.keys()) {
                    let valid = !key.is_empty()
                        && key.len() <= 253
                        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b));
                    if !valid {
                        found.push(format!("{at}: `{key}` is not a valid {kind} key"));
                    }
                }
            }
        }
    }
    found
}

/// The rules of one pod spec: container names, ports, resources, mounts and probes.
fn pod_violations(at: &str, spec: &Json, claims: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let init = spec["initContainers"].as_array().cloned().unwrap_or_default();
    let main = spec["containers"].as_array().cloned().unwrap_or_default();
    let volumes: BTreeSet<String> = spec["volumes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v["name"].as_str().map(String::from))
        .chain(claims.iter().cloned())
        .collect();
    for volume in &volumes {
        if !is_dns_label(volume) {
            found.push(format!("{at}: volume name `{volume}` is not a DNS label"));
        }
    }
    let mut names = BTreeSet::new();
    let mut container_ports = BTreeSet::new();
    for (container, is_init) in init.iter().map(|c| (c, true)).chain(main.iter().map(|c| (c, false))) {
        let name = container["name"].as_str().unwrap_or("");
        if !is_dns_label(name) || !names.insert(name.to_string()) {
            found.push(format!("{at}: container name `{name}` repeated or not a DNS label"));
        }
        for port in container["ports"].as_array().into_iter().flatten() {
            let key = (port["containerPort"].to_string(), port["protocol"].as_str().unwrap_or("TCP").to_string());
            if !container_ports.insert(key) {
                found.push(format!("{at}: container port {} declared twice in the pod", port["containerPort"]));
            }
        }
        for resource in ["cpu", "memory"] {
            let request = &container["resources"]["requests"][resource];
            let limit = &container["resources"]["limits"][resource];
            if !request.is_null() && !limit.is_null() && quantity(request) > quantity(limit) {
                found.push(format!("{at}: container `{name}` requests more {resource} than its limit"));
            }
        }
        for mount in container["volumeMounts"].as_array().into_iter().flatten() {
            let volume = mount["name"].as_str().unwrap_or("");
            if !volumes.contains(volume) {
                found.push(format!("{at}: container `{name}` mounts `{volume}`, which is not a volume of the pod"));
            }
            if let Some(sub_path) = mount["subPath"].as_str()
                && (sub_path.starts_with('/') || sub_path.split('/').any(|part| part == ".."))
            {
                found.push(format!("{at}: subPath `{sub_path}` is not a relative path inside the volume"));
            }
        }
        let sidecar = container["restartPolicy"].as_str() == Some("Always");
        if is_init && !sidecar {
            for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
                if !container[probe].is_null() {
                    found.push(format!("{at}: init container `{name}` has a {probe}"));
                }
            }
        }
    }
    found
}

#[test]
fn the_rules_catch_what_they_are_for() {
    let bad: Vec<Json> = serde_saphyr::from_str(
        r#"
- apiVersion: v1
  kind: Service
  metadata: {name: a-very-long-name-that-goes-on-and-on-and-on-past-sixty-three-chars-headless}
  spec: {selector: {app: nothing}, ports: [{name: http, port: 80}, {name: web, port: 80}]}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: app, labels: {"bad key!": x}}
  spec:
    selector: {matchLabels: {app: other}}
    template:
      metadata: {labels: {app: app}}
      spec:
        initContainers: [{name: init, image: i, readinessProbe: {exec: {command: [x]}}}]
        containers:
        - name: app
          image: i
          resources: {requests: {cpu: "2"}, limits: {cpu: "1"}}
          volumeMounts: [{name: data, mountPath: /x, subPath: /abs}]
        volumes: [{name: data, emptyDir: {}}]
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: app}
- apiVersion: gateway.networking.k8s.io/v1
  kind: HTTPRoute
  metadata: {name: r}
  spec: {rules: [{matches: [{path: {type: PathPrefix, value: "/my/[^/]+/path"}}]}]}
"#,
    )
    .unwrap();
    let found = violations(&bad).join("\n");
    for expected in [
        "Service/a-very-long-name",
        "port 80 twice",
        "matches no pod template",
        "breaks the label syntax",
        "selector does not match",
        "init container `init` has a readinessProbe",
        "requests more cpu",
        "subPath `/abs`",
        "a second object with this identity",
        "is not a path Gateway API accepts",
    ] {
        assert!(found.contains(expected), "`{expected}` not caught in:\n{found}");
    }
}

#[test]
fn corpus_manifests_keep_the_api_servers_rules() {
    let Some(corpus) = common::corpus_score_files() else { return };
    let mut checked = 0;
    let mut broken = Vec::new();
    for path in &corpus {
        let flags = Flags { namespace: Some("corpus".into()), generate_namespace: true, ..Flags::default() };
        let Ok((emitted, _)) = Prepared::corpus(path, flags).emit() else { continue };
        checked += 1;
        let objects = documents(&library::stream(&emitted));
        broken.extend(violations(&objects).into_iter().map(|v| format!("{}: {v}", path.display())));
    }
    assert!(checked >= 25, "only {checked} corpus files compiled");
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn fixture_manifests_keep_the_api_servers_rules() {
    let mut broken = Vec::new();
    for dir in fixtures_for("kubernetes") {
        let output = run_case(&dir, &["compile", "--namespace", "apps", "--generate-namespace"], &[]);
        assert_eq!(output.status.code(), Some(0), "{}:\n{}", dir.display(), transcript(&output));
        let objects = documents(&String::from_utf8(output.stdout).unwrap());
        broken.extend(violations(&objects).into_iter().map(|v| format!("{}: {v}", dir.display())));
    }
    // The warning fixtures compile too (a request above its limit, a weaker namespace, ...).
    for dir in common::fixture_dirs("invalid") {
        let case = common::read_case(&dir);
        if case.subcommand.first().map(String::as_str) != Some("compile") {
            continue;
        }
        let output = run_case(&dir, &["compile"], &[]);
        if output.status.code() == Some(0) {
            let objects = documents(&String::from_utf8(output.stdout).unwrap());
            broken.extend(violations(&objects).into_iter().map(|v| format!("{}: {v}", dir.display())));
        }
    }
    assert!(broken.is_empty(), "{}", broken.join("\n"));
}

#[test]
fn the_longest_workload_name_gives_names_kubernetes_accepts() {
    let name = format!("w{}", "x".repeat(62));
    assert_eq!(name.len(), 63);
    let temp = crate::common::tempdir().unwrap();
    std::fs::write(
        temp.path().join("workload.yaml"),
        format!(
            "apiVersion: score.dev/v1b1\nmetadata:\n  name: {name}\n  annotations: {{k8s.score.dev/kind: StatefulSet}}\nservice:\n  ports:\n    web: {{port: 80, targetPort: 8080}}\ncontainers:\n  main:\n    image: nginx:1.27\n    files:\n      /etc/app.conf: {{content: hello}}\nresources:\n  db: {{type: postgres}}\n  topic: {{type: kafka-topic}}\n"
        ),
    )
    .unwrap();
    let output = common::stave(temp.path(), &["compile", "--namespace", "apps"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let objects = documents(&String::from_utf8(output.stdout).unwrap());
    let found = violations(&objects);
    assert!(found.is_empty(), "{}", found.join("\n"));
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet" && o["spec"]["serviceName"].is_string()).unwrap();
    let headless = set["spec"]["serviceName"].as_str().unwrap();
    assert!(objects.iter().any(|o| o["kind"] == "Service" && o["metadata"]["name"] == headless), "{headless}");
    assert!(set["metadata"]["name"].as_str().unwrap().len() <= 52);
}
