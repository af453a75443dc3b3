//! Whether a customer's name and an Autotask company's name plausibly mean the same firm: a
//! mapping between names that share no word is more often a slip of the cursor than a choice.

/// Words that say what kind of firm it is, not which: they never make two names alike.
const GENERIC: &[&str] = &[
    "the",
    "and",
    "inc",
    "ltd",
    "llc",
    "gmbh",
    "corp",
    "company",
    "group",
    "holding",
    "holdings",
    "international",
    "services",
    "solutions",
];

/// The words of a name that identify it: lower case, letters and digits, three or more long.
fn words(name: &str) -> impl Iterator<Item = String> + '_ {
    name.split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| w.chars().count() >= 3 && !GENERIC.contains(&w.as_str()))
}

/// The two names share at least one identifying word (`Acme Dental` and `ACME Dental B.V.`
/// do; `Bakker & Zn` and `Globex` do not). Names without such words are given the benefit of the
/// doubt.
pub fn names_share_a_word(customer: &str, company: &str) -> bool {
    let ours: Vec<String> = words(customer).collect();
    let theirs: Vec<String> = words(company).collect();
    ours.is_empty() || theirs.is_empty() || ours.iter().any(|w| theirs.contains(w))
}

#[cfg(test)]
mod tests {
    use super::names_share_a_word;

    #[test]
    fn names_alike_and_not() {
        assert!(names_share_a_word("Acme Dental", "ACME Dental B.V."));
        assert!(names_share_a_word(
            "Tandarts Müller",
            "Zahnarztpraxis Müller GmbH"
        ));
        assert!(!names_share_a_word("Bakker & Zn", "Globex"));
        // Only generic words in common is no likeness.
        assert!(!names_share_a_word("Acme Group", "Globex Group"));
        // Too little to judge: no warning.
        assert!(names_share_a_word("AB", "Globex"));
    }
}
