//! A container's requests and limits, as the API server admits them: the workload's own, with
//! defaults where it gave none (never a default limit below a request), and a declared request
//! above its declared limit brought down to the limit, with a warning at the request (Score lets
//! one write it; the API server refuses it).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ResourceRequirements;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

use super::Settings;
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::ir;

/// A quantity's value: CPU in cores, memory in bytes (`None` for what Stave cannot read).
pub(crate) fn value(text: &str) -> Option<f64> {
    let text = text.trim();
    let split = text.find(|c: char| c.is_ascii_alphabetic() && c != 'e' && c != 'E').unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(number * factor)
}

fn quantity(text: &str) -> Quantity {
    Quantity(text.to_string())
}

/// `a` is above `b`, as quantities.
fn above(a: &Quantity, b: &Quantity) -> bool {
    matches!((value(&a.0), value(&b.0)), (Some(a), Some(b)) if a > b)
}

pub(crate) fn resources(
    container: &ir::Container,
    name: &str,
    settings: &Settings,
    out: &mut Diagnostics,
) -> Option<ResourceRequirements> {
    let map = |c: &ir::Compute| -> BTreeMap<String, Quantity> {
        let mut out = BTreeMap::new();
        if let Some(cpu) = &c.cpu {
            out.insert("cpu".to_string(), quantity(cpu));
        }
        if let Some(memory) = &c.memory {
            out.insert("memory".to_string(), quantity(memory));
        }
        out
    };
    let mut requests = container.requests.as_ref().map(map).unwrap_or_default();
    let mut limits = container.limits.as_ref().map(map).unwrap_or_default();
    for key in ["cpu", "memory"] {
        let (Some(request), Some(limit)) = (requests.get(key), limits.get(key)) else { continue };
        if above(request, limit) {
            let span = container.requests.as_ref().and_then(|r| if key == "cpu" { r.cpu_span } else { r.memory_span });
            let mut warning = Diagnostic::warning(
                Code::RequestAboveLimit,
                format!(
                    "container `{name}` requests {} {key} but is limited to {}: the request is lowered to the limit",
                    request.0, limit.0
                ),
            )
            .help(format!(
                "Kubernetes refuses a request above its limit: request at most `{}`, or raise the limit",
                limit.0
            ));
            if let Some(span) = span {
                warning = warning.label(span, "above the limit");
            }
            out.push(warning);
            let limit = limit.clone();
            requests.insert(key.to_string(), limit);
        }
    }
    if settings.default_resources {
        // Fill only what the workload left out; never tighten what it asked for, and never set a
        // limit below a request.
        if !requests.contains_key("cpu") && !limits.contains_key("cpu") {
            requests.insert("cpu".into(), quantity("100m"));
        }
        if !requests.contains_key("memory") && !limits.contains_key("memory") {
            requests.insert("memory".into(), quantity("128Mi"));
        }
        if !limits.contains_key("cpu") {
            let default = quantity("1");
            let limit = requests.get("cpu").filter(|r| above(r, &default)).cloned().unwrap_or(default);
            limits.insert("cpu".into(), limit);
        }
        if !limits.contains_key("memory") {
            let asked = requests.get("memory").cloned().filter(|_| container.requests.is_some());
            let default = quantity("512Mi");
            let limit = match asked {
                Some(asked) => asked,
                None => requests.get("memory").filter(|r| above(r, &default)).cloned().unwrap_or(default),
            };
            limits.insert("memory".into(), limit);
        }
    }
    (!requests.is_empty() || !limits.is_empty()).then(|| ResourceRequirements {
        requests: (!requests.is_empty()).then_some(requests),
        limits: (!limits.is_empty()).then_some(limits),
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use super::value;

    #[test]
    fn quantities_read_as_kubernetes_reads_them() {
        assert_eq!(value("2"), Some(2.0));
        assert_eq!(value("500m"), Some(0.5));
        assert_eq!(value("0.24"), Some(0.24));
        assert_eq!(value("128Mi"), Some(128.0 * 1024.0 * 1024.0));
        assert_eq!(value("1G"), Some(1e9));
        assert_eq!(value("1e3"), Some(1000.0));
        assert_eq!(value("5x"), None);
    }
}
