//! Draws the whole screen from the `App`: top line, the pane, hint line, toasts and popups.

use super::app::{App, Overlay, ToastLevel};
use super::keymap::{self, BINDINGS, Context};
use super::panes::Pane;
use super::panes::pane::DrawContext;
use super::sanitize;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

pub fn draw(f: &mut Frame, app: &mut App) {
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
    app.panes.get_mut(app.pane).draw(f, main, &cx);
    draw_bottom(f, bottom, app);
    draw_toasts(f, main, app);
    draw_overlay(f, main, app);
}

fn draw_top(f: &mut Frame, area: Rect, app: &App) {
    let t = &app.theme;
    // 0: full titles; 1: short titles, tighter; 2: only the current pane keeps its title.
    let tab = |p: Pane, level: u8| {
        let pane = app.panes.get(p);
        let info = pane.info();
        let count = match pane.tab_count() {
            Some(n) => format!(" ({n})"),
            None => String::new(),
        };
        let (n, title, short) = (info.number, info.title, info.short_title);
        let label = match level {
            0 => format!(" {n} {title}{count} "),
            1 => format!(" {n} {short}{count}"),
            _ if p == app.pane => format!(" {n} {short}{count}"),
            _ => format!(" {n}{count}"),
        };
        if p == app.pane {
            Span::styled(label, t.selected())
        } else {
            Span::raw(label)
        }
    };
    let import = import_status(app);
    let db = if app.db_ok { "db ok" } else { "db unreachable" };
    let right = if import.is_empty() {
        format!("{db} ")
    } else {
        format!("{import}   {db} ")
    };
    let fits = |spans: &[Span]| {
        spans
            .iter()
            .map(|s| s.content.chars().count())
            .sum::<usize>()
            + right.chars().count()
            <= area.width as usize
    };
    let mut spans = vec![Span::styled(" backupchecks ", t.title())];
    spans.extend(Pane::ALL.map(|p| tab(p, 0)));
    // Seven tabs do not fit 80 columns with full titles: drop the name, shorten the titles,
    // then keep only the numbers of the other panes.
    for level in [1, 2] {
        if fits(&spans) {
            break;
        }
        spans = Pane::ALL.map(|p| tab(p, level)).to_vec();
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
        Some(Overlay::CommandLine(text)) => Line::from(vec![
            Span::styled(":", t.key()),
            Span::raw(sanitize::line(text)),
            Span::raw("█"),
        ]),
        Some(Overlay::Filter) => {
            let filter = &app.current_pane().list().filter;
            Line::from(vec![
                Span::styled("/", t.key()),
                Span::raw(sanitize::line(filter)),
                Span::raw("█"),
                Span::styled("   Enter keep · Esc clear", t.dim()),
            ])
        }
        _ => {
            let mut spans = Vec::new();
            let marks = app.current_pane().list().marks.len();
            if marks > 0 {
                spans.push(Span::styled(format!(" → {marks} marked "), t.selected()));
            }
            let copy = app.current_pane().copy_value();
            for (key, help) in keymap::hints(app.current_pane().info().context) {
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

pub(crate) fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(height.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Length(width.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn draw_overlay(f: &mut Frame, area: Rect, app: &mut App) {
    let t = app.theme;
    let Some(overlay) = &app.overlay else { return };
    match overlay {
        Overlay::Help { scroll } => {
            let rect = popup(area, 76, area.height.saturating_sub(2));
            let mut lines = Vec::new();
            let pane = app.pane.context();
            for ctx in [pane, Context::List, Context::Global] {
                lines.push(Line::styled(ctx.title(), t.title()));
                for b in BINDINGS.iter().filter(|b| b.context == ctx) {
                    let keys: Vec<String> = b.keys.iter().map(|k| k.label()).collect();
                    lines.push(Line::from(vec![
                        Span::styled(format!("  {:<16}", keys.join(" ")), t.key()),
                        Span::raw(b.help),
                    ]));
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
                "Commands: type : then a name, e.g. :import  :reparse  :deleted  :q",
                t.dim(),
            ));
            for (usage, what) in keymap::LINE_COMMANDS {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {usage:<20}"), t.key()),
                    Span::raw(*what),
                ]));
            }
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(lines)
                    .scroll((*scroll, 0))
                    .block(Block::bordered().title(Span::styled(
                        " Help — j/k scroll · any other key closes ",
                        t.title(),
                    ))),
                rect,
            );
        }
        Overlay::Confirm { question, .. } => {
            // Tall enough for a question that wraps on narrow terminals (word wrap may take a
            // line more than the characters need).
            let len = question.chars().count() as u16;
            let width = (len + 6).max(40).min(area.width);
            let lines = len.div_ceil(width.saturating_sub(2).max(1));
            let rect = popup(area, width, lines + 4 + u16::from(lines > 1));
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(vec![
                    Line::raw(question.clone()),
                    Line::raw(""),
                    Line::from(vec![
                        Span::styled("y", t.key()),
                        Span::raw(" yes   "),
                        Span::styled("Esc", t.key()),
                        Span::raw(" no"),
                    ]),
                ])
                .wrap(Wrap { trim: true })
                .block(Block::bordered().title(" Confirm ")),
                rect,
            );
        }
        Overlay::Picker {
            mail_ids,
            job,
            query,
            cursor,
            suggestion,
        } => {
            let rect = popup(area, 64, 18);
            let matches = app.picker_matches(query, suggestion.as_ref());
            let mut lines = vec![
                Line::from(vec![
                    Span::styled("Customer: ", t.dim()),
                    Span::raw(sanitize::line(query)),
                    Span::raw("█"),
                ]),
                Line::raw(""),
            ];
            if let Some(s) = suggestion {
                lines.insert(
                    1,
                    Line::styled(format!("suggested: {}", sanitize::line(&s.reason)), t.ok()),
                );
            }
            for (i, (id, name)) in matches.iter().enumerate().take(10) {
                let mark = if suggestion.as_ref().is_some_and(|s| s.customer_id == *id) {
                    "★"
                } else {
                    " "
                };
                let line = Line::raw(format!("{mark} {}", sanitize::line(name)));
                lines.push(if i == *cursor {
                    line.style(t.selected())
                } else {
                    line
                });
            }
            if matches.is_empty() && !query.trim().is_empty() {
                lines.push(Line::styled(
                    format!(
                        "  Enter creates customer \"{}\"",
                        sanitize::line(query.trim())
                    ),
                    t.ok(),
                ));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "type to search · ↑↓ choose · Enter approve · Ctrl-n new customer · Esc cancel",
                t.dim(),
            ));
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: false })
                    .block(Block::bordered().title(Span::styled(
                        if mail_ids.len() > 1 {
                            format!(" Approve {} for… ", sanitize::line(job))
                        } else {
                            format!(" Approve job {} for… ", sanitize::line(job))
                        },
                        t.title(),
                    ))),
                rect,
            );
        }
        Overlay::Remark {
            title,
            text,
            confirm_discard,
            ..
        } => {
            let rect = popup(area, 72, 12);
            f.render_widget(Clear, rect);
            let hint = if *confirm_discard {
                " Esc again discards the text "
            } else {
                " Ctrl-s save · Esc cancel "
            };
            let block = Block::bordered()
                .title(Span::styled(
                    format!(" Remark on {} ", sanitize::line(title)),
                    t.title(),
                ))
                .title_bottom(hint);
            let inner = block.inner(rect);
            f.render_widget(block, rect);
            f.render_widget(text.as_ref(), inner);
        }
        Overlay::Override(form) => {
            let rect = popup(area, 78, 12);
            let field = |i: usize, label: &str, value: String| {
                let line = Line::from(vec![
                    Span::styled(format!("{label:<14}"), t.dim()),
                    Span::raw(value),
                ]);
                if form.field == i {
                    line.style(t.selected())
                } else {
                    line
                }
            };
            let status = form.base.match_status.map(|s| s.as_str()).unwrap_or("any");
            let lines = vec![
                Line::raw("Treat matching reports as Success (override) from now on."),
                Line::raw(""),
                field(0, "Applies to", form.scope_label()),
                field(
                    1,
                    "Status",
                    if form.match_status {
                        format!("{status} only")
                    } else {
                        "any status".into()
                    },
                ),
                field(2, "Message", form.mode_label().to_string()),
                field(3, "Text", format!("{}█", sanitize::line(&form.text))),
                Line::raw(""),
                Line::styled(
                    "↑↓ field · ←→ change · type the text · Enter save · Esc cancel",
                    t.dim(),
                ),
                Line::styled(
                    "Unreviewed runs the rule covers are re-evaluated when it is saved.",
                    t.dim(),
                ),
            ];
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(lines)
                    .block(Block::bordered().title(Span::styled(" Override ", t.title()))),
                rect,
            );
        }
        Overlay::TicketMenu => {
            let item = |k: &str, what: &str| {
                Line::from(vec![
                    Span::styled(format!("  {k}  "), t.key()),
                    Span::raw(what.to_string()),
                ])
            };
            let autotask = if app.services.autotask.is_some() {
                item("a", "Autotask ticket (preview, then send)")
            } else {
                Line::from(vec![
                    Span::styled("  a  ", t.key()),
                    Span::styled("Autotask: not configured (README, Autotask)", t.dim()),
                ])
            };
            let rect = popup(area, 56, 8);
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(vec![
                    item("n", "new internal ticket for this job"),
                    autotask,
                    item("l", "link an existing ticket number"),
                    item("r", "resolve the open ticket of this run"),
                    Line::raw(""),
                    Line::styled("  Esc closes", t.dim()),
                ])
                .block(Block::bordered().title(Span::styled(" Ticket ", t.title()))),
                rect,
            );
        }
        Overlay::TicketInput(input) => {
            let rect = popup(area, 70, 5);
            let title = match input.kind {
                super::app::overlays_kind::NewInternal => " New ticket: description ",
                super::app::overlays_kind::Link => " Link ticket: number (e.g. T20261126.0042) ",
            };
            f.render_widget(Clear, rect);
            f.render_widget(
                Paragraph::new(vec![
                    Line::raw(format!("{}█", sanitize::line(&input.value))),
                    Line::styled("Enter save · Esc cancel", t.dim()),
                ])
                .block(Block::bordered().title(Span::styled(title, t.title()))),
                rect,
            );
        }
        Overlay::CompanyPicker(p) => super::dialogs::company_picker(f, area, p, &t),
        Overlay::TicketPreview(d) => super::dialogs::ticket_preview(f, area, d, &t, app.tz),
        Overlay::Input(input) => super::dialogs::line_input(f, area, input, &t),
        Overlay::Choose(c) => super::dialogs::choice(f, area, c, &t),
        Overlay::Pin(form) => super::dialogs::pin_form(f, area, form, &t),
        Overlay::CommandLine(_) | Overlay::Filter => {}
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
