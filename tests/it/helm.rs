//! The Helm target: for every fixture whose `case.yaml` names `helm`, the chart (every file, as a
//! snapshot) compiled for all of the fixture's environments; for each environment, `helm lint
//! --strict` passes, `helm template` (helm 4.1.4, installed on first use) renders objects that
//! kubernetes-validate and yamllint accept, and those objects are the Kubernetes target's, one by
//! one. The values schema rejects a wrong type and an unknown key; `--set` changes exactly the
//! field it names.

use crate::common;

use std::path::{Path, PathBuf};

use common::{copy_fixture, fixtures_for, read_case, stave, transcript, validators};
use objects::{by_identity, documents};
use serde_json::Value as Json;

#[path = "helm/objects.rs"]
pub(crate) mod objects;

const SEED: &str = "stave helm test seed";
const NAMESPACE: &str = "apps";

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    common::stave_with_env(dir, args, None, &[("STAVE_SEED", Some(SEED))])
}

/// The fixture's arguments, without `--env` (a chart holds every environment).
fn fixture_args(dir: &Path) -> Vec<String> {
    let case = read_case(dir);
    let mut args: Vec<String> = if case.files.is_empty() { vec!["workload.yaml".into()] } else { case.files.clone() };
    let mut rest = case.args.iter();
    while let Some(arg) = rest.next() {
        if arg == "--env" {
            rest.next();
        } else {
            args.push(arg.clone());
        }
    }
    args
}

/// Every file of a chart, with its path, for one snapshot.
fn chart_text(chart: &Path) -> String {
    let mut files = Vec::new();
    let mut pending = vec![chart.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let bookkeeping = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with(".stave-"));
            if path.is_dir() {
                pending.push(path)
            } else if !bookkeeping {
                files.push(path)
            }
        }
    }
    files.sort();
    files
        .iter()
        .map(|f| {
            format!("=== {} ===\n{}", f.strip_prefix(chart).unwrap().display(), std::fs::read_to_string(f).unwrap())
        })
        .collect()
}

fn environments(chart: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(chart)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            Some(name.strip_prefix("values-")?.strip_suffix(".yaml")?.to_string())
        })
        .collect();
    names.sort();
    names
}

fn render(chart: &Path, env: &str, extra: &[&str]) -> String {
    let seed = format!("global.seed={SEED}");
    let mut args = vec!["--set-string", seed.as_str()];
    args.extend(extra);
    validators::helm_template(chart, "release", NAMESPACE, &[chart.join(format!("values-{env}.yaml"))], &args)
}

#[test]
fn charts_render_the_kubernetes_targets_objects() {
    let out = crate::common::tempdir().unwrap();
    let mut rendered = Vec::new();
    for dir in fixtures_for("helm") {
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        let (_temp, work) = copy_fixture(&dir);
        let mut args: Vec<String> =
            vec!["compile".into(), "--target".into(), "helm".into(), "-o".into(), "chart".into()];
        args.extend(fixture_args(&dir));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let compiled = run(&work, &args);
        assert_eq!(compiled.status.code(), Some(0), "{name}:\n{}", transcript(&compiled));
        let chart = work.join("chart");
        insta::assert_snapshot!(format!("helm__{name}"), chart_text(&chart));
        let seed = format!("global.seed={SEED}");
        for env in environments(&chart) {
            let values = [chart.join(format!("values-{env}.yaml"))];
            validators::or_panic(validators::try_helm_lint_strict_with(&chart, &values, &["--set-string", &seed]));
            let text = render(&chart, &env, &[]);
            let file = out.path().join(format!("{name}-{env}.yaml"));
            std::fs::write(&file, &text).unwrap();
            rendered.push(file);
            let mut kubernetes: Vec<String> =
                vec!["compile".into(), "--env".into(), env.clone(), "--target".into(), "kubernetes".into()];
            kubernetes.extend(fixture_args(&dir));
            let kubernetes: Vec<&str> = kubernetes.iter().map(String::as_str).collect();
            let expected = run(&work, &kubernetes);
            assert_eq!(expected.status.code(), Some(0), "{name}/{env}:\n{}", transcript(&expected));
            let ours = by_identity(documents(&text));
            let theirs = by_identity(documents(std::str::from_utf8(&expected.stdout).unwrap()));
            assert_eq!(
                ours.keys().collect::<Vec<_>>(),
                theirs.keys().collect::<Vec<_>>(),
                "{name}/{env}: the same objects"
            );
            for (identity, object) in &theirs {
                assert_eq!(&ours[identity], object, "{name}/{env}: {identity:?} differs");
            }
        }
    }
    assert!(rendered.len() >= 6, "too few charts rendered: {}", rendered.len());
    validators::validate(&rendered);
}

fn example_chart() -> (tempfile::TempDir, PathBuf) {
    let temp = crate::common::tempdir().unwrap();
    let output = run(temp.path(), &["compile", "--example", "--target", "helm", "-o", "shop"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let chart = temp.path().join("shop");
    (temp, chart)
}

#[test]
fn the_schema_rejects_a_wrong_type_and_an_unknown_key() {
    let (_temp, chart) = example_chart();
    let values = [chart.join("values-local.yaml")];
    let seed = format!("global.seed={SEED}");
    for (set, expected) in [
        ("workloads.shop.replicas=many", "/workloads/shop/replicas"),
        ("workloads.shop.replica=3", "additional properties 'replica'"),
        ("workloads.shop.containers.web.resources.limit.cpu=1", "additional properties 'limit'"),
    ] {
        let error =
            validators::try_helm_template(&chart, "r", NAMESPACE, &values, &["--set-string", &seed, "--set", set])
                .expect_err(set);
        assert!(error.contains(expected), "{set}: {error}");
    }
}

#[test]
fn set_changes_exactly_the_field_it_names() {
    let (_temp, chart) = example_chart();
    let base = by_identity(documents(&render(&chart, "local", &[])));
    for (set, pointer, value) in [
        ("workloads.shop.replicas=3", "/spec/replicas", Json::from(3)),
        (
            "workloads.shop.containers.web.image.tag=1.2.3",
            "/spec/template/spec/containers/0/image",
            Json::from("ghcr.io/example/shop:1.2.3"),
        ),
    ] {
        let changed = by_identity(documents(&render(&chart, "local", &["--set", set])));
        assert_eq!(changed.keys().collect::<Vec<_>>(), base.keys().collect::<Vec<_>>());
        let differing: Vec<_> = changed.iter().filter(|(k, v)| base[*k] != **v).map(|(k, _)| k.clone()).collect();
        let deployment = ("apps/v1".to_string(), "Deployment".to_string(), "shop".to_string());
        assert_eq!(differing, std::slice::from_ref(&deployment), "{set} changes one object");
        let mut expected = base[&deployment].clone();
        *pointer_mut(&mut expected, pointer) = value;
        assert_eq!(changed[&deployment], expected, "{set} changes exactly {pointer}");
    }
}

/// The value at a JSON pointer, created (as null) when it is absent.
fn pointer_mut<'j>(value: &'j mut Json, pointer: &str) -> &'j mut Json {
    let mut node = value;
    for part in pointer.split('/').skip(1) {
        node = match node {
            Json::Array(items) => &mut items[part.parse::<usize>().unwrap()],
            other => {
                if !other.is_object() {
                    *other = Json::Object(Default::default());
                }
                other.as_object_mut().unwrap().entry(part.to_string()).or_insert(Json::Null)
            }
        };
    }
    node
}

#[test]
fn a_chart_is_a_directory_and_holds_no_secret() {
    let temp = crate::common::tempdir().unwrap();
    let output = stave(temp.path(), &["compile", "--example", "--target", "helm"], None);
    assert_eq!(output.status.code(), Some(2));
    insta::assert_snapshot!("helm__to_stdout", transcript(&output));
    let (_temp, chart) = example_chart();
    let manifests = run(chart.parent().unwrap(), &["compile", "--example"]);
    let secrets: Vec<String> = documents(std::str::from_utf8(&manifests.stdout).unwrap())
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .flat_map(|o| {
            o["stringData"].as_object().into_iter().flatten().map(|(_, v)| v.as_str().unwrap_or_default().to_string())
        })
        .collect();
    assert!(!secrets.is_empty());
    let text = chart_text(&chart);
    for secret in secrets {
        assert!(!text.contains(&secret), "a generated value is written into the chart");
    }
    let without_seed = validators::try_helm_template(&chart, "r", NAMESPACE, &[chart.join("values-local.yaml")], &[]);
    assert!(without_seed.expect_err("the seed is required").contains("global.seed is not set"));
}

/// The same inputs give a byte-identical chart, in separate processes; an environment whose
/// target is `helm` compiles to a chart with no `--target`, named by the platform file.
#[test]
fn charts_are_deterministic_and_follow_the_platform_file() {
    let (_one, first) = example_chart();
    let (_two, second) = example_chart();
    assert_eq!(chart_text(&first), chart_text(&second));
    let temp = crate::common::tempdir().unwrap();
    std::fs::write(
        temp.path().join("stave.yaml"),
        "helm: {name: shop, version: 1.4.0, appVersion: 1.4.2}\nenvironments:\n  dev: {target: helm}\n  prod: {target: helm, kubernetes: {namespace: shop}}\n",
    )
    .unwrap();
    std::fs::write(temp.path().join("workload.yaml"), stave::examples::EXAMPLE_WORKLOAD).unwrap();
    let output = run(temp.path(), &["compile", "-o", "out"]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let chart: Json =
        serde_saphyr::from_str(&std::fs::read_to_string(temp.path().join("out/Chart.yaml")).unwrap()).unwrap();
    assert_eq!(
        (chart["name"].as_str(), chart["version"].as_str(), chart["appVersion"].as_str()),
        (Some("shop"), Some("1.4.0"), Some("1.4.2"))
    );
    assert_eq!(environments(&temp.path().join("out")), ["dev", "prod"]);
}
