//! Resource outputs: symbolic values that each target lowers its own way.
//!
//! A literal is text or JSON; a secret is a key of a Secret the provisioner creates (a
//! `secretKeyRef` in Kubernetes, a values reference in Helm, a sensitive value in Terraform); a
//! reference is an expression of one target (a Terraform attribute), which only that target can
//! lower. In provisioner files and command output, `{$secret: {name, key}}` and
//! `{$ref: {TARGET: EXPR}}` mark the symbolic forms.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value as Json;

use crate::builtins::Target;
use crate::sorted::SortedMap;

/// A resource's outputs by name.
pub(crate) type Outputs = SortedMap<String, Output>;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum Output {
    Value(Json),
    Secret {
        #[serde(rename = "$secret")]
        secret: SecretKey,
    },
    Reference {
        #[serde(rename = "$ref")]
        reference: TargetExpression,
    },
    Map(BTreeMap<String, Output>),
}

/// An expression of one target, e.g. `{terraform: aws_db_instance.db.address}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TargetExpression {
    pub(crate) target: Target,
    pub(crate) expression: String,
}

impl Serialize for TargetExpression {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(self.target.name(), &self.expression)?;
        map.end()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct SecretKey {
    pub(crate) name: String,
    pub(crate) key: String,
}

impl Output {
    /// Reads the JSON form: `$secret` and `$ref` maps are symbolic, other maps nest.
    pub(crate) fn from_json(value: Json) -> Result<Output, String> {
        match value {
            Json::Object(mut map) if map.contains_key("$secret") => {
                let secret = map.remove("$secret").unwrap_or_default();
                let field = |f: &str| secret.get(f).and_then(Json::as_str).map(str::to_string);
                match (field("name"), field("key"), map.is_empty()) {
                    (Some(name), Some(key), true) => Ok(Output::Secret { secret: SecretKey { name, key } }),
                    _ => Err("`$secret` takes exactly `{name: <Secret name>, key: <key>}`".into()),
                }
            }
            Json::Object(mut map) if map.contains_key("$ref") => {
                let form = "`$ref` takes one target and its expression, e.g. \
                `{$ref: {terraform: aws_db_instance.db.address}}`";
                let Some(Json::Object(reference)) = map.remove("$ref").filter(|_| map.is_empty()) else {
                    return Err(form.into());
                };
                let mut entries = reference.into_iter();
                match (entries.next(), entries.next()) {
                    (Some((name, Json::String(expression))), None) => match Target::parse(&name) {
                        Some(target) => Ok(Output::Reference { reference: TargetExpression { target, expression } }),
                        None => Err(format!(
                            "`$ref` names `{name}`, which is not a target (targets: {})",
                            Target::ALL.map(|t| format!("`{}`", t.name())).join(", ")
                        )),
                    },
                    _ => Err(form.into()),
                }
            }
            Json::Object(map) => map
                .into_iter()
                .map(|(k, v)| Ok((k, Output::from_json(v)?)))
                .collect::<Result<_, String>>()
                .map(Output::Map),
            other => Ok(Output::Value(other)),
        }
    }

    /// The keys one level down, for "the resource returns …" messages.
    pub(crate) fn keys(&self) -> Vec<String> {
        match self {
            Output::Map(map) => map.keys().cloned().collect(),
            Output::Value(Json::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// The text of a literal, as a placeholder inserts it (non-strings as JSON); `None` for a
    /// secret or a reference, which only a target can lower.
    pub(crate) fn as_text(&self) -> Option<String> {
        match self {
            Output::Value(Json::String(s)) => Some(s.clone()),
            Output::Value(other) => Some(other.to_string()),
            Output::Map(_) => self.to_literal_json().map(|j| j.to_string()),
            Output::Secret { .. } | Output::Reference { .. } => None,
        }
    }

    /// The JSON of a literal output (maps of literals included).
    pub(crate) fn to_literal_json(&self) -> Option<Json> {
        match self {
            Output::Value(v) => Some(v.clone()),
            Output::Map(map) => map
                .iter()
                .map(|(k, v)| Some((k.clone(), v.to_literal_json()?)))
                .collect::<Option<_>>()
                .map(Json::Object),
            _ => None,
        }
    }

    /// The JSON form with the symbolic markers, as templates and commands see it.
    pub(crate) fn to_json(&self) -> Json {
        serde_json::to_value(self).unwrap_or(Json::Null)
    }
}

/// Walks `path` into a resource's outputs. On failure, returns how far it got and the keys
/// available there.
pub(crate) fn walk<'o>(outputs: &'o Outputs, path: &[String]) -> Result<Walked<'o>, (usize, Vec<String>)> {
    let Some((first, rest)) = path.split_first() else {
        return Ok(Walked::All(outputs));
    };
    let mut current = outputs.get(first).ok_or_else(|| (0, outputs.keys().cloned().collect()))?;
    for (depth, key) in rest.iter().enumerate() {
        current = match current {
            Output::Map(map) => map.get(key).ok_or_else(|| (depth + 1, current.keys()))?,
            Output::Value(json @ Json::Object(_)) => {
                let mut inner = json;
                for (offset, key) in rest[depth..].iter().enumerate() {
                    let keys = || inner.as_object().map(|m| m.keys().cloned().collect()).unwrap_or_default();
                    inner = inner.get(key).ok_or_else(|| (depth + 1 + offset, keys()))?;
                }
                return Ok(Walked::Json(inner.clone()));
            }
            _ => return Err((depth + 1, Vec::new())),
        };
    }
    Ok(Walked::Output(current))
}

/// Where a walk ends: an output, a JSON value inside a literal, or all outputs (no path).
#[derive(Debug)]
pub(crate) enum Walked<'o> {
    All(&'o Outputs),
    Output(&'o Output),
    Json(Json),
}
