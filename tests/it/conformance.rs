//! Conformance against the public Score corpus (../shared/score-corpus, or $STAVE_SCORE_CORPUS):
//! every Score file passes `stave check`, and our schema agrees with the official one on every
//! corpus file, every invalid fixture, and mutations of both.
//!
//! The corpus is not part of the project. Where it is absent the tests say so plainly and pass,
//! except in CI (`CI` set), where an absent corpus is a failure.

#![allow(clippy::print_stderr, reason = "tests report what they skipped or measured")]

use crate::common;

use std::path::Path;

use common::{copy_dir, fixture_dirs, stave, transcript};
use serde_json::Value as Json;
use stave::document::yaml;
use stave::score::schema;
use stave::source::Sources;

#[test]
fn every_corpus_score_file_passes_check() {
    let Some(corpus) = common::corpus_dir() else { return };
    let files = common::score_files(&corpus);
    assert_eq!(files.len(), 40, "the corpus holds 40 Score files");
    for file in files {
        // Work on a copy of the file's directory: score-full.yaml refers to a `file.txt` that the
        // corpus snapshot does not include, so the test provides one.
        let temp = tempfile::tempdir().unwrap();
        copy_dir(file.parent().unwrap(), temp.path());
        if !temp.path().join("file.txt").exists() {
            std::fs::write(temp.path().join("file.txt"), "provided by the conformance test\n").unwrap();
        }
        let name = file.file_name().unwrap().to_str().unwrap();
        // `--image` fills `image: .` (as score-k8s's `--image` does); it changes nothing else.
        let output = stave(temp.path(), &["check", name, "--image", "conformance/image:1"], None);
        assert_eq!(output.status.code(), Some(0), "{}:\n{}", file.display(), transcript(&output));
        let ir = stave(temp.path(), &["compile", "--emit", "ir", name, "--image", "conformance/image:1"], None);
        assert_eq!(ir.status.code(), Some(0), "{}:\n{}", file.display(), transcript(&ir));
    }
}

/// Compiling each corpus file alone: it compiles when built-in provisioners serve all its resource
/// types, and otherwise fails only because a type has no provisioner or a link names a workload
/// from another file.
#[test]
fn corpus_files_compile_or_name_what_is_missing() {
    let Some(corpus) = common::corpus_dir() else { return };
    let (mut compiled, mut refused) = (0, 0);
    for file in common::score_files(&corpus) {
        let temp = tempfile::tempdir().unwrap();
        copy_dir(file.parent().unwrap(), temp.path());
        if !temp.path().join("file.txt").exists() {
            std::fs::write(temp.path().join("file.txt"), "provided by the conformance test\n").unwrap();
        }
        let name = file.file_name().unwrap().to_str().unwrap();
        let output = stave(
            temp.path(),
            &["compile", "--emit", "resources", name, "--image", "conformance/image:1", "--diagnostics", "json"],
            None,
        );
        match output.status.code() {
            Some(0) => compiled += 1,
            Some(1) => {
                refused += 1;
                let stderr = String::from_utf8_lossy(&output.stderr);
                for line in stderr.lines() {
                    let diagnostic: Json = serde_json::from_str(line).unwrap();
                    let code = diagnostic["code"].as_str().unwrap();
                    assert!(
                        diagnostic["severity"] == "warning"
                            || code == "stave::provision::no-provisioner"
                            || code == "stave::graph::unknown-workload"
                            // score-compose's `environment` reads the machine's variables; Stave's
                            // reads the platform file, which the default environment leaves empty.
                            || (code == "stave::provision::missing-output" && line.contains("(`environment.")),
                        "{}: unexpected {code}: {line}",
                        file.display()
                    );
                }
            }
            other => panic!("{}: exit {other:?}\n{}", file.display(), transcript(&output)),
        }
    }
    eprintln!("corpus: {compiled} files compile alone, {refused} need a provisioner or another workload");
    assert!(compiled >= 25, "only {compiled} corpus files compile");
}

fn official_validator(corpus: &Path) -> jsonschema::Validator {
    let schema: Json = serde_json::from_str(&std::fs::read_to_string(corpus.join("score-v1b1.json")).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn document(path: &Path) -> Option<Json> {
    let mut sources = Sources::new();
    let text = std::fs::read_to_string(path).ok()?;
    let id = sources.add(path.display().to_string(), text, Path::new("."));
    yaml::parse(sources.get(id), id).ok().map(|node| node.to_json())
}

/// Variations of a document: each field removed, each scalar replaced by values of other types
/// and by strings that break patterns.
fn mutations(doc: &Json) -> Vec<Json> {
    let mut out = Vec::new();
    let mut pointers = Vec::new();
    collect_pointers(doc, String::new(), &mut pointers);
    for pointer in pointers {
        for replacement in [
            Json::Null,
            Json::from(0),
            Json::from(70000),
            Json::from(""),
            Json::from("Bad Value!"),
            Json::from(true),
            serde_json::json!([]),
            serde_json::json!({}),
        ] {
            let mut copy = doc.clone();
            if let Some(slot) = copy.pointer_mut(&pointer) {
                *slot = replacement;
                out.push(copy);
            }
        }
        if let Some((parent, key)) = pointer.rsplit_once('/') {
            let mut copy = doc.clone();
            let key = key.replace("~1", "/").replace("~0", "~");
            if let Some(Json::Object(map)) = copy.pointer_mut(parent) {
                map.remove(&key);
                out.push(copy);
            }
        }
    }
    out
}

fn collect_pointers(value: &Json, at: String, out: &mut Vec<String>) {
    match value {
        Json::Object(map) => {
            for (key, child) in map {
                let pointer = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                out.push(pointer.clone());
                collect_pointers(child, pointer, out);
            }
        }
        Json::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let pointer = format!("{at}/{i}");
                out.push(pointer.clone());
                collect_pointers(child, pointer, out);
            }
        }
        _ => {}
    }
}

#[test]
fn our_schema_agrees_with_the_official_one() {
    let Some(corpus) = common::corpus_dir() else { return };
    let official = official_validator(&corpus);
    let mut documents: Vec<(String, Json)> = Vec::new();
    for file in common::score_files(&corpus) {
        documents.push((file.display().to_string(), document(&file).unwrap()));
    }
    for dir in fixture_dirs("invalid").into_iter().chain(fixture_dirs("valid")) {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let is_case = path.file_name().is_some_and(|n| n == "case.yaml");
            if path.extension().is_some_and(|e| e == "yaml") && !is_case {
                // Files that are not YAML documents (binary, syntax errors) have nothing to validate.
                if let Some(doc) = document(&path) {
                    documents.push((path.display().to_string(), doc));
                }
            }
        }
    }
    let (mut compared, mut invalid) = (0, 0);
    for (name, doc) in &documents {
        for candidate in std::iter::once(doc.clone()).chain(mutations(doc)) {
            let theirs = official.is_valid(&candidate);
            let ours = schema::is_valid(&candidate);
            assert_eq!(ours, theirs, "{name}: schemas disagree (ours {ours}, official {theirs}) on:\n{candidate:#}");
            compared += 1;
            invalid += usize::from(!theirs);
        }
    }
    eprintln!("schemas agree on {compared} documents ({invalid} invalid) from {} files", documents.len());
    assert!(compared > 1000 && invalid > 500);
}
