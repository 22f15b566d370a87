//! Output does not depend on the number of threads: provisioning renders objects, and the
//! Kubernetes target lowers workloads and serializes objects, in parallel (rayon), and every
//! target's files must be byte-identical with one thread, two and eight. Nor on the spool's
//! budget: with every blob in memory, some on disk, or all of them on disk.

use crate::common;

use std::path::Path;

use common::{copy_dir, root, stave_with_env};

/// Every file under `dir`, by relative path, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).expect("inside").display().to_string();
                files.push((name, std::fs::read(&path).expect("read")));
            }
        }
    }
    files.sort();
    files
}

/// `stave ARGS` with `threads` threads: standard output, or the tree written with `-o out`.
fn compile(cwd: &Path, args: &[&str], threads: &str) -> Vec<(String, Vec<u8>)> {
    compile_with(cwd, args, threads, None)
}

/// The same, with the spool's budget set to `spool` bytes.
fn compile_with(cwd: &Path, args: &[&str], threads: &str, spool: Option<&str>) -> Vec<(String, Vec<u8>)> {
    let out = cwd.join("out");
    let _ = std::fs::remove_dir_all(&out);
    let env = [("STAVE_SEED", Some("threads")), ("RAYON_NUM_THREADS", Some(threads)), ("STAVE_SPOOL_MEMORY", spool)];
    let output = stave_with_env(cwd, args, None, &env);
    assert!(output.status.success(), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    if args.contains(&"-o") { tree(&out) } else { vec![("stdout".into(), output.stdout)] }
}

/// Enough workloads that work is split between eight threads and their objects outgrow a 64 KiB
/// spool budget, each with its own database, cache and route.
fn workloads(dir: &Path) {
    for i in 0..12 {
        let text = format!(
            "apiVersion: score.dev/v1b1\nmetadata:\n  name: w{i}\nservice:\n  ports:\n    web: {{port: 80, targetPort: 8080}}\ncontainers:\n  main:\n    image: nginx:1.27\n    variables:\n      DB: postgres://${{resources.db.username}}:${{resources.db.password}}@${{resources.db.host}}\n      CACHE: ${{resources.cache.host}}\nresources:\n  db: {{type: postgres}}\n  cache: {{type: redis}}\n  route: {{type: route, params: {{host: w{i}.example.com, path: /, port: web}}}}\n  bucket: {{type: s3}}\n"
        );
        std::fs::write(dir.join(format!("w{i}.score.yaml")), text).expect("write");
    }
}

#[test]
fn output_is_the_same_with_any_number_of_threads() {
    let dir = crate::common::tempdir().expect("temp dir");
    workloads(dir.path());
    for args in [
        vec!["compile", "."],
        vec!["compile", ".", "--target", "helm", "-o", "out"],
        vec!["compile", ".", "--target", "terraform", "-o", "out"],
    ] {
        let one = compile(dir.path(), &args, "1");
        for threads in ["2", "8"] {
            assert!(one == compile(dir.path(), &args, threads), "{args:?} differs with {threads} threads");
        }
    }
    let fixture = crate::common::tempdir().expect("temp dir");
    copy_dir(&root().join("fixtures/valid/environments"), fixture.path());
    for target in stave::builtins::Target::ALL.map(|t| t.name()) {
        let args = ["compile", "api.yaml", "worker.yaml", "--target", target, "-o", "out"];
        let one = compile(fixture.path(), &args, "1");
        assert!(one == compile(fixture.path(), &args, "2"), "the environments fixture differs for {target}");
    }
}

#[test]
fn output_is_the_same_whatever_the_spool_keeps_in_memory() {
    let dir = crate::common::tempdir().expect("temp dir");
    workloads(dir.path());
    for args in [
        vec!["compile", "."],
        vec!["compile", ".", "-o", "out/"],
        vec!["compile", ".", "--target", "helm", "-o", "out"],
        vec!["compile", ".", "--target", "terraform", "-o", "out"],
    ] {
        let in_memory = compile_with(dir.path(), &args, "2", Some("1000000000"));
        // 64 KiB keeps the first objects in memory and spools the rest; 0 spools every one.
        for budget in ["65536", "0"] {
            let spooled = compile_with(dir.path(), &args, "2", Some(budget));
            assert!(in_memory == spooled, "{args:?} differs with a spool budget of {budget} bytes");
        }
    }
}
