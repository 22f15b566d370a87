//! One environment into one module: provisioners' objects split into Kubernetes objects and
//! Terraform blocks; Terraform outputs turned into markers so the Kubernetes lowering carries
//! them; the lowered objects converted; every block checked (labels, one owner per address,
//! known providers) and placed in its file.

use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::blocks::{self, Kind, TfBlock};
use super::hcl::{Block, Expr, Item, is_identifier};
use super::module::{Module, Placed};
use super::values::{Lowering, References, Templates, Uses};
use super::{Owner, convert, error};
use crate::builtins::Target;
use crate::diagnostics::{Code, Diagnostics};
use crate::provision::object::Object;
use crate::provision::output::Output;
use crate::provision::{Provisioned, ProvisionedResource};
use crate::targets::kubernetes_objects::{self, CLUSTER_SCOPED};
use crate::targets::{Input, Options};

/// Terraform expressions as markers, everything else as it is.
fn to_marker(output: &Output, references: &mut References) -> Output {
    match output {
        Output::Reference { reference } if reference.target == Target::Terraform => {
            Output::Value(Json::String(references.marker(&reference.expression)))
        }
        Output::Map(map) => Output::Map(map.iter().map(|(k, o)| (k.clone(), to_marker(o, references))).collect()),
        other => other.clone(),
    }
}

/// `{$ref: {terraform: EXPR}}` inside a Kubernetes object a provisioner returns (a Secret's
/// value read from a Terraform attribute) as a marker, like a reference output.
fn references_as_markers(object: &Json, references: &mut References) -> Json {
    match object {
        Json::Object(map) => {
            if let Some(expression) = map.get("$ref").and_then(|r| r.get("terraform")).and_then(Json::as_str)
                && map.len() == 1
            {
                return Json::String(references.marker(expression));
            }
            Json::Object(map.iter().map(|(k, v)| (k.clone(), references_as_markers(v, references))).collect())
        }
        Json::Array(items) => Json::Array(items.iter().map(|v| references_as_markers(v, references)).collect()),
        other => other.clone(),
    }
}

fn text<'j>(object: &'j Json, pointer: &str) -> &'j str {
    object.pointer(pointer).and_then(Json::as_str).unwrap_or_default()
}

/// A Kubernetes name as a Terraform label: `-` and `.` become `_`.
pub(crate) fn label(name: &str) -> String {
    name.replace(['-', '.'], "_")
}

pub(crate) fn module<'a>(input: &Input<'a>, options: &Options, out: &mut Diagnostics) -> Option<Module<'a>> {
    let errors_before = out.iter().filter(|d| d.severity == crate::diagnostics::Severity::Error).count();
    let split = split(input, out);
    let lowered = kubernetes_objects::lower(&Input { provisioned: &split.provisioned, ..*input }, options, out);
    let passwords = uses(&lowered, &split.tf_blocks).passwords();
    let lowering = lowering(&lowered, &split.references, &passwords);
    let secrets = secret_values(&lowered);
    let mut placed = place_objects(lowered, input, &lowering, out);
    place_blocks(split.tf_blocks, input, &lowering, &mut placed, out);
    let placed = super::module::one_owner(placed, out);
    let module = Module::new(input, placed, &lowering, &passwords, &secrets, &split.invalid, out);
    let errors_after = out.iter().filter(|d| d.severity == crate::diagnostics::Severity::Error).count();
    (errors_after == errors_before).then_some(module)
}

/// The provisioned resources split: Terraform blocks apart (with their owner), the rest as
/// Kubernetes objects whose Terraform references (in outputs, bindings and objects) are markers.
struct Split<'a> {
    references: References,
    tf_blocks: Vec<(TfBlock, Owner<'a>)>,
    /// The resources whose blocks are broken (so that references to them are not reported too).
    invalid: std::collections::BTreeSet<String>,
    provisioned: Provisioned,
}

fn split<'a>(input: &Input<'a>, out: &mut Diagnostics) -> Split<'a> {
    let mut references = References::default();
    let mut tf_blocks: Vec<(TfBlock, Owner<'a>)> = Vec::new();
    let mut invalid = std::collections::BTreeSet::new();
    let mut resources = BTreeMap::new();
    for resource in input.graph.resources_in_order() {
        let Some(provided) = input.provisioned.resources.get(&resource.uid) else { continue };
        let owner = Owner::Resource(resource, provided);
        let mut objects = Vec::new();
        for object in &provided.objects {
            let object = &object.tree();
            if !blocks::is_block(object) {
                objects.push(Object::new(&references_as_markers(object, &mut references)));
                continue;
            }
            match blocks::parse(object) {
                Ok(block) => tf_blocks.push((block, owner)),
                Err(message) => out.push(error_for(&mut invalid, &resource.uid, error(
                    Code::InvalidBlock,
                    &owner,
                    format!("provisioner `{}` ({}) returns an invalid Terraform block: \
                    {message}", provided.provisioner, provided.provisioner_file),
                    "a Terraform block is `{terraform: resource|data|ephemeral|variable, type, name, body}` (see the \
                    book's Provisioners chapter)",
                ))),
            }
        }
        let outputs = std::sync::Arc::new(
            provided.outputs.iter().map(|(k, o)| (k.clone(), to_marker(o, &mut references))).collect(),
        );
        resources
            .insert(resource.uid.clone(), Box::new(ProvisionedResource { objects, outputs, ..(**provided).clone() }));
    }
    let bindings = input.provisioned.bindings.map(&mut |o| to_marker(o, &mut references));
    let provisioned = Provisioned { resources, bindings, ..Default::default() };
    Split { references, tf_blocks, invalid, provisioned }
}

/// Where generated values are used, which decides whether they can be ephemeral.
fn uses(lowered: &[kubernetes_objects::Lowered], tf_blocks: &[(TfBlock, Owner<'_>)]) -> Uses {
    let mut uses = Uses::default();
    for object in lowered {
        let mut rest = object.object.clone();
        if text(&rest, "/kind") == "Secret"
            && let Some(map) = rest.as_object_mut()
        {
            for key in ["stringData", "data"] {
                if let Some(data) = map.remove(key) {
                    uses.record(&data, true);
                }
            }
        }
        uses.record(&rest, false);
    }
    for (block, _) in tf_blocks {
        for (name, item) in &block.body {
            uses.record(item, blocks::is_write_only(name));
        }
    }
    uses
}

/// How values are written: references, passwords, the namespace (the generated Namespace's, or
/// `var.namespace`), and the address of each Secret and ConfigMap by kind and name.
fn lowering<'l>(
    lowered: &[kubernetes_objects::Lowered],
    references: &'l References,
    passwords: &'l super::values::Passwords,
) -> Lowering<'l> {
    let namespace_object = lowered.iter().find(|l| matches!(l.owner, kubernetes_objects::OwnerRef::Environment));
    let namespace = match namespace_object {
        Some(n) => {
            Expr::raw(format!("kubernetes_namespace_v1.{}.metadata[0].name", label(text(&n.object, "/metadata/name"))))
        }
        None => Expr::raw("var.namespace"),
    };
    let mut named = BTreeMap::new();
    for object in lowered {
        let (kind, name) = (text(&object.object, "/kind"), text(&object.object, "/metadata/name"));
        let address = match kind {
            "Secret" => format!("kubernetes_secret_v1.{}.metadata[0].name", label(name)),
            "ConfigMap" => format!("kubernetes_config_map_v1.{}.metadata[0].name", label(name)),
            _ => continue,
        };
        named.insert((kind.to_string(), name.to_string()), address);
    }
    Lowering { references, passwords, namespace, named }
}

/// Every Secret's `stringData` values by (Secret, key).
fn secret_values(lowered: &[kubernetes_objects::Lowered]) -> BTreeMap<(String, String), String> {
    let mut secrets = BTreeMap::new();
    for object in lowered.iter().filter(|l| text(&l.object, "/kind") == "Secret") {
        let name = text(&object.object, "/metadata/name");
        for (key, value) in object.object.get("stringData").and_then(Json::as_object).into_iter().flatten() {
            secrets.insert((name.to_string(), key.clone()), value.as_str().unwrap_or_default().to_string());
        }
    }
    secrets
}

/// The lowered Kubernetes objects as the provider's typed resources (a provisioner's object they
/// cannot hold as a `kubernetes_manifest`), each placed in its owner's file.
fn place_objects<'a>(
    lowered: Vec<kubernetes_objects::Lowered>,
    input: &Input<'a>,
    lowering: &Lowering<'_>,
    out: &mut Diagnostics,
) -> Vec<Placed<'a>> {
    let mut placed: Vec<Placed<'a>> = Vec::new();
    let mut reported = std::collections::BTreeSet::new();
    for object in lowered {
        let Some(owner) = Owner::of(&object.owner, input) else { continue };
        let (kind, name) =
            (text(&object.object, "/kind").to_string(), text(&object.object, "/metadata/name").to_string());
        let display = format!("{kind}/{name}");
        let tf_label = label(&name);
        if !is_identifier(&tf_label) {
            if reported.insert((owner.describe(), tf_label.clone())) {
                out.push(invalid_name(&owner, &display, &tf_label));
            }
            continue;
        }
        let mut object = object.object;
        let namespaced = kind != "Namespace" && !CLUSTER_SCOPED.contains(&kind.as_str());
        if namespaced && let Some(metadata) = object.get_mut("metadata").and_then(Json::as_object_mut) {
            // After the name, where the Kubernetes target puts it too.
            let rest: Vec<(String, Json)> = std::mem::take(metadata).into_iter().collect();
            for (key, item) in rest {
                let name = key == "name";
                if key != "namespace" {
                    metadata.insert(key, item);
                }
                if name {
                    metadata.insert("namespace".into(), Json::String(String::new()));
                }
            }
        }
        let has_marker =
            |key: &str| object.get(key).is_some_and(|d| crate::provision::generated::has_marker(&d.to_string()));
        let write_only = (kind == "Secret" && has_marker("stringData")).then(|| Expr::raw("var.secret_revision"));
        let converted = match convert::resource(&object, lowering, write_only.as_ref()) {
            Ok(converted) => converted,
            // A provisioner's object that the typed resource cannot hold goes in as it is.
            Err(_) if matches!(owner, Owner::Resource(..)) => ("kubernetes_manifest", manifest_body(&object, lowering)),
            Err(path) => {
                out.push(error(
                    Code::InvalidBlock,
                    &owner,
                    format!(
                        "`{display}` has a field `{path}` that the hashicorp/kubernetes provider's resource has no \
                        place for"
                    ),
                    "this is a bug in Stave's Terraform target: please report it with the workload",
                ));
                continue;
            }
        };
        let (resource_type, mut body) = converted;
        if kind == "Namespace" {
            set_name(&mut body, Expr::raw("var.namespace"));
        }
        placed.push(Placed {
            file: owner.file(),
            block: Block::new("resource", &[resource_type, &tf_label], body),
            address: format!("{resource_type}.{tf_label}"),
            owner,
        });
    }
    placed
}

/// The Terraform blocks provisioners return, each of a provider the environment knows, placed in
/// its owner's file (variables in `variables.tf`).
fn place_blocks<'a>(
    tf_blocks: Vec<(TfBlock, Owner<'a>)>,
    input: &Input<'a>,
    lowering: &Lowering<'_>,
    placed: &mut Vec<Placed<'a>>,
    out: &mut Diagnostics,
) {
    let known = super::module::providers(input.environment);
    for (block, owner) in tf_blocks {
        if let Some(provider) = block.provider()
            && !known.contains_key(provider)
        {
            out.push(error(
                Code::InvalidBlock,
                &owner,
                format!(
                    "`{}` is a resource of provider `{provider}`, which the Terraform target does not know",
                    block.address()
                ),
                &format!(
                    "add it to the environment's `terraform.providers` (`{provider}: {{source: NAMESPACE/{provider}, \
                    version: \"~> X.Y\"}}`)"
                ),
            ));
            continue;
        }
        let body = blocks::body(&block, &Templates(lowering));
        let labels: Vec<&str> = block.resource_type.iter().map(String::as_str).chain([block.name.as_str()]).collect();
        let file = if block.kind == Kind::Variable { "variables.tf".to_string() } else { owner.file() };
        placed.push(Placed {
            file,
            block: Block::new(block.kind.keyword(), &labels, body),
            address: block.address(),
            owner,
        });
    }
}

/// Notes that a resource's blocks are broken (so that references to them are not reported too).
fn error_for(
    invalid: &mut std::collections::BTreeSet<String>,
    uid: &str,
    diagnostic: crate::diagnostics::Diagnostic,
) -> crate::diagnostics::Diagnostic {
    invalid.insert(uid.to_string());
    diagnostic
}

fn manifest_body(object: &Json, lowering: &Lowering<'_>) -> super::hcl::Body {
    let mut body = super::hcl::Body::default();
    body.attribute("manifest", convert::value(object, lowering, &mut Vec::new()));
    body
}

/// Sets `metadata { name = … }`.
fn set_name(body: &mut super::hcl::Body, name: Expr) {
    for item in &mut body.items {
        if let Item::Block(block) = item
            && block.kind == "metadata"
        {
            for inner in &mut block.body.items {
                if let Item::Attribute(key, value) = inner
                    && key == "name"
                {
                    *value = name.clone();
                }
            }
        }
    }
}

fn invalid_name(owner: &Owner<'_>, display: &str, label: &str) -> crate::diagnostics::Diagnostic {
    error(
        Code::InvalidTerraformName,
        owner,
        format!(
            "`{display}`, emitted by {}, would be the Terraform resource `{label}`, which Terraform cannot address: a \
            name starts with a letter or `_`",
            owner.describe()
        ),
        "rename the workload or resource so that it starts with a letter",
    )
}
