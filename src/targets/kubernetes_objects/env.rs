//! Lowering placeholders for Kubernetes: variables become `EnvVar`s (a secret output becomes a
//! `secretKeyRef`; text mixed with secrets is composed with `$(VAR)` references to helper
//! variables, never by inlining the secret), and file contents become text.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector};
use sha2::{Digest, Sha256};

use super::Context;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Part, ResourceRef, Template, Workload};
use crate::provision::output::{Output, SecretKey};

/// Kubernetes expands `$(NAME)` and turns `$$` into `$` in env values. A literal that holds
/// either is escaped by doubling every `$`, so the container sees exactly the Score value.
pub(crate) fn escape(text: &str) -> String {
    if text.contains("$(") || text.contains("$$") { text.replace('$', "$$") } else { text.to_string() }
}

/// What one placeholder lowers to: text, or a key of a Secret.
pub(crate) enum PlaceholderValue {
    Text(String),
    Secret(SecretKey),
}

pub(crate) fn lower_reference(
    cx: &Context<'_>,
    workload: &Workload,
    reference: &ResourceRef,
    out: &mut Diagnostics,
) -> Option<PlaceholderValue> {
    // Provisioning has checked every reference; a missing one was reported there.
    let output = cx.output(workload, reference)?;
    match output {
        Output::Secret { secret } => Some(PlaceholderValue::Secret(secret)),
        Output::Reference { reference: expression } => {
            out.push(
                Diagnostic::error(
                    Code::UnsupportedOutput,
                    format!(
                        "`{}` is an expression of the {} target (`{}`), which a Kubernetes workload cannot use",
                        reference.to_placeholder(),
                        expression.target.name(),
                        expression.expression
                    ),
                )
                .label(reference.span, "not available in Kubernetes")
                .help(
                    "choose a provisioner for this resource that returns a value or a secret for the kubernetes target",
                ),
            );
            None
        }
        literal => {
            match literal.as_text() {
                Some(text) => Some(PlaceholderValue::Text(text)),
                None => {
                    // A map of outputs that holds a secret or a reference cannot become text.
                    let keys = literal.keys().iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                    out.push(
                    Diagnostic::error(
                        Code::UnsupportedOutput,
                        format!(
                            "`{}` is a whole map of outputs, and some of them are secrets, which cannot be written as \
                            text",
                            reference.to_placeholder()
                        ),
                    )
                    .label(reference.span, "a secret inside this map")
                    .help(format!("name one output, e.g. `${{resources.{}.<key>}}`; it returns: \
                    {keys}", reference.resource)),
                );
                    None
                }
            }
        }
    }
}

/// A helper variable holding one secret key, named after it so it is stable.
fn helper_name(secret: &SecretKey) -> String {
    let digest = Sha256::digest(format!("{}\0{}", secret.name, secret.key).as_bytes());
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02X}")).collect();
    format!("STAVE_SECRET_{hex}")
}

fn secret_ref(name: &str, secret: &SecretKey) -> EnvVar {
    EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: secret.name.clone(),
                key: secret.key.clone(),
                optional: None,
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A container's variables: helper variables first (they must precede their uses), then the
/// variables by name.
pub(crate) fn variables(
    cx: &Context<'_>,
    workload: &Workload,
    variables: &crate::sorted::SortedMap<String, Template>,
    out: &mut Diagnostics,
) -> Vec<EnvVar> {
    let mut helpers: BTreeMap<String, EnvVar> = BTreeMap::new();
    let mut env = Vec::new();
    for (name, template) in variables {
        if let [Part::Resource(reference)] = template.parts.as_slice() {
            match lower_reference(cx, workload, reference, out) {
                Some(PlaceholderValue::Secret(secret)) => env.push(secret_ref(name, &secret)),
                Some(PlaceholderValue::Text(text)) => {
                    env.push(EnvVar { name: name.clone(), value: Some(escape(&text)), ..Default::default() })
                }
                None => {}
            }
            continue;
        }
        let mut value = String::new();
        let mut used_helper = false;
        for part in &template.parts {
            match part {
                Part::Text(text) => value.push_str(&text.replace('$', "$$")),
                Part::Resource(reference) => match lower_reference(cx, workload, reference, out) {
                    Some(PlaceholderValue::Text(text)) => value.push_str(&text.replace('$', "$$")),
                    Some(PlaceholderValue::Secret(secret)) => {
                        let helper = helper_name(&secret);
                        value.push_str(&format!("$({helper})"));
                        used_helper = true;
                        helpers.entry(helper.clone()).or_insert_with(|| secret_ref(&helper, &secret));
                    }
                    None => {}
                },
            }
        }
        // Without a helper reference nothing needs expanding: undo the doubling where it is not needed.
        let value = if used_helper { value } else { escape(&value.replace("$$", "$")) };
        env.push(EnvVar { name: name.clone(), value: Some(value), ..Default::default() });
    }
    helpers.into_values().chain(env).collect()
}

/// The text of a file, with secret values read from the Secret objects the provisioners
/// created. Returns the text and whether it holds a secret (so it must go into a Secret).
pub(crate) fn file_text(
    cx: &Context<'_>,
    workload: &Workload,
    template: &Template,
    out: &mut Diagnostics,
) -> Option<(String, bool)> {
    let mut text = String::new();
    let mut secret = false;
    for part in &template.parts {
        match part {
            Part::Text(t) => text.push_str(t),
            Part::Resource(reference) => match lower_reference(cx, workload, reference, out)? {
                PlaceholderValue::Text(t) => text.push_str(&t),
                PlaceholderValue::Secret(key) => match cx.secret_value(&key) {
                    Some(value) => {
                        text.push_str(&value);
                        secret = true;
                    }
                    None => {
                        out.push(
                            Diagnostic::error(
                                Code::SecretValueUnavailable,
                                format!(
                                    "file content uses secret `{}` key `{}`, whose value exists only when \
                                    deployed",
                                    key.name, key.key
                                ),
                            )
                            .label(reference.span, "a secret inside a file")
                            .help(
                                "pass the secret as a variable instead (`variables: \
                                {NAME: ${resources…}}`), or use a provisioner that creates the Secret itself",
                            ),
                        );
                        return None;
                    }
                },
            },
        }
    }
    Some((text, secret))
}
