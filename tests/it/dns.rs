//! Chosen DNS hosts: a `dns` resource's `host` param names its host under the environment's
//! `dns_domain` (the built-in `dns` and `builtin:aws`'s Route 53 record alike), the platform's
//! `dns.chosenHosts` decides which hosts workloads may choose, and two resources claiming one host
//! are one error located at both.

use crate::common;

use common::{stave, transcript};
use serde_json::Value as Json;

/// A workload `name` with a `dns` resource `dns` (its `host` param, if any).
fn workload(name: &str, host: Option<&str>) -> String {
    let params = host.map(|h| format!("    params:\n      host: {h}\n")).unwrap_or_default();
    format!(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: {name}\ncontainers:\n  main:\n    image: nginx:1.27\n\
        resources:\n  dns:\n    type: dns\n{params}"
    )
}

/// A project with environment `prod` (`environment` is its body) and the workload files given.
fn project(environment: &str, workloads: &[(&str, String)]) -> tempfile::TempDir {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("stave.yaml"), format!("environments:\n  prod:\n{environment}")).unwrap();
    for (file, text) in workloads {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    dir
}

const KUBERNETES: &str =
    "    target: kubernetes\n    kubernetes: {namespace: shop}\n    variables: {dns_domain: shop.example.com}\n";

/// `compile --emit resources` of the files, parsed; with the run's transcript for messages.
fn resources(dir: &tempfile::TempDir, files: &[&str]) -> (Json, String) {
    let mut args = vec!["compile", "--emit", "resources"];
    args.extend(files);
    let output = stave(dir.path(), &args, None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    (serde_saphyr::from_slice(&output.stdout).unwrap(), transcript(&output))
}

/// `check --provision` of the files, which must fail: its transcript.
fn refused(dir: &tempfile::TempDir, files: &[&str]) -> String {
    let mut args = vec!["check", "--provision"];
    args.extend(files);
    let output = stave(dir.path(), &args, None);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(output.stdout.is_empty(), "{}", transcript(&output));
    transcript(&output).replace("\n  │ ", " ")
}

#[test]
fn a_workload_chooses_its_host_under_the_domain() {
    let dir = project(KUBERNETES, &[("web.yaml", workload("web", Some("www"))), ("api.yaml", workload("api", None))]);
    let (doc, _) = resources(&dir, &["web.yaml", "api.yaml"]);
    assert_eq!(doc["resources"]["dns.default#web.dns"]["outputs"]["host"], "www.shop.example.com");
    let generated = doc["resources"]["dns.default#api.dns"]["outputs"]["host"].as_str().unwrap();
    assert!(generated.starts_with("api-dns-") && generated.ends_with(".shop.example.com"), "{generated}");
}

/// `builtin:aws` names the Route 53 record by the chosen host too, and its Terraform address
/// stays the resource's own.
#[test]
fn the_aws_library_records_the_chosen_host() {
    let environment = "    target: terraform\n    provisioners: [builtin:aws]\n    kubernetes: {namespace: shop}\n    \
        variables: {dns_domain: shop.example.com}\n";
    let dir = project(environment, &[("web.yaml", workload("web", Some("www")))]);
    let (doc, text) = resources(&dir, &["web.yaml"]);
    assert_eq!(doc["resources"]["dns.default#web.dns"]["outputs"]["host"], "www.shop.example.com");
    let objects = doc["objects"].as_array().unwrap();
    let record = objects.iter().find(|o| o["type"] == "aws_route53_record").unwrap_or_else(|| panic!("{text}"));
    assert_eq!(record["body"]["name"], "www.shop.example.com");
    assert!(record["name"].as_str().unwrap().starts_with("web_dns_"), "{record}");
}

#[test]
fn the_platform_decides_which_hosts_may_be_chosen() {
    let patterns = format!("{KUBERNETES}    dns:\n      chosenHosts: [www, \"*-preview\"]\n");
    let allowed = project(&patterns, &[("web.yaml", workload("web", Some("pr-7-preview")))]);
    let (doc, _) = resources(&allowed, &["web.yaml"]);
    assert_eq!(doc["resources"]["dns.default#web.dns"]["outputs"]["host"], "pr-7-preview.shop.example.com");

    let dir = project(&patterns, &[("web.yaml", workload("web", Some("shop")))]);
    let text = refused(&dir, &["web.yaml"]);
    assert!(text.contains("stave::provision::bad-param"), "{text}");
    assert!(text.contains("param `host` `shop` is not among the hosts environment `prod` allows"), "{text}");
    assert!(text.contains("`www`, `*-preview`"), "{text}");
    assert!(text.contains("web.yaml:11:13") && text.contains("stave.yaml:7:7"), "{text}");
    assert!(!text.contains("False schema") && !text.contains("param ``"), "{text}");

    let forbidden = format!("{KUBERNETES}    dns: {{chosenHosts: false}}\n");
    let dir = project(&forbidden, &[("web.yaml", workload("web", Some("www")))]);
    let text = refused(&dir, &["web.yaml"]);
    assert!(text.contains("environment `prod` does not let workloads choose DNS hosts"), "{text}");
    // Without `host` a forbidding environment still names the resource itself.
    let dir = project(&forbidden, &[("web.yaml", workload("web", None))]);
    let (doc, _) = resources(&dir, &["web.yaml"]);
    assert!(doc["resources"]["dns.default#web.dns"]["outputs"]["host"].as_str().unwrap().starts_with("web-dns-"));
}

/// A host is a relative name of DNS labels: one written in full, or that is no name, is refused
/// with what to write instead.
#[test]
fn a_host_is_a_relative_dns_name() {
    for (host, expected) in [
        ("www.shop.example.com", "param `host` `www.shop.example.com` is written in full: write `www`"),
        ("WWW", "param `host` `WWW` is not a host name: `W` is not a lower-case letter, a digit or `-` (write `www`)"),
        ("a..b", "param `host` `a..b` is not a host name: it has an empty label"),
        ("-www", "the label `-www` starts or ends with `-`"),
    ] {
        let dir = project(KUBERNETES, &[("web.yaml", workload("web", Some(&format!("\"{host}\""))))]);
        let text = refused(&dir, &["web.yaml"]);
        assert!(text.contains(expected), "{host}: {text}");
        assert!(text.contains("web.yaml:11:13"), "{host}: {text}");
    }
}

/// Two resources claiming one host: one error that names both, located at both; a resource
/// shared through `id` is one claim.
#[test]
fn two_workloads_cannot_claim_one_host() {
    let files = [("web.yaml", workload("web", Some("www"))), ("shop.yaml", workload("shop", Some("www")))];
    let dir = project(KUBERNETES, &files);
    let text = refused(&dir, &["web.yaml", "shop.yaml"]);
    assert_eq!(text.matches("stave::provision::host-conflict").count(), 2, "one error and its advice: {text}");
    assert!(
        text.contains(
            "host `www` is claimed by 2 `dns` resources: `dns.default#shop.dns` (workload `shop`) and \
            `dns.default#web.dns` (workload `web`)"
        ),
        "{text}"
    );
    assert!(text.contains("shop.yaml:11:13") && text.contains("web.yaml:11:13"), "{text}");

    // A host a placeholder gives is compared as resolved.
    let placeholder = workload("shop", Some("${resources.env.HOST}")) + "  env:\n    type: environment\n";
    let environment = KUBERNETES.replace("dns_domain: shop.example.com", "dns_domain: shop.example.com, HOST: www");
    let dir = project(&environment, &[("web.yaml", workload("web", Some("www"))), ("shop.yaml", placeholder)]);
    let text = refused(&dir, &["web.yaml", "shop.yaml"]);
    assert!(text.contains("host `www` is claimed by 2 `dns` resources"), "{text}");

    let shared = |name: &str| workload(name, Some("www")).replace("    type: dns\n", "    type: dns\n    id: site\n");
    let dir = project(KUBERNETES, &[("web.yaml", shared("web")), ("shop.yaml", shared("shop"))]);
    let (doc, _) = resources(&dir, &["web.yaml", "shop.yaml"]);
    assert_eq!(doc["resources"]["dns.default#shared:site"]["outputs"]["host"], "www.shop.example.com");
}

/// `provisioners list` shows the `host` param of both `dns` provisioners.
#[test]
fn the_dns_provisioners_list_their_host_param() {
    let environment = "    target: terraform\n    provisioners: [builtin:aws]\n    kubernetes: {namespace: shop}\n";
    let dir = project(environment, &[]);
    let output = stave(dir.path(), &["provisioners", "list"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("dns ")).collect();
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows.iter().all(|r| r.ends_with(" host")), "{text}");
}
