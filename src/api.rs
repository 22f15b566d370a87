//! The library's API: what a program needs to embed Stave. Describe what to compile (a
//! [`Request`]: workload files or texts, the platform file, the environment, the target, the
//! seed), then [`check`] it or [`compile`] it, and [`render()`] the diagnostics in any of the
//! formats the command line prints. Every other module is internal: public only so that this
//! project's own tests, benchmarks and fuzz targets can reach it, and free to change.
//!
//! ```
//! use stave::api::{self, Format, Input, Request, Seed, Target};
//!
//! let workload = "apiVersion: score.dev/v1b1\nmetadata: {name: hello}\ncontainers: {main: {image: nginx:1.27}}\n";
//! let request = Request {
//!     inputs: vec![Input::Text { name: "hello.yaml".into(), bytes: workload.into() }],
//!     target: Some(Target::Kubernetes),
//!     seed: Some(Seed::from_text("example")),
//!     ..Request::default()
//! };
//! let compiled = api::compile(&request, &api::Options::default());
//! let problems = api::render(&compiled.diagnostics, &compiled.sources, Format::Human);
//! assert!(!compiled.diagnostics.has_errors(), "{problems}");
//! let files = compiled.emitted.expect("files").files;
//! assert!(files.iter().any(|f| f.path.ends_with("-deployment-hello.yaml")));
//! ```

pub use crate::builtins::Target;
pub use crate::diagnostics::{Code, Diagnostic, Diagnostics, Severity};
pub use crate::pipeline::Request;
pub use crate::provision::seed::Seed;
pub use crate::score::{Input, LoadOptions};
pub use crate::source::Sources;
pub use crate::targets::{Emitted, File, Layout, Options};

use crate::diagnostics::ci::{self, Finding};
use crate::diagnostics::render::{self, Style};
use crate::pipeline::{self, Stage};
use crate::targets;

/// What a check or a compile gives back.
#[derive(Debug)]
pub struct Outcome {
    /// The files every diagnostic points into.
    pub sources: Sources,
    /// Every problem found, errors and warnings, in file order.
    pub diagnostics: Diagnostics,
    /// The target's files: for a compile without errors.
    pub emitted: Option<Emitted>,
    /// The environments checked or compiled (none when the platform file could not be read).
    pub environments: Vec<String>,
}

/// Checks the workloads for the request's environment, or for every environment of the platform
/// file (each with its own overrides): schema, placeholders and Score's rules; with `provision`,
/// also the graph, provisioning, and each environment's target in memory. Writes nothing.
pub fn check(request: &Request, provision: bool) -> Outcome {
    let stage = if provision { Stage::Provision } else { Stage::Load };
    let mut outcome = run(request, stage, &Options::default());
    if let Some(emitted) = outcome.emitted.take() {
        outcome.diagnostics.extend(emitted.warnings);
    }
    outcome.diagnostics = outcome.diagnostics.sorted();
    outcome
}

/// Compiles for the request's environment, or for every environment of the platform file, with
/// the environments' target (or the request's): the files, or every diagnostic.
pub fn compile(request: &Request, options: &Options) -> Outcome {
    let mut outcome = run(request, Stage::Provision, options);
    if let Some(emitted) = &mut outcome.emitted {
        outcome.diagnostics.extend(std::mem::take(&mut emitted.warnings));
        outcome.diagnostics = outcome.diagnostics.sorted();
    }
    outcome
}

fn run(request: &Request, stage: Stage, options: &Options) -> Outcome {
    let mut sources = Sources::new();
    let (compiled, mut diagnostics) = pipeline::run_all(request, stage, &mut sources);
    let inputs: Option<Vec<_>> = compiled.iter().map(pipeline::Compiled::target_input).collect();
    let mut emitted = None;
    if stage == Stage::Provision
        && !diagnostics.has_errors()
        && let (Some(inputs), Some(first)) = (inputs, compiled.first())
    {
        match targets::emit(first.target, &inputs, options) {
            Ok(files) => emitted = Some(files),
            Err(found) => diagnostics.extend(found),
        }
    }
    let environments = compiled.iter().map(|c| c.environment.name.clone()).collect();
    Outcome { sources, diagnostics, emitted, environments }
}

/// The formats diagnostics are printed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// For people: each with its place in the file, drawn.
    Human,
    /// One JSON object per line.
    Json,
    /// One SARIF 2.1.0 log.
    Sarif,
    /// GitHub Actions workflow commands, one per line.
    Github,
    /// A GitLab Code Quality report.
    Gitlab,
}

/// The diagnostics as `format` prints them (without the command line's summary line).
pub fn render(diagnostics: &Diagnostics, sources: &Sources, format: Format) -> String {
    let findings = || diagnostics.iter().map(|d| Finding::new(d, sources)).collect::<Vec<_>>();
    match format {
        Format::Human => diagnostics.iter().map(|d| render::human(d, sources, Style::Plain)).collect(),
        Format::Json => findings().iter().map(|f| ci::json_line(f) + "\n").collect(),
        Format::Github => findings().iter().map(|f| ci::github_line(f) + "\n").collect(),
        Format::Sarif => ci::sarif(&findings()),
        Format::Gitlab => ci::gitlab(&findings()),
    }
}
