//! The template tree of one chart object: the Kubernetes target's object as literal JSON, with
//! holes where the chart reads values or computes at install time (a value a user may override,
//! a generated password, the release's namespace), and the merge of one object's trees across
//! environments, where what differs becomes a per-environment value.

use serde_json::Value as Json;

use super::text;
use crate::provision::generated::{self, Piece};

/// How an expression's value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// One scalar, inline (`key: {{ EXPR | toJson }}`).
    Scalar,
    /// A map or a list, as a YAML block (`key:` then `{{ toYaml EXPR | nindent N }}`).
    Block,
    /// A value holding a string that Go's JSON (so `toJson` and `toYaml`) would render with a
    /// character YAML refuses (DEL, a C1 control, U+FEFF, U+FFFE, U+FFFF): one line of JSON with
    /// those escaped too (`key: {{ include "stave.json" (EXPR) }}`).
    Json,
}

impl Shape {
    /// [`Shape::Json`] where one of `values` holds a string that needs it, else `self`.
    pub(crate) fn unless_raw<'j>(self, mut values: impl Iterator<Item = &'j Json>) -> Shape {
        if values.any(holds_raw) { Shape::Json } else { self }
    }
}

/// Whether `value` holds (in a key or a string) a character Go's JSON leaves as it is and YAML
/// refuses.
fn holds_raw(value: &Json) -> bool {
    match value {
        Json::String(text) => text::raw_in_go_json(text),
        Json::Object(map) => map.iter().any(|(k, v)| text::raw_in_go_json(k) || holds_raw(v)),
        Json::Array(items) => items.iter().any(holds_raw),
        _ => false,
    }
}

/// When a key with an expression is written at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Presence {
    Always,
    /// Unless the value is null (so `0` and `false` are written).
    UnlessNull,
    /// Unless the value is empty (null, `""`, `{}`, `[]`, `0`, `false`).
    UnlessEmpty,
}

/// A piece of a string with generated values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TextPart {
    Literal(String),
    /// `{{ include "stave.generated" … }}` for this scope, purpose and length.
    Generated {
        scope: String,
        purpose: String,
        length: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// JSON with no hole in it.
    Literal(Json),
    /// Keys in the Kubernetes target's order.
    Map(Vec<(String, Node)>),
    List(Vec<Node>),
    /// A string holding generated values, derived at install time.
    Text(Vec<TextPart>),
    /// A value read or computed by a template expression.
    Expr {
        expr: String,
        shape: Shape,
        presence: Presence,
    },
    /// `metadata.labels`: the labels Helm owns, these labels, the extra labels a values map names
    /// (a pod's `podLabels`), then the chart's common labels; earlier ones win.
    Labels {
        base: Box<Node>,
        extra: Option<String>,
    },
    /// A container's `env`: these variables, then the extra ones a values map names.
    Env {
        base: Box<Node>,
        extra: String,
    },
}

impl Node {
    /// The tree of a JSON value: literal, except strings that hold generated values.
    pub(crate) fn from_json(value: &Json) -> Node {
        match value {
            Json::String(text) if generated::has_marker(text) => match generated::pieces(text) {
                Ok(pieces) => Node::Text(
                    pieces
                        .into_iter()
                        .map(|piece| match piece {
                            Piece::Text(t) => TextPart::Literal(t.to_string()),
                            Piece::Generated(key) => {
                                TextPart::Generated { scope: key.scope, purpose: key.purpose, length: key.length }
                            }
                        })
                        .collect(),
                ),
                Err(_) => Node::Literal(value.clone()),
            },
            Json::Object(map) if map.values().any(has_marker) => {
                Node::Map(map.iter().map(|(k, v)| (k.clone(), Node::from_json(v))).collect())
            }
            Json::Array(items) if items.iter().any(has_marker) => {
                Node::List(items.iter().map(Node::from_json).collect())
            }
            other => Node::Literal(other.clone()),
        }
    }

    /// A map node's entries, opening a literal map into entries.
    pub(crate) fn entries_mut(&mut self) -> Option<&mut Vec<(String, Node)>> {
        if let Node::Literal(Json::Object(map)) = self {
            *self = Node::Map(map.iter().map(|(k, v)| (k.clone(), Node::Literal(v.clone()))).collect());
        }
        match self {
            Node::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// A list node's items, opening a literal list into items.
    pub(crate) fn items_mut(&mut self) -> Option<&mut Vec<Node>> {
        if let Node::Literal(Json::Array(items)) = self {
            *self = Node::List(items.iter().map(|v| Node::Literal(v.clone())).collect());
        }
        match self {
            Node::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entry `key` of a map node (opened), if there is one.
    pub(crate) fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries_mut()?.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets (or adds, last) the entry `key` of a map node.
    pub(crate) fn set(&mut self, key: &str, node: Node) {
        if let Some(entries) = self.entries_mut() {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, old)) => *old = node,
                None => entries.push((key.to_string(), node)),
            }
        }
    }

    /// Removes the entry `key` of a map node, returning it.
    pub(crate) fn take(&mut self, key: &str) -> Option<Node> {
        let entries = self.entries_mut()?;
        let index = entries.iter().position(|(k, _)| k == key)?;
        Some(entries.remove(index).1)
    }

    /// The JSON of a node without holes.
    pub(crate) fn literal(&self) -> Option<Json> {
        match self {
            Node::Literal(json) => Some(json.clone()),
            Node::Map(entries) => {
                entries.iter().map(|(k, v)| Some((k.clone(), v.literal()?))).collect::<Option<_>>().map(Json::Object)
            }
            Node::List(items) => items.iter().map(Node::literal).collect::<Option<_>>().map(Json::Array),
            _ => None,
        }
    }
}

fn has_marker(value: &Json) -> bool {
    match value {
        Json::String(text) => generated::has_marker(text),
        Json::Object(map) => map.values().any(has_marker),
        Json::Array(items) => items.iter().any(has_marker),
        _ => false,
    }
}

/// A JSON pointer segment.
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

/// What differs between environments at one place of an object: the pointer (list items by
/// their `name`, where they have one) and each environment's value there (`None`: absent).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hole {
    pub(crate) pointer: String,
    pub(crate) values: Vec<Option<Json>>,
}

/// Merges one object's trees (one per environment, in order) into one template. A literal that
/// differs becomes an expression reading `lookup(pointer)` and a [`Hole`] recording each
/// environment's value; a difference in holes themselves cannot be merged (`None`: the caller
/// emits one variant of the object per environment instead).
pub(crate) fn merge(trees: &[&Node], lookup: &dyn Fn(&str) -> String, holes: &mut Vec<Hole>) -> Option<Node> {
    merge_at(trees, "", lookup, holes)
}

fn merge_at(trees: &[&Node], pointer: &str, lookup: &dyn Fn(&str) -> String, holes: &mut Vec<Hole>) -> Option<Node> {
    let first = trees[0];
    if trees.iter().all(|t| *t == first) {
        return Some(first.clone());
    }
    // Labels and variables keep their form: what is inside them merges.
    if let Node::Labels { extra, .. } = first {
        let bases = trees
            .iter()
            .map(|t| match t {
                Node::Labels { base, extra: e } if e == extra => Some(base.as_ref()),
                _ => None,
            })
            .collect::<Option<Vec<&Node>>>()?;
        let base = merge_at(&bases, pointer, lookup, holes)?;
        return Some(Node::Labels { base: Box::new(base), extra: extra.clone() });
    }
    if let Node::Env { extra, .. } = first {
        let bases = trees
            .iter()
            .map(|t| match t {
                Node::Env { base, extra: e } if e == extra => Some(base.as_ref()),
                _ => None,
            })
            .collect::<Option<Vec<&Node>>>()?;
        let base = merge_at(&bases, pointer, lookup, holes)?;
        return Some(Node::Env { base: Box::new(base), extra: extra.clone() });
    }
    let maps: Option<Vec<Vec<(String, Node)>>> = trees.iter().map(|t| as_entries(t)).collect();
    if let Some(maps) = maps {
        let mut keys: Vec<&str> = Vec::new();
        for map in &maps {
            for (key, _) in map {
                if !keys.contains(&key.as_str()) {
                    keys.push(key);
                }
            }
        }
        let mut entries = Vec::new();
        for key in keys {
            let at = format!("{pointer}/{}", escape(key));
            let found: Vec<Option<&Node>> =
                maps.iter().map(|m| m.iter().find(|(k, _)| k == key).map(|(_, v)| v)).collect();
            let node = if found.iter().all(Option::is_some) {
                let present: Vec<&Node> = found.into_iter().flatten().collect();
                merge_at(&present, &at, lookup, holes)?
            } else {
                let values: Option<Vec<Option<Json>>> =
                    found.iter().map(|n| n.map_or(Some(None), |n| n.literal().map(Some))).collect();
                hole(at, values?, Presence::UnlessNull, lookup, holes)
            };
            entries.push((key.to_string(), node));
        }
        return Some(Node::Map(entries));
    }
    let lists: Option<Vec<Vec<Node>>> = trees.iter().map(|t| as_items(t)).collect();
    if let Some(lists) = lists {
        let names: Vec<Vec<Option<String>>> = lists.iter().map(|l| l.iter().map(item_name).collect()).collect();
        let aligned = names.iter().all(|n| n == &names[0]);
        if aligned {
            let mut items = Vec::new();
            for (index, name) in names[0].iter().enumerate() {
                let at = format!("{pointer}/{}", escape(&name.clone().unwrap_or_else(|| index.to_string())));
                let present: Vec<&Node> = lists.iter().map(|l| &l[index]).collect();
                items.push(merge_at(&present, &at, lookup, holes)?);
            }
            return Some(Node::List(items));
        }
    }
    let values: Option<Vec<Option<Json>>> = trees.iter().map(|t| t.literal().map(Some)).collect();
    Some(hole(pointer.to_string(), values?, Presence::Always, lookup, holes))
}

fn hole(
    pointer: String,
    values: Vec<Option<Json>>,
    presence: Presence,
    lookup: &dyn Fn(&str) -> String,
    holes: &mut Vec<Hole>,
) -> Node {
    let block = values.iter().flatten().any(|v| v.is_object() || v.is_array());
    let shape = if block { Shape::Block } else { Shape::Scalar }.unless_raw(values.iter().flatten());
    let node = Node::Expr { expr: lookup(&pointer), shape, presence };
    holes.push(Hole { pointer, values });
    node
}

fn as_entries(node: &Node) -> Option<Vec<(String, Node)>> {
    match node {
        Node::Map(entries) => Some(entries.clone()),
        Node::Literal(Json::Object(map)) => {
            Some(map.iter().map(|(k, v)| (k.clone(), Node::Literal(v.clone()))).collect())
        }
        _ => None,
    }
}

fn as_items(node: &Node) -> Option<Vec<Node>> {
    match node {
        Node::List(items) => Some(items.clone()),
        Node::Literal(Json::Array(items)) => Some(items.iter().map(|v| Node::Literal(v.clone())).collect()),
        _ => None,
    }
}

/// A list item's name (containers, variables, volumes, ports), or its mount path.
fn item_name(node: &Node) -> Option<String> {
    let text = |key: &str| match node {
        Node::Map(entries) => entries.iter().find(|(k, _)| k == key).and_then(|(_, v)| match v {
            Node::Literal(Json::String(s)) => Some(s.clone()),
            _ => None,
        }),
        Node::Literal(Json::Object(map)) => map.get(key).and_then(Json::as_str).map(str::to_string),
        _ => None,
    };
    text("name").or_else(|| text("mountPath"))
}
