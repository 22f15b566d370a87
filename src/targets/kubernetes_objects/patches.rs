//! Applies the environment's patches to the lowered objects, in order, after every object is
//! built and before any target writes it (so the Kubernetes, Helm and Terraform targets get the
//! same patched objects). A patch that matches nothing is a warning; one that fails, or that
//! would change an object's identity, is an error naming the patch and the object.

use std::borrow::Cow;

use serde_json::Value as Json;

use super::OwnerRef;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::graph::Graph;
use crate::platform::patches::{Change, Patch, Select, glob};

fn text<'a>(object: &'a Json, pointer: &str) -> &'a str {
    object.pointer(pointer).and_then(Json::as_str).unwrap_or("")
}

/// What makes an object itself: apiVersion, kind, namespace and name.
fn identity(object: &Json) -> [String; 4] {
    ["/apiVersion", "/kind", "/metadata/namespace", "/metadata/name"].map(|p| text(object, p).to_string())
}

/// `Kind/name`, for messages and `stave explain`.
pub(crate) fn display(object: &Json) -> String {
    format!("{}/{}", text(object, "/kind"), text(object, "/metadata/name"))
}

fn selects(select: &Select, object: &Json, owner: &OwnerRef, graph: &Graph) -> bool {
    let field = |wanted: &Option<String>, pointer: &str| wanted.as_ref().is_none_or(|w| w == text(object, pointer));
    let labels = object.pointer("/metadata/labels").and_then(Json::as_object);
    field(&select.api_version, "/apiVersion")
        && field(&select.kind, "/kind")
        && select.name.as_ref().is_none_or(|pattern| glob(pattern, text(object, "/metadata/name")))
        && select
            .labels
            .iter()
            .all(|(key, value)| labels.and_then(|l| l.get(key)).and_then(Json::as_str) == Some(value.as_str()))
        && (select.workloads.is_empty()
            || match owner {
                OwnerRef::Workload { name, .. } => select.workloads.contains(name),
                OwnerRef::Resource { uid } => graph
                    .resources
                    .get(uid)
                    .is_some_and(|r| r.declarations.iter().any(|d| select.workloads.contains(&d.workload))),
                OwnerRef::Environment => false,
            })
}

/// Applies, in order, every patch that selects `object`; counts the matches in `matched` (one
/// slot per patch) and returns the names of the patches that changed it.
pub(crate) fn apply(
    object: &mut Cow<'_, Json>,
    owner: &OwnerRef,
    patches: &[Patch],
    graph: &Graph,
    matched: &mut [usize],
    out: &mut Diagnostics,
) -> Vec<String> {
    let mut applied = Vec::new();
    for (patch, count) in patches.iter().zip(matched.iter_mut()) {
        if !selects(&patch.select, object, owner, graph) {
            continue;
        }
        *count += 1;
        let mut patched = Json::clone(object);
        let result = match &patch.change {
            Change::Json(operations) => json_patch::patch(&mut patched, operations),
            Change::Merge(merge) => {
                json_patch::merge(&mut patched, merge);
                Ok(())
            }
        };
        let shown = display(object);
        let mut span = patch.change_span;
        let problem = match result {
            Err(error) => {
                span = patch.operation_spans.get(error.operation).copied().unwrap_or(span);
                Some(format!("patch `{}` fails on `{shown}`: {} at `{}`", patch.name, error.kind, error.path))
            }
            Ok(()) if !patched.is_object() => {
                Some(format!("patch `{}` leaves `{shown}` something other than an object", patch.name))
            }
            Ok(()) if identity(&patched) != identity(object) => Some(format!(
                "patch `{}` would change the identity of `{shown}` (apiVersion, kind, namespace or name)",
                patch.name
            )),
            Ok(()) => None,
        };
        match problem {
            Some(message) => out.push(Diagnostic::error(Code::PatchFailed, message).label(span, "this change").help(
                "check its paths against the object as `stave compile` emits it without the patch; a patch \
                may not rename or move an object",
            )),
            None => {
                *object = Cow::Owned(patched);
                applied.push(patch.name.clone());
            }
        }
    }
    applied
}

/// A warning for each patch that matched no object.
pub(crate) fn warn_unmatched(patches: &[Patch], matched: &[usize], out: &mut Diagnostics) {
    for (patch, _) in patches.iter().zip(matched).filter(|(_, count)| **count == 0) {
        out.push(
            Diagnostic::warning(Code::PatchUnmatched, format!("patch `{}` matches no emitted object", patch.name))
                .label(patch.select_span, "selects nothing")
                .help(
                    "check `select` (apiVersion, kind, name, labels, workloads) against what `stave compile` emits \
                    for this environment",
                ),
        );
    }
}
