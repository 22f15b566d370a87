//! A provisioned object as provisioning hands it on: its compact JSON text, not a tree, held in
//! the spool. A large compile holds every resource's objects until the target writes them: the
//! text takes a fraction of a tree's memory, and beyond the spool's budget none; a target reads
//! the tree ([`Object::tree`]) when it needs it, and can drop it once it is written.

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use serde_json::Value as Json;

use crate::document::exact;
use crate::spool::Blob;

/// One object a provisioner returned (generated values still markers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    /// Compact JSON, so UTF-8.
    json: Blob,
    kind: Box<str>,
    /// Whether the text holds a generated value's marker character (only then is it walked
    /// for generated values).
    marked: bool,
}

impl Object {
    pub(crate) fn new(tree: &Json) -> Object {
        thread_local! {
            /// Written into a buffer each thread reuses, then copied once at its exact size.
            static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let (json, marked) = BUFFER.with_borrow_mut(|buffer| {
            buffer.clear();
            // A tree always serializes, and as UTF-8.
            let _ = serde_json::to_writer(&mut *buffer, tree);
            (Blob::new(buffer), super::generated::has_marker(&String::from_utf8_lossy(buffer)))
        });
        let kind = tree.get("kind").and_then(Json::as_str).unwrap_or_default();
        Object { json, kind: kind.into(), marked }
    }

    /// Its `kind` (empty when it has none), without reading the rest.
    pub(crate) fn kind(&self) -> &str {
        &self.kind
    }

    /// The compact JSON text.
    pub(crate) fn json(&self) -> Cow<'_, str> {
        match self.json.bytes() {
            Cow::Borrowed(bytes) => String::from_utf8_lossy(bytes),
            Cow::Owned(bytes) => Cow::Owned(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// Whether the text holds a generated value's marker character.
    pub(crate) fn marked(&self) -> bool {
        self.marked
    }

    /// The object as a tree, built now.
    pub fn tree(&self) -> Json {
        // The text was written from a tree, so it reads back.
        self.json
            .with(|bytes| std::str::from_utf8(bytes).ok().and_then(|text| exact::parse(text).ok()))
            .unwrap_or(Json::Null)
    }
}

impl Serialize for Object {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.tree().serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_comes_back_as_it_was() {
        let tree = serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"}, "stringData": {"b": "1", "a": "2"},
        });
        let object = Object::new(&tree);
        assert_eq!(object.kind(), "Secret");
        assert_eq!(object.tree(), tree);
        assert_eq!(serde_json::to_string(&object.tree()).unwrap(), serde_json::to_string(&tree).unwrap());
    }
}
