//! Proves each real validator in `common::validators` installs, catches what it is there to catch, and
//! accepts good input; and that the install lock survives a killed installer. Nothing here skips: a
//! validator that cannot be installed fails its test with the reason.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::validators::{self, install, pins};

/// Writes `files` (relative path, contents) into a fresh temporary directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let temp = crate::common::tempdir().expect("temp dir");
    for (name, text) in files {
        let path = temp.path().join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("create dir");
        std::fs::write(path, text).expect("write");
    }
    temp
}

/// Asserts `result` is a rejection whose text contains every one of `needles`.
fn assert_rejected(result: Result<String, String>, needles: &[&str]) {
    let problems = result.expect_err("the validator accepted input it must reject");
    for needle in needles {
        assert!(problems.contains(needle), "expected {needle:?} among the problems:\n{problems}");
    }
}

fn accepted(result: Result<String, String>) -> String {
    result.unwrap_or_else(|problems| panic!("the validator rejected good input:\n{problems}"))
}

// ------------------------------------------------------------------------------------ Kubernetes
const DEPLOYMENT: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
        - name: web
          image: nginx:1.27
";

fn manifest(text: &str) -> (tempfile::TempDir, Vec<PathBuf>) {
    let temp = tree(&[("manifest.yaml", text)]);
    let file = temp.path().join("manifest.yaml");
    (temp, vec![file])
}

#[test]
fn kubernetes_validate_accepts_a_good_deployment() {
    let (_temp, files) = manifest(DEPLOYMENT);
    validators::validate(&files);
}

#[test]
fn kubernetes_validate_rejects_an_unknown_field() {
    let (_temp, files) = manifest(&DEPLOYMENT.replace("  replicas: 2", "  replica: 2"));
    assert_rejected(validators::try_kubernetes_validate(&files), &["Deployment web", "'replica' was unexpected"]);
}

#[test]
fn kubernetes_validate_rejects_a_wrong_type() {
    let (_temp, files) = manifest(&DEPLOYMENT.replace("replicas: 2", "replicas: two"));
    assert_rejected(validators::try_kubernetes_validate(&files), &["'two' is not of type 'integer'", "spec.replicas"]);
}

/// The check reads each schema once per run: a bad object after good ones of its kind, in the
/// same file and in another, is still found.
#[test]
fn kubernetes_validate_finds_a_bad_object_after_good_ones_of_its_kind() {
    let bad = DEPLOYMENT.replace("name: web\nspec", "name: bad\nspec").replace("replicas: 2", "replicas: two");
    let temp = tree(&[("one.yaml", &format!("{DEPLOYMENT}---\n{bad}")), ("two.yaml", &bad)]);
    let files = [temp.path().join("one.yaml"), temp.path().join("two.yaml")];
    let problems = validators::try_kubernetes_validate(&files).expect_err("two bad objects");
    assert_eq!(problems.matches("Deployment bad: 'two' is not of type 'integer'").count(), 2, "{problems}");
}

#[test]
fn kubernetes_validate_rejects_an_unknown_kind_and_a_removed_api() {
    let (_temp, files) = manifest(&DEPLOYMENT.replace("kind: Deployment", "kind: Deploymnt"));
    assert_rejected(validators::try_kubernetes_validate(&files), &["no schema for apps/v1 Deploymnt"]);
    let (_temp, files) = manifest(&DEPLOYMENT.replace("apps/v1", "extensions/v1beta1"));
    assert_rejected(validators::try_kubernetes_validate(&files), &["no schema for extensions/v1beta1 Deployment"]);
}

#[test]
fn yamllint_rejects_a_duplicate_key_that_kubernetes_validate_misses() {
    let (_temp, files) = manifest(&DEPLOYMENT.replace("  replicas: 2\n", "  replicas: 2\n  replicas: 3\n"));
    accepted(validators::try_kubernetes_validate(&files));
    assert_rejected(validators::try_yamllint(&files), &["duplication of key \"replicas\""]);
}

// ------------------------------------------------------------------------------------------ Helm
const SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft-07/schema#",
  "type": "object",
  "additionalProperties": false,
  "required": ["replicas"],
  "properties": {"replicas": {"type": "integer", "minimum": 1}, "greeting": {"type": "string"}}
}
"#;

fn chart(values: &str) -> tempfile::TempDir {
    tree(&[
        ("demo/Chart.yaml", "apiVersion: v2\nname: demo\nversion: 0.1.0\nicon: https://example.com/icon.png\n"),
        ("demo/values.yaml", values),
        ("demo/values.schema.json", SCHEMA),
        (
            "demo/templates/configmap.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\n\
             data:\n  replicas: {{ .Values.replicas | quote }}\n  greeting: {{ .Values.greeting | default \"hi\" | quote }}\n",
        ),
    ])
}

#[test]
fn helm_lint_strict_passes_a_good_chart() {
    let temp = chart("replicas: 2\n");
    validators::helm_lint_strict(&temp.path().join("demo"));
}

#[test]
fn helm_lint_strict_enforces_values_schema() {
    let temp = chart("replicas: two\n");
    assert_rejected(validators::try_helm_lint_strict(&temp.path().join("demo")), &["/replicas", "want integer"]);
    let temp = chart("replicas: 2\nunexpected: 1\n");
    assert_rejected(validators::try_helm_lint_strict(&temp.path().join("demo")), &["unexpected"]);
}

#[test]
fn helm_template_renders_with_values_files_and_checks_them() {
    let temp = chart("replicas: 2\n");
    let dir = temp.path().join("demo");
    std::fs::write(temp.path().join("prod.yaml"), "replicas: 5\ngreeting: hello\n").expect("write");
    let yaml = validators::helm_template(&dir, "shop", "prod", &[temp.path().join("prod.yaml")], &[]);
    for needle in ["name: shop\n", "namespace: prod\n", "replicas: \"5\"\n", "greeting: \"hello\"\n"] {
        assert!(yaml.contains(needle), "expected {needle:?} in:\n{yaml}");
    }
    let rendered = temp.path().join("rendered.yaml");
    std::fs::write(&rendered, &yaml).expect("write");
    validators::validate(&[rendered]);
    std::fs::write(temp.path().join("bad.yaml"), "replicas: 0\n").expect("write");
    let bad = [temp.path().join("bad.yaml")];
    assert_rejected(validators::try_helm_template(&dir, "shop", "prod", &bad, &[]), &["/replicas"]);
}

// ------------------------------------------------------------------------------------- Terraform
const PROVIDERS: &str = r#"terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }
}
"#;

const GOOD_TF: &str = r#"
resource "random_password" "db" {
  length  = 24
  special = false
}

resource "aws_db_instance" "db" {
  identifier             = "shop"
  engine                 = "postgres"
  instance_class         = "db.t4g.micro"
  allocated_storage      = 20
  db_name                = "shop"
  username               = "shop"
  password               = random_password.db.result
  skip_final_snapshot    = true
  vpc_security_group_ids = [aws_security_group.db.id]
}

resource "aws_security_group" "db" {
  name = "shop-db"
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}

resource "kubernetes_deployment_v1" "web" {
  metadata {
    name = "web"
  }
  spec {
    replicas = 2
    selector {
      match_labels = { app = "web" }
    }
    template {
      metadata {
        labels = { app = "web" }
      }
      spec {
        container {
          name  = "web"
          image = "nginx:1.27"
          port {
            container_port = 80
          }
        }
      }
    }
  }
}
"#;

fn tf(body: &str) -> tempfile::TempDir {
    tree(&[("versions.tf", PROVIDERS), ("main.tf", body)])
}

fn schema_problems(body: &str) -> Result<String, String> {
    validators::try_terraform_schema_check(tf(body).path())
}

#[test]
fn terraform_fmt_check_wants_aligned_equals() {
    let misaligned = "resource \"random_password\" \"db\" {\n  length = 24\n  special = false\n}\n";
    let temp = tree(&[("main.tf", misaligned)]);
    assert_rejected(validators::try_terraform_fmt_check(temp.path()), &["main.tf", "+  length  = 24"]);
    let temp = tree(&[("main.tf", &misaligned.replace("length =", "length  ="))]);
    validators::terraform_fmt_check(temp.path());
}

#[test]
fn terraform_schema_check_passes_good_files() {
    let temp = tf(GOOD_TF);
    validators::terraform_schema_check(temp.path());
    validators::terraform_fmt_check(temp.path());
}

#[test]
fn terraform_schema_check_rejects_an_unknown_argument() {
    let bad = GOOD_TF.replace("    replicas = 2\n", "    replicas = 2\n    replica  = 2\n");
    assert_rejected(
        schema_problems(&bad),
        &[
            "main.tf:35: kubernetes_deployment_v1.web.spec: unsupported argument \"replica\" (did you mean \"replicas\"?)",
        ],
    );
}

#[test]
fn terraform_schema_check_rejects_a_missing_required_argument() {
    let bad = GOOD_TF.replace("          name  = \"web\"\n", "");
    assert_rejected(
        schema_problems(&bad),
        &["kubernetes_deployment_v1.web.spec.template.spec.container[0]: missing required argument \"name\""],
    );
    let bad = GOOD_TF.replace("  length  = 24\n", "");
    assert_rejected(schema_problems(&bad), &["random_password.db: missing required argument \"length\""]);
}

#[test]
fn terraform_schema_check_rejects_an_unknown_resource_type() {
    let bad = GOOD_TF.replace("\"aws_db_instance\"", "\"aws_db_instanse\"");
    assert_rejected(schema_problems(&bad), &["aws_db_instanse.db: unknown resource type \"aws_db_instanse\""]);
    let bad = format!("{GOOD_TF}\nresource \"google_sql_database\" \"db\" {{}}\n");
    assert_rejected(
        schema_problems(&bad),
        &["no schema loaded for provider \"google\"", "provider \"google\" is not listed in terraform"],
    );
}

#[test]
fn terraform_schema_check_rejects_a_block_written_as_an_argument_and_the_reverse() {
    let bad = GOOD_TF.replace("  metadata {\n    name = \"web\"\n  }", "  metadata = {\n    name = \"web\"\n  }");
    assert_rejected(
        schema_problems(&bad),
        &[
            "kubernetes_deployment_v1.web: \"metadata\" is a block, not an argument",
            "kubernetes_deployment_v1.web: missing required block \"metadata\"",
        ],
    );
    let bad = GOOD_TF.replace("match_labels = { app = \"web\" }", "match_labels {\n        app = \"web\"\n      }");
    assert_rejected(schema_problems(&bad), &["\"match_labels\" is an argument, not a block"]);
}

#[test]
fn terraform_schema_check_wants_required_providers_for_every_provider_used() {
    let temp = tree(&[("main.tf", GOOD_TF)]);
    let result = validators::try_terraform_schema_check(temp.path());
    for provider in ["aws", "kubernetes", "random"] {
        assert_rejected(result.clone(), &[&format!("provider \"{provider}\" is not listed in terraform")]);
    }
    let old = PROVIDERS.replace("~> 3.0", "~> 2.0");
    let temp = tree(&[("versions.tf", &old), ("main.tf", GOOD_TF)]);
    assert_rejected(validators::try_terraform_schema_check(temp.path()), &["\"~> 2.0\" excludes hashicorp/kubernetes"]);
}

#[test]
fn terraform_schema_check_rejects_references_to_undeclared_things() {
    let bad = GOOD_TF.replace("random_password.db.result", "random_password.database.result");
    assert_rejected(
        schema_problems(&bad),
        &["aws_db_instance.db: reference to undeclared resource \"random_password.database\""],
    );
    let bad = format!("{GOOD_TF}\noutput \"tag\" {{\n  value = \"${{var.tag}}-${{local.suffix}}\"\n}}\n");
    assert_rejected(
        schema_problems(&bad),
        &["output tag: reference to undeclared input variable \"tag\"", "undeclared local value \"suffix\""],
    );
}

#[test]
fn terraform_schema_check_takes_list_of_object_arguments_as_blocks_too() {
    let bad = GOOD_TF.replace("    protocol    = \"tcp\"\n", "    protocol    = \"tcp\"\n    protocl     = \"tcp\"\n");
    assert_rejected(
        schema_problems(&bad),
        &["aws_security_group.db.ingress[0]: unsupported argument \"protocl\" (did you mean \"protocol\"?)"],
    );
}

#[test]
fn terraform_schema_check_rejects_too_many_single_blocks() {
    let bad = GOOD_TF.replace("    selector {\n", "    selector {\n    }\n    selector {\n");
    assert_rejected(schema_problems(&bad), &["too many \"selector\" blocks (at most 1)"]);
}

// ------------------------------------------------------------------------------------- installing
#[test]
fn an_install_that_cannot_finish_fails_with_the_reason() {
    let home = crate::common::tempdir().expect("temp dir");
    let home = home.path().to_path_buf();
    let result = std::panic::catch_unwind(|| {
        install::cached_in(&home, "broken", "v1", Duration::from_secs(5), |_| Err("registry said no".to_string()))
    });
    let message = *result.expect_err("must panic").downcast::<String>().expect("a message");
    assert!(message.contains("could not install the validator broken") && message.contains("registry said no"));
    assert!(!home.join("broken").join(install::MARKER).exists(), "no marker after a failed install");
}

/// A process that holds the install lock and is then killed (as by Ctrl-C mid-install) leaves neither
/// a lock that blocks nor a half-install that counts as done.
#[test]
fn a_killed_installer_neither_hangs_the_next_run_nor_leaves_a_half_install() {
    let home = crate::common::tempdir().expect("temp dir");
    let home = home.path().to_path_buf();
    std::fs::create_dir_all(home.join("tool")).expect("create");
    std::fs::write(home.join("tool/half-written"), "").expect("write");
    let holder = "import fcntl, sys, time\nf = open(sys.argv[1], 'a')\nfcntl.flock(f, fcntl.LOCK_EX)\n\
                  print('locked', flush=True)\ntime.sleep(120)\n";
    let mut child = Command::new("python3")
        .args(["-c", holder])
        .arg(home.join("tool.lock"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python3");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().expect("stdout")), &mut line)
        .expect("read");
    assert_eq!(line, "locked\n");
    let waiter = {
        let home = home.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            let dir = install::cached_in(&home, "tool", "v1", Duration::from_secs(60), |dir| {
                std::fs::write(dir.join("tool"), "ok").map_err(|e| e.to_string())
            });
            (dir, started.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(800));
    assert!(!waiter.is_finished(), "the install must wait while another process holds the lock");
    child.kill().expect("kill the lock holder");
    child.wait().expect("reap");
    let (dir, waited) = waiter.join().expect("install after the holder died");
    assert!(waited < Duration::from_secs(10), "waited {waited:?} after the holder died");
    assert!(!dir.join("half-written").exists(), "the half-install is wiped");
    assert_eq!(std::fs::read_to_string(dir.join("tool")).expect("installed"), "ok");
    let again = install::cached_in(&home, "tool", "v1", Duration::ZERO, |_| panic!("installed twice"));
    assert_eq!(again, dir);
}

#[test]
fn parallel_callers_install_once() {
    let home = crate::common::tempdir().expect("temp dir");
    let home: &Path = home.path();
    let count = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                install::cached_in(home, "once", "v1", Duration::from_secs(60), |dir| {
                    count.fetch_add(1, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(300));
                    std::fs::write(dir.join("done"), "").map_err(|e| e.to_string())
                })
            });
        }
    });
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(home.join("once/done").exists());
}

#[test]
fn sarif_validation_accepts_a_good_log_and_rejects_a_bad_one() {
    let good = r#"{"$schema":"https://json.schemastore.org/sarif-2.1.0.json","version":"2.1.0","runs":[{"tool":{"driver":{"name":"stave","version":"0.1.0","rules":[{"id":"stave::x","shortDescription":{"text":"x"}}]}},"results":[{"ruleId":"stave::x","ruleIndex":0,"level":"error","message":{"text":"bad."},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"workload.yaml"},"region":{"startLine":2,"startColumn":3}}}]}]}]}"#;
    let dir = tree(&[("good.sarif", good)]);
    accepted(validators::try_sarif_validate(&[dir.path().join("good.sarif")]));
    // A level SARIF does not have, and a result with no message.
    let bad = good.replace(r#""level":"error""#, r#""level":"fatal""#).replace(r#""message":{"text":"bad."},"#, "");
    let dir = tree(&[("bad.sarif", &bad)]);
    assert_rejected(validators::try_sarif_validate(&[dir.path().join("bad.sarif")]), &["fatal", "message"]);
    // Several logs are validated as one, their results gathered into one run: a result with
    // no place (line 0) in the second is still found by the multitool's own rule (SARIF1007).
    let placeless = good.replace(r#""startLine":2"#, r#""startLine":0"#);
    let dir = tree(&[("a.sarif", good), ("b.sarif", &placeless)]);
    let files = [dir.path().join("a.sarif"), dir.path().join("b.sarif")];
    assert_rejected(validators::try_sarif_validate(&files), &["SARIF1007", "results[1]", "b.sarif"]);
}

// ------------------------------------------------------------------------------------------ pins
const HELLO_SHA256: &str = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";

#[test]
fn a_download_whose_sha256_differs_fails_naming_the_package_and_both_hashes() {
    let temp = tree(&[("tool-1.0.0.tgz", "hello\n")]);
    let file = temp.path().join("tool-1.0.0.tgz");
    pins::verify_sha256("@scope/tool@1.0.0", &file, HELLO_SHA256).expect("the pinned hash passes");
    let wrong = "0".repeat(64);
    let message = pins::verify_sha256("@scope/tool@1.0.0", &file, &wrong).expect_err("a wrong hash must fail");
    for needle in ["hash mismatch for @scope/tool@1.0.0", &format!("expected sha256 {wrong}"), HELLO_SHA256] {
        assert!(message.contains(needle), "expected {needle:?} in: {message}");
    }
    // Through the installer: the test fails with that message and nothing counts as installed.
    let home = crate::common::tempdir().expect("temp dir");
    let result = std::panic::catch_unwind(|| {
        install::cached_in(home.path(), "tool", "v1", Duration::from_secs(5), |_| {
            pins::verify_sha256("@scope/tool@1.0.0", &file, &wrong)
        })
    });
    let panic = *result.expect_err("must panic").downcast::<String>().expect("a message");
    assert!(panic.contains("could not install the validator tool") && panic.contains(&message), "{panic}");
    assert!(!home.path().join("tool").join(install::MARKER).exists(), "no marker after a hash mismatch");
    for pin in [validators::helm::PACKAGE_SHA256, validators::sarif::PACKAGE_SHA256] {
        assert!(pin.len() == 64 && pin.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()), "{pin}");
    }
}

#[test]
fn every_requirements_file_pins_each_package_by_exact_version_and_sha256() {
    let dir = validators::script("requirements");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/validators/requirements")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "txt"))
        .collect();
    files.sort();
    let names: Vec<_> = files.iter().map(|f| f.file_name().expect("name").to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["pre-commit.txt", "terraform-providers.txt", "venv.txt"]);
    let pinned = |name: &str| pins::read_requirements(&pins::requirements(name)).unwrap_or_else(|e| panic!("{e}"));
    for name in ["pre-commit", "terraform-providers", "venv"] {
        let pinned = pinned(name);
        let source = std::fs::read_to_string(dir.join(format!("{name}.in"))).expect("the .in file");
        for wanted in source.lines().filter(|line| !line.trim().is_empty() && !line.starts_with('#')) {
            let (package, version) = wanted.split_once("==").expect("NAME==VERSION in the .in file");
            let normal = pins::normalize(package);
            assert!(pinned.iter().any(|p| p.name == normal && p.version == version), "{wanted} unpinned in {name}.txt");
        }
    }
    let has = |pinned: &[pins::Pinned], spec: &str| {
        let (package, version) = spec.split_once("==").expect("NAME==VERSION");
        pinned.iter().any(|p| p.name == pins::normalize(package) && p.version == version)
    };
    let venv = pinned("venv");
    assert!(validators::PACKAGES.iter().all(|spec| has(&venv, spec)), "{venv:?}");
    assert!(has(&pinned("pre-commit"), &format!("pre-commit=={}", validators::precommit::VERSION)));
    let providers = pinned("terraform-providers");
    assert_eq!(providers.len(), validators::terraform::PROVIDERS.len());
    assert!(validators::terraform::PROVIDERS.iter().all(|(spec, _)| has(&providers, spec)), "{providers:?}");
    // The parser refuses whatever pip would take without checking it.
    let hash = format!("--hash=sha256:{HELLO_SHA256}");
    for (bad, needle) in [
        ("yamllint==1.38.0\n".to_string(), "line 1: yamllint==1.38.0 has no --hash=sha256"),
        (format!("# pins\nyamllint>=1.38 {hash}\n"), "line 2: `yamllint>=1.38` is not pinned to an exact version"),
        ("--index-url https://example.invalid/simple\n".to_string(), "options are not allowed"),
        ("pyyaml==6.0.4 \\\n    --hash=sha256:abc\n".to_string(), "`--hash=sha256:abc` is not --hash=sha256:<64"),
        (format!("pyyaml==6.0.4 \\\n    {hash} \\\n"), "ends inside a continued line"),
    ] {
        let error = pins::parse_requirements(&bad).expect_err("an unpinned requirement must be refused");
        assert!(error.contains(needle), "expected {needle:?} in: {error}");
    }
}

#[test]
fn the_backstage_lockfile_gives_every_package_a_sha512_integrity() {
    let lock = validators::script("backstage/package-lock.json");
    let text = std::fs::read_to_string(&lock).expect("the lockfile");
    let mut json: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let entries = json["packages"].as_object().expect("packages").len();
    assert_eq!(pins::check_npm_lockfile(&lock), Ok(entries - 1), "every package but the root one");
    json["packages"]["node_modules/yaml"].as_object_mut().expect("yaml is locked").remove("integrity");
    let temp = tree(&[("package-lock.json", &json.to_string())]);
    let error = pins::check_npm_lockfile(&temp.path().join("package-lock.json")).expect_err("no integrity");
    assert!(error.contains("node_modules/yaml has no sha512 integrity"), "{error}");
}
