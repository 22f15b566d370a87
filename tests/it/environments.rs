//! One platform file, three environments: the same workloads compile differently per
//! environment (provisioners, overrides, namespaces), and output is byte-identical for the same
//! inputs and seed, whatever the order of the files or the process.

use crate::common;

use common::{root, stave, stave_with_env, transcript};

const FILES: [&str; 2] = ["api.yaml", "worker.yaml"];

fn fixture() -> std::path::PathBuf {
    root().join("fixtures/valid/environments")
}

fn compile(env: &str, emit: &str) -> String {
    let mut args = vec!["compile", "--env", env, "--emit", emit];
    args.extend(FILES);
    let output = stave(&fixture(), &args, None);
    assert_eq!(output.status.code(), Some(0), "{env}:\n{}", transcript(&output));
    String::from_utf8(output.stdout).unwrap()
}

fn resources(env: &str) -> serde_json::Value {
    serde_saphyr::from_str(&compile(env, "resources")).unwrap()
}

#[test]
fn each_environment_compiles_differently() {
    for env in ["dev", "staging", "prod"] {
        insta::assert_snapshot!(format!("environments__{env}__resources"), compile(env, "resources"));
        insta::assert_snapshot!(format!("environments__{env}__ir"), compile(env, "ir"));
    }
    let provisioner =
        |env: &str, uid: &str| resources(env)["resources"][uid]["provisioner"].as_str().unwrap().to_string();
    assert_eq!(provisioner("dev", "postgres.default#api.db"), "builtin/postgres");
    assert_eq!(provisioner("staging", "postgres.default#api.db"), "managed-postgres");
    assert_eq!(provisioner("prod", "postgres.default#api.db"), "vault-postgres");
    assert_eq!(provisioner("staging", "redis.default#shared:shared-cache"), "builtin/redis");
    assert_eq!(provisioner("prod", "redis.default#shared:shared-cache"), "large-shared-cache");

    let ir = |env: &str| -> serde_json::Value { serde_saphyr::from_str(&compile(env, "ir")).unwrap() };
    let variable = |doc: &serde_json::Value, workload: usize, container: &str, name: &str| {
        doc["workloads"][workload]["containers"][container]["variables"][name].as_str().unwrap().to_string()
    };
    // Workloads are sorted by name: api, then worker.
    let (dev, staging, prod) = (ir("dev"), ir("staging"), ir("prod"));
    assert_eq!(variable(&dev, 0, "api", "LOG_LEVEL"), "debug");
    assert_eq!(variable(&dev, 1, "worker", "LOG_LEVEL"), "info");
    assert_eq!(variable(&prod, 1, "worker", "LOG_LEVEL"), "warn");
    assert_eq!(staging["workloads"][1]["annotations"]["example.com/environment"], "staging");
    assert_eq!(prod["workloads"][0]["annotations"]["example.com/environment"], "prod");
    assert!(dev["workloads"][0]["annotations"].get("example.com/environment").is_none());

    // Every object lands in its environment's namespace.
    for (env, namespace) in [("dev", "shop-dev"), ("staging", "shop-staging"), ("prod", "shop-prod")] {
        for object in resources(env)["objects"].as_array().unwrap() {
            assert_eq!(object["metadata"]["namespace"], namespace, "{env}: {object}");
        }
    }
}

#[test]
fn a_platform_with_several_environments_needs_env() {
    let output = stave(&fixture(), &["compile", "--emit", "resources", "api.yaml", "worker.yaml"], None);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("say which with `--env`"));
}

#[test]
fn same_inputs_and_seed_give_identical_bytes_whatever_the_file_order() {
    let run = |files: [&str; 2], seed: &str| {
        let mut args = vec!["compile", "--env", "dev"];
        args.extend(files);
        let output = stave_with_env(&fixture(), &args, None, &[("STAVE_SEED", Some(seed))]);
        assert_eq!(output.status.code(), Some(0));
        output.stdout
    };
    // Each run is a new process, with a new random hash seed; nothing may depend on it.
    let first = run(FILES, "seed-one");
    for _ in 0..3 {
        assert_eq!(run(FILES, "seed-one"), first);
    }
    assert_eq!(run(["worker.yaml", "api.yaml"], "seed-one"), first);
    let other = run(FILES, "seed-two");
    assert_ne!(other, first, "another seed gives other generated values");
    let text = String::from_utf8(first).unwrap();
    let other = String::from_utf8(other).unwrap();
    assert_eq!(text.lines().count(), other.lines().count(), "only generated values differ");
}

#[test]
fn the_seed_file_is_read_when_no_variable_is_set() {
    let temp = crate::common::tempdir().unwrap();
    common::copy_dir(&fixture(), temp.path());
    let args = ["compile", "--env", "dev", "--emit", "resources", "api.yaml", "worker.yaml"];
    let unseeded = stave_with_env(temp.path(), &args, None, &[("STAVE_SEED", None)]);
    assert!(String::from_utf8_lossy(&unseeded.stderr).contains("stave::provision::development-seed"));
    std::fs::create_dir_all(temp.path().join(".stave")).unwrap();
    std::fs::write(temp.path().join(".stave/seed"), "seed-one\n").unwrap();
    let from_file = stave_with_env(temp.path(), &args, None, &[("STAVE_SEED", None)]);
    assert!(from_file.stderr.is_empty(), "{}", transcript(&from_file));
    let from_variable = stave_with_env(temp.path(), &args, None, &[("STAVE_SEED", Some("seed-one"))]);
    assert_eq!(from_file.stdout, from_variable.stdout);
}

#[test]
fn explain_and_list_say_why() {
    let explain = stave(
        &fixture(),
        &["explain", "redis.default#shared:shared-cache", "api.yaml", "worker.yaml", "--env", "prod"],
        None,
    );
    assert_eq!(explain.status.code(), Some(0), "{}", transcript(&explain));
    insta::assert_snapshot!("environments__prod__explain", String::from_utf8_lossy(&explain.stdout));
    let list = stave(&fixture(), &["provisioners", "list", "--env", "staging"], None);
    assert_eq!(list.status.code(), Some(0), "{}", transcript(&list));
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(text.contains("managed-postgres") && text.contains("builtin/postgres"));
    let json = stave(&fixture(), &["provisioners", "list", "--env", "dev", "--format", "json"], None);
    let parsed: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(parsed.as_array().unwrap().len() >= 15);
    let unknown =
        stave(&fixture(), &["explain", "postgres.default#api.dbb", "api.yaml", "worker.yaml", "--env", "dev"], None);
    assert_eq!(unknown.status.code(), Some(2));
    let message = String::from_utf8_lossy(&unknown.stderr).replace("\n  │ ", " ");
    assert!(message.contains("did you mean `postgres.default#api.db`"), "{message}");
}

/// With no `--env`, `compile` compiles every environment: one directory each under `-o DIR`,
/// each holding what `--env` alone prints; without `-o` it says so. `check --provision` checks
/// every environment.
#[test]
fn every_environment_at_once() {
    let temp = crate::common::tempdir().unwrap();
    common::copy_dir(&fixture(), temp.path());
    let mut args = vec!["compile"];
    args.extend(FILES);
    let to_stdout = stave(temp.path(), &args, None);
    assert_eq!(to_stdout.status.code(), Some(2), "{}", transcript(&to_stdout));
    insta::assert_snapshot!("environments__all_to_stdout", transcript(&to_stdout));
    args.extend(["-o", "out"]);
    let written = stave(temp.path(), &args, None);
    assert_eq!(written.status.code(), Some(0), "{}", transcript(&written));
    for env in ["dev", "staging", "prod"] {
        let dir = temp.path().join("out").join(env);
        let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        names.sort();
        let joined: String = names.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
        let mut one = vec!["compile", "--env", env];
        one.extend(FILES);
        let alone = stave(temp.path(), &one, None);
        assert_eq!(joined.as_bytes(), alone.stdout, "{env}: the directory holds what `--env {env}` prints");
    }
    let mut check = vec!["check", "--provision"];
    check.extend(FILES);
    let checked = stave(temp.path(), &check, None);
    assert_eq!(checked.status.code(), Some(0), "{}", transcript(&checked));
    assert!(String::from_utf8_lossy(&checked.stderr).contains("checked 2 workload files in 3 environments"));
}

#[test]
fn patches_change_the_objects_they_select_and_explain_says_so() {
    let compiled = stave(&fixture(), &["compile", "api.yaml", "worker.yaml", "--env", "dev"], None);
    assert_eq!(compiled.status.code(), Some(0), "{}", transcript(&compiled));
    let objects: Vec<serde_json::Value> =
        serde_saphyr::from_multiple(&String::from_utf8_lossy(&compiled.stdout)).unwrap();
    let deployment =
        |name: &str| objects.iter().find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == name).unwrap();
    assert_eq!(deployment("api")["spec"]["template"]["spec"]["tolerations"][0]["key"], "spot");
    assert!(deployment("worker")["spec"]["template"]["spec"].get("tolerations").is_none(), "only api is selected");
    for service in objects.iter().filter(|o| o["kind"] == "Service") {
        assert_eq!(
            service["metadata"]["annotations"]["example.com/cost-center"], "shop",
            "{}",
            service["metadata"]["name"]
        );
    }
    let explained = stave(&fixture(), &["explain", "Deployment/api", "api.yaml", "worker.yaml", "--env", "dev"], None);
    assert_eq!(explained.status.code(), Some(0), "{}", transcript(&explained));
    let text = String::from_utf8_lossy(&explained.stdout);
    assert!(
        text.contains("workload `api`") && text.contains("- spot-nodes") && !text.contains("cost-center"),
        "{text}"
    );
    // Other environments have no patches.
    let staging =
        stave(&fixture(), &["explain", "Deployment/api", "api.yaml", "worker.yaml", "--env", "staging"], None);
    assert!(String::from_utf8_lossy(&staging.stdout).contains("no patch"), "{}", transcript(&staging));
}
