//! The Terraform target: every fixture whose case names terraform, the bundled example and the AWS
//! fixture, written as modules and checked by `terraform fmt -check`, python-hcl2 and the provider
//! schemas (kubernetes 3.4.0, aws 6.69.1, random 3.9.1); snapshots of the files; semantic checks
//! (secret references, references in workloads, no generated value in any file); the resources
//! compared field by field with the Kubernetes target's objects; the writer and its refusals.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{fixtures_for, root, run_case, stave, transcript, validators};
use hcl::{Block, Body, Expression};
use serde_json::Value as Json;
use stave::targets::terraform::schema;

/// Compiles a fixture for terraform into `out/<name>` and returns the module's files.
fn compile(dir: &Path, out: &Path) -> BTreeMap<String, String> {
    let name = dir.file_name().unwrap().to_str().unwrap();
    let target = out.join(name);
    let target_text = target.to_str().unwrap().to_string();
    let output = run_case(dir, &["compile", "--target", "terraform", "-o", &target_text], &[]);
    assert_eq!(output.status.code(), Some(0), "{name}:\n{}", transcript(&output));
    assert!(output.stdout.is_empty(), "{name}: a module is written to a directory");
    read_module(&target)
}

fn read_module(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with(".stave-") {
            continue; // the writer's list of what it wrote, and its lock
        }
        files.insert(name, std::fs::read_to_string(&path).unwrap());
    }
    files
}

fn snapshot(files: &BTreeMap<String, String>) -> String {
    files.iter().map(|(name, text)| format!("=== {name}\n{text}")).collect()
}

/// Every fixture's module, with the AWS fixture among them.
fn modules(out: &Path) -> Vec<(String, BTreeMap<String, String>)> {
    let dirs = fixtures_for("terraform");
    let names: Vec<String> = dirs.iter().map(|d| d.file_name().unwrap().to_str().unwrap().to_string()).collect();
    assert!(names.contains(&"aws".to_string()) && names.contains(&"example".to_string()), "{names:?}");
    dirs.iter().zip(names).map(|(dir, name)| (name, compile(dir, out))).collect()
}

#[test]
fn fixtures_compile_to_valid_modules() {
    let temp = crate::common::tempdir().unwrap();
    for (name, files) in modules(temp.path()) {
        insta::assert_snapshot!(format!("terraform__{name}"), snapshot(&files));
        for required in ["versions.tf", "variables.tf"] {
            assert!(files.contains_key(required), "{name}: no {required}");
        }
        assert!(files.keys().any(|f| f.starts_with("workload-")), "{name}: a file per workload");
        validators::terraform_fmt_check(&temp.path().join(&name));
    }
    hcl2_parses(temp.path());
    validators::terraform_schema_check(temp.path());
}

/// python-hcl2 (a second parser) reads every file.
fn hcl2_parses(dir: &Path) {
    let script = "import hcl2, pathlib, sys\nfiles = sorted(pathlib.Path(sys.argv[1]).rglob('*.tf'))\nfor f in files:\n    hcl2.loads(f.read_text())\nprint(len(files))\n";
    let output = std::process::Command::new(validators::python()).args(["-c", script]).arg(dir).output().unwrap();
    assert!(output.status.success(), "python-hcl2: {}", String::from_utf8_lossy(&output.stderr));
    let count: usize = String::from_utf8_lossy(&output.stdout).trim().parse().unwrap();
    assert!(count >= 20, "python-hcl2 read only {count} files");
}

#[test]
fn the_bundled_example_compiles_to_a_valid_module() {
    let temp = crate::common::tempdir().unwrap();
    let out = temp.path().join("example");
    let out_text = out.to_str().unwrap().to_string();
    let output = stave(temp.path(), &["compile", "--example", "--target", "terraform", "-o", &out_text], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    assert!(output.stderr.is_empty(), "no warning: Terraform generates the passwords\n{}", transcript(&output));
    validators::terraform_fmt_check(&out);
    validators::terraform_schema_check(&out);
    // A module is a directory: standard output is refused.
    let refused = stave(temp.path(), &["compile", "--example", "--target", "terraform"], None);
    assert_eq!(refused.status.code(), Some(2), "{}", transcript(&refused));
}

fn parse(files: &BTreeMap<String, String>) -> Vec<(String, Block)> {
    let mut blocks = Vec::new();
    for (name, text) in files {
        let body: Body = hcl::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        blocks.extend(body.into_blocks().map(|b| (name.clone(), b)));
    }
    blocks
}

fn labels(block: &Block) -> Vec<String> {
    block.labels.iter().map(|l| l.as_str().to_string()).collect()
}

fn attribute<'b>(body: &'b Body, name: &str) -> Option<&'b Expression> {
    body.attributes().find(|a| a.key.as_str() == name).map(|a| &a.expr)
}

fn children<'b>(body: &'b Body, name: &str) -> Vec<&'b Block> {
    body.blocks().filter(|b| b.identifier.as_str() == name).collect()
}

fn text(expression: &Expression) -> String {
    hcl::format::to_string(expression).unwrap()
}

/// Every block of every kind below `body`, depth first.
fn all_blocks<'b>(body: &'b Body, found: &mut Vec<&'b Block>) {
    for block in body.blocks() {
        found.push(block);
        all_blocks(&block.body, found);
    }
}

/// `TYPE.NAME` roots of the references in an expression's text.
fn roots(expression: &str) -> Vec<String> {
    let mut found = Vec::new();
    let chars: Vec<char> = expression.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_alphanumeric() || matches!(chars[i], '_' | '.' | '-')) {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        let quoted = start > 0 && chars[start - 1] == '"';
        let parts: Vec<&str> = word.split('.').collect();
        if !quoted
            && parts.len() >= 2
            && parts[0].contains('_')
            && (parts[0].starts_with("aws_") || parts[0].starts_with("kubernetes_") || parts[0].starts_with("random_"))
        {
            found.push(format!("{}.{}", parts[0], parts[1]));
        }
        i += 1;
    }
    found
}

#[test]
fn references_resolve_and_secret_refs_name_defined_keys() {
    let temp = crate::common::tempdir().unwrap();
    let mut checked_refs = 0;
    let mut checked_roots = 0;
    for (name, files) in modules(temp.path()) {
        let blocks = parse(&files);
        let declared: BTreeSet<String> = blocks
            .iter()
            .filter(|(_, b)| matches!(b.identifier.as_str(), "resource" | "ephemeral" | "data"))
            .map(|(_, b)| {
                let prefix = match b.identifier.as_str() {
                    "resource" => String::new(),
                    kind => format!("{kind}."),
                };
                format!("{prefix}{}", labels(b).join("."))
            })
            .collect();
        let secrets: BTreeMap<String, BTreeSet<String>> = blocks
            .iter()
            .filter(|(_, b)| b.identifier.as_str() == "resource" && labels(b)[0] == "kubernetes_secret_v1")
            .map(|(_, b)| {
                let keys = ["data", "data_wo", "binary_data"]
                    .iter()
                    .filter_map(|k| match attribute(&b.body, k) {
                        Some(Expression::Object(map)) => {
                            Some(map.keys().map(|k| k.to_string().trim_matches('"').to_string()).collect::<Vec<_>>())
                        }
                        _ => None,
                    })
                    .flatten()
                    .collect();
                (labels(b)[1].clone(), keys)
            })
            .collect();
        for (file, block) in &blocks {
            let mut inner = Vec::new();
            all_blocks(&block.body, &mut inner);
            let workload = file.starts_with("workload-");
            for reference in inner.iter().filter(|b| b.identifier.as_str() == "secret_key_ref") {
                let secret = text(attribute(&reference.body, "name").unwrap());
                let key = text(attribute(&reference.body, "key").unwrap()).trim_matches('"').to_string();
                let label = secret
                    .strip_prefix("kubernetes_secret_v1.")
                    .and_then(|s| s.strip_suffix(".metadata[0].name"))
                    .unwrap_or_else(|| {
                        panic!("{name}/{file}: secret_key_ref names `{secret}`, not a Secret of the module")
                    });
                let keys =
                    secrets.get(label).unwrap_or_else(|| panic!("{name}/{file}: no kubernetes_secret_v1.{label}"));
                assert!(
                    keys.contains(&key),
                    "{name}/{file}: kubernetes_secret_v1.{label} has no key `{key}` ({keys:?})"
                );
                checked_refs += 1;
            }
            for env in inner.iter().filter(|b| workload && b.identifier.as_str() == "env") {
                for attribute in env.body.attributes() {
                    for root in roots(&text(&attribute.expr)) {
                        assert!(
                            declared.contains(&root),
                            "{name}/{file}: env reads `{root}`, which the module does not declare"
                        );
                        checked_roots += 1;
                    }
                }
            }
        }
    }
    assert!(checked_refs >= 15, "only {checked_refs} secret_key_refs");
    assert!(checked_roots >= 8, "only {checked_roots} references in env");
}

#[test]
fn no_generated_value_appears_in_any_file() {
    let temp = crate::common::tempdir().unwrap();
    let mut generated = BTreeSet::new();
    for dir in fixtures_for("terraform").into_iter().filter(|d| read_kubernetes(d).is_some()) {
        for object in read_kubernetes(&dir).unwrap().into_iter().filter(|o| o["kind"] == "Secret") {
            for value in object["stringData"].as_object().into_iter().flatten().filter_map(|(_, v)| v.as_str()) {
                // Generated values are 32 lowercase hex digits; they may sit inside connection strings.
                for word in value.split(|c: char| !c.is_ascii_hexdigit()) {
                    if word.len() >= 24 {
                        generated.insert(word.to_string());
                    }
                }
            }
        }
    }
    assert!(generated.len() >= 5, "the Kubernetes target generates values: {generated:?}");
    for (name, files) in modules(temp.path()) {
        for (file, text) in files {
            for value in &generated {
                assert!(!text.contains(value.as_str()), "{name}/{file} holds a generated value");
            }
        }
    }
}

/// The Kubernetes target's objects for a fixture (same seed), or `None` when it has none (the
/// AWS fixture's resources exist only in Terraform).
fn read_kubernetes(dir: &Path) -> Option<Vec<Json>> {
    if !common::read_case(dir).targets.iter().any(|t| t == "kubernetes") {
        return None;
    }
    let output = run_case(dir, &["compile", "--target", "kubernetes"], &[]);
    if output.status.code() != Some(0) {
        return None;
    }
    let objects = serde_saphyr::from_multiple::<Json>(&String::from_utf8(output.stdout).unwrap()).unwrap();
    Some(objects.into_iter().filter(|o| !o.is_null()).collect())
}

#[path = "terraform/compare.rs"]
mod compare;

#[test]
fn resources_match_the_kubernetes_objects_field_by_field() {
    let temp = crate::common::tempdir().unwrap();
    let mut compared = 0;
    for dir in fixtures_for("terraform") {
        let Some(objects) = read_kubernetes(&dir) else { continue };
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let files = compile(&dir, temp.path());
        let blocks = parse(&files);
        let mut resources: BTreeMap<(String, String), &Block> = blocks
            .iter()
            .filter(|(_, b)| b.identifier.as_str() == "resource" && labels(b)[0].starts_with("kubernetes_"))
            .map(|(_, b)| ((labels(b)[0].clone(), labels(b)[1].clone()), b))
            .collect();
        for object in &objects {
            let kind = object["kind"].as_str().unwrap();
            let api = object["apiVersion"].as_str().unwrap();
            let resource_type = schema::typed_resource(api, kind).unwrap_or("kubernetes_manifest");
            let label = object["metadata"]["name"].as_str().unwrap().replace(['-', '.'], "_");
            let block = resources
                .remove(&(resource_type.to_string(), label.clone()))
                .unwrap_or_else(|| panic!("{name}: {kind}/{label} has no {resource_type}.{label}"));
            let mut problems = Vec::new();
            compare::object(object, resource_type, &block.body, &mut problems);
            assert!(
                problems.is_empty(),
                "{name}: {resource_type}.{label} differs from {kind}:\n{}",
                problems.join("\n")
            );
            compared += 1;
        }
        assert!(resources.is_empty(), "{name}: resources with no Kubernetes object: {:?}", resources.keys());
    }
    assert!(compared >= 60, "only {compared} objects compared");
}

#[test]
fn modules_are_byte_identical_across_runs_and_file_orders() {
    let dir = root().join("fixtures/valid/aws");
    let temp = crate::common::tempdir().unwrap();
    let mut runs = Vec::new();
    for (i, order) in
        [["frontend.yaml", "api.yaml", "worker.yaml"], ["worker.yaml", "frontend.yaml", "api.yaml"]].iter().enumerate()
    {
        let out = temp.path().join(i.to_string());
        let out_text = out.to_str().unwrap().to_string();
        let mut args = vec!["compile"];
        args.extend(order.iter());
        args.extend(["-o", &out_text]);
        let output = stave(&dir, &args, None);
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
        runs.push(read_module(&out));
    }
    assert_eq!(runs[0], runs[1]);
}

/// The writer replaces a previous module and keeps what the user added (`providers.tf`, the
/// state of `terraform init`); a file of the user's the module would overwrite is refused.
#[test]
fn the_writer_keeps_what_the_user_added() {
    let temp = crate::common::tempdir().unwrap();
    let out = temp.path().join("module");
    let out_text = out.to_str().unwrap().to_string();
    let args = ["compile", "--example", "--target", "terraform", "-o", &out_text];
    assert_eq!(stave(temp.path(), &args, None).status.code(), Some(0));
    assert_eq!(stave(temp.path(), &args, None).status.code(), Some(0), "a previous output is replaced");
    for user in ["providers.tf", ".terraform/providers/x", "terraform.tfstate", ".terraform.lock.hcl"] {
        let path = out.join(user);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, "mine").unwrap();
        let kept = stave(temp.path(), &args, None);
        assert_eq!(kept.status.code(), Some(0), "{user}: {}", transcript(&kept));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine", "{user} is kept");
    }
    let manifest = std::fs::read_to_string(out.join(".stave-output")).unwrap();
    std::fs::remove_file(out.join("versions.tf")).unwrap();
    std::fs::remove_file(out.join(".stave-output")).unwrap();
    std::fs::write(out.join("versions.tf"), "mine").unwrap();
    let refused = stave(temp.path(), &args, None);
    assert_eq!(refused.status.code(), Some(2), "no list of what Stave wrote: {}", transcript(&refused));
    std::fs::write(out.join(".stave-output"), manifest.replace("versions.tf\n", "")).unwrap();
    let overwrite = stave(temp.path(), &args, None);
    assert_eq!(overwrite.status.code(), Some(2), "the user's versions.tf: {}", transcript(&overwrite));
    assert_eq!(std::fs::read_to_string(out.join("versions.tf")).unwrap(), "mine");
    // Several environments: one module each.
    let dir = root().join("fixtures/valid/environments");
    let envs = temp.path().join("envs");
    let envs_text = envs.to_str().unwrap().to_string();
    let output = stave(&dir, &["compile", "api.yaml", "worker.yaml", "--target", "terraform", "-o", &envs_text], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    for env in ["dev", "staging", "prod"] {
        assert!(envs.join(env).join("versions.tf").is_file(), "{env}");
    }
    validators::terraform_fmt_check(&envs);
}

#[test]
fn resource_types_no_terraform_provisioner_serves_are_errors_at_the_declaration() {
    let temp = crate::common::tempdir().unwrap();
    std::fs::write(
        temp.path().join("workload.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata: {name: app}\ncontainers:\n  main:\n    image: example/app:1\n    variables:\n      X: ${resources.thing.url}\nresources:\n  thing: {type: ldap}\n",
    )
    .unwrap();
    let out = temp.path().join("out");
    let output = stave(temp.path(), &["compile", "--target", "terraform", "-o", out.to_str().unwrap()], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("stave::provision::no-provisioner") && text.contains("workload.yaml:9:"), "{text}");
    assert!(!out.exists());
}

/// The README's HCL excerpts are lines of the AWS fixture's module, as compiled.
#[test]
fn readme_hcl_excerpts_are_what_the_aws_fixture_compiles_to() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let temp = crate::common::tempdir().unwrap();
    let files = compile(&root().join("fixtures/valid/aws"), temp.path());
    let all: String = files.values().cloned().collect();
    let mut excerpts = 0;
    for block in readme.split("```hcl\n").skip(1) {
        let excerpt = &block[..block.find("```").unwrap()];
        assert!(all.contains(excerpt), "README excerpt not in the AWS module:\n{excerpt}");
        excerpts += 1;
    }
    assert!(excerpts >= 2, "{excerpts} excerpts");
}
