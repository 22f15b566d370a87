//! The diagnostics reference: a page per code of `Code::ALL` (its name and summary, why Stave
//! refuses or warns and the fix from `docs/diagnostics.yaml`, and every fixture of the code with
//! its input files and the output its snapshot holds), and the index of every code by area.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{code_for_dir, fixture_dirs, read_case, root};
use stave::diagnostics::Code;

use super::{REGENERATE, code_block};

/// Why a code exists and how to fix what it reports, from `docs/diagnostics.yaml` (Markdown).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prose {
    pub why: String,
    pub fix: String,
}

pub fn prose() -> BTreeMap<String, Prose> {
    let path = root().join("docs/diagnostics.yaml");
    let text = std::fs::read_to_string(&path).expect("docs/diagnostics.yaml");
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("docs/diagnostics.yaml: {e}"))
}

/// `spec-unknown-resource` for `stave::spec::unknown-resource`, as the fixtures are named.
fn slug(name: &str) -> String {
    name.trim_start_matches("stave::").replace("::", "-")
}

/// The page of a code, under `docs/src`.
pub fn file(name: &str) -> String {
    format!("reference/diagnostics/{}.md", slug(name))
}

/// The fixtures of a code: `fixtures/invalid/<area>-<name>` and its `.<case>` siblings.
pub fn fixtures(name: &str) -> Vec<PathBuf> {
    fixture_dirs("invalid").into_iter().filter(|dir| code_for_dir(dir) == name).collect()
}

pub fn snapshot_path(dir: &Path) -> PathBuf {
    let name = dir.file_name().and_then(|n| n.to_str()).expect("a name");
    root().join(format!("tests/it/snapshots/it__fixtures__invalid__{name}.snap"))
}

/// A snapshot's exit code, standard output and standard error (the transcript after insta's header).
fn transcript(dir: &Path) -> (i32, String, String) {
    let path = snapshot_path(dir);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body = text.splitn(3, "---\n").nth(2).unwrap_or_else(|| panic!("{}: no insta header", path.display()));
    let (exit, rest) = body.split_once('\n').expect("an exit line");
    let exit = exit.strip_prefix("exit: ").and_then(|e| e.parse().ok()).expect("exit: N");
    let (stdout, stderr) = match rest.split_once("--- stderr ---\n") {
        Some((before, stderr)) => (before, stderr),
        None => (rest, ""),
    };
    let stdout = stdout.strip_prefix("--- stdout ---\n").unwrap_or(stdout);
    (exit, stdout.to_string(), stderr.to_string())
}

/// A word of a command line, quoted for a POSIX shell where it must be.
fn shell_word(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@+".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', "'\\''"))
    }
}

/// The files of a fixture (not `case.yaml`), by path relative to it, sorted.
fn inputs(dir: &Path, under: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(under).expect("a fixture folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            inputs(dir, &path, found);
        } else if path != dir.join("case.yaml") {
            found.push(path.strip_prefix(dir).expect("inside").to_path_buf());
        }
    }
    found.sort();
}

/// One fixture as the page shows it: what it holds, the command, and what Stave prints.
fn case(dir: &Path, several: bool) -> String {
    let name = dir.file_name().and_then(|n| n.to_str()).expect("a name");
    let mut out = String::new();
    if several {
        out.push_str(&format!("### `{name}`\n\n"));
    }
    let case_text = std::fs::read_to_string(dir.join("case.yaml")).unwrap_or_default();
    let notes: Vec<&str> = case_text.lines().filter_map(|l| l.strip_prefix("# ").or(l.strip_prefix("#"))).collect();
    if !notes.is_empty() {
        out.push_str(&format!("{}\n\n", notes.join(" ").trim()));
    }
    let case = read_case(dir);
    let subcommand = if case.subcommand.is_empty() { vec!["check".to_string()] } else { case.subcommand.clone() };
    let files = if case.files.is_empty() { vec!["workload.yaml".to_string()] } else { case.files.clone() };
    let words: Vec<String> = std::iter::once("stave".to_string())
        .chain(subcommand.iter().chain(&files).chain(&case.args).map(|w| shell_word(w)))
        .collect();
    out.push_str(&format!("In `fixtures/invalid/{name}/`:\n\n"));
    let mut found = Vec::new();
    inputs(dir, dir, &mut found);
    for file in found {
        let bytes = std::fs::read(dir.join(&file)).expect("a fixture file");
        let shown = file.to_string_lossy();
        match String::from_utf8(bytes.clone()) {
            Ok(text) if !text.chars().any(|c| c.is_control() && !"\n\t\r".contains(c)) => {
                let language = if shown.ends_with(".yaml") || shown.ends_with(".yml") { "yaml" } else { "text" };
                out.push_str(&format!("`{shown}`:\n\n{}\n", code_block(language, &text)));
            }
            _ => out.push_str(&format!(
                "`{shown}`, {} bytes that are not text (shown escaped):\n\n{}\n",
                bytes.len(),
                code_block("text", &bytes.escape_ascii().to_string())
            )),
        }
    }
    if let Some(generate) = &case.generate {
        out.push_str(&format!(
            "`{}`: {} bytes of `# padding` lines, which the test writes before it runs.\n\n",
            generate.name, generate.bytes
        ));
    }
    let seed = if case.seed == Some(false) { " (with no `STAVE_SEED`)" } else { "" };
    let (exit, stdout, stderr) = transcript(dir);
    out.push_str(&format!(
        "`{}`{seed} exits with {exit} and prints on standard error:\n\n{}\n",
        words.join(" "),
        code_block("text", &stderr)
    ));
    if !stdout.is_empty() {
        out.push_str(&format!(
            "<details><summary>and on standard output, {} lines</summary>\n\n{}\n</details>\n\n",
            stdout.lines().count(),
            code_block("text", &stdout)
        ));
    }
    out
}

/// What a code's first fixture exits with, as the page's first line says it.
fn severity(exit: i32) -> &'static str {
    match exit {
        0 => "**Warning**: the run still succeeds (exit 0), or exits 1 with `--deny-warnings`",
        2 => "**Usage error** (exit 2): nothing is read or written",
        _ => "**Error** (exit 1): nothing is written",
    }
}

/// Sentence case for a summary from the code table.
fn sentence(summary: &str) -> String {
    let mut chars = summary.chars();
    chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect())
}

/// What each area of codes is about, for the index.
fn area_title(area: &str) -> String {
    let title = match area {
        "cli" => "The command line",
        "input" => "Reading input files",
        "yaml" => "YAML",
        "spec" => "Workloads (the Score front end)",
        "limits" => "Limits of the platform file",
        "overrides" => "Overrides",
        "graph" => "The resource graph",
        "platform" => "The platform file",
        "provision" => "Provisioning",
        "kubernetes" => "The Kubernetes target",
        "helm" => "The Helm target",
        "terraform" => "The Terraform target",
        "catalog" => "The service catalog (`stave catalog`)",
        other => return format!("`{other}`"),
    };
    format!("{title} (`stave::{area}::…`)")
}

/// Every code's page and the index, by path under `docs/src`, and the SUMMARY entries.
pub fn pages() -> (Vec<(String, String)>, Vec<String>) {
    let prose = prose();
    let mut pages = Vec::new();
    let mut entries = Vec::new();
    let mut index = String::from("# Diagnostics\n\n<!-- Generated from src/diagnostics/codes.rs: ");
    index.push_str(&format!(
        "{REGENERATE}. -->\n\nEvery problem Stave reports has a stable code, `stave::<area>::<name>`, printed \
         above the message and in every `--diagnostics` format (see [Checking workloads](../checking.md)). \
         Each code has a page: what it means, why Stave refuses (or warns), a fixture that triggers it with \
         what Stave prints, and the fix. Errors exit 1, usage errors 2; warnings exit 0 unless \
         `--deny-warnings`.\n"
    ));
    let mut area = "";
    for code in Code::ALL {
        let name = code.name();
        let this_area = name.split("::").nth(1).expect("stave::<area>::<name>");
        let fixtures = fixtures(name);
        let Some(first) = fixtures.first() else { continue };
        let Some(entry) = prose.get(name) else { continue };
        let (exit, _, _) = transcript(first);
        if this_area != area {
            area = this_area;
            index.push_str(&format!("\n## {}\n\n| code | kind | what |\n|---|---|---|\n", area_title(area)));
        }
        let kind = match exit {
            0 => "warning",
            2 => "usage error",
            _ => "error",
        };
        let page = format!("diagnostics/{}.md", slug(name));
        index.push_str(&format!("| [`{name}`]({page}) | {kind} | {} |\n", code.summary().replace('|', "\\|")));
        let several = fixtures.len() > 1;
        let cases: String = fixtures.iter().map(|dir| case(dir, several)).collect();
        let text = format!(
            "# `{name}`\n\n<!-- Generated from src/diagnostics/codes.rs, docs/diagnostics.yaml and \
             fixtures/invalid/{}*: {REGENERATE}. -->\n\n{}.\n\n{}.\n\n## Why\n\n{}\n\n## Example\n\n{}## Fix\n\n{}\n",
            slug(name),
            sentence(code.summary()),
            severity(exit),
            entry.why.trim(),
            cases,
            entry.fix.trim()
        );
        entries.push(format!("  - [{name}]({})", file(name)));
        pages.push((file(name), text));
    }
    pages.push(("reference/diagnostics.md".to_string(), index));
    (pages, entries)
}
