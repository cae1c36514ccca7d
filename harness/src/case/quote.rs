//! What "verbatim" means for a case's `requirement:` and the matrix's text.
//!
//! The RFC's layout is not its text: page breaks, line breaks inside a
//! hyphenated word ("Sec-WebSocket-" / "Key") and runs of spaces are
//! normalised away on both sides. Beyond that a quote may leave words out
//! only where it says so, with "...": every piece must appear in one RFC, in
//! order.

/// The marker `cases/rfc/*.txt` carry where a page footer and header were cut.
const PAGE_BREAK: &str = "<<PB>>\n";

/// Collapse every whitespace run to one space and trim.
pub fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An RFC text as quotes are matched against it: page breaks removed,
/// words hyphenated across a line end joined, whitespace collapsed.
pub fn normalise_rfc(text: &str) -> String {
    let text = text.replace('\r', "").replace(PAGE_BREAK, "");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        if c == '-' && prev.is_ascii_alphanumeric() && chars.peek() == Some(&'\n') {
            chars.next();
            while matches!(chars.peek(), Some(' ') | Some('\t')) {
                chars.next();
            }
            out.push('-');
            prev = '-';
            continue;
        }
        out.push(c);
        prev = c;
    }
    collapse(&out)
}

/// The parts of a quote between its ellipses ("..." or "…"), trimmed;
/// empty parts (an ellipsis at either end) left out.
pub fn pieces(quote: &str) -> Vec<String> {
    collapse(quote)
        .replace('…', "...")
        .split("...")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect()
}

/// Whether every piece of `quote` occurs in `text` (normalised), each after
/// the one before.
pub fn is_verbatim_in(quote: &str, text: &str) -> bool {
    let parts = pieces(quote);
    if parts.is_empty() {
        return false;
    }
    let mut from = 0;
    for p in parts {
        match text[from..].find(&p) {
            Some(at) => from += at + p.len(),
            None => return false,
        }
    }
    true
}

/// The RFC (of `texts`: number and normalised text) that `quote` quotes.
pub fn source(quote: &str, texts: &[(u16, String)]) -> Option<u16> {
    texts
        .iter()
        .find(|(_, t)| is_verbatim_in(quote, t))
        .map(|(n, _)| *n)
}

/// Whether a quote and a sentence are the same words in part: one piece of
/// the quote lies inside the sentence, or the sentence inside a piece.
pub fn overlaps(quote: &str, sentence: &str) -> bool {
    let sentence = collapse(sentence);
    pieces(quote)
        .iter()
        .any(|p| sentence.contains(p.as_str()) || p.contains(sentence.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "   The |Sec-WebSocket-\n   Key| header field MUST be   present.\n\nYoshino   Standards Track   [Page 3]\n<<PB>>\n   A second sentence.  And a third.\n";

    #[test]
    fn layout_is_not_text() {
        let t = normalise_rfc(PAGE);
        assert!(
            t.contains("The |Sec-WebSocket-Key| header field MUST be present."),
            "{t}"
        );
        assert!(is_verbatim_in(
            "The |Sec-WebSocket-Key| header\n  field MUST be present.",
            &t
        ));
    }

    #[test]
    fn an_ellipsis_may_leave_words_out_in_order_only() {
        let t = normalise_rfc(PAGE);
        assert!(is_verbatim_in(
            "The |Sec-WebSocket-Key| ... MUST be present. ... And a third.",
            &t
        ));
        assert!(is_verbatim_in("… header field MUST …", &t));
        // Out of order, reworded, or joined without an ellipsis: not verbatim.
        assert!(!is_verbatim_in(
            "And a third. ... The |Sec-WebSocket-Key|",
            &t
        ));
        assert!(!is_verbatim_in(
            "The |Sec-WebSocket-Key| header field must be present.",
            &t
        ));
        assert!(!is_verbatim_in("MUST be present. And a third.", &t));
        assert!(!is_verbatim_in("...", &t));
    }

    #[test]
    fn a_quote_finds_its_rfc() {
        let texts = vec![(1, normalise_rfc("alpha beta")), (2, normalise_rfc(PAGE))];
        assert_eq!(source("A second sentence.", &texts), Some(2));
        assert_eq!(source("gamma", &texts), None);
        assert!(overlaps("x ... A second sentence.", "A second sentence."));
        assert!(overlaps("A second sentence. And a third.", "And a third."));
        assert!(!overlaps("A second sentence.", "And a third."));
    }
}
