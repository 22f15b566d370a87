//! The floor: what any tool that turns these Score files into these manifests must at least do.
//! It reads and parses every workload file with serde-saphyr, then serializes the very objects
//! Stave emitted (loaded beforehand from a JSON file, a cost it reports so the benchmark can take
//! it off) with serde-saphyr, as one YAML stream on standard output. It builds nothing: deriving
//! the objects is the part a real tool adds.

use std::io::Write;
use std::time::Instant;

use serde_json::Value as Json;

/// `floor OBJECTS.json DIR`: prints the stream; on stderr, `load <seconds>` (the JSON load).
pub fn main(args: &[String]) -> std::process::ExitCode {
    let [objects, dir] = args else {
        eprintln!("usage: compare floor OBJECTS.json DIR");
        return std::process::ExitCode::from(2);
    };
    let start = Instant::now();
    let text = std::fs::read_to_string(objects).expect("objects");
    let objects: Vec<Json> = serde_json::from_str(&text).expect("a JSON list of objects");
    let load = start.elapsed();
    let mut paths: Vec<_> = std::fs::read_dir(dir).expect("workloads").map(|e| e.expect("entry").path()).collect();
    paths.sort();
    let mut parsed = Vec::with_capacity(paths.len());
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("workload");
        let value: Json = serde_saphyr::from_str(&text).expect("YAML");
        parsed.push(value);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    for object in &objects {
        let text = serde_saphyr::to_string(object).expect("YAML");
        out.write_all(b"---\n").and_then(|()| out.write_all(text.as_bytes())).expect("stdout");
    }
    out.flush().expect("stdout");
    eprintln!("load {} workloads {}", load.as_secs_f64(), parsed.len());
    // Like a tool that exits as soon as it is done.
    std::mem::forget((objects, parsed));
    std::process::ExitCode::SUCCESS
}
