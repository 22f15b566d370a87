//! Workloads deployed elsewhere (`externalWorkloads` in the platform file): links to them
//! compile, their outputs come from the declaration (with the namespace in the host name when it
//! differs), the caller's NetworkPolicy lets it reach them and nothing else, nothing is emitted
//! for them, and a workload being compiled wins over a declaration of its name.

use crate::common;

use common::{root, stave, transcript};
use serde_json::Value as Json;

fn objects(args: &[&str]) -> Vec<Json> {
    let dir = root().join("fixtures/valid/external");
    let mut all = vec!["compile", "checkout.yaml", "cart.yaml"];
    all.extend(args);
    let output = stave(&dir, &all, None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    text.split("\n---\n").map(|d| serde_saphyr::from_str(d.trim_start_matches("---\n")).unwrap()).collect()
}

fn find<'a>(objects: &'a [Json], kind: &str, name: &str) -> Option<&'a Json> {
    objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
}

fn env(deployment: &Json, name: &str) -> String {
    let vars = deployment.pointer("/spec/template/spec/containers/0/env").and_then(Json::as_array).unwrap();
    let var = vars.iter().find(|v| v["name"] == name).unwrap_or_else(|| panic!("no `{name}`"));
    var["value"].as_str().unwrap().to_string()
}

/// The egress rules of `policy` as (peer, ports) pairs, in JSON.
fn egress(policy: &Json) -> Vec<(Json, Json)> {
    let rules = policy.pointer("/spec/egress").and_then(Json::as_array).unwrap();
    rules.iter().map(|r| (r["to"][0].clone(), r["ports"].clone())).collect()
}

#[test]
fn links_to_external_workloads_compile_from_the_declaration() {
    let objects = objects(&[]);
    let checkout = find(&objects, "Deployment", "checkout").unwrap();
    assert_eq!(env(checkout, "PAYMENTS_URL"), "http://payments-api.payments.svc:80", "another namespace");
    assert_eq!(env(checkout, "CATALOG_ADDR"), "catalog:3550", "the same namespace");
    assert_eq!(env(checkout, "CART_URL"), "http://cart:8080", "the compiled `cart` wins over its declaration");
    // Nothing is emitted for them, in any namespace.
    for object in &objects {
        let name = object["metadata"]["name"].as_str().unwrap();
        assert!(!["payments", "payments-api", "catalog"].contains(&name), "{object}");
        assert_eq!(object["metadata"]["namespace"], "shop", "{object}");
    }
    let policy = find(&objects, "NetworkPolicy", "checkout").unwrap();
    let rules = egress(policy);
    let payments = serde_json::json!({
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "payments"}}, "podSelector": {},
    });
    let tcp = |port: u16| serde_json::json!([{"port": port, "protocol": "TCP"}]);
    assert!(rules.contains(&(payments, tcp(8080))), "payments' pods, on the target port: {rules:?}");
    let catalog = serde_json::json!({"podSelector": {"matchLabels": {"app.kubernetes.io/name": "catalog"}}});
    assert!(rules.contains(&(catalog, tcp(3550))), "catalog's labelled pods: {rules:?}");
    assert!(!rules.iter().any(|(_, ports)| ports == &tcp(9999)), "not the declared `cart`: {rules:?}");
}

/// Compiled into the external workload's own namespace, the link needs no qualified name and the
/// policy no namespace selector.
#[test]
fn an_external_workload_in_the_same_namespace_is_reached_by_its_service_name() {
    let objects = objects(&["--namespace", "payments"]);
    let checkout = find(&objects, "Deployment", "checkout").unwrap();
    assert_eq!(env(checkout, "PAYMENTS_URL"), "http://payments-api:80");
    let rules = egress(find(&objects, "NetworkPolicy", "checkout").unwrap());
    assert!(
        rules.contains(&(
            serde_json::json!({"podSelector": {}}),
            serde_json::json!([{"port": 8080, "protocol": "TCP"}])
        ))
    );
    assert!(!serde_json::to_string(&rules).unwrap().contains("kubernetes.io/metadata.name\":\"payments"));
}

/// A port the declaration does not have is an error at the link, naming the ports it has.
#[test]
fn a_port_the_declaration_lacks_is_an_error() {
    let temp = crate::common::tempdir().unwrap();
    let dir = root().join("fixtures/valid/external");
    std::fs::copy(dir.join("stave.yaml"), temp.path().join("stave.yaml")).unwrap();
    let text = std::fs::read_to_string(dir.join("checkout.yaml")).unwrap().replace("port: api}", "port: grpc}");
    std::fs::write(temp.path().join("checkout.yaml"), text).unwrap();
    let output = stave(temp.path(), &["check", "--provision", "checkout.yaml"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    let flat = text.split_whitespace().filter(|w| *w != "│").collect::<Vec<_>>().join(" ");
    assert!(flat.contains("workload `payments` has no service port `grpc`; it has: api"), "{text}");
}
