//! Word wrapping with a hanging indent, so a long message continues under its own column
//! instead of at the left edge.

/// Splits `text` into lines of at most `width` characters at spaces (a word longer than
/// `width` is cut). Never returns an empty list for non-empty text.
pub fn words(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` after a lead of `indent` columns in a frame `width` wide: the first line goes on the
/// lead's line, the rest start under it. Too narrow a frame puts the text under the lead,
/// indented by four.
pub fn hanging(text: &str, indent: usize, width: usize) -> (Vec<String>, usize) {
    if width >= indent + 20 {
        (words(text, width - indent), indent)
    } else {
        (words(text, width.saturating_sub(4).max(10)), 4)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_break_at_spaces_and_long_words_are_cut() {
        assert_eq!(words("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(words("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(words("", 5), [""]);
        let (lines, indent) = hanging("one two three four five six", 10, 40);
        assert_eq!((lines.len(), indent), (1, 10));
        let (_, indent) = hanging("x", 30, 40);
        assert_eq!(indent, 4);
    }
}
