//! Diagnostics for CI systems: JSON lines, GitHub workflow commands (one line each), and the
//! whole-run documents that code-review tools read, SARIF 2.1.0 and GitLab Code Quality.
//!
//! A [`Finding`] is a diagnostic with its positions resolved, so that a run's findings can be
//! gathered across pipeline stages and written as one document at the end.

use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::{Code, Diagnostic, Severity};
use crate::source::{Sources, Span};

/// A place in a file: 1-based line and column of the start and of the end (exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub(crate) file: String,
    pub(crate) start: Option<(usize, usize)>,
    pub(crate) end: Option<(usize, usize)>,
    pub(crate) text: String,
}

/// One diagnostic, resolved against its sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub(crate) code: Code,
    pub(crate) severity: Severity,
    pub(crate) message: String,
    pub(crate) help: Option<String>,
    /// The primary place first, then the other labels.
    pub(crate) places: Vec<Place>,
}

fn place(sources: &Sources, span: Span, text: &str) -> Place {
    let source = sources.get(span.source);
    Place {
        file: source.name.clone(),
        start: Some(source.line_col(span.start as usize)),
        end: Some(source.line_col(span.end as usize)),
        text: text.to_string(),
    }
}

impl Finding {
    pub fn new(diagnostic: &Diagnostic, sources: &Sources) -> Finding {
        let mut places: Vec<Place> = diagnostic.labels.iter().map(|l| place(sources, l.span, &l.text)).collect();
        if places.is_empty()
            && let Some(path) = &diagnostic.path
        {
            places.push(Place { file: path.clone(), start: None, end: None, text: String::new() });
        }
        Finding {
            code: diagnostic.code,
            severity: diagnostic.severity,
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
            places,
        }
    }

    /// A finding with no place: a usage or I/O error.
    pub(crate) fn unplaced(code: Code, message: impl Into<String>, help: Option<String>) -> Finding {
        Finding { code, severity: Severity::Error, message: message.into(), help, places: Vec::new() }
    }

    fn primary(&self) -> Option<&Place> {
        self.places.first()
    }

    /// The message, then the help on a line of its own.
    fn text(&self) -> String {
        match &self.help {
            Some(help) => format!("{}\nhelp: {help}", self.message),
            None => self.message.clone(),
        }
    }
}

/// One JSON object (a line of `--diagnostics json`).
pub fn json_line(finding: &Finding) -> String {
    let primary = finding.primary();
    json!({
        "code": finding.code.name(),
        "severity": finding.severity.as_str(),
        "message": finding.message,
        "file": primary.map(|p| &p.file),
        "line": primary.and_then(|p| p.start).map(|s| s.0),
        "column": primary.and_then(|p| p.start).map(|s| s.1),
        "help": finding.help,
    })
    .to_string()
}

/// A GitHub Actions workflow command: `::error file=…,line=…,col=…,title=…::message`.
pub fn github_line(finding: &Finding) -> String {
    let escape_data = |text: &str| text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let escape_property = |text: &str| escape_data(text).replace(':', "%3A").replace(',', "%2C");
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let Some(place) = finding.primary() {
        properties.push(format!("file={}", escape_property(&place.file)));
        if let (Some((line, col)), Some((end_line, end_col))) = (place.start, place.end) {
            properties.push(format!("line={line}"));
            properties.push(format!("col={col}"));
            properties.push(format!("endLine={end_line}"));
            if end_line == line {
                properties.push(format!("endColumn={end_col}"));
            }
        }
    }
    properties.push(format!("title={}", escape_property(finding.code.name())));
    format!("::{command} {}::{}", properties.join(","), escape_data(&finding.text()))
}

/// A relative path or other file name as a URI reference (RFC 3986): unreserved characters and
/// `/` stay, everything else is percent-encoded.
fn uri(name: &str) -> String {
    let mut out = String::new();
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn sarif_location(place: &Place) -> Json {
    let mut physical = json!({ "artifactLocation": { "uri": uri(&place.file) } });
    if let (Some((line, column)), Some((end_line, end_column))) = (place.start, place.end) {
        physical["region"] = json!({
            "startLine": line,
            "startColumn": column,
            "endLine": end_line,
            "endColumn": end_column.max(if end_line == line { column } else { 1 }),
        });
    }
    let mut location = json!({ "physicalLocation": physical });
    if !place.text.is_empty() {
        location["message"] = json!({ "text": place.text });
    }
    location
}

/// A SARIF 2.1.0 log of one run: every code of the table as a rule, every finding as a result.
pub fn sarif(findings: &[Finding]) -> String {
    let rules: Vec<Json> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.name(),
                "shortDescription": { "text": code.summary() },
                "help": { "text": format!("{}. The diagnostic's own help says what to change; Stave's book explains \
                every code, with an example and the fix (Reference, Diagnostics).", code.summary()) },
            })
        })
        .collect();
    let results: Vec<Json> = findings
        .iter()
        .map(|finding| {
            let index = Code::ALL.iter().position(|c| *c == finding.code).unwrap_or(0);
            let mut result = json!({
                "ruleId": finding.code.name(),
                "ruleIndex": index,
                "level": match finding.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "message": { "text": finding.text() },
            });
            if let Some(primary) = finding.primary() {
                result["locations"] = json!([sarif_location(primary)]);
            }
            let related: Vec<Json> = finding
                .places
                .iter()
                .skip(1)
                .enumerate()
                .map(|(id, place)| {
                    let mut location = sarif_location(place);
                    location["id"] = json!(id);
                    location
                })
                .collect();
            if !related.is_empty() {
                result["relatedLocations"] = Json::Array(related);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "stave",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// A GitLab Code Quality report (the Code Climate subset GitLab reads): one issue per finding.
pub fn gitlab(findings: &[Finding]) -> String {
    let issues: Vec<Json> = findings
        .iter()
        .map(|finding| {
            let primary = finding.primary();
            let path = primary.map_or(String::new(), |p| p.file.clone());
            let line = primary.and_then(|p| p.start).map_or(1, |s| s.0);
            let identity = format!("{}\n{path}\n{line}\n{}", finding.code.name(), finding.message);
            let fingerprint: String = Sha256::digest(identity.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
            json!({
                "description": finding.text(),
                "check_name": finding.code.name(),
                "fingerprint": fingerprint,
                "severity": match finding.severity { Severity::Error => "major", Severity::Warning => "minor" },
                "location": { "path": path, "lines": { "begin": line } },
            })
        })
        .collect();
    serde_json::to_string_pretty(&issues).unwrap_or_default() + "\n"
}
