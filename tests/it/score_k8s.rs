//! score-k8s's golden `TestMassive` (in the Score corpus, `../shared/score-corpus` or
//! `$STAVE_SCORE_CORPUS`): the workload its header comment transcribes compiles with Stave, and
//! every field of score-k8s's expected objects is compared with Stave's. A difference passes only
//! when one of the documented rules below explains it, each rule must still be needed, and each
//! is listed in the README ("Switching from score-k8s"). Files and volumes are compared by what a
//! container sees (path and content, path and source), since the two tools lay them out
//! differently.
//!
//! Where the corpus is absent the test prints a `SKIPPED` line and passes, except where
//! `STAVE_REQUIRE_CORPUS` or `CI` is set (see `common::corpus_dir`).

use crate::common;

#[path = "score_k8s/compare.rs"]
mod compare;

use common::{root, stave, transcript};
use compare::{Difference, RULES, diff, normalise};
use serde_json::Value as Json;

const MASSIVE: &str = "score-k8s/internal/convert/workloads_test.go/TestMassive/EXPECTED.yaml";

/// The workload the header comment transcribes, made valid Score where the Go struct is not:
/// `base64("…")` is written out, and the `httpGet` probe gets the `path` Score requires (the Go
/// test builds the struct directly, and score-k8s does not validate). Also the outputs the
/// header gives each resource type (`# outputs {key: xxx}`), for a provisioner file.
fn massive_input(expected: &str) -> (String, Vec<(String, String)>) {
    let header: Vec<&str> = expected.lines().take_while(|l| l.starts_with('#')).collect();
    let start = header.iter().position(|l| l.contains("transcribed to Score YAML")).expect("the input") + 1;
    let end = header.iter().position(|l| l.starts_with("# instance suffix")).expect("the suffix");
    let mut workload = String::new();
    let mut outputs = Vec::new();
    let mut fixes = 0;
    for line in &header[start..end] {
        let mut line = line.strip_prefix("# ").unwrap_or("").to_string();
        if let Some((before, rest)) = line.split_once("base64(\"") {
            let (text, after) = rest.split_once("\")").expect("base64(\"…\")");
            use base64::Engine;
            let encoded = base64::engine::general_purpose::STANDARD.encode(text);
            line = format!("{before}\"{encoded}\"{after}");
            fixes += 1;
        }
        if line.contains("httpGet: {") && !line.contains("path:") {
            line = line.replace("httpGet: {", "httpGet: {path: /, ");
            fixes += 1;
        }
        if let Some((resource, comment)) = line.split_once("# outputs ") {
            let kind = resource.split("type: ").nth(1).and_then(|t| t.split([',', '}']).next()).expect("type");
            outputs.push((kind.trim().to_string(), comment.trim().to_string()));
        }
        workload.push_str(&line);
        workload.push('\n');
    }
    assert_eq!(fixes, 2, "the input fixes no longer apply: update this test and the README");
    (workload, outputs)
}

fn documents(text: &str) -> Vec<Json> {
    text.split("\n---")
        .map(|d| d.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>().join("\n"))
        .filter(|d| !d.trim().is_empty())
        .map(|d| serde_saphyr::from_str(&d).expect("a YAML document"))
        .collect()
}

fn compile(workload: &str, outputs: &[(String, String)]) -> Vec<Json> {
    let temp = crate::common::tempdir().unwrap();
    std::fs::write(temp.path().join("score.yaml"), workload).unwrap();
    let provisioners: String = outputs
        .iter()
        .map(|(kind, outputs)| {
            format!("  - {{name: massive/{kind}, type: {kind}, targets: [kubernetes], outputs: {outputs}}}\n")
        })
        .collect();
    std::fs::write(temp.path().join("massive.provisioners.yaml"), format!("provisioners:\n{provisioners}")).unwrap();
    std::fs::write(
        temp.path().join("stave.yaml"),
        "environments:\n  test: {target: kubernetes, provisioners: [massive.provisioners.yaml]}\n",
    )
    .unwrap();
    let output = stave(temp.path(), &["compile", "score.yaml"], None);
    assert_eq!(output.status.code(), Some(0), "TestMassive's workload must compile:\n{}", transcript(&output));
    documents(&String::from_utf8(output.stdout).unwrap())
}

#[test]
fn test_massive_matches_score_k8s_but_for_documented_differences() {
    let Some(corpus) = common::corpus_dir() else { return };
    let expected_text = std::fs::read_to_string(corpus.join(MASSIVE)).expect("TestMassive's expected output");
    let (workload, outputs) = massive_input(&expected_text);
    let expected = normalise(&documents(&expected_text));
    let actual = normalise(&compile(&workload, &outputs));
    let mut differences: Vec<Difference> = Vec::new();
    for (id, object) in &expected {
        match actual.get(id) {
            Some(ours) => diff(id, object, ours, &mut differences),
            None => differences.push(Difference::missing(id.clone(), object.clone())),
        }
    }
    for (id, object) in actual.iter().filter(|(id, _)| !expected.contains_key(*id)) {
        differences.push(Difference::added(id.clone(), object.clone()));
    }
    let mut used = vec![0usize; RULES.len()];
    let mut unexplained = Vec::new();
    for difference in &differences {
        match RULES.iter().position(|rule| (rule.explains)(difference)) {
            Some(index) => used[index] += 1,
            None => unexplained.push(difference.to_string()),
        }
    }
    assert!(
        unexplained.is_empty(),
        "differences from score-k8s that no documented rule explains (fix Stave, or add a rule here and in the README):\n{}",
        unexplained.join("\n")
    );
    let readme = std::fs::read_to_string(root().join("docs/src/switching.md")).unwrap();
    let section = readme.split("## Switching from score-k8s").nth(1).expect("the book's score-k8s section");
    for (rule, count) in RULES.iter().zip(&used) {
        assert!(*count > 0, "rule `{}` explains no difference any more: remove it here and in the README", rule.title);
        assert!(
            section.contains(&format!("**{}.**", rule.title)),
            "the README's score-k8s section lacks **{}**",
            rule.title
        );
    }
    // What must be equal is: the sanity of the comparison itself.
    let deployment = &actual["Deployment/example"];
    assert_eq!(deployment.pointer("/spec/template/spec/containers/0/env/4/value"), Some(&Json::from("xxx")));
    assert_eq!(
        deployment.pointer("/spec/template/spec/containers/0/files/~1root.md"),
        Some(&Json::from("my-content example"))
    );
}
