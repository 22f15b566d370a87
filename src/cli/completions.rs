//! `stave completions SHELL` and `stave man [SUBCOMMAND]`: the completion script of a shell
//! (clap_complete) and a man page in roff (clap_mangen), both generated from the same clap
//! definition as `--help`, printed to standard output.

use std::io::Write;

use clap::{Args, CommandFactory, ValueEnum};
use clap_complete::Shell as Generator;

use super::report::Reporter;
use super::{Cli, Outcome};

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    shell: Shell,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// A subcommand's page (such as `stave-check(1)`) instead of `stave(1)`.
    subcommand: Option<String>,
}

pub(crate) fn completions(args: &CompletionsArgs) -> Outcome {
    let generator = match args.shell {
        Shell::Bash => Generator::Bash,
        Shell::Zsh => Generator::Zsh,
        Shell::Fish => Generator::Fish,
        Shell::Powershell => Generator::PowerShell,
    };
    let mut script = Vec::new();
    clap_complete::generate(generator, &mut Cli::command(), "stave", &mut script);
    let _ = std::io::stdout().lock().write_all(&script);
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
    let _ = std::io::stdout().lock().write_all(&roff);
    Outcome::Success
}
