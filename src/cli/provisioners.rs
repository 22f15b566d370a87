//! `stave provisioners list`: what serves each resource type in an environment.

use std::io::Write;

use clap::{Args, Subcommand, ValueEnum};

use super::report::Reporter;
use super::{Outcome, PlatformArgs};
use crate::pipeline::{Request, Stage};
use crate::provision::registry::Origin;

#[derive(Debug, Subcommand)]
pub(crate) enum ProvisionersCommand {
    /// List the provisioners of an environment, in the order they are searched.
    List(ListArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    platform: PlatformArgs,

    /// The output format.
    #[arg(long, value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

pub(crate) fn run(command: ProvisionersCommand, reporter: &Reporter) -> Outcome {
    let ProvisionersCommand::List(args) = command;
    let request =
        Request { platform: args.platform.file(), environment: args.platform.env.clone(), ..Request::default() };
    let compiled = match reporter.run(&request, Stage::Load) {
        Ok((compiled, _)) => compiled,
        Err(outcome) => return outcome,
    };
    let mut rows: Vec<&crate::provision::registry::Provisioner> =
        compiled.registry.provisioners.iter().filter(|p| p.targets.contains(&compiled.target)).collect();
    rows.sort_by_key(|p| (p.kind.clone(), std::cmp::Reverse(p.specificity()), p.origin, p.order));
    let mut text = String::new();
    match args.format {
        ListFormat::Json => {
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "name": p.name, "type": p.kind, "class": p.class, "id": p.id,
                        "origin": if p.origin == Origin::Builtin { "builtin" } else { "environment" },
                        "file": p.file, "targets": p.targets, "params": p.params_schema, "description": p.description,
                    })
                })
                .collect();
            text = serde_json::to_string_pretty(&json).unwrap_or_default();
            text.push('\n');
        }
        ListFormat::Table => {
            text.push_str(&format!(
                "environment `{}` (target {}): provisioners by type, the first that matches wins\n\n",
                compiled.environment.name,
                compiled.target.name()
            ));
            text.push_str(&format!("{:<16} {:<10} {:<14} {:<30} {}\n", "TYPE", "CLASS", "ID", "NAME", "FROM"));
            for p in rows {
                let from = if p.origin == Origin::Builtin { "built-in".to_string() } else { p.file.clone() };
                text.push_str(&format!(
                    "{:<16} {:<10} {:<14} {:<30} {}\n",
                    p.kind,
                    p.class.as_deref().unwrap_or("*"),
                    p.id.as_deref().unwrap_or("*"),
                    p.name,
                    from
                ));
            }
        }
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Outcome::Success
}
