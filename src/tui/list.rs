//! Cursor, scrolling, marks and live filter of a list; shared by every pane.

use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListState {
    /// Index into the visible (filtered) rows.
    pub cursor: usize,
    /// First visible row, kept so that the cursor stays on screen.
    pub offset: usize,
    /// Marked row ids (stable across reloads, unlike indices).
    pub marks: BTreeSet<i64>,
    pub filter: String,
    /// What another pane opened this list with ("customer Acme · from Customers"), shown as a
    /// banner above it until cleared.
    pub banner: Option<String>,
}

impl ListState {
    pub fn clamp(&mut self, len: usize) {
        if len == 0 {
            self.cursor = 0;
        } else if self.cursor >= len {
            self.cursor = len - 1;
        }
    }

    pub fn up(&mut self, n: usize) {
        self.cursor = self.cursor.saturating_sub(n);
    }

    pub fn down(&mut self, n: usize, len: usize) {
        self.cursor = (self.cursor + n).min(len.saturating_sub(1));
    }

    /// Keeps the cursor inside a window of `height` rows out of `len`; returns the first
    /// visible row. The window never starts so late that it leaves blank rows at the bottom
    /// while rows above are hidden (after the list shrinks, say).
    pub fn scroll(&mut self, height: usize, len: usize) -> usize {
        self.offset = self.offset.min(len.saturating_sub(height));
        if height == 0 {
            return self.offset;
        }
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        self.offset
    }

    pub fn toggle_mark(&mut self, id: i64) {
        if !self.marks.remove(&id) {
            self.marks.insert(id);
        }
    }

    /// Moves the cursor to the row with `id`, if it is still there (after a reload).
    pub fn follow(&mut self, id: Option<i64>, ids: impl Iterator<Item = i64>) {
        if let Some(id) = id
            && let Some(i) = ids.into_iter().position(|x| x == id)
        {
            self.cursor = i;
        }
    }
}

/// True when every word of `filter` occurs (case-insensitively) in one of the fields.
pub fn matches(filter: &str, fields: &[&str]) -> bool {
    // Checked before lowering: every list asks this for each of its rows on every frame.
    let filter = filter.trim();
    if filter.is_empty() {
        return true;
    }
    let filter = filter.to_lowercase();
    let hay: String = fields.join(" ").to_lowercase();
    filter.split_whitespace().all(|w| hay.contains(w))
}

/// Fuzzy subsequence score of `query` in `text` (higher is better), `None` when it does not
/// match; consecutive and word-start letters score more.
pub fn fuzzy(query: &str, text: &str) -> Option<i32> {
    let q: Vec<char> = query
        .to_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if q.is_empty() {
        return Some(0);
    }
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut qi, mut score, mut prev) = (0, 0, None);
    for (i, c) in t.iter().enumerate() {
        if qi < q.len() && *c == q[qi] {
            score += 1;
            if prev == Some(i.wrapping_sub(1)) {
                score += 3;
            }
            if i == 0 || !t[i - 1].is_alphanumeric() {
                score += 2;
            }
            prev = Some(i);
            qi += 1;
        }
    }
    (qi == q.len()).then_some(score - (t.len() as i32 / 10))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_stays_in_range_and_on_screen() {
        let mut l = ListState::default();
        l.down(5, 3);
        assert_eq!(l.cursor, 2);
        l.up(10);
        assert_eq!(l.cursor, 0);
        l.cursor = 9;
        assert_eq!(l.scroll(4, 10), 6);
        l.cursor = 2;
        assert_eq!(l.scroll(4, 10), 2);
        // The list shrinks to three rows: the window starts at the top again.
        l.offset = 6;
        assert_eq!(l.scroll(4, 3), 0);
        l.clamp(0);
        assert_eq!(l.cursor, 0);
    }

    #[test]
    fn filter_and_fuzzy() {
        assert!(matches("acme veeam", &["ACME BV", "Veeam", "Daily"]));
        assert!(!matches("acme nas", &["ACME BV", "Veeam"]));
        assert!(fuzzy("bkr", "Bakker & Zn").is_some());
        assert!(fuzzy("xyz", "Bakker").is_none());
        assert!(fuzzy("ac", "ACME BV") > fuzzy("ac", "Bakker Accounting"));
    }
}
