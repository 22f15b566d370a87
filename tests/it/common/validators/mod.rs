//! Real external validators for what stave emits, installed on first use under `target/validators/`
//! (PyPI and npm only) and cached. `try_*` helpers return `Err(problems)` when the validator rejects
//! its input; the others panic with the problems. A validator that cannot be installed always panics
//! with the reason, even in `try_*`, so a missing tool never passes or counts as a rejection. Every
//! download is pinned by its hash (`pins`).

pub mod backstage;
pub mod helm;
pub mod install;
pub mod pins;
pub mod precommit;
pub mod sarif;
pub mod server;
pub mod terraform;

use std::path::{Path, PathBuf};
use std::process::Command;

#[allow(unused_imports, reason = "each test crate uses a different subset")]
pub use backstage::{backstage_validate, try_backstage_validate};
#[allow(unused_imports, reason = "each test crate uses a different subset")]
pub use helm::{
    helm, helm_lint_strict, helm_template, try_helm_lint_strict, try_helm_lint_strict_with, try_helm_template,
};
#[allow(unused_imports, reason = "each test crate uses a different subset")]
pub use sarif::try_sarif_validate;
#[allow(unused_imports, reason = "each test crate uses a different subset")]
pub use terraform::{
    terraform, terraform_fmt_check, terraform_schema_check, terraform_schemas, try_terraform_fmt_check,
    try_terraform_schema_check,
};

/// What the Python venv holds (kubernetes-validate, yamllint, and python-hcl2 for the Terraform check),
/// each pinned with its dependencies by version and sha256 in `tests/validators/requirements/venv.txt`.
pub const PACKAGES: &[&str] = &["kubernetes-validate==1.37.0", "yamllint==1.38.0", "python-hcl2==8.1.4"];

/// `tests/validators/NAME`: the helper scripts and configs.
pub fn script(name: &str) -> PathBuf {
    super::root().join("tests/validators").join(name)
}

/// The venv's bin directory (`target/validators/venv/bin`), installing the venv first if needed.
pub fn bin() -> PathBuf {
    let requirements = pins::requirements("venv");
    let key = format!(
        "python3 -m venv; pip install --require-hashes -r venv.txt {} ({})",
        install::file_hash(&requirements),
        PACKAGES.join(" ")
    );
    install::cached("venv", &key, |venv| {
        install::run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
        pins::pip_install(venv, &requirements)?;
        install::run(Command::new(venv.join("bin/python")).args(["-c", "import kubernetes_validate, yaml, hcl2"]))
            .map(drop)
    })
    .join("bin")
}

/// The venv's Python interpreter.
pub fn python() -> PathBuf {
    bin().join("python")
}

/// Runs a validator; `Ok(output)` when it exits 0, `Err(name: output)` otherwise.
fn check(name: &str, command: &mut Command) -> Result<String, String> {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {name} ({command:?}): {e}"));
    let text = install::text(&output);
    if output.status.success() { Ok(text) } else { Err(format!("{name} found problems:\n{text}")) }
}

/// Runs a Python validator in a long-lived interpreter (see [`server`]); `Ok(output)` when it
/// exits 0, `Err(name: output)` otherwise.
fn check_served(name: &str, argv: &[std::ffi::OsString]) -> Result<String, String> {
    let (status, text) = server::run(argv);
    if status == 0 { Ok(text) } else { Err(format!("{name} found problems:\n{text}")) }
}

/// `argv` from a program or script and its arguments.
fn argv(first: impl Into<std::ffi::OsString>, rest: &[PathBuf]) -> Vec<std::ffi::OsString> {
    std::iter::once(first.into()).chain(rest.iter().map(|p| p.clone().into_os_string())).collect()
}

/// kubernetes-validate (strict, Kubernetes 1.32, through `tests/validators/check_manifests.py`): every
/// object must match its OpenAPI schema, with no unknown field; a kind with no schema is a problem
/// unless it is an allow-listed custom resource.
pub fn try_kubernetes_validate(files: &[PathBuf]) -> Result<String, String> {
    assert!(!files.is_empty(), "nothing to validate");
    check_served("kubernetes-validate", &argv(script("check_manifests.py"), files))
}

/// yamllint with `tests/validators/yamllint.yaml`: YAML syntax and duplicate keys (which
/// kubernetes-validate cannot see, since its YAML loader keeps the last value).
pub fn try_yamllint(files: &[PathBuf]) -> Result<String, String> {
    assert!(!files.is_empty(), "nothing to lint");
    let options = [PathBuf::from("-f"), PathBuf::from("parsable"), PathBuf::from("-c"), script("yamllint.yaml")];
    check_served("yamllint", &argv("yamllint", &[&options[..], files].concat()))
}

/// Validates manifest files with kubernetes-validate and yamllint; panics with every problem found.
pub fn validate(files: &[PathBuf]) {
    let problems: Vec<String> =
        [try_kubernetes_validate(files), try_yamllint(files)].into_iter().filter_map(Result::err).collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Panics with `result`'s problems (for the panicking forms of the `try_*` helpers).
pub fn or_panic(result: Result<String, String>) -> String {
    result.unwrap_or_else(|problems| panic!("{problems}"))
}

/// Every file under `dir` whose name ends with `suffix`, sorted.
fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(files_with_suffix(&path, suffix));
        } else if path.to_string_lossy().ends_with(suffix) {
            found.push(path);
        }
    }
    found.sort();
    found
}
