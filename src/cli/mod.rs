//! The command line: `stave check`, `stave compile`, `stave schema`, and the rest, one file each.
//!
//! Exit codes: 0 success (warnings allowed unless `--deny-warnings`), 1 invalid input, 2 wrong
//! usage. Diagnostics go to standard error, for people or (`--diagnostics json`) as JSON lines;
//! standard output carries only results, so it can be piped.

mod catalog;
mod check;
mod compile;
mod completions;
mod console;
pub(crate) mod drift;
mod explain;
#[doc(hidden)]
pub mod fuzz_writers;
mod graph;
mod init;
mod inputs;
mod manifest;
pub(crate) mod output;
mod provisioners;
#[doc(hidden)]
pub mod reference;
mod report;
mod resources;
mod safe_fs;
mod schema;

/// The words of `stave check`'s summary line, for the tests that check in-process.
pub use check::{left_out as check_left_out, summary as check_summary};
pub use console::{Console, VARIABLES};

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  stave check                              check ./workload.yaml (or ./score.yaml)
  stave check api.yaml worker.yaml         check several workloads together
  stave compile --example --emit ir        compile the bundled example and print the IR
  stave compile --example --emit resources the resources' provisioners, outputs and objects
  stave graph a.yaml b.yaml --format dot   the dependency graph, for Graphviz
  stave compile *.yaml --env prod          compile for an environment of ./stave.yaml
  stave provisioners list --env prod       what serves each resource type in `prod`
  stave explain postgres.default#api.db api.yaml   why a provisioner was chosen
  stave resources get-outputs dns.default#web.dns web.yaml --format '{{ host }}'
                                           one resource's outputs (no state: compiled)
  stave compile score.yaml --image app:1.2 fill `image: \".\"`
  stave check score.yaml --override-property containers.web.variables.DEBUG=true
  stave check --diagnostics json           one JSON object per problem, for CI annotations
  stave schema workload > score.schema.json
  stave init                               start a project: workload.yaml, stave.yaml, .gitignore
  stave catalog --env dev > catalog-info.yaml   Backstage entities for the workloads
  stave completions bash > ~/.local/share/bash-completion/completions/stave";

#[derive(Debug, Parser)]
#[command(name = "stave", version, about = "Compile Score workloads into deployable manifests.", after_help = EXAMPLES)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,

    /// How to print problems: for people, or for CI (JSON lines, SARIF, GitHub, GitLab).
    #[arg(long, global = true, value_enum, default_value_t = DiagnosticsFormat::Human)]
    diagnostics: DiagnosticsFormat,

    /// Exit with code 1 when there are warnings, not only errors.
    #[arg(long, global = true)]
    deny_warnings: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiagnosticsFormat {
    /// For people: the message, the source lines with labels, help.
    Human,
    /// One JSON object per line: code, severity, message, file, line, column, help.
    Json,
    /// One SARIF 2.1.0 log for the run (GitHub code scanning and other review tools).
    Sarif,
    /// GitHub Actions workflow commands (`::error file=…,line=…::…`), one per line.
    Github,
    /// A GitLab Code Quality report for the run (a JSON array).
    Gitlab,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load and validate workloads, and check their placeholders, without compiling.
    Check(check::CheckArgs),
    /// Compile workloads for an environment and target.
    Compile(compile::CompileArgs),
    /// Print the dependency graph of workloads and resources.
    Graph(graph::GraphArgs),
    /// Inspect provisioners.
    #[command(subcommand)]
    Provisioners(provisioners::ProvisionersCommand),
    /// Show which provisioner serves a resource, and why.
    Explain(explain::ExplainArgs),
    /// List the workloads' resources, or print one's outputs (compiled; Stave keeps no state).
    #[command(subcommand)]
    Resources(resources::ResourcesCommand),
    /// Print a JSON Schema, e.g. for editors (yaml-language-server).
    Schema(schema::SchemaArgs),
    /// Start a project: a sample workload.yaml, a stave.yaml with dev and prod, .stave/ ignored.
    Init(init::InitArgs),
    /// Print Backstage catalog entities (catalog-info.yaml) for the workloads and resources.
    Catalog(catalog::CatalogArgs),
    /// Print the shell completion script for bash, zsh, fish or powershell.
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), of `stave` or of one subcommand.
    Man(completions::ManArgs),
}

/// The input flags that `check` and `compile` share.
#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Score workload files, or directories to search for them; `-` reads standard input.
    /// Default: `workload.yaml`, else `score.yaml`.
    files: Vec<PathBuf>,

    /// The image for `image: "."`: IMAGE for all, WORKLOAD=IMAGE or WORKLOAD.CONTAINER=IMAGE for one.
    #[arg(long, value_name = "IMAGE")]
    image: Vec<String>,

    /// Set or delete one field: PATH=VALUE (VALUE is YAML; empty deletes; `\.` escapes a dot).
    #[arg(long, value_name = "PATH=VALUE")]
    override_property: Vec<String>,

    /// A YAML file merged into the workload (a null value deletes a field).
    #[arg(long, value_name = "FILE")]
    overrides_file: Option<PathBuf>,

    /// Allow file `source`s outside the workload file's directory.
    #[arg(long)]
    allow_outside_sources: bool,

    /// Allow file `source`s that are dotfiles or in dot-directories (never `.stave/`, the seed's).
    #[arg(long)]
    allow_dotfile_sources: bool,

    /// Read more workload files (or directories), one a line, from FILE; `-` for standard input.
    #[arg(long, value_name = "FILE")]
    files_from: Option<PathBuf>,
}

/// Which environment, from which platform file.
#[derive(Debug, Args)]
pub(crate) struct PlatformArgs {
    /// The environment of the platform file (needed when it declares several).
    #[arg(long, value_name = "ENV")]
    env: Option<String>,

    /// The platform file (default: the nearest `stave.yaml` from the current directory up to the
    /// repository root, else one `local` environment; the summary line names the file used).
    #[arg(long, value_name = "FILE")]
    platform: Option<PathBuf>,
}

impl PlatformArgs {
    /// The platform file in use: `--platform`, else the nearest `stave.yaml`, else none (the
    /// built-in `local` environment).
    fn file(&self) -> Option<PathBuf> {
        self.platform.clone().or_else(crate::platform::find_platform_file)
    }
}

/// How a summary line names the platform file in use.
fn platform_used(file: Option<&std::path::Path>) -> String {
    match file {
        Some(file) => format!("platform file `{}`", file.display()),
        None => "no platform file: the built-in `local` environment".to_string(),
    }
}

/// The target flags that `check` and `compile` share.
#[derive(Debug, Args)]
pub(crate) struct TargetArgs {
    /// The target to emit (overrides the environment's): a built-in one, or an external target the
    /// platform file declares.
    #[arg(long, value_parser = target_name())]
    target: Option<crate::builtins::Target>,

    /// The Kubernetes namespace of everything emitted (overrides the environment's).
    #[arg(long, value_name = "NS")]
    namespace: Option<String>,
}

/// Target names parse here, in the command line's layer: the built-in names (offered to
/// completions and `--help`), or the name of an external target, which the platform file must
/// declare (the pipeline checks).
fn target_name() -> TargetName {
    TargetName
}

#[derive(Debug, Clone, Copy)]
struct TargetName;

impl clap::builder::TypedValueParser for TargetName {
    type Value = crate::builtins::Target;

    fn parse_ref(
        &self,
        command: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        use crate::builtins::Target;
        let name = value.to_str().unwrap_or_default();
        let valid = (1..=32).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if valid {
            return Ok(Target::named(name));
        }
        let mut error = clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(command);
        if let Some(arg) = arg {
            use clap::error::{ContextKind, ContextValue};
            error.insert(ContextKind::InvalidArg, ContextValue::String(arg.to_string()));
            error.insert(ContextKind::InvalidValue, ContextValue::String(name.to_string()));
            let names = Target::ALL.map(|t| t.name().to_string()).to_vec();
            error.insert(ContextKind::ValidValue, ContextValue::Strings(names));
        }
        Err(error)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        let builtins = crate::builtins::Target::ALL.map(|t| clap::builder::PossibleValue::new(t.name()));
        Some(Box::new(builtins.into_iter()))
    }
}

impl TargetArgs {
    /// Sets the request's target and namespace; a namespace Kubernetes would refuse is a usage
    /// error.
    fn apply(&self, request: &mut crate::pipeline::Request) -> Result<(), String> {
        if let Some(namespace) = &self.namespace
            && let Err(reason) = crate::targets::kubernetes_objects::names::check("Namespace", namespace)
        {
            return Err(format!("`--namespace {namespace}` is not a namespace Kubernetes accepts: {reason}"));
        }
        request.target = self.target;
        request.namespace = self.namespace.clone();
        Ok(())
    }
}

/// What a subcommand ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Success,
    InvalidInput,
    Usage,
}

/// The `stave` binary's entry point: runs the command line on the process's arguments, streams
/// and variables.
pub fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    let _ = FORMAT.set(requested_format(&args).unwrap_or(DiagnosticsFormat::Human));
    let (mut stdin, mut stdout, mut stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let console = Console::process(&mut stdin, &mut stdout, &mut stderr);
    ExitCode::from(run(args, &console))
}

/// Runs the command line: `args` (the program's name first), in the process's working
/// directory, on `console`'s streams and variables; returns the exit code.
pub fn run<'a>(args: impl IntoIterator<Item = impl Into<OsString>>, console: &'a Console<'a>) -> u8 {
    let args: Vec<OsString> = args.into_iter().map(Into::into).collect();
    let mut command = Cli::command();
    if let Some(width) = console.help_width() {
        command = command.term_width(width);
    }
    let parsed =
        command.try_get_matches_from_mut(&args).and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    let cli = match parsed.map_err(|error| error.format(&mut command)) {
        Ok(cli) => cli,
        Err(mut error) => {
            point_to_stave_commands(&mut error);
            // clap prints help and version to stdout with code 0, usage errors to stderr with 2;
            // with a machine format named on the command line, a usage error follows it.
            let code = u8::try_from(error.exit_code()).unwrap_or(2);
            match requested_format(&args) {
                Some(format) if format != DiagnosticsFormat::Human && error.use_stderr() => {
                    let reporter = report::Reporter::new(format, false, console);
                    let text = error.render().to_string();
                    let first = text.lines().next().unwrap_or("invalid command line");
                    reporter.usage_error(first.trim_start_matches("error: "));
                    reporter.finish();
                }
                // On the process's own streams, clap prints (in colour on a terminal).
                _ if console.is_process() => {
                    let _ = error.print();
                }
                _ => {
                    let text = error.render().to_string();
                    if error.use_stderr() { console.err(text.as_bytes()) } else { console.out(text.as_bytes()) }
                }
            }
            return code;
        }
    };
    let reporter = report::Reporter::new(cli.diagnostics, cli.deny_warnings, console);
    let outcome = run_command(cli.command, &reporter);
    reporter.finish();
    match outcome {
        Outcome::Success => 0,
        Outcome::InvalidInput => 1,
        Outcome::Usage => 2,
    }
}

/// Other Score implementations' subcommands (score-k8s, score-compose) and what Stave calls them:
/// `stave generate` gets "a similar subcommand exists: 'compile'" instead of clap's bare refusal.
const HABITS: &[(&str, &str, &str)] = &[
    ("generate", "compile", "`stave compile` does what `generate` does in score-k8s and score-compose"),
    ("validate", "check", "`stave check` validates workloads without writing anything"),
    ("version", "--version", "`stave --version` prints the version"),
];

/// Adds a pointer to the right command to clap's error for a subcommand another Score
/// implementation has.
fn point_to_stave_commands(error: &mut clap::Error) {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if error.kind() != ErrorKind::InvalidSubcommand {
        return;
    }
    let Some(ContextValue::String(given)) = error.get(ContextKind::InvalidSubcommand) else { return };
    let Some(&(_, ours, why)) = HABITS.iter().find(|(theirs, _, _)| theirs == given) else { return };
    let kind = if ours.starts_with("--") { ContextKind::SuggestedArg } else { ContextKind::SuggestedSubcommand };
    error.insert(kind, ContextValue::String(ours.to_string()));
    error.insert(ContextKind::Suggested, ContextValue::StyledStrs(vec![why.into()]));
}

/// Whether what Stave prints goes to a CI log whose runner reads workflow commands: under
/// `--diagnostics github`, and when `GITHUB_ACTIONS` is `true` (as on every GitHub runner).
pub(crate) fn ci_log(format: DiagnosticsFormat, console: &Console<'_>) -> bool {
    format == DiagnosticsFormat::Github || console.variable("GITHUB_ACTIONS").is_some_and(|value| value == "true")
}

/// The `--diagnostics` format of this run, for [`report_fatal`].
static FORMAT: std::sync::OnceLock<DiagnosticsFormat> = std::sync::OnceLock::new();

/// Reports a diagnostic that ends the run from outside its phases (the render watchdog's), in
/// the format `--diagnostics` names; the caller ends the process with exit code 1.
pub fn report_fatal(diagnostic: crate::diagnostics::Diagnostic) {
    let (mut stdin, mut stdout, mut stderr) = (std::io::stdin(), std::io::stdout(), std::io::stderr());
    let console = Console::process(&mut stdin, &mut stdout, &mut stderr);
    let reporter = report::Reporter::new(FORMAT.get().copied().unwrap_or(DiagnosticsFormat::Human), false, &console);
    let mut diagnostics = crate::diagnostics::Diagnostics::new();
    diagnostics.push(diagnostic);
    reporter.emit(&diagnostics, &crate::source::Sources::new());
    reporter.summary(&diagnostics, "failed; nothing was written");
    reporter.finish();
}

fn run_command(command: Command, reporter: &report::Reporter<'_>) -> Outcome {
    match command {
        Command::Check(args) => check::run(args, reporter),
        Command::Compile(args) => compile::run(args, reporter),
        Command::Graph(args) => graph::run(args, reporter),
        Command::Provisioners(command) => provisioners::run(command, reporter),
        Command::Explain(args) => explain::run(args, reporter),
        Command::Resources(command) => resources::run(command, reporter),
        Command::Schema(args) => schema::run(&args, reporter),
        Command::Init(args) => init::run(&args, reporter),
        Command::Catalog(args) => catalog::run(args, reporter),
        Command::Completions(args) => completions::completions(&args, reporter),
        Command::Man(args) => completions::man(&args, reporter),
    }
}

/// The `--diagnostics` value on the command line, read without clap (for clap's own errors).
fn requested_format(args: &[OsString]) -> Option<DiagnosticsFormat> {
    let args: Vec<String> = args.iter().map(|arg| arg.to_string_lossy().into_owned()).collect();
    let value = args.iter().enumerate().find_map(|(i, arg)| match arg.strip_prefix("--diagnostics") {
        Some("") => args.get(i + 1).cloned(),
        Some(rest) => rest.strip_prefix('=').map(String::from),
        None => None,
    })?;
    DiagnosticsFormat::from_str(&value, true).ok()
}
