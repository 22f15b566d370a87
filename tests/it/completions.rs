//! Shells and editors: `stave completions SHELL` (each shell's script names every subcommand;
//! bash's is loaded into a real bash and asked to complete), `stave man` (each page renders in
//! groff without a warning), wrong usage exits 2 (snapshots), and `.pre-commit-hooks.yaml`
//! (pre-commit's own manifest check, then a real `pre-commit run` in a scratch repository). The
//! scripts themselves are not snapshots: they follow every flag, and the checks here say what
//! matters about them.

use crate::common;

use std::process::{Command, Output};

use common::{root, stave, transcript, validators};

const SUBCOMMANDS: &[&str] =
    &["check", "compile", "graph", "provisioners", "explain", "schema", "init", "catalog", "completions", "man"];

fn success(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", transcript(output));
    assert!(output.stderr.is_empty(), "{}", transcript(output));
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let dir = crate::common::tempdir().unwrap();
    for (shell, marker) in [
        ("bash", "complete -F _stave"),
        ("zsh", "#compdef stave"),
        ("fish", "complete -c stave"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let script = success(&stave(dir.path(), &["completions", shell], None));
        assert!(script.contains(marker), "{shell}: no `{marker}`");
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: `{sub}` is not completed");
        }
    }
}

/// Asks bash's completion function what follows `words` (the last one being completed).
fn complete_in_bash(script: &str, words: &[&str]) -> Vec<String> {
    complete_in_bash_in(script, words, std::path::Path::new("."))
}

/// [`complete_in_bash`] in the directory `cwd`, with this build's `stave` first on `PATH`.
fn complete_in_bash_in(script: &str, words: &[&str], cwd: &std::path::Path) -> Vec<String> {
    let line = words.join(" ");
    let program = format!(
        "{script}\nCOMP_WORDS=({line}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
         _stave stave '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let binaries = std::path::Path::new(env!("CARGO_BIN_EXE_stave")).parent().expect("the binary's directory");
    let path = std::env::join_paths(
        std::iter::once(binaries.to_path_buf())
            .chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())),
    )
    .expect("PATH");
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .current_dir(cwd)
        .env("PATH", path)
        .output()
        .expect("bash runs the completion script (it is the one shell these tests need; install it to run them)");
    assert!(output.status.success(), "bash failed:\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_subcommands_flags_and_values() {
    let dir = crate::common::tempdir().unwrap();
    let script = success(&stave(dir.path(), &["completions", "bash"], None));
    let syntax = Command::new("bash").args(["-n", "-c", &script]).output().expect("bash");
    assert!(syntax.status.success(), "bash -n: {}", String::from_utf8_lossy(&syntax.stderr));
    assert_eq!(complete_in_bash(&script, &["stave", "ca"]), ["catalog"]);
    assert!(complete_in_bash(&script, &["stave", "init", "--no"]).contains(&"--no-sample".to_string()));
    let shells = complete_in_bash(&script, &["stave", "completions", ""]);
    for shell in ["bash", "zsh", "fish", "powershell"] {
        assert!(shells.contains(&shell.to_string()), "{shells:?}");
    }
    let targets = complete_in_bash(&script, &["stave", "compile", "--target", ""]);
    let builtins: Vec<&str> = stave::builtins::Target::ALL.iter().map(|t| t.name()).collect();
    assert_eq!(targets, builtins);
}

/// `--env` completes with the environments of the platform file `stave` would use (or of
/// `--platform FILE` on the line), not with file names; an unreadable platform file offers none.
#[test]
fn bash_completes_env_with_the_environment_names() {
    let dir = crate::common::tempdir().unwrap();
    let script = success(&stave(dir.path(), &["completions", "bash"], None));
    std::fs::copy(root().join("fixtures/valid/init/stave.yaml"), dir.path().join("stave.yaml")).unwrap();
    std::fs::write(dir.path().join("devices.txt"), "a file whose name completes `d`").unwrap();
    let other = "environments:\n  staging: {target: kubernetes}\n  stable: {target: helm}\n";
    std::fs::write(dir.path().join("other.yaml"), other).unwrap();
    assert_eq!(complete_in_bash_in(&script, &["stave", "compile", "--env", ""], dir.path()), ["dev", "prod"]);
    assert_eq!(complete_in_bash_in(&script, &["stave", "check", "--env", "d"], dir.path()), ["dev"]);
    let words = ["stave", "compile", "--platform", "other.yaml", "--env", "st"];
    assert_eq!(complete_in_bash_in(&script, &words, dir.path()), ["stable", "staging"]);
    let words = ["stave", "compile", "--platform", "=", "other.yaml", "--env", ""];
    assert_eq!(complete_in_bash_in(&script, &words, dir.path()), ["stable", "staging"]);
    std::fs::write(dir.path().join("stave.yaml"), "environments: [broken\n").unwrap();
    let none = complete_in_bash_in(&script, &["stave", "compile", "--env", ""], dir.path());
    assert!(none.iter().all(String::is_empty), "{none:?}");
    let names = success(&stave(dir.path(), &["completions", "environments", "--platform", "other.yaml"], None));
    assert_eq!(names, "stable\nstaging\n");
}

/// groff's warnings (`-ww`) about a page read as `man` reads it (`-k`: UTF-8 input), the output
/// thrown away (`-z`).
fn groff_warnings(page: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("groff")
        .args(["-k", "-man", "-Tutf8", "-ww", "-z"])
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("groff renders the man pages (install groff to run this test)");
    child.stdin.take().unwrap().write_all(page.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "groff failed");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn man_pages_render_for_stave_and_each_subcommand() {
    let dir = crate::common::tempdir().unwrap();
    let page = success(&stave(dir.path(), &["man"], None));
    assert!(page.contains(".TH stave 1"), "{page}");
    for sub in SUBCOMMANDS {
        assert!(page.contains(&format!("stave\\-{}", sub.replace('-', "\\-"))), "stave(1) lacks `{sub}`");
    }
    assert_eq!(groff_warnings(&page), "", "stave(1)");
    for sub in SUBCOMMANDS {
        let page = success(&stave(dir.path(), &["man", sub], None));
        assert!(
            page.contains(&format!(".TH stave\\-{sub} 1")) || page.contains(&format!(".TH stave-{sub} 1")),
            "{page}"
        );
        assert_eq!(groff_warnings(&page), "", "stave-{sub}(1)");
    }
}

#[test]
fn wrong_usage_exits_2() {
    let dir = crate::common::tempdir().unwrap();
    for (name, args) in [
        ("unknown_shell", &["completions", "tcsh"][..]),
        ("no_shell", &["completions"][..]),
        ("unknown_man_page", &["man", "chek"][..]),
    ] {
        let output = stave(dir.path(), args, None);
        let text = transcript(&output);
        assert_eq!(output.status.code(), Some(2), "{name}:\n{text}");
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn the_pre_commit_manifest_is_valid() {
    let checked = validators::precommit::try_validate_manifest(&root().join(".pre-commit-hooks.yaml"));
    checked.unwrap_or_else(|problems| panic!("{problems}"));
    let temp = crate::common::tempdir().unwrap();
    let bad = temp.path().join("hooks.yaml");
    std::fs::write(&bad, "- id: stave-check\n  name: stave check\n  language: rust\n").unwrap();
    let problems = validators::precommit::try_validate_manifest(&bad).expect_err("a hook without `entry` passed");
    assert!(problems.contains("Missing required key: entry"), "{problems}");
}

fn git(dir: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Stave Tests", "-c", "user.email=tests@stave.invalid", "-c", "init.defaultBranch=main"])
        .args(["-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs (pre-commit needs it)");
    assert!(output.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// A project made by `stave init` uses the hook (`stave-check-system`, the `stave` under test on
/// PATH): a broken `*.score.yaml` fails the commit with every mistake at its line (a placeholder
/// of no resource, a type nothing serves, an output a resource does not have, a link to a
/// workload that does not exist), a YAML file that is not a workload is not read, and once the
/// workload is fixed the hook passes.
#[test]
fn the_pre_commit_hook_checks_the_workload_files_of_a_commit() {
    let temp = crate::common::tempdir().unwrap();
    let hooks = temp.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    std::fs::copy(root().join(".pre-commit-hooks.yaml"), hooks.join(".pre-commit-hooks.yaml")).unwrap();
    git(&hooks, &["init", "--quiet"]);
    git(&hooks, &["add", "."]);
    git(&hooks, &["commit", "--quiet", "-m", "hooks"]);
    let rev = git(&hooks, &["rev-parse", "HEAD"]);

    let project = temp.path().join("project");
    std::fs::create_dir(&project).unwrap();
    git(&project, &["init", "--quiet"]);
    assert_eq!(stave(&project, &["init"], None).status.code(), Some(0));
    let config =
        format!("repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: stave-check-system\n", hooks.display());
    std::fs::write(project.join(".pre-commit-config.yaml"), config).unwrap();
    std::fs::create_dir(project.join("api")).unwrap();
    let broken = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: example/api:1\n    \
        variables:\n      DB: ${resources.dbb.host}\n      CACHE: ${resources.cache.prot}\nresources:\n  db:\n    \
        type: postgress\n  cache:\n    type: redis\n  peer:\n    type: service-port\n    params: {workload: apii, port: web}\n";
    std::fs::write(project.join("api/api.score.yaml"), broken).unwrap();
    std::fs::write(project.join("notes.yaml"), "not: a workload\n").unwrap();
    git(&project, &["add", "."]);

    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_stave")).parent().unwrap().to_path_buf();
    let path =
        std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())))
            .unwrap();
    let run = |home: &std::path::Path| {
        validators::precommit::pre_commit(home)
            .args(["run", "--all-files", "--color", "never"])
            .current_dir(&project)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .expect("run pre-commit")
    };
    let home = temp.path().join("pre-commit-home");
    let failed = run(&home);
    let text = String::from_utf8_lossy(&failed.stdout).into_owned() + &String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "{text}");
    let needles = [
        "stave check (stave on PATH)",
        "Failed",
        "stave::spec::unknown-resource",
        "api/api.score.yaml:8:",
        "stave::provision::no-provisioner",
        "api/api.score.yaml:11:",
        "stave::provision::missing-output",
        "api/api.score.yaml:9:",
        "stave::graph::unknown-workload",
        "api/api.score.yaml:17:",
    ];
    for needle in needles {
        assert!(text.contains(needle), "expected {needle:?} in:\n{text}");
    }
    assert!(!text.contains("notes.yaml"), "a YAML file that is no workload was passed:\n{text}");

    let fixed = "apiVersion: score.dev/v1b1\nmetadata:\n  name: api\ncontainers:\n  main:\n    image: example/api:1\n";
    std::fs::write(project.join("api/api.score.yaml"), fixed).unwrap();
    let passed = run(&home);
    let text = String::from_utf8_lossy(&passed.stdout).into_owned() + &String::from_utf8_lossy(&passed.stderr);
    assert_eq!(passed.status.code(), Some(0), "{text}");
    assert!(text.contains("Passed"), "{text}");
}
