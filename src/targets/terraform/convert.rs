//! Kubernetes objects (the JSON the Kubernetes target lowers, camelCase) into bodies of the
//! hashicorp/kubernetes provider's typed resources (snake_case), driven by the provider's schema:
//! a field becomes the argument or nested block of the same name in snake case, or its singular
//! (`containers` → `container` blocks); a JSON object under a block name is one block, a list
//! is repeated blocks; maps (labels, limits) stay arguments. The provider differs from the API
//! in a few places, handled here and nowhere else: `apiVersion`, `kind` and `status` are implied
//! by the resource type; file modes are octal strings; a Secret's `stringData` is the provider's
//! `data` (plain text) and its base64 `data` is `binary_data`. A field with no place in the
//! schema is an error naming its path, so nothing is dropped silently; kinds without a typed
//! resource become `kubernetes_manifest`.

use serde_json::Value as Json;

use super::hcl::{Block, Body, Expr};
use super::schema::{self, Schema};

/// Where a Kubernetes field goes in a provider body.
#[derive(Debug, Clone, Copy)]
pub enum Field<'s> {
    Argument(&'s str),
    Block(&'s str, &'s schema::Nested),
}

/// `clusterIP` → `cluster_ip`, `externalIPs` → `external_ips`, `fsGroup` → `fs_group`.
pub(crate) fn snake(key: &str) -> String {
    let key = key.replace("IPs", "Ips");
    let chars: Vec<char> = key.chars().collect();
    let mut out = String::with_capacity(key.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let previous = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The place of the Kubernetes field `key` in `schema`: its snake-case name, or its singular.
pub fn field<'s>(schema: &'s Schema, key: &str) -> Option<Field<'s>> {
    let name = snake(key);
    let mut candidates = vec![name.clone()];
    if let Some(stem) = name.strip_suffix("ies") {
        candidates.push(format!("{stem}y"));
    }
    if let Some(stem) = name.strip_suffix('s') {
        candidates.push(stem.to_string());
    }
    for candidate in candidates {
        if let Some((name, _)) = schema.arguments.get_key_value(&candidate) {
            return Some(Field::Argument(name));
        }
        if let Some((name, nested)) = schema.blocks.get_key_value(&candidate) {
            return Some(Field::Block(name, nested));
        }
    }
    None
}

/// How strings become expressions (literal text escaped; markers of generated values and of
/// references become interpolations), with the path of the field for the exceptions.
pub(crate) trait Strings {
    fn expr(&self, text: &str, path: &[&str]) -> Expr;
}

/// A JSON value as an argument's value.
pub(crate) fn value(json: &Json, strings: &dyn Strings, path: &mut Vec<String>) -> Expr {
    match json {
        Json::Null => Expr::Null,
        Json::Bool(b) => Expr::Bool(*b),
        Json::Number(n) => Expr::Number(n.clone()),
        Json::String(s) => {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            strings.expr(s, &path)
        }
        Json::Array(items) => Expr::List(items.iter().map(|i| value(i, strings, path)).collect()),
        Json::Object(map) => Expr::Object(
            map.iter()
                .map(|(k, v)| {
                    path.push(k.clone());
                    let converted = value(v, strings, path);
                    path.pop();
                    (k.clone(), converted)
                })
                .collect(),
        ),
    }
}

/// File modes are octal strings in the provider (`0644`), numbers in the API (420).
fn is_mode(name: &str) -> bool {
    matches!(name, "mode" | "default_mode")
}

/// Converts one JSON object into a body of `schema`. `Err` is the path of a field the schema
/// has no place for.
pub(crate) fn body(
    object: &Json,
    schema: &Schema,
    strings: &dyn Strings,
    path: &mut Vec<String>,
) -> Result<Body, String> {
    let mut arguments = Body::default();
    let mut blocks = Body::default();
    let Some(map) = object.as_object() else { return Err(path.join(".")) };
    for (key, item) in map {
        if item.is_null() || (path.is_empty() && matches!(key.as_str(), "apiVersion" | "kind" | "status")) {
            continue;
        }
        path.push(key.clone());
        match field(schema, key) {
            Some(Field::Argument(name)) => {
                let expr = match item {
                    Json::Number(n) if is_mode(name) => Expr::string(format!("{:04o}", n.as_u64().unwrap_or(0))),
                    _ => value(item, strings, path),
                };
                arguments.attribute(name, expr);
            }
            Some(Field::Block(name, nested)) => {
                let items: Vec<&Json> = match item {
                    Json::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                if !nested.list && items.len() > 1 {
                    return Err(path.join("."));
                }
                for one in items {
                    let inner = body(one, &nested.schema, strings, path)?;
                    blocks.block(Block::new(name, &[], inner));
                }
            }
            None => return Err(path.join(".")),
        }
        path.pop();
    }
    arguments.items.extend(blocks.items);
    Ok(arguments)
}

/// A Kubernetes object as a typed resource (its type and body), or `kubernetes_manifest`.
/// `write_only` says a Secret's values go to `data_wo` (they hold generated values); its
/// revision argument is `revision`.
pub(crate) fn resource(
    object: &Json,
    strings: &dyn Strings,
    write_only: Option<&Expr>,
) -> Result<(&'static str, Body), String> {
    let text = |p: &str| object.pointer(p).and_then(Json::as_str).unwrap_or_default();
    let Some(kind) = schema::typed_resource(text("/apiVersion"), text("/kind")) else {
        return Ok(("kubernetes_manifest", manifest(object, strings)));
    };
    let schema = schema::resource(kind).ok_or_else(|| format!("no schema for {kind}"))?;
    if kind != "kubernetes_secret_v1" {
        return Ok((kind, body(object, schema, strings, &mut Vec::new())?));
    }
    // Secret: `stringData` is plain text (`data` in the provider), `data` is base64 (`binary_data`).
    let mut object = object.clone();
    let map = object.as_object_mut().ok_or("a Secret that is not an object")?;
    let plain = map.remove("stringData");
    let encoded = map.remove("data");
    let mut converted = body(&object, schema, strings, &mut Vec::new())?;
    let mut data = Body::default();
    if let Some(encoded) = encoded.filter(|e| e.as_object().is_some_and(|m| !m.is_empty())) {
        data.attribute("binary_data", value(&encoded, strings, &mut vec!["data".into()]));
    }
    if let Some(plain) = plain.filter(|p| p.as_object().is_some_and(|m| !m.is_empty())) {
        let expr = value(&plain, strings, &mut vec!["stringData".into()]);
        match write_only {
            Some(revision) => {
                data.attribute("data_wo", expr);
                data.attribute("data_wo_revision", revision.clone());
            }
            None => data.attribute("data", expr),
        }
    }
    // Arguments before blocks: the data after the other arguments, before `metadata`.
    let at = converted.items.iter().position(|i| matches!(i, super::hcl::Item::Block(_)));
    let at = at.unwrap_or(converted.items.len());
    converted.items.splice(at..at, data.items);
    Ok((kind, converted))
}

/// `kubernetes_manifest`: the object as it is, under `manifest`.
fn manifest(object: &Json, strings: &dyn Strings) -> Body {
    let mut body = Body::default();
    body.attribute("manifest", value(object, strings, &mut Vec::new()));
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_with_acronyms() {
        assert_eq!(snake("clusterIP"), "cluster_ip");
        assert_eq!(snake("externalIPs"), "external_ips");
        assert_eq!(snake("hostIPC"), "host_ipc");
        assert_eq!(snake("fsGroup"), "fs_group");
        assert_eq!(snake("volumeClaimTemplates"), "volume_claim_templates");
    }

    #[test]
    fn plural_fields_find_their_blocks() {
        let deployment = schema::resource("kubernetes_deployment_v1").unwrap();
        let Some(Field::Block(_, spec)) = field(deployment, "spec") else { panic!() };
        let Some(Field::Block(_, template)) = field(&spec.schema, "template") else { panic!() };
        let Some(Field::Block(_, pod)) = field(&template.schema, "spec") else { panic!() };
        assert!(matches!(field(&pod.schema, "containers"), Some(Field::Block("container", _))));
        assert!(matches!(field(&pod.schema, "initContainers"), Some(Field::Block("init_container", _))));
        assert!(matches!(field(&pod.schema, "automountServiceAccountToken"), Some(Field::Argument(_))));
    }
}
