//! The words parsers' cues look for in a mail's body (`NormalizedMail::text_mentions` and
//! `html_mentions`), each with its substring searcher built once. Every cue asks about a few of
//! these on every mail it is offered, and building a searcher cost more than the search itself.

use memchr::memmem::Finder;
use std::sync::LazyLock;

/// Every word a cue asks about, as written at the call. A word missing here is still found, with
/// a searcher built for the one search.
const WORDS: &[&str] = &[
    // Veeam
    "Veeam Backup for Microsoft 365",
    "Veeam Backup for Microsoft Office 365",
    "Veeam Agent for",
    "Configuration Backup job:",
    "Backup Configuration job:",
    "Veeam",
    "Veeam Backup & Replication",
    "Veeam Backup &amp; Replication",
    "sessionDetails",
    // Synology
    "backup",
    "back-up",
    "sicherungsaufgabe",
    "sauvegarde",
    "backup task",
    "back-uptaak",
    "backuptaak",
    "attività di backup",
    "tâche de sauvegarde",
    "Active Backup for Business",
    "Hyper Backup",
    "Active Backup",
    "synology",
    "dsm",
    "diskstation",
    "rackstation",
    "srm",
    // Others
    "ParsedResult:",
    "MainOperation:",
    "NAKIVO",
    "Acronis Cyber",
    "Macrium Reflect",
    "borgmatic",
];

/// The searchers of [`WORDS`], in lower case, in the same order.
static FINDERS: LazyLock<Vec<Finder<'static>>> = LazyLock::new(|| {
    WORDS
        .iter()
        .map(|w| Finder::new(w.to_ascii_lowercase().as_bytes()).into_owned())
        .collect()
});

/// ASCII-case-insensitive search in a lower-cased haystack: what `contains_ci` answers on the
/// original text, with memchr's substring search instead of a scan per first letter.
pub fn lower_contains(lower: &str, needle: &str) -> bool {
    if let Some(finder) = WORDS
        .iter()
        .position(|w| *w == needle)
        .and_then(|i| FINDERS.get(i))
    {
        return finder.find(lower.as_bytes()).is_some();
    }
    let needle = needle.as_bytes();
    if needle.iter().any(u8::is_ascii_uppercase) {
        memchr::memmem::find(lower.as_bytes(), &needle.to_ascii_lowercase()).is_some()
    } else {
        memchr::memmem::find(lower.as_bytes(), needle).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_and_other_words_are_found_in_any_case() {
        let lower = "report of veeam backup & replication 12, acronis cyber protect";
        assert!(lower_contains(lower, "Veeam Backup & Replication"));
        assert!(lower_contains(lower, "Acronis Cyber"));
        assert!(lower_contains(lower, "REPLICATION 12"));
        assert!(!lower_contains(lower, "NAKIVO"));
        assert!(!lower_contains(lower, "Replication 13"));
        assert_eq!(FINDERS.len(), WORDS.len());
    }
}
