//! Changes reach running pods: a changed file changes the pod template of its workload (so a
//! rollout happens) and of no other; an unchanged compile changes nothing.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{stave, transcript};
use serde_json::Value as Json;

fn workload(name: &str, content: &str) -> String {
    format!(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: {name}\ncontainers:\n  main:\n    image: example/{name}:1\n    files:\n      /etc/{name}/app.conf:\n        content: \"{content}\"\n      /etc/{name}/secret.conf:\n        content: \"password=${{resources.db.password}}\"\nresources:\n  db:\n    type: postgres\n"
    )
}

/// The pod template of every Deployment, by name.
fn templates(dir: &Path) -> BTreeMap<String, Json> {
    let output = stave(dir, &["compile", "a.yaml", "b.yaml"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = String::from_utf8(output.stdout).unwrap();
    serde_saphyr::from_multiple::<Json>(&text)
        .unwrap()
        .into_iter()
        .filter(|o| o["kind"] == "Deployment")
        .map(|o| (o["metadata"]["name"].as_str().unwrap().to_string(), o["spec"]["template"].clone()))
        .collect()
}

#[test]
fn a_changed_file_rolls_out_its_workload_only() {
    let temp = crate::common::tempdir().unwrap();
    std::fs::write(temp.path().join("a.yaml"), workload("alpha", "level = info")).unwrap();
    std::fs::write(temp.path().join("b.yaml"), workload("beta", "level = info")).unwrap();
    let before = templates(temp.path());
    assert_eq!(before, templates(temp.path()), "the same input gives the same templates");
    std::fs::write(temp.path().join("a.yaml"), workload("alpha", "level = debug")).unwrap();
    let after = templates(temp.path());
    assert_ne!(before["alpha"], after["alpha"], "alpha's file changed, so its pod template must change");
    assert_eq!(before["beta"], after["beta"], "beta's pod template must not change");
    let hash = |t: &Json| t["metadata"]["annotations"]["stave.dev/files-hash"].as_str().unwrap().to_string();
    assert_ne!(hash(&before["alpha"]), hash(&after["alpha"]));
    assert_eq!(hash(&before["beta"]), hash(&after["beta"]));
}
