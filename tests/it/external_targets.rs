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
