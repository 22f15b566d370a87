//! Dotted paths, as score-go splits them: `a.b\.c` is `["a", "b.c"]`.

/// Splits on dots; `\.` is a literal dot. With `backslash_escapes` (override paths), `\\` is a
/// literal backslash too; placeholders keep `\\` as written, as score-go does.
pub(crate) fn split(text: &str, backslash_escapes: bool) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('\\', Some('.')) => {
                current.push('.');
                chars.next();
            }
            ('\\', Some('\\')) if backslash_escapes => {
                current.push('\\');
                chars.next();
            }
            ('.', _) => parts.push(std::mem::take(&mut current)),
            _ => current.push(c),
        }
    }
    parts.push(current);
    parts
}

#[cfg(test)]
mod tests {
    use super::split;

    #[test]
    fn splits_on_unescaped_dots() {
        assert_eq!(split("a.b\\.c.d", true), ["a", "b.c", "d"]);
        assert_eq!(split("a\\\\.b", true), ["a\\", "b"]);
        // Without backslash escapes, `\\.` is a backslash then an escaped dot (score-go's SplitRefParts).
        assert_eq!(split("a\\\\.b", false), ["a\\.b"]);
        assert_eq!(split("metadata.annotations.a\\.b/c", false), ["metadata", "annotations", "a.b/c"]);
    }
}
