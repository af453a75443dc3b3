//! The words parsers' cues look for in a mail's body (`NormalizedMail::text_mentions` and
//! `html_mentions`), each with its substring searcher built once per thread on first use. Every
//! cue asks about a few of these on every mail it is offered, and building a searcher cost more
//! than the search itself.

use memchr::memmem::Finder;
use std::cell::RefCell;

/// Searchers kept at most: the cues ask about a few dozen words; a caller searching for text of
/// its own past this many gets a searcher built for the one search.
const MAX_KEPT: usize = 256;

thread_local! {
    /// The words as written at the call, each with its searcher for the word in lower case.
    /// Looked up by comparing the words in turn: with a few dozen, most differing in their first
    /// bytes, that is cheaper than hashing the word.
    static FINDERS: RefCell<Vec<(String, Finder<'static>)>> = const { RefCell::new(Vec::new()) };
}

/// ASCII-case-insensitive search in a lower-cased haystack: what `contains_ci` answers on the
/// original text, with memchr's substring search instead of a scan per first letter.
pub fn lower_contains(lower: &str, needle: &str) -> bool {
    FINDERS.with_borrow_mut(|finders| {
        if let Some((_, finder)) = finders.iter().find(|(word, _)| word == needle) {
            return finder.find(lower.as_bytes()).is_some();
        }
        let finder = Finder::new(needle.to_ascii_lowercase().as_bytes()).into_owned();
        let found = finder.find(lower.as_bytes()).is_some();
        if finders.len() < MAX_KEPT {
            finders.push((needle.to_string(), finder));
        }
        found
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_found_in_any_case_and_their_searchers_kept() {
        let lower = "report of veeam backup & replication 12, acronis cyber protect";
        for _ in 0..2 {
            assert!(lower_contains(lower, "Veeam Backup & Replication"));
            assert!(lower_contains(lower, "Acronis Cyber"));
            assert!(lower_contains(lower, "REPLICATION 12"));
            assert!(!lower_contains(lower, "NAKIVO"));
            assert!(!lower_contains(lower, "Replication 13"));
        }
        FINDERS
            .with_borrow(|f| assert!(f.iter().any(|(w, _)| w == "Acronis Cyber") && f.len() >= 5));
    }

    #[test]
    fn past_the_limit_words_are_still_found() {
        for i in 0..MAX_KEPT + 10 {
            let word = format!("word{i}");
            assert!(lower_contains(&format!("a {word} b"), &word.to_uppercase()));
        }
        FINDERS.with_borrow(|f| assert!(f.len() <= MAX_KEPT));
    }
}
