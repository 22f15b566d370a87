//! Which file `source`s a workload may read. A workload file is untrusted: it may not read the
//! seed (`.stave/`, never), dotfiles and dot-directories such as `.git/config` or `.env`
//! (unless `--allow-dotfile-sources`), or anything but a regular file (a FIFO would hang the
//! compile, a device never ends); and all sources of a load together are bounded.

use std::path::{Component, Path};

use super::LoadOptions;
use crate::diagnostics::{Code, Diagnostic};
use crate::source::Span;

/// What all file sources of one load may hold together: 32 MiB.
pub(crate) const TOTAL_SOURCE_BYTES: u64 = 32 * 1024 * 1024;

fn dot_parts(path: &Path) -> impl Iterator<Item = String> + '_ {
    path.components().filter_map(|c| match c {
        Component::Normal(part) => {
            let part = part.to_string_lossy();
            part.starts_with('.').then(|| part.into_owned())
        }
        _ => None,
    })
}

/// Why `source` (as written; `canonical` once resolved, inside `base` the workload's directory)
/// may not be read, if it may not. The resolved path counts from `base`, so a link to a dotfile
/// is refused as the dotfile is.
pub(crate) fn refused(
    source: &str,
    canonical: &Path,
    base: &Path,
    options: &LoadOptions,
    span: Span,
) -> Option<Diagnostic> {
    let written = Path::new(source);
    let base = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    let resolved = canonical.strip_prefix(&base).unwrap_or(Path::new(""));
    let dots: Vec<String> = dot_parts(written).chain(dot_parts(resolved)).collect();
    let refuse = |what: String, help: &str| {
        Some(
            Diagnostic::error(Code::FileSourceRefused, format!("file source `{source}` {what}"))
                .label(span, "not readable by a workload")
                .help(help.to_string()),
        )
    };
    if dots.iter().chain(&dot_parts(canonical).collect::<Vec<_>>()).any(|d| d == ".stave") {
        return refuse(
            "is inside `.stave/`, which holds the seed".into(),
            "a workload can never read `.stave/`: the seed there derives every generated password",
        );
    }
    if let Some(dot) = dots.first().filter(|_| !options.allow_dotfile_sources) {
        return refuse(
            format!("is a dotfile or inside a dot-directory (`{dot}`), where credentials live (`.git/config`, `.env`)"),
            "move the file to a plain name next to the workload file, or pass `--allow-dotfile-sources` if you trust \
            this workload",
        );
    }
    match std::fs::metadata(canonical) {
        Ok(metadata) if metadata.is_file() => None,
        Ok(metadata) => {
            let kind = if metadata.is_dir() { "a directory" } else { "not a regular file (a FIFO, socket or device)" };
            refuse(format!("is {kind}"), "a file source must be a regular file")
        }
        Err(error) => refuse(format!("cannot be read: {error}"), "check the path"),
    }
}

/// The error for a source that would take the load past [`TOTAL_SOURCE_BYTES`].
pub(crate) fn too_large(source: &str, span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::FileSourcesTooLarge,
        format!(
            "file source `{source}` takes the file sources of this compile past {} MiB",
            TOTAL_SOURCE_BYTES / (1024 * 1024)
        ),
    )
    .label(span, "one file too many")
    .help("file sources are configuration, not data: mount large files from a volume instead")
}
