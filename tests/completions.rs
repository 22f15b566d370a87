//! `stave completions SHELL` and `stave man`: each shell's script names every subcommand (bash's
//! is loaded into a real bash and asked to complete), each man page renders in groff without a
//! warning, and wrong usage exits 2 (snapshots). The scripts themselves are not snapshots: they
//! follow every flag, and the checks here say what matters about them.

mod common;

use std::process::{Command, Output};

use common::{stave, transcript};

const SUBCOMMANDS: &[&str] =
    &["check", "compile", "graph", "provisioners", "explain", "schema", "init", "catalog", "completions", "man"];

fn success(output: &Output) -> String {
    assert_eq!(output.status.code(), Some(0), "{}", transcript(output));
    assert!(output.stderr.is_empty(), "{}", transcript(output));
    String::from_utf8(output.stdout.clone()).expect("UTF-8")
}

#[test]
fn every_shell_gets_a_script_naming_every_subcommand() {
    let dir = tempfile::tempdir().unwrap();
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
    let line = words.join(" ");
    let program = format!(
        "{script}\nCOMP_WORDS=({line}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}; \
         _stave stave '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        words.len() - 1,
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let output = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .expect("bash runs the completion script (it is the one shell these tests need; install it to run them)");
    assert!(output.status.success(), "bash failed:\n{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(str::to_string).collect()
}

#[test]
fn bash_completes_subcommands_flags_and_values() {
    let dir = tempfile::tempdir().unwrap();
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
    assert_eq!(targets, ["kubernetes", "helm", "terraform"]);
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
    let dir = tempfile::tempdir().unwrap();
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
    let dir = tempfile::tempdir().unwrap();
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
