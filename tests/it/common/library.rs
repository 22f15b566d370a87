//! The library in-process, as `stave` calls it: a fixture's request from its sidecar (files and
//! flags), the pipeline, a target, and diagnostics rendered as `stave check` prints them, with no
//! process started. Tests of what the compiler makes use it; tests of the command line itself
//! (exit codes, flags, output routing) run the binary (`common::stave`), and
//! `fixtures::the_library_prints_what_the_binary_prints` holds the two together.
//!
//! Paths: the binary runs in the fixture's directory and names files relatively; here files are
//! named by absolute path, and the directory (`prefix`) is cut from what is printed.

use std::path::{Path, PathBuf};

use stave::api::{self, Code, Diagnostics, Emitted, Input, LoadOptions, Options, Request, Seed, Sources, Target};
use stave::diagnostics::ci::Finding;
use stave::diagnostics::render::{self, Style};
use stave::pipeline::{self, Compiled, Stage};
use stave::score::ImageChoice;

use super::{Case, FIXTURE_SEED, read_case};

/// The command-line flags of a sidecar that the library takes as a request.
#[derive(Debug, Default)]
pub struct Flags {
    /// `check --schema-only`.
    pub schema_only: bool,
    pub generate_namespace: bool,
    pub env: Option<String>,
    pub target: Option<Target>,
    pub namespace: Option<String>,
    pub platform: Option<String>,
    pub images: Vec<String>,
    pub override_properties: Vec<String>,
    pub overrides_file: Option<String>,
}

impl Flags {
    /// The flags, or `None` when one is not a flag of `check` or `compile` this module knows
    /// (the caller runs the binary instead).
    pub fn parse(args: &[String]) -> Option<Flags> {
        let mut flags = Flags::default();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--schema-only" => flags.schema_only = true,
                // What `check` does anyway.
                "--provision" => {}
                "--generate-namespace" => flags.generate_namespace = true,
                "--env" => flags.env = Some(args.next()?.clone()),
                "--target" => flags.target = Some(Target::parse(args.next()?)?),
                "--namespace" => flags.namespace = Some(args.next()?.clone()),
                "--platform" => flags.platform = Some(args.next()?.clone()),
                "--image" => flags.images.push(args.next()?.clone()),
                "--override-property" => flags.override_properties.push(args.next()?.clone()),
                "--overrides-file" => flags.overrides_file = Some(args.next()?.clone()),
                _ => return None,
            }
        }
        Some(flags)
    }
}

/// A fixture ready to run: its request, where its files are, and its flags.
#[derive(Debug)]
pub struct Prepared {
    /// A copy of the fixture, when the sidecar has a file written first.
    _copy: Option<tempfile::TempDir>,
    /// The directory the binary would run in; cut from printed paths.
    pub dir: PathBuf,
    pub request: Request,
    pub flags: Flags,
    /// The files named on the command line, and the platform file.
    named: Vec<String>,
}

impl Prepared {
    /// The fixture `dir` with `extra` flags, the workload files and flags of its sidecar, and the
    /// fixture seed; `None` when the binary must run it (flags not known here, no seed, several
    /// files with overrides: a usage error the command line reports).
    pub fn new(dir: &Path, extra: &[&str]) -> Option<Prepared> {
        let case: Case = read_case(dir);
        if case.seed == Some(false) {
            return None;
        }
        let mut args = case.args.clone();
        args.extend(extra.iter().map(|a| a.to_string()));
        let flags = Flags::parse(&args)?;
        let (copy, dir) = match &case.generate {
            Some(generate) => {
                let (temp, copy) = super::copy_fixture(dir);
                let mut text = String::from("# padding\n").repeat(generate.bytes / 10 + 1);
                text.truncate(generate.bytes);
                std::fs::write(copy.join(&generate.name), text).expect("generate");
                (Some(temp), copy)
            }
            None => (None, dir.to_path_buf()),
        };
        let files = if case.files.is_empty() { vec!["workload.yaml".to_string()] } else { case.files.clone() };
        let mut prepared = Prepared::files(&dir, &files, flags)?;
        prepared._copy = copy;
        Some(prepared)
    }

    /// The workload `files` of `dir` with `flags`, and the fixture seed; `None` for a usage error
    /// (overrides with several files).
    pub fn files(dir: &Path, files: &[String], flags: Flags) -> Option<Prepared> {
        let has_overrides = flags.overrides_file.is_some() || !flags.override_properties.is_empty();
        if has_overrides && files.len() != 1 {
            return None;
        }
        let platform = match &flags.platform {
            Some(file) => Some(dir.join(file)),
            None => Some(dir.join("stave.yaml")).filter(|file| file.is_file()),
        };
        let request = Request {
            inputs: files.iter().map(|file| Input::Path(dir.join(file))).collect(),
            load: LoadOptions {
                images: flags.images.iter().map(|i| ImageChoice::parse(i)).collect(),
                overrides_file: flags.overrides_file.as_ref().map(|file| dir.join(file)),
                override_properties: flags.override_properties.clone(),
                ..LoadOptions::default()
            },
            platform,
            environment: flags.env.clone(),
            target: flags.target,
            namespace: flags.namespace.clone(),
            seed: Some(Seed::from_text(FIXTURE_SEED)),
            seed_variable: None,
        };
        let mut named = files.to_vec();
        named.extend(flags.overrides_file.clone());
        named.push(flags.platform.clone().unwrap_or_else(|| "stave.yaml".to_string()));
        Some(Prepared { _copy: None, dir: dir.to_path_buf(), request, flags, named })
    }

    /// A corpus file for the Kubernetes target: in a copy of its directory with `file.txt`,
    /// with `--image conformance/image:1 --namespace corpus`.
    pub fn corpus_file(path: &Path) -> Prepared {
        let flags = Flags { namespace: Some("corpus".into()), ..Flags::default() };
        Prepared::corpus(path, flags)
    }

    /// A corpus file in a copy of its directory with `file.txt` (which some examples mount),
    /// with `--image conformance/image:1` (filling `image: .`) and `flags`.
    pub fn corpus(path: &Path, mut flags: Flags) -> Prepared {
        let work = crate::common::tempdir().expect("temp dir");
        super::copy_dir(path.parent().expect("parent"), work.path());
        std::fs::write(work.path().join("file.txt"), "provided by the test\n").expect("write");
        let name = path.file_name().and_then(|n| n.to_str()).expect("name").to_string();
        flags.images.push("conformance/image:1".into());
        let mut prepared = Prepared::files(work.path(), &[name], flags).expect("no overrides");
        prepared._copy = Some(work);
        prepared
    }

    /// `text` with paths as the binary prints them: the files named on its command line (and
    /// the `stave.yaml` it finds) as they were named, the files found through them (`source`s,
    /// provisioner files) under `./`, and their directory as `.`: the binary's current one.
    pub fn relative(&self, text: &str) -> String {
        let dir = format!("{}/", self.dir.display());
        let mut text = text.to_string();
        for named in &self.named {
            text = text.replace(&format!("{dir}{named}"), named);
        }
        text.replace(&dir, "./").replace(&self.dir.display().to_string(), ".")
    }

    /// The pipeline for every environment (or `--env`'s), as `check` and `compile` run it.
    pub fn run_all(&self, stage: Stage) -> (Vec<Compiled>, Diagnostics, Sources) {
        let mut sources = Sources::new();
        let (compiled, diagnostics) = pipeline::run_all(&self.request, stage, &mut sources);
        (compiled, diagnostics, sources)
    }

    /// What `stave check` finds (`stave::api::check`): every environment loaded (and with
    /// `--provision` provisioned and emitted in memory), its diagnostics sorted, and its summary.
    pub fn check(&self) -> Report {
        let depth = if self.flags.schema_only { api::Depth::SchemaOnly } else { api::Depth::Everything };
        let outcome = api::check(&self.request, depth);
        let (files, platform) = (self.request.inputs.len(), self.request.platform.as_deref());
        let what = stave::cli::check_summary(files, outcome.environments.len(), platform);
        let left_out = (!outcome.left_out.is_empty()).then(|| stave::cli::check_left_out(&outcome.left_out));
        Report { diagnostics: outcome.diagnostics, sources: outcome.sources, summary: what, left_out }
    }

    /// The target's output for one environment (`--env`, or the only one), as `stave compile`
    /// emits it (`stave::api::compile`): `Err` with the diagnostics when the pipeline or the
    /// target fails.
    pub fn emit(&self) -> Result<(Emitted, Sources), (Diagnostics, Sources)> {
        let options = Options { generate_namespace: self.flags.generate_namespace, output_name: None };
        let outcome = api::compile(&self.request, &options);
        match outcome.emitted {
            Some(emitted) if !outcome.diagnostics.has_errors() => Ok((emitted, outcome.sources)),
            _ => Err((outcome.diagnostics, outcome.sources)),
        }
    }
}

/// What `stave compile` prints on standard output for `emitted`: every file, in order.
pub fn stream(emitted: &Emitted) -> String {
    let bytes: Vec<u8> = emitted.files.iter().flat_map(|file| file.bytes.bytes().into_owned()).collect();
    String::from_utf8(bytes).expect("UTF-8")
}

/// Diagnostics with their sources and the words of their summary line.
#[derive(Debug)]
pub struct Report {
    pub diagnostics: Diagnostics,
    pub sources: Sources,
    pub summary: String,
    /// The line after the summary: what was not checked because of the errors.
    pub left_out: Option<String>,
}

impl Report {
    /// The exit code `stave` ends with: 1 for errors (or warnings, with `--deny-warnings`).
    pub fn exit(&self, deny_warnings: bool) -> i32 {
        let diagnostics = &self.diagnostics;
        i32::from(diagnostics.has_errors() || (deny_warnings && diagnostics.has_warnings()))
    }

    /// What `stave` prints for people on standard error: each diagnostic, then the summary.
    pub fn human(&self, prepared: &Prepared) -> String {
        // Paths leave the messages before they are wrapped (at 100 columns), and the source
        // headers (never wrapped) afterwards.
        let mut text = String::new();
        for diagnostic in self.diagnostics.iter() {
            let mut diagnostic = diagnostic.clone();
            diagnostic.message = prepared.relative(&diagnostic.message);
            diagnostic.help = diagnostic.help.map(|help| prepared.relative(&help));
            for label in &mut diagnostic.labels {
                label.text = prepared.relative(&label.text);
            }
            text.push_str(&render::human(&diagnostic, &self.sources, Style::Plain));
        }
        text.push_str(&render::summary(&self.diagnostics, &self.summary));
        if let Some(line) = &self.left_out {
            text.push_str(&format!("{line}\n"));
        }
        prepared.relative(&text)
    }

    /// The run as `common::transcript` shows the binary's: exit code, then standard error.
    pub fn transcript(&self, prepared: &Prepared) -> String {
        format!("exit: {}\n--- stderr ---\n{}", self.exit(false), self.human(prepared))
    }

    /// The findings the CI formats (`--diagnostics json`, `sarif`, `github`, `gitlab`) print.
    pub fn findings(&self) -> Vec<Finding> {
        self.diagnostics.iter().map(|d| Finding::new(d, &self.sources)).collect()
    }

    /// The codes found, for messages.
    pub fn codes(&self) -> Vec<Code> {
        self.diagnostics.iter().map(|d| d.code).collect()
    }
}
