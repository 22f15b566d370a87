//! The objects of a YAML stream, for comparing what two programs emit: each document in a
//! canonical form (keys sorted), compared as sorted lists.

use serde_json::Value as Json;

/// The documents of a multi-document stream (`---` lines between them; comments and empty
/// documents dropped), each parsed.
pub fn documents(stream: &str) -> Vec<Json> {
    let mut documents = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        if current.lines().any(|l| !l.trim().is_empty() && !l.starts_with('#')) {
            documents.push(serde_saphyr::from_str::<Json>(current).expect("a YAML document"));
        }
        current.clear();
    };
    for line in stream.lines() {
        if line == "---" {
            flush(&mut current);
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    flush(&mut current);
    documents
}

fn canonical(value: &Json) -> Json {
    match value {
        Json::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Json::Object(keys.into_iter().map(|k| (k.clone(), canonical(&map[k]))).collect())
        }
        Json::Array(items) => Json::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Every object of the stream in canonical form, sorted.
pub fn set(stream: &str) -> Vec<String> {
    let mut set: Vec<String> = documents(stream).iter().map(|d| canonical(d).to_string()).collect();
    set.sort();
    set
}

/// `Ok(count)` when both streams hold the same objects, else the first object that differs.
pub fn same(a: &str, b: &str) -> Result<usize, String> {
    let (a, b) = (set(a), set(b));
    if a == b {
        return Ok(a.len());
    }
    let only_a = a.iter().find(|o| b.binary_search(o).is_err());
    let only_b = b.iter().find(|o| a.binary_search(o).is_err());
    Err(format!("{} and {} objects; only in the first: {only_a:?}; only in the second: {only_b:?}", a.len(), b.len()))
}
