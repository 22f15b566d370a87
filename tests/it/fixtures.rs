//! Fixture tests: every invalid fixture's rendered diagnostics, every valid fixture's IR, as
//! insta snapshots, through the real binary; and one invalid fixture per diagnostic code.

use crate::common;

use common::{code_for_dir, fixture_dirs, run_case, transcript};
use stave::diagnostics::Code;

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

#[test]
fn invalid_fixtures_render_their_diagnostics() {
    let sarif_dir = tempfile::tempdir().unwrap();
    for dir in fixture_dirs("invalid") {
        let code = code_for_dir(&dir);
        let name = dir.file_name().and_then(|n| n.to_str()).expect("name").to_string();
        let case = common::read_case(&dir);
        let subcommand: Vec<&str> = if case.subcommand.is_empty() {
            vec!["check"]
        } else {
            case.subcommand.iter().map(String::as_str).collect()
        };
        let output = run_case(&dir, &subcommand, &[]);
        let text = transcript(&output);
        assert!(text.contains(&code), "{name}: expected `{code}` in:\n{text}");
        let warning_only = output.status.code() == Some(0);
        if warning_only {
            assert!(text.contains('⚠'), "{name}: exit 0 without a warning:\n{text}");
            let denied = run_case(&dir, &subcommand, &["--deny-warnings"]);
            assert_eq!(denied.status.code(), Some(1), "{name}: --deny-warnings must fail");
        } else if code.starts_with("stave::cli::") {
            assert_eq!(output.status.code(), Some(2), "{name}: a usage error must exit 2:\n{text}");
        } else {
            assert_eq!(output.status.code(), Some(1), "{name}: invalid input must exit 1:\n{text}");
        }
        let located = !matches!(name.as_str(), "input-unreadable" | "input-too-large" | "cli-usage");
        if located {
            let position = regex_like_position(&text);
            assert!(position, "{name}: no `file:line:col` in:\n{text}");
        }
        insta::assert_snapshot!(format!("invalid__{name}"), text);

        let json = run_case(&dir, &subcommand, &["--diagnostics", "json"]);
        let stderr = String::from_utf8_lossy(&json.stderr);
        let lines: Vec<serde_json::Value> = stderr
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {l}")))
            .collect();
        let ours = lines
            .iter()
            .find(|l| l["code"] == code.as_str())
            .unwrap_or_else(|| panic!("{name}: `{code}` missing in JSON"));
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
        ci_formats(&dir, &name, &code, &subcommand, located, &sarif_dir);
    }
    common::validators::sarif::try_sarif_validate(
        &std::fs::read_dir(sarif_dir.path()).unwrap().map(|e| e.unwrap().path()).collect::<Vec<_>>(),
    )
    .unwrap_or_else(|problems| panic!("SARIF logs of the invalid fixtures:\n{problems}"));
}

/// The fixture's diagnostics as SARIF (kept for validation), GitHub workflow commands and a
/// GitLab Code Quality report: each holds the fixture's code, at its place when it has one.
fn ci_formats(
    dir: &std::path::Path,
    name: &str,
    code: &str,
    subcommand: &[&str],
    located: bool,
    sarif_dir: &tempfile::TempDir,
) {
    let sarif = run_case(dir, subcommand, &["--diagnostics", "sarif"]);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stderr)
        .unwrap_or_else(|e| panic!("{name}: SARIF is not one JSON document ({e}):\n{}", transcript(&sarif)));
    let results = log["runs"][0]["results"].as_array().expect("results");
    let ours = results.iter().find(|r| r["ruleId"] == code).unwrap_or_else(|| panic!("{name}: `{code}` not in SARIF"));
    if located {
        assert!(
            ours["locations"][0]["physicalLocation"]["region"]["startLine"].as_u64().is_some(),
            "{name}: SARIF region"
        );
    }
    std::fs::write(sarif_dir.path().join(format!("{name}.sarif")), &sarif.stderr).unwrap();
    let github = run_case(dir, subcommand, &["--diagnostics", "github"]);
    let github = String::from_utf8_lossy(&github.stderr);
    let title = format!("title={}", code.replace(':', "%3A"));
    let line =
        github.lines().find(|l| l.contains(&title)).unwrap_or_else(|| panic!("{name}: no `{title}` in:\n{github}"));
    assert!(line.starts_with("::error ") || line.starts_with("::warning "), "{name}: {line}");
    assert!(!located || line.contains(",line="), "{name}: no line in {line}");
    let gitlab = run_case(dir, subcommand, &["--diagnostics", "gitlab"]);
    let report: serde_json::Value =
        serde_json::from_slice(&gitlab.stderr).unwrap_or_else(|e| panic!("{name}: GitLab report: {e}"));
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
        let checked = run_case(&dir, &["check"], &[]);
        assert_eq!(checked.status.code(), Some(0), "{name}: check failed");
        if common::read_case(&dir).front_end_only {
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
