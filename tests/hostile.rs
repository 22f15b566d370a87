//! Hostile input: bad input gets a located error and exit code 1, never a panic or a hang.

mod common;

use std::time::{Duration, Instant};

use common::{stave, transcript};
use stave::source::Sources;
use stave::spec::{self, Input, LoadOptions};

/// Loads bytes through the library, returning the diagnostic codes and how long it took.
fn load(bytes: Vec<u8>) -> (Vec<&'static str>, Duration) {
    let mut sources = Sources::new();
    let start = Instant::now();
    let loaded =
        spec::load(&[Input::Text { name: "hostile.yaml".into(), bytes }], &LoadOptions::default(), &mut sources);
    let elapsed = start.elapsed();
    assert!(loaded.diagnostics.has_errors(), "hostile input must be an error");
    (loaded.diagnostics.iter().map(|d| d.code.name()).collect(), elapsed)
}

#[test]
fn alias_bomb_is_refused_quickly() {
    let mut text = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for level in 1..10u8 {
        let (prev, this) = ((b'a' + level - 1) as char, (b'a' + level) as char);
        text.push_str(&format!("{this}: &{this} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
    }
    let (codes, elapsed) = load(text.into_bytes());
    assert_eq!(codes, ["stave::yaml::limit"]);
    assert!(elapsed < Duration::from_secs(1), "alias bomb took {elapsed:?}");
}

#[test]
fn fifty_megabyte_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let big =
        format!("apiVersion: score.dev/v1b1\nmetadata:\n  name: big\n  blob: \"{}\"\n", "x".repeat(50 * 1024 * 1024));
    std::fs::write(dir.path().join("big.yaml"), big).unwrap();
    let start = Instant::now();
    let output = stave(dir.path(), &["check", "big.yaml"], None);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stave::input::too-large"));
    assert!(start.elapsed() < Duration::from_secs(10));
    // Through standard input too: the reader stops at the limit.
    let piped = stave(dir.path(), &["check", "-"], Some(&vec![b'#'; 50 * 1024 * 1024]));
    assert_eq!(piped.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&piped.stderr).contains("stave::input::too-large"));
}

#[test]
fn nesting_ten_thousand_deep_is_refused() {
    let flow = format!("a: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let (codes, elapsed) = load(flow.into_bytes());
    assert_eq!(codes, ["stave::yaml::limit"]);
    assert!(elapsed < Duration::from_secs(1));
    // Block nesting 10,000 deep needs over 50 MB of indentation, refused by size; 2,000 deep
    // (one space per level) fits and is refused by depth.
    let block: String = (0..10_000).map(|depth| format!("{}k:\n", " ".repeat(depth))).collect();
    let (codes, _) = load(block.into_bytes());
    assert_eq!(codes, ["stave::input::too-large"]);
    let block: String = (0..2_000).map(|depth| format!("{}k:\n", " ".repeat(depth))).collect();
    let (codes, _) = load(block.into_bytes());
    assert_eq!(codes, ["stave::yaml::limit"]);
    let braces = format!("a: {}{}\n", "{b: ".repeat(10_000), "}".repeat(10_000));
    let (codes, _) = load(braces.into_bytes());
    assert_eq!(codes, ["stave::yaml::limit"]);
}

#[test]
fn binary_junk_is_refused_without_panic() {
    // A fixed pseudo-random stream (xorshift), so the test is repeatable.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..200 {
        let len = (next() % 4096) as usize + 1;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 2 == 0 {
            // Half the rounds: printable junk, which gets past the binary and UTF-8 checks.
            let charset = b" :-[]{}&*!|>'\"%@`,#?\nabc01";
            bytes.iter_mut().for_each(|b| *b = charset[(*b as usize) % charset.len()]);
        }
        let mut sources = Sources::new();
        let _ = spec::load(&[Input::Text { name: "junk.yaml".into(), bytes }], &LoadOptions::default(), &mut sources);
    }
    let (codes, _) = load(vec![0x89, b'P', b'N', b'G', 0, 0, 0, 13]);
    assert_eq!(codes, ["stave::input::binary"]);
    let (codes, _) = load(vec![b'a', b':', b' ', 0xff, 0xfe]);
    assert_eq!(codes, ["stave::input::not-utf8"]);
}

#[test]
fn empty_and_wrong_shapes_are_located_errors() {
    let (codes, _) = load(Vec::new());
    assert_eq!(codes, ["stave::spec::empty-file"]);
    let (codes, _) = load(b"# only a comment\n".to_vec());
    assert_eq!(codes, ["stave::spec::empty-file"]);
    let (codes, _) = load(b"- apiVersion: score.dev/v1b1\n- containers: {}\n".to_vec());
    assert_eq!(codes, ["stave::spec::wrong-type"]);
    let (codes, _) = load(b"apiVersion: score.dev/v1b1\nmetadata: [name, web]\ncontainers:\n  - main\n".to_vec());
    assert_eq!(codes, ["stave::spec::wrong-type", "stave::spec::wrong-type"]);
    let (codes, _) = load(b"just a string\n".to_vec());
    assert_eq!(codes, ["stave::spec::wrong-type"]);
    let (codes, _) = load(b"a: 1\n---\nb: 2\n".to_vec());
    assert_eq!(codes, ["stave::yaml::several-documents"]);
    let (codes, _) = load("---\n".repeat(65).into_bytes());
    assert_eq!(codes, ["stave::yaml::limit"], "a storm of empty documents is bounded");
}

/// One document per file: empty documents around it (a leading or trailing `---`, `...`, a
/// document of only comments or `null`) are skipped; a second one with content is an error at
/// its `---`, never dropped (score-k8s reads the first and ignores the rest).
#[test]
fn empty_documents_are_skipped_and_a_second_workload_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let workload = "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers: {main: {image: nginx:1.27}}\n";
    for (name, text) in [
        ("trailing", format!("{workload}---\n")),
        ("leading", format!("---\n{workload}")),
        ("both", format!("---\n{workload}...\n---\n# nothing more\n---\nnull\n")),
    ] {
        std::fs::write(dir.path().join("workload.yaml"), text).unwrap();
        let output = stave(dir.path(), &["check"], None);
        assert_eq!(output.status.code(), Some(0), "{name}: {}", transcript(&output));
    }
    std::fs::write(dir.path().join("workload.yaml"), format!("{workload}---\n{}", workload.replace("web", "api")))
        .unwrap();
    let output = stave(dir.path(), &["check"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("stave::yaml::several-documents") && text.contains("workload.yaml:4:1"), "{text}");
}

/// An override path of 12,000 segments used to overflow the stack (exit 134); overrides that
/// would nest a workload past the limit are refused; `port: 80.0` is the integer JSON Schema
/// says it is, not "a bug in Stave".
#[test]
fn overrides_and_numbers_at_the_edges() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("workload.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata: {name: web}\nservice:\n  ports:\n    web: {port: 80.0, targetPort: 8080.0}\ncontainers:\n  main:\n    image: nginx:1.27\n    readinessProbe: {httpGet: {path: /, port: 8080.0}}\n",
    )
    .unwrap();
    let fine = stave(dir.path(), &["check"], None);
    assert_eq!(fine.status.code(), Some(0), "{}", transcript(&fine));
    let long = format!("containers.{}=1", vec!["a"; 12_000].join("."));
    let output = stave(dir.path(), &["check", "--override-property", &long], None);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("stave::overrides::invalid"));
    let deep = format!("metadata.x={}1{}", "[".repeat(40), "]".repeat(40));
    let nested = stave(
        dir.path(),
        &[
            "check",
            "--override-property",
            &format!("containers.main.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.a.b={}", &deep[11..]),
        ],
        None,
    );
    assert_eq!(nested.status.code(), Some(1), "{}", transcript(&nested));
    assert!(String::from_utf8_lossy(&nested.stderr).contains("stave::yaml::limit"), "{}", transcript(&nested));
}
