//! The Kubernetes target's files: one per object, named so that a listing shows the apply order
//! (`001-namespace-shop.yaml`, `002-secret-db.yaml`, …), each a YAML document starting with
//! `---`, so that the files concatenated in order are one multi-document stream.

use std::borrow::Cow;

use rayon::prelude::*;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value as Json;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::provision::generated::{self, Generated};
use crate::targets::File;

/// The file names of `objects`, in order.
fn file_names(objects: &[Cow<'_, Json>]) -> Vec<String> {
    let width = objects.len().to_string().len().max(3);
    objects
        .iter()
        .enumerate()
        .map(|(i, object)| {
            let text = |p: &str| object.pointer(p).and_then(Json::as_str).unwrap_or("object").to_lowercase();
            let name: String = text("/metadata/name")
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '-' })
                .collect();
            format!("{:0width$}-{}-{name}.yaml", i + 1, text("/kind"))
        })
        .collect()
}

/// One file per object, under `prefix` (empty, or `<environment>/`), with the generated values
/// written in as each is serialized (the objects stay as they are). Objects are serialized in
/// parallel; the files keep their order.
pub fn files(objects: &[Cow<'_, Json>], generated: &Generated, prefix: &str, out: &mut Diagnostics) -> Vec<File> {
    let names = file_names(objects);
    let texts: Vec<_> = objects
        .par_iter()
        .map(|object| {
            // A Secret's manifest holds its values: readable by its owner only.
            let secret = object.get("kind").and_then(Json::as_str) == Some("Secret");
            (yaml(object, generated), secret)
        })
        .collect();
    let mut files = Vec::with_capacity(names.len());
    for (name, (text, secret)) in names.into_iter().zip(texts) {
        match text {
            Ok(text) if secret => files.push(File::secret(format!("{prefix}{name}"), format!("---\n{text}"))),
            Ok(text) => files.push(File::new(format!("{prefix}{name}"), format!("---\n{text}"))),
            Err(error) => {
                out.push(Diagnostic::error(Code::InvalidObject, format!("`{name}` cannot be written as YAML: {error}")))
            }
        }
    }
    files
}

/// The YAML of one object: the fast writer's where it can, else serde-saphyr's (debug builds
/// check that the two agree wherever the fast writer writes).
fn yaml(object: &Json, generated: &Generated) -> Result<String, serde_saphyr::ser::Error> {
    let lowering = Lowering { value: object, generated };
    let Some(text) = super::fast_yaml::write(object, generated) else { return serde_saphyr::to_string(&lowering) };
    #[cfg(debug_assertions)]
    {
        let expected = serde_saphyr::to_string(&lowering);
        assert_eq!(Some(text.as_str()), expected.as_deref().ok(), "the fast YAML writer differs from serde-saphyr");
    }
    Ok(text)
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
