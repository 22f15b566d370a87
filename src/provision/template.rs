//! Rendering template provisioners with minijinja.
//!
//! Templates see `resource`, `workload`, `workloads`, `environment` and `outputs` (the outputs of
//! the resources this one's params use). Besides minijinja's built-ins they have `generate(purpose,
//! length=32, shared=false)` for generated values (a marker that each target lowers, see
//! [`super::generated`]), `fail(message)`, and the filters `b64encode`, `dns_label`, `fit(max)`
//! (a name shortened to `max` characters, ending in a hash of the whole), `short_hash` (8 hex
//! digits of a SHA-256) and `is_plain_path` (an HTTP path that is a prefix, not a pattern).
//!
//! An undefined value can be tested (`if`, `not`, `is defined`, `default`, `or`) but printing
//! it, iterating it or passing it to a filter is an error. Every render has a budget of
//! [`FUEL`]: minijinja charges each instruction and the data the template creates (about one
//! fuel per 64 bytes, checked before a value of known size is made), and Stave's own filters
//! charge for what they allocate, so one render's time and memory are bounded, on its own
//! thread; running out is [`RenderError::OverBudget`], never the end of the process.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, PoisonError};

use base64::Engine;
use minijinja::value::{Kwargs, Value};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State, UndefinedBehavior};
use serde_json::Value as Json;

use super::generated::GeneratedKey;
use super::output::Output;
use super::registry::{Action, Provisioner, Registry};
use crate::builtins::BUILTIN_TEMPLATES;

/// The budget of one render: an instruction costs one, 64 bytes of data the template creates
/// cost one. So a render runs at most this many instructions and creates at most
/// `FUEL * 64` bytes (305 MiB) of values and output. The built-in libraries use at most a few
/// thousand.
pub(crate) const FUEL: u64 = 5_000_000;

/// The bytes of data one fuel pays for (minijinja's rate).
pub(crate) const BYTES_PER_FUEL: usize = 64;

/// Why a render gave no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RenderError {
    /// The template failed: a type error, an undefined value printed, `fail(…)`, text that is
    /// not the YAML expected. The message says where (`in \`objects\`: …`).
    Failed(String),
    /// The render used up its budget ([`FUEL`]) in `at` (`outputs.url`, `objects`).
    OverBudget { at: String },
}

impl RenderError {
    /// A minijinja error met while rendering `at`.
    fn from_engine(error: &Error, at: &str) -> RenderError {
        if out_of_fuel(error) {
            RenderError::OverBudget { at: at.to_string() }
        } else {
            RenderError::Failed(format!("in `{at}`: {}", describe(error)))
        }
    }
}

/// Whether the error, or an error it was caused by, is minijinja's out-of-fuel.
fn out_of_fuel(error: &Error) -> bool {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = current {
        if error.downcast_ref::<Error>().is_some_and(|e| e.kind() == ErrorKind::OutOfFuel) {
            return true;
        }
        current = error.source();
    }
    false
}

/// Charges the render for `bytes` of data a filter is about to allocate (a render over its
/// budget fails here, before the allocation).
fn charge(state: &State, bytes: usize) -> Result<(), Error> {
    state.consume_fuel((bytes / BYTES_PER_FUEL + 1) as u64)
}

#[derive(Debug)]
pub(crate) struct Renderer {
    env: Environment<'static>,
}

/// The generated values one resource's renders hand out: each render's context carries one
/// (`_generated`), so that renders on several threads keep theirs apart.
#[derive(Debug, Default)]
pub(crate) struct Collector(Mutex<BTreeSet<GeneratedKey>>);

impl minijinja::value::Object for Collector {}

impl Collector {
    /// A new collector, as a template value.
    pub(crate) fn value() -> Value {
        Value::from_object(Collector::default())
    }

    /// What the collector in `value` was handed.
    pub(crate) fn keys(value: &Value) -> BTreeSet<GeneratedKey> {
        value
            .downcast_object_ref::<Collector>()
            .map(|c| c.0.lock().unwrap_or_else(PoisonError::into_inner).clone())
            .unwrap_or_default()
    }
}

fn objects_template(provisioner: &Provisioner) -> String {
    format!("provisioner-{}/objects", provisioner.order)
}

impl Renderer {
    /// Compiles every objects template up front; a syntax error is returned with its provisioner.
    pub(crate) fn new(registry: &Registry) -> (Renderer, Vec<(usize, String)>) {
        let mut env = Environment::new();
        // Absent values can be tested (`{% if not x %}{{ fail(…) }}{% endif %}`); printing or
        // iterating one is still an error.
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        // A template that renders YAML text (objects, and outputs written as one template) writes
        // every value as a JSON scalar, so no value can add keys or documents to what it
        // renders; `| tojson` is then what it is anyway. Templates of single output strings are
        // not parsed again and need no escaping.
        env.set_auto_escape_callback(|name| {
            if name.ends_with("/objects") || name.ends_with("/outputs") { AutoEscape::Json } else { AutoEscape::None }
        });
        env.set_fuel(Some(FUEL));
        env.add_function("generate", |state: &State, purpose: String, kwargs: Kwargs| -> Result<String, Error> {
            let length: usize = kwargs.get::<Option<usize>>("length")?.unwrap_or(32);
            let shared: bool = kwargs.get::<Option<bool>>("shared")?.unwrap_or(false);
            kwargs.assert_all_used()?;
            if !(1..=512).contains(&length) {
                return Err(Error::new(ErrorKind::InvalidOperation, "generate: length must be from 1 to 512"));
            }
            if purpose.is_empty() || !GeneratedKey::valid_part(&purpose) {
                return Err(Error::new(ErrorKind::InvalidOperation, "generate: the purpose must be plain text"));
            }
            let scopes =
                state.lookup("_scopes").ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "generate: no scope"))?;
            let scope = scopes.get_attr(if shared { "shared" } else { "resource" })?.to_string();
            let key = GeneratedKey { scope, purpose, length };
            let marker = key.marker();
            let collector = state.lookup("_generated");
            let collector = collector
                .as_ref()
                .and_then(|c| c.downcast_object_ref::<Collector>())
                .ok_or_else(|| Error::new(ErrorKind::InvalidOperation, "generate: no collector"))?;
            collector.0.lock().unwrap_or_else(PoisonError::into_inner).insert(key);
            Ok(marker)
        });
        env.add_function("fail", |message: String| -> Result<String, Error> {
            Err(Error::new(ErrorKind::InvalidOperation, message))
        });
        // Each filter charges for the copies it makes of its input before it makes them.
        env.add_filter("b64encode", |state: &State, text: String| -> Result<String, Error> {
            charge(state, text.len().div_ceil(3) * 4)?;
            Ok(base64::engine::general_purpose::STANDARD.encode(text))
        });
        env.add_filter("dns_label", |state: &State, text: String| -> Result<String, Error> {
            charge(state, text.len() * 2)?;
            Ok(crate::naming::dns_label(&text))
        });
        env.add_filter("fit", |state: &State, text: String, max: usize| -> Result<String, Error> {
            charge(state, text.len())?;
            Ok(crate::naming::fit(&text, max))
        });
        env.add_filter("short_hash", |text: String| crate::naming::short_hash(&text, 8));
        env.add_filter("is_plain_path", |path: String| plain_path(&path));
        for template in BUILTIN_TEMPLATES {
            // Built-in libraries are tested; a failure here is a bug caught by the test suite.
            let _ = env.add_template_owned(template.path, template.text);
        }
        let mut errors = Vec::new();
        for provisioner in &registry.provisioners {
            let Action::Templates { outputs, objects } = &provisioner.action else { continue };
            if let Some(text) = objects
                && let Err(error) = env.add_template_owned(objects_template(provisioner), text.clone())
            {
                errors.push((provisioner.order, describe(&error)));
            }
            // Every output string is compiled once here, not once per resource.
            let mut leaves = Vec::new();
            collect_leaves(outputs, &format!("provisioner-{}/outputs", provisioner.order), &mut leaves);
            for (name, text) in leaves {
                if let Err(error) = env.add_template_owned(name, text) {
                    errors.push((provisioner.order, format!("in `outputs`: {}", describe(&error))));
                }
            }
        }
        (Renderer { env }, errors)
    }

    fn render(&self, name: &str, context: &Value, at: &str) -> Result<String, RenderError> {
        let template = self.env.get_template(name).map_err(|e| RenderError::from_engine(&e, at))?;
        template.render(context.clone()).map_err(|e| RenderError::from_engine(&e, at))
    }

    /// Renders the outputs of a template provisioner.
    pub(crate) fn outputs(
        &self,
        provisioner: &Provisioner,
        spec: &Json,
        context: &Value,
    ) -> Result<BTreeMap<String, Output>, RenderError> {
        let root = format!("provisioner-{}/outputs", provisioner.order);
        let rendered = match spec {
            Json::String(_) => {
                let text = self.render(&root, context, "outputs")?;
                if text.trim().is_empty() {
                    Json::Object(Default::default())
                } else {
                    serde_saphyr::from_str::<Json>(&text)
                        .map_err(|e| RenderError::Failed(format!("`outputs` did not render a YAML map: {e}")))?
                }
            }
            other => self.render_strings(other, context, &root, "outputs")?,
        };
        match Output::from_json(rendered).map_err(|e| RenderError::Failed(format!("in `outputs`: {e}")))? {
            Output::Map(map) => Ok(map),
            Output::Value(Json::Object(map)) if map.is_empty() => Ok(BTreeMap::new()),
            _ => Err(RenderError::Failed("`outputs` must render a map of output keys".into())),
        }
    }

    /// Renders each string of an outputs map with the template compiled for its path.
    fn render_strings(&self, value: &Json, context: &Value, name: &str, at: &str) -> Result<Json, RenderError> {
        Ok(match value {
            Json::String(text) if !is_template(text) => Json::String(text.clone()),
            Json::String(_) => Json::String(self.render(name, context, at)?),
            Json::Object(map) => Json::Object(
                map.iter()
                    .map(|(k, v)| {
                        Ok((k.clone(), self.render_strings(v, context, &format!("{name}/{k}"), &format!("{at}.{k}"))?))
                    })
                    .collect::<Result<_, RenderError>>()?,
            ),
            Json::Array(items) => Json::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| self.render_strings(v, context, &format!("{name}/{i}"), at))
                    .collect::<Result<_, _>>()?,
            ),
            other => other.clone(),
        })
    }

    /// Renders the objects of a template provisioner: a YAML list of maps.
    pub(crate) fn objects(&self, provisioner: &Provisioner, context: &Value) -> Result<Vec<Json>, RenderError> {
        let Action::Templates { objects: Some(_), .. } = &provisioner.action else { return Ok(Vec::new()) };
        let name = objects_template(provisioner);
        let template = self.env.get_template(&name).map_err(|e| RenderError::Failed(describe(&e)))?;
        let text = template.render(context.clone()).map_err(|e| RenderError::from_engine(&e, "objects"))?;
        parse_objects(&text).map_err(RenderError::Failed)
    }
}

/// Whether an HTTP path is a plain prefix (what Gateway API's `PathPrefix` and Ingress's
/// `Prefix` accept), not a pattern such as `/my/[^/]+/path`.
fn plain_path(path: &str) -> bool {
    path.starts_with('/')
        && path.chars().all(|c| c.is_ascii_alphanumeric() || "/-._~!$&'()*+,;=:@%".contains(c))
        && !path.contains("//")
}

fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%") || text.contains("{#")
}

/// Every template string of an outputs spec with the name it is compiled under: the whole
/// string form at `root`, or each string of the map form at `root/<key>/…`.
fn collect_leaves(value: &Json, name: &str, out: &mut Vec<(String, String)>) {
    match value {
        Json::String(text) if is_template(text) || !name.contains("/outputs/") => {
            out.push((name.to_string(), text.clone()))
        }
        Json::Object(map) => map.iter().for_each(|(k, v)| collect_leaves(v, &format!("{name}/{k}"), out)),
        Json::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| collect_leaves(v, &format!("{name}/{i}"), out))
        }
        _ => {}
    }
}

/// Objects are a YAML list of maps (an empty rendering means none). What templates usually
/// render is read by [`crate::document::fast_yaml::read`], the rest by serde-saphyr (the same
/// value: `tests/it/fast_yaml.rs` checks the two on what the fixtures' and corpus's templates
/// render).
pub(crate) fn parse_objects(text: &str) -> Result<Vec<Json>, String> {
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    let value = match crate::document::fast_yaml::read::parse(text) {
        Some(value) => value,
        None => serde_saphyr::from_str(text).map_err(|e| format!("`objects` did not render valid YAML: {e}"))?,
    };
    match value {
        Json::Null => Ok(Vec::new()),
        Json::Array(items) if items.iter().all(Json::is_object) => Ok(items),
        _ => Err("`objects` must render a YAML list of maps, one per object".into()),
    }
}

fn describe(error: &Error) -> String {
    let mut text = error.detail().map_or_else(|| error.kind().to_string(), str::to_string);
    if let Some(line) = error.line() {
        text = format!("{text} (template line {line})");
    }
    text
}
