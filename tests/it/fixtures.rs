//! Fixture tests: every invalid fixture's rendered diagnostics (in every format), every valid
//! fixture's IR, graph and resources, as insta snapshots; and one invalid fixture per diagnostic
//! code. What `stave check` prints comes from the library in-process (`common::library`); other
//! subcommands run the binary, and one test holds the library's transcripts to the binary's.

use crate::common;

use std::path::Path;

use common::library::Prepared;
use common::{code_for_dir, fixture_dirs, run_case, transcript};
use stave::diagnostics::Code;
use stave::diagnostics::ci::{self, Finding};

#[test]
fn every_diagnostic_code_has_an_invalid_fixture() {
    let fixtures: Vec<String> = fixture_dirs("invalid").iter().map(|d| code_for_dir(d)).collect();
    for code in Code::ALL {
        assert!(
            fixtures.contains(&code.name().to_string()),
            "no fixture under fixtures/invalid/ for `{}`",
            code.name()
        );
    }
    for fixture in &fixtures {
        assert!(Code::ALL.iter().any(|c| c.name() == fixture), "fixture for unknown code `{fixture}`");
    }
}

/// What one invalid fixture prints, in every diagnostics format.
struct Printed {
    /// Exit code, standard output and standard error in people's format (the snapshot).
    transcript: String,
    exit: Option<i32>,
    /// The exit code with `--deny-warnings`, for a fixture that only warns.
    denied: Option<i32>,
    json: String,
    sarif: String,
    github: String,
    gitlab: String,
}

impl Printed {
    /// Through the library, as `stave check` prints it (`common::library`); `None` for a
    /// fixture only the binary runs (another subcommand, flags the library takes no part in).
    fn library(dir: &Path, case: &common::Case) -> Option<Printed> {
        let extra: &[&str] = match case.subcommand.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            [] | ["check"] => &[],
            ["check", "--provision"] => &["--provision"],
            ["check", "--schema-only"] => &["--schema-only"],
            _ => return None,
        };
        let prepared = Prepared::new(dir, extra)?;
        let report = prepared.check();
        let findings = report.findings();
        let lines = |line: fn(&Finding) -> String| findings.iter().map(|f| line(f) + "\n").collect::<String>();
        Some(Printed {
            transcript: report.transcript(&prepared),
            exit: Some(report.exit(false)),
            denied: Some(report.exit(true)),
            json: prepared.relative(&lines(ci::json_line)),
            sarif: prepared.relative(&ci::sarif(&findings)),
            github: prepared.relative(&lines(ci::github_line)),
            gitlab: prepared.relative(&ci::gitlab(&findings)),
        })
    }

    /// Through the binary, once for each format.
    fn binary(dir: &Path, subcommand: &[&str]) -> Printed {
        let output = run_case(dir, subcommand, &[]);
        let stderr = |format: &str| {
            let output = run_case(dir, subcommand, &["--diagnostics", format]);
            String::from_utf8_lossy(&output.stderr).into_owned()
        };
        let warning_only = output.status.code() == Some(0);
        Printed {
            transcript: transcript(&output),
            exit: output.status.code(),
            denied: warning_only.then(|| run_case(dir, subcommand, &["--deny-warnings"]).status.code()).flatten(),
            json: stderr("json"),
            sarif: stderr("sarif"),
            github: stderr("github"),
            gitlab: stderr("gitlab"),
        }
    }
}

/// Every invalid fixture (on two threads: they are a tenth of the suite), then every SARIF
/// log they gave through the SARIF validators at once.
#[test]
fn invalid_fixtures_render_their_diagnostics() {
    let sarif_dir = crate::common::tempdir().unwrap();
    let dirs = fixture_dirs("invalid");
    std::thread::scope(|scope| {
        let (first, second): (Vec<_>, Vec<_>) = dirs.iter().enumerate().partition(|(i, _)| i % 2 == 0);
        for half in [first, second] {
            let sarif_dir = &sarif_dir;
            scope.spawn(move || half.into_iter().for_each(|(_, dir)| invalid_fixture(dir, sarif_dir)));
        }
    });
    common::validators::sarif::try_sarif_validate(
        &std::fs::read_dir(sarif_dir.path()).unwrap().map(|e| e.unwrap().path()).collect::<Vec<_>>(),
    )
    .unwrap_or_else(|problems| panic!("SARIF logs of the invalid fixtures:\n{problems}"));
}

/// One invalid fixture: its code, exit code and place in people's format (a snapshot), and in
/// each CI format; what the library printed, the binary prints too.
fn invalid_fixture(dir: &Path, sarif_dir: &tempfile::TempDir) {
    let code = code_for_dir(dir);
    let name = dir.file_name().and_then(|n| n.to_str()).expect("name").to_string();
    let case = common::read_case(dir);
    let subcommand: Vec<&str> =
        if case.subcommand.is_empty() { vec!["check"] } else { case.subcommand.iter().map(String::as_str).collect() };
    let printed = match Printed::library(dir, &case) {
        Some(printed) => {
            // A fixture with a large file written first costs seconds a run in a debug build:
            // it is about the limits the library applies, and runs in the library only.
            if case.generate.is_none() {
                same_as_the_binary(dir, &name, &case, &subcommand, &printed);
            }
            printed
        }
        None => Printed::binary(dir, &subcommand),
    };
    let text = &printed.transcript;
    assert!(text.contains(&code), "{name}: expected `{code}` in:\n{text}");
    let warning_only = printed.exit == Some(0);
    if warning_only {
        assert!(text.contains('⚠'), "{name}: exit 0 without a warning:\n{text}");
        assert_eq!(printed.denied, Some(1), "{name}: --deny-warnings must fail");
    } else if code.starts_with("stave::cli::") {
        assert_eq!(printed.exit, Some(2), "{name}: a usage error must exit 2:\n{text}");
    } else {
        assert_eq!(printed.exit, Some(1), "{name}: invalid input must exit 1:\n{text}");
    }
    let located = !matches!(name.as_str(), "input-unreadable" | "input-too-large" | "cli-usage");
    if located {
        let position = regex_like_position(text);
        assert!(position, "{name}: no `file:line:col` in:\n{text}");
    }
    insta::assert_snapshot!(format!("invalid__{name}"), text);

    let lines: Vec<serde_json::Value> = printed
        .json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {l}")))
        .collect();
    let ours =
        lines.iter().find(|l| l["code"] == code.as_str()).unwrap_or_else(|| panic!("{name}: `{code}` missing in JSON"));
    let fields: &[&str] = if located || !code.starts_with("stave::cli::") {
        &["severity", "message", "file", "help"]
    } else {
        &["severity", "message"]
    };
    for field in fields {
        assert!(ours.get(field).is_some_and(|v| !v.is_null()), "{name}: JSON field `{field}` missing");
    }
    if located {
        assert!(ours["line"].as_u64().is_some_and(|l| l >= 1), "{name}: JSON line");
        assert!(ours["column"].as_u64().is_some_and(|c| c >= 1), "{name}: JSON column");
    }
    ci_formats(&printed, &name, &code, located, sarif_dir);
}

/// The fixture's diagnostics as SARIF (kept for validation), GitHub workflow commands and a
/// GitLab Code Quality report: each holds the fixture's code, at its place when it has one.
fn ci_formats(printed: &Printed, name: &str, code: &str, located: bool, sarif_dir: &tempfile::TempDir) {
    let log: serde_json::Value = serde_json::from_str(&printed.sarif)
        .unwrap_or_else(|e| panic!("{name}: SARIF is not one JSON document ({e}):\n{}", printed.sarif));
    let results = log["runs"][0]["results"].as_array().expect("results");
    let ours = results.iter().find(|r| r["ruleId"] == code).unwrap_or_else(|| panic!("{name}: `{code}` not in SARIF"));
    if located {
        assert!(
            ours["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().is_some(),
            "{name}: SARIF region"
        );
    }
    std::fs::write(sarif_dir.path().join(format!("{name}.sarif")), &printed.sarif).unwrap();
    let github = &printed.github;
    let title = format!("title={}", code.replace(':', "%3A"));
    let line =
        github.lines().find(|l| l.contains(&title)).unwrap_or_else(|| panic!("{name}: no `{title}` in:\n{github}"));
    assert!(line.starts_with("::error ") || line.starts_with("::warning "), "{name}: {line}");
    assert!(!located || line.contains(",line="), "{name}: no line in {line}");
    let report: serde_json::Value =
        serde_json::from_str(&printed.gitlab).unwrap_or_else(|e| panic!("{name}: GitLab report: {e}"));
    let issue = report
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == code)
        .unwrap_or_else(|| panic!("{name}: not in GitLab report"));
    for field in ["description", "fingerprint", "severity"] {
        assert!(issue[field].is_string(), "{name}: GitLab `{field}`");
    }
    assert!(issue["location"]["lines"]["begin"].as_u64().is_some(), "{name}: GitLab location");
}

/// What the library printed for a fixture, the binary prints: the exit code and what is printed
/// for people (with `--deny-warnings` for a fixture that only warns, the exit code), and the JSON
/// lines for a fixture with several files or a platform file.
fn same_as_the_binary(dir: &Path, name: &str, case: &common::Case, subcommand: &[&str], printed: &Printed) {
    let output = run_case(dir, subcommand, &[]);
    assert_eq!(printed.transcript, transcript(&output), "{name}: the library and the binary differ");
    if printed.exit == Some(0) {
        let denied = run_case(dir, subcommand, &["--deny-warnings"]);
        assert_eq!(printed.denied, denied.status.code(), "{name}: --deny-warnings");
    }
    if case.files.len() > 1 || dir.join("stave.yaml").is_file() {
        let json = run_case(dir, subcommand, &["--diagnostics", "json"]);
        assert_eq!(printed.json, String::from_utf8_lossy(&json.stderr), "{name}: JSON lines differ");
    }
}

/// Whether the rendered report shows a `name:line:col` position.
fn regex_like_position(text: &str) -> bool {
    text.split(['[', ']']).any(|part| {
        let mut pieces = part.rsplitn(3, ':');
        let col = pieces.next().and_then(|c| c.parse::<u32>().ok());
        let line = pieces.next().and_then(|l| l.parse::<u32>().ok());
        let file = pieces.next();
        col.is_some() && line.is_some() && file.is_some_and(|f| !f.is_empty())
    })
}

#[test]
fn valid_fixtures_lower_to_the_expected_ir() {
    for dir in fixture_dirs("valid") {
        let name = dir.file_name().and_then(|n| n.to_str()).expect("name").to_string();
        let output = run_case(&dir, &["compile", "--emit", "ir"], &[]);
        let text = transcript(&output);
        assert_eq!(output.status.code(), Some(0), "{name}: valid fixture failed:\n{text}");
        insta::assert_snapshot!(format!("valid__{name}"), text);
        // A fixture only for the front end names types nothing provisions.
        let front_end_only = common::read_case(&dir).front_end_only;
        let check: &[&str] = if front_end_only { &["check", "--schema-only"] } else { &["check"] };
        let checked = run_case(&dir, check, &[]);
        assert_eq!(checked.status.code(), Some(0), "{name}: check failed:\n{}", transcript(&checked));
        if front_end_only {
            continue;
        }
        let graph = run_case(&dir, &["graph", "--format", "dot"], &[]);
        let text = transcript(&graph);
        assert_eq!(graph.status.code(), Some(0), "{name}: graph failed:\n{text}");
        insta::assert_snapshot!(format!("valid__{name}__graph"), text);
        let resources = run_case(&dir, &["compile", "--emit", "resources"], &[]);
        let text = transcript(&resources);
        assert_eq!(resources.status.code(), Some(0), "{name}: provisioning failed:\n{text}");
        insta::assert_snapshot!(format!("valid__{name}__resources"), text);
    }
}

/// Each valid fixture's sidecar names the targets it is emitted for (unless only the front end
/// applies), and each is a target Stave knows; each target's test file snapshots them.
#[test]
fn every_valid_fixture_names_its_targets() {
    for dir in fixture_dirs("valid") {
        let case = common::read_case(&dir);
        let name = dir.display();
        assert!(case.front_end_only || !case.targets.is_empty(), "{name}: case.yaml names no `targets`");
        for target in &case.targets {
            assert!(stave::builtins::Target::parse(target).is_some(), "{name}: unknown target `{target}`");
        }
    }
}

#[test]
fn every_fixture_snapshot_has_a_fixture() {
    let snapshots = common::root().join("tests/it/snapshots");
    for entry in std::fs::read_dir(snapshots).expect("snapshots dir") {
        let name = entry.expect("entry").file_name().into_string().expect("utf-8");
        let Some(rest) = name.strip_prefix("it__fixtures__").and_then(|n| n.strip_suffix(".snap")) else { continue };
        let (kind, case) = rest.split_once("__").expect("kind__case");
        let case = case.split("__").next().expect("case");
        let dir = common::root().join("fixtures").join(kind).join(case);
        assert!(dir.is_dir(), "snapshot `{name}` has no fixture at {}: delete it", dir.display());
    }
}
