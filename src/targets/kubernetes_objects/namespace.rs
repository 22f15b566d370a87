//! The Namespace object of `--generate-namespace`: labelled to enforce the strictest Pod
//! Security Standard that every pod of the environment meets, with a warning saying which pod
//! keeps it below `restricted`.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::Namespace;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde_json::Value as Json;

use super::{pss, to_json};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::platform::Environment;

/// The Namespace `name`, for the pods in `objects`.
pub(crate) fn namespace<'a>(
    name: &str,
    environment: &Environment,
    objects: impl Iterator<Item = &'a Json>,
    out: &mut Diagnostics,
) -> Json {
    let level = pss::level(objects);
    if let Some(because) = &level.because {
        out.push(
            Diagnostic::warning(
                Code::WeakerPodSecurity,
                format!(
                    "namespace `{name}` enforces the `{}` Pod Security Standard, not `restricted`: \
                    {because}",
                    level.name
                ),
            )
            .label(environment.span, "this environment")
            .help(
                "keep the secure defaults on (`kubernetes.security`) for every workload, and harden the \
                provisioners' pods, to enforce `restricted`",
            ),
        );
    }
    to_json(&Namespace {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            labels: Some(BTreeMap::from([
                ("app.kubernetes.io/managed-by".into(), "stave".into()),
                ("pod-security.kubernetes.io/enforce".into(), level.name.into()),
            ])),
            ..Default::default()
        },
        ..Default::default()
    })
}
