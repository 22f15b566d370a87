//! `stave resources get-outputs UID`: one resource's outputs, as JSON (the default), YAML, or
//! through a template over them.
//!
//! The template is minijinja (`{{ host }}:{{ port }}`); score-k8s's Go form (`{{ .host }}`) is
//! read the same way. A secret output is not a value Stave can print: in JSON and YAML it is its
//! `{$secret: {name, key}}` form, and a template that prints one fails, saying where the value
//! lives (a Terraform reference likewise). Generated values inside literal outputs are described,
//! never shown.

use clap::Args;
use serde_json::Value as Json;

use crate::cli::report::Reporter;
use crate::cli::{InputArgs, Outcome, PlatformArgs};
use crate::provision::generated;
use crate::provision::output::Output;

#[derive(Debug, Args)]
pub(crate) struct GetOutputsArgs {
    /// The resource, by UID: `type.class#id` or `type.class#workload.name` (see `resources list`).
    uid: String,
    #[command(flatten)]
    input: InputArgs,
    #[command(flatten)]
    platform: PlatformArgs,

    /// `json`, `yaml`, or a template over the outputs, e.g. `{{ host }}:{{ port }}` (score-k8s's
    /// `{{ .host }}` works too).
    #[arg(long, short = 'f', value_name = "json|yaml|TEMPLATE", default_value = "json")]
    format: String,
}

/// What stands in a template's context for an output that has no printable value.
const HIDDEN: char = '\u{E010}';

pub(crate) fn run(args: &GetOutputsArgs, reporter: &Reporter) -> Outcome {
    let compiled = match super::provisioned(&args.input, &args.platform, reporter) {
        Ok(compiled) => compiled,
        Err(outcome) => return outcome,
    };
    let resource = match super::find(&compiled, &args.uid, reporter) {
        Ok(resource) => resource,
        Err(outcome) => return outcome,
    };
    let mut outputs = Json::Object(resource.outputs.iter().map(|(k, v)| (k.clone(), v.to_json())).collect());
    generated::describe(&mut outputs);
    let text = match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&outputs).unwrap_or_default() + "\n",
        "yaml" => serde_saphyr::to_string(&outputs).unwrap_or_default(),
        template => match render(template, &resource.outputs) {
            Ok(text) if text.ends_with('\n') => text,
            Ok(text) => text + "\n",
            Err(message) => return reporter.usage_error(&message),
        },
    };
    reporter.console().out(text.as_bytes());
    Outcome::Success
}

/// Renders `template` over `outputs`: printing an undefined name is an error (testing one is
/// not), and so is printing a secret or a reference.
fn render(template: &str, outputs: &crate::provision::output::Outputs) -> Result<String, String> {
    let mut hidden = Vec::new();
    let context: serde_json::Map<String, Json> =
        outputs.iter().map(|(key, output)| (key.clone(), printable(key, output, &mut hidden))).collect();
    let mut context = Json::Object(context);
    generated::describe(&mut context);
    let mut env = minijinja::Environment::new();
    // As in provisioner templates: an absent output can be tested, not printed; the render
    // has the same budget.
    env.set_undefined_behavior(minijinja::UndefinedBehavior::SemiStrict);
    env.set_fuel(Some(crate::provision::template::FUEL));
    let source = go_form(template);
    let keys = outputs.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
    let keys =
        if keys.is_empty() { "the resource has no outputs".to_string() } else { format!("the outputs are: {keys}") };
    let rendered = env.render_str(&source, minijinja::Value::from(minijinja::value::Serde(&context))).map_err(|e| {
        match e.kind() {
            minijinja::ErrorKind::OutOfFuel => {
                format!("the template `{template}` used more than its budget of time or memory, and was stopped")
            }
            _ => format!("the template `{template}` cannot be rendered: {e} ({keys})"),
        }
    })?;
    if let Some((_, why)) = hidden.iter().find(|(mark, _)| rendered.contains(mark.as_str())) {
        return Err(why.clone());
    }
    Ok(rendered)
}

/// An output as the template sees it: literals as they are, secrets and references as a mark
/// that fails the render if it is printed (with `why` it cannot be).
fn printable(path: &str, output: &Output, hidden: &mut Vec<(String, String)>) -> Json {
    let mut hide = |why: String| {
        let mark = format!("{HIDDEN}{}{HIDDEN}", hidden.len());
        hidden.push((mark.clone(), why));
        Json::String(mark)
    };
    match output {
        Output::Value(value) => value.clone(),
        Output::Map(map) => {
            Json::Object(map.iter().map(|(k, v)| (k.clone(), printable(&format!("{path}.{k}"), v, hidden))).collect())
        }
        Output::Secret { secret } => hide(format!(
            "output `{path}` is the key `{}` of the Secret `{}`, and Stave does not print secret values; read it from \
            the cluster: `kubectl get secret {} -o jsonpath='{{.data.{}}}' | base64 -d`",
            secret.key, secret.name, secret.name, secret.key
        )),
        Output::Reference { reference } => hide(format!(
            "output `{path}` is the {} expression `{}`, known only once it is applied (e.g. a `terraform output`)",
            reference.target.name(),
            reference.expression
        )),
    }
}

/// score-k8s's Go templates name outputs `.host`; minijinja names them `host`.
fn go_form(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at + 2]);
        rest = &rest[at + 2..];
        let trim = if rest.starts_with('-') { 1 } else { 0 };
        let spaces = rest[trim..].len() - rest[trim..].trim_start().len();
        out.push_str(&rest[..trim + spaces]);
        rest = &rest[trim + spaces..];
        if let Some(after) = rest.strip_prefix('.').filter(|r| r.starts_with(|c: char| c.is_alphabetic() || c == '_')) {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn go_templates_read_as_minijinja() {
        assert_eq!(super::go_form("{{ .host }}:{{.port}}"), "{{ host }}:{{port}}");
        assert_eq!(super::go_form("{{- .a.b -}} {{ x }} {{ 1.5 }}"), "{{- a.b -}} {{ x }} {{ 1.5 }}");
    }

    #[test]
    fn templates_can_test_absent_outputs_and_are_bounded() {
        let outputs = crate::provision::output::Outputs::default();
        assert_eq!(super::render("{% if not host %}none{% endif %}", &outputs).as_deref(), Ok("none"));
        assert!(super::render("{{ host }}", &outputs).is_err_and(|e| e.contains("undefined")));
        let doubling =
            "{% set ns = namespace(s='x') %}{% for i in range(60) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}";
        let error = super::render(doubling, &outputs).unwrap_err();
        assert!(error.contains("more than its budget of time or memory"), "{error}");
    }
}
