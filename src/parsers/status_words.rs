//! The status vocabulary of the products, localized words included, normalised to [`Status`].

use crate::domain::status::Status;

/// Phrases in lower case. Longer phrases come first so that a suffix search prefers
/// "partially completed" over "completed" and "non riuscita" over "riuscita".
const WORDS: &[(&str, Status)] = &[
    // Warning phrases that end in a success word.
    ("completed with warnings", Status::Warning),
    ("completed with warning", Status::Warning),
    ("completed with exceptions", Status::Warning),
    ("finished with warnings", Status::Warning),
    ("partially completed", Status::Warning),
    ("gedeeltelijk voltooid", Status::Warning),
    ("voltooid met waarschuwingen", Status::Warning),
    ("teilweise abgeschlossen", Status::Warning),
    ("mit warnungen abgeschlossen", Status::Warning),
    ("parzialmente completata", Status::Warning),
    ("completata parzialmente", Status::Warning),
    ("partiellement terminé", Status::Warning),
    // Failure phrases that end in a success word.
    ("non riuscita", Status::Failed),
    ("non riuscito", Status::Failed),
    ("niet geslaagd", Status::Failed),
    ("completed with errors", Status::Failed),
    // Single words.
    ("success", Status::Success),
    ("successful", Status::Success),
    ("successfully", Status::Success),
    ("succeeded", Status::Success),
    ("completed", Status::Success),
    ("complete", Status::Success),
    ("finished", Status::Success),
    ("ok", Status::Success),
    ("voltooid", Status::Success),
    ("geslaagd", Status::Success),
    ("succesvol", Status::Success),
    ("abgeschlossen", Status::Success),
    ("erfolgreich", Status::Success),
    ("completata", Status::Success),
    ("completato", Status::Success),
    ("riuscita", Status::Success),
    ("riuscito", Status::Success),
    ("terminé", Status::Success),
    ("réussi", Status::Success),
    ("warning", Status::Warning),
    ("warnings", Status::Warning),
    ("partial", Status::Warning),
    ("waarschuwing", Status::Warning),
    ("warnung", Status::Warning),
    ("avviso", Status::Warning),
    ("avertissement", Status::Warning),
    ("failed", Status::Failed),
    ("failure", Status::Failed),
    ("fail", Status::Failed),
    ("error", Status::Failed),
    ("errors", Status::Failed),
    ("err", Status::Failed),
    ("fatal", Status::Failed),
    ("mislukt", Status::Failed),
    ("fout", Status::Failed),
    ("fehlgeschlagen", Status::Failed),
    ("fehler", Status::Failed),
    ("errore", Status::Failed),
    ("échoué", Status::Failed),
    ("échec", Status::Failed),
    // A run that was stopped did not protect anything: it must be looked at like a failure.
    ("canceled", Status::Failed),
    ("cancelled", Status::Failed),
    ("stopped", Status::Failed),
    ("aborted", Status::Failed),
    ("geannuleerd", Status::Failed),
    ("abgebrochen", Status::Failed),
    ("annullata", Status::Failed),
];

/// The text without surrounding whitespace and punctuation.
fn trim_punctuation(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || ".,;:!()[]*\"'".contains(c))
}

/// Lower-cases, trims surrounding punctuation and collapses inner whitespace.
fn fold(text: &str) -> String {
    trim_punctuation(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// No phrase in [`WORDS`] is longer (a unit test keeps it so).
const LONGEST_PHRASE: usize = 32;

/// The status of a whole word or phrase ("Success", "partially completed", "mislukt").
pub fn status_word(text: &str) -> Option<Status> {
    let trimmed = trim_punctuation(text);
    if !trimmed.is_ascii() {
        let folded = fold(trimmed);
        return WORDS
            .iter()
            .find(|(word, _)| *word == folded)
            .map(|(_, status)| *status);
    }
    // Asked of table cells and lines by the dozen per mail: an ASCII text is folded on the
    // stack, where its words and single spaces take as many bytes as in `fold`. A text that
    // folds longer than every phrase is none of them.
    let mut buf = [0u8; LONGEST_PHRASE];
    let mut len = 0;
    for word in trimmed.split_whitespace() {
        let start = if len > 0 { len + 1 } else { 0 };
        let end = start + word.len();
        buf.get_mut(len..start)?.fill(b' ');
        buf.get_mut(start..end)?.copy_from_slice(word.as_bytes());
        len = end;
    }
    let folded = buf.get_mut(..len)?;
    folded.make_ascii_lowercase();
    let folded: &[u8] = folded;
    WORDS
        .iter()
        .find(|(word, _)| word.as_bytes() == folded)
        .map(|(_, status)| *status)
}

/// The status phrase a text ends with, and the text before it (trimmed).
/// Used where the product puts its result word last, as Synology does in its subjects.
pub fn trailing_status(text: &str) -> Option<(Status, &str)> {
    let trimmed = text.trim_end_matches(|c: char| c.is_whitespace() || ".!".contains(c));
    let lower = trimmed.to_lowercase();
    for (word, status) in WORDS {
        if let Some(before) = lower.strip_suffix(word) {
            // Only whole words: "completed" must not match inside "uncompleted".
            if before.is_empty() || before.ends_with(char::is_whitespace) {
                // Lower-casing can change byte lengths; fall back to counting chars.
                let keep = before.chars().count();
                let start = trimmed
                    .char_indices()
                    .nth(keep)
                    .map_or(trimmed.len(), |(i, _)| i);
                let head = trimmed.get(..start).unwrap_or("").trim_end();
                return Some((*status, head));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_in_every_language() {
        for (word, status) in [
            ("Success", Status::Success),
            ("OK", Status::Success),
            ("completed", Status::Success),
            ("voltooid", Status::Success),
            ("abgeschlossen", Status::Success),
            ("completata", Status::Success),
            ("Warning", Status::Warning),
            ("partially completed", Status::Warning),
            ("Gedeeltelijk  voltooid", Status::Warning),
            ("teilweise abgeschlossen", Status::Warning),
            ("Failed", Status::Failed),
            ("FAILED", Status::Failed),
            ("Error", Status::Failed),
            ("err", Status::Failed),
            ("Fatal", Status::Failed),
            ("non riuscita", Status::Failed),
            ("mislukt", Status::Failed),
            ("fehlgeschlagen", Status::Failed),
            ("[Success]", Status::Success),
        ] {
            assert_eq!(status_word(word), Some(status), "{word}");
        }
        assert_eq!(status_word("banana"), None);
        assert_eq!(status_word(""), None);
    }

    #[test]
    fn ascii_fold_on_the_stack_agrees_with_fold() {
        assert!(WORDS.iter().all(|(w, _)| w.len() <= LONGEST_PHRASE));
        for text in [
            "  Completed \t WITH\u{b}warnings. ",
            "[OK]",
            "",
            "success but much longer than any phrase at all, really",
            "Partially   Completed",
        ] {
            let folded = fold(text);
            let want = WORDS.iter().find(|(w, _)| *w == folded).map(|(_, s)| *s);
            assert_eq!(status_word(text), want, "{text:?}");
        }
        assert_eq!(status_word("Partially   Completed"), Some(Status::Warning));
    }

    #[test]
    fn trailing_prefers_the_longest_phrase() {
        assert_eq!(
            trailing_status("taak PC01 op NAS gedeeltelijk voltooid"),
            Some((Status::Warning, "taak PC01 op NAS"))
        );
        assert_eq!(
            trailing_status("attività di backup PC su NAS non riuscita"),
            Some((Status::Failed, "attività di backup PC su NAS"))
        );
        assert_eq!(
            trailing_status("task X on NAS completed."),
            Some((Status::Success, "task X on NAS"))
        );
        assert_eq!(trailing_status("task uncompleted"), None);
    }
}
