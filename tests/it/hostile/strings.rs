//! How the hostile-string tests write a workload's strings and read them back: YAML
//! double-quoted scalars, variables as Kubernetes reads them, the objects' strings, and every
//! string of a Terraform module as Terraform reads it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// `text` as a YAML double-quoted scalar: printable ASCII as it is, the rest escaped.
pub fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            ' '..='~' => out.push(c),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// A variable's value as Kubernetes reads it: `$$` is `$` (`$(NAME)` is kept, as a reference).
pub fn as_kubernetes_reads(value: &str) -> String {
    value.replace("$$", "$")
}

/// What the Kubernetes target's objects of the hostile workload hold is each string exactly
/// (`HNN` twice in environment `two`); a generated password sits between the two copies.
pub fn objects_hold_the_strings(objects: &BTreeMap<(String, String, String), Json>, strings: &[&str], twice: bool) {
    let find = |kind: &str| objects.iter().filter(|((_, k, _), _)| k == kind).map(|(_, o)| o).collect::<Vec<_>>();
    let [deployment] = find("Deployment")[..] else { panic!("one Deployment") };
    let pod = &deployment["spec"]["template"];
    let container = &pod["spec"]["containers"][0];
    let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert_eq!(args, strings, "the arguments");
    let env: BTreeMap<&str, &str> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| Some((v["name"].as_str()?, v["value"].as_str()?)))
        .collect();
    let configs: Vec<&Json> = find("ConfigMap").into_iter().chain(find("Secret")).collect();
    let data: BTreeMap<&str, &str> = configs
        .iter()
        .flat_map(|o| ["data", "stringData"].map(|k| o[k].as_object()))
        .flatten()
        .flat_map(|m| m.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap_or_default())))
        .collect();
    for (i, s) in strings.iter().enumerate() {
        assert_eq!(pod["metadata"]["annotations"][format!("example.com/h{i:02}")], **s, "annotation h{i:02}");
        let value = if twice { format!("{s}{s}") } else { s.to_string() };
        assert_eq!(
            env.get(format!("H{i:02}").as_str()).map(|v| as_kubernetes_reads(v)),
            Some(value),
            "variable H{i:02}"
        );
        // `$(NAME)` reads the password's variable.
        let around = as_kubernetes_reads(env[format!("R{i:02}").as_str()]);
        let middle = around.strip_prefix(s).and_then(|r| r.strip_suffix(s));
        assert!(middle.is_some_and(|m| m.starts_with("$(") && m.ends_with(')')), "variable R{i:02}: {around:?}");
        let file = |prefix: &str| {
            let found: Vec<&&str> =
                data.iter().filter(|(k, _)| k.starts_with(&format!("{prefix}{i:02}-"))).map(|(_, v)| v).collect();
            assert_eq!(found.len(), 1, "file {prefix}{i:02}");
            *found[0]
        };
        assert_eq!(file("h"), *s, "file h{i:02}");
        let password = file("r").strip_prefix(s).and_then(|r| r.strip_suffix(s));
        assert!(
            password.is_some_and(|p| p.len() >= 16 && p.chars().all(|c| c.is_ascii_alphanumeric())),
            "file r{i:02}"
        );
    }
}

/// Every string of a module's `.tf` files as Terraform reads it (`⟨⟩` where it interpolates a
/// value, `⟨%⟩` for a directive), in order, each with the name of its attribute or object key.
pub fn hcl_strings(body: &hcl::Body, out: &mut Vec<(String, String)>) {
    fn expression(key: &str, expr: &hcl::Expression, out: &mut Vec<(String, String)>) {
        match expr {
            hcl::Expression::String(text) => out.push((key.to_string(), text.clone())),
            hcl::Expression::TemplateExpr(template) => {
                let template = hcl::Template::from_expr(template).expect("a template");
                let text = template
                    .elements()
                    .iter()
                    .map(|element| match element {
                        hcl::template::Element::Literal(text) => text.clone(),
                        // `${"$"}` is text; any other interpolation reads a value.
                        hcl::template::Element::Interpolation(interpolation) => match &interpolation.expr {
                            hcl::Expression::String(text) => text.clone(),
                            _ => "⟨⟩".into(),
                        },
                        hcl::template::Element::Directive(_) => "⟨%⟩".into(),
                    })
                    .collect();
                out.push((key.to_string(), text));
            }
            hcl::Expression::Array(items) => items.iter().for_each(|item| expression(key, item, out)),
            hcl::Expression::Object(map) => {
                for (name, value) in map {
                    let name = match name {
                        hcl::ObjectKey::Expression(hcl::Expression::String(text)) => text.clone(),
                        other => other.to_string(),
                    };
                    expression(&name, value, out);
                }
            }
            _ => {}
        }
    }
    for structure in body.iter() {
        match structure {
            hcl::Structure::Attribute(attribute) => expression(attribute.key.as_str(), &attribute.expr, out),
            hcl::Structure::Block(block) => hcl_strings(&block.body, out),
        }
    }
}

/// The `.tf` files under `dir`.
pub fn tf_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(tf_files(&path));
        } else if path.extension().is_some_and(|e| e == "tf") {
            files.push(path);
        }
    }
    files.sort();
    files
}
