//! Glyphs and colours. Every status reads without colour: a glyph and a word, with colour on
//! top unless `NO_COLOR` is set; `--ascii` swaps the glyphs for plain letters.

use crate::db::autotask::mapping::MappingStatus;
use crate::domain::run_status::RunStatus;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub ascii: bool,
    pub color: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Theme {
            ascii: false,
            color: true,
        }
    }
}

impl Theme {
    /// From the configuration and the environment (`NO_COLOR` set and non-empty turns colour off).
    pub fn new(ascii: bool, no_color: bool) -> Theme {
        Theme {
            ascii,
            color: !no_color,
        }
    }

    pub fn glyph(&self, s: RunStatus) -> &'static str {
        match (s, self.ascii) {
            (RunStatus::Success, false) => "✔",
            (RunStatus::Warning, false) => "⚠",
            (RunStatus::Failed, false) => "✖",
            (RunStatus::Missed, false) => "∅",
            (RunStatus::SuccessOverride, false) => "↺",
            (RunStatus::Expected, false) => "○",
            (RunStatus::Unknown, false) => "?",
            (RunStatus::Success, true) => "OK",
            (RunStatus::Warning, true) => "WARN",
            (RunStatus::Failed, true) => "FAIL",
            (RunStatus::Missed, true) => "MISS",
            (RunStatus::SuccessOverride, true) => "OVR",
            (RunStatus::Expected, true) => "EXP",
            (RunStatus::Unknown, true) => "UNK",
        }
    }

    /// One cell of a history strip or grid: a single character in both modes. `·` is a day
    /// nothing was expected or reported; Expected (still to come today) is `○`, `e` in ASCII.
    pub fn cell(&self, s: Option<RunStatus>) -> &'static str {
        match (s, self.ascii) {
            (None, false) => "·",
            (None, true) => ".",
            (Some(RunStatus::Expected), false) => "○",
            (Some(RunStatus::Expected), true) => "e",
            (Some(s), false) => self.glyph(s),
            (Some(RunStatus::Success), true) => "+",
            (Some(RunStatus::Warning), true) => "w",
            (Some(RunStatus::Failed), true) => "X",
            (Some(RunStatus::Missed), true) => "m",
            (Some(RunStatus::SuccessOverride), true) => "o",
            (Some(RunStatus::Unknown), true) => "?",
        }
    }

    pub fn reviewed(&self) -> &'static str {
        if self.ascii { "rv" } else { "✓" }
    }

    pub fn ticket(&self) -> &'static str {
        if self.ascii { "T" } else { "🎫" }
    }

    pub fn remark(&self) -> &'static str {
        if self.ascii { "R" } else { "💬" }
    }

    pub fn cursor(&self) -> &'static str {
        if self.ascii { ">" } else { "▶" }
    }

    pub fn mark(&self) -> &'static str {
        if self.ascii { "*" } else { "•" }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    pub fn status(&self, s: RunStatus) -> Style {
        self.fg(match s {
            RunStatus::Success => Color::Green,
            RunStatus::Warning => Color::Yellow,
            RunStatus::Failed => Color::Red,
            RunStatus::Missed => Color::Magenta,
            RunStatus::SuccessOverride => Color::Blue,
            RunStatus::Expected | RunStatus::Unknown => Color::DarkGray,
        })
    }

    /// "✔ Success" styled.
    pub fn badge(&self, s: RunStatus) -> (String, Style) {
        (format!("{} {}", self.glyph(s), s.as_str()), self.status(s))
    }

    /// "✔ ok", "⚠ renamed", "∅ missing", "✖ invalid": an Autotask mapping, readable without colour.
    pub fn mapping(&self, m: MappingStatus) -> (String, Style) {
        let (glyph, ascii, color) = match m {
            MappingStatus::Ok => ("✔", "OK", Color::Green),
            MappingStatus::Renamed => ("⚠", "WARN", Color::Yellow),
            MappingStatus::Missing => ("∅", "--", Color::DarkGray),
            MappingStatus::Invalid => ("✖", "FAIL", Color::Red),
        };
        let glyph = if self.ascii { ascii } else { glyph };
        (format!("{glyph} {}", m.as_str()), self.fg(color))
    }

    /// Highlights a value that needs attention (a customer without jobs).
    pub fn attention(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn selected(&self) -> Style {
        if self.color {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        }
    }

    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    pub fn key(&self) -> Style {
        if self.color {
            Style::default()
                .fg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_sign_of_the_grid_means_one_thing() {
        for ascii in [false, true] {
            let t = Theme::new(ascii, false);
            let nothing = t.cell(None);
            let signs: Vec<&str> = RunStatus::ALL.iter().map(|s| t.cell(Some(*s))).collect();
            assert!(!signs.contains(&nothing), "{ascii}: {signs:?}");
            let mut unique = signs.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), signs.len(), "{ascii}: {signs:?}");
        }
        // The help's legend uses the grid's own sign for Expected.
        let t = Theme::new(false, false);
        assert_eq!(
            t.glyph(RunStatus::Expected),
            t.cell(Some(RunStatus::Expected))
        );
    }
}
