//! CLI tests: run the real binary; each case's exit code, standard output and standard error
//! are an insta snapshot (`cli__<case>`), and the exit code is asserted besides.

use crate::common;

use std::process::Output;

use common::{root, stave, transcript};

/// Asserts the exit code and snapshots the whole transcript.
fn snapshot(name: &str, output: &Output, code: i32) {
    let text = transcript(output);
    assert_eq!(output.status.code(), Some(code), "{name}:\n{text}");
    insta::assert_snapshot!(name, text);
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const HELLO: &str =
    "apiVersion: score.dev/v1b1\nmetadata:\n  name: hello\ncontainers:\n  main:\n    image: nginx:1.27\n";

#[test]
fn version_and_help() {
    let dir = crate::common::tempdir().unwrap();
    let version = stave(dir.path(), &["--version"], None);
    assert_eq!(version.status.code(), Some(0));
    assert!(text(&version.stdout).starts_with("stave "));
    let help = stave(dir.path(), &["--help"], None);
    snapshot("help", &help, 0);
    let help = text(&help.stdout);
    for expected in ["check", "compile", "schema", "Examples:", "--diagnostics", "--deny-warnings"] {
        assert!(help.contains(expected), "--help lacks `{expected}`:\n{help}");
    }
    let compile_help = stave(dir.path(), &["compile", "--help"], None);
    snapshot("compile_help", &compile_help, 0);
    snapshot("check_help", &stave(dir.path(), &["check", "--help"], None), 0);
    let compile_help = text(&compile_help.stdout);
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
    let dir = crate::common::tempdir().unwrap();
    snapshot("unknown_flag", &stave(dir.path(), &["check", "--no-such-flag"], None), 2);
    snapshot("no_workload_file", &stave(dir.path(), &["check"], None), 2);
    std::fs::write(dir.path().join("a.yaml"), HELLO).unwrap();
    std::fs::write(dir.path().join("b.yaml"), HELLO.replace("hello", "world")).unwrap();
    let two_with_override =
        stave(dir.path(), &["check", "a.yaml", "b.yaml", "--override-property", "metadata.x=1"], None);
    snapshot("overrides_with_two_files", &two_with_override, 2);
    snapshot("unknown_target", &stave(dir.path(), &["compile", "a.yaml", "--target", "Nomad!"], None), 2);
    // A well-formed name the platform file does not declare is the platform's error (exit 1).
    let undeclared = stave(dir.path(), &["compile", "a.yaml", "--target", "nomad"], None);
    assert_eq!(undeclared.status.code(), Some(1), "{}", String::from_utf8_lossy(&undeclared.stderr));
    assert!(String::from_utf8_lossy(&undeclared.stderr).contains("stave::platform::unknown-target"));
}

#[test]
fn default_file_names_and_stdin() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), HELLO).unwrap();
    snapshot("check_score_yaml", &stave(dir.path(), &["check"], None), 0);
    // workload.yaml wins over score.yaml.
    std::fs::write(dir.path().join("workload.yaml"), "not: [valid").unwrap();
    snapshot("check_workload_yaml_first", &stave(dir.path(), &["check"], None), 1);
    let piped = stave(dir.path(), &["compile", "-", "--emit", "ir"], Some(HELLO.as_bytes()));
    snapshot("compile_stdin_ir", &piped, 0);
    let bad_stdin = stave(dir.path(), &["check", "-"], Some(b"apiVersion: score.dev/v1b1\n"));
    snapshot("check_bad_stdin", &bad_stdin, 1);
    assert!(text(&bad_stdin.stderr).contains("<stdin>:1:1"), "{}", transcript(&bad_stdin));
}

#[test]
fn json_diagnostics_are_one_object_per_line() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(
        dir.path().join("workload.yaml"),
        HELLO.replace("image: nginx:1.27", "imag: nginx\n    variables: {A: \"${resources.nope.x}\"}"),
    )
    .unwrap();
    let output = stave(dir.path(), &["check", "--diagnostics", "json"], None);
    snapshot("json_diagnostics", &output, 1);
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
    let dir = crate::common::tempdir().unwrap();
    let warned = HELLO.replace("image: nginx:1.27", "image: nginx:1.27\n    args: [\"${metadata.name}\"]");
    std::fs::write(dir.path().join("workload.yaml"), warned).unwrap();
    snapshot("warning", &stave(dir.path(), &["check"], None), 0);
    snapshot("warning_denied", &stave(dir.path(), &["check", "--deny-warnings"], None), 1);
}

#[test]
fn schema_workload_prints_the_published_schema() {
    let dir = crate::common::tempdir().unwrap();
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
    let dir = crate::common::tempdir().unwrap();
    let example = stave(dir.path(), &["compile", "--example", "--emit", "ir"], None);
    assert_eq!(example.status.code(), Some(0), "{}", transcript(&example));
    assert!(text(&example.stdout).contains("name: shop"));

    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    let out = dir.path().join("out");
    let first = stave(dir.path(), &["compile", "--emit", "ir", "-o", "out/"], None);
    assert_eq!(first.status.code(), Some(0), "{}", transcript(&first));
    assert!(first.stdout.is_empty());
    let written = std::fs::read_to_string(out.join("ir.yaml")).unwrap();
    assert!(written.contains("name: hello"));
    // A failed compile leaves the previous output untouched.
    std::fs::write(dir.path().join("workload.yaml"), HELLO.replace("nginx:1.27", ".")).unwrap();
    let failed = stave(dir.path(), &["compile", "--emit", "ir", "-o", "out/"], None);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(out.join("ir.yaml")).unwrap(), written);
    let left: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    assert!(left.iter().all(|n| ["ir.yaml", ".stave-output"].contains(&n.as_str())), "{left:?}");
}

#[test]
fn compile_is_byte_identical_across_runs_and_file_orders() {
    let dir = root().join("fixtures/valid/multi-workload");
    let one = stave(&dir, &["compile", "--emit", "ir", "frontend.yaml", "backend.yaml"], None);
    let two = stave(&dir, &["compile", "--emit", "ir", "backend.yaml", "frontend.yaml"], None);
    assert_eq!(one.status.code(), Some(0));
    assert_eq!(one.stdout, two.stdout);
}

/// Every target is reached the same way from every command: `compile` and `check --provision`
/// take `--target`; a target that needs a directory says so without `-o`.
#[test]
fn every_target_through_one_entry_point() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    let kubernetes = stave(dir.path(), &["compile"], None);
    snapshot("compile_kubernetes", &kubernetes, 0);
    for target in stave::builtins::Target::ALL.map(|t| t.name()) {
        let checked = stave(dir.path(), &["check", "--provision", "--target", target], None);
        snapshot(&format!("check_provision_{target}"), &checked, 0);
        let out = format!("out-{target}");
        let compiled = stave(dir.path(), &["compile", "--target", target, "-o", &out], None);
        assert_eq!(compiled.status.code(), Some(0), "{target}: {}", transcript(&compiled));
    }
    for target in ["helm", "terraform"] {
        snapshot(&format!("compile_{target}_to_stdout"), &stave(dir.path(), &["compile", "--target", target], None), 2);
    }
    // An environment's target is the default for every command.
    std::fs::write(dir.path().join("stave.yaml"), "environments:\n  cloud: {target: terraform}\n").unwrap();
    snapshot("graph_terraform_environment", &stave(dir.path(), &["graph"], None), 0);
    snapshot("check_provision_terraform_environment", &stave(dir.path(), &["check", "--provision"], None), 0);
}

/// `-o DIR` goes through the one writer: one file per object, replacing only a previous output.
#[test]
fn output_directory_replaces_only_a_previous_output() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    snapshot("compile_to_directory", &stave(dir.path(), &["compile", "-o", "out/"], None), 0);
    let listing = |path: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        names
    };
    assert_eq!(listing(&dir.path().join("out")), ["001-networkpolicy-hello.yaml", "002-deployment-hello.yaml"]);
    let joined: String = listing(&dir.path().join("out"))
        .iter()
        .map(|n| std::fs::read_to_string(dir.path().join("out").join(n)).unwrap())
        .collect();
    assert_eq!(
        joined.as_bytes(),
        stave(dir.path(), &["compile"], None).stdout,
        "the files concatenated are the stream"
    );
    // A file the user adds is kept; a directory Stave did not write is refused, nothing deleted.
    std::fs::write(dir.path().join("out/notes.txt"), "mine").unwrap();
    assert_eq!(stave(dir.path(), &["compile", "-o", "out"], None).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(dir.path().join("out/notes.txt")).unwrap(), "mine", "nothing deleted");
    std::fs::create_dir_all(dir.path().join("theirs")).unwrap();
    std::fs::write(dir.path().join("theirs/prod-secret.yaml"), "kind: Secret\n").unwrap();
    snapshot("compile_refuses_foreign_directory", &stave(dir.path(), &["compile", "-o", "theirs"], None), 2);
    assert!(dir.path().join("theirs/prod-secret.yaml").exists(), "nothing deleted");
    assert_eq!(listing(dir.path()).len(), 3, "no temporary directories left behind: {:?}", listing(dir.path()));
}

/// `-o FILE` is score-k8s's: one stream in one file, behind Stave's header line, replaced by a
/// rename; `-o -` is standard output; only a file Stave wrote (or an empty one) is overwritten;
/// a directory needs to exist or end in `/`; charts and modules refuse a file.
#[test]
fn output_file_is_one_stream_replaced_atomically() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    let stream = stave(dir.path(), &["compile"], None).stdout;
    let header = "# Written by Stave: a recompile replaces this file; edit the workloads.\n";
    let first = stave(dir.path(), &["compile", "-o", "manifests.yaml"], None);
    snapshot("compile_to_file", &first, 0);
    let written = std::fs::read(dir.path().join("manifests.yaml")).unwrap();
    assert_eq!(written, [header.as_bytes(), &stream].concat(), "the header, then the stream");
    assert_eq!(stave(dir.path(), &["compile", "-o", "-"], None).stdout, stream, "`-o -` is standard output");
    // A recompile replaces Stave's own file; a failed one leaves it, and no temporary file.
    assert_eq!(stave(dir.path(), &["compile", "-o", "manifests.yaml"], None).status.code(), Some(0));
    std::fs::write(dir.path().join("broken.yaml"), HELLO.replace("nginx:1.27", ".")).unwrap();
    let failed = stave(dir.path(), &["compile", "broken.yaml", "-o", "manifests.yaml"], None);
    assert_eq!(failed.status.code(), Some(1));
    assert_eq!(std::fs::read(dir.path().join("manifests.yaml")).unwrap(), written);
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["broken.yaml", "manifests.yaml", "workload.yaml"]);
    // Never over a file Stave did not write: the workload itself, hand-written manifests.
    snapshot("compile_refuses_foreign_file", &stave(dir.path(), &["compile", "-o", "workload.yaml"], None), 2);
    assert_eq!(std::fs::read_to_string(dir.path().join("workload.yaml")).unwrap(), HELLO);
    // An empty file is fine; parents are created; a link is refused (never written through) and kept.
    std::fs::write(dir.path().join("empty.yaml"), "").unwrap();
    assert_eq!(stave(dir.path(), &["compile", "-o", "empty.yaml"], None).status.code(), Some(0));
    assert_eq!(stave(dir.path(), &["compile", "-o", "deploy/k8s/all.yaml"], None).status.code(), Some(0));
    assert_eq!(std::fs::read(dir.path().join("deploy/k8s/all.yaml")).unwrap(), written);
    std::os::unix::fs::symlink("manifests.yaml", dir.path().join("link.yaml")).unwrap();
    assert_eq!(stave(dir.path(), &["compile", "-o", "link.yaml"], None).status.code(), Some(2));
    assert!(dir.path().join("link.yaml").is_symlink());
    assert_eq!(std::fs::read(dir.path().join("manifests.yaml")).unwrap(), written);
    // An existing directory, or a path ending in `/`: one file per object.
    std::fs::create_dir(dir.path().join("existing")).unwrap();
    assert_eq!(stave(dir.path(), &["compile", "-o", "existing"], None).status.code(), Some(0));
    assert!(dir.path().join("existing/002-deployment-hello.yaml").is_file());
    assert_eq!(stave(dir.path(), &["compile", "-o", "objects/"], None).status.code(), Some(0));
    assert!(dir.path().join("objects/002-deployment-hello.yaml").is_file());
    // A chart is a directory; several environments are a directory each.
    snapshot("compile_helm_to_file", &stave(dir.path(), &["compile", "--target", "helm", "-o", "chart.yaml"], None), 2);
    std::fs::write(
        dir.path().join("stave.yaml"),
        "environments:\n  dev: {target: kubernetes}\n  prod: {target: kubernetes}\n",
    )
    .unwrap();
    let two = stave(dir.path(), &["compile", "-o", "manifests.yaml"], None);
    assert_eq!(two.status.code(), Some(2), "{}", transcript(&two));
    assert_eq!(std::fs::read(dir.path().join("manifests.yaml")).unwrap(), written, "kept");
}

/// A stream that holds a Secret's manifest is readable by its owner only, whatever the umask.
#[test]
fn output_file_with_a_secret_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), format!("{HELLO}resources:\n  db: {{type: postgres}}\n")).unwrap();
    assert!(common::compile_with_open_umask(dir.path(), "-o manifests.yaml"));
    let mode = std::fs::metadata(dir.path().join("manifests.yaml")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    assert_eq!(stave(dir.path(), &["compile", "-o", "manifests.yaml"], None).status.code(), Some(0));
    let mode = std::fs::metadata(dir.path().join("manifests.yaml")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o644);
}

/// `stave resources list` and `get-outputs` compile (no state) and print, as score-k8s's do;
/// the Online Boutique Makefile's `--format '{{ .host }}'` works; secrets are never printed.
#[test]
fn resources_list_and_get_outputs() {
    let dir = root().join("fixtures/valid/multi-app");
    let files = ["frontend.yaml", "api.yaml", "worker.yaml"];
    let run = |args: &[&str]| {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(files);
        stave(&dir, &all, None)
    };
    snapshot("resources_list", &run(&["resources", "list"]), 0);
    let json = run(&["resources", "list", "--format", "json"]);
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(rows.len(), 8, "{}", transcript(&json));
    snapshot("resources_get_outputs_json", &run(&["resources", "get-outputs", "postgres.default#api.db"]), 0);
    let yaml = run(&["resources", "get-outputs", "postgres.default#api.db", "-f", "yaml"]);
    assert!(text(&yaml.stdout).contains("$secret:"), "{}", transcript(&yaml));
    let host = run(&["resources", "get-outputs", "dns.default#frontend.dns", "--format", "{{ .host }}"]);
    snapshot("resources_get_outputs_go_template", &host, 0);
    let url = run(&["resources", "get-outputs", "postgres.default#api.db", "-f", "{{ host }}:{{ port }}"]);
    assert_eq!(text(&url.stdout), "api-db-563e43a1eb20:5432\n", "{}", transcript(&url));
    let secret = run(&["resources", "get-outputs", "postgres.default#api.db", "-f", "{{ .password }}"]);
    snapshot("resources_get_outputs_secret", &secret, 2);
    snapshot(
        "resources_get_outputs_undefined",
        &run(&["resources", "get-outputs", "postgres.default#api.db", "-f", "{{ .hots }}"]),
        2,
    );
    snapshot("resources_get_outputs_unknown_uid", &run(&["resources", "get-outputs", "postgres.default#api.d"]), 2);
}

#[test]
fn the_platform_file_is_found_upward_to_the_repository_root() {
    let repo = crate::common::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    std::fs::write(repo.path().join("stave.yaml"), "environments:\n  staging:\n    target: kubernetes\n").unwrap();
    let service = repo.path().join("services/hello");
    std::fs::create_dir_all(&service).unwrap();
    std::fs::write(service.join("workload.yaml"), HELLO).unwrap();
    let found = stave(&service, &["check"], None);
    assert_eq!(found.status.code(), Some(0), "{}", transcript(&found));
    assert!(text(&found.stderr).contains("platform file `../../stave.yaml`"), "{}", transcript(&found));
    let unknown = stave(&service, &["check", "--env", "prod"], None);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(text(&unknown.stderr).contains("environment `prod` is not in `../../stave.yaml`"));
    // A nearer file wins; a file above the repository root is not the repository's.
    std::fs::write(service.join("stave.yaml"), "environments:\n  near:\n    target: kubernetes\n").unwrap();
    assert!(text(&stave(&service, &["check"], None).stderr).contains("platform file `stave.yaml`"));
    let outside = crate::common::tempdir().unwrap();
    std::fs::write(outside.path().join("stave.yaml"), "environments:\n  above:\n    target: kubernetes\n").unwrap();
    let below = outside.path().join("project");
    std::fs::create_dir_all(below.join(".git")).unwrap();
    std::fs::write(below.join("workload.yaml"), HELLO).unwrap();
    let alone = stave(&below, &["check"], None);
    assert!(text(&alone.stderr).contains("no platform file"), "{}", transcript(&alone));
}

#[test]
fn ci_formats_cover_clean_runs_and_usage_errors() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), HELLO).unwrap();
    // A clean run still writes a report, so that an upload step finds one.
    let clean = stave(dir.path(), &["check", "--diagnostics", "sarif"], None);
    assert_eq!(clean.status.code(), Some(0));
    let log: serde_json::Value = serde_json::from_slice(&clean.stderr).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    let clean = stave(dir.path(), &["check", "--diagnostics", "gitlab"], None);
    assert_eq!(text(&clean.stderr).trim(), "[]");
    // Usage errors, Stave's and clap's, follow the format.
    for (args, message) in [
        (&["check", "missing.yaml", "--diagnostics", "json"][..], "missing.yaml"),
        (&["check", "--diagnostics=json", "--no-such-flag"][..], "--no-such-flag"),
    ] {
        let output = stave(dir.path(), args, None);
        assert_eq!(
            output.status.code(),
            Some(if message == "missing.yaml" { 1 } else { 2 }),
            "{}",
            transcript(&output)
        );
        let line: serde_json::Value = serde_json::from_str(text(&output.stderr).lines().next().unwrap()).unwrap();
        assert!(line["message"].as_str().unwrap().contains(message), "{line}");
    }
    let usage = stave(
        dir.path(),
        &["check", "--diagnostics", "github", "--override-property", "x=1", "a.yaml", "b.yaml"],
        None,
    );
    assert_eq!(usage.status.code(), Some(2));
    assert!(text(&usage.stderr).starts_with("::error title=stave%3A%3Acli%3A%3Ausage::"), "{}", transcript(&usage));
    let usage = stave(dir.path(), &["check", "--diagnostics", "sarif", "--no-such-flag"], None);
    assert_eq!(usage.status.code(), Some(2));
    let log: serde_json::Value = serde_json::from_slice(&usage.stderr).unwrap();
    assert_eq!(log["runs"][0]["results"][0]["ruleId"], "stave::cli::usage");
}
