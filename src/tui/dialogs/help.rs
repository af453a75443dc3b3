//! `?`: the keys of the pane, the lists and everywhere, the statuses, the `:` commands and the
//! keys of the dialogs, all from the tables. It scrolls; any other key closes it.

use super::{Overlay, hint_spans, popup};
use crate::tui::app::App;
use crate::tui::keymap::dialogs::{self as keys, DIALOG_BINDINGS, Dialog, DialogCommand as C};
use crate::tui::keymap::{self, BINDINGS, Context, Key};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn key(scroll: u16, key: KeyEvent) -> Option<Overlay> {
    let scroll = match keys::lookup(Dialog::Help, Key::from_event(&key))? {
        C::Down => scroll + 1,
        C::Up => scroll.saturating_sub(1),
        C::PageDown => scroll + 10,
        C::PageUp => scroll.saturating_sub(10),
        _ => return None,
    };
    Some(Overlay::Help { scroll })
}

pub fn draw(f: &mut Frame, area: Rect, app: &App, scroll: u16) {
    let t = &app.theme;
    let rect = popup(area, 76, area.height.saturating_sub(2));
    let mut lines = Vec::new();
    let pane = app.current_pane().context();
    for ctx in [pane, Context::List, Context::Global] {
        lines.push(Line::styled(ctx.title(), t.title()));
        // Only what the seat's role may use.
        for b in BINDINGS
            .iter()
            .filter(|b| b.context == ctx && keymap::allowed(app.seat.role, pane, b.command))
        {
            lines.push(row(t, b.keys, b.help));
        }
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Statuses", t.title()));
    for s in crate::domain::run_status::RunStatus::ALL {
        let (badge, style) = t.badge(s);
        lines.push(Line::from(vec![
            Span::raw("  "),
            Span::styled(badge, style),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("Text fields: {}", crate::tui::input::EDIT_KEYS),
        t.dim(),
    ));
    lines.push(Line::styled(
        "Commands: type : then a name, e.g. :import  :reparse  :deleted  :q",
        t.dim(),
    ));
    for (usage, what) in keymap::LINE_COMMANDS {
        lines.push(Line::from(vec![
            Span::styled(format!("  {usage:<20}"), t.key()),
            Span::raw(*what),
        ]));
    }
    dialogs(t, &mut lines);
    let mut title = vec![Span::styled(" Help — ", t.title())];
    title.extend(hint_spans(t, Dialog::Help, |_| true));
    title.push(Span::styled(" · any other key closes ", t.title()));
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(Block::bordered().title(Line::from(title))),
        rect,
    );
}

/// The keys inside the popups, a section per dialog.
fn dialogs(t: &Theme, lines: &mut Vec<Line<'static>>) {
    lines.push(Line::raw(""));
    lines.push(Line::styled("Dialogs", t.title()));
    for dialog in Dialog::ALL {
        lines.push(Line::styled(format!(" {}", dialog.title()), t.title()));
        for b in DIALOG_BINDINGS.iter().filter(|b| b.dialog == dialog) {
            lines.push(row(t, b.keys, b.help));
        }
    }
}

fn row(t: &Theme, keys: &[Key], help: &'static str) -> Line<'static> {
    let keys: Vec<String> = keys.iter().map(Key::label).collect();
    Line::from(vec![
        Span::styled(format!("  {:<16}", keys.join(" ")), t.key()),
        Span::raw(help),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::theme::Theme;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// The whole help text, scrolled through a tall terminal.
    fn help_text(app: &App) -> String {
        let mut term = Terminal::new(TestBackend::new(100, 400)).unwrap();
        term.draw(|f| draw(f, f.area(), app, 0)).unwrap();
        term.backend().to_string()
    }

    #[tokio::test]
    async fn help_lists_every_dialog_after_the_pane_keys() {
        let pool = sqlx::PgPool::connect_lazy("postgres://localhost/unused").unwrap();
        let app = App::new(
            pool,
            Theme::default(),
            "ann".into(),
            chrono_tz::UTC,
            crate::clock::system(),
        );
        let text = help_text(&app);
        let dialogs = text.find("Dialogs").unwrap();
        assert!(text.find("Everywhere").unwrap() < dialogs);
        for d in Dialog::ALL {
            assert!(text[dialogs..].contains(d.title()), "{d:?} missing");
        }
        assert!(text.contains("Help — j/k scroll · any other key closes"));
    }
}
