//! Resource params: placeholders resolved against the outputs of the resources provisioned
//! before (graph order guarantees they are), a `dns` resource's `host` checked against the
//! environment (`dns.chosenHosts`), then the params checked against the provisioner's JSON
//! Schema, each refusal at the param's place.

use serde_json::Value as Json;

use super::output::{Output, Walked, walk};
use super::refused;
use super::registry::Provisioner;
use super::{Inputs, Provisioned, lookup};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Resource;
use crate::ir::{Param, Part, ResourceRef};
use crate::platform::Environment;
use crate::suggest;

pub(super) fn missing_output(
    reference: &ResourceRef,
    uid: &str,
    depth: usize,
    keys: &[String],
    environment: &Environment,
) -> Diagnostic {
    let missing = &reference.path[depth];
    let walked = if depth == 0 {
        format!("`{}`", reference.resource)
    } else {
        format!("`{}.{}`", reference.resource, reference.path[..depth].join("."))
    };
    let hint = suggest::hint(missing, keys.iter().map(String::as_str));
    let returns = if keys.is_empty() {
        "nothing to look into".to_string()
    } else {
        keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
    };
    let help = if uid.starts_with("environment.") {
        format!(
            "`environment` resources return the `variables` of environment `{}` in the platform file: add `{missing}` \
            there (it returns: {returns})",
            environment.name
        )
    } else {
        format!("{walked} returns: {returns}")
    };
    Diagnostic::error(Code::MissingOutput, format!("{walked} (`{uid}`) has no output `{missing}`{hint}"))
        .label(reference.span, "this output does not exist")
        .help(help)
}

/// A reference resolved for use inside params: its text, or its symbolic JSON when it is a
/// whole-string secret or reference.
fn resolve_reference(
    reference: &ResourceRef,
    inputs: &Inputs<'_>,
    resource: &Resource,
    done: &Provisioned,
) -> Result<Output, Diagnostic> {
    let (provided, uid) = lookup(inputs, done, &resource.source_workload, &reference.resource).ok_or_else(|| {
        Diagnostic::error(Code::MissingOutput, format!("resource `{}` was not provisioned", reference.resource))
            .label(reference.span, "here")
    })?;
    match walk(&provided.outputs, &reference.path) {
        Ok(Walked::Output(output)) => Ok(output.clone()),
        Ok(Walked::Json(json)) => Ok(Output::Value(json)),
        Ok(Walked::All(all)) => Ok(Output::Map(all.iter().map(|(k, v)| (k.clone(), v.clone())).collect())),
        Err((depth, keys)) => Err(missing_output(reference, &uid, depth, &keys, inputs.environment)),
    }
}

pub(super) fn resolve(inputs: &Inputs<'_>, resource: &Resource, done: &Provisioned) -> Result<Json, Diagnostics> {
    let mut out = Diagnostics::new();
    let params = Json::Object(
        resource.params.iter().map(|(k, v)| (k.clone(), resolve_param(v, inputs, resource, done, &mut out))).collect(),
    );
    if !out.has_errors() {
        check_host(inputs, resource, &params, &mut out);
    }
    if out.has_errors() { Err(out) } else { Ok(params) }
}

/// The resource type whose `host` param chooses a DNS host under the environment's `dns_domain`.
pub(super) const DNS_TYPE: &str = "dns";

/// A `dns` resource's `host`: a name the environment allows (others claiming it are
/// `routes::check_host_claims`).
fn check_host(inputs: &Inputs<'_>, resource: &Resource, params: &Json, out: &mut Diagnostics) {
    let Some(host) = params.get("host").and_then(Json::as_str).filter(|_| resource.kind == DNS_TYPE) else {
        return;
    };
    let environment = inputs.environment;
    let domain = environment.variables.get("dns_domain").and_then(Json::as_str).unwrap_or("localhost");
    let domain = domain.to_ascii_lowercase();
    if let Err(refusal) = environment.dns.check_host(host, &domain, &environment.name) {
        let mut diagnostic =
            Diagnostic::error(Code::BadParam, format!("resource `{}`: param `host` {}", resource.uid, refusal.reason))
                .label(host_span(resource), refusal.label)
                .help(refusal.help);
        if let Some(span) = environment.dns.chosen_hosts_span.filter(|_| refusal.by_platform) {
            diagnostic = diagnostic.label(span, format!("the hosts environment `{}` allows", environment.name));
        }
        out.push(diagnostic);
    }
}

/// The value of the resource's `host` param, else its declaration.
pub(super) fn host_span(resource: &Resource) -> crate::source::Span {
    resource.param_spans.get("/host").copied().unwrap_or_else(|| {
        resource
            .declarations
            .iter()
            .find(|d| d.workload == resource.source_workload)
            .map_or(resource.declarations[0].span, |d| d.span)
    })
}

fn resolve_param(
    param: &Param,
    inputs: &Inputs<'_>,
    resource: &Resource,
    done: &Provisioned,
    out: &mut Diagnostics,
) -> Json {
    match param {
        Param::Null => Json::Null,
        Param::Bool(b) => Json::Bool(*b),
        Param::Number(n) => Json::Number(n.clone()),
        Param::List(items) => {
            Json::Array(items.iter().map(|p| resolve_param(p, inputs, resource, done, out)).collect())
        }
        Param::Map(map) => {
            Json::Object(map.iter().map(|(k, p)| (k.clone(), resolve_param(p, inputs, resource, done, out))).collect())
        }
        Param::String(template) => {
            if let [Part::Resource(reference)] = template.parts.as_slice() {
                return match resolve_reference(reference, inputs, resource, done) {
                    Ok(output) => output.as_text().map_or_else(|| output.to_json(), Json::String),
                    Err(d) => {
                        out.push(d);
                        Json::Null
                    }
                };
            }
            let mut text = String::new();
            for part in &template.parts {
                match part {
                    Part::Text(t) => text.push_str(t),
                    Part::Resource(reference) => match resolve_reference(reference, inputs, resource, done) {
                        Ok(output) => match output.as_text() {
                            Some(t) => text.push_str(&t),
                            None => out.push(
                                Diagnostic::error(
                                    Code::SecretInText,
                                    format!(
                                        "`{}` is a secret or a reference, so it \
                                        cannot be mixed into the text of a param",
                                        reference.to_placeholder()
                                    ),
                                )
                                .label(reference.span, "a secret output inside text")
                                .help(
                                    "pass the placeholder alone as the param's value, so the provisioner \
                                    receives the reference",
                                ),
                            ),
                        },
                        Err(d) => out.push(d),
                    },
                }
            }
            Json::String(text)
        }
    }
}

/// Checks the params against the provisioner's schema: each refusal at the param's value (or
/// the resource, for a missing param), in the words of [`super::refused`].
pub(super) fn check(
    validator: &jsonschema::Validator,
    params: &Json,
    resource: &Resource,
    provisioner: &Provisioner,
) -> Result<(), Diagnostics> {
    let mut out = Diagnostics::new();
    let fallback = resource
        .declarations
        .iter()
        .find(|d| d.workload == resource.source_workload)
        .map_or(resource.declarations[0].span, |d| d.span);
    let no_schema = Json::Object(Default::default());
    let schema = provisioner.params_schema.as_ref().unwrap_or(&no_schema);
    for error in validator.iter_errors(params) {
        for refusal in refused::refusals(&error, params, schema, &provisioner.name) {
            let span = resource.param_spans.get(&refusal.pointer).copied().unwrap_or(fallback);
            out.push(
                Diagnostic::error(Code::BadParam, format!("resource `{}`: {}", resource.uid, refusal.message))
                    .label(span, refusal.label)
                    .label(provisioner.span, format!("provisioner `{}`", provisioner.name))
                    .help(refusal.help),
            );
        }
    }
    if out.is_empty() { Ok(()) } else { Err(out) }
}
