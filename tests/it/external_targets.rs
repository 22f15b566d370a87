//! External targets (`targets:` of the platform file, `stave.dev/target/v1`): the book's example,
//! a program that writes a file per workload, compiles through the one writer (modes, manifest,
//! `--check`); the
//! request Stave writes for every valid fixture is what `spec/target-request.schema.json` says;
//! a broken program is reported as `stave::target::failed` and nothing is written.

use std::path::Path;

use crate::common::{self, stave, transcript};

/// A workload for the broken targets: a service port and a database.
const WORKLOAD: &str = "\
apiVersion: score.dev/v1b1
metadata: {name: hello}
service:
  ports:
    web: {port: 80, targetPort: 8080}
containers:
  web:
    image: ghcr.io/example/hello:1.0
    variables:
      DB_HOST: ${resources.db.host}
resources:
  db:
    type: postgres
";

const PROVISIONERS: &str = "\
provisioners:
  - type: postgres
    targets: [envfile]
    outputs: {host: db}
";

/// A project whose `dev` environment compiles with the shell script `tools/target`.
fn project(script: &str) -> tempfile::TempDir {
    let dir = common::tempdir().unwrap();
    let path = dir.path();
    std::fs::create_dir(path.join("tools")).unwrap();
    std::fs::write(path.join("tools/target"), script).unwrap();
    std::fs::write(path.join("workload.yaml"), WORKLOAD).unwrap();
    std::fs::write(path.join("provisioners.yaml"), PROVISIONERS).unwrap();
    let platform = "targets:\n  envfile:\n    command: [sh, tools/target]\n    timeout: 2\n\
                    environments:\n  dev:\n    target: envfile\n    provisioners: [provisioners.yaml]\n";
    std::fs::write(path.join("stave.yaml"), platform).unwrap();
    dir
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The book's example (`examples/targets/envfile/`), copied and compiled.
#[test]
fn the_example_target_writes_through_the_one_writer() {
    let dir = common::tempdir().unwrap();
    common::copy_dir(&common::root().join("examples/targets/envfile"), dir.path());
    let output = stave(dir.path(), &["compile", "-o", "out/"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    // Its warning, in its own code namespace, at the place it names in the workload file.
    assert!(text.contains("envfile::ports-unpublished") && text.contains("workload.yaml:3:1"), "{text}");
    let env = std::fs::read_to_string(dir.path().join("out/local/hello.env")).unwrap();
    assert!(env.contains("DB_URL=postgres://app@db:5432/app\n"), "{env}");
    // Served by the built-in library, which serves every target with outputs only.
    assert!(env.contains("PUBLIC_HOST=hello-dns-") && env.contains(".localhost\n"), "{env}");
    // `clear`: the password derived from the seed, not a marker.
    let password = env.lines().find_map(|l| l.strip_prefix("DB_PASSWORD=")).expect("the password");
    assert!(password.len() == 32 && password.chars().all(|c| c.is_ascii_hexdigit()), "{env}");
    assert_eq!(mode(&dir.path().join("out/local/hello.env")), 0o600, "a secret file is its owner's only");
    assert!(dir.path().join("out/.stave-output").is_file(), "the manifest of what Stave wrote");
    let check = stave(dir.path(), &["compile", "-o", "out/", "--check"], None);
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));
    // A folder of files: standard output is refused.
    let stdout = stave(dir.path(), &["compile"], None);
    assert_eq!(stdout.status.code(), Some(2), "{}", transcript(&stdout));
    // Options the target does not declare are refused, not ignored, by every command.
    let refused_options: [&[&str]; 4] = [
        &["compile", "-o", "out/", "--namespace", "shop"],
        &["check", "--namespace", "shop"],
        &["compile", "-o", "out/", "--generate-namespace"],
        &["explain", "Deployment/hello"],
    ];
    for args in refused_options {
        let refused = stave(dir.path(), args, None);
        let text = transcript(&refused);
        assert_eq!(refused.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains("is not an option of target `envfile`"), "{args:?}: {text}");
    }
    // The request, for the target's author: markers, never the values.
    let request = stave(dir.path(), &["compile", "--emit", "target-request"], None);
    let request: serde_json::Value = serde_json::from_slice(&request.stdout).expect("JSON");
    let generated = &request["environments"][0]["generated"][0];
    assert_eq!(generated["purpose"], "password");
    assert!(generated.get("value").is_none(), "{generated}");
    let bound = &request["environments"][0]["workloads"][0]["containers"]["web"]["variables"]["DB_PASSWORD"];
    assert_eq!(bound, &generated["marker"]);
    // The book shows the program as it is.
    let page = std::fs::read_to_string(common::root().join("docs/src/targets/external.md")).unwrap();
    let program = std::fs::read_to_string(common::root().join("examples/targets/envfile/envfile.py")).unwrap();
    assert!(page.contains(&program), "docs/src/targets/external.md does not show envfile.py as it is");
}

/// A target that takes no Kubernetes objects reuses the built-in links: a peer connects to the
/// workload by its name on its container's port (8080), where on Kubernetes it goes through the
/// Service's port (80).
#[test]
fn links_connect_as_the_target_says() {
    let dir = common::tempdir().unwrap();
    common::copy_dir(&common::root().join("examples/targets/envfile"), dir.path());
    let worker = "apiVersion: score.dev/v1b1\nmetadata: {name: worker}\ncontainers:\n  main:\n    \
        image: ghcr.io/example/worker:1.0\n    variables:\n      \
        HELLO_URL: http://${resources.hello.hostname}:${resources.hello.port}\nresources:\n  hello:\n    \
        type: service-port\n    params: {workload: hello, port: web}\n";
    std::fs::write(dir.path().join("worker.yaml"), worker).unwrap();
    let output = stave(dir.path(), &["compile", "workload.yaml", "worker.yaml", "-o", "out/"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let env = std::fs::read_to_string(dir.path().join("out/local/worker.env")).unwrap();
    assert!(env.contains("HELLO_URL=http://hello:8080\n"), "{env}");
    let kubernetes = stave(dir.path(), &["compile", "workload.yaml", "worker.yaml", "--target", "kubernetes"], None);
    let manifests = String::from_utf8_lossy(&kubernetes.stdout);
    assert_eq!(kubernetes.status.code(), Some(0), "{}", transcript(&kubernetes));
    assert!(manifests.contains("value: http://hello:80\n"), "{manifests}");
}

/// Every valid fixture's request, for every environment, validates against the published
/// schema (the request does not depend on the target: a target author can try any project).
#[test]
fn the_request_is_what_its_schema_says_for_every_valid_fixture() {
    let schema: serde_json::Value = serde_json::from_str(stave::builtins::TARGET_REQUEST_SCHEMA).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let mut checked = 0;
    for dir in common::fixture_dirs("valid") {
        let case = common::read_case(&dir);
        if case.front_end_only {
            continue;
        }
        let output = common::run_case(&dir, &["compile", "--emit", "target-request"], &[]);
        let name = dir.display();
        assert_eq!(output.status.code(), Some(0), "{name}: {}", transcript(&output));
        let request: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let errors: Vec<String> =
            validator.iter_errors(&request).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{name}: the request breaks its schema:\n{}", errors.join("\n"));
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} fixtures checked");
}

/// What a user sees when the target's program misbehaves: one error, at the program's
/// declaration and the environment, and nothing written.
#[test]
fn a_broken_target_is_reported_and_nothing_is_written() {
    let respond = |json: &str| format!("cat > /dev/null\necho '{json}'\n");
    let cases = [
        ("not-json", "cat > /dev/null\necho 'done'\n".to_string()),
        ("crash", "cat > /dev/null\necho 'no such job template' >&2\nexit 3\n".to_string()),
        ("hang", "sleep 30\n".to_string()),
        ("escaping-path", respond(r#"{"files": [{"path": "../outside", "content": "x"}]}"#)),
        ("own-file", respond(r#"{"files": [{"path": ".stave-output", "content": "x"}]}"#)),
        ("twice", respond(r#"{"files": [{"path": "a", "content": "1"}, {"path": "a", "content": "2"}]}"#)),
        ("unknown-field", respond(r#"{"files": [], "warnings": []}"#)),
        ("bad-code", respond(r#"{"diagnostics": [{"severity": "error", "code": "Bad Code", "message": "x"}]}"#)),
        (
            "reported-error",
            respond(
                r#"{"files": [{"path": "a", "content": "1"}], "diagnostics": [{"severity": "error", "code": "no-port", "message": "`web` needs a port the platform allows", "file": "workload.yaml", "line": 5, "column": 5, "help": "use a port of 1024 or more"}]}"#,
            ),
        ),
    ];
    for (name, script) in cases {
        let dir = project(&script);
        let started = std::time::Instant::now();
        let output = stave(dir.path(), &["compile", "-o", "out/"], None);
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{name}: the time-out did not hold");
        assert_eq!(output.status.code(), Some(1), "{name}: {}", transcript(&output));
        assert!(!dir.path().join("out").exists(), "{name}: something was written");
        insta::assert_snapshot!(format!("broken_target__{name}"), transcript(&output));
    }
}

/// The objects of a YAML stream, each as JSON text with its keys sorted, sorted.
fn objects_of(yaml: &str) -> Vec<String> {
    fn sorted(value: &serde_json::Value) -> serde_json::Value {
        match value {
            serde_json::Value::Object(map) => {
                let keys: std::collections::BTreeMap<&String, serde_json::Value> =
                    map.iter().map(|(k, v)| (k, sorted(v))).collect();
                serde_json::Value::Object(keys.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            serde_json::Value::Array(items) => serde_json::Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(yaml).expect("a YAML stream");
    let mut objects: Vec<String> = documents.iter().filter(|d| !d.is_null()).map(|d| sorted(d).to_string()).collect();
    objects.sort();
    objects
}

/// Compiles `files` (and flags) in `dir` with the Kustomize example target into `out/`, then checks that
/// `kubectl kustomize out/overlays/<env>` renders exactly what `--target kubernetes --env <env>`
/// writes, for each environment; how many objects were compared.
fn kustomize_matches_kubernetes(dir: &Path, files: &[&str], environments: &[String]) -> usize {
    let mut args = vec!["compile"];
    args.extend(files);
    args.extend(["-o", "out/"]);
    let output = stave(dir, &args, None);
    assert_eq!(output.status.code(), Some(0), "{}: {}", dir.display(), transcript(&output));
    let mut compared = 0;
    for environment in environments {
        let overlay = dir.join("out/overlays").join(environment);
        let rendered = common::validators::helm::kustomize(&overlay).unwrap_or_else(|e| panic!("{e}"));
        let mut direct_args = vec!["compile", "--target", "kubernetes", "--env", environment];
        // The files and flags, but their own `--env`.
        let mut rest = files.iter();
        while let Some(arg) = rest.next() {
            if *arg == "--env" {
                rest.next();
            } else {
                direct_args.push(arg);
            }
        }
        let direct = stave(dir, &direct_args, None);
        assert_eq!(direct.status.code(), Some(0), "{}", transcript(&direct));
        let (ours, theirs) = (objects_of(&rendered), objects_of(&String::from_utf8_lossy(&direct.stdout)));
        assert_eq!(ours, theirs, "{}: kustomize and the kubernetes target differ for `{environment}`", dir.display());
        compared += theirs.len();
    }
    compared
}

/// The Kustomize example (`examples/targets/kustomize/`): each environment's overlay renders
/// exactly the kubernetes target's objects, its differences (replicas, namespace) as patches.
#[test]
fn the_kustomize_example_renders_what_the_kubernetes_target_writes() {
    let dir = common::tempdir().unwrap();
    common::copy_dir(&common::root().join("examples/targets/kustomize"), dir.path());
    let environments = ["dev".to_string(), "prod".to_string()];
    let compared = kustomize_matches_kubernetes(dir.path(), &["api.yaml", "web.yaml"], &environments);
    assert!(compared > 20, "{compared} objects");
    let overlay = std::fs::read_to_string(dir.path().join("out/overlays/prod/kustomization.yaml")).unwrap();
    assert!(overlay.contains("/spec/replicas") && overlay.contains("shop-prod"), "{overlay}");
}

/// Every valid fixture the kubernetes target emits, compiled with the Kustomize example target
/// in every environment of its platform file (or the default `local` one): each overlay renders
/// exactly what `--target kubernetes` writes.
#[test]
fn the_kustomize_example_renders_every_kubernetes_fixture() {
    let program = common::root().join("examples/targets/kustomize/kustomize.py");
    let mut compared = 0;
    for dir in common::fixtures_for("kubernetes") {
        let case = common::read_case(&dir);
        let (_temp, copy) = common::copy_fixture(&dir);
        let platform_file = copy.join("stave.yaml");
        let text = std::fs::read_to_string(&platform_file)
            .unwrap_or_else(|_| "environments: {local: {target: kubernetes}}".to_string());
        let mut platform: serde_json::Value = serde_saphyr::from_str(&text).expect("a platform file");
        for environment in platform["environments"].as_object_mut().expect("environments").values_mut() {
            environment["target"] = "kustomize".into();
        }
        platform["targets"] = serde_json::json!({"kustomize": {
            "command": ["python3", program], "objects": "kubernetes", "generatedValues": "clear",
        }});
        std::fs::write(&platform_file, platform.to_string()).unwrap();
        let environments: Vec<String> = match case.args.iter().position(|a| a == "--env") {
            Some(i) => vec![case.args[i + 1].clone()],
            None => platform["environments"].as_object().unwrap().keys().cloned().collect(),
        };
        let files = if case.files.is_empty() { vec!["workload.yaml".to_string()] } else { case.files.clone() };
        let mut args: Vec<&str> = files.iter().map(String::as_str).collect();
        args.extend(case.args.iter().map(String::as_str));
        compared += kustomize_matches_kubernetes(&copy, &args, &environments);
    }
    assert!(compared > 50, "{compared} objects");
}
