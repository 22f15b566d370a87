//! The README's and the book's examples against what the code does: every platform file and
//! provisioner file a page shows loads (platform files without a deprecation warning), every
//! workload it shows passes `stave check` (or, when it is shown as a mistake, fails it), the quick
//! start's excerpt is part of what `stave compile --example` prints, the diagnostics shown are
//! printed as shown, and the table of exit codes is the binary's.

use crate::common;
use crate::docs::{blocks, contained, page, without_comments, written_pages};

use std::path::Path;

use common::{root, stave, stave_with_env};
use serde_json::Value as Json;
use stave::diagnostics::Diagnostics;
use stave::platform::Platform;
use stave::provision::registry::Registry;
use stave::source::{Sources, Span};

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).expect("README.md")
}

#[test]
fn platform_provisioner_and_workload_files_load() {
    let (mut platforms, mut provisioner_files, mut workloads) = (0, 0, 0);
    for (name, text) in written_pages() {
        for block in blocks(&text, "yaml") {
            let body = without_comments(&block);
            let temp = crate::common::tempdir().unwrap();
            if ["environments:", "helm:", "limits:", "targets:"].iter().any(|start| body.starts_with(start)) {
                let path = temp.path().join("stave.yaml");
                std::fs::write(&path, body).unwrap();
                let mut sources = Sources::new();
                match Platform::load(Some(&path), &mut sources) {
                    Ok((_, warnings)) => assert!(warnings.is_empty(), "{name}: a platform file warns:\n{block}"),
                    Err(errors) => panic!("{name}: a platform file does not load ({errors:?}):\n{block}"),
                }
                platforms += 1;
            } else if body.starts_with("provisioners:") || body.starts_with("  - name:") {
                let body =
                    if body.starts_with("provisioners:") { body.to_string() } else { format!("provisioners:\n{body}") };
                std::fs::write(temp.path().join("p.yaml"), body).unwrap();
                let mut sources = Sources::new();
                let mut out = Diagnostics::new();
                let span = Span::new(sources.add("test", "", Path::new(".")), 0, 0);
                let registry = Registry::load(&[("p.yaml".into(), span)], temp.path(), &mut sources, &mut out);
                assert!(!out.has_errors(), "{name}: a provisioner file does not load ({out:?}):\n{block}");
                assert!(registry.provisioners.iter().any(|p| p.file.ends_with("p.yaml")));
                provisioner_files += 1;
            } else if body.lines().any(|line| line == "apiVersion: score.dev/v1b1") {
                std::fs::write(temp.path().join("workload.yaml"), &block).unwrap();
                // Alone, so loading only: a workload it links to is in another excerpt.
                let output = stave(temp.path(), &["check", "--schema-only"], None);
                let mistake = block.lines().any(|l| l.starts_with('#') && l.contains("mistake"));
                let expected = if mistake { 1 } else { 0 };
                assert_eq!(
                    output.status.code(),
                    Some(expected),
                    "{name}: `stave check --schema-only` of this workload:\n{block}\n{}",
                    common::transcript(&output)
                );
                workloads += 1;
            }
        }
    }
    assert!(
        platforms >= 8 && provisioner_files >= 3 && workloads >= 6,
        "found {platforms} platform, {provisioner_files} provisioner and {workloads} workload files"
    );
}

#[test]
fn quick_start_excerpt_is_what_the_example_compiles_to() {
    let text = readme();
    let excerpt = blocks(&text, "yaml").into_iter().find(|b| b.contains("kind: Deployment")).expect("the excerpt");
    let excerpt: Json = serde_saphyr::from_str(excerpt.trim_start_matches("---\n")).expect("the excerpt is YAML");
    let dir = crate::common::tempdir().unwrap();
    let output = stave_with_env(dir.path(), &["compile", "--example"], None, &[("STAVE_SEED", None)]);
    assert_eq!(output.status.code(), Some(0));
    let objects: Vec<Json> = serde_saphyr::from_multiple(std::str::from_utf8(&output.stdout).unwrap()).unwrap();
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    assert!(contained(&excerpt, deployment), "the README's excerpt is not in the output:\n{deployment:#}");
    let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(kinds.len(), 13, "the README says 13 objects: {kinds:?}");
    let said = [
        "Secret",
        "Service",
        "NetworkPolicy",
        "StatefulSet",
        "Secret",
        "Service",
        "NetworkPolicy",
        "StatefulSet",
        "HTTPRoute",
        "ConfigMap",
        "Service",
        "NetworkPolicy",
        "Deployment",
    ];
    assert_eq!(kinds, said, "the README lists the objects in this order");
    assert!(String::from_utf8_lossy(&output.stderr).contains("stave::provision::development-seed"));
}

/// The example of a mistake, in the README and on the page about checking: the workload the
/// page shows, and what Stave prints for it in the human, JSON and GitHub formats.
#[test]
fn diagnostics_are_printed_as_shown() {
    let text = page("checking.md");
    let typo = blocks(&text, "yaml").into_iter().find(|b| b.contains("dbb.host")).expect("the workload");
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), typo).unwrap();
    let human = stave(dir.path(), &["check"], None);
    let rendered = String::from_utf8_lossy(&human.stderr);
    for (name, text) in [("README.md", readme()), ("checking.md", text.clone())] {
        let shown = blocks(&text, "text").into_iter().find(|b| b.contains("unknown-resource")).expect("the example");
        assert!(rendered.starts_with(&shown), "{name} shows:\n{shown}\nStave prints:\n{rendered}");
    }
    let json = stave(dir.path(), &["check", "--diagnostics", "json"], None);
    let line = String::from_utf8_lossy(&json.stderr).lines().next().unwrap_or_default().to_string();
    let shown = blocks(&text, "json").into_iter().find(|b| b.contains("unknown-resource")).expect("the JSON example");
    assert_eq!(shown.trim(), line, "the JSON diagnostic of checking.md");
    let github = stave(dir.path(), &["check", "--diagnostics", "github"], None);
    let line = String::from_utf8_lossy(&github.stderr).lines().next().unwrap_or_default().to_string();
    let shown = text
        .split('`')
        .find(|part| part.starts_with("::error file=workload.yaml"))
        .expect("the workflow command of checking.md");
    assert!(line.starts_with(shown.trim_end_matches('…')), "checking.md shows {shown}, Stave prints {line}");
}

/// Every row of the table of exit codes (the command line's page), run as it is written, gives
/// that code.
#[test]
fn exit_codes_are_the_binarys() {
    let text = page("reference/cli.md");
    let table = text.split("Each refusal, as the binary gives it").nth(1).expect("the table of exit codes");
    let rows: Vec<(String, i32)> = table
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            let command = cells.first()?.trim_start_matches("| `").strip_suffix('`')?.to_string();
            Some((command, cells.get(1)?.trim().parse().ok()?))
        })
        .collect();
    assert!(rows.len() >= 15, "{rows:?}");
    let dir = crate::common::tempdir().unwrap();
    let hello = "apiVersion: score.dev/v1b1\nmetadata: {name: api}\ncontainers: {main: {image: nginx:1.27}}\n";
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("workload.yaml", hello);
    write(
        "a.yaml",
        &format!(
            "{hello}resources:\n  route: {{type: route, params: {{host: a.example.com, port: 80}}}}\nservice:\n  ports:\n    web: {{port: 80}}\n"
        ),
    );
    write("b.yaml", &hello.replace("name: api", "name: web"));
    write("broken.yaml", &hello.replace("nginx:1.27", "."));
    write("warned.yaml", &hello.replace("image: nginx:1.27", "image: nginx:1.27, args: [\"${metadata.name}\"]"));
    write("notes.yaml", "mine\n");
    write("theirs/notes.yaml", "mine\n");
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    for (command, code) in rows {
        let (cwd, command) = match command.strip_prefix("cd empty && ") {
            Some(rest) => (dir.path().join("empty"), rest.to_string()),
            None => (dir.path().to_path_buf(), command.clone()),
        };
        let mut words: Vec<String> = Vec::new();
        let mut quoted = command.split('\'');
        for (i, part) in quoted.by_ref().enumerate() {
            if i % 2 == 1 {
                words.push(part.to_string());
            } else {
                words.extend(part.split_whitespace().map(str::to_string));
            }
        }
        assert_eq!(words.remove(0), "stave", "{command}");
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let output = stave(&cwd, &args, None);
        assert_eq!(output.status.code(), Some(code), "`{command}`:\n{}", common::transcript(&output));
    }
    assert_eq!(std::fs::read_to_string(dir.path().join("notes.yaml")).unwrap(), "mine\n", "nothing overwritten");
}
