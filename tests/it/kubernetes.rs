//! The Kubernetes target: every fixture's manifests (snapshots), validated by kubernetes-validate
//! (strict, Kubernetes 1.32) and yamllint; the corpus files that compile; directory output; and
//! semantic checks on the multi-workload fixture.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::library::{self, Prepared};
use common::{fixtures_for, root, run_case, stave, transcript, validators};
use serde_json::Value as Json;

fn documents(text: &str) -> Vec<Json> {
    serde_saphyr::from_multiple::<Json>(text)
        .expect("manifests are YAML")
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

#[test]
fn fixtures_compile_to_valid_manifests() {
    let temp = crate::common::tempdir().unwrap();
    let mut files = Vec::new();
    for dir in fixtures_for("kubernetes") {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let output = run_case(&dir, &["compile", "--namespace", "apps", "--generate-namespace"], &[]);
        assert_eq!(output.status.code(), Some(0), "{name}:\n{}", transcript(&output));
        let text = String::from_utf8(output.stdout).unwrap();
        insta::assert_snapshot!(format!("kubernetes__{name}"), text);
        let file = temp.path().join(format!("{name}.yaml"));
        std::fs::write(&file, &text).unwrap();
        files.push(file);
    }
    validators::validate(&files);
}

#[test]
fn ingress_routes_and_statefulsets_are_valid_too() {
    let temp = crate::common::tempdir().unwrap();
    std::fs::write(
        temp.path().join("stave.yaml"),
        "environments:\n  edge:\n    target: kubernetes\n    kubernetes: {namespace: edge, routes: ingress}\n    workloads:\n      db-app:\n        replicas: 2\n        kubernetes:\n          security: {readOnlyRootFilesystem: false, runAsUser: null}\n",
    )
    .unwrap();
    std::fs::write(
        temp.path().join("workload.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: db-app\n  annotations:\n    k8s.score.dev/kind: StatefulSet\n    example.com/team: data\nservice:\n  ports:\n    web: {port: 80, targetPort: 8080}\ncontainers:\n  migrate:\n    image: example/migrate:1\n    before:\n      app: {ready: complete}\n  proxy:\n    image: example/proxy:1\n    readinessProbe: {httpGet: {path: /ready, port: 9000}}\n    before:\n      app: {ready: healthy}\n  app:\n    image: example/app:1\n    files:\n      /etc/app/secret.conf:\n        content: \"password=${resources.db.password}\"\n      /etc/app/plain.conf:\n        content: \"host=${resources.db.host}\"\n        mode: \"0600\"\n    volumes:\n      /data: {source: \"${resources.scratch}\"}\nresources:\n  db: {type: postgres}\n  scratch: {type: volume}\n  route: {type: route, params: {host: app.example.com, port: 80}}\n",
    )
    .unwrap();
    let output = stave(temp.path(), &["compile"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    let objects = documents(&text);
    let kinds: BTreeSet<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert!(kinds.contains("Ingress") && !kinds.contains("HTTPRoute"), "{kinds:?}");
    let set = objects.iter().find(|o| o["kind"] == "StatefulSet" && o["metadata"]["name"] == "db-app").unwrap();
    assert_eq!(set["spec"]["replicas"], 2);
    assert_eq!(set["spec"]["serviceName"], "db-app-headless");
    let pod = &set["spec"]["template"]["spec"];
    let init: Vec<&str> =
        pod["initContainers"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(init, ["migrate", "proxy"]);
    assert_eq!(pod["initContainers"][1]["restartPolicy"], "Always", "a native sidecar");
    assert!(pod["initContainers"][1]["startupProbe"].is_object(), "healthy: waits for its readiness");
    assert!(pod["initContainers"][0].get("restartPolicy").is_none(), "runs to completion");
    assert!(pod["securityContext"].get("runAsUser").is_none(), "runAsUser: null keeps the image's user");
    assert!(pod["containers"][0]["securityContext"].get("readOnlyRootFilesystem").is_none());
    assert_eq!(set["spec"]["template"]["metadata"]["annotations"]["example.com/team"], "data");
    let mounts = pod["containers"][0]["volumeMounts"].as_array().unwrap();
    let secret_file = mounts.iter().find(|m| m["mountPath"] == "/etc/app/secret.conf").unwrap();
    assert!(secret_file["subPath"].is_string(), "a file is mounted at its own path");
    let secret = objects.iter().find(|o| o["metadata"]["name"] == "db-app-app-secret-files").unwrap();
    assert_eq!(secret["kind"], "Secret", "a file holding a secret goes into a Secret");
    let config = objects.iter().find(|o| o["metadata"]["name"] == "db-app-app-files").unwrap();
    assert!(!serde_json::to_string(config).unwrap().contains("password="));
    let file = temp.path().join("out.yaml");
    std::fs::write(&file, &text).unwrap();
    validators::validate(&[file]);
}

/// The corpus files that compile alone (see tests/it/conformance.rs) give valid manifests.
#[test]
fn corpus_manifests_are_valid() {
    let Some(corpus) = common::corpus_score_files() else { return };
    let out = crate::common::tempdir().unwrap();
    let mut files = Vec::new();
    for path in corpus {
        if let Ok((emitted, _)) = Prepared::corpus_file(&path).emit() {
            let file = out.path().join(format!("{}.yaml", files.len()));
            std::fs::write(&file, library::stream(&emitted)).unwrap();
            files.push(file);
        }
    }
    assert!(files.len() >= 25, "only {} corpus files compiled", files.len());
    validators::validate(&files);
}

#[test]
fn text_mixed_with_secrets_is_composed_never_inlined() {
    let temp = crate::common::tempdir().unwrap();
    std::fs::write(
        temp.path().join("workload.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata: {name: app}\ncontainers:\n  main:\n    image: example/app:1\n    variables:\n      DATABASE_URL: \"postgres://${resources.db.username}:${resources.db.password}@${resources.db.host}:${resources.db.port}/x\"\n      PASSWORD_ONLY: ${resources.db.password}\n      PRICE: costs $$(five) and $$$$ more\n      PLAIN: $HOME stays\nresources:\n  db: {type: postgres}\n",
    )
    .unwrap();
    let output = stave(temp.path(), &["compile", "--namespace", "apps"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let objects = documents(&String::from_utf8(output.stdout).unwrap());
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"].as_array().unwrap();
    let names: Vec<&str> = env.iter().map(|v| v["name"].as_str().unwrap()).collect();
    let helper = names[0];
    assert!(helper.starts_with("STAVE_SECRET_"), "helpers come first: {names:?}");
    assert!(env[0].pointer("/valueFrom/secretKeyRef/key").is_some());
    let url = env.iter().find(|v| v["name"] == "DATABASE_URL").unwrap()["value"].as_str().unwrap();
    assert!(
        url.starts_with("postgres://app:$(") && url.contains(&format!("$({helper})@")) && url.ends_with(":5432/x"),
        "{url}"
    );
    let password = env.iter().find(|v| v["name"] == "PASSWORD_ONLY").unwrap();
    assert!(password.pointer("/valueFrom/secretKeyRef").is_some() && password.get("value").is_none());
    // Kubernetes would expand `$(five)` and shrink `$$`: both are escaped so the container sees the Score value.
    assert_eq!(env.iter().find(|v| v["name"] == "PRICE").unwrap()["value"], "costs $$(five) and $$$$ more");
    assert_eq!(env.iter().find(|v| v["name"] == "PLAIN").unwrap()["value"], "$HOME stays");
    let secret = objects.iter().find(|o| o["kind"] == "Secret").unwrap();
    let value = secret["stringData"]["password"].as_str().unwrap();
    assert!(!serde_json::to_string(deployment).unwrap().contains(value), "the password is never inlined");
}

#[test]
fn output_directory_holds_one_file_per_object_in_apply_order() {
    let dir = root().join("fixtures/valid/multi-app");
    let temp = crate::common::tempdir().unwrap();
    let out = temp.path().join("manifests");
    let args =
        ["compile", "frontend.yaml", "api.yaml", "worker.yaml", "--namespace", "shop", "--generate-namespace", "-o"];
    let mut with_out: Vec<&str> = args.to_vec();
    // A path ending in `/` names a directory (without it, `-o` names the stream's file).
    let out_text = format!("{}/", out.to_str().unwrap());
    with_out.push(&out_text);
    let output = stave(&dir, &with_out, None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(output.stdout.is_empty());
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    assert!(names[0].starts_with("001-namespace-shop"), "{names:?}");
    let stream = stave(&dir, &args[..args.len() - 1], None);
    let joined: String = names.iter().map(|n| std::fs::read_to_string(out.join(n)).unwrap()).collect();
    assert_eq!(joined, String::from_utf8(stream.stdout).unwrap(), "the files are the stream, in order");
    // A failed compile leaves the previous output as it was.
    let broken = temp.path().join("broken.yaml");
    std::fs::write(&broken, "apiVersion: score.dev/v1b1\nmetadata: {name: broken}\ncontainers: {main: {image: .}}\n")
        .unwrap();
    let broken_text = broken.to_str().unwrap().to_string();
    let failed = stave(&dir, &["compile", &broken_text, "-o", &out_text], None);
    assert_eq!(failed.status.code(), Some(1));
    let after: String = names.iter().map(|n| std::fs::read_to_string(out.join(n)).unwrap()).collect();
    assert_eq!(after, joined);
    // A file the user added is kept by a recompile; only Stave's own files are replaced.
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let again = stave(&dir, &with_out, None);
    assert_eq!(again.status.code(), Some(0), "{}", transcript(&again));
    assert_eq!(std::fs::read_to_string(out.join("notes.txt")).unwrap(), "mine");
}

/// The multi-workload fixture, compiled, with everything each check needs.
struct App {
    objects: Vec<Json>,
    ir: Json,
}

fn app() -> App {
    let dir = root().join("fixtures/valid/multi-app");
    let files = ["frontend.yaml", "api.yaml", "worker.yaml"];
    let mut args = vec!["compile", "--namespace", "shop"];
    args.extend(files);
    let output = stave(&dir, &args, None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let mut ir_args = vec!["compile", "--emit", "ir"];
    ir_args.extend(files);
    let ir = stave(&dir, &ir_args, None);
    App {
        objects: documents(&String::from_utf8(output.stdout).unwrap()),
        ir: serde_saphyr::from_slice(&ir.stdout).unwrap(),
    }
}

fn pod_specs(objects: &[Json]) -> Vec<(&Json, &Json)> {
    objects
        .iter()
        .filter_map(|o| {
            let template = match o["kind"].as_str()? {
                "Deployment" | "StatefulSet" | "Job" => &o["spec"]["template"],
                _ => return None,
            };
            Some((o, template))
        })
        .collect()
}

fn containers(pod: &Json) -> impl Iterator<Item = &Json> {
    let spec = &pod["spec"];
    spec["containers"].as_array().into_iter().flatten().chain(spec["initContainers"].as_array().into_iter().flatten())
}

fn is_subset(selector: &Json, labels: &Json) -> bool {
    selector.as_object().is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| labels.get(k) == Some(v)))
}

#[test]
fn secret_key_refs_name_secrets_and_keys_that_exist() {
    let App { objects, .. } = app();
    let mut checked = 0;
    for (_, pod) in pod_specs(&objects) {
        for container in containers(pod) {
            for var in container["env"].as_array().into_iter().flatten() {
                let Some(reference) = var.pointer("/valueFrom/secretKeyRef") else { continue };
                let (name, key) = (reference["name"].as_str().unwrap(), reference["key"].as_str().unwrap());
                let found = objects.iter().any(|o| {
                    o["kind"] == "Secret"
                        && o["metadata"]["name"] == name
                        && (o["stringData"].get(key).is_some() || o["data"].get(key).is_some())
                });
                assert!(found, "secretKeyRef {name}/{key} names no Secret key");
                checked += 1;
            }
        }
    }
    assert!(checked >= 6, "only {checked} secretKeyRefs");
}

#[test]
fn no_secret_value_leaks_into_plain_text() {
    let App { objects, .. } = app();
    let secrets: Vec<String> = objects
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .flat_map(|o| {
            o["stringData"].as_object().into_iter().flatten().map(|(_, v)| v.as_str().unwrap_or_default().to_string())
        })
        .filter(|v| v.len() >= 12)
        .collect();
    assert!(secrets.len() >= 3, "the fixture generates passwords");
    let mut plain: Vec<String> = Vec::new();
    for (object, pod) in pod_specs(&objects) {
        plain.push(serde_json::to_string(&object["metadata"]["annotations"]).unwrap());
        plain.push(serde_json::to_string(&pod["metadata"]["annotations"]).unwrap());
        for container in containers(pod) {
            for var in container["env"].as_array().into_iter().flatten() {
                plain.push(var["value"].as_str().unwrap_or_default().to_string());
            }
            plain.push(serde_json::to_string(&container["args"]).unwrap());
            plain.push(serde_json::to_string(&container["command"]).unwrap());
        }
    }
    for config in objects.iter().filter(|o| o["kind"] == "ConfigMap") {
        plain.push(serde_json::to_string(&config["data"]).unwrap());
    }
    for object in &objects {
        plain.push(serde_json::to_string(&object["metadata"]["annotations"]).unwrap());
    }
    for text in &plain {
        for secret in &secrets {
            assert!(!text.contains(secret.as_str()), "a secret value appears in plain text: {text}");
        }
    }
}

#[test]
fn selectors_match_pod_labels() {
    let App { objects, .. } = app();
    let pods: Vec<&Json> = pod_specs(&objects).into_iter().map(|(_, p)| &p["metadata"]["labels"]).collect();
    for object in &objects {
        let name = format!("{} {}", object["kind"], object["metadata"]["name"]);
        match object["kind"].as_str().unwrap() {
            "Deployment" | "StatefulSet" => {
                assert!(
                    is_subset(
                        &object["spec"]["selector"]["matchLabels"],
                        &object["spec"]["template"]["metadata"]["labels"]
                    ),
                    "{name}"
                );
            }
            "Service" => assert!(
                pods.iter().any(|labels| is_subset(&object["spec"]["selector"], labels)),
                "{name} selects no pod"
            ),
            "NetworkPolicy" => {
                assert!(
                    pods.iter().any(|l| is_subset(&object["spec"]["podSelector"]["matchLabels"], l)),
                    "{name} selects no pod"
                );
                for rule in object["spec"]["egress"].as_array().into_iter().flatten() {
                    for peer in rule["to"].as_array().into_iter().flatten() {
                        if peer.get("namespaceSelector").is_none() && peer.get("podSelector").is_some() {
                            assert!(
                                pods.iter().any(|l| is_subset(&peer["podSelector"]["matchLabels"], l)),
                                "{name}: egress selects no pod: {peer}"
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[test]
fn host_variables_point_at_services_with_their_ports() {
    let App { objects, ir } = app();
    let services: BTreeMap<&str, BTreeSet<i64>> = objects
        .iter()
        .filter(|o| o["kind"] == "Service")
        .map(|o| {
            let ports = o["spec"]["ports"].as_array().unwrap().iter().filter_map(|p| p["port"].as_i64()).collect();
            (o["metadata"]["name"].as_str().unwrap(), ports)
        })
        .collect();
    let mut checked = 0;
    for workload in ir["workloads"].as_array().unwrap() {
        let name = workload["name"].as_str().unwrap();
        let deployment = objects.iter().find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name).unwrap();
        for (container, spec) in workload["containers"].as_object().unwrap() {
            let lowered = &deployment["spec"]["template"]["spec"]["containers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["name"] == container.as_str())
                .unwrap()["env"];
            for (variable, template) in spec["variables"].as_object().unwrap() {
                let template = template.as_str().unwrap();
                let names_host = [".host}", ".hostname}", ".name}"].iter().any(|k| template.contains(k));
                if !names_host || template.contains(".name}") && !template.contains("resources.api.name") {
                    continue;
                }
                let value =
                    lowered.as_array().unwrap().iter().find(|v| v["name"] == variable.as_str()).unwrap()["value"]
                        .as_str()
                        .unwrap();
                // The host is the part before `:port` (or the whole value, or after `//`).
                let host_and_port = value.rsplit("//").next().unwrap();
                let (host, port) = match host_and_port.split_once(':') {
                    Some((h, p)) => {
                        (h, p.split(|c: char| !c.is_ascii_digit()).next().and_then(|p| p.parse::<i64>().ok()))
                    }
                    None => (host_and_port, None),
                };
                if host.ends_with(".localhost") {
                    continue; // a DNS name, not a Service
                }
                let ports =
                    services.get(host).unwrap_or_else(|| panic!("{name}.{variable} = {value}: no Service `{host}`"));
                if let Some(port) = port {
                    assert!(
                        ports.contains(&port),
                        "{name}.{variable} = {value}: Service `{host}` has no port {port} ({ports:?})"
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "only {checked} host variables checked");
}

/// What a NetworkPolicy allows, in words: `in <peer> <port>` and `out <peer> <port>`.
fn allowed(policy: &Json) -> BTreeSet<String> {
    let peer = |p: &Json| -> String {
        if let Some(labels) = p.pointer("/podSelector/matchLabels").filter(|_| p.get("namespaceSelector").is_none()) {
            return labels["app.kubernetes.io/name"]
                .as_str()
                .or(labels["app.kubernetes.io/instance"].as_str())
                .unwrap_or("?")
                .to_string();
        }
        if p.pointer("/namespaceSelector/matchLabels/kubernetes.io~1metadata.name").is_some() {
            return "dns".into();
        }
        if p.get("namespaceSelector").is_some() {
            return "any-namespace".into();
        }
        "anywhere".into()
    };
    let mut rules = BTreeSet::new();
    for (direction, key, peers) in [("in", "ingress", "from"), ("out", "egress", "to")] {
        for rule in policy["spec"][key].as_array().into_iter().flatten() {
            for p in rule[peers].as_array().into_iter().flatten() {
                for port in rule["ports"].as_array().into_iter().flatten() {
                    rules.insert(format!("{direction} {} {}", peer(p), port["port"].to_string().trim_matches('"')));
                }
            }
        }
    }
    rules
}

#[test]
fn network_policies_allow_the_declared_links_and_nothing_more() {
    let App { objects, .. } = app();
    let policy = |name: &str| {
        allowed(objects.iter().find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == name).unwrap())
    };
    let dns = ["out dns 53"];
    let set = |items: &[&str]| -> BTreeSet<String> { items.iter().chain(dns.iter()).map(|s| s.to_string()).collect() };
    // frontend: reached through its route (on the routed port); calls the API.
    assert_eq!(policy("frontend"), set(&["in any-namespace 3000", "out api 8080"]));
    // api: called by frontend (service-port) and worker (service); uses its database, the cache, the broker.
    let api = policy("api");
    let db = objects
        .iter()
        .find(|o| o["kind"] == "StatefulSet" && o["metadata"]["name"].as_str().unwrap().starts_with("api-db-"))
        .unwrap();
    let db_name = db["metadata"]["name"].as_str().unwrap().to_string();
    let cache = objects
        .iter()
        .find(|o| o["kind"] == "StatefulSet" && o["metadata"]["name"].as_str().unwrap().starts_with("shared-cache-"))
        .unwrap();
    let cache_name = cache["metadata"]["name"].as_str().unwrap().to_string();
    let expected = set(&[
        "in frontend 8080",
        "in worker 8080",
        &format!("out {db_name} postgres"),
        &format!("out {cache_name} redis"),
        "out stave-kafka kafka",
    ]);
    assert_eq!(api, expected);
    // worker: nothing calls it; it uses the cache, the broker, the bucket store, and calls the API.
    let worker = policy("worker");
    let expected =
        set(&[&format!("out {cache_name} redis"), "out stave-kafka kafka", "out stave-minio s3", "out api 8080"]);
    assert_eq!(worker, expected);
}

#[test]
fn manifests_are_byte_identical_across_runs_and_file_orders() {
    let dir = root().join("fixtures/valid/multi-app");
    let one = stave(&dir, &["compile", "frontend.yaml", "api.yaml", "worker.yaml"], None);
    let two = stave(&dir, &["compile", "worker.yaml", "frontend.yaml", "api.yaml"], None);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
}
