//! The Kubernetes target's files: one per object, named so that a listing shows the apply order
//! (`001-namespace-shop.yaml`, `002-secret-db.yaml`, …), each a YAML document starting with
//! `---`, so that the files concatenated in order are one multi-document stream.

use std::borrow::Cow;

use rayon::prelude::*;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value as Json;

use super::identity::{Identity, kind_and_name};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::provision::generated::{self, Generated};
use crate::spool::Blob;
use crate::targets::File;

/// An object already written: its YAML document (its file is named after its identity).
#[derive(Debug)]
pub(crate) struct Written {
    yaml: Blob,
    /// A Secret's manifest holds its values: readable by its owner only.
    secret: bool,
}

/// An object as the ledger holds it: its tree, or, when nothing after recording reads the tree,
/// its YAML document (written in parallel as soon as it is built, so the tree is dropped at once).
#[derive(Debug)]
pub(crate) enum Body<'a> {
    Tree(Cow<'a, Json>),
    Written(Written),
}

/// `object` written as its YAML document, generated values written in.
pub(crate) fn write(object: &Json, generated: &Generated) -> Result<Written, serde_saphyr::ser::Error> {
    Ok(Written { yaml: yaml(object, generated)?, secret: object.get("kind").and_then(Json::as_str) == Some("Secret") })
}

/// The file name of the object at `index` (of `count`) of this kind and name: numbered, so that
/// a listing shows the apply order; lowercase, and only characters safe in a file name.
fn file_name(index: usize, count: usize, kind: &str, name: &str) -> String {
    let width = count.to_string().len().max(3);
    let or_object = |text: &str| if text.is_empty() { "object".to_string() } else { text.to_lowercase() };
    let name: String = or_object(name)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '-' })
        .collect();
    format!("{:0width$}-{}-{name}.yaml", index + 1, or_object(kind))
}

/// One file per object, under `prefix` (empty, or `<environment>/`), with the generated values
/// written in as each is serialized (the objects stay as they are). Objects are serialized in
/// parallel, each dropped once written; the files keep their order.
pub(crate) fn files(
    mut objects: Vec<Body<'_>>,
    identities: Vec<Identity>,
    generated: &Generated,
    prefix: &str,
    out: &mut Diagnostics,
) -> Vec<File> {
    let count = objects.len();
    // The trees written in place (in parallel), so that no second list of every object is made.
    objects.par_iter_mut().for_each(|body| {
        if let Body::Tree(object) = body
            && let Ok(written) = write(object, generated)
        {
            *body = Body::Written(written);
        }
    });
    let mut files = Vec::with_capacity(count);
    for (index, (body, identity)) in objects.into_iter().zip(identities).enumerate() {
        match body {
            Body::Written(written) => {
                let (kind, name) = kind_and_name(&identity);
                let name = format!("{prefix}{}", file_name(index, count, kind, name));
                files.push(if written.secret {
                    File::spooled(name, written.yaml, 0o600)
                } else {
                    File::spooled(name, written.yaml, 0o644)
                });
            }
            // One that could not be written: written again for the reason.
            Body::Tree(object) => {
                if let Err(error) = write(&object, generated) {
                    let shown = super::objects::display(&object);
                    out.push(Diagnostic::error(
                        Code::InvalidObject,
                        format!("`{shown}` cannot be written as YAML: {error}"),
                    ));
                }
            }
        }
    }
    files
}

/// The YAML document of one object, `---` first: the fast writer's where it can, else
/// serde-saphyr's (the same bytes: `tests/it/fast_yaml.rs` checks the two on every fixture's and
/// corpus file's objects).
fn yaml(object: &Json, generated: &Generated) -> Result<Blob, serde_saphyr::ser::Error> {
    let lowering = Lowering { value: object, generated };
    let substitute = |text: &str| {
        generated::has_marker(text).then(|| {
            let mut value = Json::String(text.to_string());
            generated.substitute(&mut value);
            value.as_str().unwrap_or_default().to_string()
        })
    };
    match crate::document::fast_yaml::write::write("---\n", object, &substitute) {
        Some(text) => Ok(text),
        None => serde_saphyr::to_string(&lowering).map(|text| Blob::from_vec(format!("---\n{text}").into_bytes())),
    }
}

/// A JSON value serialized as `serde_json` serializes it, with every generated-value marker in
/// its strings replaced by the value derived for it.
struct Lowering<'a> {
    value: &'a Json,
    generated: &'a Generated,
}

impl Serialize for Lowering<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let generated = self.generated;
        match self.value {
            Json::String(text) if generated::has_marker(text) => {
                let mut value = Json::String(text.clone());
                generated.substitute(&mut value);
                value.serialize(serializer)
            }
            Json::Array(items) => serializer.collect_seq(items.iter().map(|value| Lowering { value, generated })),
            Json::Object(map) => {
                let mut entries = serializer.serialize_map(Some(map.len()))?;
                for (key, value) in map {
                    entries.serialize_entry(key, &Lowering { value, generated })?;
                }
                entries.end()
            }
            other => other.serialize(serializer),
        }
    }
}
