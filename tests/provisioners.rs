//! Custom provisioners: template and command provisioners, and how their failures are reported
//! (naming the provisioner file and the resource that triggered them).

mod common;

use common::{stave, transcript};

const WORKLOAD: &str = "apiVersion: score.dev/v1b1
metadata:
  name: shop
containers:
  main:
    image: example/shop:1
    variables:
      QUEUE_URL: ${resources.queue.url}
      QUEUE_TOKEN: ${resources.queue.token}
resources:
  queue:
    type: sqs-queue
    params:
      fifo: true
";

fn project(provisioners: &str, script: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), WORKLOAD).unwrap();
    std::fs::write(
        dir.path().join("stave.yaml"),
        "environments:\n  dev:\n    target: kubernetes\n    kubernetes: {namespace: team}\n    provisioners: [platform/queues.yaml]\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("platform")).unwrap();
    std::fs::write(dir.path().join("platform/queues.yaml"), provisioners).unwrap();
    if let Some(script) = script {
        std::fs::write(dir.path().join("platform/queue.sh"), script).unwrap();
    }
    dir
}

fn compile(dir: &tempfile::TempDir) -> std::process::Output {
    stave(dir.path(), &["compile", "--emit", "resources", "--diagnostics", "json"], None)
}

const TEMPLATE: &str = r#"provisioners:
  - name: queues
    type: sqs-queue
    targets: [kubernetes]
    params:
      type: object
      properties:
        fifo: {type: boolean}
    outputs:
      url: "https://sqs.example/{{ environment.namespace }}/{{ resource.name }}{% if resource.params.fifo %}.fifo{% endif %}"
      token: {$secret: {name: "{{ resource.name }}-token", key: token}}
    objects: |
      - apiVersion: v1
        kind: Secret
        metadata:
          name: {{ (resource.name ~ "-token") | tojson }}
          namespace: {{ environment.namespace | tojson }}
          annotations: {"example.com/owner": {{ workload.name | tojson }}}
        stringData:
          token: {{ generate("token", length=40) | tojson }}
"#;

#[test]
fn a_template_provisioner_serves_a_new_type() {
    let dir = project(TEMPLATE, None);
    let output = compile(&dir);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let doc: serde_json::Value = serde_saphyr::from_slice(&output.stdout).unwrap();
    let queue = &doc["resources"]["sqs-queue.default#shop.queue"];
    assert_eq!(queue["provisioner"], "queues");
    let url = queue["outputs"]["url"].as_str().unwrap();
    assert!(url.starts_with("https://sqs.example/team/shop-queue-") && url.ends_with(".fifo"), "{url}");
    assert_eq!(queue["outputs"]["token"]["$secret"]["key"], "token");
    let secret = &doc["objects"][0];
    assert_eq!(secret["kind"], "Secret");
    assert_eq!(secret["metadata"]["annotations"]["example.com/owner"], "shop");
    assert_eq!(
        secret["stringData"]["token"], "<generated token of sqs-queue.default#shop.queue, 40 characters>",
        "the resources view shows what a generated value is, never the value"
    );
    let manifests = stave(dir.path(), &["compile"], None);
    assert_eq!(manifests.status.code(), Some(0), "{}", transcript(&manifests));
    let objects: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(std::str::from_utf8(&manifests.stdout).unwrap()).unwrap();
    let secret = objects.iter().find(|o| o["kind"] == "Secret").unwrap();
    let token = secret["stringData"]["token"].as_str().unwrap();
    assert!(
        token.len() == 40 && token.chars().all(|c| c.is_ascii_hexdigit()),
        "the Kubernetes target writes the value: {token}"
    );
}

/// A filter that changes a generated value leaves nothing a target could lower: an error.
#[test]
fn a_generated_value_cannot_be_changed_by_a_filter() {
    let dir = project(
        &TEMPLATE.replace(
            r#"{{ generate("token", length=40) | tojson }}"#,
            r#"{{ generate("token") | b64encode | tojson }}"#,
        ),
        None,
    );
    let output = compile(&dir);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stave::provision::failed") && stderr.contains("changed by a filter"), "{stderr}");
}

#[test]
fn a_template_error_names_the_file_and_the_resource() {
    let broken = TEMPLATE.replace("{{ environment.namespace }}/", "{{ environment.no_such_key }}/");
    let output = compile(&project(&broken, None));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("stave::provision::failed"), "{stderr}");
    assert!(stderr.contains("platform/queues.yaml"), "{stderr}");
    assert!(stderr.contains("sqs-queue.default#shop.queue"), "{stderr}");
    assert!(stderr.contains(r#""file":"workload.yaml","line":11,"column":3"#), "{stderr}");
}

const COMMAND: &str = "provisioners:\n  - name: queue-command\n    type: sqs-queue\n    targets: [kubernetes]\n    command: [sh, queue.sh]\n    timeout: 2\n";

#[test]
fn a_command_provisioner_gets_the_resource_and_returns_outputs_and_objects() {
    // The script echoes parts of its input back, to show what it received.
    let script = r#"input=$(cat)
case "$input" in *'"uid":"sqs-queue.default#shop.queue"'*) ;; *) echo "no uid in input" >&2; exit 3;; esac
case "$input" in *'"fifo":true'*) fifo=true;; *) fifo=false;; esac
cat <<JSON
{"outputs": {"url": "https://queue.example/shop?fifo=$fifo", "token": {"\$secret": {"name": "queue-token", "key": "token"}}},
 "objects": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "queue-token"}, "stringData": {"token": "from-the-command"}}]}
JSON
"#;
    let output = compile(&project(COMMAND, Some(script)));
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let doc: serde_json::Value = serde_saphyr::from_slice(&output.stdout).unwrap();
    let queue = &doc["resources"]["sqs-queue.default#shop.queue"];
    assert_eq!(queue["provisioner"], "queue-command");
    assert_eq!(queue["outputs"]["url"], "https://queue.example/shop?fifo=true");
    assert_eq!(doc["objects"][0]["metadata"]["name"], "queue-token");
}

#[test]
fn command_failures_are_reported_with_file_and_resource() {
    let cases = [
        ("echo 'quota exceeded' >&2; exit 4", "exited with code 4: quota exceeded"),
        ("echo 'not json'", "did not print"),
        ("sleep 30", "did not finish within 2 seconds"),
        (r#"echo '{"outputs": {}, "objects": [], "extra": 1}'"#, "unknown field"),
    ];
    for (script, expected) in cases {
        let started = std::time::Instant::now();
        let output = compile(&project(COMMAND, Some(script)));
        assert_eq!(output.status.code(), Some(1), "{script}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("stave::provision::failed") && stderr.contains(expected), "{script}:\n{stderr}");
        assert!(stderr.contains("platform/queues.yaml") && stderr.contains("sqs-queue.default#shop.queue"), "{stderr}");
        assert!(started.elapsed() < std::time::Duration::from_secs(15));
    }
    let missing = compile(&project(&COMMAND.replace("[sh, queue.sh]", "[no-such-program-here]"), None));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot run `no-such-program-here`"));
}

#[test]
fn a_bad_provisioner_file_is_reported_at_its_place() {
    let output = compile(&project(&TEMPLATE.replace("targets: [kubernetes]", "targets: [kubernets]"), None));
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(r#""line":4,"column":15"#) && stderr.contains("platform/queues.yaml"), "{stderr}");
    assert!(stderr.contains("did you mean `kubernetes`"), "{stderr}");
}
