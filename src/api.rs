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
    /// What a check did not check because something it depends on failed (`resource \`api.db\`
    /// (dev)`, `the helm output (prod)`); the summary line names them.
    pub left_out: Vec<String>,
}

/// Checks the workloads for the request's environment, or for every environment of the platform
/// file, each with its own overrides, provisioners and target: schema, placeholders, Score's
/// rules, the graph, provisioning, outputs, links, and each environment's target in memory
/// (with [`Depth::SchemaOnly`], loading alone). `image: "."` needs no image: only a compile does.
/// Writes nothing. Goes on past errors as far as what they
/// leave intact allows; [`Outcome::left_out`] says what was not checked because of them.
pub fn check(request: &Request, depth: Depth) -> Outcome {
    let stage = match depth {
        Depth::Everything => Stage::Provision,
        Depth::SchemaOnly => Stage::Load,
    };
    let mut sources = Sources::new();
    // Only a compile needs the image `image: "."` stands for.
    let mut request = std::borrow::Cow::Borrowed(request);
    if !request.load.image_at_compile_time {
        request.to_mut().load.image_at_compile_time = true;
    }
    let (compiled, mut diagnostics) = pipeline::run_all(&request, stage, &mut sources);
    let mut left_out = LeftOut::default();
    for one in &compiled {
        left_out.add(&one.environment.name, &one.left_out);
    }
    if stage == Stage::Provision {
        let (good, failed): (Vec<_>, Vec<_>) = compiled.iter().partition(|one| !one.failed);
        for one in failed {
            left_out.add(&one.environment.name, &[format!("the {} output", one.target.name())]);
        }
        let inputs: Vec<_> = good.iter().filter_map(|one| Some((one.target, one.target_input(&sources)?))).collect();
        match targets::emit_each(&inputs, &Options::default()) {
            Ok(emitted) => diagnostics.extend(emitted.warnings),
            Err(found) => diagnostics.extend(found),
        }
    }
    // A check writes nothing, so no value derived from a development seed reaches a file.
    diagnostics.retain(|d| d.code != Code::DevelopmentSeed);
    let environments = compiled.iter().map(|c| c.environment.name.clone()).collect();
    Outcome { sources, diagnostics: diagnostics.sorted(), emitted: None, environments, left_out: left_out.phrases() }
}

/// Compiles for the request's environment, or for every environment of the platform file, each
/// with its target (or all with the request's; environments of different targets are written
/// each under `<environment>/`): the files, or every diagnostic.
pub fn compile(request: &Request, options: &Options) -> Outcome {
    let mut sources = Sources::new();
    let (compiled, mut diagnostics) = pipeline::run_all(request, Stage::Provision, &mut sources);
    let inputs: Option<Vec<_>> = compiled.iter().map(|one| Some((one.target, one.target_input(&sources)?))).collect();
    let mut emitted = None;
    if !diagnostics.has_errors()
        && let Some(inputs) = inputs.filter(|inputs| !inputs.is_empty())
    {
        match targets::emit_each(&inputs, options) {
            Ok(mut files) => {
                diagnostics.extend(std::mem::take(&mut files.warnings));
                emitted = Some(files);
            }
            Err(found) => diagnostics.extend(found),
        }
    }
    let environments = compiled.iter().map(|c| c.environment.name.clone()).collect();
    Outcome { sources, diagnostics: diagnostics.sorted(), emitted, environments, left_out: Vec::new() }
}

/// How far a [`check`] goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Depth {
    /// Everything a compile does short of writing: the graph, provisioning and each target.
    #[default]
    Everything,
    /// Loading alone: the schema, placeholders and Score's rules (fast, for editors).
    SchemaOnly,
}

/// What was left out of a check, each thing with the environments it was left out of, in the
/// order first met (found through an index: a large failing run leaves out many resources).
#[derive(Debug, Default)]
struct LeftOut {
    what: Vec<(String, Vec<String>)>,
    index: std::collections::BTreeMap<String, usize>,
}

impl LeftOut {
    fn add(&mut self, environment: &str, what: &[String]) {
        for what in what {
            let at = *self.index.entry(what.clone()).or_insert_with(|| {
                self.what.push((what.clone(), Vec::new()));
                self.what.len() - 1
            });
            self.what[at].1.push(environment.to_string());
        }
    }

    /// `resource \`api.db\` (dev, prod)`.
    fn phrases(self) -> Vec<String> {
        self.what.into_iter().map(|(what, environments)| format!("{what} ({})", environments.join(", "))).collect()
    }
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
