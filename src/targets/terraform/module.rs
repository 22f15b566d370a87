//! The module's files: `versions.tf` (Terraform >= 1.11 and only the providers used),
//! `variables.tf` (the namespace, the switches Stave's libraries read, what provisioners leave
//! open), `outputs.tf` (each resource's outputs; secrets only where Terraform keeps them, marked
//! sensitive), `passwords.tf` (the generated values, `for_each` over maps so addresses stay
//! stable), `namespace.tf`, and one file per workload and per resource. Every address has one
//! owner, and every reference an output makes names a block the module declares.

use std::collections::{BTreeMap, BTreeSet};

use super::hcl::{self, Block, Body, Expr};
use super::values::{Lowering, PASSWORDS, Passwords};
use super::{Owner, error};
use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::platform::Environment;
use crate::provision::output::Output;
use crate::targets::{File, Input};

/// The providers the target knows, by local name: (source, version constraint).
pub(crate) fn providers(environment: &Environment) -> BTreeMap<String, (String, String)> {
    let mut known: BTreeMap<String, (String, String)> = [
        ("aws", "hashicorp/aws", "~> 6.0"),
        ("kubernetes", "hashicorp/kubernetes", "~> 3.0"),
        ("random", "hashicorp/random", "~> 3.7"),
    ]
    .into_iter()
    .map(|(name, source, version)| (name.to_string(), (source.to_string(), version.to_string())))
    .collect();
    for (name, requirement) in &environment.terraform.providers {
        known.insert(name.clone(), (requirement.source.clone(), requirement.version.clone()));
    }
    known
}

/// A block in its file, with who declared it.
#[derive(Debug)]
pub(crate) struct Placed<'a> {
    pub(crate) file: String,
    pub(crate) block: Block,
    /// How expressions refer to it (`aws_s3_bucket.x`, `var.zone_id`).
    pub(crate) address: String,
    pub(crate) owner: Owner<'a>,
}

/// Drops the second of two equal blocks that one provisioner returns for several resources (a
/// shared instance), or that declare the same variable; any other repeated address is an error.
pub(crate) fn one_owner<'a>(placed: Vec<Placed<'a>>, out: &mut Diagnostics) -> Vec<Placed<'a>> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut kept: Vec<Placed<'a>> = Vec::new();
    for item in placed {
        let key = format!("{} {}", item.block.kind, item.block.labels.join("."));
        let Some(&first) = seen.get(&key) else {
            seen.insert(key, kept.len());
            kept.push(item);
            continue;
        };
        let earlier = &kept[first];
        let same_body = earlier.block == item.block;
        let shared = same_body
            && (item.block.kind == "variable"
                || (earlier.owner.provisioner().is_some() && earlier.owner.provisioner() == item.owner.provisioner()));
        if !shared {
            let diagnostic = Diagnostic::error(
                Code::DuplicateBlock,
                format!(
                    "`{}` is declared twice: by {} and by {}",
                    item.address,
                    earlier.owner.describe(),
                    item.owner.describe()
                ),
            );
            out.push(item.owner.label(earlier.owner.label(diagnostic, "first"), "again").help(
                "every Terraform address needs one owner: name provisioners' blocks after `resource.name`, \
                and declare a shared variable with the same body everywhere",
            ));
        }
    }
    kept
}

/// Stave's own variables: name, description, type, default.
fn own_variables(environment: &Environment) -> [(&'static str, &'static str, &'static str, Expr); 3] {
    let namespace = environment.kubernetes.namespace.clone().unwrap_or_else(|| "default".into());
    let protection = environment.terraform.deletion_protection.unwrap_or(true);
    [
        (
            "namespace",
            "The Kubernetes namespace of the workloads and the in-cluster services.",
            "string",
            Expr::string(namespace),
        ),
        (
            "secret_revision",
            "Bump to write newly generated passwords to every write-only argument at once (rotation): services and \
            Kubernetes Secrets get the same new values in one apply.",
            "number",
            Expr::Number(1.into()),
        ),
        (
            "deletion_protection",
            "Whether managed services refuse to be deleted (the environment's `terraform.deletionProtection`).",
            "bool",
            Expr::Bool(protection),
        ),
    ]
}

/// The root of a reference (`aws_db_instance.db`, `var.x`, `data.aws_vpc.main`), when it is a
/// plain traversal.
fn root(expression: &str) -> Option<String> {
    let head: String =
        expression.chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')).collect();
    let parts: Vec<&str> = head.split('.').collect();
    match parts.as_slice() {
        ["data" | "ephemeral", kind, name, ..] => Some(format!("{}.{kind}.{name}", parts[0])),
        ["var" | "local" | "module", name, ..] => Some(format!("{}.{name}", parts[0])),
        [kind, name, ..] if kind.contains('_') => Some(format!("{kind}.{name}")),
        _ => None,
    }
}

fn references_in(output: &Output, found: &mut Vec<String>) {
    match output {
        Output::Reference { reference } if reference.target == crate::builtins::Target::Terraform => {
            found.push(reference.expression.clone())
        }
        Output::Map(map) => map.values().for_each(|o| references_in(o, found)),
        _ => {}
    }
}

#[derive(Debug)]
pub(crate) struct Module<'a> {
    placed: Vec<Placed<'a>>,
    variables: Vec<Block>,
    outputs: Vec<Block>,
    passwords: Vec<Block>,
    versions: Block,
}

impl<'a> Module<'a> {
    pub(crate) fn new(
        input: &Input<'a>,
        placed: Vec<Placed<'a>>,
        lowering: &Lowering<'_>,
        passwords: &Passwords,
        secrets: &BTreeMap<(String, String), String>,
        invalid: &BTreeSet<String>,
        out: &mut Diagnostics,
    ) -> Module<'a> {
        let environment = input.environment;
        let mut password_blocks = Vec::new();
        for (keyword, map) in [("ephemeral", &passwords.ephemeral), ("resource", &passwords.managed)] {
            if map.is_empty() {
                continue;
            }
            let mut body = Body::default();
            let lengths = map.iter().map(|(k, length)| (k.clone(), Expr::Number((*length as u64).into()))).collect();
            body.attribute("for_each", Expr::Object(lengths));
            body.attribute("length", Expr::raw("each.value"));
            body.attribute("special", Expr::Bool(false));
            password_blocks.push(Block::new(keyword, &["random_password", PASSWORDS], body));
        }
        let text: String = placed.iter().map(|p| hcl::file(std::slice::from_ref(&p.block))).collect();
        let mut variables = Vec::new();
        for (name, description, kind, default) in own_variables(environment) {
            if name != "namespace" && !text.contains(&format!("var.{name}")) {
                continue;
            }
            let mut body = Body::default();
            body.attribute("description", Expr::string(description));
            body.attribute("type", Expr::raw(kind));
            body.attribute("default", default);
            variables.push(Block::new("variable", &[name], body));
        }
        let mut declared: BTreeSet<String> = placed.iter().map(|p| p.address.clone()).collect();
        declared.extend(variables.iter().map(|v| format!("var.{}", v.labels[0])));
        for p in &placed {
            if p.block.kind == "variable" && variables.iter().any(|v| v.labels == p.block.labels) {
                out.push(error(
                    Code::DuplicateBlock,
                    &p.owner,
                    format!("`{}` is one of Stave's own variables; a provisioner cannot declare it", p.address),
                    "read `var.namespace`, `var.secret_revision` and `var.deletion_protection` without declaring them",
                ));
            }
        }
        let mut outputs = Vec::new();
        for resource in input.graph.resources_in_order() {
            let Some(provided) = input.provisioned.resources.get(&resource.uid) else { continue };
            let owner = Owner::Resource(resource, provided);
            let mut found = Vec::new();
            if !invalid.contains(&resource.uid) {
                provided.outputs.values().for_each(|o| references_in(o, &mut found));
            }
            for expression in found {
                if let Some(root) = root(&expression).filter(|r| !declared.contains(r)) {
                    out.push(error(
                        Code::UnknownReference,
                        &owner,
                        format!(
                            "provisioner `{}` returns an output `{expression}`, but the module declares no `{root}`",
                            provided.provisioner
                        ),
                        "a `$ref` output must name a block that the provisioner (or another) returns",
                    ));
                }
            }
            outputs.extend(resource_outputs(
                &super::assemble::label(&resource.dns_name()),
                &resource.uid,
                provided,
                lowering,
                secrets,
            ));
        }
        let mut used: BTreeSet<String> = placed
            .iter()
            .filter(|p| p.block.kind != "variable")
            .filter_map(|p| p.block.labels[0].split('_').next().map(str::to_string))
            .collect();
        if !password_blocks.is_empty() {
            used.insert("random".into());
        }
        let known = providers(environment);
        let mut required = Body::default();
        for name in &used {
            let Some((source, version)) = known.get(name) else { continue };
            let entry =
                vec![("source".to_string(), Expr::string(source)), ("version".to_string(), Expr::string(version))];
            required.attribute(name, Expr::Object(entry));
        }
        let mut terraform = Body::default();
        terraform.attribute("required_version", Expr::string(">= 1.11"));
        terraform.block(Block::new("required_providers", &[], required));
        Module {
            placed,
            variables,
            outputs,
            passwords: password_blocks,
            versions: Block::new("terraform", &[], terraform),
        }
    }

    /// The files, under `prefix` (empty, or `<environment>/`).
    pub(crate) fn files(&self, prefix: &str) -> Vec<File> {
        let mut files: BTreeMap<String, Vec<Block>> = BTreeMap::new();
        files.insert("versions.tf".into(), vec![self.versions.clone()]);
        files.insert("variables.tf".into(), self.variables.clone());
        for p in &self.placed {
            files.entry(p.file.clone()).or_default().push(p.block.clone());
        }
        if !self.outputs.is_empty() {
            files.insert("outputs.tf".into(), self.outputs.clone());
        }
        if !self.passwords.is_empty() {
            files.insert("passwords.tf".into(), self.passwords.clone());
        }
        files
            .into_iter()
            .map(|(name, blocks)| {
                let text = format!("# Generated by Stave: recompile rather than edit.\n\n{}", hcl::file(&blocks));
                File::new(format!("{prefix}{name}"), text)
            })
            .collect()
    }
}

/// `output "<resource>"`: the outputs that are values or references; `output
/// "<resource>_secrets"` (sensitive): the secret outputs whose value Terraform keeps in state.
fn resource_outputs(
    label: &str,
    uid: &str,
    provided: &crate::provision::ProvisionedResource,
    lowering: &Lowering<'_>,
    secrets: &BTreeMap<(String, String), String>,
) -> Vec<Block> {
    let mut plain = Vec::new();
    let mut sensitive = Vec::new();
    for (key, output) in provided.outputs.iter() {
        match output {
            Output::Secret { secret } => {
                let Some(text) = secrets.get(&(secret.name.clone(), secret.key.clone())) else { continue };
                let pieces = lowering.pieces(text);
                let ephemeral =
                    pieces.iter().any(|p| matches!(p, hcl::Piece::Interpolation(e) if e.starts_with("ephemeral.")));
                if !ephemeral {
                    sensitive.push((key.clone(), Expr::from_pieces(pieces)));
                }
            }
            other => {
                if let Some(expr) = output_value(other, lowering) {
                    plain.push((key.clone(), expr));
                }
            }
        }
    }
    let mut blocks = Vec::new();
    for (name, items, secret) in [(label.to_string(), plain, false), (format!("{label}_secrets"), sensitive, true)] {
        if items.is_empty() {
            continue;
        }
        let mut body = Body::default();
        let what = if secret { "Secret outputs" } else { "Outputs" };
        body.attribute("description", Expr::string(format!("{what} of resource `{uid}` ({}).", provided.provisioner)));
        body.attribute("value", Expr::Object(items));
        if secret {
            body.attribute("sensitive", Expr::Bool(true));
        }
        blocks.push(Block::new("output", &[&name], body));
    }
    blocks
}

fn output_value(output: &Output, lowering: &Lowering<'_>) -> Option<Expr> {
    match output {
        Output::Value(json) => Some(super::convert::value(json, lowering, &mut Vec::new())),
        Output::Reference { reference } if reference.target == crate::builtins::Target::Terraform => {
            Some(Expr::raw(reference.expression.clone()))
        }
        Output::Map(map) => {
            let items: Vec<(String, Expr)> =
                map.iter().filter_map(|(k, o)| Some((k.clone(), output_value(o, lowering)?))).collect();
            (!items.is_empty()).then_some(Expr::Object(items))
        }
        _ => None,
    }
}
