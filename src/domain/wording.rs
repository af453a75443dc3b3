//! Small pieces of operator-facing wording shared by every screen and command.

use std::fmt::Display;

/// "1 run", "3 runs": the count with the singular or plural noun.
pub fn plural<N>(n: N, one: &str, many: &str) -> String
where
    N: Copy + Display + PartialEq + From<u8>,
{
    format!("{n} {}", if n == N::from(1) { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::plural;

    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(plural(1usize, "run", "runs"), "1 run");
        assert_eq!(plural(0u64, "run", "runs"), "0 runs");
        assert_eq!(plural(2i64, "Missed run", "Missed runs"), "2 Missed runs");
    }
}
