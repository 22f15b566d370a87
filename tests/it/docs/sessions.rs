//! The console sessions of the book's pages, run as a reader would run them: each page's
//! `console` blocks in order in one shell, in a scratch directory of the page, with `stave` on
//! `PATH` and no seed; `yaml` blocks whose first line is `# NAME.yaml` are written to that file
//! where they stand; `yaml` blocks whose first line is `# $ stave ARGS` are excerpts of what that
//! command prints there. What each command prints must be what the page shows.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

use super::{contained, fenced, written_pages};

/// One step of a page's session, in page order.
enum Step {
    /// Write a file (a path relative to the session's current directory).
    File { path: String, text: String },
    /// Run a command; it must exit 0 and print `expected` (standard output and error together).
    Command { command: String, expected: Vec<String> },
    /// Run `stave ARGS`; every document of `excerpt` must be in an object it prints.
    Excerpt { args: String, excerpt: String },
}

fn steps(text: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for (language, body) in fenced(text) {
        let first = body.lines().next().unwrap_or_default();
        match language.as_str() {
            "console" => {
                for line in body.lines() {
                    if let Some(command) = line.strip_prefix("$ ") {
                        steps.push(Step::Command { command: command.to_string(), expected: Vec::new() });
                    } else if let Some(Step::Command { expected, .. }) = steps.last_mut() {
                        expected.push(line.to_string());
                    } else {
                        panic!("a console block must start with `$ COMMAND`:\n{body}");
                    }
                }
            }
            "yaml" => {
                if let Some(args) = first.strip_prefix("# $ stave ") {
                    let excerpt = body.split_once('\n').map_or("", |(_, rest)| rest).to_string();
                    steps.push(Step::Excerpt { args: args.to_string(), excerpt });
                } else if let Some(path) = first.strip_prefix("# ").filter(|p| is_file_name(p)) {
                    steps.push(Step::File { path: path.to_string(), text: body.clone() });
                }
            }
            _ => {}
        }
    }
    steps
}

/// `api.yaml`, `platform/queues.yaml`: one word naming a YAML file.
fn is_file_name(text: &str) -> bool {
    !text.contains(' ') && (text.ends_with(".yaml") || text.ends_with(".yml"))
}

/// The shell script of a session: each command's output and exit code go to `out/N` files.
fn script(steps: &[Step], out: &Path) -> String {
    let mut script = String::from("set +e\n");
    for (i, step) in steps.iter().enumerate() {
        let out = out.join(i.to_string());
        let out = out.display();
        match step {
            Step::File { path, text } => {
                let eof = "STAVE_DOCS_END_OF_FILE";
                assert!(!text.contains(eof));
                script
                    .push_str(&format!("mkdir -p \"$(dirname '{path}')\" && cat > '{path}' <<'{eof}'\n{text}{eof}\n"));
            }
            Step::Command { command, .. } => {
                script.push_str(&format!("{{ {command}\n}} > '{out}.out' 2>&1; echo $? > '{out}.rc'\n"));
            }
            Step::Excerpt { args, .. } => {
                script.push_str(&format!("stave {args} > '{out}.out' 2> '{out}.err'; echo $? > '{out}.rc'\n"));
            }
        }
    }
    script
}

/// Whether `actual` (lines) matches `expected`, where `…` in a line stands for any text and a
/// line of only `…` for any lines.
fn matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((line, rest)) if line.trim() == "…" => (0..=actual.len()).any(|skip| matches(rest, &actual[skip..])),
        Some((line, rest)) => actual
            .split_first()
            .is_some_and(|(first, others)| line_matches(line.trim_end(), first.trim_end()) && matches(rest, others)),
    }
}

fn line_matches(pattern: &str, line: &str) -> bool {
    let mut parts = pattern.split('…');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = line.strip_prefix(first) else { return false };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i + 1 == parts.len() {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Runs one page's session and checks every step; `None` when the page has no session.
fn run(name: &str, text: &str) -> Option<usize> {
    let steps = steps(text);
    if !steps.iter().any(|s| !matches!(s, Step::File { .. })) {
        return None;
    }
    let scratch = crate::common::tempdir().expect("a scratch directory");
    let out = crate::common::tempdir().expect("an output directory");
    let bin = Path::new(env!("CARGO_BIN_EXE_stave")).parent().expect("the binary's folder");
    let path = std::env::join_paths(
        std::iter::once(bin.to_path_buf()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let status = Command::new("sh")
        .arg("-c")
        .arg(script(&steps, out.path()))
        .current_dir(scratch.path())
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("LC_ALL", "C")
        .env_remove("STAVE_SEED")
        .env_remove("COLUMNS")
        .env_remove("RUST_BACKTRACE")
        .env_remove("GITHUB_ACTIONS")
        .status()
        .expect("run sh");
    assert!(status.success(), "{name}: the session's shell failed");
    let read = |i: usize, ext: &str| std::fs::read_to_string(out.path().join(format!("{i}.{ext}"))).unwrap_or_default();
    for (i, step) in steps.iter().enumerate() {
        match step {
            Step::File { .. } => {}
            Step::Command { command, expected } => {
                let printed = read(i, "out");
                let code = read(i, "rc");
                assert_eq!(code.trim(), "0", "{name}: `{command}` exits {}:\n{printed}", code.trim());
                let lines: Vec<&str> = printed.lines().collect();
                assert!(
                    matches(expected, &lines),
                    "{name}: `{command}` prints:\n{printed}\nbut the page shows:\n{}",
                    expected.join("\n")
                );
            }
            Step::Excerpt { args, excerpt } => {
                let (printed, code) = (read(i, "out"), read(i, "rc"));
                assert_eq!(code.trim(), "0", "{name}: `stave {args}` exits {}:\n{}", code.trim(), read(i, "err"));
                let objects: Vec<Json> = serde_saphyr::from_multiple(&printed).expect("the output is YAML");
                let shown: Vec<Json> = serde_saphyr::from_multiple(excerpt).expect("the excerpt is YAML");
                assert!(!shown.is_empty(), "{name}: an empty excerpt of `stave {args}`");
                for part in shown {
                    let object = objects
                        .iter()
                        .find(|o| o["kind"] == part["kind"] && o["metadata"]["name"] == part["metadata"]["name"])
                        .unwrap_or_else(|| panic!("{name}: `stave {args}` prints no {}", part["kind"]));
                    assert!(contained(&part, object), "{name}: `stave {args}` prints\n{object:#}\nnot\n{part:#}");
                }
            }
        }
    }
    Some(steps.len())
}

#[test]
fn console_sessions_print_what_the_pages_show() {
    let mut ran = Vec::new();
    for (name, text) in written_pages() {
        if run(&name, &text).is_some() {
            ran.push(name);
        }
    }
    for page in ["docs/src/getting-started.md", "docs/src/provisioners.md", "docs/src/drift.md"] {
        assert!(ran.iter().any(|name| name == page), "{page} has no session (sessions ran: {ran:?})");
    }
}

#[test]
fn wildcards_match_as_documented() {
    let expected = |lines: &[&str]| lines.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(matches(&expected(&["a", "…", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&expected(&["a", "…"]), &["a"]));
    assert!(matches(&expected(&["…  001-x.yaml"]), &["463b0f  001-x.yaml"]));
    assert!(!matches(&expected(&["a", "d"]), &["a", "b", "d"]));
    assert!(!matches(&expected(&["x…y"]), &["x-z"]));
}
