//! What serde-saphyr passes over, checked on the text itself: YAML tags outside the core schema
//! (`!evil`, `!!python/object`), which are refused rather than silently ignored, and NUL
//! characters written as escapes.

use crate::diagnostics::{Code, Diagnostic};
use crate::source::{SourceId, Span};

/// The tags of YAML's core schema: the only ones Stave reads. Any other (`!evil`,
/// `!!python/object`) is refused rather than silently ignored.
const CORE_TAGS: &[&str] = &["str", "int", "float", "bool", "null", "map", "seq"];

/// What serde-saphyr passes over: tags, and a NUL written as an escape (which would reach an
/// environment variable). Only text that can hold either is scanned.
pub(super) fn scan(text: &str, source: SourceId) -> Result<(), Diagnostic> {
    use granit_parser::{Event, Parser};
    // Two byte searches (memchr): one pass looking for either character is far slower.
    let bytes = text.as_bytes();
    if !bytes.contains(&b'!') && !bytes.contains(&b'\\') {
        return Ok(());
    }
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else { return Ok(()) };
        let at = span.start.byte_offset().unwrap_or(0);
        let end = span.end.byte_offset().unwrap_or(at).max(at);
        let tag = match &event {
            Event::Scalar(value, _, _, tag) => {
                if value.contains('\0') {
                    return Err(Diagnostic::error(Code::Binary, "a string holds a NUL character (`\\0`)")
                        .label(Span::new(source, at, end), "this string")
                        .help("remove the NUL: no program reads a variable or file past it"));
                }
                tag
            }
            Event::SequenceStart(_, _, tag) | Event::MappingStart(_, _, tag) => tag,
            _ => continue,
        };
        if let Some(tag) = tag
            && !(tag.handle() == "tag:yaml.org,2002:" && CORE_TAGS.contains(&tag.suffix()))
        {
            let written =
                format!("{}{}", if tag.handle() == "tag:yaml.org,2002:" { "!!" } else { tag.handle() }, tag.suffix());
            return Err(Diagnostic::error(Code::YamlTag, format!("the YAML tag `{written}` is not one Stave reads"))
                .label(Span::new(source, at, end), "the value with this tag")
                .help(
                    "remove the tag: Score files are plain YAML (the core schema's `!!str`, `!!int`, … are accepted)",
                ));
        }
    }
    Ok(())
}
