//! The book (`docs/`) against the code: the generated reference pages are what the generator
//! writes today (`generated`), each page's console sessions print what they show (`sessions`),
//! and the excerpts of the target and CI pages are what Stave compiles. The README's own
//! excerpts, and the files every page shows, are checked in `readme.rs`.

#[path = "docs/generated.rs"]
mod generated;
#[path = "docs/sessions.rs"]
mod sessions;

use crate::common;

use std::path::{Path, PathBuf};

use common::{root, stave, transcript};
use serde_json::Value as Json;

/// The README and every page of the book (`docs/src/**/*.md`), as (path from the repository's
/// root, text), the README first, then the pages in path order.
pub fn pages() -> Vec<(String, String)> {
    let mut found = vec![root().join("README.md")];
    markdown_files(&root().join("docs/src"), &mut found);
    found[1..].sort();
    found
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let name = path.strip_prefix(root()).expect("under the root").to_string_lossy().into_owned();
            (name, text)
        })
        .collect()
}

fn markdown_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            markdown_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "md") {
            found.push(path);
        }
    }
}

/// The README and the pages written by hand: not the generated reference, whose examples are the
/// invalid fixtures (checked by `fixtures.rs`).
pub fn written_pages() -> Vec<(String, String)> {
    pages()
        .into_iter()
        .filter(|(name, _)| {
            !name.starts_with("docs/src/reference/cli/") && !name.starts_with("docs/src/reference/diagnostics")
        })
        .collect()
}

/// One page of the book by its path under `docs/src`.
pub fn page(name: &str) -> String {
    let path = root().join("docs/src").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fenced blocks of a page in order, as (language, body); fences start at the line's start.
pub fn fenced(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut open: Option<(String, usize, String)> = None;
    for line in text.lines() {
        match &mut open {
            None => {
                let ticks = line.len() - line.trim_start_matches('`').len();
                if ticks >= 3 {
                    open = Some((line[ticks..].trim().to_string(), ticks, String::new()));
                }
            }
            Some((language, ticks, body)) => {
                if line.len() >= *ticks && line.trim_end().chars().all(|c| c == '`') && line.trim_end().len() >= *ticks
                {
                    found.push((std::mem::take(language), std::mem::take(body)));
                    open = None;
                } else {
                    body.push_str(line);
                    body.push('\n');
                }
            }
        }
    }
    assert!(open.is_none(), "a fenced block is not closed");
    found
}

/// The fenced blocks of one language, in order.
pub fn blocks(text: &str, language: &str) -> Vec<String> {
    fenced(text).into_iter().filter(|(l, _)| l == language).map(|(_, body)| body).collect()
}

/// A block without its leading comment lines (a file name, a note).
pub fn without_comments(block: &str) -> &str {
    let mut rest = block;
    while rest.starts_with('#') {
        rest = rest.split_once('\n').map_or("", |(_, after)| after);
    }
    rest
}

/// Whether every key and value of `part` is in `whole` (list items: each in some item).
pub fn contained(part: &Json, whole: &Json) -> bool {
    match (part, whole) {
        (Json::Object(p), Json::Object(w)) => p.iter().all(|(k, v)| w.get(k).is_some_and(|x| contained(v, x))),
        (Json::Array(p), Json::Array(w)) => p.iter().all(|v| w.iter().any(|x| contained(v, x))),
        _ => part == whole,
    }
}

/// The AWS worked example of the Terraform page: its platform file is the fixture's, its HCL
/// excerpts are lines of the module the fixture compiles to, and the module has as many files
/// as the page says.
#[test]
fn terraform_page_shows_the_aws_fixture() {
    let text = page("targets/terraform.md");
    let fixture = root().join("fixtures/valid/aws");
    let platform = std::fs::read_to_string(fixture.join("stave.yaml")).unwrap();
    let example = text.split("## Worked example: the AWS library").nth(1).expect("the worked example");
    let shown = blocks(example, "yaml").into_iter().next().expect("the platform file");
    assert_eq!(shown, without_comments(&platform), "the page's platform file is fixtures/valid/aws/stave.yaml");

    let (_temp, copy) = common::copy_fixture(&fixture);
    let output = stave(&copy, &["compile", "frontend.yaml", "api.yaml", "worker.yaml", "-o", "prod"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let mut module = String::new();
    let mut files = 0;
    for entry in std::fs::read_dir(copy.join("prod")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "tf") {
            module.push_str(&std::fs::read_to_string(&path).unwrap());
            files += 1;
        }
    }
    let said = example.split(" writes ").nth(1).and_then(|rest| rest.split(' ').next()).expect("writes N files");
    assert_eq!(said.parse::<usize>().ok(), Some(files), "the page says the module has {said} files");
    let excerpts = blocks(example, "hcl");
    assert!(excerpts.len() >= 2, "{} HCL excerpts", excerpts.len());
    for excerpt in excerpts {
        assert!(module.contains(&excerpt), "the page's excerpt is not in the AWS module:\n{excerpt}");
    }
}

/// The `.pre-commit-config.yaml` of the CI page uses hooks the repository offers.
#[test]
fn pre_commit_example_names_the_repository_s_hooks() {
    let offered = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let offered: Vec<Json> = serde_saphyr::from_str(&offered).unwrap();
    let offered: Vec<&str> = offered.iter().filter_map(|hook| hook["id"].as_str()).collect();
    let config = blocks(&page("ci.md"), "yaml").into_iter().find(|b| b.starts_with("repos:")).expect("the config");
    let config: Json = serde_saphyr::from_str(&config).unwrap();
    let used = config["repos"][0]["hooks"].as_array().expect("hooks");
    assert!(!used.is_empty());
    for hook in used {
        let id = hook["id"].as_str().expect("an id");
        assert!(offered.contains(&id), "the CI page uses hook `{id}`; .pre-commit-hooks.yaml offers {offered:?}");
    }
}

/// The subcommands of `stave --help`, as the generated reference lists them.
fn subcommands() -> Vec<String> {
    stave::cli::reference::help_pages()
        .into_iter()
        .filter_map(|(name, _)| {
            let words: Vec<&str> = name.split(' ').collect();
            (words.len() == 2).then(|| words[1].to_string())
        })
        .collect()
}

/// The synopsis of the command line page names every command, and each flag it shows is one
/// of that command's (as its `--help` lists them).
#[test]
fn the_synopsis_is_the_binary_s() {
    let help = stave::cli::reference::help_pages();
    let synopsis = blocks(&page("reference/cli.md"), "text").into_iter().next().expect("the synopsis");
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in synopsis.lines() {
        if let Some(rest) = line.strip_prefix("stave ") {
            let words: Vec<&str> =
                rest.split_whitespace().take_while(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '-')).collect();
            let command = std::iter::once("stave").chain(words.iter().copied().filter(|w| !w.starts_with('-')));
            entries.push((command.collect::<Vec<_>>().join(" "), line.to_string()));
        } else if let Some((_, flags)) = entries.last_mut() {
            flags.push_str(line);
        }
    }
    for sub in subcommands() {
        let name = format!("stave {sub}");
        assert!(entries.iter().any(|(command, _)| command.starts_with(&name)), "the synopsis lacks `{name}`");
    }
    for (command, line) in &entries {
        let text = &help.iter().find(|(name, _)| name == command).unwrap_or_else(|| panic!("no command `{command}`")).1;
        for flag in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).filter(|w| w.starts_with("--")) {
            assert!(
                text.contains(&format!("{flag} ")) || text.contains(&format!("{flag}\n")),
                "`{command}` has no {flag}"
            );
        }
    }
}

/// The shell page's loop installs the man page of every subcommand.
#[test]
fn the_man_page_loop_names_every_subcommand() {
    let script = blocks(&page("shell.md"), "sh").into_iter().next().expect("the script");
    let listed = script.split("for c in ").nth(1).and_then(|rest| rest.split(';').next()).expect("the loop");
    let listed: Vec<&str> = listed.split_whitespace().collect();
    assert_eq!(listed, subcommands(), "the loop of the shell page");
}
