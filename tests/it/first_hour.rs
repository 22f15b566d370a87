//! The first hour, on a project laid out exactly as `stave init` writes it (dev on Kubernetes,
//! prod on Helm): plain `stave check` finds every mistake a compile would, of every stage, in one
//! run; `stave compile -o DIR/` writes each environment in its own target; nothing needs `--env`.

use std::path::Path;

use crate::common::{stave, transcript};

/// A fresh `stave init` project in a temporary directory.
fn init_project() -> tempfile::TempDir {
    let dir = crate::common::tempdir().unwrap();
    let output = stave(dir.path(), &["init"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    dir
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "`{from}` not in {file}");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// One mistake per stage: a placeholder of no resource (loading), a link to a workload that does
/// not exist (graph), a type nothing serves (provisioner choice), an output a resource does not
/// have (outputs). One `stave check`, exit 1, each at its line, and what their failures kept from
/// being checked is said.
#[test]
fn plain_check_reports_a_mistake_of_every_stage_in_one_run() {
    let dir = init_project();
    let project = dir.path();
    edit(project, "workload.yaml", "      DB_NAME: ${resources.db.name}", "      DB_NAME: ${resources.dbb.name}");
    edit(project, "workload.yaml", "    type: postgres", "    type: postgress");
    let more =
        "\n  cache:\n    type: redis\n  backend:\n    type: service-port\n    params: {workload: apii, port: web}\n";
    let mut text = std::fs::read_to_string(project.join("workload.yaml")).unwrap();
    text.push_str(more);
    std::fs::write(project.join("workload.yaml"), text).unwrap();
    edit(
        project,
        "workload.yaml",
        "      DB_USER: ${resources.db.username}",
        "      DB_USER: ${resources.cache.usrname}",
    );

    let output = stave(project, &["check"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    for (code, at) in [
        ("stave::spec::unknown-resource", "workload.yaml:35:"),
        ("stave::graph::unknown-workload", "workload.yaml:64:"),
        ("stave::provision::no-provisioner", "workload.yaml:57:"),
        ("stave::provision::missing-output", "workload.yaml:36:"),
    ] {
        assert!(text.contains(code), "`{code}` missing:\n{text}");
        assert!(text.contains(at), "`{at}` missing:\n{text}");
    }
    assert!(text.contains("in 2 environments"), "{text}");
    let left_out = text.lines().find(|l| l.starts_with("not checked because of the errors: ")).unwrap_or_else(|| {
        panic!("no line saying what was left out:\n{text}");
    });
    for what in
        ["the kubernetes output (dev)", "the helm output (prod)", "resource `service-port.default#hello.backend`"]
    {
        assert!(left_out.contains(what), "`{what}` not in: {left_out}");
    }
    // Loading alone (for editors) finds the loading mistake only.
    let schema_only = stave(project, &["check", "--schema-only"], None);
    let text = transcript(&schema_only);
    assert_eq!(schema_only.status.code(), Some(1), "{text}");
    assert!(text.contains("stave::spec::unknown-resource") && !text.contains("stave::provision::"), "{text}");
}

/// The project as `stave init` wrote it: `check` passes for both environments (no seed needed:
/// a check writes no generated value), `compile -o DIR/` writes `DIR/dev/` as manifests and
/// `DIR/prod/` as a Helm chart, the drift gate agrees, and standard output is refused with the
/// command to run for each environment.
#[test]
fn a_mixed_target_project_compiles_without_env() {
    let dir = init_project();
    let project = dir.path();
    let checked = stave(project, &["check", "--deny-warnings"], None);
    assert_eq!(checked.status.code(), Some(0), "{}", transcript(&checked));

    let compiled = stave(project, &["compile", "-o", "deploy/"], None);
    assert_eq!(compiled.status.code(), Some(0), "{}", transcript(&compiled));
    assert!(project.join("deploy/dev/007-deployment-hello.yaml").is_file());
    assert!(project.join("deploy/prod/Chart.yaml").is_file());
    assert!(project.join("deploy/prod/values-prod.yaml").is_file());
    let gate = stave(project, &["compile", "-o", "deploy/", "--check"], None);
    assert_eq!(gate.status.code(), Some(0), "{}", transcript(&gate));
    for env in ["dev", "prod"] {
        let alone = stave(project, &["compile", "--env", env, "-o", &format!("alone-{env}/")], None);
        assert_eq!(alone.status.code(), Some(0), "{}", transcript(&alone));
        let mut names: Vec<_> = walk(&project.join(format!("alone-{env}")));
        names.retain(|n| !n.starts_with(".stave"));
        let mut together: Vec<_> = walk(&project.join("deploy").join(env));
        together.retain(|n| !n.starts_with(".stave"));
        assert_eq!(names, together, "{env}: `--env {env}` alone writes other files");
    }

    let stdout = stave(project, &["compile"], None);
    let text = transcript(&stdout);
    assert_eq!(stdout.status.code(), Some(2), "{text}");
    for needle in
        ["`dev`: kubernetes", "`prod`: helm", "`stave compile --env dev`", "`stave compile --env prod -o prod/`"]
    {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

/// `image: "."` (the image CI builds) passes a check, which needs no image, and fails a compile
/// without `--image`.
#[test]
fn a_check_needs_no_image() {
    let dir = init_project();
    let project = dir.path();
    edit(project, "workload.yaml", "image: ghcr.io/stefanprodan/podinfo:6.7.1", "image: \".\"");
    let checked = stave(project, &["check", "--deny-warnings"], None);
    assert_eq!(checked.status.code(), Some(0), "{}", transcript(&checked));
    let compiled = stave(project, &["compile", "--env", "dev"], None);
    let text = transcript(&compiled);
    assert_eq!(compiled.status.code(), Some(1), "{text}");
    assert!(text.contains("stave::spec::image-required"), "{text}");
}

/// `--target` that makes other provisioners serve an environment's resources says so, naming
/// each; `explain --target` shows the choice for that target.
#[test]
fn overriding_the_target_names_the_resources_it_changes() {
    let aws = crate::common::root().join("fixtures/valid/aws");
    let output = stave(&aws, &["check", "--target", "kubernetes", "api.yaml"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("stave::platform::target-changes-provisioners"), "{text}");
    assert!(text.contains("`postgres.default#api.db`: `builtin/postgres` instead of `builtin/aws-postgres`"), "{text}");
    let planned = stave(&aws, &["check", "api.yaml"], None);
    assert!(!transcript(&planned).contains("target-changes-provisioners"), "{}", transcript(&planned));

    let explained = stave(&aws, &["explain", "postgres.default#api.db", "--target", "kubernetes", "api.yaml"], None);
    let stdout = String::from_utf8_lossy(&explained.stdout);
    assert_eq!(explained.status.code(), Some(0), "{}", transcript(&explained));
    assert!(stdout.contains("target kubernetes") && stdout.contains("CHOSEN: `builtin/postgres`"), "{stdout}");
}

fn walk(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                names.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    names.sort();
    names
}

/// A workload whose file fails the schema does not hide the mistakes of another, and a link to
/// it is not reported again (its own errors say why): only what depends on it is left out.
#[test]
fn a_broken_workload_file_does_not_hide_another_workloads_mistakes() {
    let dir = crate::common::tempdir().unwrap();
    let project = dir.path();
    let api = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: example/api:1\n    \
        cpu: 2\nservice:\n  ports:\n    http: {port: 80}\n";
    let web = "apiVersion: score.dev/v1b1\nmetadata:\n  name: web\ncontainers:\n  main:\n    image: example/web:1\n    \
        variables:\n      API: ${resources.api.host}\n      DB: ${resources.db.hots}\nresources:\n  api:\n    \
        type: service-port\n    params: {workload: api, port: http}\n  db:\n    type: postgres\n";
    std::fs::write(project.join("api.yaml"), api).unwrap();
    std::fs::write(project.join("web.yaml"), web).unwrap();
    let output = stave(project, &["check", "api.yaml", "web.yaml"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("api.yaml:7:") && text.contains("stave::spec::unknown-field"), "{text}");
    assert!(text.contains("stave::provision::missing-output") && text.contains("web.yaml:9:"), "{text}");
    assert!(!text.contains("stave::graph::unknown-workload"), "the link to the broken workload was reported:\n{text}");
    assert!(text.contains("resource `service-port.default#web.api`"), "the link is not said to be left out:\n{text}");
}
