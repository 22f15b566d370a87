//! `stave resources list`: every resource of the workloads, with the provisioner that meets it
//! in the environment and the keys of its outputs (`${resources.<name>.<key>}`).

use clap::{Args, ValueEnum};
use serde_json::json;

use crate::cli::report::Reporter;
use crate::cli::{InputArgs, Outcome, PlatformArgs};

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// The output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ListFormat::Table)]
    format: ListFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ListFormat {
    Table,
    Json,
}

pub(crate) fn run(args: &ListArgs, reporter: &Reporter) -> Outcome {
    let compiled = match super::provisioned(&args.input, &args.platform, reporter) {
        Ok(compiled) => compiled,
        Err(outcome) => return outcome,
    };
    let (Some(graph), Some(provisioned)) = (&compiled.graph, &compiled.provisioned) else {
        return Outcome::InvalidInput;
    };
    // In provisioning order (dependencies first), as `compile` meets them.
    let rows: Vec<_> = graph
        .resources_in_order()
        .filter_map(|resource| Some((resource, provisioned.resources.get(&resource.uid)?)))
        .collect();
    let text = match args.format {
        ListFormat::Json => {
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(|(resource, provided)| {
                    json!({
                        "uid": resource.uid, "type": resource.kind, "class": resource.class, "id": resource.id,
                        "declared_by": resource
                            .declarations
                            .iter()
                            .map(|d| format!("{}.{}", d.workload, d.name))
                            .collect::<Vec<_>>(),
                        "provisioner": provided.provisioner,
                        "outputs": provided.outputs.keys().collect::<Vec<_>>(),
                    })
                })
                .collect();
            serde_json::to_string_pretty(&rows).unwrap_or_default() + "\n"
        }
        ListFormat::Table => {
            let uid_width = rows.iter().map(|(r, _)| r.uid.len()).max().unwrap_or(0).max(3);
            let provisioner_width = rows.iter().map(|(_, p)| p.provisioner.len()).max().unwrap_or(0).max(11);
            let mut text = format!(
                "environment `{}` (target {}): {} resource{}\n\n{:<uid_width$}  {:<provisioner_width$}  OUTPUTS\n",
                compiled.environment.name,
                compiled.target.name(),
                rows.len(),
                if rows.len() == 1 { "" } else { "s" },
                "UID",
                "PROVISIONER",
            );
            for (resource, provided) in &rows {
                let keys: Vec<&str> = provided.outputs.keys().map(String::as_str).collect();
                let keys = if keys.is_empty() { "(none)".to_string() } else { keys.join(", ") };
                text.push_str(&format!(
                    "{:<uid_width$}  {:<provisioner_width$}  {keys}\n",
                    resource.uid, provided.provisioner
                ));
            }
            text
        }
    };
    reporter.console().out(text.as_bytes());
    Outcome::Success
}
