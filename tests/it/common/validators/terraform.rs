//! Terraform checks that run offline: `terraform fmt -check` (terraform itself must be on the machine,
//! at /usr/local/bin here: no registry has it) and a provider-schema check of resources, data sources
//! and `required_providers` (`tests/validators/check_terraform.py`) against schemas extracted from the
//! cdktn provider wheels on PyPI, cached compact under `target/validators/tf-schema-*/` (the raw wheel
//! is deleted after extraction). Each wheel is pinned by its sha256 in
//! `tests/validators/requirements/terraform-providers.txt` and downloaded with `--require-hashes`.
//! terraform itself is not downloaded (it is taken from the machine), so there is nothing to pin.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{install, pins};

/// The providers checked against: (cdktn wheel on PyPI, Terraform provider it was generated from).
/// Each wheel must be pinned in `terraform-providers.txt`.
pub const PROVIDERS: &[(&str, &str)] = &[
    ("cdktn-provider-kubernetes==17.1.0", "hashicorp/kubernetes 3.4.0"),
    ("cdktn-provider-random==15.0.1", "hashicorp/random 3.9.1"),
    ("cdktn-provider-aws==25.8.1", "hashicorp/aws 6.69.1"),
];

/// The `terraform` binary: the first on `PATH`, else `/usr/local/bin/terraform`. Panics when absent.
pub fn terraform() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join("terraform"))
        .chain([PathBuf::from("/usr/local/bin/terraform")])
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "terraform is not installed: not on PATH nor at /usr/local/bin/terraform. No package \
                 registry reachable here ships it, so it cannot be installed on first use; this \
                 project's machines carry terraform 1.11.4 at /usr/local/bin."
            )
        })
}

/// The `.tf` files under `dir` (recursively); panics when there are none, so a check never passes
/// on an empty or wrong directory.
fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let files = super::files_with_suffix(dir, ".tf");
    assert!(!files.is_empty(), "no .tf files under {}", dir.display());
    files
}

/// `terraform fmt -check -recursive -diff DIR`: syntax and canonical style (such as `=` aligned across
/// consecutive one-line arguments). `Err` holds the diff and errors.
pub fn try_terraform_fmt_check(dir: &Path) -> Result<String, String> {
    tf_files(dir);
    super::check(
        &format!("terraform fmt -check {}", dir.display()),
        Command::new(terraform())
            .args(["fmt", "-check", "-recursive", "-diff", "-no-color"])
            .arg(dir)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", "/dev/null")
            .env_remove("TF_LOG"),
    )
}

/// [`try_terraform_fmt_check`], panicking with the diff.
pub fn terraform_fmt_check(dir: &Path) {
    super::or_panic(try_terraform_fmt_check(dir));
}

/// The compact schema files (`schema.json.gz`) of [`PROVIDERS`], downloading and extracting each
/// first if needed. A schema is extracted again whenever `terraform_schema.py` (the extractor) changes.
pub fn terraform_schemas() -> Vec<PathBuf> {
    let python = super::python();
    let script = super::script("check_terraform.py");
    let extractor = install::file_hash(&super::script("terraform_schema.py"));
    let pinned = pins::read_requirements(&pins::requirements("terraform-providers")).unwrap_or_else(|e| panic!("{e}"));
    PROVIDERS
        .iter()
        .map(|(package, provider)| {
            let (name, version) = package.split_once("==").expect("NAME==VERSION");
            let pin = pinned_wheel(&pinned, name, version);
            let key = format!(
                "pip download --require-hashes {package} sha256:{}; terraform_schema.py {extractor}; {provider}",
                pin.hashes.join(",sha256:")
            );
            let dir = install::cached(&format!("tf-schema-{name}-{version}"), &key, |dir| {
                let download = dir.join("download");
                // pip reads hashes only from a requirements file: one holding this wheel alone.
                let requirement = dir.join("requirement.txt");
                let hashes: String = pin.hashes.iter().map(|hash| format!(" --hash=sha256:{hash}")).collect();
                std::fs::write(&requirement, format!("{}{hashes}\n", pin.line)).map_err(|e| e.to_string())?;
                install::run(
                    Command::new(&python)
                        .args([
                            "-m",
                            "pip",
                            "download",
                            "--no-deps",
                            "--only-binary",
                            ":all:",
                            "--no-cache-dir",
                            "--quiet",
                            "--require-hashes",
                        ])
                        .args(["--disable-pip-version-check", "--no-input", "--dest"])
                        .arg(&download)
                        .arg("-r")
                        .arg(&requirement),
                )?;
                std::fs::remove_file(&requirement).map_err(|e| e.to_string())?;
                let wheel = super::files_with_suffix(&download, ".whl");
                let [wheel] = wheel.as_slice() else {
                    return Err(format!("expected one wheel from pip download {package}, found {wheel:?}"));
                };
                let schema = dir.join("schema.json.gz");
                let output =
                    install::run(Command::new(&python).arg(&script).arg("extract").arg(wheel).arg("-o").arg(&schema))?;
                let summary = install::text(&output);
                if !summary.contains(&format!(": {provider}:")) {
                    return Err(format!("{package} is not {provider} as expected: {summary}"));
                }
                std::fs::write(dir.join("summary.txt"), summary).map_err(|e| e.to_string())?;
                std::fs::remove_dir_all(&download).map_err(|e| e.to_string())
            });
            dir.join("schema.json.gz")
        })
        .collect()
}

/// The pinned entry of the wheel `name==version`; panics when `terraform-providers.txt` lacks it.
fn pinned_wheel<'a>(pinned: &'a [pins::Pinned], name: &str, version: &str) -> &'a pins::Pinned {
    pinned.iter().find(|wheel| wheel.name == pins::normalize(name) && wheel.version == version).unwrap_or_else(|| {
        panic!(
            "{name}=={version} is not pinned in {}: add it with its sha256 (compile.sh there)",
            pins::requirements("terraform-providers").display()
        )
    })
}

/// Checks the `.tf` files under `dir` (each directory a module) against [`PROVIDERS`]' schemas:
/// unknown resource/data/ephemeral types, unknown arguments and blocks, a block written as an argument
/// and the reverse, repeated arguments, missing required arguments and blocks, too many single blocks,
/// duplicate addresses, references to undeclared variables, locals, modules, resources and data
/// sources, and `required_providers` listing each provider used (source and version).
/// `Err` holds one problem a line (`FILE:LINE: ADDRESS: message`).
pub fn try_terraform_schema_check(dir: &Path) -> Result<String, String> {
    tf_files(dir);
    let schemas = terraform_schemas();
    let mut args = vec![PathBuf::from("check")];
    for schema in schemas {
        args.extend([PathBuf::from("-s"), schema]);
    }
    args.push(dir.to_path_buf());
    super::check_served("the Terraform schema check", &super::argv(super::script("check_terraform.py"), &args))
}

/// [`try_terraform_schema_check`], panicking with the problems.
pub fn terraform_schema_check(dir: &Path) {
    super::or_panic(try_terraform_schema_check(dir));
}
