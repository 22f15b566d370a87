//! `stave completions SHELL` and `stave man [SUBCOMMAND]`: the completion script of a shell
//! (clap_complete) and a man page in roff (clap_mangen), both generated from the same clap
//! definition as `--help`, printed to standard output. Bash completes `--env` with the names of
//! the environments: its script asks `stave completions environments` for them.

use std::path::PathBuf;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell as Generator;

use super::report::Reporter;
use super::{Cli, Outcome};

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,

    /// With `environments`: the platform file (default: the one `--env` would use).
    #[arg(long, value_name = "FILE")]
    platform: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
    /// Not a shell: the environment names that complete `--env`, one a line (bash's script asks
    /// for them).
    Environments,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// A subcommand's page (such as `stave-check(1)`) instead of `stave(1)`.
    subcommand: Option<String>,
}

/// `stave completions environments`: the environment names of the platform file in use, one a
/// line; nothing (and exit 0) where it cannot be read, since a completion has nowhere to show an
/// error.
fn environment_names(platform: Option<&std::path::Path>, reporter: &Reporter<'_>) -> Outcome {
    let mut sources = crate::source::Sources::new();
    if let Ok((platform, _)) = crate::platform::Platform::load(platform, &mut sources) {
        let names: String = platform.environments.keys().map(|name| format!("{name}\n")).collect();
        reporter.console().out(names.as_bytes());
    }
    Outcome::Success
}

/// Bash's function that lists the environments for `--env`: those of `--platform FILE` when the
/// line being completed has it (bash splits `--platform=FILE` at the `=`), else of the platform
/// file found from the current directory, asked of the `stave` being completed.
const BASH_ENVIRONMENTS: &str = r#"_stave_environments() {
    local i platform=()
    for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
        if [[ ${COMP_WORDS[i]} == --platform ]]; then
            if [[ ${COMP_WORDS[i+1]} == = ]]; then
                platform=(--platform "${COMP_WORDS[i+2]}")
            else
                platform=(--platform "${COMP_WORDS[i+1]}")
            fi
        fi
    done
    "${COMP_WORDS[0]}" completions environments "${platform[@]}" 2>/dev/null
}

"#;

/// What clap_complete's bash script offers for a flag with free values (file names), and what
/// `--env` offers instead.
const BASH_FILES: &str = "--env)\n                    COMPREPLY=($(compgen -f \"${cur}\"))";
const BASH_ENV_NAMES: &str =
    "--env)\n                    COMPREPLY=($(compgen -W \"$(_stave_environments)\" -- \"${cur}\"))";

pub(crate) fn completions(args: &CompletionsArgs, reporter: &Reporter<'_>) -> Outcome {
    let generator = match args.shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
        Shell::Powershell => Generator::PowerShell,
        Shell::Environments => return environment_names(args.platform.as_deref(), reporter),
    };
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "stave", &mut script);
    if let Generator::Bash = generator {
        let generated = String::from_utf8_lossy(&script);
        script = format!("{BASH_ENVIRONMENTS}{}", generated.replace(BASH_FILES, BASH_ENV_NAMES)).into_bytes();
    }
    reporter.console().out(&script);
    Outcome::Success
}

pub(crate) fn man(args: &ManArgs, reporter: &Reporter) -> Outcome {
    let mut command = Cli::command();
    command.build();
    let page = match &args.subcommand {
        None => command,
        Some(name) => {
            let names: Vec<String> =
                command.get_subcommands().map(|c| c.get_name().to_string()).filter(|n| n != "help").collect();
            let Some(sub) = command.find_subcommand(name).cloned() else {
                return reporter.usage_error(&format!(
                    "no subcommand `{name}`{} (the subcommands: {})",
                    crate::suggest::hint(name, names.iter().map(String::as_str)),
                    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                ));
            };
            sub
        }
    };
    let mut roff = Vec::new();
    let man = clap_mangen::Man::new(page).source(format!("stave {}", env!("CARGO_PKG_VERSION")));
    if let Err(e) = man.render(&mut roff) {
        return reporter.usage_error(&format!("cannot render the man page: {e}"));
    }
    reporter.console().out(&roff);
    Outcome::Success
}
