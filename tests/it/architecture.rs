//! The layers of ARCHITECTURE.md, enforced: every `crate::<module>` path in `src/` names a module
//! of a lower layer than its own (or its own module), so imports follow the pipeline
//! `score -> ir -> graph -> provision -> targets` with no upward import and no cycle; every
//! module opens with a `//!` line stating its contract; and ARCHITECTURE.md names every layer.

use crate::common;

use std::path::{Path, PathBuf};

/// The top-level modules, lowest layer first. A module may use the modules of earlier rows.
const LAYERS: &[&[&str]] = &[
    &["naming", "sorted"],
    &["source", "suggest", "examples", "builtins", "spool", "limits", "contained"],
    &["diagnostics"],
    &["document"],
    &["ir"],
    &["score"],
    &["platform"],
    &["graph"],
    &["provision", "backstage"],
    &["targets"],
    &["pipeline"],
    &["api"],
    &["cli"],
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/score/lower.rs` is in `score`).
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str().to_str().unwrap();
    first.trim_end_matches(".rs").to_string()
}

/// Every `crate::<name>` in a text, with its line number.
fn crate_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (index, _) in code.match_indices("crate::") {
            let rest = &code[index + "crate::".len()..];
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                found.push((number + 1, name));
            }
        }
        assert!(!code.contains("super::super"), "reach modules by `crate::` paths, not `super::super`: {line}");
    }
    found
}

#[test]
fn imports_follow_the_layers() {
    let src = common::root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if matches!(module.as_str(), "lib" | "main") {
            continue;
        }
        let own = layer(&module).unwrap_or_else(|| panic!("`{module}` is in no layer of tests/it/architecture.rs"));
        let text = std::fs::read_to_string(file).unwrap();
        for (line, name) in crate_paths(&text) {
            let Some(theirs) = layer(&name) else {
                problems.push(format!("{}:{line}: `crate::{name}` is in no layer", file.display()));
                continue;
            };
            if name != module && theirs >= own {
                problems.push(format!(
                    "{}:{line}: `{module}` (layer {own}) uses `crate::{name}` (layer {theirs}), which is not below it",
                    file.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "imports against the layers:\n{}", problems.join("\n"));
}

#[test]
fn every_module_states_its_contract() {
    let src = common::root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.starts_with("//! "), "{} does not open with a `//!` line stating its contract", file.display());
    }
}

/// The target folders share the Kubernetes object layer and the seam, never one another: no file
/// of `src/targets/<target>/` names another target's folder.
#[test]
fn no_target_folder_imports_another() {
    let targets = common::root().join("src/targets");
    let folders: Vec<String> = std::fs::read_dir(&targets)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && !p.ends_with("kubernetes_objects"))
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(folders.len() >= 4, "{folders:?}");
    let mut problems = Vec::new();
    for folder in &folders {
        let mut files = Vec::new();
        rust_files(&targets.join(folder), &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for other in folders.iter().filter(|other| *other != folder) {
                for form in
                    [format!("crate::targets::{other}::"), format!("super::{other}::"), format!("super::{other};")]
                {
                    let named = text.lines().any(|line| line.split("//").next().unwrap_or_default().contains(&form));
                    if named {
                        problems.push(format!("{} names `{form}`", file.display()));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "a target folder imports another:\n{}", problems.join("\n"));
}

/// Provisioning knows no target: it reads no target's settings section of the environment and
/// names no target's code, and asks what it must through `TargetModel`.
#[test]
fn provisioning_reads_no_target_settings() {
    let mut files = Vec::new();
    rust_files(&common::root().join("src/provision"), &mut files);
    assert!(files.len() >= 10, "{files:?}");
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            let forms =
                [".kubernetes.", ".helm.", ".terraform.", ".settings", "crate::targets", "kubernetes_objects::"];
            for form in forms.iter().filter(|form| code.contains(*form)) {
                problems.push(format!("{}:{}: `{form}`", file.display(), number + 1));
            }
        }
    }
    assert!(problems.is_empty(), "provisioning reads what belongs to a target:\n{}", problems.join("\n"));
}

#[test]
fn architecture_md_names_every_layer_and_target() {
    let text = std::fs::read_to_string(common::root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md at the top");
    for module in LAYERS.iter().flat_map(|row| row.iter()) {
        assert!(text.contains(&format!("`{module}`")), "ARCHITECTURE.md does not name `{module}`");
    }
    for target in stave::builtins::Target::ALL {
        let name = target.name();
        assert!(text.contains(&format!("src/targets/{name}/")), "ARCHITECTURE.md does not name src/targets/{name}/");
    }
}

/// The built-in target names of the schemas are those of `builtins::Target`: an external target
/// may not take one, and the provisioner schema names each.
#[test]
fn schemas_name_the_builtin_targets() {
    let names: Vec<&str> = stave::builtins::Target::ALL.iter().map(|t| t.name()).collect();
    let platform: serde_json::Value = serde_json::from_str(stave::builtins::PLATFORM_SCHEMA).unwrap();
    let listed: Vec<&str> = platform["properties"]["targets"]["propertyNames"]["not"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert_eq!(listed, names);
    let provisioners: serde_json::Value = serde_json::from_str(stave::builtins::PROVISIONERS_SCHEMA).unwrap();
    let text = provisioners.to_string();
    for name in names {
        assert!(text.contains(&format!("\"{name}\"")), "the provisioner schema does not list `{name}`");
    }
}

/// The sections of ARCHITECTURE.md whose heading names a folder of `src/` (`` `src/cli/` ``),
/// each with the text up to the next heading of the same or a higher level.
fn folder_sections(text: &str) -> Vec<(String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut sections = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let level = line.chars().take_while(|c| *c == '#').count();
        if level == 0 || !line[level..].starts_with(' ') {
            continue;
        }
        let Some(folder) =
            line.split('`').skip(1).step_by(2).find(|part| part.starts_with("src/") && part.ends_with('/'))
        else {
            continue;
        };
        let end = lines[i + 1..]
            .iter()
            .position(|l| {
                let deeper = l.chars().take_while(|c| *c == '#').count();
                deeper > 0 && deeper <= level && l[deeper..].starts_with(' ')
            })
            .map_or(lines.len(), |at| i + 1 + at);
        sections.push((folder.to_string(), lines[i + 1..end].join("\n")));
    }
    sections
}

/// The map cannot drift: every folder of `src/` has a section in ARCHITECTURE.md that names
/// each of its files (`name.rs` in backticks), and a section names no file its folder lacks.
#[test]
fn architecture_md_names_every_file_of_src_and_no_other() {
    let root = common::root();
    let text = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let sections = folder_sections(&text);
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&root).unwrap();
        let folder = format!("{}/", relative.parent().unwrap().display());
        let name = relative.file_name().unwrap().to_str().unwrap();
        match sections.iter().find(|(f, _)| *f == folder) {
            None => problems.push(format!("no section of ARCHITECTURE.md names `{folder}` (for {name})")),
            Some((_, body)) if !body.contains(&format!("`{name}`")) => {
                problems.push(format!("the section of `{folder}` does not name `{name}`"))
            }
            Some(_) => {}
        }
    }
    for (folder, body) in &sections {
        for named in body.split('`').skip(1).step_by(2).filter(|p| p.ends_with(".rs") && !p.contains('/')) {
            if !root.join(folder).join(named).is_file() {
                problems.push(format!("the section of `{folder}` names `{named}`, which is not there"));
            }
        }
    }
    assert!(problems.is_empty(), "ARCHITECTURE.md against src/:\n{}", problems.join("\n"));
}

/// Every line of `src/` fits in 120 characters (rustfmt's width; long messages are continued
/// with `\` inside the string), so the code reads without scrolling.
#[test]
fn no_line_of_src_is_longer_than_120_characters() {
    let mut files = Vec::new();
    rust_files(&common::root().join("src"), &mut files);
    let mut long = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.chars().count() > 120 {
                long.push(format!("{}:{}: {} characters", file.display(), number + 1, line.chars().count()));
            }
        }
    }
    assert!(long.is_empty(), "lines over 120 characters:\n{}", long.join("\n"));
}
