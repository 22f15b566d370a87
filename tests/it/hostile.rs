//! Hostile input: bad input gets a located error and exit code 1, never a panic or a hang.

use crate::common;
#[path = "hostile/strings.rs"]
mod hostile_strings;

use crate::helm::objects;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::{stave, transcript, validators};
use hostile_strings::{as_kubernetes_reads, hcl_strings, objects_hold_the_strings, tf_files, yaml_quoted};
use serde_json::Value as Json;
use stave::score::{self, Input, LoadOptions};
use stave::source::Sources;

/// Loads bytes through the library, returning the diagnostic codes and how long it took.
fn load(bytes: Vec<u8>) -> (Vec<&'static str>, Duration) {
    let mut sources = Sources::new();
    let start = Instant::now();
    let loaded =
        score::load(&[Input::Text { name: "hostile.yaml".into(), bytes }], &LoadOptions::default(), &mut sources);
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
    // Refused in milliseconds on a quiet machine (expanded, it would never end); the bound only
    // catches a hang, with room for the rest of the suite running beside it.
    assert!(elapsed < Duration::from_secs(10), "alias bomb took {elapsed:?}");
}

#[test]
fn fifty_megabyte_file_is_refused() {
    let dir = crate::common::tempdir().unwrap();
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
    assert!(elapsed < Duration::from_secs(10), "nesting took {elapsed:?}");
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
        let _ = score::load(&[Input::Text { name: "junk.yaml".into(), bytes }], &LoadOptions::default(), &mut sources);
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
    let dir = crate::common::tempdir().unwrap();
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
    let dir = crate::common::tempdir().unwrap();
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

/// A line of 3,000 characters, words of seven (no trailing space: serde-saphyr folds such a line
/// with the space ending its last line, which yamllint calls a trailing space): long enough for
/// every writer that folds.
const LONG_LINE: &str = {
    const BYTES: [u8; 3000] = {
        let mut bytes = [b'x'; 3000];
        let mut at = 7;
        while at < 2999 {
            bytes[at] = b' ';
            at += 8;
        }
        bytes
    };
    match std::str::from_utf8(&BYTES) {
        Ok(text) => text,
        Err(_) => panic!("ASCII"),
    }
};

/// Strings that mean something to YAML, Go templates, HCL, Markdown, HTML or a CI log; a
/// workload may hold any of them, and every target writes each as data that reads back exactly.
/// The first, NUL, is refused at the input instead.
const HOSTILE: &[&str] = &[
    "\0",
    "\u{1}",
    "\u{8}",
    "\u{1b}",
    "\u{7f}",
    "\u{80}",
    "\u{85}",
    "\u{9f}",
    "\u{a0}",
    "\u{2028}",
    "\u{2029}",
    "\u{feff}",
    "\u{fffe}",
    "\u{ffff}",
    "\u{10ffff}",
    "a\rb",
    "a\r\nb",
    "a\tb",
    "  padded  ",
    "'",
    "\"",
    "\\",
    "a\\nb\\|c\\",
    "{{ .Values.x }}",
    "{{- /* */ -}}",
    "${var.x}",
    "%{ if true }",
    "$${x}",
    "x$",
    "x%",
    "---",
    "...",
    "# c",
    ": ",
    "- x",
    "&a",
    "*a",
    "!!str",
    "yes",
    "no",
    "null",
    "~",
    "0x1F",
    "1e3",
    ".inf",
    "<script>alert(1)</script>",
    "`",
    "``a`|`b``",
    "a | b",
    "[x](https://example.com) ![i](x.png) <https://example.com> <b>x</b>",
    "::add-mask::x\n::warning::y",
    LONG_LINE,
];

/// The table but NUL: what a workload can hold.
fn accepted() -> &'static [&'static str] {
    assert_eq!(HOSTILE[0], "\0");
    &HOSTILE[1..]
}

/// A workload holding each of `strings` (by its index NN) as an annotation (`example.com/hNN`),
/// an argument, a variable (`HNN`), a file (`/etc/hostile/hNN`), and around a generated password
/// in a variable (`RNN`) and a file (`/etc/hostile/rNN`). Variables and files read `$$` as `$`.
fn hostile_workload(strings: &[&str]) -> String {
    let literal = |s: &str| s.replace('$', "$$");
    let around = |s: &str| yaml_quoted(&format!("{}${{resources.db.password}}{}", literal(s), literal(s)));
    let mut text = String::from("apiVersion: score.dev/v1b1\nmetadata:\n  name: hostile\n  annotations:\n");
    for (i, s) in strings.iter().enumerate() {
        text.push_str(&format!("    example.com/h{i:02}: {}\n", yaml_quoted(s)));
    }
    text.push_str("containers:\n  main:\n    image: nginx:1.27\n    args:\n");
    for s in strings {
        text.push_str(&format!("      - {}\n", yaml_quoted(s)));
    }
    text.push_str("    variables:\n");
    for (i, s) in strings.iter().enumerate() {
        text.push_str(&format!("      H{i:02}: {}\n      R{i:02}: {}\n", yaml_quoted(&literal(s)), around(s)));
    }
    text.push_str("    files:\n");
    for (i, s) in strings.iter().enumerate() {
        let content = yaml_quoted(&literal(s));
        text.push_str(&format!("      /etc/hostile/h{i:02}: {{content: {content}}}\n"));
        text.push_str(&format!("      /etc/hostile/r{i:02}: {{content: {}}}\n", around(s)));
    }
    text.push_str("resources:\n  db:\n    type: postgres\n");
    text
}

/// A project of the hostile workload and two environments: `one`, and `two`, where each
/// variable `HNN` holds its string twice (so the chart reads it from each environment's values).
fn hostile_project() -> tempfile::TempDir {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), hostile_workload(accepted())).unwrap();
    let mut platform = String::from(
        "environments:\n  one: {target: kubernetes}\n  two:\n    target: kubernetes\n    overrides:\n      - set:\n",
    );
    for (i, s) in accepted().iter().enumerate() {
        let twice = format!("{s}{s}").replace('$', "$$");
        platform.push_str(&format!("          containers.main.variables.H{i:02}: {}\n", yaml_quoted(&twice)));
    }
    std::fs::write(dir.path().join("stave.yaml"), platform).unwrap();
    dir
}

/// A workload holding NUL is refused by `target`: exit 1, a located error, nothing written.
fn nul_is_refused(target: &str) {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), hostile_workload(&HOSTILE[..1])).unwrap();
    let output = stave(dir.path(), &["compile", "--target", target, "-o", "out"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{target}: {text}");
    assert!(text.contains("stave::input::binary") && text.contains("workload.yaml:5:22"), "{target}: {text}");
    assert!(!dir.path().join("out").exists(), "{target}: nothing is written");
}

/// Every string of the table, as annotations, arguments, variables and files, in a chart of two
/// environments (values shared, and values that differ, read from each environment's file):
/// `helm lint --strict` passes, `helm template` renders, with each environment's values file,
/// the Kubernetes target's objects value for value, and both validate; a NUL is refused.
#[test]
fn hostile_strings_are_data_in_the_chart_and_the_manifests() {
    nul_is_refused("helm");
    nul_is_refused("kubernetes");
    let project = hostile_project();
    let dir = project.path();
    let files =
        chart_renders_the_manifests(dir, |env, objects| objects_hold_the_strings(objects, accepted(), env == "two"));
    validators::validate(&files);
}

/// Compiles the chart of the project in `dir` (environments `one` and `two`); for each
/// environment `helm lint --strict` passes and `helm template` renders the Kubernetes target's
/// objects, which `check` sees first; returns the files of both (for the validators).
fn chart_renders_the_manifests(
    dir: &std::path::Path,
    check: impl Fn(&str, &std::collections::BTreeMap<(String, String, String), Json>),
) -> Vec<PathBuf> {
    let compiled = stave(dir, &["compile", "--target", "helm", "-o", "chart"], None);
    assert_eq!(compiled.status.code(), Some(0), "{}", transcript(&compiled));
    let chart = dir.join("chart");
    let seed = format!("global.seed={}", common::FIXTURE_SEED);
    let mut files: Vec<PathBuf> = Vec::new();
    for env in ["one", "two"] {
        let values = [chart.join(format!("values-{env}.yaml"))];
        validators::or_panic(validators::try_helm_lint_strict_with(&chart, &values, &["--set-string", &seed]));
        let rendered = validators::helm_template(&chart, "release", "apps", &values, &["--set-string", &seed]);
        let manifests = stave(dir, &["compile", "--env", env, "--target", "kubernetes"], None);
        assert_eq!(manifests.status.code(), Some(0), "{env}: {}", transcript(&manifests));
        let manifests = String::from_utf8(manifests.stdout).unwrap();
        let theirs = objects::by_identity(objects::documents(&manifests));
        check(env, &theirs);
        let ours = objects::by_identity(objects::documents(&rendered));
        assert_eq!(ours.keys().collect::<Vec<_>>(), theirs.keys().collect::<Vec<_>>(), "{env}: the same objects");
        for (identity, object) in &theirs {
            assert_eq!(&ours[identity], object, "{env}: {identity:?} differs");
        }
        for (name, text) in [("rendered", rendered), ("manifests", manifests)] {
            let file = dir.join(format!("{name}-{env}.yaml"));
            std::fs::write(&file, text).unwrap();
            files.push(file);
        }
    }
    files
}

/// Where environments differ in the length of a list (the arguments, the variables), the chart
/// reads the whole list from each environment's values: with the table's strings in it, it still
/// renders the Kubernetes target's objects.
#[test]
fn hostile_lists_that_differ_between_environments_are_data_in_the_chart() {
    let project = crate::common::tempdir().unwrap();
    let dir = project.path();
    let quoted: Vec<String> = accepted().iter().map(|s| yaml_quoted(s)).collect();
    let variables: String = accepted()
        .iter()
        .enumerate()
        .map(|(i, s)| format!("      V{i:02}: {}\n", yaml_quoted(&s.replace('$', "$$"))))
        .collect();
    std::fs::write(
        dir.join("workload.yaml"),
        format!(
            "apiVersion: score.dev/v1b1\nmetadata: {{name: lists}}\ncontainers:\n  main:\n    image: nginx:1.27\n    args: [{}]\n    variables:\n{variables}",
            quoted.join(", ")
        ),
    )
    .unwrap();
    let two = "    overrides:\n      - set:\n          containers.main.variables.EXTRA: \"\\u007f\"\n          containers.main.args: [\"\\u0085\"]\n";
    std::fs::write(
        dir.join("stave.yaml"),
        format!("environments:\n  one: {{target: kubernetes}}\n  two:\n    target: kubernetes\n{two}"),
    )
    .unwrap();
    let files = chart_renders_the_manifests(dir, |env, objects| {
        let deployment = objects.values().find(|o| o["kind"] == "Deployment").expect("a Deployment");
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        let args = if env == "one" { Json::from(accepted()) } else { Json::from(["\u{85}"]) };
        assert_eq!(container["args"], args, "{env}: the arguments");
        let variables = container["env"].as_array().unwrap().len();
        assert_eq!(variables, accepted().len() + usize::from(env == "two"), "{env}: the variables");
    });
    validators::validate(&files);
}

/// Every string of the table in both environments' modules: `terraform fmt -check` and the
/// provider-schema check pass, python-hcl2 reads every file, and hcl-rs reads back each string
/// exactly: no workload text became an interpolation or a directive. A NUL is refused.
#[test]
fn hostile_strings_are_data_in_terraform() {
    nul_is_refused("terraform");
    let project = hostile_project();
    let dir = project.path();
    let compiled = stave(dir, &["compile", "--target", "terraform", "-o", "tf"], None);
    assert_eq!(compiled.status.code(), Some(0), "{}", transcript(&compiled));
    let modules = dir.join("tf");
    validators::terraform_fmt_check(&modules);
    validators::terraform_schema_check(&modules);
    let script = "import hcl2, sys\nfor f in sys.argv[1:]:\n    hcl2.loads(open(f, encoding='utf-8').read())\n";
    let files = tf_files(&modules);
    let python = std::process::Command::new(validators::python()).args(["-c", script]).args(&files).output();
    let python = python.unwrap();
    assert!(python.status.success(), "python-hcl2: {}", String::from_utf8_lossy(&python.stderr));
    for (env, twice) in [("one", false), ("two", true)] {
        let mut strings = Vec::new();
        for file in tf_files(&modules.join(env)) {
            let text = std::fs::read_to_string(&file).unwrap();
            let body: hcl::Body = hcl::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            hcl_strings(&body, &mut strings);
        }
        let found =
            |key: &str| -> Vec<&str> { strings.iter().filter(|(k, _)| k == key).map(|(_, v)| v.as_str()).collect() };
        assert_eq!(found("args"), accepted(), "{env}: the arguments");
        for (i, s) in accepted().iter().enumerate() {
            assert_eq!(found(&format!("example.com/h{i:02}")), [*s], "{env}: annotation h{i:02}");
            let name = format!("H{i:02}");
            let at = strings.iter().position(|(k, v)| k == "name" && *v == name).expect("variable");
            let value = if twice { format!("{s}{s}") } else { s.to_string() };
            assert_eq!(strings[at + 1].0, "value", "{env}: variable {name}");
            assert_eq!(as_kubernetes_reads(&strings[at + 1].1), value, "{env}: variable {name}");
            let data = |prefix: &str| -> Vec<&str> {
                let key = format!("{prefix}{i:02}-");
                strings.iter().filter(|(k, _)| k.starts_with(&key)).map(|(_, v)| v.as_str()).collect()
            };
            assert_eq!(data("h"), [*s], "{env}: file h{i:02}");
            assert_eq!(data("r"), [format!("{s}⟨⟩{s}")], "{env}: file r{i:02}");
        }
    }
}

/// The chart's README lists every value with its default: with the table's strings in those
/// defaults, CommonMark (pulldown-cmark, with GitHub's tables) finds no HTML and no link
/// anywhere, every row of the table has its four cells, and each default's code span is the
/// JSON of the value in `values.yaml`.
#[test]
fn hostile_strings_stay_in_their_cells_in_the_chart_readme() {
    use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
    let project = hostile_project();
    let dir = project.path();
    let compiled = stave(dir, &["compile", "--target", "helm", "-o", "chart"], None);
    assert_eq!(compiled.status.code(), Some(0), "{}", transcript(&compiled));
    let readme = std::fs::read_to_string(dir.join("chart/README.md")).unwrap();
    let values: Json =
        serde_saphyr::from_str(&std::fs::read_to_string(dir.join("chart/values.yaml")).unwrap()).unwrap();
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut cell: Option<String> = None;
    for event in Parser::new_ext(&readme, Options::ENABLE_TABLES) {
        match event {
            Event::Html(html) | Event::InlineHtml(html) => panic!("HTML in the README: {html}"),
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                panic!("a link in the README: {dest_url}")
            }
            Event::Start(Tag::TableHead | Tag::TableRow) => rows.push(Vec::new()),
            Event::Start(Tag::TableCell) => cell = Some(String::new()),
            Event::End(TagEnd::TableCell) => rows.last_mut().unwrap().push(cell.take().unwrap()),
            Event::Code(text) | Event::Text(text) => {
                if let Some(cell) = cell.as_mut() {
                    cell.push_str(&text);
                }
            }
            _ => {}
        }
    }
    assert!(rows.len() > 10, "the table of values: {} rows", rows.len());
    let mut checked = 0;
    for row in &rows {
        assert_eq!(row.len(), 4, "a row of four cells: {row:?}");
        let Some(path) = row[0].strip_prefix("workloads.") else { continue };
        let expected = path.split('.').try_fold(&values["workloads"], |node, key| node.get(key));
        if let Some(expected) = expected {
            let shown: Json = serde_json::from_str(&row[2]).unwrap_or_else(|e| panic!("{}: {e}: {}", row[0], row[2]));
            assert_eq!(&shown, expected, "{}", row[0]);
            checked += 1;
        }
    }
    assert!(checked >= 10, "{checked} defaults checked");
    let annotations = &values["workloads"]["hostile"]["podAnnotations"];
    assert_eq!(annotations["example.com/h46"], "``a`|`b``", "the table's index of a string with backticks");
}
