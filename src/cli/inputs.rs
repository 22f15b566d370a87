//! From command-line flags to a pipeline request.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::{InputArgs, PlatformArgs};
use crate::examples;
use crate::pipeline::Request;
use crate::spec::{ImageChoice, Input, LoadOptions};

/// Resolves the files to read: the paths given, `-` for standard input, or the default names.
pub fn resolve(args: &InputArgs, example: bool) -> Result<Vec<Input>, String> {
    if example {
        if !args.files.is_empty() {
            return Err("`--example` compiles the bundled example; do not name files with it".into());
        }
        return Ok(vec![Input::Text { name: examples::EXAMPLE_NAME.into(), bytes: examples::EXAMPLE_WORKLOAD.into() }]);
    }
    if args.files.is_empty() {
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
    if args.files.iter().filter(|f| f.as_path() == Path::new("-")).count() > 1 {
        return Err("standard input (`-`) can be read only once".into());
    }
    args.files
        .iter()
        .map(|file| {
            if file.as_path() == Path::new("-") {
                let mut bytes = Vec::new();
                std::io::stdin()
                    .take(crate::document::read::MAX_FILE_BYTES + 1)
                    .read_to_end(&mut bytes)
                    .map_err(|e| format!("cannot read standard input: {e}"))?;
                Ok(Input::Text { name: "<stdin>".into(), bytes })
            } else {
                Ok(Input::Path(file.clone()))
            }
        })
        .collect()
}

pub fn options(args: &InputArgs, inputs: usize) -> Result<LoadOptions, String> {
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
        platform_overrides: Vec::new(),
    })
}

/// A pipeline request from the shared flags.
pub fn request(input: &InputArgs, platform: &PlatformArgs, example: bool) -> Result<Request, String> {
    let inputs = resolve(input, example)?;
    let load = options(input, inputs.len())?;
    Ok(Request { inputs, load, platform: platform.file(), environment: platform.env.clone(), ..Request::default() })
}
