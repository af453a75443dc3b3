//! Which customer to pre-select when approving waiting mail: the one whose approved jobs share the
//! senders' mail domain, else their display name — only when exactly one customer fits, so the
//! suggestion is never a guess between two.

use crate::domain::wording::plural;

/// A customer with the number of its approved jobs that match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub customer_id: i64,
    pub customer_name: String,
    pub jobs: i64,
}

/// The customer to pre-select and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub customer_id: i64,
    pub customer_name: String,
    pub reason: String,
}

/// `by_domain`: customers with approved jobs from the senders' domains (`domains`, for the
/// reason); `by_name`: customers with approved mail from the senders' display names (`names`).
/// The domain decides when exactly one customer has it; else the display name, likewise.
pub fn suggest(
    domains: &[String],
    by_domain: &[Candidate],
    names: &[String],
    by_name: &[Candidate],
) -> Option<Suggestion> {
    let jobs = |n: i64| plural(n, "approved job", "approved jobs");
    if let [only] = by_domain {
        return Some(Suggestion {
            customer_id: only.customer_id,
            customer_name: only.customer_name.clone(),
            reason: format!(
                "sender domain {} matches {} of {}",
                domains.join(", "),
                jobs(only.jobs),
                only.customer_name
            ),
        });
    }
    if let [only] = by_name {
        return Some(Suggestion {
            customer_id: only.customer_id,
            customer_name: only.customer_name.clone(),
            reason: format!(
                "sender name \"{}\" matches {} of {}",
                names.join("\", \""),
                jobs(only.jobs),
                only.customer_name
            ),
        });
    }
    None
}

/// The domain of a mail address, lower case; `None` without one.
pub fn domain_of(address: &str) -> Option<String> {
    address
        .rsplit_once('@')
        .map(|(_, d)| d.trim().to_lowercase())
        .filter(|d| !d.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: i64, name: &str, jobs: i64) -> Candidate {
        Candidate {
            customer_id: id,
            customer_name: name.into(),
            jobs,
        }
    }

    #[test]
    fn one_customer_by_domain_wins_and_says_why() {
        let s = suggest(&["acme.example".into()], &[c(1, "Acme", 3)], &[], &[]).unwrap();
        assert_eq!(s.customer_id, 1);
        assert_eq!(
            s.reason,
            "sender domain acme.example matches 3 approved jobs of Acme"
        );
    }

    #[test]
    fn a_shared_domain_falls_back_to_the_display_name() {
        let domains = vec!["gmail.com".to_string()];
        let two = [c(1, "Acme", 1), c(2, "Bakker", 2)];
        let names = vec!["Bakker NAS".to_string()];
        let s = suggest(&domains, &two, &names, &[c(2, "Bakker", 1)]).unwrap();
        assert_eq!(s.customer_id, 2);
        assert_eq!(
            s.reason,
            "sender name \"Bakker NAS\" matches 1 approved job of Bakker"
        );
        assert_eq!(suggest(&domains, &two, &names, &two), None);
        assert_eq!(suggest(&[], &[], &[], &[]), None);
    }

    #[test]
    fn domains() {
        assert_eq!(
            domain_of("Backup@Acme.Example"),
            Some("acme.example".into())
        );
        assert_eq!(domain_of("nobody"), None);
    }
}
