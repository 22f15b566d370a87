//! `stave init`: what it writes (the files of `fixtures/valid/init/`), that the project compiles
//! as is for every environment of its `stave.yaml` (and passes `check` and `catalog` with
//! warnings denied), and that it never overwrites: each case's transcript is a snapshot.

use crate::common;

use std::path::Path;
use std::process::Output;

use common::{root, stave, transcript, validators};

fn snapshot(name: &str, output: &Output, code: i32) {
    let text = transcript(output);
    assert_eq!(output.status.code(), Some(code), "{name}:\n{text}");
    insta::assert_snapshot!(name, text);
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture(name: &str) -> String {
    read(&root().join("fixtures/valid/init").join(name))
}

#[test]
fn init_writes_a_project_that_compiles_for_every_environment() {
    let dir = crate::common::tempdir().unwrap();
    let project = dir.path();
    snapshot("fresh", &stave(project, &["init"], None), 0);
    assert_eq!(read(&project.join("workload.yaml")), fixture("workload.yaml"));
    assert_eq!(read(&project.join("stave.yaml")), fixture("stave.yaml"));
    assert!(read(&project.join(".gitignore")).lines().any(|l| l == ".stave/"));

    let check = stave(project, &["check", "--deny-warnings"], None);
    assert_eq!(check.status.code(), Some(0), "{}", transcript(&check));
    let catalog = stave(project, &["catalog", "--env", "dev", "--deny-warnings"], None);
    assert_eq!(catalog.status.code(), Some(0), "{}", transcript(&catalog));

    let platform: serde_json::Value = serde_saphyr::from_str(&read(&project.join("stave.yaml"))).unwrap();
    let environments = platform["environments"].as_object().unwrap();
    let targets: Vec<&str> = environments.values().map(|e| e["target"].as_str().unwrap()).collect();
    assert_eq!(targets, ["kubernetes", "helm"], "dev on Kubernetes, prod on a second target");
    for name in environments.keys() {
        let out = format!("out/{name}");
        let compiled = stave(project, &["compile", "--env", name, "-o", &out, "--deny-warnings"], None);
        assert_eq!(compiled.status.code(), Some(0), "{name}:\n{}", transcript(&compiled));
    }
    let dev = stave(project, &["compile", "--env", "dev", "--deny-warnings"], None);
    assert_eq!(dev.status.code(), Some(0), "{}", transcript(&dev));
    let manifests = project.join("dev.yaml");
    std::fs::write(&manifests, &dev.stdout).unwrap();
    validators::validate(&[manifests]);
    validators::helm_lint_strict(&project.join("out/prod"));
}

#[test]
fn init_never_overwrites_and_says_what_it_left_alone() {
    let dir = crate::common::tempdir().unwrap();
    let project = dir.path();
    let mine = "# my own workload\n";
    std::fs::write(project.join("workload.yaml"), mine).unwrap();
    std::fs::write(project.join(".gitignore"), "target/").unwrap();
    snapshot("existing_files", &stave(project, &["init"], None), 0);
    assert_eq!(read(&project.join("workload.yaml")), mine);
    assert_eq!(
        read(&project.join(".gitignore")),
        "target/\n# Stave's seed for generated values (`stave init`).\n.stave/\n"
    );
    let platform = read(&project.join("stave.yaml"));
    snapshot("again", &stave(project, &["init"], None), 0);
    assert_eq!(read(&project.join("stave.yaml")), platform);
    assert_eq!(read(&project.join(".gitignore")).matches(".stave/").count(), 1);
}

#[test]
fn init_writes_no_sample_beside_a_score_yaml_or_with_no_sample() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("score.yaml"), "# the user's workload\n").unwrap();
    snapshot("beside_score_yaml", &stave(dir.path(), &["init"], None), 0);
    assert!(!dir.path().join("workload.yaml").exists());

    let dir = crate::common::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("app")).unwrap();
    snapshot("no_sample", &stave(dir.path(), &["init", "app", "--no-sample"], None), 0);
    let mut names: Vec<String> = std::fs::read_dir(dir.path().join("app"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [".gitignore", "stave.yaml"]);
}

#[test]
fn init_creates_a_directory_that_does_not_exist_with_its_parents() {
    let dir = crate::common::tempdir().unwrap();
    snapshot("new_directory", &stave(dir.path(), &["init", "new/project"], None), 0);
    let project = dir.path().join("new/project");
    assert_eq!(read(&project.join("workload.yaml")), fixture("workload.yaml"));
    assert_eq!(read(&project.join("stave.yaml")), fixture("stave.yaml"));
}

#[test]
fn usage_errors_exit_2_and_write_nothing() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "a file").unwrap();
    snapshot("not_a_directory", &stave(dir.path(), &["init", "notes.txt"], None), 2);
    snapshot("unknown_flag", &stave(dir.path(), &["init", "--sample"], None), 2);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names, ["notes.txt"], "nothing written");
}
