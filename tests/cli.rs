//! CLI tests: run the real binary and check exit codes, standard output and standard error.

mod common;

use common::{root, stave, transcript};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const HELLO: &str =
    "apiVersion: score.dev/v1b1\nmetadata:\n  name: hello\ncontainers:\n  main:\n    image: nginx:1.27\n";

#[test]
fn version_and_help() {
    let dir = tempfile::tempdir().unwrap();
    let version = stave(dir.path(), &["--version"], None);
    assert_eq!(version.status.code(), Some(0));
    assert!(text(&version.stdout).starts_with("stave "));
    let help = stave(dir.path(), &["--help"], None);
    assert_eq!(help.status.code(), Some(0));
    let help = text(&help.stdout);
    for expected in ["check", "compile", "schema", "Examples:", "--diagnostics", "--deny-warnings"] {
        assert!(help.contains(expected), "--help lacks `{expected}`:\n{help}");
    }
    let compile_help = text(&stave(dir.path(), &["compile", "--help"], None).stdout);
    for flag in [
        "--env",
        "--target",
        "--platform",
        "--output",
        "--namespace",
        "--image",
        "--override-property",
        "--overrides-file",
        "--emit",
    ] {
        assert!(compile_help.contains(flag), "compile --help lacks `{flag}`");
    }
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let unknown_flag = stave(dir.path(), &["check", "--no-such-flag"], None);
    assert_eq!(unknown_flag.status.code(), Some(2));
    let no_file = stave(dir.path(), &["check"], None);
    assert_eq!(no_file.status.code(), Some(2), "{}", transcript(&no_file));
    assert!(text(&no_file.stderr).contains("neither `workload.yaml` nor `score.yaml`"));
    std::fs::write(dir.path().join("a.yaml"), HELLO).unwrap();
    std::fs::write(dir.path().join("b.yaml"), HELLO.replace("hello", "world")).unwrap();
    let two_with_override =
        stave(dir.path(), &["check", "a.yaml", "b.yaml", "--override-property", "metadata.x=1"], None);
    assert_eq!(two_with_override.status.code(), Some(2));
    let bad_target = stave(dir.path(), &["compile", "a.yaml", "--target", "nomad"], None);
    assert_eq!(bad_target.status.code(), Some(2));
}

#[test]
fn default_file_names_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), HELLO).unwrap();
    let from_score = stave(dir.path(), &["check"], None);
    assert_eq!(from_score.status.code(), Some(0), "{}", transcript(&from_score));
    assert!(text(&from_score.stderr).contains("no problems found"));
    // workload.yaml wins over score.yaml.
    std::fs::write(dir.path().join("workload.yaml"), "not: [valid").unwrap();
    assert_eq!(stave(dir.path(), &["check"], None).status.code(), Some(1));
    let piped = stave(dir.path(), &["compile", "-", "--emit", "ir"], Some(HELLO.as_bytes()));
    assert_eq!(piped.status.code(), Some(0), "{}", transcript(&piped));
    assert!(text(&piped.stdout).contains("name: hello"));
    let bad_stdin = stave(dir.path(), &["check", "-"], Some(b"apiVersion: score.dev/v1b1\n"));
    assert_eq!(bad_stdin.status.code(), Some(1));
    assert!(text(&bad_stdin.stderr).contains("<stdin>:1:1"), "{}", transcript(&bad_stdin));
}

#[test]
fn json_diagnostics_are_one_object_per_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("workload.yaml"),
        HELLO.replace("image: nginx:1.27", "imag: nginx\n    variables: {A: \"${resources.nope.x}\"}"),
    )
    .unwrap();
    let output = stave(dir.path(), &["check", "--diagnostics", "json"], None);
    assert_eq!(output.status.code(), Some(1));
    let lines: Vec<serde_json::Value> =
        text(&output.stderr).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert_eq!(line["file"], "workload.yaml");
        assert!(line["line"].as_u64().unwrap() >= 1);
        assert!(line["column"].as_u64().unwrap() >= 1);
        assert_eq!(line["severity"], "error");
    }
    assert!(lines.iter().any(|l| l["code"] == "stave::spec::unknown-field"));
    assert!(output.stdout.is_empty(), "diagnostics go to stderr only");
}

#[test]
fn warnings_fail_only_with_deny_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let warned = HELLO.replace("image: nginx:1.27", "image: nginx:1.27\n    args: [\"${metadata.name}\"]");
    std::fs::write(dir.path().join("workload.yaml"), warned).unwrap();
    assert_eq!(stave(dir.path(), &["check"], None).status.code(), Some(0));
    assert_eq!(stave(dir.path(), &["check", "--deny-warnings"], None).status.code(), Some(1));
}

#[test]
fn schema_workload_prints_the_published_schema() {
    let dir = tempfile::tempdir().unwrap();
    let output = stave(dir.path(), &["schema", "workload"], None);
    assert_eq!(output.status.code(), Some(0));
    let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let published: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("spec/score-v1b1.schema.json")).unwrap()).unwrap();
    assert_eq!(printed, published);
    assert!(jsonschema::meta::is_valid(&printed), "the schema is a valid JSON Schema");
    for (which, file) in [("platform", "spec/platform.schema.json"), ("provisioners", "spec/provisioners.schema.json")]
    {
        let output = stave(dir.path(), &["schema", which], None);
        let printed: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let published: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(root().join(file)).unwrap()).unwrap();
        assert_eq!(printed, published);
        assert!(jsonschema::meta::is_valid(&printed), "{which} is a valid JSON Schema");
    }
}

#[test]
fn compile_example_and_output_dir_is_atomic() {
    let dir = tempfile::tempdir().unwrap();
    let example = stave(dir.path(), &["compile", "--example", "--emit", "ir"], None);
    assert_eq!(example.status.code(), Some(0), "{}", transcript(&example));
    assert!(text(&example.stdout).contains("name: shop"));

    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    let out = dir.path().join("out");
    let first = stave(dir.path(), &["compile", "--emit", "ir", "-o", "out"], None);
    assert_eq!(first.status.code(), Some(0), "{}", transcript(&first));
    assert!(first.stdout.is_empty());
    let written = std::fs::read_to_string(out.join("ir.yaml")).unwrap();
    assert!(written.contains("name: hello"));
    // A failed compile leaves the previous output untouched.
    std::fs::write(dir.path().join("workload.yaml"), HELLO.replace("nginx:1.27", ".")).unwrap();
    let failed = stave(dir.path(), &["compile", "--emit", "ir", "-o", "out"], None);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(out.join("ir.yaml")).unwrap(), written);
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 1, "no temporary files left behind");
}

#[test]
fn compile_is_byte_identical_across_runs_and_file_orders() {
    let dir = root().join("fixtures/valid/multi-workload");
    let one = stave(&dir, &["compile", "--emit", "ir", "frontend.yaml", "backend.yaml"], None);
    let two = stave(&dir, &["compile", "--emit", "ir", "backend.yaml", "frontend.yaml"], None);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
}

#[test]
fn targets_not_built_yet_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    let kubernetes = stave(dir.path(), &["compile"], None);
    assert_eq!(kubernetes.status.code(), Some(0), "{}", transcript(&kubernetes));
    assert!(text(&kubernetes.stdout).contains("kind: Deployment"));
    for target in ["helm", "terraform"] {
        let output = stave(dir.path(), &["compile", "--target", target], None);
        assert_eq!(output.status.code(), Some(2));
        assert!(text(&output.stderr).contains(&format!("the {target} target is not built yet")));
    }
}
