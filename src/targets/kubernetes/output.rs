//! Writing objects: one multi-document YAML stream, or one file per object in a directory that
//! is replaced whole (written aside, then renamed), so a failed compile leaves it untouched.

use std::io::Write;
use std::path::Path;

use serde_json::Value as Json;

/// `---`-separated YAML documents, in order.
pub fn to_yaml_stream(objects: &[Json]) -> Result<String, String> {
    let mut text = String::new();
    for object in objects {
        text.push_str("---\n");
        text.push_str(&serde_saphyr::to_string(object).map_err(|e| e.to_string())?);
    }
    Ok(text)
}

/// `001-namespace-shop.yaml`, `002-secret-db.yaml`, …: a listing shows the apply order.
pub fn file_names(objects: &[Json]) -> Vec<String> {
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

/// Replaces `dir` with one file per object. Refuses a directory holding anything but YAML files
/// (it is not a previous output).
pub fn write_directory(dir: &Path, objects: &[Json]) -> Result<(), String> {
    if dir.exists() {
        let entries = std::fs::read_dir(dir).map_err(|e| e.to_string())?;
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() || path.extension().is_none_or(|e| e != "yaml") {
                return Err(format!(
                    "`{}` holds `{}`, which is not a previous output; choose an empty directory",
                    dir.display(),
                    path.display()
                ));
            }
        }
    }
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    let staging = tempfile::Builder::new().prefix(".stave-output-").tempdir_in(parent).map_err(|e| e.to_string())?;
    for (name, object) in file_names(objects).iter().zip(objects) {
        let text = serde_saphyr::to_string(object).map_err(|e| e.to_string())?;
        let mut file = std::fs::File::create(staging.path().join(name)).map_err(|e| e.to_string())?;
        file.write_all(format!("---\n{text}").as_bytes()).map_err(|e| e.to_string())?;
    }
    let staged = staging.keep();
    if dir.exists() {
        let old =
            tempfile::Builder::new().prefix(".stave-previous-").tempdir_in(parent).map_err(|e| e.to_string())?.keep();
        std::fs::remove_dir(&old).map_err(|e| e.to_string())?;
        std::fs::rename(dir, &old).map_err(|e| e.to_string())?;
        std::fs::rename(&staged, dir).map_err(|e| e.to_string())?;
        std::fs::remove_dir_all(&old).map_err(|e| e.to_string())?;
    } else {
        std::fs::rename(&staged, dir).map_err(|e| e.to_string())?;
    }
    Ok(())
}
