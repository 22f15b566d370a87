//! Rendering template provisioners with minijinja.
//!
//! Templates see `resource`, `workload`, `workloads`, `environment` and `outputs` (the outputs of
//! the resources this one's params use). Besides minijinja's built-ins they have `generate(purpose,
//! length=24, shared=false)` for deterministic values, `fail(message)`, and the filters
//! `b64encode` and `dns_label`. Undefined variables are errors; a template's run is bounded.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};
use serde_json::Value as Json;

use super::output::Output;
use super::registry::{Action, Provisioner, Registry};
use super::seed;
use crate::targets::BUILTIN_TEMPLATES;

/// Instructions a template may run before it is stopped (a loop that never ends is an error).
const FUEL: u64 = 5_000_000;

#[derive(Debug)]
pub struct Renderer {
    env: Environment<'static>,
    /// Set when a template generated a value: the caller warns if the seed is the development one.
    generated: Arc<AtomicBool>,
}

fn objects_template(provisioner: &Provisioner) -> String {
    format!("provisioner-{}/objects", provisioner.order)
}

impl Renderer {
    /// Compiles every objects template up front; a syntax error is returned with its provisioner.
    pub fn new(registry: &Registry) -> (Renderer, Vec<(usize, String)>) {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_fuel(Some(FUEL));
        let generated = Arc::new(AtomicBool::new(false));
        let flag = generated.clone();
        env.add_function("generate", move |state: &State, purpose: String, kwargs: Kwargs| -> Result<String, Error> {
            let length: usize = kwargs.get::<Option<usize>>("length")?.unwrap_or(24);
            let shared: bool = kwargs.get::<Option<bool>>("shared")?.unwrap_or(false);
            kwargs.assert_all_used()?;
            if !(1..=512).contains(&length) {
                return Err(Error::new(ErrorKind::InvalidOperation, "generate: length must be from 1 to 512"));
            }
            let keys =
                state.lookup("_keys").ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "generate: no keys"))?;
            let key = keys.get_attr(if shared { "shared" } else { "resource" })?;
            flag.store(true, Ordering::Relaxed);
            Ok(seed::derive(&key.to_string(), &purpose, length))
        });
        env.add_function("fail", |message: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, message))
        });
        env.add_filter("b64encode", |text: String| base64::engine::general_purpose::STANDARD.encode(text));
        env.add_filter("dns_label", |text: String| dns_label(&text));
        for template in BUILTIN_TEMPLATES {
            // Built-in libraries are tested; a failure here is a bug caught by the test suite.
            let _ = env.add_template_owned(template.path, template.text);
        }
        let mut errors = Vec::new();
        for provisioner in &registry.provisioners {
            if let Action::Templates { objects: Some(text), .. } = &provisioner.action
                && let Err(error) = env.add_template_owned(objects_template(provisioner), text.clone())
            {
                errors.push((provisioner.order, describe(&error)));
            }
        }
        (Renderer { env, generated }, errors)
    }

    pub fn generated_values(&self) -> bool {
        self.generated.load(Ordering::Relaxed)
    }

    /// Renders the outputs of a template provisioner.
    pub fn outputs(&self, spec: &Json, context: &Value) -> Result<BTreeMap<String, Output>, String> {
        let rendered = match spec {
            Json::String(template) => {
                let text = self
                    .env
                    .render_str(template, context.clone())
                    .map_err(|e| format!("in `outputs`: {}", describe(&e)))?;
                if text.trim().is_empty() {
                    Json::Object(Default::default())
                } else {
                    serde_saphyr::from_str::<Json>(&text)
                        .map_err(|e| format!("`outputs` did not render a YAML map: {e}"))?
                }
            }
            other => self.render_strings(other, context, "outputs")?,
        };
        match Output::from_json(rendered).map_err(|e| format!("in `outputs`: {e}"))? {
            Output::Map(map) => Ok(map),
            Output::Value(Json::Object(map)) if map.is_empty() => Ok(BTreeMap::new()),
            _ => Err("`outputs` must render a map of output keys".into()),
        }
    }

    fn render_strings(&self, value: &Json, context: &Value, at: &str) -> Result<Json, String> {
        Ok(match value {
            Json::String(template) => Json::String(
                self.env.render_str(template, context.clone()).map_err(|e| format!("in `{at}`: {}", describe(&e)))?,
            ),
            Json::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.render_strings(v, context, &format!("{at}.{k}"))?)))
                    .collect::<Result<_, String>>()?,
            ),
            Json::Array(items) => {
                Json::Array(items.iter().map(|v| self.render_strings(v, context, at)).collect::<Result<_, _>>()?)
            }
            other => other.clone(),
        })
    }

    /// Renders the objects of a template provisioner: a YAML list of maps.
    pub fn objects(&self, provisioner: &Provisioner, context: &Value) -> Result<Vec<Json>, String> {
        let Action::Templates { objects: Some(_), .. } = &provisioner.action else { return Ok(Vec::new()) };
        let template = self.env.get_template(&objects_template(provisioner)).map_err(|e| describe(&e))?;
        let text = template.render(context.clone()).map_err(|e| format!("in `objects`: {}", describe(&e)))?;
        parse_objects(&text)
    }
}

/// Objects are a YAML list of maps (an empty rendering means none).
pub fn parse_objects(text: &str) -> Result<Vec<Json>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value: Json = serde_saphyr::from_str(text).map_err(|e| format!("`objects` did not render valid YAML: {e}"))?;
    match value {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) if items.iter().all(Json::is_object) => Ok(items),
        _ => Err("`objects` must render a YAML list of objects (`- apiVersion: …`)".into()),
    }
}

fn describe(error: &Error) -> String {
    let mut text = error.detail().map_or_else(|| error.kind().to_string(), str::to_string);
    if let Some(line) = error.line() {
        text = format!("{text} (template line {line})");
    }
    text
}

/// Lowercase letters, digits and `-`, at most 63 characters, starting and ending alphanumeric.
pub fn dns_label(text: &str) -> String {
    let lowered: String =
        text.to_lowercase().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let trimmed: String = lowered.trim_matches('-').chars().take(63).collect();
    trimmed.trim_end_matches('-').to_string()
}
