//! Conformance against the public Score corpus (../shared/score-corpus, or $STAVE_SCORE_CORPUS):
//! every Score file passes `stave check`, and our schema agrees with the official one on every
//! corpus file, every invalid fixture, and mutations of both.
//!
//! The corpus is not part of the project. Where it is absent each test that needs it prints a
//! `SKIPPED` line that the run shows (and `.ci/run` fails on) and passes, except where
//! `STAVE_REQUIRE_CORPUS` or `CI` is set (as `.ci/run` does): there it fails.

#![allow(clippy::print_stderr, reason = "tests report what they skipped or measured")]

use crate::common;

use std::path::Path;

use common::fixture_dirs;
use common::library::{Flags, Prepared};
use serde_json::Value as Json;
use stave::api::Severity;
use stave::document::yaml;
use stave::pipeline::Stage;
use stave::score::schema;
use stave::source::Sources;

/// This binary's test `every_corpus_score_file_passes_check` run alone, with the corpus at a
/// path that does not exist and `vars` set (`CI` and `STAVE_REQUIRE_CORPUS` removed first).
fn without_the_corpus(vars: &[(&str, &str)]) -> std::process::Output {
    let missing = crate::common::tempdir().unwrap();
    let test_binary = std::env::current_exe().expect("the test binary");
    let mut command = std::process::Command::new(test_binary);
    command.args(["conformance::every_corpus_score_file_passes_check", "--exact"]);
    command.env("STAVE_SCORE_CORPUS", missing.path().join("score-corpus"));
    command.env_remove("CI").env_remove(common::REQUIRE_CORPUS).envs(vars.iter().copied());
    command.output().expect("run the test binary")
}

/// A test that checks nothing without the corpus says so in a line the run shows (libtest
/// captures what a passing test prints with `eprintln!`); where the corpus is required, it fails.
#[test]
fn a_missing_corpus_is_a_visible_skip_or_a_failure_where_required() {
    let skipped = without_the_corpus(&[]);
    let (stdout, stderr) = (String::from_utf8_lossy(&skipped.stdout), String::from_utf8_lossy(&skipped.stderr));
    assert!(skipped.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}");
    let line = "test conformance::every_corpus_score_file_passes_check ... SKIPPED: the Score corpus is not at ";
    assert!(stderr.contains(line) && stderr.contains("it checked nothing"), "no visible skip:\n{stderr}");
    for name in [common::REQUIRE_CORPUS, "CI"] {
        let failed = without_the_corpus(&[(name, "1")]);
        let stdout = String::from_utf8_lossy(&failed.stdout);
        assert_eq!(failed.status.code(), Some(101), "{name}: {stdout}");
        assert!(stdout.contains("the Score corpus is missing at ") && stdout.contains(name), "{stdout}");
    }
}

#[test]
fn every_corpus_score_file_passes_check() {
    let Some(corpus) = common::corpus_dir() else { return };
    let files = common::score_files(&corpus);
    assert_eq!(files.len(), 40, "the corpus holds 40 Score files");
    for file in files {
        // In a copy of the file's directory: score-full.yaml refers to a `file.txt` that the
        // corpus snapshot does not include, so the test provides one. `--image` fills `image: .`
        // (as score-k8s's `--image` does); it changes nothing else.
        // Loading alone: which of them provisioning serves is the next test's.
        let prepared = Prepared::corpus(&file, Flags { schema_only: true, ..Flags::default() });
        let report = prepared.check();
        assert_eq!(report.exit(false), 0, "{}:\n{}", file.display(), report.human(&prepared));
        let (compiled, diagnostics, _) = prepared.run_all(Stage::Load);
        assert!(!diagnostics.has_errors() && compiled.len() == 1, "{}: no IR", file.display());
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
        // As `stave compile --emit resources` runs it: loaded and provisioned.
        let prepared = Prepared::corpus(&file, Flags::default());
        let (_, diagnostics, _) = prepared.run_all(Stage::Provision);
        if !diagnostics.has_errors() {
            compiled += 1;
            continue;
        }
        refused += 1;
        for diagnostic in diagnostics.iter() {
            let code = diagnostic.code.name();
            assert!(
                diagnostic.severity == Severity::Warning
                    || code == "stave::provision::no-provisioner"
                    || code == "stave::graph::unknown-workload"
                    // score-compose's `environment` reads the machine's variables; Stave's
                    // reads the platform file, which the default environment leaves empty.
                    || (code == "stave::provision::missing-output" && diagnostic.message.contains("(`environment.")),
                "{}: unexpected {code}: {}",
                file.display(),
                diagnostic.message
            );
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
