//! Lowering: validated input types to the typed IR, with Score's semantic checks.
//!
//! Placeholders are parsed where Score expands them (variables, file content, volume source,
//! resource params); `image: "."` takes the `--image` value; file `source`s are read (and refused
//! outside the workload's directory unless allowed). Spans come from the node tree.

mod container;

use std::collections::BTreeMap;
use std::path::Path;

use base64::Engine;

use super::expansion::Meter;
use super::input::{FileInput, WorkloadInput};
use super::placeholder::{self, Scope};
use super::{LoadOptions, before};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::document::read;
use crate::document::yaml::{Node, place_at};
use crate::ir::{Container, File, FileContent, Param, Protocol, ResourceRequest, ServicePort, Template, Workload};
use crate::sorted::SortedMap;
use crate::source::{SourceId, Sources, Span};

struct Lowering<'a> {
    root: &'a Node,
    sources: &'a Sources,
    options: &'a LoadOptions,
    source: SourceId,
    out: &'a mut Diagnostics,
    /// What file sources may still read, over every workload of the load.
    budget: &'a mut u64,
}

impl Lowering<'_> {
    /// The span of the value at a path, or the document when the path is absent.
    fn span(&self, path: &[&str]) -> Span {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        place_at(self.root, &path).map_or(self.root.span, |p| p.node.span)
    }

    /// The span of the key at the end of a path.
    fn key_span(&self, path: &[&str]) -> Span {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        place_at(self.root, &path).and_then(|p| p.key_span).unwrap_or(self.root.span)
    }
}

pub(crate) fn lower(
    input: WorkloadInput,
    root: &Node,
    source: SourceId,
    sources: &Sources,
    options: &LoadOptions,
    out: &mut Diagnostics,
    budget: &mut u64,
) -> Workload {
    let mut cx = Lowering { root, sources, options, source, out, budget };
    let name = input.metadata.get("name").and_then(|n| n.as_str()).unwrap_or_default().to_string();
    let meter = Meter::new(options.limits, &name, 0);
    let scope = Scope { metadata: &input.metadata, resources: &input.resources, meter: &meter };
    let annotations = input
        .metadata
        .get("annotations")
        .and_then(|a| a.as_object())
        .map(|a| a.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect())
        .unwrap_or_default();
    let mut service_ports: BTreeMap<String, ServicePort> = BTreeMap::new();
    for (port_name, port) in input.service.map(|s| s.ports).unwrap_or_default() {
        let protocol = if port.protocol.as_deref() == Some("UDP") { Protocol::Udp } else { Protocol::Tcp };
        let span = cx.key_span(&["service", "ports", &port_name]);
        if let Some((other, _)) = service_ports.iter().find(|(_, p)| p.port == port.port && p.protocol == protocol) {
            cx.out.push(
                Diagnostic::error(
                    Code::DuplicatePort,
                    format!(
                        "service ports `{other}` and `{port_name}` are both port {} ({})",
                        port.port,
                        if protocol == Protocol::Udp { "UDP" } else { "TCP" }
                    ),
                )
                .label(span, "the same port again")
                .label(cx.key_span(&["service", "ports", other]), "first here")
                .help("each service port needs its own `port` (several may share a `targetPort`)"),
            );
            continue;
        }
        let target_port = port.target_port.unwrap_or(port.port);
        service_ports.insert(port_name, ServicePort { port: port.port, target_port, protocol });
    }
    let containers: SortedMap<String, Container> = input
        .containers
        .iter()
        .map(|(container_name, container)| {
            (container_name.clone(), cx.container(&name, container_name, container, &scope))
        })
        .collect();
    let mut before_diagnostics = Diagnostics::new();
    before::check(&input.containers, |path| cx.key_span(path), &mut before_diagnostics);
    cx.out.extend(before_diagnostics);
    let resources = input
        .resources
        .iter()
        .map(|(resource_name, resource)| {
            let mut param_spans = BTreeMap::new();
            let params = resource
                .params
                .iter()
                .map(|(key, value)| {
                    let path = vec!["resources".to_string(), resource_name.clone(), "params".to_string(), key.clone()];
                    (key.clone(), cx.param(value, path, &scope, &mut param_spans))
                })
                .collect();
            let request = ResourceRequest {
                kind: resource.kind.clone(),
                class: resource.class.clone(),
                id: resource.id.clone(),
                metadata: resource.metadata.clone(),
                params,
                param_spans,
                span: cx.key_span(&["resources", resource_name]),
            };
            (resource_name.clone(), request)
        })
        .collect();
    Workload {
        name_span: cx.span(&["metadata", "name"]),
        name,
        file: sources.get(source).name.clone(),
        metadata: input.metadata.clone(),
        annotations,
        service_ports,
        containers,
        resources,
        expanded: meter.added(),
    }
}

impl Lowering<'_> {
    fn file(&mut self, container: &str, target: &str, input: &FileInput, scope: &Scope<'_>) -> Option<File> {
        let field_span = |cx: &Self, field: &str| cx.span(&["containers", container, "files", target, field]);
        let mode = input.mode.as_deref().and_then(|m| u32::from_str_radix(m, 8).ok());
        let content = if let Some(text) = &input.content {
            let value_span = field_span(self, "content");
            if input.no_expand {
                FileContent::Text(Template::literal(text.clone(), value_span))
            } else {
                FileContent::Text(placeholder::parse(text, value_span, scope, self.sources, self.out))
            }
        } else if let Some(encoded) = &input.binary_content {
            let compact: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
            match base64::engine::general_purpose::STANDARD.decode(compact) {
                Ok(bytes) => FileContent::Binary(bytes),
                Err(error) => {
                    self.out.push(
                        Diagnostic::error(
                            Code::InvalidBase64,
                            format!("`binaryContent` of `{target}` is not standard base64: {error}"),
                        )
                        .label(field_span(self, "binaryContent"), "invalid base64")
                        .help("encode the bytes with standard base64 (`base64 -w0 FILE`), or use `content` for text"),
                    );
                    return None;
                }
            }
        } else {
            let source = input.source.as_deref().unwrap_or_default();
            let source_span = field_span(self, "source");
            let bytes = self.read_source(source, source_span)?;
            match String::from_utf8(bytes) {
                // Text that holds a character reserved for generated values is carried as bytes.
                Ok(text) if text.contains(read::RESERVED) => FileContent::Binary(text.into_bytes()),
                Ok(text) if input.no_expand => FileContent::Text(Template::literal(text, source_span)),
                Ok(text) => {
                    // Placeholders in a source file are reported at the `source` field.
                    let mut inner = Diagnostics::new();
                    let parsed = placeholder::parse(
                        &text,
                        Span::new(source_span.source, source_span.start as usize, source_span.start as usize),
                        scope,
                        self.sources,
                        &mut inner,
                    );
                    for mut diagnostic in inner {
                        diagnostic.message = format!("in `{source}`: {}", diagnostic.message);
                        for label in &mut diagnostic.labels {
                            label.span = source_span;
                        }
                        self.out.push(diagnostic);
                    }
                    FileContent::Text(Template { parts: parsed.parts, span: source_span })
                }
                Err(error) => FileContent::Binary(error.into_bytes()),
            }
        };
        Some(File { mode, content })
    }

    /// A volume's `path`, a path inside the volume: relative (a leading `/` is dropped, with a
    /// warning), and never leaving the volume (`..`). Empty means the whole volume.
    fn sub_path(&mut self, path: &str, span: Span) -> Option<String> {
        if path.split('/').any(|part| part == "..") {
            self.out.push(
                Diagnostic::error(Code::InvalidValue, format!("the volume path `{path}` leaves the volume (`..`)"))
                    .label(span, "not inside the volume")
                    .help("a volume's `path` is a directory inside the volume, e.g. `data`"),
            );
            return None;
        }
        let relative = path.trim_start_matches('/');
        if relative.len() != path.len() {
            self.out.push(
                Diagnostic::warning(
                    Code::AbsoluteVolumePath,
                    format!("the volume path `{path}` is read as `{relative}`, inside the volume"),
                )
                .label(span, "a path inside the volume")
                .help(format!("write it relative: `path: {}`", if relative.is_empty() { "." } else { relative })),
            );
        }
        let relative = relative.trim_end_matches('/');
        (!relative.is_empty() && relative != ".").then(|| relative.to_string())
    }

    /// Reads a file `source`, relative to the workload file's directory.
    fn read_source(&mut self, source: &str, span: Span) -> Option<Vec<u8>> {
        let base = &self.sources.get(self.source).base_dir;
        let path = base.join(source);
        let missing = |reason: String| {
            Diagnostic::error(Code::FileSourceMissing, format!("cannot read file source `{source}`: {reason}"))
                .label(span, "this file")
                .help(format!("paths are relative to the workload file's directory (`{}`)", display_dir(base)))
        };
        let canonical = match path.canonicalize() {
            Ok(canonical) => canonical,
            Err(_) => {
                self.out.push(missing("no such file".to_string()));
                return None;
            }
        };
        if let Some(diagnostic) = super::sources::refused(source, &canonical, base, self.options, span) {
            self.out.push(diagnostic);
            return None;
        }
        if !self.options.allow_outside_sources {
            let inside = base.canonicalize().is_ok_and(|base| canonical.starts_with(base));
            if !inside {
                self.out.push(
                    Diagnostic::error(
                        Code::FileSourceOutside,
                        format!(
                            "file source `{source}` is outside the \
                            workload's directory"
                        ),
                    )
                    .label(span, "points outside")
                    .help(
                        "move the file next to the workload file, or pass `--allow-outside-sources` if you trust \
                        this workload",
                    ),
                );
                return None;
            }
        }
        match read::read_file(&canonical) {
            Ok(bytes) if bytes.len() as u64 > *self.budget => {
                self.out.push(super::sources::too_large(source, span));
                None
            }
            Ok(bytes) => {
                *self.budget -= bytes.len() as u64;
                Some(bytes)
            }
            Err(error) => {
                self.out.push(missing(error.message));
                None
            }
        }
    }

    fn param(
        &mut self,
        value: &serde_json::Value,
        path: Vec<String>,
        scope: &Scope<'_>,
        spans: &mut BTreeMap<String, Span>,
    ) -> Param {
        if let Some(place) = place_at(self.root, &path) {
            let pointer: String =
                path[3..].iter().map(|p| format!("/{}", p.replace('~', "~0").replace('/', "~1"))).collect();
            spans.insert(pointer, place.span());
        }
        match value {
            serde_json::Value::Null => Param::Null,
            serde_json::Value::Bool(b) => Param::Bool(*b),
            serde_json::Value::Number(n) => Param::Number(n.clone()),
            serde_json::Value::String(s) => {
                let span = place_at(self.root, &path).map_or(self.root.span, |p| p.node.span);
                Param::String(placeholder::parse(s, span, scope, self.sources, self.out))
            }
            serde_json::Value::Array(items) => Param::List(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| {
                        let mut inner = path.clone();
                        inner.push(i.to_string());
                        self.param(item, inner, scope, spans)
                    })
                    .collect(),
            ),
            serde_json::Value::Object(map) => Param::Map(
                map.iter()
                    .map(|(key, item)| {
                        let mut inner = path.clone();
                        inner.push(key.clone());
                        (key.clone(), self.param(item, inner, scope, spans))
                    })
                    .collect(),
            ),
        }
    }
}

fn display_dir(dir: &Path) -> String {
    let shown = dir.display().to_string();
    if shown.is_empty() { ".".to_string() } else { shown }
}
