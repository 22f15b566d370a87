//! The Terraform blocks a provisioner returns among its objects. An object with a `terraform` key
//! is a block (any other object is a Kubernetes object):
//!
//! ```yaml
//! - terraform: resource          # resource, data, ephemeral or variable
//!   type: aws_s3_bucket          # the resource type (not for a variable)
//!   name: uploads_1a2b3c         # the block's label: a Terraform identifier
//!   body:                        # its arguments and nested blocks
//!     bucket: uploads-1a2b3c     # strings are Terraform templates: "${aws_kms_key.k.arn}"
//!     tags: {team: data}         # a map is an argument's value (a map or an object)
//!     versioning_configuration:  # a list of maps is nested blocks, one per item
//!       - status: Enabled
//! ```
//!
//! A string that is exactly one `${EXPR}` is the expression itself (as in Terraform's JSON
//! syntax); `$${` is a literal `${`. A variable's `type` is a type expression (`string`,
//! `list(string)`). Checks: the form above, identifiers, a provider the target knows (built-in or
//! the environment's `terraform.providers`), no `count` (use `for_each` over a map).

use serde_json::Value as Json;

use super::convert::{Strings, value};
use super::hcl::{Block, Body, Expr, is_identifier};

/// What kind of top-level block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Kind {
    Resource,
    Data,
    Ephemeral,
    Variable,
}

impl Kind {
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            Kind::Resource => "resource",
            Kind::Data => "data",
            Kind::Ephemeral => "ephemeral",
            Kind::Variable => "variable",
        }
    }
}

/// One block a provisioner returned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TfBlock {
    pub(crate) kind: Kind,
    /// The resource type; `None` for a variable.
    pub(crate) resource_type: Option<String>,
    pub(crate) name: String,
    pub(crate) body: serde_json::Map<String, Json>,
}

impl TfBlock {
    /// `aws_db_instance.db`, `data.aws_vpc.main`, `var.zone_id`: how expressions refer to it.
    pub(crate) fn address(&self) -> String {
        match (self.kind, &self.resource_type) {
            (Kind::Variable, _) => format!("var.{}", self.name),
            (Kind::Resource, Some(t)) => format!("{t}.{}", self.name),
            (kind, Some(t)) => format!("{}.{t}.{}", kind.keyword(), self.name),
            (_, None) => self.name.clone(),
        }
    }

    /// The provider's local name: the type's first word.
    pub(crate) fn provider(&self) -> Option<&str> {
        self.resource_type.as_deref().map(|t| t.split('_').next().unwrap_or(t))
    }
}

/// Whether a provisioner's object is a Terraform block.
pub(crate) fn is_block(object: &Json) -> bool {
    object.get("terraform").is_some()
}

/// Reads a block, or says what is wrong with it.
pub(crate) fn parse(object: &Json) -> Result<TfBlock, String> {
    let Some(map) = object.as_object() else { return Err("a block must be a map".into()) };
    if let Some(extra) = map.keys().find(|k| !matches!(k.as_str(), "terraform" | "type" | "name" | "body")) {
        return Err(format!("a block takes `terraform`, `type`, `name` and `body`, not `{extra}`"));
    }
    let text = |key: &str| map.get(key).and_then(Json::as_str);
    let kind = match text("terraform") {
        Some("resource") => Kind::Resource,
        Some("data") => Kind::Data,
        Some("ephemeral") => Kind::Ephemeral,
        Some("variable") => Kind::Variable,
        other => {
            return Err(format!(
                "`terraform:` is {}, but must be `resource`, `data`, `ephemeral` or `variable`",
                other.map_or("not a string".to_string(), |o| format!("`{o}`"))
            ));
        }
    };
    let resource_type = match (kind, text("type")) {
        (Kind::Variable, None) => None,
        (Kind::Variable, Some(_)) => return Err("a variable takes no `type:` (its type goes in `body.type`)".into()),
        (_, Some(t)) if is_type_name(t) => Some(t.to_string()),
        (_, Some(t)) => return Err(format!("`{t}` is not a resource type name (`provider_thing`, lowercase)")),
        (_, None) => return Err(format!("a `{}` block needs `type:`", kind.keyword())),
    };
    let name = match text("name") {
        Some(name) if is_identifier(name) => name.to_string(),
        Some(name) => {
            return Err(format!(
                "`{name}` cannot label a Terraform block: a label starts with a letter or `_` and holds letters, \
                digits, `_` and `-`"
            ));
        }
        None => return Err("a block needs `name:` (a string)".into()),
    };
    let body = match map.get("body") {
        None | Some(Json::Null) => serde_json::Map::new(),
        Some(Json::Object(body)) => body.clone(),
        Some(_) => return Err("`body:` must be a map of arguments and nested blocks".into()),
    };
    if body.contains_key("count") {
        return Err("`count` is not allowed: use `for_each` over a map, so that addresses stay stable".into());
    }
    if kind == Kind::Variable {
        if let Some(extra) =
            body.keys().find(|k| !matches!(k.as_str(), "type" | "description" | "default" | "sensitive" | "nullable"))
        {
            return Err(format!(
                "a variable's body takes `type`, `description`, `default`, `sensitive` and `nullable`, not `{extra}`"
            ));
        }
        match body.get("type").and_then(Json::as_str) {
            Some(t) if is_type_expression(t) => {}
            _ => {
                return Err("a variable needs `body.type`, a type expression such as `string` or `list(string)`".into());
            }
        }
        if !body.get("description").is_some_and(Json::is_string) {
            return Err("a variable needs `body.description` (a string)".into());
        }
    }
    check_keys(&body, &mut vec![])?;
    Ok(TfBlock { kind, resource_type, name, body })
}

fn is_type_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.contains('_')
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn is_type_expression(text: &str) -> bool {
    !text.is_empty()
        && text.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '(' | ')' | '{' | '}' | '=' | ',' | ' ' | '_'))
}

/// Argument and block names must be identifiers (map keys inside values may be anything).
fn check_keys(body: &serde_json::Map<String, Json>, path: &mut Vec<String>) -> Result<(), String> {
    for (key, item) in body {
        path.push(key.clone());
        if !is_identifier(key) {
            return Err(format!("`{}` is not an argument or block name", path.join(".")));
        }
        if let Some(blocks) = nested_blocks(item) {
            for block in blocks {
                check_keys(block, path)?;
            }
        }
        path.pop();
    }
    Ok(())
}

/// A list of maps: nested blocks.
fn nested_blocks(item: &Json) -> Option<Vec<&serde_json::Map<String, Json>>> {
    let items = item.as_array().filter(|items| !items.is_empty())?;
    items.iter().map(Json::as_object).collect()
}

/// The block's body in HCL (`strings` reads Terraform templates).
pub(crate) fn body(block: &TfBlock, strings: &dyn Strings) -> Body {
    if block.kind == Kind::Variable {
        let mut body = Body::default();
        for key in ["description", "type", "default", "sensitive", "nullable"] {
            match (key, block.body.get(key)) {
                ("type", Some(Json::String(t))) => body.attribute("type", Expr::raw(t.clone())),
                (_, Some(item)) => body.attribute(key, value(item, strings, &mut vec![key.into()])),
                _ => {}
            }
        }
        return body;
    }
    convert(&block.body, strings, &mut Vec::new())
}

fn convert(map: &serde_json::Map<String, Json>, strings: &dyn Strings, path: &mut Vec<String>) -> Body {
    let mut arguments = Body::default();
    let mut blocks = Body::default();
    for (key, item) in map {
        path.push(key.clone());
        match (key.as_str(), nested_blocks(item)) {
            ("depends_on", _) => {
                let references = item.as_array().into_iter().flatten().filter_map(Json::as_str);
                arguments.attribute(key, Expr::List(references.map(|r| Expr::raw(r.trim())).collect()));
            }
            (_, Some(items)) => {
                for inner in items {
                    blocks.block(Block::new(key, &[], convert(inner, strings, path)));
                }
            }
            _ => arguments.attribute(key, value(item, strings, path)),
        }
        path.pop();
    }
    arguments.items.extend(blocks.items);
    arguments
}

/// Whether the top-level argument `name` is write-only (its value is never stored in state).
pub(crate) fn is_write_only(name: &str) -> bool {
    name.ends_with("_wo")
}
