//! Targets: the one seam every target plugs into.
//!
//! A target takes the same [`Input`] (per environment: the workloads, the graph, the environment
//! and what provisioning returned, placeholders already bound) and the command line's
//! [`Options`], and returns [`Emitted`] files (relative path, bytes, mode) and its warnings, or
//! every error. [`emit`] is the one entry point; [`backend`] the one place that knows which
//! backend serves each target (one line each). Nothing here imports the pipeline or the command
//! line; nothing below knows a target's object shapes.

pub(crate) mod external;
pub(crate) mod helm;
pub(crate) mod kubernetes;
pub(crate) mod kubernetes_objects;
pub mod terraform;

use crate::builtins::Target;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::ir::Workload;
use crate::limits;
use crate::platform::Environment;
use crate::provision::{Provisioned, TargetModel};
use crate::source::Sources;
use crate::spool::Blob;

/// What a target receives for one environment.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The files read, for a target that reports a problem at a place in one.
    pub(crate) sources: &'a Sources,
    /// Sorted by name.
    pub(crate) workloads: &'a [Workload],
    pub(crate) graph: &'a Graph,
    pub(crate) environment: &'a Environment,
    pub(crate) provisioned: &'a Provisioned,
}

/// What the command line asks of every target.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Emit the namespace itself (the environment needs one).
    pub generate_namespace: bool,
    /// The last part of `-o DIR`, when there is one (a chart's default name).
    pub output_name: Option<String>,
}

/// The command line's options that some targets take and others do not. Each backend declares
/// those its target takes ([`Backend::options`]); the command line refuses the others with a
/// usage error rather than ignoring them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetOption {
    /// `--namespace NAME`: the namespace everything is compiled into.
    Namespace,
    /// `--generate-namespace`: emit the namespace itself.
    GenerateNamespace,
    /// `stave explain KIND/NAME`: the objects the target emits, by kind and name.
    ExplainObject,
}

impl TargetOption {
    /// Every option, in the order help lists them.
    pub const ALL: [TargetOption; 3] =
        [TargetOption::Namespace, TargetOption::GenerateNamespace, TargetOption::ExplainObject];

    /// How the command line spells it.
    pub fn spelling(self) -> &'static str {
        match self {
            TargetOption::Namespace => "--namespace",
            TargetOption::GenerateNamespace => "--generate-namespace",
            TargetOption::ExplainObject => "explain KIND/NAME",
        }
    }
}

/// The options the targets built on Kubernetes objects take.
pub(crate) const KUBERNETES_OPTIONS: &[TargetOption] = &TargetOption::ALL;

/// An object's `name` (or `id`), else its place in its provisioner's list (`#2`).
fn plain_object_name(object: &serde_json::Value, index: usize) -> String {
    ["/name", "/id"]
        .iter()
        .find_map(|pointer| object.pointer(pointer).and_then(serde_json::Value::as_str))
        .map_or_else(|| format!("#{index}"), str::to_string)
}

/// How the command line names the `index`th object a provisioner returned for `target`.
pub fn object_name(target: Target, object: &serde_json::Value, index: usize) -> String {
    backend(target).object_name(target, object, index)
}

/// Whether `target` takes `option`.
pub fn takes(target: Target, option: TargetOption) -> bool {
    backend(target).options(target).contains(&option)
}

/// A usage message for `option` given to `target`, which does not take it (`None` when it does).
pub fn refuse(target: Target, option: TargetOption, environment: &str) -> Option<String> {
    if takes(target, option) {
        return None;
    }
    let taken: Vec<String> = backend(target).options(target).iter().map(|o| format!("`{}`", o.spelling())).collect();
    Some(format!(
        "`{}` is not an option of target `{}` (environment `{environment}` compiles to it); it takes {}",
        option.spelling(),
        target.name(),
        if taken.is_empty() { "none of the target options".to_string() } else { taken.join(", ") }
    ))
}

/// One emitted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative to the output directory, with `/` between parts.
    pub path: String,
    /// Held in the spool: in memory, or for a large output partly on disk until it is written.
    pub bytes: Blob,
    /// Unix permission bits.
    pub(crate) mode: u32,
}

impl File {
    /// A regular, world-readable file.
    pub(crate) fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> File {
        File::spooled(path, Blob::from_vec(bytes.into()), 0o644)
    }

    /// A file that holds secret values: readable by its owner only.
    pub(crate) fn secret(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> File {
        File::spooled(path, Blob::from_vec(bytes.into()), 0o600)
    }

    /// A file of bytes spooled already.
    pub(crate) fn spooled(path: impl Into<String>, bytes: Blob, mode: u32) -> File {
        File { path: path.into(), bytes, mode }
    }
}

/// How the files may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// The files, concatenated in order, are also a valid stream for standard output.
    Stream,
    /// The files only make sense as a directory (`-o DIR`).
    Directory,
}

/// What a target produced.
#[derive(Debug)]
pub struct Emitted {
    pub files: Vec<File>,
    pub(crate) layout: Layout,
    /// Why the files need a directory, when they do ("a Helm chart is a directory").
    pub(crate) what: String,
    /// Warnings (errors make [`emit`] fail instead).
    pub(crate) warnings: Diagnostics,
}

/// A target. Each lives in a folder of its own under `src/targets/`, with its built-in
/// provisioners under `targets/<name>/` at the top of the repository.
pub trait Backend: Sync + std::fmt::Debug {
    /// What provisioning asks of this target.
    fn model(&self) -> &dyn TargetModel;
    /// The command line's target options `target` takes (see [`TargetOption`]).
    fn options(&self, target: Target) -> &'static [TargetOption];
    /// How the command line names one of the objects a provisioner returned for `target`
    /// (`--emit resources`): by default its `name` (or `id`), else its place in the list.
    fn object_name(&self, _target: Target, object: &serde_json::Value, index: usize) -> String {
        plain_object_name(object, index)
    }
    /// Lowers one or several environments into files for `target` (the backend's own, or the
    /// external target whose program it runs).
    fn emit(&self, target: Target, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics>;
}

/// The backend of each target: one line each (every external target is run by one backend).
/// The match is exhaustive, so a target without a backend does not compile.
pub fn backend(target: Target) -> &'static dyn Backend {
    match target {
        Target::Kubernetes => &kubernetes::Kubernetes,
        Target::Helm => &helm::Helm,
        Target::Terraform => &terraform::Terraform,
        Target::External(_) => &external::External,
    }
}

/// What provisioning asks of `target`: its backend's model, or for an external target that
/// builds on Kubernetes objects, the kubernetes target's (so that outputs are what they are there).
pub fn model(target: Target) -> &'static dyn TargetModel {
    match target {
        Target::External(_) if target.takes_kubernetes_objects() => backend(Target::Kubernetes).model(),
        _ => backend(target).model(),
    }
}

/// Emits environments that each have their own target: all of them through [`emit`] when they
/// share one, else each environment alone in its own target under `<environment>/` (a chart's
/// default name is then the environment's). Every environment's errors are reported.
pub fn emit_each(inputs: &[(Target, Input<'_>)], options: &Options) -> Result<Emitted, Diagnostics> {
    let Some((first, _)) = inputs.first() else {
        return Ok(Emitted {
            files: Vec::new(),
            layout: Layout::Stream,
            what: String::new(),
            warnings: Diagnostics::new(),
        });
    };
    if inputs.iter().all(|(target, _)| target == first) {
        let inputs: Vec<Input<'_>> = inputs.iter().map(|(_, input)| *input).collect();
        return emit(*first, &inputs, options);
    }
    let mut files = Vec::new();
    let (mut warnings, mut errors) = (Diagnostics::new(), Diagnostics::new());
    // The command that compiles each environment alone: a stream needs no `-o`.
    let mut each = Vec::new();
    for (target, input) in inputs {
        let name = &input.environment.name;
        let options = Options { output_name: Some(name.clone()), ..options.clone() };
        match emit(*target, std::slice::from_ref(input), &options) {
            Ok(emitted) => {
                each.push(match emitted.layout {
                    Layout::Stream => format!("`stave compile --env {name}`"),
                    Layout::Directory => format!("`stave compile --env {name} -o {name}/`"),
                });
                files.extend(
                    emitted.files.into_iter().map(|file| File { path: format!("{name}/{}", file.path), ..file }),
                );
                warnings.extend(emitted.warnings);
            }
            Err(found) => errors.extend(found),
        }
    }
    if errors.has_errors() {
        return Err(errors);
    }
    let targets: Vec<String> =
        inputs.iter().map(|(target, input)| format!("`{}`: {}", input.environment.name, target.name())).collect();
    let what = format!(
        "the environments compile to different targets ({}), each into a directory of its own \
        (`DIR/<environment>/`), or one at a time ({})",
        targets.join(", "),
        each.join(", ")
    );
    Ok(Emitted { files, layout: Layout::Directory, what, warnings })
}

/// Emits `target` for the environments of `inputs`: the one entry point of every target.
/// Output larger than the platform's `limits.outputSize` is refused.
pub fn emit(target: Target, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics> {
    let emitted = backend(target).emit(target, inputs, options)?;
    let Some(environment) = inputs.first().map(|input| input.environment) else { return Ok(emitted) };
    let limit = environment.limits.output_size;
    let mut total = 0u64;
    for file in &emitted.files {
        total = total.saturating_add(file.bytes.len() as u64);
        if total > limit {
            let mut out = Diagnostics::new();
            out.push(
                Diagnostic::error(
                    Code::OutputTooLarge,
                    format!("the output passes the platform's limit of {} at `{}`", limits::describe(limit), file.path),
                )
                .label(environment.limits_span, "the limit applies to every environment of this file")
                .help(format!(
                    "compile fewer workloads at a time, or raise `{}` in the platform file",
                    limits::OUTPUT_SIZE
                )),
            );
            return Err(out);
        }
    }
    Ok(emitted)
}
