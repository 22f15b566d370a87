//! Custom provisioners: template and command provisioners, and how their failures are reported
//! (naming the provisioner file and the resource that triggered them).

use crate::common;

use common::{stave, stave_with_env, transcript};

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
    let dir = crate::common::tempdir().unwrap();
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

/// A command runs in a clean environment, in a process group of its own, with capped pipes:
/// a grandchild that keeps stdout open cannot defeat the time-out, and dies with it; 1 MiB of
/// stderr does not break the pipe; too much stdout is said to be too much; the seed is not in
/// its environment and its keys are redacted from what a message shows.
#[test]
fn commands_are_contained() {
    let dir = crate::common::tempdir().unwrap();
    let marker = dir.path().join("grandchild-lived");
    let grandchild = format!("(sleep 3; touch {}) & sleep 30", marker.display());
    let reply = r#"echo '{"outputs": {"url": "u", "token": {"$secret": {"name": "t", "key": "k"}}}, "objects": [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "t"}, "stringData": {"k": "v"}}]}'"#;
    let cases: Vec<(String, Option<&str>)> = vec![
        (grandchild, Some("did not finish within 2 seconds")),
        ("(sleep 30) & echo started".to_string(), Some("did not print")),
        (format!("head -c 1048576 /dev/zero | tr '\\0' x >&2; {reply}"), None),
        ("head -c 1073741824 /dev/zero".to_string(), Some("more than 16 MiB on stdout")),
        ("env >&2; cat >&2; exit 3".to_string(), Some("exited with code 3")),
    ];
    let first_started = std::time::Instant::now();
    for (script, expected) in cases {
        let started = std::time::Instant::now();
        let output = stave_with_env(
            project(COMMAND, Some(&script)).path(),
            &["compile", "--emit", "resources"],
            None,
            &[("STAVE_SEED", Some("the seed"))],
        );
        let stderr = String::from_utf8_lossy(&output.stderr).to_string();
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{script}: took {:?}", started.elapsed());
        match expected {
            Some(expected) => {
                assert_eq!(output.status.code(), Some(1), "{script}:\n{stderr}");
                assert!(stderr.contains(expected), "{script}:\n{stderr}");
            }
            None => assert_eq!(output.status.code(), Some(0), "{script}:\n{stderr}"),
        }
        assert!(
            !stderr.contains("STAVE_SEED") && !stderr.contains("the seed"),
            "the seed reached the command:\n{stderr}"
        );
        if script.starts_with("env") {
            assert!(stderr.contains("<redacted>") && stderr.contains("_keys"), "{stderr}");
        }
    }
    // The grandchild (of the first case) would touch the marker 3 seconds after it started.
    let grandchild_done = std::time::Duration::from_secs(4);
    std::thread::sleep(grandchild_done.saturating_sub(first_started.elapsed()));
    assert!(!marker.exists(), "the command's grandchild outlived the time-out");
}

/// Templates that grow a value without bound: in a loop, in straight-line code, through a
/// recursive macro, through `replace` and through Stave's own `b64encode`; and one that only
/// loops. Each prepended to the objects template of [`TEMPLATE`].
const RUNAWAY_TEMPLATES: [&str; 6] = [
    "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
    "{% set a = 'x' * 100000000 %}{% set b = a ~ a %}{% set c = b ~ b %}{% set d = c ~ c %}{% set e = d ~ d %}{{ e | length }}",
    "{% macro grow(s, n) %}{% if n > 0 %}{{ grow(s ~ s, n - 1) }}{% else %}{{ s | length }}{% endif %}{% endmacro %}{{ grow('x', 60) }}",
    "{% set ns = namespace(s='x' * 1000) %}{% for i in range(60) %}{% set ns.s = ns.s | replace('x', 'xx') %}{% endfor %}",
    "{% set ns = namespace(s='x' * 1000) %}{% for i in range(100) %}{% set ns.s = ns.s | b64encode %}{% endfor %}",
    "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
];

fn runaway(growth: &str) -> String {
    TEMPLATE.replace("    objects: |\n", &format!("    objects: |\n      {growth}\n"))
}

/// A template that grows a value or loops without end is stopped by its budget within a
/// render: quickly, as one located diagnostic in the format asked for (here JSON), naming the
/// provisioner and the resource, with nothing written.
#[test]
fn a_template_cannot_take_all_the_time_or_memory() {
    for growth in RUNAWAY_TEMPLATES {
        let dir = project(&runaway(growth), None);
        let started = std::time::Instant::now();
        let output = stave(dir.path(), &["compile", "-o", "out/", "--diagnostics", "json"], None);
        let elapsed = started.elapsed();
        assert_eq!(output.status.code(), Some(1), "{growth}:\n{}", transcript(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{growth}: one JSON line:\n{stderr}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        assert_eq!(line["code"], "stave::provision::failed", "{line}");
        let message = line["message"].as_str().unwrap();
        assert!(
            message.contains("more than its budget of time or memory")
                && message.contains("provisioner `queues`")
                && message.contains("sqs-queue.default#shop.queue"),
            "{growth}: {message}"
        );
        assert_eq!((line["file"].as_str(), line["line"].as_u64()), (Some("workload.yaml"), Some(11)), "{line}");
        assert!(line["help"].as_str().is_some_and(|h| h.contains("bound")), "{line}");
        assert!(output.stdout.is_empty() && !dir.path().join("out").exists(), "{growth}: something was written");
        // Each stops in well under a second on a quiet machine; the bound only catches a hang.
        assert!(elapsed < std::time::Duration::from_secs(10), "{growth}: took {elapsed:?}");
    }
}

/// The budget is the render's own: a program using Stave as a library gets the diagnostic back
/// (the process is not ended), blaming the resource whose render ran over, not another
/// workload's resource rendering beside it on another thread.
#[test]
fn a_runaway_template_is_a_diagnostic_for_a_library_user() {
    use stave::pipeline::{self, Request, Stage};
    let notes = NOTES.trim_start_matches("provisioners:\n");
    let dir = project(&format!("{}{notes}", runaway(RUNAWAY_TEMPLATES[0])), None);
    let beside = "apiVersion: score.dev/v1b1\nmetadata:\n  name: beside\ncontainers:\n  main:\n    image: example/app:1\nresources:\n  note:\n    type: note\n";
    std::fs::write(dir.path().join("beside.yaml"), beside).unwrap();
    let request = Request {
        inputs: ["workload.yaml", "beside.yaml"].map(|f| stave::score::Input::Path(dir.path().join(f))).to_vec(),
        platform: Some(dir.path().join("stave.yaml")),
        seed: Some(stave::provision::seed::Seed::from_text("s")),
        ..Request::default()
    };
    let mut sources = stave::source::Sources::new();
    let (_, diagnostics) = pipeline::run(&request, Stage::Provision, &mut sources);
    let errors: Vec<_> = diagnostics.iter().filter(|d| d.severity == stave::diagnostics::Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].code, stave::diagnostics::Code::ProvisionerFailed);
    let message = &errors[0].message;
    assert!(message.contains("budget") && message.contains("sqs-queue.default#shop.queue"), "{message}");
}

/// Where fuel does not count the memory (minijinja materializes a list concatenated with itself
/// past 32 levels before it charges for it), the binary's watchdog stops the render once it has
/// grown the process past `STAVE_RENDER_MEMORY` (1 GiB by default; 64 MiB here): one diagnostic
/// in the format asked for, naming the provisioner and the resource, exit 1, nothing written.
#[test]
fn a_render_that_outgrows_its_fuel_is_stopped_by_the_watchdog_in_the_chosen_format() {
    let doubling = "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l | length }}";
    let dir = project(&runaway(doubling), None);
    let memory = [("STAVE_SEED", Some("s")), ("STAVE_RENDER_MEMORY", Some("67108864"))];
    for format in ["json", "sarif", "human"] {
        let output = stave_with_env(dir.path(), &["compile", "-o", "out/", "--diagnostics", format], None, &memory);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{format}: {}", transcript(&output));
        assert!(
            stderr.contains("provisioner `queues`")
                && stderr.contains("sqs-queue.default#shop.queue")
                && stderr.contains("more than 64 MiB while rendering"),
            "{format}: {stderr}"
        );
        match format {
            "json" => {
                let lines: Vec<serde_json::Value> = stderr.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
                assert_eq!(lines.len(), 1, "{stderr}");
                assert_eq!(lines[0]["code"], "stave::provision::failed");
            }
            "sarif" => {
                let log: serde_json::Value = serde_json::from_str(&stderr).unwrap();
                assert_eq!(log["runs"][0]["results"][0]["ruleId"], "stave::provision::failed", "{log}");
            }
            _ => assert!(stderr.contains("failed; nothing was written: 1 error"), "{stderr}"),
        }
        assert!(output.stdout.is_empty() && !dir.path().join("out").exists(), "{format}: something was written");
    }
}

/// A param the provisioner's schema refuses is named, located at its value, and answered with
/// what the provisioner accepts.
#[test]
fn a_refused_param_is_named_and_located_with_what_is_accepted() {
    let dir = common::root().join("fixtures/invalid/provision-bad-param.enum");
    let output = common::run_case(&dir, &["check"], &["--diagnostics", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line: serde_json::Value = serde_json::from_str(stderr.lines().next().unwrap()).unwrap();
    assert_eq!(line["code"], "stave::provision::bad-param");
    assert_eq!((line["line"].as_u64(), line["column"].as_u64()), (Some(11), Some(15)), "{line}");
    let message = line["message"].as_str().unwrap();
    assert!(message.contains("`colour`") && message.contains("`blue`") && message.contains("`blue-grey`"), "{message}");
    assert!(message.contains("did you mean `blue-grey`?"), "{message}");
    let help = line["help"].as_str().unwrap();
    assert!(help.contains("the colour of the walls"), "{help}");
    let volume = common::root().join("fixtures/invalid/provision-bad-param.no-params");
    let output = common::run_case(&volume, &["check"], &["--diagnostics", "json"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("`size` is not a param of provisioner `builtin/volume`"), "{stderr}");
    assert!(stderr.contains(r#""line":11,"column":13"#), "{stderr}");
}

/// A rule of the params schema about the params as a whole is worded about the map, never as
/// "param ``".
#[test]
fn a_refusal_of_the_whole_params_map_says_so() {
    let schema = "    params:\n      type: object\n      minProperties: 2\n";
    let provisioners = TEMPLATE.replace("    params:\n      type: object\n", schema);
    let output = compile(&project(&provisioners, None));
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the `params` map must have at least 2 keys, not 1"), "{stderr}");
    assert!(!stderr.contains("``"), "{stderr}");
}

/// Templates can test for a value that is absent (`if`, `not`, `is defined`, `default`, `or`);
/// printing it or looping over it is still an error.
#[test]
fn undefined_values_can_be_tested_but_not_printed() {
    let tested = "{% if not resource.params.colour %}none{% endif %}|{{ resource.params.colour is defined }}|{{ resource.params.colour | default('d') }}|{{ resource.params.colour or 'o' }}";
    let dir = project(&TEMPLATE.replace("{% if resource.params.fifo %}.fifo{% endif %}", tested), None);
    let output = compile(&dir);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let doc: serde_json::Value = serde_saphyr::from_slice(&output.stdout).unwrap();
    let url = doc["resources"]["sqs-queue.default#shop.queue"]["outputs"]["url"].as_str().unwrap();
    assert!(url.ends_with("none|False|d|o"), "{url}");
    for misuse in ["{{ resource.params.colour }}", "{% for c in resource.params.colour %}{% endfor %}"] {
        let output =
            compile(&project(&TEMPLATE.replace("{% if resource.params.fifo %}.fifo{% endif %}", misuse), None));
        assert_eq!(output.status.code(), Some(1), "{misuse}: {}", transcript(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("stave::provision::failed") && stderr.contains("undefined"), "{misuse}: {stderr}");
    }
}

/// `builtin:aws` without the environment's `dns_domain` says so in its own words (its template
/// tests for the absent variable).
#[test]
fn the_aws_library_explains_a_missing_dns_domain() {
    let dir = common::root().join("fixtures/invalid/provision-failed.aws-without-dns-domain");
    let output = common::run_case(&dir, &["check"], &["--diagnostics", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("builtin:aws serves `dns` in the zone of the environment's variable `dns_domain`"),
        "{stderr}"
    );
}

/// A provisioner that records which of its declaring workload's resources it saw as `outputs`.
const NOTES: &str = r#"provisioners:
  - name: notes
    type: note
    targets: [kubernetes]
    outputs:
      seen: "{{ outputs | list | join(',') }}"
"#;

/// Provisioning runs resources in parallel levels; a template still sees, as `outputs`, exactly
/// the resources of its workload provisioned before it in graph order, whatever the threads.
#[test]
fn templates_see_the_earlier_resources_of_their_workload_whatever_the_threads() {
    let dir = project(NOTES, None);
    let workload = |name: &str, resources: &[&str]| {
        let mut text = format!(
            "apiVersion: score.dev/v1b1\nmetadata:\n  name: {name}\ncontainers:\n  main:\n    image: example/app:1\nresources:\n"
        );
        for resource in resources {
            text.push_str(&format!("  {resource}:\n    type: note\n"));
        }
        // One resource both workloads share.
        text.push_str("  common:\n    type: note\n    id: common\n");
        text
    };
    std::fs::write(dir.path().join("workload.yaml"), workload("alpha", &["one", "two", "three"])).unwrap();
    std::fs::write(dir.path().join("beta.yaml"), workload("beta", &["four", "five"])).unwrap();
    let run = |threads: &str| {
        let args = ["compile", "workload.yaml", "beta.yaml", "--emit", "resources"];
        let output =
            stave_with_env(dir.path(), &args, None, &[("STAVE_SEED", Some("s")), ("RAYON_NUM_THREADS", Some(threads))]);
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        output.stdout
    };
    let one = run("1");
    assert_eq!(one, run("2"));
    assert_eq!(one, run("8"));
    let doc: serde_json::Value = serde_saphyr::from_slice(&one).unwrap();
    let seen = |uid: &str| -> Vec<String> {
        let text = doc["resources"][uid]["outputs"]["seen"].as_str().unwrap_or_else(|| panic!("{uid} in {doc}"));
        text.split(',').filter(|s| !s.is_empty()).map(String::from).collect()
    };
    // Within each workload the resources see a growing prefix of its resources: each sees every
    // one seen by a resource before it, and the last sees all the others.
    for (workload, names) in [("alpha", vec!["one", "two", "three", "common"]), ("beta", vec!["four", "five"])] {
        let mut views: Vec<Vec<String>> = names
            .iter()
            .map(|name| {
                let uid = if *name == "common" {
                    "note.default#shared:common".to_string()
                } else {
                    format!("note.default#{workload}.{name}")
                };
                seen(&uid)
            })
            .filter(|view| view.iter().all(|n| names.contains(&n.as_str())))
            .collect();
        views.sort_by_key(Vec::len);
        for pair in views.windows(2) {
            assert!(pair[0].iter().all(|n| pair[1].contains(n)), "{workload}: {views:?}");
        }
        let last = views.last().unwrap();
        assert!(last.len() >= names.len() - 1, "{workload}: the last sees the others: {views:?}");
    }
}
