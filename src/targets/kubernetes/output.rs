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

/// The file name of the object at `index` (of `count`): numbered, so that a listing shows the apply order.
fn file_name(index: usize, count: usize, object: &Json) -> String {
    let width = count.to_string().len().max(3);
    let text = |p: &str| object.pointer(p).and_then(Json::as_str).unwrap_or("object").to_lowercase();
    let name: String = text("/metadata/name")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '-' })
        .collect();
    format!("{:0width$}-{}-{name}.yaml", index + 1, text("/kind"))
}

/// One file per object, under `prefix` (empty, or `<environment>/`), with the generated values
/// written in as each is serialized (the objects stay as they are). Objects are serialized in
/// parallel, each dropped once written; the files keep their order.
pub fn files(objects: Vec<Cow<'_, Json>>, generated: &Generated, prefix: &str, out: &mut Diagnostics) -> Vec<File> {
    let count = objects.len();
    let texts: Vec<_> = objects
        .into_par_iter()
        .enumerate()
        .map(|(index, object)| {
            // A Secret's manifest holds its values: readable by its owner only.
            let secret = object.get("kind").and_then(Json::as_str) == Some("Secret");
            (format!("{prefix}{}", file_name(index, count, &object)), yaml(&object, generated), secret)
        })
        .collect();
    let mut files = Vec::with_capacity(count);
    for (name, text, secret) in texts {
        match text {
            Ok(text) if secret => files.push(File::secret(name, text)),
            Ok(text) => files.push(File::new(name, text)),
            Err(error) => {
                out.push(Diagnostic::error(Code::InvalidObject, format!("`{name}` cannot be written as YAML: {error}")))
            }
        }
    }
    files
}

/// The YAML document of one object, `---` first: the fast writer's where it can, else
/// serde-saphyr's (debug builds check that the two agree wherever the fast writer writes).
fn yaml(object: &Json, generated: &Generated) -> Result<String, serde_saphyr::ser::Error> {
    let lowering = Lowering { value: object, generated };
    let Some(text) = super::fast_yaml::write("---\n", object, generated) else {
        return serde_saphyr::to_string(&lowering).map(|text| format!("---\n{text}"));
    };
    #[cfg(debug_assertions)]
    {
        let expected = serde_saphyr::to_string(&lowering).map(|text| format!("---\n{text}"));
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
