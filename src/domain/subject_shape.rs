//! The shape of a subject: digits, dates and times folded into `#`, so that the daily mails of
//! one unrecognised format fall into one group ("Copy job docs done (#)").

/// Characters that join the digits of one date, time or number ("2026-11-19", "22:05", "1.5").
fn joins(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | ':' | ',')
}

/// The subject with each run of digits (and what joins them) as one `#`, spaces collapsed.
pub fn shape(subject: &str) -> String {
    let mut out = String::with_capacity(subject.len());
    let chars: Vec<char> = subject.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        if c.is_ascii_digit() {
            // A number goes on through joiners followed by another digit.
            while let Some(&d) = chars.get(i) {
                let next_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
                if d.is_ascii_digit() || (joins(d) && next_digit) {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push('#');
        } else {
            if !(c.is_whitespace() && out.ends_with(' ')) {
                out.push(if c.is_whitespace() { ' ' } else { c });
            }
            i += 1;
        }
    }
    out.trim().to_string()
}

/// A regular expression that matches every subject of a shape: the text literally, each `#` as
/// a number, date or time, spaces as any run of spaces.
pub fn pattern(shape: &str) -> String {
    let mut out = String::from("^");
    for (i, part) in shape.split('#').enumerate() {
        if i > 0 {
            out.push_str(r"[0-9][0-9./:,-]*");
        }
        out.push_str(&regex::escape(part).replace(' ', r"\s+"));
    }
    out
}

/// The text before the first folded part, without trailing punctuation: a job name guess.
pub fn stem(shape: &str) -> String {
    shape
        .split('#')
        .next()
        .unwrap_or("")
        .trim_end_matches(|c: char| c.is_whitespace() || "([-:,.".contains(c))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_dates_and_times_fold_into_one_mark() {
        assert_eq!(
            shape("Copy job docs done (19-11-2026 22:05)"),
            "Copy job docs done (# #)"
        );
        assert_eq!(shape("Copy  job 3 of 12, 1.5 GB"), "Copy job # of #, # GB");
        assert_eq!(shape("Backup 2026/11/19: OK."), "Backup #: OK.");
        assert_eq!(shape("No digits"), "No digits");
    }

    #[test]
    fn the_pattern_of_a_shape_matches_its_subjects_and_no_others() {
        let p =
            regex::Regex::new(&pattern(&shape("Copy job (19-11-2026) [OK] 1+1"))).expect("valid");
        assert!(p.is_match("Copy job (20-11-2026) [OK] 2+3"));
        assert!(p.is_match("Copy  job (1.1.2027) [OK] 10+1"));
        assert!(!p.is_match("Copy job (x) [OK] 1+1"));
        assert_eq!(stem("Copy job docs done (# #)"), "Copy job docs done");
    }
}
