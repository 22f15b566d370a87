//! What a newcomer met in the first hour (issue 21, item 9), each as the command they ran: the
//! bundled example's diagnostics name it as what it is, a typo's help says to fix the typo, and
//! other Score tools' subcommands point to Stave's.

use crate::common;

use common::{stave, stave_with_env, transcript};

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `--example` has no file on disk: its diagnostics say `<example>/workload.yaml`, not the name
/// of a file that does not exist.
#[test]
fn example_diagnostics_name_the_bundled_example() {
    let dir = crate::common::tempdir().unwrap();
    let output = stave_with_env(dir.path(), &["compile", "--example"], None, &[("STAVE_SEED", None)]);
    assert_eq!(output.status.code(), Some(0), "{}", transcript(&output));
    let text = stderr(&output);
    assert!(text.contains("stave::provision::development-seed"), "{text}");
    assert!(text.contains("─[<example>/workload.yaml:47:3]"), "{text}");
    assert!(!text.contains("shop.yaml"), "{text}");
}

const TYPO: &str = "apiVersion: score.dev/v1b1
metadata: {name: web}
containers:
  main:
    image: nginx
    variables:
      DB_URL: postgres://${resources.dbb.host}
      CACHE: ${resources.cache.host}
resources:
  db: {type: postgres}
";

/// After "did you mean `db`?", the help writes the placeholder with `db`; only a name that is
/// no typo of a declared resource is to be declared.
#[test]
fn a_resource_typo_gets_the_fix_not_a_declaration() {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("workload.yaml"), TYPO).unwrap();
    let output = stave(dir.path(), &["check", "--diagnostics", "json"], None);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    let found: Vec<serde_json::Value> = output
        .stderr
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    let help_for = |name: &str| {
        let message = format!("resource `{name}` is not declared");
        let diagnostic = found.iter().find(|d| d["message"].as_str().unwrap().starts_with(&message));
        diagnostic.unwrap_or_else(|| panic!("no `{message}` in {found:?}"))["help"].as_str().unwrap().to_string()
    };
    assert_eq!(help_for("dbb"), "write `${resources.db.host}`");
    assert_eq!(help_for("cache"), "declare it under `resources:`, e.g. `cache: {type: postgres}`");
}

/// score-k8s's and score-compose's `generate`, `validate` and `version` are usage errors (exit 2)
/// that name Stave's command; `stave --version` works.
#[test]
fn other_score_tools_subcommands_point_to_stave_s() {
    let dir = crate::common::tempdir().unwrap();
    for (theirs, ours) in [
        ("generate", "a similar subcommand exists: 'compile'"),
        ("validate", "a similar subcommand exists: 'check'"),
        ("version", "a similar argument exists: '--version'"),
    ] {
        let output = stave(dir.path(), &[theirs], None);
        assert_eq!(output.status.code(), Some(2), "{theirs}: {}", transcript(&output));
        let text = stderr(&output);
        assert!(text.contains(&format!("unrecognized subcommand '{theirs}'")) && text.contains(ours), "{text}");
    }
    let version = stave(dir.path(), &["--version"], None);
    assert_eq!(version.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&version.stdout), format!("stave {}\n", env!("CARGO_PKG_VERSION")));
}

const CALLEE: &str = "apiVersion: score.dev/v1b1
metadata: {name: api}
containers:
  main: {image: nginx}
service:
  ports:
    http: {port: 80, targetPort: 8080}
    grpc: {port: 9090}
";

/// A link from `web` to `api` with `params` (flow style).
fn caller(params: &str) -> String {
    format!(
        "apiVersion: score.dev/v1b1\nmetadata: {{name: web}}\ncontainers:\n  main:\n    image: nginx\n    variables:\n      \
        API: http://${{resources.api.hostname}}:${{resources.api.port}}\nresources:\n  api:\n    type: service-port\n    \
        params: {params}\n"
    )
}

/// Compiles `api.yaml` and a `web.yaml` with `params`; the JSON diagnostics.
fn compile_link(params: &str) -> Vec<serde_json::Value> {
    let dir = crate::common::tempdir().unwrap();
    std::fs::write(dir.path().join("api.yaml"), CALLEE).unwrap();
    std::fs::write(dir.path().join("web.yaml"), caller(params)).unwrap();
    let output = stave(dir.path(), &["compile", "api.yaml", "web.yaml", "--diagnostics", "json"], None);
    assert_eq!(output.status.code(), Some(1), "{}", transcript(&output));
    output.stderr.split(|b| *b == b'\n').filter(|l| !l.is_empty()).map(|l| serde_json::from_slice(l).unwrap()).collect()
}

/// A port typo in a link is reported at the `port` param, with the callee's ports and a
/// did-you-mean (not at the resource with the provisioner template's line).
#[test]
fn a_port_typo_in_a_link_is_reported_at_the_param() {
    let found = compile_link("{workload: api, port: htpp}");
    assert_eq!(found.len(), 1, "{found:?}");
    let port = &found[0];
    assert_eq!(port["code"], "stave::provision::bad-param");
    assert_eq!(port["message"], "workload `api` has no service port `htpp`; did you mean `http`?");
    assert_eq!(
        (port["file"].as_str(), port["line"].as_u64(), port["column"].as_u64()),
        (Some("web.yaml"), Some(11), Some(35))
    );
    assert_eq!(port["help"], "the service ports of `api`: `grpc` (9090), `http` (80)");
    assert!(!port.to_string().contains("template line"), "{port}");
}

/// A workload-name typo in a link gets a did-you-mean too.
#[test]
fn a_workload_typo_in_a_link_gets_a_did_you_mean() {
    let found = compile_link("{workload: apii, port: http}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["code"], "stave::graph::unknown-workload");
    let message = found[0]["message"].as_str().unwrap();
    assert!(
        message.ends_with("links to workload `apii`, which is not being compiled; did you mean `api`?"),
        "{message}"
    );
    assert_eq!((found[0]["line"].as_u64(), found[0]["column"].as_u64()), (Some(11), Some(24)));
}
