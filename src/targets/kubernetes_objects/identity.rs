//! The identity of an emitted object: its name, kind, apiVersion and namespace, which no two
//! objects of one environment may share, written as one key (what the ledger indexes) that the
//! kind and name can be read back from (what each file is named after).

use serde_json::Value as Json;

/// Name, kind, apiVersion and namespace, each behind its length (so that no two identities
/// write the same text), in one allocation: the index holds one per object. The index is only
/// looked up, never listed, so the order of its keys reaches no output.
pub(crate) type Identity = Box<str>;

/// The kind and the name an identity holds.
pub(crate) fn kind_and_name(identity: &str) -> (&str, &str) {
    let mut rest = identity;
    let mut next = || {
        let (length, after) = rest.split_once(':').unwrap_or_default();
        let length = length.parse().unwrap_or(0).min(after.len());
        let (field, after) = after.split_at(length);
        rest = after;
        field
    };
    let name = next();
    (next(), name)
}

/// The identity of `object`.
pub(crate) fn identity(object: &Json) -> Identity {
    use std::fmt::Write;
    let mut key = String::new();
    for pointer in ["/metadata/name", "/kind", "/apiVersion", "/metadata/namespace"] {
        let field = object.pointer(pointer).and_then(Json::as_str).unwrap_or_default();
        let _ = write!(key, "{}:{field}", field.len());
    }
    key.into_boxed_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_and_name_read_back_and_no_two_identities_collide() {
        let object =
            serde_json::json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a:1", "namespace": "n"}});
        let key = identity(&object);
        assert_eq!(kind_and_name(&key), ("Service", "a:1"));
        let other =
            serde_json::json!({"apiVersion": "v1", "kind": "1:Service", "metadata": {"name": "a", "namespace": "n"}});
        assert_ne!(identity(&other), key);
    }
}
