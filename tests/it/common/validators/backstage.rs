//! The Backstage catalog model, `@backstage/catalog-model` 1.10.3 with the `yaml` parser Backstage
//! reads catalog files with, installed from npm by `npm ci` with the lockfile in
//! `tests/validators/backstage/` and cached under `target/validators/backstage-1.10.3/`;
//! `tests/validators/check_backstage.js` runs the catalog's default policies and each kind's
//! JSON schema validator over every entity of a file, and resolves the file's references. Every
//! package in the lockfile carries a sha512 `integrity`, which `npm ci` checks each download against
//! (failing with `EINTEGRITY` on a mismatch); the install refuses a lockfile entry without one.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{install, pins};

pub const VERSION: &str = "1.10.3";

/// The installed `node_modules` directory, installing it first if needed.
pub fn node_modules() -> PathBuf {
    let spec = super::script("backstage");
    let lock = spec.join("package-lock.json");
    let key = format!("npm ci @backstage/catalog-model@{VERSION}; package-lock.json {}", install::file_hash(&lock));
    install::cached(&format!("backstage-{VERSION}"), &key, |dir| {
        pins::check_npm_lockfile(&lock)?;
        for file in ["package.json", "package-lock.json"] {
            std::fs::copy(spec.join(file), dir.join(file)).map_err(|e| format!("cannot copy {file}: {e}"))?;
        }
        install::run(
            npm(dir)
                .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel", "error"])
                .current_dir(dir),
        )?;
        let probe = "const m = require('@backstage/catalog-model'); require('yaml'); \
                     if (!m.componentEntityV1alpha1Validator) throw new Error('no component validator')";
        install::run(Command::new("node").args(["-e", probe]).env("NODE_PATH", dir.join("node_modules"))).map(drop)
    })
    .join("node_modules")
}

fn npm(dir: &Path) -> Command {
    let mut command = Command::new("npm");
    command
        .env("npm_config_update_notifier", "false")
        .env("npm_config_cache", dir.join(".npm-cache"))
        .env_remove("NODE_OPTIONS");
    command
}

/// Validates catalog files (each one catalog: a YAML stream of entities). `Ok` holds the
/// validator's summary; `Err` every problem, one per line.
pub fn try_backstage_validate(files: &[PathBuf]) -> Result<String, String> {
    assert!(!files.is_empty(), "nothing to validate");
    let modules = node_modules();
    super::check(
        "backstage catalog-model",
        Command::new("node").arg(super::script("check_backstage.js")).args(files).env("NODE_PATH", modules),
    )
}

/// [`try_backstage_validate`], panicking with the problems.
pub fn backstage_validate(files: &[PathBuf]) -> String {
    super::or_panic(try_backstage_validate(files))
}
