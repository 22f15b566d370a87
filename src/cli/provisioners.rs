//! `stave provisioners list`: what serves each resource type in an environment, in the order
//! they are searched, with the params each takes; a table whose columns fit their longest value
//! (or JSON).

use clap::{Args, Subcommand, ValueEnum};

use super::report::Reporter;
use super::{Outcome, PlatformArgs};
use crate::builtins::Target;
use crate::pipeline::{Request, Stage};
use crate::provision::registry::{Origin, Provisioner, Serving};

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
    let target = compiled.target;
    let mut rows: Vec<&Provisioner> =
        compiled.registry.provisioners.iter().filter(|p| p.serving(target).is_some()).collect();
    rows.sort_by(|a, b| (&a.kind, a.rank(target)).cmp(&(&b.kind, b.rank(target))));
    let text = match args.format {
        ListFormat::Json => {
            let json: Vec<serde_json::Value> = rows
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "name": p.name, "type": p.kind, "class": p.class, "id": p.id,
                        "origin": if p.origin == Origin::Builtin { "builtin" } else { "environment" },
                        "file": p.file, "targets": p.targets, "strictTargets": p.strict_targets,
                        "serves": match p.serving(target) {
                            Some(Serving::Listed) => "listed",
                            Some(Serving::Implied) => "implied",
                            _ => "any",
                        },
                        "params": p.params_schema, "description": p.description,
                    })
                })
                .collect();
            serde_json::to_string_pretty(&json).unwrap_or_default() + "\n"
        }
        ListFormat::Table => table(&compiled.environment.name, target, &rows),
    };
    reporter.console().out(text.as_bytes());
    Outcome::Success
}

/// The columns of the table, with the width each has at least.
const COLUMNS: [(&str, usize); 6] = [("TYPE", 16), ("CLASS", 10), ("ID", 14), ("NAME", 30), ("FROM", 0), ("PARAMS", 0)];

/// The table: one row per provisioner, each column as wide as its longest value (at least its
/// width in [`COLUMNS`]), then a note on those that serve the target by implication.
fn table(environment: &str, target: Target, rows: &[&Provisioner]) -> String {
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|p| {
            let from = if p.origin == Origin::Builtin { "built-in".to_string() } else { p.file.clone() };
            let implied = if p.serving(target) == Some(Serving::Implied) { " (+)" } else { "" };
            [
                p.kind.clone(),
                p.class.clone().unwrap_or_else(|| "*".into()),
                p.id.clone().unwrap_or_else(|| "*".into()),
                format!("{}{implied}", p.name),
                from,
                params(p.params_schema.as_ref()),
            ]
        })
        .collect();
    let mut widths = COLUMNS.map(|(header, least)| header.chars().count().max(least));
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |row: &[String]| {
        let padded: Vec<String> = row.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        padded.join(" ").trim_end().to_string() + "\n"
    };
    let mut text = format!(
        "environment `{environment}` (target {}): provisioners by type, the first that matches wins\n\n",
        target.name()
    );
    text.push_str(&line(&COLUMNS.map(|(header, _)| header.to_string())));
    for row in &cells {
        text.push_str(&line(row));
    }
    if rows.iter().any(|p| p.serving(target) == Some(Serving::Implied)) {
        let target = target.name();
        text.push_str(&format!(
            "\n(+) serves {target} without listing it: it lists `kubernetes` or `helm`, so it returns Kubernetes \
            objects, which {target} takes; those that list {target} come first among the environment's own (or \
            among the built-ins), and `strictTargets: true` keeps a provisioner to the targets it lists\n"
        ));
    }
    text
}

/// The params a provisioner takes, from its schema: `host`, `workload (required), port
/// (required)`; `-` for none; `any` when its schema names none and admits any, `fifo, any other`
/// when it names some and admits others.
fn params(schema: Option<&serde_json::Value>) -> String {
    let Some(schema) = schema else { return "any".into() };
    let required: Vec<&str> =
        schema.get("required").and_then(|r| r.as_array()).into_iter().flatten().filter_map(|r| r.as_str()).collect();
    let names: Vec<String> = schema
        .get("properties")
        .and_then(|p| p.as_object())
        .into_iter()
        .flatten()
        .map(|(name, _)| if required.contains(&name.as_str()) { format!("{name} (required)") } else { name.clone() })
        .collect();
    let closed = schema.get("additionalProperties").is_some_and(|a| a == &serde_json::Value::Bool(false));
    match (names.is_empty(), closed) {
        (true, true) => "-".into(),
        (true, false) => "any".into(),
        (false, true) => names.join(", "),
        (false, false) => names.join(", ") + ", any other",
    }
}
