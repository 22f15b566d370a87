//! The drift gate, `compile -o OUT --check`, on every target's layout: up to date is exit 0 with
//! nothing printed or written; a changed workload is exit 1 with a unified diff; a changed secret
//! shows that it changed and never its value; a missing output is all additions. Everything
//! under OUT is a pull request's to choose: the gate reads nothing through a link, a recompile
//! writes and deletes nothing outside OUT and nothing not provably Stave's, and a diff printed in
//! a GitHub Actions log holds no workflow command.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{copy_fixture, root, stave_with_env, transcript};

const SEED: &str = "drift seed one";

fn run(dir: &Path, args: &[&str], seed: &str) -> std::process::Output {
    stave_with_env(dir, args, None, &[("STAVE_SEED", Some(seed)), ("GITHUB_ACTIONS", None)])
}

/// Every file under `dir` with its bytes, to prove that `--check` wrote nothing.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.display().to_string(), std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Compiles, then checks: unchanged, then after a change to the platform file.
fn gate(out: &str, extra: &[&str]) {
    let (_temp, dir) = copy_fixture(&root().join("fixtures/valid/environments"));
    let mut args = vec!["compile", "api.yaml", "worker.yaml", "-o", out];
    args.extend(extra);
    let written = run(&dir, &args, SEED);
    assert_eq!(written.status.code(), Some(0), "{out}: {}", transcript(&written));
    let before = snapshot(&dir);
    let mut checking = args.clone();
    checking.push("--check");
    let same = run(&dir, &checking, SEED);
    assert_eq!(same.status.code(), Some(0), "{out} {extra:?} unchanged: {}", transcript(&same));
    assert!(same.stdout.is_empty(), "{out}: no diff when up to date");
    assert!(String::from_utf8_lossy(&same.stderr).contains("up to date"));
    let platform = std::fs::read_to_string(dir.join("stave.yaml")).unwrap();
    std::fs::write(dir.join("stave.yaml"), platform.replace("LOG_LEVEL: debug", "LOG_LEVEL: trace")).unwrap();
    let before = BTreeMap::from_iter(before.into_iter().filter(|(k, _)| !k.ends_with("stave.yaml")));
    let changed = run(&dir, &checking, SEED);
    assert_eq!(changed.status.code(), Some(1), "{out} {extra:?} changed: {}", transcript(&changed));
    let diff = String::from_utf8_lossy(&changed.stdout);
    assert!(diff.contains("--- a/") && diff.contains("+++ b/") && diff.contains("trace"), "{out}: {diff}");
    assert!(String::from_utf8_lossy(&changed.stderr).contains("would change"));
    let after = BTreeMap::from_iter(snapshot(&dir).into_iter().filter(|(k, _)| !k.ends_with("stave.yaml")));
    assert_eq!(before, after, "{out}: --check wrote nothing");
}

#[test]
fn every_layout_is_gated() {
    gate("manifests.yaml", &["--env", "dev"]);
    gate("manifests/", &["--env", "dev"]);
    gate("all-environments/", &[]);
    gate("chart/", &["--env", "dev", "--target", "helm"]);
    gate("module/", &["--env", "dev", "--target", "terraform"]);
}

#[test]
fn a_changed_secret_shows_as_changed_never_as_its_value() {
    let (_temp, dir) = copy_fixture(&root().join("fixtures/valid/environments"));
    let args = ["compile", "api.yaml", "worker.yaml", "--env", "dev", "-o", "out/"];
    assert_eq!(run(&dir, &args, SEED).status.code(), Some(0));
    // What the new seed's Secrets hold, from a compile to standard output.
    let fresh = run(&dir, &["compile", "api.yaml", "worker.yaml", "--env", "dev"], "drift seed two");
    let objects: Vec<serde_json::Value> = serde_saphyr::from_multiple(&String::from_utf8_lossy(&fresh.stdout)).unwrap();
    let values: Vec<String> = objects
        .iter()
        .filter(|o| o["kind"] == "Secret")
        .flat_map(|o| o["stringData"].as_object().into_iter().flatten().map(|(_, v)| v.as_str().unwrap().to_string()))
        .collect();
    assert!(!values.is_empty());
    let mut checking = args.to_vec();
    checking.push("--check");
    let changed = run(&dir, &checking, "drift seed two");
    assert_eq!(changed.status.code(), Some(1), "{}", transcript(&changed));
    let diff = String::from_utf8_lossy(&changed.stdout);
    assert!(diff.contains("-  password: <secret sha256:") && diff.contains("+  password: <secret sha256:"), "{diff}");
    for value in &values {
        assert!(!diff.contains(value.as_str()), "the diff shows a secret value");
    }
    let old = std::fs::read_to_string(
        dir.join("out").join(
            std::fs::read_dir(dir.join("out"))
                .unwrap()
                .flatten()
                .map(|e| e.file_name().into_string().unwrap())
                .find(|n| n.contains("secret-api-db"))
                .unwrap(),
        ),
    )
    .unwrap();
    let old_value = old.lines().find_map(|l| l.trim().strip_prefix("password: ")).unwrap();
    assert!(!diff.contains(old_value), "the diff shows the old secret value");
}

#[test]
fn a_missing_output_is_all_additions_and_stdout_is_refused() {
    let (_temp, dir) = copy_fixture(&root().join("fixtures/valid/environments"));
    let missing = run(&dir, &["compile", "api.yaml", "worker.yaml", "--env", "dev", "-o", "nowhere/", "--check"], SEED);
    assert_eq!(missing.status.code(), Some(1), "{}", transcript(&missing));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("--- /dev/null"));
    assert!(!dir.join("nowhere").exists(), "--check creates nothing");
    let stdout = run(&dir, &["compile", "api.yaml", "worker.yaml", "--env", "dev", "--check"], SEED);
    assert_eq!(stdout.status.code(), Some(2), "{}", transcript(&stdout));
}

/// What a file outside the output holds: it must never show in what Stave prints.
const CANARY: &str = "CANARY-outside-the-output-never-printed";

/// Every layout `-o` has, with the flags that make it.
const LAYOUTS: [(&str, &[&str]); 5] = [
    ("one.yaml", &["--env", "dev"]),
    ("manifests/", &["--env", "dev"]),
    ("all/", &[]),
    ("chart/", &["--env", "dev", "--target", "helm"]),
    ("module/", &["--env", "dev", "--target", "terraform"]),
];

/// The fixture compiled into `out`, a canary file beside the fixture's copy; the temporary
/// directory, the copy, and the arguments of the compile.
fn compiled(out: &str, extra: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let (temp, dir) = copy_fixture(&root().join("fixtures/valid/environments"));
    std::fs::write(temp.path().join("canary.txt"), format!("{CANARY}\n")).unwrap();
    let mut args: Vec<String> = ["compile", "api.yaml", "worker.yaml", "-o", out].map(String::from).to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    let written = run(&dir, &strs(&args), SEED);
    assert_eq!(written.status.code(), Some(0), "{out}: {}", transcript(&written));
    (temp, dir, args)
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn with(args: &[String], more: &[&str]) -> Vec<String> {
    args.iter().cloned().chain(more.iter().map(|a| a.to_string())).collect()
}

/// The paths `.stave-output` lists (whatever its format: a path is the line's last field).
fn listed(out: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(out.join(".stave-output")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.rsplit("  ").next().unwrap().to_string())
        .collect()
}

fn link(target: &Path, at: &Path) {
    let _ = std::fs::remove_file(at);
    std::os::unix::fs::symlink(target, at).unwrap();
}

/// Standard error with the human format's wrapping undone.
fn flat_stderr(output: &std::process::Output) -> String {
    let text = String::from_utf8_lossy(&output.stderr).replace('│', " ");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn printed(output: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

/// A pull request replaces a generated file with a link to a file outside (or to the CI job's
/// environment, where the seed is), on every layout, and lists another link in `.stave-output`:
/// `--check` reports both as drift and reads neither.
#[test]
fn the_gate_reads_nothing_through_a_link_on_any_layout() {
    for (out, extra) in LAYOUTS {
        let (temp, dir, args) = compiled(out, extra);
        let canary = temp.path().join("canary.txt");
        let target = dir.join(out);
        if out.ends_with('/') {
            let generated = listed(&target).into_iter().find(|p| p.ends_with(".yaml") || p.ends_with(".tf")).unwrap();
            link(&canary, &target.join(&generated));
            link(Path::new("/proc/self/environ"), &target.join("environ.yaml"));
            let mut list = std::fs::read_to_string(target.join(".stave-output")).unwrap();
            list.push_str("environ.yaml\n");
            std::fs::write(target.join(".stave-output"), list).unwrap();
        } else {
            link(&canary, &target);
        }
        let before = snapshot(temp.path());
        let checked = run(&dir, &strs(&with(&args, &["--check"])), SEED);
        assert_eq!(checked.status.code(), Some(1), "{out}: {}", transcript(&checked));
        let text = printed(&checked);
        assert!(!text.contains(CANARY), "{out}: the gate read through a link: {text}");
        assert!(!text.contains(SEED), "{out}: the gate printed the job's environment: {text}");
        assert!(text.contains("not a regular file (a symbolic link)"), "{out}: {text}");
        assert_eq!(before, snapshot(temp.path()), "{out}: --check wrote nothing");
    }
}

/// A folder inside the output replaced by a link to a folder outside: `--check` does not read
/// through it, and a compile neither writes nor replaces anything there (it refuses, exit 2,
/// and writes nothing at all).
#[test]
fn a_linked_folder_inside_the_output_is_neither_read_nor_written_through() {
    for (out, extra, folder) in
        [("chart/", &["--env", "dev", "--target", "helm"][..], "templates"), ("all/", &[][..], "dev")]
    {
        let (temp, dir, args) = compiled(out, extra);
        let inside = dir.join(out).join(folder);
        let elsewhere = temp.path().join("elsewhere");
        std::fs::rename(&inside, &elsewhere).unwrap();
        for entry in std::fs::read_dir(&elsewhere).unwrap() {
            std::fs::write(entry.unwrap().path(), format!("{CANARY}\n")).unwrap();
        }
        link(&elsewhere, &inside);
        let checked = run(&dir, &strs(&with(&args, &["--check"])), SEED);
        assert_eq!(checked.status.code(), Some(1), "{out}: {}", transcript(&checked));
        let text = printed(&checked);
        assert!(!text.contains(CANARY), "{out}: the gate read through a linked folder: {text}");
        assert!(text.contains(&format!("`{folder}` on the way is a symbolic link")), "{out}: {text}");
        let before = snapshot(temp.path());
        let written = run(&dir, &strs(&args), SEED);
        assert_eq!(written.status.code(), Some(2), "{out}: {}", transcript(&written));
        assert!(flat_stderr(&written).contains("never through a link"), "{}", transcript(&written));
        assert_eq!(before, snapshot(temp.path()), "{out}: nothing written, inside or outside");
    }
}

/// `.stave-output` edited by a pull request: a line through a link to a folder outside, a
/// user's file listed without a hash, another with a wrong one. A recompile deletes none of
/// them, says which it left, and stops listing them; files that provably are Stave's are still
/// deleted when the output no longer has them.
#[test]
fn a_recompile_deletes_only_what_provably_is_stave_s() {
    use sha2::Digest;
    let (temp, dir, args) = compiled("manifests/", &["--env", "dev"]);
    let out = dir.join("manifests");
    let victim = temp.path().join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("important.txt"), "keep me\n").unwrap();
    link(Path::new("../../victim"), &out.join("lnk"));
    std::fs::write(out.join("my-notes.txt"), "my notes\n").unwrap();
    std::fs::write(out.join("other-notes.txt"), "other notes\n").unwrap();
    let hash =
        |text: &str| sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>();
    let mut list = std::fs::read_to_string(out.join(".stave-output")).unwrap();
    list.push_str("lnk/important.txt\n");
    list.push_str(&format!("{}  lnk/important.txt\n", hash("keep me\n")));
    list.push_str("my-notes.txt\n");
    list.push_str(&format!("{}  other-notes.txt\n", hash("not these notes\n")));
    list.push_str("../victim/important.txt\n");
    std::fs::write(out.join(".stave-output"), list).unwrap();
    let written = run(&dir, &strs(&args), SEED);
    assert_eq!(written.status.code(), Some(0), "{}", transcript(&written));
    let important = std::fs::read_to_string(victim.join("important.txt")).ok();
    assert_eq!(important.as_deref(), Some("keep me\n"), "deleted outside the output");
    assert_eq!(std::fs::read_to_string(out.join("my-notes.txt")).unwrap(), "my notes\n");
    assert_eq!(std::fs::read_to_string(out.join("other-notes.txt")).unwrap(), "other notes\n");
    assert!(out.join("lnk").is_symlink());
    let stderr = String::from_utf8_lossy(&written.stderr);
    for kept in ["lnk/important.txt", "my-notes.txt", "other-notes.txt"] {
        assert!(stderr.contains(&format!("left `manifests/{kept}` in place")), "{kept}: {stderr}");
        assert!(!listed(&out).contains(&kept.to_string()), "{kept} is still listed");
    }
    assert!(stderr.contains("`../victim/important.txt` is not a path of an output file"), "{stderr}");
    let checked = run(&dir, &strs(&with(&args, &["--check"])), SEED);
    assert_eq!(checked.status.code(), Some(0), "consistent after the compile: {}", transcript(&checked));
    // Stave's own files of a workload no longer compiled are deleted.
    let api_only = ["compile", "api.yaml", "-o", "manifests/", "--env", "dev"];
    assert_eq!(run(&dir, &api_only, SEED).status.code(), Some(0));
    assert!(!std::fs::read_dir(&out).unwrap().flatten().any(|e| e.file_name().to_string_lossy().contains("worker")));
    assert!(out.join("my-notes.txt").is_file() && victim.join("important.txt").is_file());
}

/// A generated file that a pull request edited, or that an earlier Stave listed without a hash
/// and that differs from the new output, is not overwritten: the compile refuses, exit 2.
#[test]
fn a_recompile_overwrites_only_what_provably_is_stave_s() {
    let (_temp, dir, args) = compiled("manifests/", &["--env", "dev"]);
    let out = dir.join("manifests");
    let generated = listed(&out).into_iter().find(|p| p.contains("deployment-api")).unwrap();
    std::fs::write(out.join(&generated), "kind: Deployment # the user's own\n").unwrap();
    let refused = run(&dir, &strs(&args), SEED);
    assert_eq!(refused.status.code(), Some(2), "{}", transcript(&refused));
    assert!(flat_stderr(&refused).contains("nothing proves that Stave wrote it"), "{}", transcript(&refused));
    assert_eq!(std::fs::read_to_string(out.join(&generated)).unwrap(), "kind: Deployment # the user's own\n");
    // An earlier Stave's list (paths alone): the same content is adopted, other content refused.
    std::fs::remove_file(out.join(&generated)).unwrap();
    let legacy: String = listed(&out).iter().map(|p| format!("{p}\n")).collect();
    std::fs::write(out.join(".stave-output"), &legacy).unwrap();
    assert_eq!(run(&dir, &strs(&args), SEED).status.code(), Some(0), "unchanged files are adopted");
    assert!(
        std::fs::read_to_string(out.join(".stave-output"))
            .unwrap()
            .lines()
            .any(|l| l.len() > 66 && l.ends_with(&generated))
    );
    std::fs::write(out.join(".stave-output"), &legacy).unwrap();
    std::fs::write(out.join(&generated), "kind: Deployment # the user's own\n").unwrap();
    let refused = run(&dir, &strs(&args), SEED);
    assert_eq!(refused.status.code(), Some(2), "{}", transcript(&refused));
    assert!(flat_stderr(&refused).contains("without a hash"), "{}", transcript(&refused));
}

/// `-o one.yaml` that is a link (to a file Stave would otherwise overwrite: one that starts
/// with its header, or an empty one) is refused; the file it points to is kept.
#[test]
fn an_output_file_that_is_a_link_is_refused() {
    for victim_text in ["# Written by Stave: a recompile replaces this file; edit the workloads.\nvictim\n", ""] {
        let (temp, dir, args) = compiled("one.yaml", &["--env", "dev"]);
        let victim = temp.path().join("victim.yaml");
        std::fs::write(&victim, victim_text).unwrap();
        link(&victim, &dir.join("one.yaml"));
        let refused = run(&dir, &strs(&args), SEED);
        assert_eq!(refused.status.code(), Some(2), "{}", transcript(&refused));
        assert!(flat_stderr(&refused).contains("symbolic link"), "{}", transcript(&refused));
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), victim_text, "written through the link");
        assert!(dir.join("one.yaml").is_symlink());
    }
}

const WORKFLOW_COMMANDS: &str = r#"apiVersion: score.dev/v1b1
metadata:
  name: hello
containers:
  web:
    image: nginx:1.27
    files:
      /etc/app/notes.txt:
        content: |
          version: 1
          ::add-mask::sha256
          ::warning title=forged::a forged annotation
            ::stop-commands::pwned
          ##[add-mask]legacy
          end
"#;

/// The lines a CI runner would read, split where it splits them.
fn runner_lines(text: &str) -> Vec<&str> {
    text.split(['\r', '\n']).collect()
}

/// Lines of a workload's file content that read as GitHub workflow commands (`::add-mask::`,
/// `::stop-commands::`, the legacy `##[…]`) in the diff's context, and file names that hold
/// them: under `GITHUB_ACTIONS=true` and under `--diagnostics github`, no printed line but the
/// pause and resume pair of this run starts with `::`, and none holds `##[`.
#[test]
fn a_diff_in_a_github_log_holds_no_workflow_command() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), WORKFLOW_COMMANDS).unwrap();
    let written = run(dir.path(), &["compile", "-o", "out/"], SEED);
    assert_eq!(written.status.code(), Some(0), "{}", transcript(&written));
    std::fs::write(dir.path().join("workload.yaml"), WORKFLOW_COMMANDS.replace("version: 1", "version: 2")).unwrap();
    let mut list = std::fs::read_to_string(dir.path().join("out/.stave-output")).unwrap();
    for name in ["evil\r::warning::a forged name", "name##[add-mask]x"] {
        std::fs::write(dir.path().join("out").join(name), "listed by hand\n").unwrap();
        list.push_str(&format!("{name}\n"));
    }
    std::fs::write(dir.path().join("out/.stave-output"), list).unwrap();
    let mut tokens = Vec::new();
    for (args, actions) in [
        (&["compile", "-o", "out/", "--check"][..], Some("true")),
        (&["compile", "-o", "out/", "--check", "--diagnostics", "github"][..], None),
    ] {
        let env = [("STAVE_SEED", Some(SEED)), ("GITHUB_ACTIONS", actions)];
        let checked = stave_with_env(dir.path(), args, None, &env);
        assert_eq!(checked.status.code(), Some(1), "{}", transcript(&checked));
        let stdout = String::from_utf8_lossy(&checked.stdout);
        assert!(stdout.contains("+    version: 2"), "the diff is still a diff: {stdout}");
        let lines = runner_lines(&stdout);
        let token = lines[0].strip_prefix("::stop-commands::").unwrap_or_else(|| panic!("no pause first: {stdout}"));
        assert!(token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{token}");
        let resume = format!("::{token}::");
        let last = lines.iter().rev().find(|l| !l.is_empty()).unwrap();
        assert_eq!(*last, resume, "resumed at the end: {stdout}");
        let stderr = String::from_utf8_lossy(&checked.stderr);
        for line in runner_lines(&stdout)[1..].iter().chain(&runner_lines(&stderr)) {
            if *line == resume {
                continue;
            }
            assert!(!line.trim_start().starts_with("::"), "a workflow command: {line:?}\n{stdout}{stderr}");
            assert!(!line.contains("##["), "a legacy workflow command: {line:?}");
        }
        tokens.push(token.to_string());
    }
    assert_ne!(tokens[0], tokens[1], "a token of its own for each run");
    // Outside CI the diff is as it was.
    let plain = run(dir.path(), &["compile", "-o", "out/", "--check"], SEED);
    assert!(String::from_utf8_lossy(&plain.stdout).starts_with("--- a/out/"), "{}", transcript(&plain));
    assert!(String::from_utf8_lossy(&plain.stdout).contains("\n     ::add-mask::sha256\n"));
}

/// The writers' fuzzing harness (`stave::cli::fuzz_writers`, also the cargo-fuzz target
/// `writers`), run on cases drawn from a fixed seed: a hostile tree, then the gate and a compile,
/// every invariant asserted. `STAVE_FUZZ_CASES` sets how many (default 400, a few seconds).
#[test]
fn the_writers_hold_their_invariants_on_hostile_trees() {
    crate::common::use_ram_for_temporary_files();
    let cases: u64 = std::env::var("STAVE_FUZZ_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400);
    // splitmix64: deterministic, so a failing case is found again by its number.
    let mut state: u64 = 0x05EE_D0F5_7A7E;
    let mut next = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    for case in 0..cases {
        let len = (next() % 96) as usize;
        let data: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let outcome = std::panic::catch_unwind(|| stave::cli::fuzz_writers::run(&data));
        assert!(outcome.is_ok(), "case {case} failed; its bytes: {data:?}");
    }
}

/// In a GitHub Actions log, diagnostics and notes printed for people carry no workflow command
/// either: a field name of the workload holding `::warning::…` on a line of its own and a
/// legacy `##[error]` is shown neutralised (the machine formats are commands by design).
#[test]
fn diagnostics_for_people_in_a_github_log_hold_no_workflow_command() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(
        dir.path().join("workload.yaml"),
        "apiVersion: score.dev/v1b1\nmetadata: {name: web}\ncontainers:\n  main:\n    image: nginx:1.27\n    \"x\\n::warning::forged\\n##[error]forged\": 1\n",
    )
    .unwrap();
    let output = stave_with_env(dir.path(), &["check"], None, &[("GITHUB_ACTIONS", Some("true"))]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("stave::spec::unknown-field") && stderr.contains("forged"), "{stderr}");
    for line in stderr.lines() {
        let trimmed = line.trim_start();
        assert!(!trimmed.starts_with("::") && !line.contains("##["), "a workflow command: {line:?}");
    }
}
