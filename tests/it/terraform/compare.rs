//! The field-by-field comparison of a Kubernetes object with the Terraform resource converted
//! from it: every field of the object must sit where the converter's own mapping puts it, with
//! the same value, and the resource may hold nothing else (but the namespace it always sets and
//! the revision of write-only data). Values that Terraform computes are matched by their form:
//! the namespace variable, references to the module's Secrets and ConfigMaps by label, generated
//! passwords as `random_password` results (alone or inside a template).

use hcl::{Body, Expression};
use serde_json::Value as Json;
use stave::targets::terraform::convert::{self, Field};
use stave::targets::terraform::schema::{self, Schema};

pub fn object(object: &Json, resource_type: &str, body: &Body, problems: &mut Vec<String>) {
    if resource_type == "kubernetes_manifest" {
        match super::attribute(body, "manifest") {
            Some(manifest) => value(object, manifest, "manifest", false, problems),
            None => problems.push("no `manifest`".into()),
        }
        return;
    }
    let schema = schema::resource(resource_type).expect("a schema");
    fields(object, schema, body, "", resource_type == "kubernetes_secret_v1", problems);
}

fn fields(object: &Json, schema: &Schema, body: &Body, path: &str, secret: bool, problems: &mut Vec<String>) {
    let Some(map) = object.as_object() else { return problems.push(format!("{path}: not an object")) };
    let mut seen_attributes = Vec::new();
    let mut seen_blocks = Vec::new();
    for (key, item) in map {
        let here = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        if item.is_null() || (path.is_empty() && matches!(key.as_str(), "apiVersion" | "kind" | "status")) {
            continue;
        }
        if secret && path.is_empty() && matches!(key.as_str(), "stringData" | "data") {
            let names: &[&str] = if key == "data" { &["binary_data"] } else { &["data", "data_wo"] };
            match names.iter().find(|n| super::attribute(body, n).is_some()) {
                Some(name) => {
                    value(item, super::attribute(body, name).unwrap(), &here, false, problems);
                    seen_attributes.push(name.to_string());
                }
                None => problems.push(format!("{here}: no {names:?}")),
            }
            continue;
        }
        match convert::field(schema, key) {
            None => problems.push(format!("{here}: no place in the schema")),
            Some(Field::Argument(name)) => match super::attribute(body, name) {
                Some(expr) => {
                    value(item, expr, &here, matches!(name, "mode" | "default_mode"), problems);
                    seen_attributes.push(name.to_string());
                }
                None => problems.push(format!("{here}: argument `{name}` is missing")),
            },
            Some(Field::Block(name, nested)) => {
                let blocks = super::children(body, name);
                let items: Vec<&Json> = match item {
                    Json::Array(items) => items.iter().collect(),
                    one => vec![one],
                };
                if blocks.len() != items.len() {
                    problems.push(format!("{here}: {} items but {} `{name}` blocks", items.len(), blocks.len()));
                    continue;
                }
                for (item, block) in items.iter().zip(blocks) {
                    fields(item, &nested.schema, &block.body, &here, false, problems);
                }
                seen_blocks.push(name.to_string());
            }
        }
    }
    for attribute in body.attributes() {
        let name = attribute.key.as_str();
        let allowed = (name == "namespace" && path.ends_with("metadata")) || name == "data_wo_revision";
        if !seen_attributes.iter().any(|s| s == name) && !allowed {
            problems.push(format!("{path}: `{name}` is not in the Kubernetes object"));
        }
    }
    for block in body.blocks() {
        if !seen_blocks.iter().any(|s| s == block.identifier.as_str()) {
            problems.push(format!("{path}: block `{}` is not in the Kubernetes object", block.identifier.as_str()));
        }
    }
}

fn key_text(key: &hcl::ObjectKey) -> String {
    match key {
        hcl::ObjectKey::Identifier(id) => id.as_str().to_string(),
        hcl::ObjectKey::Expression(Expression::String(s)) => s.clone(),
        other => other.to_string(),
    }
}

fn value(json: &Json, expr: &Expression, path: &str, mode: bool, problems: &mut Vec<String>) {
    let ok = match (json, expr) {
        (Json::Null, Expression::Null) => true,
        (Json::Bool(a), Expression::Bool(b)) => a == b,
        (Json::Number(n), Expression::String(s)) if mode => format!("{:04o}", n.as_u64().unwrap_or(0)) == *s,
        (Json::Number(n), Expression::Number(m)) => n.as_f64() == m.as_f64(),
        (Json::String(s), Expression::String(t)) => s == t,
        (Json::String(s), Expression::TemplateExpr(template)) => matches_template(&template.to_string(), s),
        (Json::String(s), other) => computed(s, &super::text(other), path),
        (Json::Array(a), Expression::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                value(x, y, &format!("{path}[{i}]"), mode, problems);
            }
            true
        }
        (Json::Object(a), Expression::Object(b)) => {
            let keys: Vec<String> = b.keys().map(key_text).collect();
            let mut wanted: Vec<String> = a.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.clone()).collect();
            let namespace_added = path.ends_with("metadata") && !wanted.contains(&"namespace".to_string());
            if namespace_added {
                wanted.push("namespace".into());
            }
            let (mut left, mut right) = (wanted.clone(), keys.clone());
            left.sort();
            right.sort();
            if left == right {
                for (k, v) in b.iter() {
                    let key = key_text(k);
                    match a.get(&key) {
                        Some(item) => value(item, v, &format!("{path}.{key}"), false, problems),
                        None => {
                            if !computed("", &super::text(v), &format!("{path}.{key}")) {
                                problems.push(format!("{path}.{key}: unexpected"));
                            }
                        }
                    }
                }
                true
            } else {
                problems.push(format!("{path}: keys {left:?} vs {right:?}"));
                return;
            }
        }
        _ => false,
    };
    if !ok {
        problems.push(format!("{path}: {json} vs {}", super::text(expr)));
    }
}

/// A value Terraform computes: the namespace, a Secret's or ConfigMap's name by reference, a
/// generated password.
fn computed(value: &str, expression: &str, path: &str) -> bool {
    if path.ends_with("metadata.namespace") {
        return expression == "var.namespace" || expression.starts_with("kubernetes_namespace_v1.");
    }
    if expression.contains("random_password.generated[") {
        return true;
    }
    let label = value.replace(['-', '.'], "_");
    [
        format!("kubernetes_secret_v1.{label}.metadata[0].name"),
        format!("kubernetes_config_map_v1.{label}.metadata[0].name"),
    ]
    .contains(&expression.to_string())
}

/// Whether `value` is what the quoted template (as written, escapes and all) produces, with any
/// text where it interpolates.
fn matches_template(raw: &str, value: &str) -> bool {
    let raw = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')).unwrap_or(raw);
    let mut literals = vec![String::new()];
    let mut chars = raw.chars().peekable();
    let mut depth = 0;
    while let Some(c) = chars.next() {
        if depth > 0 {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                literals.push(String::new());
            }
            continue;
        }
        let last = literals.last_mut().unwrap();
        match c {
            '\\' => match chars.next() {
                Some('n') => last.push('\n'),
                Some('t') => last.push('\t'),
                Some('r') => last.push('\r'),
                Some(other) => last.push(other),
                None => {}
            },
            '$' | '%' if chars.peek() == Some(&c) => {
                chars.next();
                last.push(c);
            }
            '$' if chars.peek() == Some(&'{') => {
                chars.next();
                depth = 1;
            }
            c => last.push(c),
        }
    }
    let (first, rest) = literals.split_first().unwrap();
    let Some(mut remaining) = value.strip_prefix(first.as_str()) else { return false };
    if rest.is_empty() {
        return remaining.is_empty();
    }
    let (last, middle) = rest.split_last().unwrap();
    for piece in middle {
        match remaining.find(piece.as_str()) {
            Some(at) => remaining = &remaining[at + piece.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last.as_str())
}
