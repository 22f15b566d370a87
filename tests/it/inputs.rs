//! Many workloads as CI passes them: a directory stands for the workload files beneath it, and
//! `--files-from FILE|-` reads a list of paths.

use crate::common;

use common::stave;

fn workload(name: &str) -> String {
    format!("apiVersion: score.dev/v1b1\nmetadata:\n  name: {name}\ncontainers:\n  main:\n    image: nginx:1.27\n")
}

/// The workload names `stave compile --emit ir` read, in order.
fn names(stdout: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(stdout);
    text.lines()
        .filter_map(|l| l.strip_prefix("- name: ").or_else(|| l.strip_prefix("  name: ")))
        .map(String::from)
        .collect()
}

#[test]
fn a_directory_stands_for_the_workload_files_beneath_it() {
    let dir = crate::common::tempdir().unwrap();
    let services = dir.path().join("services");
    for (path, name) in [
        ("api/score.yaml", "api"),
        ("worker/workload.yml", "worker"),
        ("web/web.score.yaml", "web"),
        ("web/deep/more/cron.score.yml", "cron"),
        (".hidden/score.yaml", "hidden"),
        ("api/values.yaml", "not-a-workload"),
    ] {
        let file = services.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(&file, workload(name)).unwrap();
    }
    let output = stave(dir.path(), &["compile", "services", "--emit", "ir"], None);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let found = names(&output.stdout);
    for name in ["api", "worker", "web", "cron"] {
        assert!(found.iter().any(|n| n == name), "{name} not found in {found:?}");
    }
    assert!(!found.iter().any(|n| n == "hidden" || n == "not-a-workload"), "{found:?}");

    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let output = stave(dir.path(), &["check", "empty"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("holds no workload file"));
}

#[test]
fn files_from_reads_a_list_of_paths_from_a_file_or_standard_input() {
    let dir = crate::common::tempdir().unwrap();
    for name in ["aa", "bb", "cc"] {
        std::fs::write(dir.path().join(format!("{name}.yaml")), workload(name)).unwrap();
    }
    std::fs::write(dir.path().join("list.txt"), "aa.yaml\n\nbb.yaml\n").unwrap();
    let output = stave(dir.path(), &["compile", "--files-from", "list.txt", "cc.yaml", "--emit", "ir"], None);
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let found = names(&output.stdout);
    assert_eq!(found.iter().filter(|n| ["aa", "bb", "cc"].contains(&n.as_str())).count(), 3, "{found:?}");

    let output = stave(dir.path(), &["check", "--files-from", "-"], Some(b"aa.yaml\nbb.yaml\n"));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let output = stave(dir.path(), &["check", "--files-from", "-", "-"], Some(b"aa.yaml\n"));
    assert_eq!(output.status.code(), Some(2), "standard input read twice");
    let output = stave(dir.path(), &["check", "--files-from", "missing.txt"], None);
    assert_eq!(output.status.code(), Some(2));
}
