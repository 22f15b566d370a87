//! Which targets a provisioner serves: those its `targets:` lists, and, for one that lists
//! `kubernetes` or `helm` (it returns Kubernetes objects), every target that takes them, after
//! those that list the target, unless it says `strictTargets: true`; when nothing serves a
//! resource, the error names the provisioners of its type that serve other targets. And
//! `provisioners list` as a table whose columns fit their values, with each provisioner's params.

use crate::common;

use common::{stave, transcript};
use serde_json::Value as Json;

/// The book's worked provisioner (`targets: [kubernetes]`), with `extra` lines after `targets`.
fn queues(extra: &str) -> String {
    format!(
        r#"provisioners:
  - name: queues
    type: sqs-queue
    targets: [kubernetes]
{extra}    params:
      type: object
      properties:
        fifo: {{type: boolean}}
    outputs:
      url: "https://sqs.example/{{{{ environment.namespace }}}}/{{{{ resource.name }}}}"
      token: {{$secret: {{name: "{{{{ resource.name }}}}-token", key: token}}}}
    objects: |
      - apiVersion: v1
        kind: Secret
        metadata:
          name: {{{{ (resource.name ~ "-token") | tojson }}}}
          namespace: {{{{ environment.namespace | tojson }}}}
        stringData:
          token: {{{{ generate("token", length=40) | tojson }}}}
"#
    )
}

const WORKLOAD: &str = "apiVersion: score.dev/v1b1
metadata:
  name: shop
containers:
  web:
    image: ghcr.io/example/shop:1.4.2
    variables:
      QUEUE_URL: ${resources.queue.url}
      QUEUE_TOKEN: ${resources.queue.token}
      DB_HOST: ${resources.db.host}
resources:
  queue:
    type: sqs-queue
    params: {fifo: true}
  db:
    type: postgres
";

/// A project whose environments `dev` (kubernetes), `prod` (helm) and `cloud` (terraform, with
/// `builtin:aws` after the team's file) all list `platform/queues.yaml`.
fn project(provisioners: &str) -> tempfile::TempDir {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), WORKLOAD).unwrap();
    let platform = "environments:
  dev:
    target: kubernetes
    kubernetes: {namespace: shop}
    provisioners: [platform/queues.yaml]
  prod:
    target: helm
    kubernetes: {namespace: shop}
    provisioners: [platform/queues.yaml]
  cloud:
    target: terraform
    kubernetes: {namespace: shop}
    provisioners: [platform/queues.yaml, builtin:aws]
";
    std::fs::write(dir.path().join("stave.yaml"), platform).unwrap();
    std::fs::create_dir_all(dir.path().join("platform")).unwrap();
    std::fs::write(dir.path().join("platform/queues.yaml"), provisioners).unwrap();
    dir
}

/// The provisioner chosen for each resource in `environment`.
fn chosen(dir: &tempfile::TempDir, environment: &str) -> Json {
    let output = stave(dir.path(), &["compile", "--emit", "resources", "--env", environment], None);
    assert_eq!(output.status.code(), Some(0), "{environment}: {}", transcript(&output));
    let doc: Json = serde_saphyr::from_slice(&output.stdout).unwrap();
    let resources = doc["resources"].as_object().unwrap();
    resources.iter().map(|(uid, r)| (uid.clone(), r["provisioner"].clone())).collect()
}

#[test]
fn a_kubernetes_provisioner_serves_every_target_built_on_kubernetes_objects() {
    let dir = project(&queues(""));
    for environment in ["dev", "prod", "cloud"] {
        assert_eq!(chosen(&dir, environment)["sqs-queue.default#shop.queue"], "queues", "{environment}");
    }
    let out = crate::common::tempdir().unwrap();
    let chart = out.path().join("chart");
    let args = ["compile", "--env", "prod", "-o", chart.to_str().unwrap()];
    let output = stave(dir.path(), &args, None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let templates = std::fs::read_dir(chart.join("templates")).unwrap();
    let texts: Vec<String> = templates.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("-token")), "the chart holds the provisioner's Secret");
}

/// A provisioner that lists the target comes before one that serves it by implication from the
/// same origin (`builtin:aws`'s RDS over the team's in-cluster postgres under terraform); an
/// environment's own provisioner still comes before a built-in one.
#[test]
fn listing_the_target_ranks_first_within_an_origin() {
    let postgres = "  - name: team-postgres
    type: postgres
    targets: [kubernetes]
    outputs: {host: team-db}
";
    let dir = project(&(queues("") + postgres));
    assert_eq!(chosen(&dir, "cloud")["postgres.default#shop.db"], "builtin/aws-postgres");
    assert_eq!(chosen(&dir, "prod")["postgres.default#shop.db"], "team-postgres");
    assert_eq!(chosen(&dir, "dev")["postgres.default#shop.db"], "team-postgres");
}

#[test]
fn strict_targets_keeps_a_provisioner_to_its_list_and_the_error_names_it() {
    let dir = project(&queues("    strictTargets: true\n"));
    assert_eq!(chosen(&dir, "dev")["sqs-queue.default#shop.queue"], "queues");
    let output = stave(dir.path(), &["check", "--provision", "--env", "prod"], None);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    // The message and help as one line each (the people's format wraps them).
    let text = transcript(&output).replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("stave::provision::no-provisioner"), "{text}");
    assert!(
        text.contains(
            "no provisioner serves resource type `sqs-queue` (class `default`) for target helm in environment `prod`: \
            provisioner `queues` (./platform/queues.yaml) serves it for target kubernetes, with `strictTargets: true`"
        ),
        "{text}"
    );
    assert!(text.contains("`queues` serves `sqs-queue` for target kubernetes only"), "{text}");
    assert!(text.contains("./platform/queues.yaml:2:5") && text.contains("workload.yaml:12:3"), "{text}");
    assert!(text.contains("add `helm` to its `targets`"), "{text}");
}

/// A Terraform-only provisioner (it may return Terraform blocks) serves no Kubernetes target, and
/// the error says it exists.
#[test]
fn a_terraform_provisioner_is_named_where_it_does_not_serve() {
    let dir = project(&queues("").replace("targets: [kubernetes]", "targets: [terraform]"));
    let output = stave(dir.path(), &["check", "--provision", "--env", "dev", "--diagnostics", "json"], None);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line: Json = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(line["code"], "stave::provision::no-provisioner");
    let message = line["message"].as_str().unwrap();
    assert!(
        message.ends_with(": provisioner `queues` (./platform/queues.yaml) serves it for target terraform"),
        "{message}"
    );
    assert!(!message.contains("did you mean"), "{message}");
}

/// The table's columns fit their longest value (a long type no longer pushes its row out of
/// line), a provisioner's params are listed with the required ones marked, and one that serves
/// the target by implication is marked and explained.
#[test]
fn the_list_is_aligned_and_shows_params() {
    let long = "  - name: a-provisioner-with-a-rather-long-name
    type: a-very-long-resource-type-name
    targets: [helm]
    params:
      type: object
      additionalProperties: false
      required: [size]
      properties:
        size: {type: integer}
        zone: {type: string}
";
    let dir = project(&(queues("") + long));
    let output = stave(dir.path(), &["provisioners", "list", "--env", "prod"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    let header = text.lines().find(|l| l.starts_with("TYPE")).unwrap();
    let columns: Vec<usize> =
        ["CLASS", "ID", "NAME", "FROM", "PARAMS"].iter().map(|c| header.find(c).unwrap()).collect();
    let rows: Vec<&str> =
        text.lines().skip_while(|l| !l.starts_with("TYPE")).skip(1).take_while(|l| !l.is_empty()).collect();
    assert!(rows.len() >= 17, "{text}");
    for row in &rows {
        for &at in &columns {
            assert!(
                row[..at].ends_with(' ') && !row[at..].starts_with(' '),
                "a column out of line at {at}: {row}\n{text}"
            );
        }
    }
    let row = |kind: &str| *rows.iter().find(|r| r.starts_with(&format!("{kind} "))).unwrap();
    assert!(row("a-very-long-resource-type-name").ends_with(" size (required), zone"), "{text}");
    assert!(row("service-port").ends_with(" workload (required), port (required)"), "{text}");
    assert!(row("volume").ends_with(" -"), "{text}");
    assert!(row("sqs-queue").contains(" queues (+) ") && row("sqs-queue").ends_with(" fifo, any other"), "{text}");
    assert!(text.contains("(+) serves helm without listing it"), "{text}");

    let json = stave(dir.path(), &["provisioners", "list", "--env", "prod", "--format", "json"], None);
    let listed: Json = serde_json::from_slice(&json.stdout).unwrap();
    let queue = listed.as_array().unwrap().iter().find(|p| p["name"] == "queues").unwrap();
    assert_eq!((&queue["serves"], &queue["strictTargets"]), (&Json::from("implied"), &Json::from(false)));
}
