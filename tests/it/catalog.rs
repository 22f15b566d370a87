//! `stave catalog`: the Backstage entities of every valid fixture (snapshots, `catalog__<name>`),
//! each file validated by the Backstage catalog model; shared resources once, links as
//! dependencies, owners from annotations or `--owner`, and how bad input and wrong usage end.

use crate::common;

use std::path::PathBuf;
use std::process::Output;

use common::{fixture_dirs, root, run_case, stave, transcript, validators};

fn snapshot(name: &str, output: &Output, code: i32) -> String {
    let text = transcript(output);
    assert_eq!(output.status.code(), Some(code), "{name}:\n{text}");
    insta::assert_snapshot!(name, text);
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn every_valid_fixture_gives_entities_the_catalog_model_accepts() {
    let temp = crate::common::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in fixture_dirs("valid") {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap().to_string();
        let output = run_case(&dir, &["catalog", "--system", "shop"], &[]);
        let stdout = snapshot(&name, &output, 0);
        assert!(stdout.starts_with("---\napiVersion: backstage.io/v1alpha1\nkind: System\n"), "{name}:\n{stdout}");
        let file = temp.path().join(format!("{name}.catalog-info.yaml"));
        std::fs::write(&file, stdout).unwrap();
        // Workloads deployed elsewhere are in their own repositories' catalogs.
        let platform = std::fs::read_to_string(dir.join("stave.yaml")).unwrap_or_default();
        let platform: serde_json::Value = serde_saphyr::from_str(&platform).unwrap_or_default();
        let elsewhere: Vec<String> = platform["environments"]
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(_, e)| {
                e["externalWorkloads"].as_object().into_iter().flatten().map(|(n, _)| format!("component:{n}"))
            })
            .collect();
        if !elsewhere.is_empty() {
            std::fs::write(temp.path().join(format!("{name}.catalog-info.yaml.elsewhere")), elsewhere.join("\n"))
                .unwrap();
        }
        files.push(file);
    }
    assert!(files.len() >= 8, "too few fixtures: {files:?}");
    let summary = validators::backstage_validate(&files);
    assert!(summary.contains(" 0 problems"), "{summary}");
}

#[test]
fn the_validator_rejects_what_backstage_would() {
    let temp = crate::common::tempdir().unwrap();
    let file = temp.path().join("bad.yaml");
    let bad = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: api}\n\
               spec: {type: service, owner: group:team, dependsOn: [resource:gone]}\n\
               ---\napiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata: {name: db#1}\n\
               spec: {type: postgres, owner: Order Team}\n";
    std::fs::write(&file, bad).unwrap();
    let problems = validators::try_backstage_validate(&[file]).expect_err("accepted broken entities");
    for needle in ["'lifecycle'", "metadata.name", "`resource:gone` names no entity"] {
        assert!(problems.contains(needle), "expected {needle:?} among:\n{problems}");
    }
}

#[test]
fn shared_resources_appear_once_and_links_are_dependencies() {
    let shared = run_case(&root().join("fixtures/valid/environments"), &["catalog", "--system", "shop"], &[]);
    let text = String::from_utf8_lossy(&shared.stdout);
    assert_eq!(text.matches("stave.dev/uid: redis.default#shared:shared-cache").count(), 1, "{text}");
    let linked = run_case(&root().join("fixtures/valid/multi-workload"), &["catalog", "--system", "shop"], &[]);
    let text = String::from_utf8_lossy(&linked.stdout);
    assert!(text.contains("- component:backend"), "{text}");
    assert!(!text.contains("type: service-port"), "a link is no Resource:\n{text}");
}

const NO_OWNER: &str =
    "apiVersion: score.dev/v1b1\nmetadata:\n  name: orders\ncontainers:\n  main:\n    image: example/orders:1\n";

#[test]
fn owners_come_from_annotations_or_the_owner_flag() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), NO_OWNER).unwrap();
    let defaulted = stave(dir.path(), &["catalog", "--system", "shop", "--owner", "group:platform"], None);
    let stdout = snapshot("owner_flag", &defaulted, 0);
    assert_eq!(stdout.matches("owner: group:platform").count(), 2, "System and Component:\n{stdout}");
    let denied = stave(dir.path(), &["catalog", "--system", "shop", "--deny-warnings"], None);
    snapshot("missing_owner_denied", &denied, 1);
    assert!(denied.stdout.is_empty(), "nothing is printed when the run fails");
}

#[test]
fn the_system_is_named_after_the_project_directory() {
    let temp = crate::common::tempdir().unwrap();
    let dir = temp.path().join("My Shop");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("workload.yaml"), NO_OWNER).unwrap();
    let output = stave(&dir, &["catalog", "--owner", "team"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("kind: System\nmetadata:\n  name: my-shop\n"));
}

#[test]
fn bad_input_exits_1_and_wrong_usage_2() {
    let dir = crate::common::tempdir().unwrap();
    snapshot("no_workload_file", &stave(dir.path(), &["catalog"], None), 2);
    std::fs::write(dir.path().join("workload.yaml"), NO_OWNER.replace("image: example/orders:1", "image: [1")).unwrap();
    let bad = stave(dir.path(), &["catalog", "--system", "shop"], None);
    snapshot("bad_workload", &bad, 1);
    assert!(bad.stdout.is_empty());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("workload.yaml:6:"), "{}", transcript(&bad));
    std::fs::write(dir.path().join("workload.yaml"), NO_OWNER).unwrap();
    snapshot("bad_system", &stave(dir.path(), &["catalog", "--system", "my shop"], None), 2);
    snapshot("bad_owner", &stave(dir.path(), &["catalog", "--owner", "Order Team"], None), 2);
}

/// The catalog page's excerpt (docs/src/catalog.md) is what `stave catalog` prints for the
/// project `stave init` writes, in a directory named `shop`.
#[test]
fn the_readme_excerpt_is_what_init_s_project_gives() {
    let readme = std::fs::read_to_string(root().join("docs/src/catalog.md")).unwrap();
    let section = readme.split("# A service catalog (Backstage)").nth(1).expect("the catalog section");
    let excerpt = section.split("```yaml\n").nth(1).and_then(|b| b.split("```").next()).expect("a yaml block");
    let temp = crate::common::tempdir().unwrap();
    let dir = temp.path().join("shop");
    std::fs::create_dir(&dir).unwrap();
    assert_eq!(stave(&dir, &["init"], None).status.code(), Some(0));
    let output = stave(&dir, &["catalog", "--env", "dev", "--deny-warnings"], None);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains(excerpt), "the README shows:\n{excerpt}\nstave prints:\n{stdout}");
}
