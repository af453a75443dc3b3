//! Draws the whole screen from the `App`: top line, the pane, hint line, toasts and popups.

use super::app::{App, Overlay, ToastLevel};
use super::dialogs::{self, draw_overlay};
use super::keymap;
use super::panes::Pane;
use super::panes::pane::DrawContext;
use super::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

pub fn draw(f: &mut Frame, app: &mut App) {
    draw_screen(f, app);
    if app.theme.ascii {
        super::ascii::downgrade(f.buffer_mut());
    }
    // Kept for the capture key: what is on screen now.
    let frame = f.buffer_mut();
    match &mut app.last_frame {
        Some(last) if last.area == frame.area => last.clone_from(frame),
        last => *last = Some(frame.clone()),
    }
}

fn draw_screen(f: &mut Frame, app: &mut App) {
    let area = f.area();
    if area.width < 60 || area.height < 15 {
        f.render_widget(
            Paragraph::new("The terminal is too small: backupchecks needs at least 60×15.")
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    let [top, main, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(5),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_top(f, top, app);
    let cx = DrawContext {
        theme: &app.theme,
        tz: app.tz,
        now: app.now(),
    };
    // A list opened with a filter from another pane says so above it, with the key that
    // shows everything again.
    let main = match app.current_pane().list().banner.clone() {
        Some(banner) => {
            let [line, rest] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(4)]).areas(main);
            let clear = keymap::key_of(keymap::Context::List, keymap::Command::ClearOpened);
            f.render_widget(
                Paragraph::new(Line::styled(
                    format!(" ▸ Showing {banner} · {clear} shows all"),
                    app.theme.attention(),
                )),
                line,
            );
            rest
        }
        None => main,
    };
    app.panes.get_mut(app.pane).draw(f, main, &cx);
    draw_bottom(f, bottom, app);
    draw_toasts(f, main, app);
    draw_overlay(f, main, app);
}

/// Columns the top line keeps for the import status ("⠋ importing 1200/4000 (30%)").
const IMPORT_WIDTH: usize = 28;

fn draw_top(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    // 0: the name and full titles; 1: full titles; 2: short titles, tighter; 3: only the
    // current pane keeps its title.
    let tab = |p: Pane, level: u8| {
        let pane = app.panes.get(p);
        let info = pane.info();
        let count = match pane.tab_count() {
            Some(n) => format!(" ({n})"),
            None => String::new(),
        };
        // A pane without a digit key (reached by its `:` command) shows its title only.
        let n = info.number.map(|d| format!("{d} ")).unwrap_or_default();
        let (title, short) = (info.title, info.short_title);
        let label = match level {
            0 | 1 => format!(" {n}{title}{count} "),
            2 => format!(" {n}{short}{count}"),
            _ if p == app.pane || info.number.is_none() => format!(" {n}{short}{count}"),
            _ => format!(" {}{count}", n.trim_end()),
        };
        if p == app.pane {
            Span::styled(label, t.selected())
        } else {
            Span::raw(label)
        }
    };
    let import = import_status(app);
    // Who and as what, then the database; the seat shortens before the tabs do.
    let db = if app.db_ok { "db ok" } else { "db unreachable" };
    // Narrowest of all, a healthy database goes unsaid; an unreachable one is always said.
    let last = if app.db_ok {
        String::new()
    } else {
        format!("{db} ")
    };
    let rights: Vec<String> = [
        format!("{} · {db} ", app.seat.label()),
        format!("{} · {db} ", app.seat.role),
        format!("{db} "),
        last,
    ]
    .into();
    let width = |spans: &[Span]| -> usize { spans.iter().map(|s| s.content.chars().count()).sum() };
    // A seat that imports keeps room for the import status whether it shows or not, so the tabs
    // keep their form when it comes, goes and changes.
    let imports = app.services.import_now.is_some() || !import.is_empty();
    let reserve = if imports { IMPORT_WIDTH + 3 } else { 0 };
    let panes = app.visible_panes();
    // A pane whose tab goes first (Parsers) keeps it only while the seat still shows in full.
    let tabs = |level: u8, all: bool| -> Vec<Span> {
        let shown = panes
            .iter()
            .filter(|p| all || p.info().tab_when_narrow || **p == app.pane);
        let mut spans = Vec::new();
        if level == 0 {
            spans.push(Span::styled(" backupchecks ", t.title()));
        }
        spans.extend(shown.map(|p| tab(*p, level)));
        spans
    };
    // Seven tabs do not fit 80 columns with full titles: drop the name, shorten the titles,
    // then keep only the numbers of the other panes.
    let mut spans = Vec::new();
    let mut right = rights[0].clone();
    'levels: for (level, all) in [(0, true), (0, false), (1, false), (2, false), (3, false)] {
        spans = tabs(level, all);
        let tried = if all { &rights[..2] } else { &rights[..] };
        for r in tried {
            if width(&spans) + r.chars().count() + reserve < area.width as usize {
                right = r.clone();
                break 'levels;
            }
        }
        right = rights[rights.len() - 1].clone();
    }
    if !import.is_empty() {
        let room = (area.width as usize)
            .saturating_sub(width(&spans) + right.chars().count() + 4)
            .min(IMPORT_WIDTH.max(import.chars().count()));
        let shown = if import.chars().count() <= room {
            import
        } else {
            let ellipsis = if t.ascii { "..." } else { "…" };
            let cut: String = import
                .chars()
                .take(room.saturating_sub(ellipsis.chars().count()))
                .collect();
            format!("{cut}{ellipsis}")
        };
        right = format!("{shown}   {right}");
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let gap = (area.width as usize).saturating_sub(used + right.chars().count());
    spans.push(Span::raw(" ".repeat(gap)));
    spans.push(Span::styled(
        right,
        if app.db_ok { t.dim() } else { t.error() },
    ));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The right of the top line: the long work under way, then the mail import.
fn import_status(app: &App) -> String {
    let import = match (
        &app.importer.running,
        &app.importer.progress,
        &app.importer.last,
        &app.importer.error,
    ) {
        // A waiting import says why: the retry replaces the counter until progress resumes.
        (true, _, _, _) if app.importer.retrying.is_some() => {
            let text = app.importer.retrying.as_deref().unwrap_or_default();
            format!("import waiting: {}", short_retry(text))
        }
        (true, Some((d, n)), _, _) => {
            let pct = if *n == 0 { 0 } else { d * 100 / n };
            format!(
                "{} importing {d}/{n} ({pct}%)",
                SPINNER[(chrono::Utc::now().timestamp_subsec_millis() / 250) as usize % 4]
            )
        }
        (true, _, _, _) => "importing…".into(),
        (false, _, _, Some(_)) => "import failed (see toast)".into(),
        (false, _, Some((at, s)), _) => {
            let mins = (app.now() - *at).num_minutes().max(0);
            match mins {
                0 => format!("imported {} · just now", s.imported),
                m => format!("imported {} · {m} min ago", s.imported),
            }
        }
        _ => String::new(),
    };
    match app.progress() {
        Some((what, done, total)) => {
            let width = 10;
            let filled = (done * width).checked_div(total).unwrap_or(0).min(width);
            format!(
                "{what} [{}{}] {done}/{total}   {import}",
                "#".repeat(filled),
                ".".repeat(width - filled)
            )
        }
        None => import,
    }
}

fn draw_bottom(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    let line = match &app.overlay {
        Some(Overlay::CommandLine(text)) => {
            dialogs::command_line::bottom_line(t, text, app.seat.role)
        }
        Some(Overlay::Filter) => {
            let filter = &app.current_pane().list().filter;
            dialogs::filter::bottom_line(t, filter)
        }
        _ => {
            let mut spans = Vec::new();
            let marks = app.current_pane().list().marks.len();
            if marks > 0 {
                spans.push(Span::styled(format!(" → {marks} marked "), t.selected()));
            }
            let copy = app.current_pane().copy_value();
            for (key, help) in keymap::hints(app.current_pane().context(), app.seat.role) {
                let help = if key == "y" {
                    match &copy {
                        Some(code) => format!("copy {}", sanitize::line(code)),
                        None => continue,
                    }
                } else {
                    help.split(" (").next().unwrap_or(help).to_string()
                };
                spans.push(Span::styled(format!(" {key}"), t.key()));
                spans.push(Span::raw(format!(" {help} ")));
            }
            Line::from(spans)
        }
    };
    f.render_widget(Paragraph::new(line), area);
}

fn draw_toasts(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    for (i, toast) in app.toasts.iter().rev().enumerate() {
        let text = sanitize::line(&toast.text);
        let width = (text.chars().count() as u16 + 4).min(area.width.saturating_sub(2));
        let y = area.y + 1 + i as u16 * 3;
        if y + 3 > area.y + area.height {
            break;
        }
        let rect = Rect::new(area.x + area.width.saturating_sub(width + 1), y, width, 3);
        let style = if toast.level == ToastLevel::Error {
            t.error()
        } else {
            t.ok()
        };
        f.render_widget(Clear, rect);
        f.render_widget(
            Paragraph::new(Span::raw(text)).block(Block::bordered().border_style(style)),
            rect,
        );
    }
}

/// The top line has little room: keep the reason's head and the "retry n of m in s" tail.
fn short_retry(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        return text.to_string();
    }
    match text.rsplit_once("; ") {
        Some((reason, retry)) => {
            let room = MAX.saturating_sub(retry.chars().count() + 3);
            let head: String = reason.chars().take(room).collect();
            format!("{head}…; {retry}")
        }
        None => text.chars().take(MAX).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::short_retry;

    #[test]
    fn a_long_retry_notice_keeps_its_retry_tail() {
        let long = "Microsoft Graph did not answer the mail download in time (30 s without data, \
                    180 s in all); retry 2 of 3 in 1 s";
        let short = short_retry(long);
        assert!(short.chars().count() <= 60, "{short}");
        assert!(short.starts_with("Microsoft Graph did not"), "{short}");
        assert!(short.ends_with("; retry 2 of 3 in 1 s"), "{short}");
        assert_eq!(
            short_retry("Graph unavailable; retry 2 of 5 in 4 s"),
            "Graph unavailable; retry 2 of 5 in 4 s"
        );
    }
}
