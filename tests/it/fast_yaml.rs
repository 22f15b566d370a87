//! The fast YAML writer and reader (`document::fast_yaml`) give byte for byte what serde-saphyr
//! gives, wherever they answer. The compiler trusts them with no second look (debug builds run
//! what release builds run), so they are checked here: the writer on every object that the valid
//! fixtures and the Score corpus emit for Kubernetes, and on every object their provisioners
//! return; the reader on those objects written as object templates render them, and on the
//! emitted documents.

use crate::common;

use common::library::Prepared;
use serde_json::Value as Json;
use stave::document::fast_yaml::{read, write};
use stave::pipeline::Stage;

/// Every object emitted for Kubernetes, and every object a provisioner returned, for the valid
/// fixtures that name Kubernetes and the corpus files that compile (compiled once for both tests).
fn objects() -> &'static [Json] {
    static OBJECTS: std::sync::OnceLock<Vec<Json>> = std::sync::OnceLock::new();
    OBJECTS.get_or_init(compile_all)
}

fn compile_all() -> Vec<Json> {
    let mut prepared: Vec<Prepared> = common::fixtures_for("kubernetes")
        .iter()
        .filter_map(|dir| Prepared::new(dir, &["--target", "kubernetes"]))
        .collect();
    assert!(prepared.len() >= 8, "only {} fixtures", prepared.len());
    if let Some(files) = common::corpus_score_files() {
        prepared.extend(files.iter().map(|file| Prepared::corpus_file(file)));
    }
    let mut objects = Vec::new();
    for run in &prepared {
        let (compiled, _, _) = run.run_all(Stage::Provision);
        for provisioned in compiled.iter().filter_map(|c| c.provisioned.as_ref()) {
            objects.extend(provisioned.resources.values().flat_map(|r| r.objects.iter().map(|o| o.tree())));
        }
        let Ok((emitted, _)) = run.emit() else { continue };
        for file in &emitted.files {
            let text = String::from_utf8(file.bytes.bytes().into_owned()).expect("UTF-8");
            let documents: Vec<Json> = serde_saphyr::from_multiple(&text).expect("emitted YAML reads back");
            objects.extend(documents.into_iter().filter(|d| !d.is_null()));
        }
    }
    objects
}

#[test]
fn the_fast_writer_writes_what_serde_saphyr_writes() {
    let objects = objects();
    let mut written = 0;
    for object in objects {
        let Some(fast) = write::write("---\n", object, &|_| None) else { continue };
        let slow = format!("---\n{}", serde_saphyr::to_string(object).expect("serde-saphyr writes it"));
        assert_eq!(String::from_utf8_lossy(&fast.bytes()), slow, "the fast writer differs on {object:#}");
        written += 1;
    }
    // Most objects are the fast writer's (343 of 343 when this was written): a check that the
    // comparison covers what the compiler writes.
    assert!(written >= 300 && written * 10 > objects.len() * 9, "{written} of {} objects written", objects.len());
}

#[test]
fn the_fast_reader_reads_what_serde_saphyr_reads() {
    let mut texts = Vec::new();
    for object in objects() {
        // As an object template renders it: a list of block mappings, every value as `tojson`
        // (and auto-escaping) writes it, or a whole mapping `tojson`-ed after its key.
        texts.push(template(object, Nested::Blocks));
        texts.push(template(object, Nested::Json));
        // As the Kubernetes target writes it.
        if let Some(written) = write::write("", object, &|_| None) {
            texts.push(String::from_utf8_lossy(&written.bytes()).into_owned());
        }
    }
    let mut read = 0;
    for text in &texts {
        let Some(fast) = read::parse(text) else { continue };
        let slow: Result<Json, _> = serde_saphyr::from_str(text);
        assert!(slow.as_ref().ok() == Some(&fast), "the fast reader differs from serde-saphyr on:\n{text}");
        read += 1;
    }
    assert!(read >= 800 && read * 2 > texts.len(), "{read} of {} texts read", texts.len());
}

#[derive(Clone, Copy)]
enum Nested {
    /// Mappings and sequences as blocks, scalars as JSON.
    Blocks,
    /// Top-level keys as a block, their values as JSON.
    Json,
}

/// `object` as the one item of a YAML list, the way object templates write one.
fn template(object: &Json, nested: Nested) -> String {
    let mut out = String::new();
    let Json::Object(map) = object else { return out };
    for (i, (key, value)) in map.iter().enumerate() {
        out.push_str(if i == 0 { "- " } else { "  " });
        out.push_str(&format!("{}:", key_text(key)));
        match nested {
            Nested::Json => out.push_str(&format!(" {}\n", json(value))),
            Nested::Blocks => block(value, 2, &mut out),
        }
    }
    out
}

/// A key as templates write it: plain when it is a word, else quoted.
fn key_text(key: &str) -> String {
    let word = key.starts_with(|c: char| c.is_ascii_alphabetic())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c));
    if word { key.to_string() } else { json(&Json::String(key.to_string())) }
}

fn json(value: &Json) -> String {
    serde_json::to_string(value).expect("JSON")
}

/// A value after `key:`, at `indent` spaces.
fn block(value: &Json, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent + 2);
    match value {
        Json::Object(map) if !map.is_empty() => {
            out.push('\n');
            for (key, value) in map {
                out.push_str(&format!("{pad}{}:", key_text(key)));
                block(value, indent + 2, out);
            }
        }
        Json::Array(items) if !items.is_empty() => {
            out.push('\n');
            for item in items {
                match item {
                    Json::Object(map) if !map.is_empty() => {
                        for (i, (key, value)) in map.iter().enumerate() {
                            out.push_str(&format!("{pad}{}{}:", if i == 0 { "- " } else { "  " }, key_text(key)));
                            block(value, indent + 4, out);
                        }
                    }
                    other => out.push_str(&format!("{pad}- {}\n", json(other))),
                }
            }
        }
        scalar => out.push_str(&format!(" {}\n", json(scalar))),
    }
}
