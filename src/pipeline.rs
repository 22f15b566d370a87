//! The pipeline, `score -> ir -> graph -> provision -> targets`, as one call for the CLI and tests.
//!
//! Each phase accumulates its diagnostics and goes on past errors with what they leave intact,
//! so that one run reports everything it can know: a workload whose file failed to load, a
//! resource whose link or inputs failed, are left out of later phases (and said to be, in
//! [`Compiled::left_out`]), the rest is checked. A target only ever sees an environment without
//! errors.

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
use crate::targets::{self, TargetOption};

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
    /// The seed for generated values; when absent, `seed_variable`, else the file `.stave/seed`
    /// beside the platform file, else the development seed.
    pub seed: Option<Seed>,
    /// The value of `STAVE_SEED` where the caller read it (the command line does; the library
    /// reads no environment variable).
    pub seed_variable: Option<std::ffi::OsString>,
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
    /// Whether this environment's phases found errors (then no target may see it); set by
    /// `run_environments` from the environment's own diagnostics.
    pub(crate) failed: bool,
    /// What was not checked because something it depends on failed, for the summary line
    /// (`resource \`api.db\``, `provisioning`).
    pub left_out: Vec<String>,
}

impl Compiled {
    /// What a target receives, once everything is provisioned.
    pub fn target_input<'a>(&'a self, sources: &'a Sources) -> Option<targets::Input<'a>> {
        Some(targets::Input {
            sources,
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
/// environment of the platform file (each loads the workloads with its own overrides, and has
/// its own target).
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
    // `--target` may name an external target only where the platform file declares it (which
    // says what the target takes).
    let mut target = request.target;
    if let (Some(named), Some(first)) = (request.target, environments.first()) {
        let what = format!("`--target {}`", named.name());
        match crate::platform::resolve_target(named.name(), &first.external_targets, first.target_span, &what) {
            Ok(resolved) => target = Some(resolved),
            Err(error) => {
                out.push(error);
                return (Vec::new(), out.sorted());
            }
        }
    }
    let (read, diagnostics) = score::read(&request.inputs, &request.load, sources);
    out.extend(diagnostics);
    let seed =
        request.seed.clone().unwrap_or_else(|| Seed::locate(request.seed_variable.as_deref(), &platform.base_dir));
    let mut compiled = Vec::new();
    for environment in environments {
        let chosen = target.unwrap_or(environment.target);
        let (mut one, diagnostics) = compile_environment(
            request,
            stage,
            Shared { platform: &platform, read: &read, seed: &seed },
            environment,
            chosen,
            sources,
        );
        if let Some(one) = &mut one {
            one.failed = diagnostics.has_errors();
        }
        out.extend(diagnostics);
        compiled.extend(one);
    }
    (compiled, out.sorted())
}

/// A warning when `--target` makes other provisioners serve resources than the environment's own
/// target would (an in-cluster database instead of a managed one), naming each resource.
fn target_changes_provisioners(compiled: &Compiled, planned: &Choices) -> Option<Diagnostic> {
    let (registry, environment) = (&compiled.registry, &compiled.environment);
    let graph = compiled.graph.as_ref()?;
    let name = |choices: &Choices, uid: &str| choices.chosen(registry, uid).map(|p| p.name.clone());
    let changed: Vec<_> = graph
        .resources_in_order()
        .filter_map(|r| {
            let (now, planned) = (name(&compiled.choices, &r.uid), name(planned, &r.uid));
            (now != planned).then_some((r, now, planned))
        })
        .collect();
    if changed.is_empty() {
        return None;
    }
    let (target, own) = (compiled.target.name(), environment.target.name());
    let mut diagnostic = Diagnostic::warning(
        Code::TargetChangesProvisioners,
        format!(
            "`--target {target}` changes which provisioners serve {} of environment `{}`, which compiles to {own}",
            match changed.len() {
                1 => "1 resource".to_string(),
                n => format!("{n} resources"),
            },
            environment.name
        ),
    )
    .label(environment.target_span, format!("`{}` compiles to {own}", environment.name));
    let shown = |p: &Option<String>| p.as_deref().map_or("nothing".to_string(), |p| format!("`{p}`"));
    for (resource, now, planned) in &changed {
        diagnostic = diagnostic.label(
            resource.declarations[0].span,
            format!("`{}`: {} instead of {}", resource.uid, shown(now), shown(planned)),
        );
    }
    Some(diagnostic.help(format!(
        "compile `{}` without `--target` to get what the platform planned for it, or give it provisioners for \
        {target} that match",
        environment.name
    )))
}

/// What every environment of a run shares: the platform file, the workload files as read, the seed.
#[derive(Clone, Copy)]
struct Shared<'a> {
    platform: &'a Platform,
    read: &'a score::Read,
    seed: &'a Seed,
}

fn compile_environment(
    request: &Request,
    stage: Stage,
    shared: Shared<'_>,
    environment: &Environment,
    target: Target,
    sources: &mut Sources,
) -> (Option<Compiled>, Diagnostics) {
    let Shared { platform, read, seed } = shared;
    let mut out = Diagnostics::new();
    let mut environment = environment.clone();
    // `--namespace`, for a target that takes it; another refuses it rather than ignoring it.
    if let Some(namespace) = &request.namespace {
        match targets::refuse(target, TargetOption::Namespace, &environment.name) {
            None => environment.kubernetes.namespace = Some(namespace.clone()),
            Some(message) => {
                let mut refused = Diagnostic::error(Code::Usage, message)
                    .help("leave out `--namespace`, or compile the environment to a target that takes it");
                if request.target.is_none() {
                    refused = refused.label(environment.target_span, "the environment's target");
                }
                out.push(refused);
                return (None, out);
            }
        }
    }
    let mut load = request.load.clone();
    load.platform_overrides = environment.overrides.clone();
    load.limits = environment.limits;
    let loaded = score::lower_read(read, &load, sources);
    out.extend(loaded.diagnostics);
    for (name, span) in environment.workload_spans.iter().filter(|_| !request.inputs.is_empty()) {
        let known = loaded.workloads.iter().any(|w| &w.name == name) || loaded.failed.contains(name);
        if !known {
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
    let errors = out.error_count();
    let registry = Registry::load(&environment.provisioner_files, &platform.base_dir, sources, &mut out);
    registry.check_targets(&environment.external_targets, &mut out);
    let registry_failed = out.error_count() > errors;
    let mut compiled = Compiled {
        workloads: loaded.workloads,
        environment,
        target,
        registry,
        graph: None,
        choices: Choices::default(),
        provisioned: None,
        failed: false,
        left_out: Vec::new(),
    };
    if stage == Stage::Load {
        return (Some(compiled), out);
    }
    let (graph, diagnostics) = graph::build(&compiled.workloads, &compiled.environment.external, &loaded.failed);
    out.extend(diagnostics);
    let Some(graph) = graph else {
        compiled.left_out.push("provisioning".into());
        return (Some(compiled), out);
    };
    compiled.graph = Some(graph);
    let Some(graph) = compiled.graph.as_ref() else { return (Some(compiled), out) };
    compiled.choices = provision::choose(graph, &compiled.registry, target);
    if target != compiled.environment.target {
        let planned = provision::choose(graph, &compiled.registry, compiled.environment.target);
        if let Some(warning) = target_changes_provisioners(&compiled, &planned) {
            out.push(warning);
        }
    }
    if stage == Stage::Graph {
        return (Some(compiled), out);
    }
    if registry_failed {
        compiled.left_out.push("provisioning".into());
        return (Some(compiled), out);
    }
    // Provisioning asks the target what it needs to know.
    let inputs = Inputs {
        workloads: &compiled.workloads,
        graph,
        environment: &compiled.environment,
        target,
        model: targets::model(target),
        registry: &compiled.registry,
        seed,
    };
    let (provisioned, diagnostics) = provision::provision(&inputs, &compiled.choices);
    out.extend(diagnostics);
    let left_out = graph.left_out.iter().chain(&provisioned.left_out).collect::<std::collections::BTreeSet<_>>();
    compiled.left_out.extend(left_out.into_iter().map(|uid| format!("resource `{uid}`")));
    compiled.provisioned = Some(provisioned);
    (Some(compiled), out)
}
