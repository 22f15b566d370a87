//! Strings into HCL: literal text is escaped, and two kinds of markers become interpolations.
//! Generated values (passwords) become `random_password` results: `ephemeral` when every use is
//! a write-only argument (`*_wo`, a Secret's `data_wo`), so the value is never stored in state;
//! a managed `random_password` otherwise (stored in state, as the book's Terraform chapter says). References
//! (`{$ref: {terraform: EXPR}}` outputs) travel through the Kubernetes lowering as markers of
//! their own (generated-value markers whose length is 0, which `generate()` never hands out)
//! and become `${EXPR}`. The namespace becomes the module's variable (or generated Namespace).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value as Json;

use super::convert::Strings;
use super::hcl::{Expr, Piece};
use crate::provision::generated::{self, GeneratedKey};

/// The scope of reference markers.
const REFERENCE_SCOPE: &str = "terraform-reference";

/// The expressions that reference markers stand for, by index.
#[derive(Debug, Default)]
pub(crate) struct References {
    expressions: Vec<String>,
    index: BTreeMap<String, usize>,
}

impl References {
    /// The marker standing for `expression` in text.
    pub(crate) fn marker(&mut self, expression: &str) -> String {
        let next = self.expressions.len();
        let index = *self.index.entry(expression.to_string()).or_insert(next);
        if index == next {
            self.expressions.push(expression.to_string());
        }
        GeneratedKey { scope: REFERENCE_SCOPE.into(), purpose: index.to_string(), length: 0 }.marker()
    }

    fn expression(&self, key: &GeneratedKey) -> Option<&str> {
        if key.scope != REFERENCE_SCOPE || key.length != 0 {
            return None;
        }
        self.expressions.get(key.purpose.parse::<usize>().ok()?).map(String::as_str)
    }
}

/// Where a generated value is used.
#[derive(Debug, Default)]
pub(crate) struct Uses {
    /// Keys used only in write-only arguments so far.
    write_only: BTreeSet<GeneratedKey>,
    /// Keys used anywhere else (stored in state).
    stored: BTreeSet<GeneratedKey>,
}

impl Uses {
    /// Records the generated values in `value`; `write_only` when it goes to a write-only argument.
    pub(crate) fn record(&mut self, value: &Json, write_only: bool) {
        let (mut found, mut broken) = (BTreeSet::new(), Vec::new());
        generated::collect(value, &mut found, &mut broken);
        for key in found.into_iter().filter(|k| k.scope != REFERENCE_SCOPE) {
            if write_only {
                self.write_only.insert(key)
            } else {
                self.stored.insert(key)
            };
        }
    }

    /// Generated values as the module declares them: (ephemeral, managed), each by its key in
    /// the `for_each` map (`<scope>/<purpose>`) with its length.
    pub(crate) fn passwords(&self) -> Passwords {
        let entry = |k: &GeneratedKey| (password_key(k), k.length);
        Passwords {
            ephemeral: self.write_only.iter().filter(|k| !self.stored.contains(*k)).map(entry).collect(),
            managed: self.stored.iter().map(entry).collect(),
        }
    }
}

/// The generated values of a module.
#[derive(Debug, Default)]
pub(crate) struct Passwords {
    pub(crate) ephemeral: BTreeMap<String, usize>,
    pub(crate) managed: BTreeMap<String, usize>,
}

/// The block label of both `random_password` blocks.
pub(crate) const PASSWORDS: &str = "generated";

fn password_key(key: &GeneratedKey) -> String {
    format!("{}/{}", key.scope, key.purpose)
}

impl Passwords {
    fn expression(&self, key: &GeneratedKey) -> String {
        let name = password_key(key);
        let prefix = if self.managed.contains_key(&name) { "" } else { "ephemeral." };
        format!("{prefix}random_password.{PASSWORDS}[\"{}\"].result", super::hcl::escape(&name))
    }
}

/// The strings of one module.
#[derive(Debug)]
pub(crate) struct Lowering<'a> {
    pub(crate) references: &'a References,
    pub(crate) passwords: &'a Passwords,
    /// The namespace every namespaced object gets (the variable, or the generated Namespace).
    pub(crate) namespace: Expr,
    /// The Secrets and ConfigMaps of the module, by (kind, name): the address whose name a
    /// reference to them reads, so that Terraform creates them first.
    pub(crate) named: BTreeMap<(String, String), String>,
}

impl Lowering<'_> {
    /// `text` as pieces: literal text, and interpolations for markers.
    pub(crate) fn pieces(&self, text: &str) -> Vec<Piece> {
        if !generated::has_marker(text) {
            return vec![Piece::Text(text.to_string())];
        }
        let Ok(pieces) = generated::pieces(text) else { return vec![Piece::Text(text.to_string())] };
        pieces
            .into_iter()
            .map(|piece| match piece {
                generated::Piece::Text(t) => Piece::Text(t.to_string()),
                generated::Piece::Generated(key) => match self.references.expression(&key) {
                    Some(expression) => Piece::Interpolation(expression.to_string()),
                    None => Piece::Interpolation(self.passwords.expression(&key)),
                },
            })
            .collect()
    }
}

impl Strings for Lowering<'_> {
    fn expr(&self, text: &str, path: &[&str]) -> Expr {
        if path == ["metadata", "namespace"] {
            return self.namespace.clone();
        }
        let kind = match path {
            [.., "secretKeyRef" | "secretRef", "name"] | [.., "secret", "secretName"] => Some("Secret"),
            [.., "configMapKeyRef" | "configMapRef" | "configMap", "name"] => Some("ConfigMap"),
            _ => None,
        };
        if let Some(address) = kind.and_then(|k| self.named.get(&(k.to_string(), text.to_string()))) {
            return Expr::raw(address.clone());
        }
        Expr::from_pieces(self.pieces(text))
    }
}

/// Terraform-syntax strings (provisioners' block bodies): `${…}` and `%{…}` are Terraform's
/// own, written as they are; markers become interpolations.
#[derive(Debug)]
pub(crate) struct Templates<'a>(pub &'a Lowering<'a>);

impl Strings for Templates<'_> {
    fn expr(&self, text: &str, _path: &[&str]) -> Expr {
        let pieces = self.0.pieces(text);
        let mut out = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => out.extend(split_template(&t)),
                other => out.push(other),
            }
        }
        Expr::from_pieces(out)
    }
}

/// Splits Terraform template text into literal text and `${…}` interpolations (`$${` is a
/// literal `${`); directives (`%{…}`) are kept as raw interpolation text.
pub(crate) fn split_template(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("${") {
        if rest[..at].ends_with('$') {
            literal.push_str(&rest[..at - 1]);
            literal.push_str("${");
            rest = &rest[at + 2..];
            continue;
        }
        let Some(end) = closing(&rest[at + 2..]) else { break };
        literal.push_str(&rest[..at]);
        if !literal.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut literal)));
        }
        out.push(Piece::Interpolation(rest[at + 2..at + 2 + end].trim().to_string()));
        rest = &rest[at + 2 + end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() || out.is_empty() {
        out.push(Piece::Text(literal));
    }
    out
}

/// The offset of the `}` that closes an interpolation (braces and quoted strings nest).
fn closing(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '{' if !quoted => depth += 1,
            '}' if !quoted && depth == 0 => return Some(i),
            '}' if !quoted => depth -= 1,
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_text_and_interpolations() {
        assert_eq!(split_template("${var.x}"), [Piece::Interpolation("var.x".into())]);
        assert_eq!(
            split_template("a-${lookup({a = \"}\"}, \"a\")}-$${b}"),
            [
                Piece::Text("a-".into()),
                Piece::Interpolation("lookup({a = \"}\"}, \"a\")".into()),
                Piece::Text("-${b}".into())
            ]
        );
    }
}
