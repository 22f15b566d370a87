//! pre-commit 4.7.0 from PyPI, in its own venv cached under `target/validators/pre-commit-4.7.0/`:
//! `pre-commit validate-manifest` checks a hooks file against pre-commit's own schema, and
//! [`pre_commit`] runs it with its cache (`PRE_COMMIT_HOME`) kept where the caller says. It and its
//! dependencies are pinned by version and sha256 in `tests/validators/requirements/pre-commit.txt`.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{install, pins};

pub const VERSION: &str = "4.7.0";

/// The `pre-commit` program, installed first if needed.
pub fn program() -> PathBuf {
    let requirements = pins::requirements("pre-commit");
    let key = format!(
        "python3 -m venv; pip install --require-hashes -r pre-commit.txt {} (pre-commit=={VERSION})",
        install::file_hash(&requirements)
    );
    install::cached(&format!("pre-commit-{VERSION}"), &key, |venv| {
        install::run(Command::new("python3").args(["-m", "venv"]).arg(venv))?;
        pins::pip_install(venv, &requirements)?;
        let output = install::run(Command::new(venv.join("bin/pre-commit")).arg("--version"))?;
        let version = install::text(&output);
        if version.trim() == format!("pre-commit {VERSION}") {
            Ok(())
        } else {
            Err(format!("expected pre-commit {VERSION}, found {version}"))
        }
    })
    .join("bin/pre-commit")
}

/// A `pre-commit` command whose cache is `home`, with no user configuration in the way.
pub fn pre_commit(home: &Path) -> Command {
    let mut command = Command::new(program());
    command.env("PRE_COMMIT_HOME", home).env_remove("PRE_COMMIT_CONFIG").env_remove("SKIP");
    command
}

/// `pre-commit validate-manifest FILE`: `Ok` holds its output, `Err` the problems.
pub fn try_validate_manifest(file: &Path) -> Result<String, String> {
    let home = crate::common::tempdir().expect("temp dir");
    super::check("pre-commit validate-manifest", pre_commit(home.path()).arg("validate-manifest").arg(file))
}
