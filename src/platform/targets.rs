//! External targets (`targets:` of the platform file): programs behind the target protocol,
//! declared by name, that an environment names in `target:` like a built-in target. Resolving an
//! environment's `target:` happens here: a built-in name, else a declared one, else an error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::builtins::Target;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;
use crate::suggest;

/// How long a target program may run when its declaration says nothing.
const DEFAULT_TIMEOUT_SECONDS: u64 = 60;

/// A target program, as the platform file declares it.
#[derive(Debug, Clone)]
pub(crate) struct ExternalTarget {
    pub(crate) command: Vec<String>,
    pub(crate) timeout: Duration,
    /// Whether the program gets the values derived from the seed instead of markers.
    pub(crate) clear_generated_values: bool,
    /// `objects: kubernetes`: the target takes the Kubernetes objects provisioners return, and
    /// its request holds the kubernetes target's objects for each environment.
    pub(crate) kubernetes_objects: bool,
    /// The platform file's directory: where the program runs, and what a relative program path
    /// is relative to.
    pub(crate) base_dir: PathBuf,
    /// Its key under `targets:`.
    pub(crate) span: Span,
}

/// The platform file's form (validated by the schema first).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(super) struct ExternalTargetInput {
    #[allow(dead_code, reason = "documentation for the platform team")]
    description: Option<String>,
    command: Vec<String>,
    timeout: Option<u64>,
    generated_values: Option<GeneratedValues>,
    objects: Option<Objects>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Objects {
    Kubernetes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum GeneratedValues {
    Markers,
    Clear,
}

impl ExternalTargetInput {
    pub(super) fn lower(self, base_dir: &Path, span: Span) -> ExternalTarget {
        ExternalTarget {
            command: self.command,
            timeout: Duration::from_secs(self.timeout.unwrap_or(DEFAULT_TIMEOUT_SECONDS)),
            clear_generated_values: self.generated_values == Some(GeneratedValues::Clear),
            kubernetes_objects: self.objects == Some(Objects::Kubernetes),
            base_dir: base_dir.to_path_buf(),
            span,
        }
    }
}

/// The target `name` names: a built-in one, else one of `declared`. `Err` says why not, at
/// `span` (what named it: an environment's `target:`).
pub(crate) fn resolve(
    name: &str,
    declared: &BTreeMap<String, ExternalTarget>,
    span: Span,
    what: &str,
) -> Result<Target, Diagnostic> {
    if let Some(target) = Target::parse(name) {
        return Ok(target);
    }
    if let Some(target) = declared.get(name) {
        return Ok(Target::external(name, target.kubernetes_objects));
    }
    let known: Vec<&str> = Target::ALL.iter().map(|t| t.name()).chain(declared.keys().map(String::as_str)).collect();
    let listing = known.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
    Err(Diagnostic::error(
        Code::UnknownTarget,
        format!("{what} names target `{name}`, which is neither built in nor declared{}", suggest::hint(name, known)),
    )
    .label(span, "no such target")
    .help(format!("use one of {listing}, or declare `{name}` under `targets:` with the `command` that implements it")))
}
