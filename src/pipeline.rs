//! The pipeline, `score -> ir -> graph -> provision -> targets`, as one call for the CLI and tests.
//!
//! Each phase accumulates its diagnostics; the pipeline stops between phases when there are
//! errors, so a later phase never sees broken input.

use std::path::PathBuf;

use crate::builtins::Target;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::{self, Graph};
use crate::ir::Workload;
use crate::platform::{Environment, Platform};
use crate::provision::registry::Registry;
use crate::provision::seed::Seed;
use crate::provision::{self, Choices, Inputs, Provisioned};
use crate::score::{self, Input, LoadOptions};
use crate::source::Sources;
use crate::targets;

/// What to compile, and for which environment.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub inputs: Vec<Input>,
    pub load: LoadOptions,
    /// `--platform FILE`; else `stave.yaml` if present; else the embedded default.
    pub platform: Option<PathBuf>,
    pub environment: Option<String>,
    /// Overrides the environment's target.
    pub target: Option<Target>,
    /// Overrides the environment's namespace.
    pub namespace: Option<String>,
    /// The seed for generated values; located (`STAVE_SEED`, `.stave/seed`) when absent.
    pub seed: Option<Seed>,
}

/// How far to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    Load,
    Graph,
    Provision,
}

/// Everything the phases produced.
#[derive(Debug)]
pub struct Compiled {
    pub(crate) workloads: Vec<Workload>,
    pub(crate) environment: Environment,
    pub(crate) target: Target,
    pub(crate) registry: Registry,
    pub(crate) graph: Option<Graph>,
    /// The provisioners that serve each resource, best first: matched once, read by
    /// provisioning, `graph` and `explain`.
    pub(crate) choices: Choices,
    pub provisioned: Option<Provisioned>,
}

impl Compiled {
    /// What a target receives, once everything is provisioned.
    pub fn target_input(&self) -> Option<targets::Input<'_>> {
        Some(targets::Input {
            workloads: &self.workloads,
            graph: self.graph.as_ref()?,
            environment: &self.environment,
            provisioned: self.provisioned.as_ref()?,
        })
    }
}

/// Runs the pipeline up to `stage` for one environment: the one `--env` names, or the platform
/// file's only one. Returns what was built (when the phases before it had no errors) and every
/// diagnostic.
pub fn run(request: &Request, stage: Stage, sources: &mut Sources) -> (Option<Compiled>, Diagnostics) {
    let (mut compiled, diagnostics) = run_environments(request, stage, sources, Selection::One);
    (compiled.pop(), diagnostics)
}

/// Runs the pipeline up to `stage` for the environment `--env` names, else for every
/// environment of the platform file (each loads the workloads with its own overrides). Beyond
/// `Stage::Load` they must share a target, since one run writes one target's output.
pub fn run_all(request: &Request, stage: Stage, sources: &mut Sources) -> (Vec<Compiled>, Diagnostics) {
    run_environments(request, stage, sources, Selection::All)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Selection {
    One,
    All,
}

fn run_environments(
    request: &Request,
    stage: Stage,
    sources: &mut Sources,
    selection: Selection,
) -> (Vec<Compiled>, Diagnostics) {
    let mut out = Diagnostics::new();
    // The workload and provisioner schemas compile on another thread while the platform loads.
    rayon::spawn(|| {
        score::schema::workload();
        crate::provision::registry::warm();
    });
    let platform = match Platform::load(request.platform.as_deref(), sources) {
        Ok((platform, warnings)) => {
            out.extend(warnings);
            platform
        }
        Err(diagnostics) => return (Vec::new(), diagnostics),
    };
    let environments: Vec<&Environment> = match (selection, request.environment.as_deref()) {
        (Selection::All, None) => platform.environments.values().collect(),
        (_, name) => match platform.select(name, sources) {
            Ok(environment) => vec![environment],
            Err(diagnostic) => {
                out.push(diagnostic);
                return (Vec::new(), out.sorted());
            }
        },
    };
    // Only loading (plain `check`) emits nothing, so the environments' targets may differ.
    if stage > Stage::Load
        && let Some(diagnostic) = mixed_targets(&environments, request.target)
    {
        out.push(diagnostic);
        return (Vec::new(), out.sorted());
    }
    let (read, diagnostics) = score::read(&request.inputs, &request.load, sources);
    out.extend(diagnostics);
    let seed = request.seed.clone().unwrap_or_else(|| Seed::locate(&platform.base_dir));
    let mut compiled = Vec::new();
    for environment in environments {
        let (one, diagnostics) = compile_environment(request, stage, &platform, environment, &read, &seed, sources);
        out.extend(diagnostics);
        compiled.extend(one);
    }
    (compiled, out.sorted())
}

/// Environments compiled together must compile to one target.
fn mixed_targets(environments: &[&Environment], chosen: Option<Target>) -> Option<Diagnostic> {
    if chosen.is_some() {
        return None;
    }
    let first = environments.first()?;
    let other = environments.iter().find(|e| e.target != first.target)?;
    Some(
        Diagnostic::error(
            Code::MixedTargets,
            format!(
                "environments `{}` and `{}` compile to different targets ({} and {}), and one run writes one target's \
                output",
                first.name,
                other.name,
                first.target.name(),
                other.target.name()
            ),
        )
        .label(first.target_span, format!("`{}` compiles to {}", first.name, first.target.name()))
        .label(other.target_span, format!("`{}` compiles to {}", other.name, other.target.name()))
        .help("compile one environment at a time with `--env`, or all of them to one target with `--target`"),
    )
}

fn compile_environment(
    request: &Request,
    stage: Stage,
    platform: &Platform,
    environment: &Environment,
    read: &score::Read,
    seed: &Seed,
    sources: &mut Sources,
) -> (Option<Compiled>, Diagnostics) {
    let mut out = Diagnostics::new();
    let mut environment = environment.clone();
    if let Some(namespace) = &request.namespace {
        environment.kubernetes.namespace = Some(namespace.clone());
    }
    let target = request.target.unwrap_or(environment.target);
    let mut load = request.load.clone();
    load.platform_overrides = environment.overrides.clone();
    load.limits = environment.limits;
    let loaded = score::lower_read(read, &load, sources);
    out.extend(loaded.diagnostics);
    if out.has_errors() {
        return (None, out);
    }
    for (name, span) in environment.workload_spans.iter().filter(|_| !request.inputs.is_empty()) {
        if !loaded.workloads.iter().any(|w| &w.name == name) {
            out.push(
                Diagnostic::warning(
                    Code::UnusedWorkloadSettings,
                    format!(
                        "environment `{}` has settings for workload `{name}`, which is not being compiled",
                        environment.name
                    ),
                )
                .label(*span, "no such workload in this run")
                .help("check the workload's name, or compile its file too"),
            );
        }
    }
    let registry = Registry::load(&environment.provisioner_files, &platform.base_dir, sources, &mut out);
    let mut compiled = Compiled {
        workloads: loaded.workloads,
        environment,
        target,
        registry,
        graph: None,
        choices: Choices::default(),
        provisioned: None,
    };
    if stage == Stage::Load || out.has_errors() {
        return (Some(compiled), out);
    }
    match graph::build(&compiled.workloads, &compiled.environment.external) {
        Ok(graph) => compiled.graph = Some(graph),
        Err(diagnostics) => {
            out.extend(diagnostics);
            return (Some(compiled), out);
        }
    }
    let Some(graph) = &compiled.graph else { return (Some(compiled), out) };
    compiled.choices = provision::choose(graph, &compiled.registry, target);
    if stage == Stage::Graph {
        return (Some(compiled), out);
    }
    // Provisioning asks the target what it needs to know.
    let backend = targets::backend(target);
    let inputs = Inputs {
        workloads: &compiled.workloads,
        graph,
        environment: &compiled.environment,
        target,
        model: backend.model(),
        registry: &compiled.registry,
        seed,
    };
    let (provisioned, diagnostics) = provision::provision(&inputs, &compiled.choices);
    out.extend(diagnostics);
    compiled.provisioned = Some(provisioned);
    (Some(compiled), out)
}
