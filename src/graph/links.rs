//! What a link grants: a workload that links to another (`service-port`, `service`) may reach
//! its declared service ports, and nothing else (no secret, no other port). A workload that wants
//! to choose its callers lists them in the annotation `stave.dev/allowed-callers` (names
//! separated by commas or spaces); a link from any other workload is then an error at the link.
//! A `service-port` link's `port` must name (or number) one of the callee's service ports: a
//! typo is an error at the param, with the ports there are and a did-you-mean.

use super::identity::Resource;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::{Param, Workload};
use crate::source::Span;
use crate::suggest;

/// The annotation a workload lists its allowed callers in.
pub(crate) const ALLOWED_CALLERS: &str = "stave.dev/allowed-callers";

/// The callers `workload` accepts, if it says.
pub(crate) fn allowed_callers(workload: &Workload) -> Option<Vec<&str>> {
    let listed = workload.annotations.get(ALLOWED_CALLERS)?;
    Some(listed.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).collect())
}

/// Reports each declaring workload of a link that `callee` does not accept.
pub(crate) fn check(callee: &Workload, callers: &[(&str, Span)], out: &mut Diagnostics) {
    let Some(allowed) = allowed_callers(callee) else { return };
    for (caller, span) in callers {
        if *caller == callee.name || allowed.contains(caller) {
            continue;
        }
        let listing = if allowed.is_empty() {
            "none".to_string()
        } else {
            allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ")
        };
        out.push(
            Diagnostic::error(
                Code::LinkRefused,
                format!("workload `{caller}` links to `{}`, which accepts calls only from {listing}", callee.name),
            )
            .label(*span, "this link")
            .label(callee.name_span, format!("`{}` lists its callers in `{ALLOWED_CALLERS}`", callee.name))
            .help(format!(
                "ask the owners of `{}` to add `{caller}` to `{ALLOWED_CALLERS}`, or remove the link",
                callee.name
            )),
        );
    }
}

/// Reports a `service-port` link whose `port` is no service port of `callee` (by name or number),
/// at the param; a port given by a placeholder is left to the provisioner.
pub(crate) fn check_port(callee: &Workload, resource: &Resource, out: &mut Diagnostics) {
    if resource.kind != "service-port" {
        return;
    }
    let wanted = match resource.params.get("port") {
        Some(Param::String(template)) => match template.as_literal() {
            Some(text) => text,
            None => return,
        },
        Some(Param::Number(number)) => number.to_string(),
        _ => return,
    };
    let ports = &callee.service_ports;
    if ports.iter().any(|(name, port)| *name == wanted || port.port.to_string() == wanted) {
        return;
    }
    let Some(span) = resource.param_spans.get("/port").copied() else { return };
    let listed: Vec<String> = ports.iter().map(|(name, port)| format!("`{name}` ({})", port.port)).collect();
    let help = if listed.is_empty() {
        format!("`{}` declares no service ports: add one under its `service.ports`", callee.name)
    } else {
        format!("the service ports of `{}`: {}", callee.name, listed.join(", "))
    };
    out.push(
        Diagnostic::error(
            Code::BadParam,
            format!(
                "workload `{}` has no service port `{wanted}`{}",
                callee.name,
                suggest::hint(&wanted, ports.keys().map(String::as_str))
            ),
        )
        .label(span, "no such service port")
        .label(callee.name_span, format!("`{}` is declared here", callee.name))
        .help(help),
    );
}
