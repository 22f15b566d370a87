//! The name rules the API server (and the controllers that derive names from a name) apply per
//! kind: an RFC 1035 label for a Service, an RFC 1123 label for a Namespace or a Job, at most 52
//! characters for a StatefulSet or a CronJob (their controllers append a suffix to make labels),
//! a path segment for RBAC objects, and an RFC 1123 subdomain for everything else.

/// The rule for a kind's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// Lowercase letters, digits and `-`, starting with a letter, at most 63.
    Rfc1035Label,
    /// Lowercase letters, digits and `-`, starting and ending alphanumeric, at most `max`.
    Label { max: usize },
    /// Labels joined by dots, at most 253 in all (the API server limits no label to 63 here).
    Subdomain,
    /// Anything but `/` and `%`, and not `.` or `..`.
    PathSegment,
}

fn rule(kind: &str) -> Rule {
    match kind {
        "Service" => Rule::Rfc1035Label,
        "Namespace" | "Job" => Rule::Label { max: 63 },
        "StatefulSet" | "CronJob" => Rule::Label { max: 52 },
        "Role" | "RoleBinding" | "ClusterRole" | "ClusterRoleBinding" => Rule::PathSegment,
        _ => Rule::Subdomain,
    }
}

fn is_label(text: &str, max: usize) -> bool {
    let bytes = text.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= max
        && bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// `Ok` when `name` is valid for objects of `kind`; else why not.
pub(crate) fn check(kind: &str, name: &str) -> Result<(), String> {
    let length = name.chars().count();
    match rule(kind) {
        Rule::Rfc1035Label => {
            if length > 63 {
                Err(format!("a {kind} name is at most 63 characters, and this one has {length}"))
            } else if !is_label(name, 63) || !name.starts_with(|c: char| c.is_ascii_lowercase()) {
                Err(format!("a {kind} name is lowercase letters, digits and `-`, starting with a letter"))
            } else {
                Ok(())
            }
        }
        Rule::Label { max } => {
            if length > max {
                Err(format!("a {kind} name is at most {max} characters, and this one has {length}"))
            } else if !is_label(name, max) {
                Err(format!(
                    "a {kind} name is lowercase letters, digits and `-`, starting and ending with a letter or digit"
                ))
            } else {
                Ok(())
            }
        }
        Rule::Subdomain => {
            if length > 253 {
                Err(format!("a {kind} name is at most 253 characters, and this one has {length}"))
            } else if !name.split('.').all(|part| is_label(part, 253)) {
                Err(format!(
                    "a {kind} name is lowercase letters, digits, `-` and `.`, each dot-separated part starting and \
                    ending with a letter or digit"
                ))
            } else {
                Ok(())
            }
        }
        Rule::PathSegment => {
            if name.is_empty() || name == "." || name == ".." || name.contains(['/', '%']) {
                Err(format!("a {kind} name cannot be `.` or `..` or contain `/` or `%`"))
            } else {
                Ok(())
            }
        }
    }
}

/// What to do about a refused name.
pub(crate) fn help(kind: &str) -> String {
    match rule(kind) {
        Rule::Label { max: 52 } => format!(
            "shorten the name the {kind} is made from: Kubernetes appends a suffix to it for its pods' labels, which \
            are at most 63 characters"
        ),
        _ => {
            format!("shorten or rename what the {kind}'s name is made from (the workload, container or resource name)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn rules_per_kind() {
        assert!(check("Service", "api").is_ok());
        assert!(check("Service", "1api").is_err(), "a Service name starts with a letter");
        assert!(check("Service", &"a".repeat(64)).is_err());
        assert!(check("ConfigMap", "app.config-1").is_ok());
        assert!(check("ConfigMap", "App").is_err());
        assert!(check("ConfigMap", &format!("{}.b", "a".repeat(63))).is_ok());
        assert!(check("ConfigMap", &"a".repeat(254)).is_err());
        assert!(check("StatefulSet", &"a".repeat(52)).is_ok());
        assert!(check("StatefulSet", &"a".repeat(53)).is_err());
        assert!(check("Job", "create-").is_err());
        assert!(check("Role", "system:reader").is_ok());
        assert!(check("Role", "a/b").is_err());
    }
}
