//! The drift gate, `compile -o OUT --check`, on every target's layout: up to date is exit 0 with
//! nothing printed or written; a changed workload is exit 1 with a unified diff; a changed secret
//! shows that it changed and never its value; a missing output is all additions.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{copy_fixture, root, stave_with_env, transcript};

const SEED: &str = "drift seed one";

fn run(dir: &Path, args: &[&str], seed: &str) -> std::process::Output {
    stave_with_env(dir, args, None, &[("STAVE_SEED", Some(seed))])
}

/// Every file under `dir` with its bytes, to prove that `--check` wrote nothing.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.display().to_string(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Compiles, then checks: unchanged, then after a change to the platform file.
fn gate(out: &str, extra: &[&str]) {
    let (_temp, dir) = copy_fixture(&root().join("fixtures/valid/environments"));
    let mut args = vec!["compile", "api.yaml", "worker.yaml", "-o", out];
    args.extend(extra);
    let written = run(&dir, &args, SEED);
    assert_eq!(written.status.code(), Some(0), "{out}: {}", transcript(&written));
    let before = snapshot(&dir);
    let mut checking = args.clone();
    checking.push("--check");
    let same = run(&dir, &checking, SEED);
    assert_eq!(same.status.code(), Some(0), "{out} {extra:?} unchanged: {}", transcript(&same));
    assert!(same.stdout.is_empty(), "{out}: no diff when up to date");
    assert!(String::from_utf8_lossy(&same.stderr).contains("up to date"));
    let platform = std::fs::read_to_string(dir.join("stave.yaml")).unwrap();
    std::fs::write(dir.join("stave.yaml"), platform.replace("LOG_LEVEL: debug", "LOG_LEVEL: trace")).unwrap();
    let before = BTreeMap::from_iter(before.into_iter().filter(|(k, _)| !k.ends_with("stave.yaml")));
    let changed = run(&dir, &checking, SEED);
    assert_eq!(changed.status.code(), Some(1), "{out} {extra:?} changed: {}", transcript(&changed));
    let diff = String::from_utf8_lossy(&changed.stdout);
    assert!(diff.contains("--- a/") && diff.contains("+++ b/") && diff.contains("trace"), "{out}: {diff}");
    assert!(String::from_utf8_lossy(&changed.stderr).contains("would change"));
    let after = BTreeMap::from_iter(snapshot(&dir).into_iter().filter(|(k, _)| !k.ends_with("stave.yaml")));
    assert_eq!(before, after, "{out}: --check wrote nothing");
}

#[test]
fn every_layout_is_gated() {
    gate("manifests.yaml", &["--env", "dev"]);
    gate("manifests/", &["--env", "dev"]);
    gate("all-environments/", &[]);
    gate("chart/", &["--env", "dev", "--target", "helm"]);
    gate("module/", &["--env", "dev", "--target", "terraform"]);
}

#[test]
fn a_changed_secret_shows_as_changed_never_as_its_value() {
    let (_temp, dir) = copy_fixture(&root().join("fixtures/valid/environments"));
    let args = ["compile", "api.yaml", "worker.yaml", "--env", "dev", "-o", "out/"];
    assert_eq!(run(&dir, &args, SEED).status.code(), Some(0));
    // What the new seed's Secrets hold, from a compile to standard output.
    let fresh = run(&dir, &["compile", "api.yaml", "worker.yaml", "--env", "dev"], "drift seed two");
    let objects: Vec<serde_json::Value> = serde_saphyr::from_multiple(&String::from_utf8_lossy(&fresh.stdout)).unwrap();
    let values: Vec<String> = objects
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .flat_map(|o| o["stringData"].as_object().into_iter().flatten().map(|(_, v)| v.as_str().unwrap().to_string()))
        .collect();
    assert!(!values.is_empty());
    let mut checking = args.to_vec();
    checking.push("--check");
    let changed = run(&dir, &checking, "drift seed two");
    assert_eq!(changed.status.code(), Some(1), "{}", transcript(&changed));
    let diff = String::from_utf8_lossy(&changed.stdout);
    assert!(diff.contains("-  password: <secret sha256:") && diff.contains("+  password: <secret sha256:"), "{diff}");
    for value in &values {
        assert!(!diff.contains(value.as_str()), "the diff shows a secret value");
    }
    let old = std::fs::read_to_string(
        dir.join("out").join(
            std::fs::read_dir(dir.join("out"))
                .unwrap()
                .flatten()
                .map(|e| e.file_name().into_string().unwrap())
                .find(|n| n.contains("secret-api-db"))
                .unwrap(),
        ),
    )
    .unwrap();
    let old_value = old.lines().find_map(|l| l.trim().strip_prefix("password: ")).unwrap();
    assert!(!diff.contains(old_value), "the diff shows the old secret value");
}

#[test]
fn a_missing_output_is_all_additions_and_stdout_is_refused() {
    let (_temp, dir) = copy_fixture(&root().join("fixtures/valid/environments"));
    let missing = run(&dir, &["compile", "api.yaml", "worker.yaml", "--env", "dev", "-o", "nowhere/", "--check"], SEED);
    assert_eq!(missing.status.code(), Some(1), "{}", transcript(&missing));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("--- /dev/null"));
    assert!(!dir.join("nowhere").exists(), "--check creates nothing");
    let stdout = run(&dir, &["compile", "api.yaml", "worker.yaml", "--env", "dev", "--check"], SEED);
    assert_eq!(stdout.status.code(), Some(2), "{}", transcript(&stdout));
}
