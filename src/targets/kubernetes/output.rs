//! The Kubernetes target's files: one per object, named so that a listing shows the apply order
//! (`001-namespace-shop.yaml`, `002-secret-db.yaml`, …), each a YAML document starting with
//! `---`, so that the files concatenated in order are one multi-document stream.

use rayon::prelude::*;
use serde_json::Value as Json;

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::provision::generated::Generated;
use crate::targets::File;

/// The file names of `objects`, in order.
fn file_names(objects: &[Json]) -> Vec<String> {
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
/// written in. Objects are serialized in parallel; the files keep their order.
pub fn files(objects: Vec<Json>, generated: &Generated, prefix: &str, out: &mut Diagnostics) -> Vec<File> {
    let names = file_names(&objects);
    let texts: Vec<_> = objects
        .into_par_iter()
        .map(|mut object| {
            generated.substitute(&mut object);
            // A Secret's manifest holds its values: readable by its owner only.
            let secret = object.get("kind").and_then(Json::as_str) == Some("Secret");
            (serde_saphyr::to_string(&object), secret)
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
