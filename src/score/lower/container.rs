//! One container lowered: its image (`image: "."` from `--image`), a warning for placeholders in
//! `command` and `args` (where Score does not expand them), variables, files, volumes, requests
//! and limits, probes and `before`.

use std::collections::BTreeMap;

use super::Lowering;
use crate::diagnostics::{Code, Diagnostic};
use crate::ir::{Compute, Container, HttpGet, HttpHeader, Probe, Readiness, Volume};
use crate::score::input::{BeforeInput, ContainerInput, ProbeInput, QuantitiesInput, VolumeInput};
use crate::score::placeholder::{self, Scope};
use crate::source::Span;

impl Lowering<'_> {
    pub(super) fn container(
        &mut self,
        workload: &str,
        name: &str,
        input: &ContainerInput,
        scope: &Scope<'_>,
    ) -> Container {
        let at = |field: &'static str| ["containers", name, field];
        let image_span = self.span(&at("image"));
        let image = self.image(workload, name, &input.image, image_span);
        self.warn_unexpanded(name, input);
        let variables = input
            .variables
            .iter()
            .map(|(key, value)| {
                let span = self.span(&["containers", name, "variables", key]);
                (key.clone(), placeholder::parse(value, span, scope, self.sources, self.out))
            })
            .collect();
        let files = input
            .files
            .iter()
            .filter_map(|(target, file)| Some((target.clone(), self.file(name, target, file, scope)?)))
            .collect();
        let volumes = input.volumes.iter().map(|(target, volume)| self.volume(name, target, volume, scope)).collect();
        let compute = |q: &Option<QuantitiesInput>, which: &'static str| {
            q.as_ref().map(|q| Compute {
                cpu: q.cpu.clone(),
                memory: q.memory.clone(),
                cpu_span: q.cpu.as_ref().map(|_| self.span(&["containers", name, "resources", which, "cpu"])),
                memory_span: q.memory.as_ref().map(|_| self.span(&["containers", name, "resources", which, "memory"])),
            })
        };
        Container {
            image,
            image_span,
            command: input.command.clone(),
            args: input.args.clone(),
            variables,
            files,
            volumes,
            requests: input.resources.as_ref().and_then(|r| compute(&r.requests, "requests")),
            limits: input.resources.as_ref().and_then(|r| compute(&r.limits, "limits")),
            liveness_probe: input.liveness_probe.as_ref().map(|p| probe(p, self.key_span(&at("livenessProbe")))),
            readiness_probe: input.readiness_probe.as_ref().map(|p| probe(p, self.key_span(&at("readinessProbe")))),
            before: before(&input.before),
        }
    }

    /// The image: as written, or for `image: "."` the most specific `--image` (an error without one).
    fn image(&mut self, workload: &str, name: &str, written: &str, span: Span) -> String {
        if written != "." {
            return written.to_string();
        }
        if let Some(image) = self.options.image_for(workload, name) {
            return image.to_string();
        }
        if self.options.image_at_compile_time {
            return written.to_string();
        }
        self.out.push(
            Diagnostic::error(
                Code::ImageRequired,
                format!("container `{name}` has `image: \".\"` but no image was given"),
            )
            .label(span, "the image is to be given at compile time")
            .help(format!("pass `--image <image>` (or `--image {workload}.{name}=<image>` for this container only)")),
        );
        written.to_string()
    }

    /// A warning for each placeholder in `command` and `args`, which Score passes as written.
    fn warn_unexpanded(&mut self, name: &str, input: &ContainerInput) {
        for (field, list) in [("command", &input.command), ("args", &input.args)] {
            for (index, item) in list.iter().flatten().enumerate() {
                let Some(offset) = placeholder::looks_like_placeholder(item) else { continue };
                let index = index.to_string();
                let span = self.span(&["containers", name, field, &index]);
                let raw = self.sources.slice(span);
                let start = raw.find("${").unwrap_or(offset.min(raw.len()));
                let end = raw[start..].find('}').map_or(raw.len(), |e| start + e + 1);
                self.out.push(
                    Diagnostic::warning(
                        Code::PlaceholderNotExpanded,
                        format!("placeholders are not expanded in `{field}`, so this is passed as written"),
                    )
                    .label(span.sub(start, end), "kept literally")
                    .help(
                        "put the value in `variables` and refer to it as `$(NAME)` in the command, which \
                        Kubernetes expands",
                    ),
                );
            }
        }
    }

    /// One volume: its source a placeholder, its path inside the volume checked.
    fn volume(&mut self, name: &str, target: &str, volume: &VolumeInput, scope: &Scope<'_>) -> (String, Volume) {
        let span = self.span(&["containers", name, "volumes", target, "source"]);
        let source = placeholder::parse(&volume.source, span, scope, self.sources, self.out);
        let path_span = self.span(&["containers", name, "volumes", target, "path"]);
        let path = volume.path.as_deref().and_then(|p| self.sub_path(p, path_span));
        (target.to_string(), Volume { source, path, read_only: volume.read_only })
    }
}

/// `before`: each other container with the readiness it waits for.
fn before(input: &BTreeMap<String, BeforeInput>) -> BTreeMap<String, Readiness> {
    input
        .iter()
        .map(|(other, b)| {
            let ready = match b.ready.as_str() {
                "started" => Readiness::Started,
                "healthy" => Readiness::Healthy,
                _ => Readiness::Complete,
            };
            (other.clone(), ready)
        })
        .collect()
}

fn probe(input: &ProbeInput, span: Span) -> Probe {
    Probe {
        span,
        http_get: input.http_get.as_ref().map(|h| HttpGet {
            path: h.path.clone(),
            port: h.port,
            host: h.host.clone(),
            scheme: h.scheme.clone().unwrap_or_else(|| "HTTP".to_string()),
            headers: h
                .http_headers
                .iter()
                .map(|x| HttpHeader { name: x.name.clone(), value: x.value.clone() })
                .collect(),
        }),
        exec: input.exec.as_ref().map(|e| e.command.clone()),
    }
}
