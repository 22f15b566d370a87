//! What a link grants: a workload that links to another (`service-port`, `service`) may reach
//! its declared service ports, and nothing else (no secret, no other port). A workload that wants
//! to choose its callers lists them in the annotation `stave.dev/allowed-callers` (names
//! separated by commas or spaces); a link from any other workload is then an error at the link.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir::Workload;
use crate::source::Span;

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
