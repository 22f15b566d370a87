//! From command-line flags to a pipeline request.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{Console, InputArgs, PlatformArgs};
use crate::examples;
use crate::pipeline::Request;
use crate::score::{ImageChoice, Input, LoadOptions};

/// Resolves the files to read: the paths given (a directory stands for the workload files beneath
/// it, see [`is_workload_file`]), those listed by `--files-from`, `-` for standard input, or the
/// default names.
pub(crate) fn resolve(args: &InputArgs, example: bool, console: &Console<'_>) -> Result<Vec<Input>, String> {
    if example {
        if !args.files.is_empty() || args.files_from.is_some() {
            return Err("`--example` compiles the bundled example; do not name files with it".into());
        }
        return Ok(vec![Input::Text { name: examples::EXAMPLE_NAME.into(), bytes: examples::EXAMPLE_WORKLOAD.into() }]);
    }
    let mut named = args.files.clone();
    if let Some(list) = &args.files_from {
        named.extend(files_from(list, console)?);
    }
    if named.is_empty() {
        if args.files_from.is_some() {
            return Err(format!("`--files-from {}` lists no workload file", args.files_from_display()));
        }
        return ["workload.yaml", "score.yaml"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.is_file())
            .map(|p| vec![Input::Path(p)])
            .ok_or_else(|| {
                "no workload file given, and neither `workload.yaml` nor `score.yaml` is in the current directory"
                    .into()
            });
    }
    let stdin = named.iter().filter(|f| f.as_path() == Path::new("-")).count()
        + usize::from(args.files_from.as_deref() == Some(Path::new("-")));
    if stdin > 1 {
        return Err("standard input (`-`) can be read only once".into());
    }
    let mut inputs = Vec::with_capacity(named.len());
    for file in named {
        if file.as_path() == Path::new("-") {
            inputs.push(Input::Text { name: "<stdin>".into(), bytes: read_stdin(console)? });
        } else if file.is_dir() {
            let found = search(&file).map_err(|e| format!("cannot read directory `{}`: {e}", file.display()))?;
            if found.is_empty() {
                return Err(format!(
                    "directory `{}` holds no workload file (`score.yaml`, `workload.yaml` or `*.score.yaml`, `.yml` \
                    too)",
                    file.display()
                ));
            }
            inputs.extend(found.into_iter().map(Input::Path));
        } else {
            inputs.push(Input::Path(file));
        }
    }
    Ok(inputs)
}

impl InputArgs {
    fn files_from_display(&self) -> String {
        self.files_from.as_deref().map(|p| p.display().to_string()).unwrap_or_default()
    }
}

fn read_stdin(console: &Console<'_>) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let mut stdin = console.stdin();
    (&mut **stdin)
        .take(crate::document::read::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(bytes)
}

/// The paths listed in `list` (`-`: standard input), one a line; blank lines are skipped.
fn files_from(list: &Path, console: &Console<'_>) -> Result<Vec<PathBuf>, String> {
    let text = if list == Path::new("-") {
        String::from_utf8(read_stdin(console)?)
            .map_err(|_| "the file list on standard input is not UTF-8".to_string())?
    } else {
        std::fs::read_to_string(list).map_err(|e| format!("cannot read `--files-from {}`: {e}", list.display()))?
    };
    Ok(text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.trim().is_empty()).map(PathBuf::from).collect())
}

/// Whether a file found in a directory is a workload file: `score.yaml`, `workload.yaml`, or a
/// name ending in `.score.yaml` (each also with `.yml`).
pub(crate) fn is_workload_file(name: &str) -> bool {
    ["score", "workload"].iter().any(|base| ["yaml", "yml"].iter().any(|ext| name == format!("{base}.{ext}")))
        || name.ends_with(".score.yaml")
        || name.ends_with(".score.yml")
}

/// The workload files beneath `dir`, sorted by path; directories whose name starts with `.`
/// (`.git`, `.stave`) are skipped, and symbolic links to directories are not followed.
fn search(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if !name.starts_with('.') {
                    pending.push(entry.path());
                }
            } else if is_workload_file(&name) && entry.path().is_file() {
                found.push(entry.path());
            }
        }
    }
    found.sort();
    Ok(found)
}

pub(crate) fn options(args: &InputArgs, inputs: usize) -> Result<LoadOptions, String> {
    let has_overrides = args.overrides_file.is_some() || !args.override_property.is_empty();
    if has_overrides && inputs != 1 {
        return Err(
            "overrides apply to one workload: pass exactly one file with `--override-property` or `--overrides-file`"
                .into(),
        );
    }
    for image in &args.image {
        if image.is_empty() || image.ends_with('=') {
            return Err(format!("`--image {image}` names no image"));
        }
    }
    Ok(LoadOptions {
        images: args.image.iter().map(|i| ImageChoice::parse(i)).collect(),
        overrides_file: args.overrides_file.clone(),
        override_properties: args.override_property.clone(),
        allow_outside_sources: args.allow_outside_sources,
        allow_dotfile_sources: args.allow_dotfile_sources,
        ..LoadOptions::default()
    })
}

/// A pipeline request from the shared flags.
pub(crate) fn request(
    input: &InputArgs,
    platform: &PlatformArgs,
    example: bool,
    console: &Console<'_>,
) -> Result<Request, String> {
    let inputs = resolve(input, example, console)?;
    let load = options(input, inputs.len())?;
    Ok(Request {
        inputs,
        load,
        platform: platform.file(),
        environment: platform.env.clone(),
        seed_variable: console.variable("STAVE_SEED").map(ToOwned::to_owned),
        ..Request::default()
    })
}
