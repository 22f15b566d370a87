//! What an external target answers (`spec/target-response.schema.json`): files and diagnostics.
//! Every path is checked before anything is written (relative, no `.` or `..` part, not Stave's
//! own `.stave` files, each path once); each diagnostic gets the target's code namespace and, when
//! it names a workload file, its place there.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::builtins::Target;

use crate::diagnostics::{Code, Diagnostic, ReportedCode};
use crate::source::Span;
use crate::targets::{File, Input};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Response {
    #[serde(default)]
    files: Vec<FileEntry>,
    #[serde(default)]
    diagnostics: Vec<DiagnosticEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileEntry {
    path: String,
    content: String,
    /// Octal permission bits, `"0644"` or `"0755"`; files are `0644` by default.
    mode: Option<String>,
    /// A file of secret values: readable by its owner only (`0600`), whatever `mode` says.
    #[serde(default)]
    secret: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiagnosticEntry {
    severity: Severity,
    code: String,
    message: String,
    file: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    help: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Severity {
    Error,
    Warning,
}

impl Response {
    /// The files, taken out of the answer (their contents are not copied), or why the answer
    /// cannot be written (a message for `stave::target::failed`).
    pub(super) fn take_files(&mut self) -> Result<Vec<File>, String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut files = Vec::with_capacity(self.files.len());
        for (index, entry) in std::mem::take(&mut self.files).into_iter().enumerate() {
            check_path(&entry.path).map_err(|why| format!("file {index}, `{}`: {why}", entry.path))?;
            if let Some(first) = seen.insert(entry.path.clone(), index) {
                return Err(format!("files {first} and {index} are both `{}`: every file has one owner", entry.path));
            }
            let mode = match (&entry.secret, &entry.mode) {
                (true, _) => 0o600,
                (false, None) => 0o644,
                (false, Some(mode)) => parse_mode(mode).map_err(|why| format!("file `{}`: {why}", entry.path))?,
            };
            files.push(File::spooled(entry.path, crate::spool::Blob::from_vec(entry.content.into_bytes()), mode));
        }
        Ok(files)
    }

    /// The diagnostics, in the target's code namespace, placed where they name a place; `Err`
    /// for a code that is not a plain name (`missing-job`).
    pub(super) fn diagnostics(
        &self,
        target: Target,
        input: &Input<'_>,
        fallback: Span,
    ) -> Result<Vec<Diagnostic>, String> {
        self.diagnostics.iter().enumerate().map(|(index, entry)| entry.lower(target, input, fallback, index)).collect()
    }
}

impl DiagnosticEntry {
    fn lower(&self, target: Target, input: &Input<'_>, fallback: Span, index: usize) -> Result<Diagnostic, String> {
        let valid = !self.code.is_empty()
            && self.code.len() <= 64
            && self.code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(format!(
                "diagnostic {index} has the code `{}`: a code is 1 to 64 of `a-z`, `0-9` and `-`",
                self.code
            ));
        }
        let code = Code::Reported(ReportedCode::new(&format!("{}::{}", target.name(), self.code)));
        let message = self.message.trim().to_string();
        let mut diagnostic = match self.severity {
            Severity::Error => Diagnostic::error(code, message),
            Severity::Warning => Diagnostic::warning(code, message),
        };
        if let Some(help) = &self.help {
            diagnostic = diagnostic.help(help.trim());
        }
        Ok(match self.place(input) {
            Some(span) => diagnostic.label(span, "here"),
            None => diagnostic.label(fallback, format!("reported by the `{}` target", target.name())),
        })
    }

    /// The place in a workload file that `file`, `line` and `column` name (1-based).
    fn place(&self, input: &Input<'_>) -> Option<Span> {
        let file = self.file.as_deref()?;
        let source = input.workloads.iter().find(|w| w.file == file)?.name_span.source;
        let text = input.sources.get(source);
        let (line, column) = (self.line.unwrap_or(1).max(1), self.column.unwrap_or(1).max(1));
        let offset = text.offset_of(line, column);
        let end = text.text[offset..].find('\n').map_or(text.text.len(), |n| offset + n).max(offset);
        Some(Span::new(source, offset, end))
    }
}

/// Whether a path is one a target may write: relative, made of plain names.
fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.len() > 1024 {
        return Err("a path must have 1 to 1024 characters".into());
    }
    if path.starts_with('/') || path.contains('\\') || path.contains('\0') {
        return Err("the path must be relative, with `/` between its parts".into());
    }
    for part in path.split('/') {
        if part.is_empty() || part == "." || part == ".." {
            return Err("a part of the path is empty, `.` or `..`".into());
        }
        if part.starts_with(".stave") {
            return Err("names starting with `.stave` are Stave's own".into());
        }
    }
    Ok(())
}

/// Octal permission bits a target may give a file: read and write for its owner at least, and
/// none of the set-user, set-group and sticky bits.
fn parse_mode(mode: &str) -> Result<u32, String> {
    let bits = u32::from_str_radix(mode, 8).map_err(|_| format!("mode `{mode}` is not octal, e.g. `0644`"))?;
    if bits > 0o777 || bits & 0o600 != 0o600 {
        return Err(format!("mode `{mode}` must be between `0600` and `0777`, readable and writable by its owner"));
    }
    Ok(bits)
}

#[cfg(test)]
mod tests {
    use super::{check_path, parse_mode};

    #[test]
    fn paths_that_leave_the_output_or_touch_stave_s_files_are_refused() {
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "./a", "a\\b", ".stave-output", "d/.stave/seed"] {
            assert!(check_path(bad).is_err(), "{bad:?} was accepted");
        }
        for good in ["job.hcl", "jobs/api.nomad.hcl", ".env", "a/b/c"] {
            assert!(check_path(good).is_ok(), "{good:?} was refused");
        }
        assert_eq!(parse_mode("0755"), Ok(0o755));
        assert!(parse_mode("4755").is_err() && parse_mode("0444").is_err() && parse_mode("rw").is_err());
    }
}
