//! The Score front end: workload files in, typed IR out, every mistake reported where it is.
//!
//! Per file: read (size limit, UTF-8, no binary) → parse YAML into a spanned tree → apply
//! overrides → upgrade deprecated forms → validate against the JSON Schema in `spec/` → decode
//! into input types → lower into the IR with Score's semantic checks. Diagnostics accumulate
//! across files; a file that fails validation is not lowered. Finally, names must be unique
//! across files.

mod before;
pub(crate) mod expansion;
pub(crate) mod input;
mod lower;
pub(crate) mod overrides;
pub(crate) mod placeholder;
pub mod schema;
mod sources;
mod upgrade;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::document::{read, yaml};
use crate::ir::Workload;
use crate::source::{SourceId, Sources, Span};

/// Where a workload comes from.
#[derive(Debug, Clone)]
pub enum Input {
    Path(PathBuf),
    /// Text already read (standard input, or the bundled example), with a display name.
    Text {
        name: String,
        bytes: Vec<u8>,
    },
}

/// An `--image` value: for every `image: "."`, for one workload, or for one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageChoice {
    pub(crate) workload: Option<String>,
    pub(crate) container: Option<String>,
    pub(crate) image: String,
}

impl ImageChoice {
    /// Parses `IMAGE`, `WORKLOAD=IMAGE` or `WORKLOAD.CONTAINER=IMAGE`.
    pub fn parse(text: &str) -> Self {
        match text.split_once('=') {
            Some((target, image)) => {
                let (workload, container) = match target.split_once('.') {
                    Some((w, c)) => (Some(w.to_string()), Some(c.to_string())),
                    None => (Some(target.to_string()), None),
                };
                ImageChoice { workload, container, image: image.to_string() }
            }
            None => ImageChoice { workload: None, container: None, image: text.to_string() },
        }
    }
}

/// What the command line says about loading.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub images: Vec<ImageChoice>,
    pub overrides_file: Option<PathBuf>,
    /// Each `--override-property PATH=VALUE`, in order.
    pub override_properties: Vec<String>,
    pub allow_outside_sources: bool,
    /// Allow file `source`s that are dotfiles or inside dot-directories (never `.stave/`).
    pub allow_dotfile_sources: bool,
    /// The environment's overrides from the platform file, applied before the command line's.
    pub platform_overrides: Vec<overrides::PlatformOverride>,
    /// How far placeholders may expand values (the platform file's `limits:`).
    pub limits: crate::limits::Limits,
    /// `image: "."` without an `--image` is kept as written instead of being an error: a check
    /// (only a compile needs the image that CI builds).
    pub image_at_compile_time: bool,
}

impl LoadOptions {
    /// The most specific `--image` for a container: container, then workload, then global.
    pub(crate) fn image_for(&self, workload: &str, container: &str) -> Option<&str> {
        let matches = |c: &&ImageChoice| match (&c.workload, &c.container) {
            (Some(w), Some(n)) => w == workload && n == container,
            (Some(w), None) => w == workload,
            _ => true,
        };
        self.images
            .iter()
            .filter(matches)
            .max_by_key(|c| (c.container.is_some(), c.workload.is_some()))
            .map(|c| c.image.as_str())
    }
}

/// The result of loading: the workloads that lowered, and everything found on the way.
#[derive(Debug, Default)]
pub struct Loaded {
    pub workloads: Vec<Workload>,
    pub diagnostics: Diagnostics,
    /// The workloads whose file has errors that leave no workload to go on with (by the name
    /// the file gives, when it gives one); links to them are not reported again.
    pub failed: BTreeSet<String>,
}

/// Loads every input. Returns whatever lowered; the caller stops if there are errors.
pub fn load(inputs: &[Input], options: &LoadOptions, sources: &mut Sources) -> Loaded {
    let (read, mut diagnostics) = read(inputs, options, sources);
    let mut loaded = lower_read(&read, options, sources);
    diagnostics.extend(loaded.diagnostics);
    loaded.diagnostics = diagnostics.sorted();
    loaded
}

/// The inputs read into sources, once, so that several environments (each with its own
/// platform overrides) lower the same files.
#[derive(Debug)]
pub(crate) struct Read {
    files: Vec<SourceId>,
    overrides: Option<Overrides>,
}

/// Reads every input and the command line's overrides.
pub(crate) fn read(inputs: &[Input], options: &LoadOptions, sources: &mut Sources) -> (Read, Diagnostics) {
    let mut out = Diagnostics::new();
    let overrides = load_overrides(options, sources, &mut out);
    // Read in parallel (a syscall or three each), registered in input order.
    use rayon::prelude::*;
    let read: Vec<_> = inputs.par_iter().map(read_bytes).collect();
    let files = read.into_iter().filter_map(|read| register(read, sources, &mut out)).collect();
    (Read { files, overrides }, out)
}

/// How many files are decoded at once before they are lowered: enough to keep every core busy,
/// few enough that the decoded trees waiting to be lowered stay small.
const DECODE_BATCH: usize = 64;

/// Lowers what [`read()`] read, with `options`' platform overrides. Each file is parsed,
/// overridden, validated and decoded on its own, in parallel, a batch at a time; lowering (which
/// reads the files that workloads name as sources, under one budget) follows in input order.
pub(crate) fn lower_read(read: &Read, options: &LoadOptions, sources: &mut Sources) -> Loaded {
    use rayon::prelude::*;
    // A workload per file at most: room for them all at once, not grown by doubling.
    let mut loaded = Loaded {
        workloads: Vec::with_capacity(read.files.len()),
        diagnostics: Diagnostics::new(),
        failed: BTreeSet::new(),
    };
    let mut budget = sources::TOTAL_SOURCE_BYTES;
    let overrides = read.overrides.as_ref();
    for batch in read.files.chunks(DECODE_BATCH) {
        let shared: &Sources = sources;
        let decoded: Vec<_> = batch
            .par_iter()
            .map(|&id| {
                let mut out = Diagnostics::new();
                let decoded = decode_one(id, overrides, options, shared, &mut out);
                (id, decoded, out)
            })
            .collect();
        for (id, decoded, diagnostics) in decoded {
            loaded.diagnostics.extend(diagnostics);
            match decoded {
                Ok((root, input)) => {
                    let out = &mut loaded.diagnostics;
                    loaded.workloads.push(lower::lower(input, &root, id, sources, options, out, &mut budget));
                }
                Err(name) => loaded.failed.extend(name),
            }
        }
    }
    check_unique_names(&loaded.workloads, &mut loaded.diagnostics);
    loaded.workloads.sort_by(|a, b| a.name.cmp(&b.name));
    loaded.diagnostics = loaded.diagnostics.sorted();
    loaded
}

/// The parsed overrides: the file's tree and each property as its own source.
#[derive(Debug)]
struct Overrides {
    file: Option<yaml::Node>,
    properties: Vec<overrides::PropertyOverride>,
}

fn load_overrides(options: &LoadOptions, sources: &mut Sources, out: &mut Diagnostics) -> Option<Overrides> {
    let mut result = Overrides { file: None, properties: Vec::new() };
    if let Some(path) = &options.overrides_file {
        let id = register(read_bytes(&Input::Path(path.clone())), sources, out)?;
        match yaml::parse(sources.get(id), id) {
            Ok(node) => result.file = Some(node),
            Err(diagnostic) => {
                out.push(diagnostic);
                return None;
            }
        }
    }
    for property in &options.override_properties {
        let id = sources.add("--override-property", property.as_str(), Path::new("."));
        if let Some(at) = property.find(read::RESERVED) {
            out.push(read::reserved_character("--override-property", id, at));
            return None;
        }
        result.properties.push(overrides::PropertyOverride { source: id });
    }
    Some(result)
}

/// An input read, as a source (or why it cannot be one).
fn register(
    (name, base_dir, bytes): (String, PathBuf, Result<Vec<u8>, Diagnostic>),
    sources: &mut Sources,
    out: &mut Diagnostics,
) -> Option<SourceId> {
    let bytes = bytes.map_err(|d| out.push(d)).ok()?;
    read::decode(bytes, &name, &base_dir, sources).map_err(|d| out.push(d)).ok()
}

/// An input's name, the folder its relative paths start from, and its bytes.
fn read_bytes(input: &Input) -> (String, PathBuf, Result<Vec<u8>, Diagnostic>) {
    match input {
        Input::Path(path) => {
            let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let base = if base.as_os_str().is_empty() { PathBuf::from(".") } else { base };
            (path.display().to_string(), base, read::read_file(path))
        }
        Input::Text { name, bytes } => (name.clone(), PathBuf::from("."), Ok(bytes.clone())),
    }
}

/// One file parsed, with its overrides applied, upgraded, validated and decoded into the input
/// types; `None` (with the reasons in `out`) when it cannot be lowered.
fn decode_one(
    id: SourceId,
    overrides: Option<&Overrides>,
    options: &LoadOptions,
    sources: &Sources,
    out: &mut Diagnostics,
) -> Result<(yaml::Node, input::WorkloadInput), Option<String>> {
    let file = sources.get(id);
    let mut root = match yaml::parse(file, id) {
        Ok(root) => root,
        Err(diagnostic) => {
            out.push(diagnostic);
            return Err(None);
        }
    };
    if matches!(root.value, yaml::Value::Null) {
        out.push(
            Diagnostic::error(Code::EmptyFile, format!("`{}` holds no workload", file.name))
                .label(Span::new(id, 0, 0), "empty document")
                .help("a Score workload needs `apiVersion: score.dev/v1b1`, `metadata: {name: …}` and `containers:`"),
        );
        return Err(None);
    }
    let Some(overrides) = overrides else { return Err(None) };
    let workload_name =
        root.get("metadata").and_then(|m| m.get("name")).and_then(yaml::Node::as_str).map(str::to_string);
    for platform_override in &options.platform_overrides {
        let applies = platform_override.workload.as_deref().is_none_or(|w| Some(w) == workload_name.as_deref());
        if applies && let Err(diagnostic) = overrides::apply_platform(&mut root, platform_override) {
            out.push(diagnostic);
            return Err(workload_name);
        }
    }
    if let Some(patch) = &overrides.file
        && let Err(diagnostic) = overrides::merge_file(&mut root, patch.clone())
    {
        out.push(diagnostic);
        return Err(workload_name);
    }
    for property in &overrides.properties {
        if let Err(diagnostic) = overrides::apply_property(&mut root, property, sources) {
            out.push(diagnostic);
            return Err(workload_name);
        }
    }
    if root.depth() > yaml::MAX_DEPTH {
        out.push(
            Diagnostic::error(
                Code::YamlLimit,
                format!("with its overrides, `{}` nests deeper than {} levels", sources.get(id).name, yaml::MAX_DEPTH),
            )
            .label(Span::new(id, 0, 0), "this workload")
            .help("override paths and values must keep the workload within the nesting limit"),
        );
        return Err(workload_name);
    }
    let mut file_diagnostics = Diagnostics::new();
    upgrade::upgrade(&mut root, &mut file_diagnostics);
    let document = root.to_json();
    file_diagnostics.extend(schema::validate(&root, &document));
    let failed = file_diagnostics.has_errors();
    out.extend(file_diagnostics);
    if failed {
        return Err(workload_name);
    }
    let input: input::WorkloadInput = match serde_json::from_value(document) {
        Ok(input) => input,
        Err(error) => {
            // The schema and the input types disagree: a bug in Stave, reported rather than panicking.
            out.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("this workload passed the schema but cannot be read: {error}"),
                )
                .label(root.span, "here")
                .help("this is a bug in Stave; please report it with the file"),
            );
            return Err(workload_name);
        }
    };
    Ok((root, input))
}

fn check_unique_names(workloads: &[Workload], out: &mut Diagnostics) {
    let mut seen: BTreeMap<&str, &Workload> = BTreeMap::new();
    for workload in workloads {
        if let Some(first) = seen.get(workload.name.as_str()) {
            out.push(
                Diagnostic::error(Code::DuplicateWorkload, format!("two workloads are named `{}`", workload.name))
                    .label(workload.name_span, format!("`{}` is named here", workload.file))
                    .label(first.name_span, format!("and `{}` first", first.file))
                    .help("workload names must be unique across the files compiled together; rename one"),
            );
        } else {
            seen.insert(&workload.name, workload);
        }
    }
}
