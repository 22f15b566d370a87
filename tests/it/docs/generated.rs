//! The book's generated reference: a page per command (its `--help`, from clap) under
//! `docs/src/reference/cli/`, a page per diagnostic code (from the code table, the code's
//! fixtures and their snapshots, and the prose of `docs/diagnostics.yaml`) under
//! `docs/src/reference/diagnostics/`, the index of the codes, and their entries in `SUMMARY.md`.
//! The committed pages must be what this writes; `STAVE_REGENERATE_DOCS=1` writes them.

#[path = "diagnostic_pages.rs"]
mod diagnostic_pages;

use crate::common;

use common::{root, stave};
use std::collections::BTreeMap;

const REGENERATE: &str = "run `STAVE_REGENERATE_DOCS=1 cargo test docs` to regenerate";

/// The folders whose every file is generated (a file there that the generator does not write
/// is stale), under `docs/src`.
const GENERATED_DIRS: [&str; 2] = ["reference/cli", "reference/diagnostics"];

/// The file of a command's page under `docs/src`: `stave compile` is `reference/cli/stave-compile.md`.
fn cli_file(command: &str) -> String {
    format!("reference/cli/{}.md", command.replace(' ', "-"))
}

/// Where the book explains what a command's flags are for.
fn guide(command: &str) -> Option<&'static str> {
    Some(match command {
        "stave" => "[the command line](../cli.md): the synopsis and the exit codes",
        "stave check" => "[Checking workloads](../../checking.md)",
        "stave compile" => concat!(
            "[Targets](../../targets.md), [Output files and directories](../../output.md) ",
            "and [the drift gate](../../drift.md)"
        ),
        "stave graph" | "stave resources" | "stave resources list" | "stave resources get-outputs" => {
            "[Resources and the graph](../../resources.md)"
        }
        "stave provisioners" | "stave provisioners list" | "stave explain" => {
            "[Provisioners](../../provisioners.md#matching)"
        }
        "stave schema" => "[Workloads](../../workloads.md#editor-support)",
        "stave init" => "[Getting started](../../getting-started.md) and [CI and the golden path](../../ci.md)",
        "stave catalog" => "[A service catalog (Backstage)](../../catalog.md)",
        "stave completions" | "stave man" => "[Shell completions and man pages](../../shell.md)",
        _ => return None,
    })
}

/// A fence for `text`: backticks, more than any run of them inside.
fn fence(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

/// `text` in a fenced block of `language`, with mdbook's `{{#` directives escaped.
pub fn code_block(language: &str, text: &str) -> String {
    let text = text.replace("{{#", "\\{{#");
    let fence = fence(&text);
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{language}\n{text}{newline}{fence}\n")
}

/// A text's lines without trailing whitespace (clap indents blank lines).
fn trimmed_lines(text: &str) -> String {
    text.lines().map(str::trim_end).collect::<Vec<_>>().join("\n") + "\n"
}

/// Every command's page, and the SUMMARY entries for them (under "The command line").
fn cli_pages() -> (Vec<(String, String)>, Vec<String>) {
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    for (command, help) in stave::cli::reference::help_pages() {
        let file = cli_file(&command);
        let see = guide(&command).map(|g| format!("\nWhat its flags are for: {g}.\n")).unwrap_or_default();
        let origin = "Generated from the command line's definition (`stave::cli::reference`)";
        let text = format!(
            "# `{command}`\n\n<!-- {origin}: {REGENERATE}. -->\n\n`{command} --help` prints:\n\n{}{see}",
            code_block("text", &trimmed_lines(&help))
        );
        let depth = command.split(' ').count().saturating_sub(2);
        entries.push(format!("{}  - [{command}]({file})", "  ".repeat(depth)));
        pages.push((file, text));
    }
    (pages, entries)
}

/// `SUMMARY.md` with the entries nested under the line of `parent` replaced by `entries`.
fn with_entries(summary: &str, parent: &str, entries: &[String]) -> String {
    let mut out = Vec::new();
    let mut lines = summary.lines().peekable();
    let mut found = false;
    while let Some(line) = lines.next() {
        out.push(line.to_string());
        if line == parent {
            found = true;
            while lines.peek().is_some_and(|next| next.starts_with("  ")) {
                lines.next();
            }
            out.extend(entries.iter().cloned());
        }
    }
    assert!(found, "SUMMARY.md has no line `{parent}`");
    out.join("\n") + "\n"
}

/// Every generated file, by its path under `docs/src`, with `SUMMARY.md`'s generated entries.
fn generated() -> BTreeMap<String, String> {
    let (cli, cli_entries) = cli_pages();
    let (diagnostics, diagnostic_entries) = diagnostic_pages::pages();
    let summary = std::fs::read_to_string(root().join("docs/src/SUMMARY.md")).expect("SUMMARY.md");
    let summary = with_entries(&summary, "- [The command line](reference/cli.md)", &cli_entries);
    let summary = with_entries(&summary, "- [Diagnostics](reference/diagnostics.md)", &diagnostic_entries);
    let mut files: BTreeMap<String, String> = cli.into_iter().chain(diagnostics).collect();
    files.insert("SUMMARY.md".to_string(), summary);
    files
}

/// The files now in the generated folders, by path under `docs/src`.
fn present() -> Vec<String> {
    let src = root().join("docs/src");
    let mut found = Vec::new();
    for dir in GENERATED_DIRS {
        let Ok(entries) = std::fs::read_dir(src.join(dir)) else { continue };
        for entry in entries {
            found.push(format!("{dir}/{}", entry.expect("entry").file_name().to_string_lossy()));
        }
    }
    found.sort();
    found
}

#[test]
fn reference_pages_are_generated() {
    let src = root().join("docs/src");
    let files = generated();
    let stale: Vec<String> = present().into_iter().filter(|f| !files.contains_key(f)).collect();
    if std::env::var_os("STAVE_REGENERATE_DOCS").is_some() {
        for file in &stale {
            std::fs::remove_file(src.join(file)).expect("remove a stale page");
        }
        for (file, text) in &files {
            let path = src.join(file);
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("create the folder");
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(&path, text).expect("write a page");
            }
        }
        return;
    }
    let differ: Vec<&String> = files
        .iter()
        .filter(|(file, text)| std::fs::read_to_string(src.join(file)).ok().as_deref() != Some(text.as_str()))
        .map(|(file, _)| file)
        .collect();
    assert!(
        differ.is_empty() && stale.is_empty(),
        "the generated pages under docs/src are not what the code, the fixtures and docs/diagnostics.yaml say \
         (differ or missing: {differ:?}; stale: {stale:?}): {REGENERATE}"
    );
}

/// Every code has a page, the prose of `docs/diagnostics.yaml` and a fixture with its snapshot;
/// the prose names no code that does not exist.
#[test]
fn every_code_has_a_page_prose_and_a_fixture() {
    let prose = diagnostic_pages::prose();
    for code in stave::diagnostics::Code::ALL {
        let name = code.name();
        let entry = prose.get(name).unwrap_or_else(|| panic!("docs/diagnostics.yaml has no entry for `{name}`"));
        assert!(!entry.why.trim().is_empty() && !entry.fix.trim().is_empty(), "`{name}`: empty prose");
        let fixtures = diagnostic_pages::fixtures(name);
        assert!(!fixtures.is_empty(), "`{name}` has no fixture under fixtures/invalid/");
        for dir in fixtures {
            assert!(diagnostic_pages::snapshot_path(&dir).is_file(), "{}: no snapshot", dir.display());
        }
        let page = root().join("docs/src").join(diagnostic_pages::file(name));
        assert!(page.is_file(), "`{name}` has no page ({}): {REGENERATE}", page.display());
    }
    for name in prose.keys() {
        assert!(
            stave::diagnostics::Code::ALL.iter().any(|c| c.name() == name),
            "docs/diagnostics.yaml explains `{name}`, which is no code"
        );
    }
}

/// Each command's page is what the binary prints for `--help` (no terminal, so clap's width).
#[test]
fn cli_pages_are_what_the_binary_prints() {
    let dir = crate::common::tempdir().unwrap();
    for (command, help) in stave::cli::reference::help_pages() {
        let mut args: Vec<&str> = command.split(' ').skip(1).collect();
        args.push("--help");
        let output = stave(dir.path(), &args, None);
        assert_eq!(output.status.code(), Some(0), "`{command} --help`");
        let printed = String::from_utf8_lossy(&output.stdout);
        assert_eq!(trimmed_lines(&printed), trimmed_lines(&help), "`{command} --help`");
    }
}
