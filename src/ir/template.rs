//! Strings with placeholders: literal text and symbolic references to resource outputs.

use serde::{Serialize, Serializer};

use crate::source::Span;

/// A reference to a resource's outputs: `${resources.<resource>.<path…>}`.
///
/// An empty `path` (`${resources.db}`) means the resource itself: in a volume `source` the
/// volume to mount, elsewhere all its outputs as JSON (as score-go does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResourceRef {
    pub(crate) resource: String,
    pub(crate) path: Vec<String>,
    /// The placeholder in the source file, `${` to `}`.
    pub(crate) span: Span,
}

impl ResourceRef {
    /// The placeholder as it would be written, with dots in keys escaped.
    pub(crate) fn to_placeholder(&self) -> String {
        let mut out = format!("${{resources.{}", self.resource);
        for key in &self.path {
            out.push('.');
            out.push_str(&key.replace('.', "\\."));
        }
        out.push('}');
        out
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Part {
    Text(String),
    Resource(ResourceRef),
}

/// A string whose placeholders have been parsed; metadata placeholders are already text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    pub(crate) parts: Vec<Part>,
    /// The whole string value in the source file.
    pub(crate) span: Span,
}

impl Template {
    pub(crate) fn literal(text: impl Into<String>, span: Span) -> Self {
        let text = text.into();
        let parts = if text.is_empty() { Vec::new() } else { vec![Part::Text(text)] };
        Template { parts, span }
    }

    /// The text, when the template holds no resource reference.
    pub(crate) fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Resource(_) => return None,
            }
        }
        Some(out)
    }

    /// The resource, when the template is exactly `${resources.<name>}`.
    pub(crate) fn as_whole_resource(&self) -> Option<&ResourceRef> {
        match self.parts.as_slice() {
            [Part::Resource(r)] if r.path.is_empty() => Some(r),
            _ => None,
        }
    }

    pub(crate) fn references(&self) -> impl Iterator<Item = &ResourceRef> {
        self.parts.iter().filter_map(|part| match part {
            Part::Resource(r) => Some(r),
            Part::Text(_) => None,
        })
    }

    /// The template written back in Score syntax: `$` escaped as `$$`, references as `${…}`.
    pub(crate) fn to_score(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(&text.replace('$', "$$")),
                Part::Resource(r) => out.push_str(&r.to_placeholder()),
            }
        }
        out
    }
}

impl Serialize for Template {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_score())
    }
}
