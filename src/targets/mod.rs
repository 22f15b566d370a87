//! Targets: the one seam every target plugs into.
//!
//! A target takes the same [`Input`] (per environment: the workloads, the graph, the environment
//! and what provisioning returned, placeholders already bound) and the command line's
//! [`Options`], and returns [`Emitted`] files (relative path, bytes, mode) and its warnings, or
//! every error. [`emit`] is the one entry point; [`backend`] the one place that knows which
//! targets exist (one line each in [`BACKENDS`]) and refuses the others. Nothing here imports
//! the pipeline or the command line; nothing below knows a target's object shapes.

pub mod kubernetes;
pub mod terraform;

use std::path::Path;

use crate::catalog::Target;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::ir::Workload;
use crate::platform::Environment;
use crate::provision::{Provisioned, TargetModel};
use crate::source::Span;

/// What a target receives for one environment.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// Sorted by name.
    pub workloads: &'a [Workload],
    pub graph: &'a Graph,
    pub environment: &'a Environment,
    pub provisioned: &'a Provisioned,
}

/// What the command line asks of every target.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Emit the namespace itself (the environment needs one).
    pub generate_namespace: bool,
}

/// One emitted file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Relative to the output directory, with `/` between parts.
    pub path: String,
    pub bytes: Vec<u8>,
    /// Unix permission bits.
    pub mode: u32,
}

impl File {
    /// A regular, world-readable file.
    pub fn new(path: impl Into<String>, bytes: impl Into<Vec<u8>>) -> File {
        File { path: path.into(), bytes: bytes.into(), mode: 0o644 }
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
    pub layout: Layout,
    /// Whether a file found in an existing output directory (path relative to it) is one this
    /// target writes, so that replacing the directory loses nothing of the user's.
    pub owns: fn(&Path) -> bool,
    /// Warnings (errors make [`emit`] fail instead).
    pub warnings: Diagnostics,
}

/// A target. Each lives in a folder of its own under `src/targets/`, with its built-in
/// provisioners under `targets/<name>/` at the top of the repository.
pub trait Backend: Sync + std::fmt::Debug {
    fn target(&self) -> Target;
    /// What provisioning asks of this target.
    fn model(&self) -> &dyn TargetModel;
    /// Lowers one or several environments into files.
    fn emit(&self, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics>;
}

/// The targets that are built: one line each.
pub const BACKENDS: &[&dyn Backend] = &[&kubernetes::Kubernetes, &terraform::Terraform];

/// The backend of `target`, or the error saying it is not built yet: the one place that refuses
/// a target. `span` is where the target was chosen (the environment's `target:`), if in a file.
pub fn backend(target: Target, span: Option<Span>) -> Result<&'static dyn Backend, Diagnostic> {
    if let Some(backend) = BACKENDS.iter().copied().find(|b| b.target() == target) {
        return Ok(backend);
    }
    let built: Vec<String> = BACKENDS.iter().map(|b| format!("`{}`", b.target().name())).collect();
    let mut diagnostic = Diagnostic::error(
        Code::TargetNotBuilt,
        format!("the {} target is not built yet; Stave compiles to {}", target.name(), built.join(", ")),
    )
    .help(format!(
        "choose a built target (`--target {}`), or use `--emit ir`, which needs no target",
        BACKENDS[0].target().name()
    ));
    if let Some(span) = span {
        diagnostic = diagnostic.label(span, "this environment's target");
    }
    Err(diagnostic)
}

/// Emits `target` for the environments of `inputs`: the one entry point of every target.
pub fn emit(target: Target, inputs: &[Input<'_>], options: &Options) -> Result<Emitted, Diagnostics> {
    let backend = backend(target, None).map_err(|d| {
        let mut out = Diagnostics::new();
        out.push(d);
        out
    })?;
    backend.emit(inputs, options)
}
