//! The trust boundaries of the README's security model, tried as an attacker would: a workload
//! file cannot reach another workload's resources, read the seed or the machine, or make Stave
//! lose or leak data. (The invalid fixtures cover the refusals with their messages.)

mod common;

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
    let dir = tempfile::tempdir().unwrap();
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
    let dir = tempfile::tempdir().unwrap();
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
