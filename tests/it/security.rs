//! The trust boundaries of the README's security model, tried as an attacker would: a workload
//! file cannot reach another workload's resources, read the seed or the machine, or make Stave
//! lose or leak data. (The invalid fixtures cover the refusals with their messages.)

use crate::common;

use std::path::Path;

use common::{stave, transcript};
use serde_json::Value as Json;

fn documents(text: &[u8]) -> Vec<Json> {
    serde_saphyr::from_multiple::<Json>(std::str::from_utf8(text).unwrap())
        .unwrap()
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

const SHOP: &str = "apiVersion: score.dev/v1b1
metadata: {name: shop}
containers:
  web:
    image: example/shop:1
    variables: {DB_PASSWORD: '${resources.db.password}'}
resources:
  db: {type: postgres}
";

/// The Secret a workload's `DB_PASSWORD` reads.
fn password_secret(objects: &[Json], workload: &str) -> String {
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == workload).unwrap();
    let env = deployment["spec"]["template"]["spec"]["containers"][0]["env"].as_array().unwrap();
    let password = env.iter().find(|v| v["name"] == "DB_PASSWORD").unwrap();
    password["valueFrom"]["secretKeyRef"]["name"].as_str().unwrap().to_string()
}

/// `id: shop.db` (or any class) in another workload is a shared resource of its own, never
/// shop's private database; generated names carry 48 bits of the UID's hash.
#[test]
fn no_id_or_class_names_another_workloads_private_resource() {
    let dir = crate::common::tempdir().unwrap();
    write(dir.path(), "shop.yaml", SHOP);
    for (name, db) in [
        ("evil", "{type: postgres, id: shop.db}"),
        ("evil", "{type: postgres, class: default, id: shop.db}"),
        ("evil", "{type: postgres, class: cgvndn, id: shop-db}"),
    ] {
        let evil = SHOP.replace("name: shop", &format!("name: {name}")).replace("{type: postgres}", db);
        write(dir.path(), "evil.yaml", &evil);
        let output = stave(dir.path(), &["compile", "shop.yaml", "evil.yaml"], None);
        assert_eq!(output.status.code(), Some(0), "{db}:\n{}", transcript(&output));
        let objects = documents(&output.stdout);
        let (shop, evil) = (password_secret(&objects, "shop"), password_secret(&objects, name));
        assert_ne!(shop, evil, "{db}: the attacker reads shop's Secret");
        let suffix = shop.rsplit('-').next().unwrap();
        assert!(suffix.len() == 12 && suffix.chars().all(|c| c.is_ascii_hexdigit()), "{shop}");
        let policy = objects.iter().find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == shop).unwrap();
        assert!(!policy.to_string().contains(&format!("\"{name}\"")), "{db}: shop's database admits the attacker");
    }
}

/// A FIFO would hang the compile and a device never ends: both are refused at once; so are
/// `.git/config` and a link to a dotfile. `--allow-dotfile-sources` lets dotfiles through, never
/// the seed.
#[test]
fn file_sources_are_refused_when_a_workload_may_not_read_them() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    write(dir.path(), ".git/config", "[credential]\n");
    std::fs::create_dir_all(dir.path().join(".stave")).unwrap();
    write(dir.path(), ".stave/seed", "not a real seed\n");
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    std::os::unix::fs::symlink(dir.path().join(".git/config"), dir.path().join("innocent.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path().join(".stave/seed"), dir.path().join("seed.txt")).unwrap();
    let workload = |source: &str| {
        format!(
            "apiVersion: score.dev/v1b1\nmetadata: {{name: web}}\ncontainers:\n  main:\n    image: nginx:1.27\n    files:\n      /etc/x: {{source: {source}}}\n"
        )
    };
    for (source, flags, refused) in [
        ("pipe", &[][..], "not a regular file"),
        ("/dev/zero", &["--allow-outside-sources"][..], "not a regular file"),
        (".git/config", &[][..], "dot-directory (`.git`)"),
        ("innocent.txt", &[][..], "dot-directory (`.git`)"),
        (".stave/seed", &["--allow-dotfile-sources"][..], "holds the seed"),
        ("seed.txt", &["--allow-dotfile-sources"][..], "holds the seed"),
    ] {
        write(dir.path(), "workload.yaml", &workload(source));
        let started = std::time::Instant::now();
        let mut args = vec!["check"];
        args.extend(flags);
        let output = stave(dir.path(), &args, None);
        let text = transcript(&output);
        assert!(started.elapsed().as_secs() < 10, "{source}: the compile hung");
        assert_eq!(output.status.code(), Some(1), "{source}:\n{text}");
        assert!(text.contains("stave::spec::file-source-refused") && text.contains(refused), "{source}:\n{text}");
    }
    write(dir.path(), "workload.yaml", &workload(".git/config"));
    let allowed = stave(dir.path(), &["check", "--allow-dotfile-sources"], None);
    assert_eq!(allowed.status.code(), Some(0), "{}", transcript(&allowed));
}

fn visible(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.starts_with(".stave-"))
        .collect();
    names.sort();
    names
}

/// `-o DIR` replaces only what Stave wrote: a workload's own directory, or hand-written
/// manifests, are refused and kept; `-o .` works; a killed run's staging directory is cleaned
/// up; concurrent compiles into one directory all succeed and leave no lock; Secrets are mode 0600 whatever the
/// umask; `--emit resources -o` does not overwrite a file it did not write.
#[test]
fn output_directories_lose_nothing() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("svc")).unwrap();
    write(&dir.path().join("svc"), "score.yaml", SHOP);
    let into_own = stave(dir.path(), &["compile", "svc/score.yaml", "-o", "svc"], None);
    assert_eq!(into_own.status.code(), Some(2), "{}", transcript(&into_own));
    assert_eq!(std::fs::read_to_string(dir.path().join("svc/score.yaml")).unwrap(), SHOP, "the workload file is kept");
    write(dir.path(), "workload.yaml", SHOP);
    std::fs::create_dir_all(dir.path().join("here")).unwrap();
    write(&dir.path().join("here"), "workload.yaml", SHOP);
    let dot = stave(&dir.path().join("here"), &["compile", "-o", "."], None);
    assert_eq!(dot.status.code(), Some(2), "`-o .` holds the workload file: {}", transcript(&dot));
    std::fs::create_dir_all(dir.path().join("empty")).unwrap();
    let into_dot = stave(&dir.path().join("empty"), &["compile", "../workload.yaml", "-o", "."], None);
    assert_eq!(into_dot.status.code(), Some(0), "{}", transcript(&into_dot));
    assert!(visible(&dir.path().join("empty")).iter().any(|n| n.ends_with("-deployment-shop.yaml")));
    // A run killed mid-write left a staging directory full of Secrets: the next run removes it.
    std::fs::create_dir_all(dir.path().join("empty/.stave-staging-killed")).unwrap();
    write(&dir.path().join("empty/.stave-staging-killed"), "002-secret-x.yaml", "kind: Secret\n");
    assert_eq!(
        stave(&dir.path().join("empty"), &["compile", "../workload.yaml", "-o", "."], None).status.code(),
        Some(0)
    );
    assert!(!dir.path().join("empty/.stave-staging-killed").exists());
    // Twelve compiles into one directory at once: each succeeds, the directory ends whole.
    let runs: Vec<_> = (0..12)
        .map(|_| {
            let cwd = dir.path().to_path_buf();
            std::thread::spawn(move || stave(&cwd, &["compile", "-o", "shared/"], None))
        })
        .collect();
    for run in runs {
        let output = run.join().unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    }
    assert!(!dir.path().join("shared/.stave-lock").exists(), "the lock is not left behind");
    let one = stave(dir.path(), &["compile"], None);
    let joined: Vec<u8> = visible(&dir.path().join("shared"))
        .iter()
        .flat_map(|n| std::fs::read(dir.path().join("shared").join(n)).unwrap())
        .collect();
    assert_eq!(joined, one.stdout);
    // Secret manifests are readable by their owner only, even with umask 000.
    assert!(common::compile_with_open_umask(dir.path(), "-o open/"));
    for name in visible(&dir.path().join("open")) {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("open").join(&name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, if name.contains("-secret-") { 0o600 } else { 0o644 }, "{name}");
    }
    std::fs::create_dir_all(dir.path().join("view")).unwrap();
    write(&dir.path().join("view"), "resources.yaml", "mine\n");
    let view = stave(dir.path(), &["compile", "--emit", "resources", "-o", "view"], None);
    assert_eq!(view.status.code(), Some(2), "{}", transcript(&view));
    assert_eq!(std::fs::read_to_string(dir.path().join("view/resources.yaml")).unwrap(), "mine\n");
}

/// A platform template that interpolates a workload's param without `| tojson` cannot be made to
/// emit other objects: object templates escape every value as a JSON scalar.
#[test]
fn params_cannot_inject_objects_through_a_template() {
    let dir = crate::common::tempdir().unwrap();
    write(
        dir.path(),
        "stave.yaml",
        "environments:\n  dev:\n    target: kubernetes\n    kubernetes: {namespace: shop}\n    provisioners: [queues.yaml]\n",
    );
    write(
        dir.path(),
        "queues.yaml",
        "provisioners:\n  - name: queues\n    type: queue\n    targets: [kubernetes]\n    params: {type: object, properties: {region: {type: string}}}\n    outputs: {region: \"{{ resource.params.region }}\"}\n    objects: |\n      - apiVersion: v1\n        kind: ConfigMap\n        metadata: {name: {{ resource.name }}}\n        data: {region: {{ resource.params.region }}}\n",
    );
    let injected = "eu\\n- apiVersion: rbac.authorization.k8s.io/v1\\n  kind: ClusterRoleBinding\\n  metadata: {name: pwned}\\n  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\\n  subjects: [{kind: ServiceAccount, name: default, namespace: shop}]";
    write(
        dir.path(),
        "workload.yaml",
        &format!(
            "apiVersion: score.dev/v1b1\nmetadata: {{name: web}}\ncontainers:\n  main:\n    image: nginx:1.27\n    variables: {{REGION: '${{resources.queue.region}}'}}\nresources:\n  queue:\n    type: queue\n    params: {{region: \"{injected}\"}}\n"
        ),
    );
    let output = stave(dir.path(), &["compile"], None);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let objects = documents(&output.stdout);
    let kinds: Vec<&str> = objects.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert!(!kinds.contains(&"ClusterRoleBinding"), "{kinds:?}");
    let config = objects.iter().find(|o| o["kind"] == "ConfigMap").unwrap();
    assert!(config["data"]["region"].as_str().unwrap().contains("ClusterRoleBinding"), "the param stays one string");
}

/// A message never shows a generated value: a template that renders broken YAML around one
/// shows what it is, not the value (nor the marker's private-use characters).
#[test]
fn messages_never_show_generated_values() {
    let dir = crate::common::tempdir().unwrap();
    write(dir.path(), "stave.yaml", "environments:\n  dev:\n    target: kubernetes\n    provisioners: [broken.yaml]\n");
    write(
        dir.path(),
        "broken.yaml",
        "provisioners:\n  - name: broken\n    type: queue\n    targets: [kubernetes]\n    outputs: {url: u}\n    objects: |\n      - {apiVersion: v1, kind: Secret, metadata: {name: x}, stringData: {token: {{ generate(\"token\") }}} ]\n",
    );
    write(
        dir.path(),
        "workload.yaml",
        "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main:\n    image: nginx:1.27\nresources:\n  queue: {type: queue}\n",
    );
    let seed = stave::provision::seed::Seed::from_text(common::FIXTURE_SEED);
    let value = stave::provision::seed::derive(&seed.key("queue.default#web.queue"), "token", 32);
    for format in ["human", "json"] {
        let output = stave(dir.path(), &["check", "--provision", "--diagnostics", format], None);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("stave::provision::failed"), "{stderr}");
        assert!(!stderr.contains(&value) && !stderr.contains(['\u{E000}', '\u{E001}', '\u{E002}']), "{stderr}");
    }
}

/// One 1 MB metadata string read by 100 variables used to become 100 MB of manifests, chart or
/// module (and an 8 MiB file, terabytes): on every target it is refused at the placeholder that
/// crosses the platform's limit, quickly and with nothing written; the platform file sets the
/// limit.
#[test]
fn placeholders_cannot_multiply_a_workload_on_any_target() {
    let dir = crate::common::tempdir().unwrap();
    let variables: String = (0..100).map(|i| format!("      V{i:03}: ${{metadata.annotations.big}}\n")).collect();
    let workload = format!(
        "apiVersion: score.dev/v1b1\nmetadata:\n  name: big\n  annotations:\n    big: \"{}\"\ncontainers:\n  main:\n    image: nginx:1.27\n    variables:\n{variables}",
        "x".repeat(1_000_000)
    );
    write(dir.path(), "workload.yaml", &workload);
    for target in ["kubernetes", "helm", "terraform"] {
        let started = std::time::Instant::now();
        let out = format!("out-{target}/");
        let output = stave(dir.path(), &["compile", "--target", target, "-o", &out], None);
        let text = transcript(&output);
        assert_eq!(output.status.code(), Some(1), "{target}: {text}");
        // The ninth copy crosses the default 8 MiB: V008 is on line 18, its placeholder at column 13.
        assert!(text.contains("stave::limits::expansion-too-large"), "{target}: {text}");
        assert!(text.contains("workload.yaml:18:13"), "{target}: {text}");
        assert!(!dir.path().join(&out).exists(), "{target}: nothing is written");
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "{target}: {:?}", started.elapsed());
    }
    // The platform sets the limit: at 16 MiB the seventeenth copy (V016, line 26) crosses it.
    write(
        dir.path(),
        "stave.yaml",
        "environments:\n  local:\n    target: kubernetes\nlimits:\n  workloadExpansion: 16Mi\n",
    );
    let output = stave(dir.path(), &["check"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("more than 16 MiB in all") && text.contains("workload.yaml:26:13"), "{text}");
}

/// A value that one placeholder takes past `limits.valueSize` is refused at that placeholder,
/// whether it reads metadata or a resource output.
#[test]
fn one_value_cannot_outgrow_the_value_limit() {
    let dir = crate::common::tempdir().unwrap();
    write(
        dir.path(),
        "echo.provisioners.yaml",
        "provisioners:\n  - name: echo\n    type: echo\n    targets: [kubernetes]\n    outputs:\n      text: \"{{ resource.params.text }}\"\n",
    );
    write(
        dir.path(),
        "stave.yaml",
        "environments:\n  local:\n    target: kubernetes\n    provisioners: [echo.provisioners.yaml]\n",
    );
    let big = "y".repeat(600_000);
    write(
        dir.path(),
        "workload.yaml",
        &format!(
            "apiVersion: score.dev/v1b1\nmetadata: {{name: web}}\ncontainers:\n  main:\n    image: nginx:1.27\n    variables:\n      TWICE: \"${{resources.echo.text}}-${{resources.echo.text}}\"\nresources:\n  echo:\n    type: echo\n    params: {{text: \"{big}\"}}\n"
        ),
    );
    let output = stave(dir.path(), &["compile"], None);
    let text = transcript(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("stave::limits::value-too-large") && text.contains("workload.yaml:7:38"), "{text}");
    assert!(text.contains("1,200,001 bytes, over the limit of 1 MiB"), "{text}");
}
