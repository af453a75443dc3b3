//! Drawing the popups of the Customers and Settings panes and the Autotask ticket preview.

use super::app::{Choice, CompanyPicker, LineInput, PinForm, PreviewDialog};
use super::sanitize;
use super::theme::Theme;
use super::view::popup;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

fn hint(t: &Theme, parts: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (k, what) in parts {
        spans.push(Span::styled(k.to_string(), t.key()));
        spans.push(Span::styled(format!(" {what}  "), t.dim()));
    }
    Line::from(spans)
}

pub fn company_picker(f: &mut Frame, area: Rect, p: &CompanyPicker, t: &Theme) {
    let rect = popup(area, 64, 18);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Company: ", t.dim()),
            Span::raw(sanitize::line(&p.query)),
            Span::raw("█"),
            Span::styled(if p.searching { "  searching…" } else { "" }, t.dim()),
        ]),
        Line::raw(""),
    ];
    if let Some(e) = &p.error {
        lines.push(Line::styled(format!("  {}", sanitize::line(e)), t.error()));
    }
    let rows = rect.height.saturating_sub(6) as usize;
    let skip = p.cursor.saturating_sub(rows.saturating_sub(1));
    for (i, c) in p.results.iter().enumerate().skip(skip).take(rows) {
        let line = Line::raw(format!(
            "  {:<44} {:>10}",
            super::table::fit(&c.company_name, 44),
            c.id
        ));
        lines.push(if i == p.cursor {
            line.style(t.selected())
        } else {
            line
        });
    }
    if p.results.is_empty() && !p.searching && p.error.is_none() {
        lines.push(Line::styled(
            if p.query.trim().parse::<i64>().is_ok() {
                "  no company by that name: Enter maps the company with this id"
            } else {
                "  no active company matches"
            },
            t.dim(),
        ));
    }
    f.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Span::styled(
            format!(
                " Map {} to an Autotask company ",
                sanitize::line(&p.customer_name)
            ),
            t.title(),
        ))
        .title_bottom(hint(
            t,
            &[
                ("type", "to search"),
                ("↑↓", "choose"),
                ("Enter", "map"),
                ("Esc", "cancel"),
            ],
        ));
    f.render_widget(Paragraph::new(lines).block(block), rect);
}

fn pick(label: &Option<String>, id: Option<i64>) -> String {
    match (label, id) {
        (Some(l), _) => sanitize::line(l),
        (None, Some(id)) => id.to_string(),
        (None, None) => "not set".into(),
    }
}

pub fn ticket_preview(f: &mut Frame, area: Rect, d: &PreviewDialog, t: &Theme, tz: Tz) {
    let p = &d.preview;
    // Room for the fields, the notes and the description, but no more.
    let notes = p.warnings.len()
        + usize::from(p.blocked.is_some())
        + usize::from(p.existing_open_ticket.is_some())
        + usize::from(d.error.is_some());
    let wanted = 5 + notes + d.text.lines().len().max(6) + 6;
    let height = (wanted as u16).min(area.height.saturating_sub(1)).max(12);
    let rect = popup(area, 110, height);
    f.render_widget(Clear, rect);
    let block = Block::bordered().title(Span::styled(
        format!(
            " Autotask ticket · {} › {} ",
            sanitize::line(&p.customer_name),
            sanitize::line(&p.job_name)
        ),
        t.title(),
    ));
    let inner = block.inner(rect);
    f.render_widget(block, rect);
    let field = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name:<9} "), t.dim()),
            Span::raw(value),
        ])
    };
    let (badge, badge_style) = t.mapping(p.mapping_status);
    let company = match (&p.company_name, p.company_id) {
        (Some(n), Some(id)) => format!("{} ({id})", sanitize::line(n)),
        (None, Some(id)) => format!("company {id}"),
        _ => "—".into(),
    };
    let l = &p.labels;
    let others = p.linked_runs.len().saturating_sub(1);
    let mut lines = vec![
        Line::from(vec![
            Span::styled("Company   ", t.dim()),
            Span::raw(format!("{company}  ")),
            Span::styled(badge, badge_style),
        ]),
        field("Title", sanitize::line(&p.title)),
        field(
            "Queue",
            format!(
                "{} · priority {} · status {}",
                pick(&l.queue, p.queue_id),
                pick(&l.priority, p.priority),
                pick(&l.status, p.status)
            ),
        ),
        field(
            "Issue",
            format!(
                "{} / {} · due {}",
                pick(&l.issue_type, p.issue_type),
                pick(&l.sub_issue_type, p.sub_issue_type),
                p.due.with_timezone(&tz).format("%d %b %H:%M")
            ),
        ),
        field(
            "Runs",
            if others == 0 {
                "this run".to_string()
            } else {
                format!("this run and {others} other unreviewed run(s) without a ticket")
            },
        ),
    ];
    for w in &p.warnings {
        lines.push(Line::styled(
            format!("⚠ {}", sanitize::line(w)),
            t.attention(),
        ));
    }
    if let Some(reason) = &p.blocked {
        lines.push(Line::styled(
            format!("✖ Cannot send: {}", sanitize::line(reason)),
            t.error(),
        ));
    }
    if let Some(e) = &p.existing_open_ticket {
        lines.push(Line::styled(
            format!(
                "This job has the open ticket {}: l links it instead of making another.",
                e.ticket_number
                    .as_deref()
                    .map(sanitize::line)
                    .unwrap_or_else(|| format!("id {}", e.autotask_ticket_id))
            ),
            t.attention(),
        ));
    }
    if let Some(e) = &d.error {
        lines.push(Line::styled(format!("✖ {}", sanitize::line(e)), t.error()));
    }
    let head = lines.len() as u16;
    let [top, body, foot] = Layout::vertical([
        Constraint::Length(head),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(inner);
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top);
    let desc = Block::bordered()
        .title(Span::styled(
            if d.editing {
                " Description — editing · Esc done "
            } else {
                " Description "
            },
            t.title(),
        ))
        .border_style(if d.editing { t.key() } else { t.dim() });
    let din = desc.inner(body);
    f.render_widget(desc, body);
    f.render_widget(d.text.as_ref(), din);
    let footer = if d.sending {
        Line::styled("sending to Autotask…", t.dim())
    } else if d.editing {
        hint(t, &[("Esc", "done editing")])
    } else {
        let mut parts = Vec::new();
        if p.blocked.is_none() && p.existing_open_ticket.is_none() {
            parts.push(("Enter", "send"));
        }
        parts.push(("e", "edit description"));
        if p.existing_open_ticket.is_some() {
            parts.push(("l", "link the open ticket"));
        }
        parts.push(("Esc", "cancel"));
        hint(t, &parts)
    };
    f.render_widget(Paragraph::new(footer), foot);
}

pub fn line_input(f: &mut Frame, area: Rect, input: &LineInput, t: &Theme) {
    let rect = popup(area, 70, 5);
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(vec![
            Line::raw(format!("{}█", sanitize::line(&input.value))),
            hint(t, &[("Enter", "save"), ("Esc", "cancel")]),
        ])
        .block(Block::bordered().title(Span::styled(
            format!(" {} ", sanitize::line(&input.title)),
            t.title(),
        ))),
        rect,
    );
}

pub fn choice(f: &mut Frame, area: Rect, c: &Choice, t: &Theme) {
    let height = (c.options.len() as u16 + 3).min(area.height);
    let rect = popup(area, 50, height);
    let rows = height.saturating_sub(3) as usize;
    let skip = c.cursor.saturating_sub(rows.saturating_sub(1));
    let mut lines: Vec<Line> = c
        .options
        .iter()
        .enumerate()
        .skip(skip)
        .take(rows)
        .map(|(i, (v, label))| {
            let text = match v {
                Some(v) => format!("  {} ({v})", sanitize::line(label)),
                None => format!("  {}", sanitize::line(label)),
            };
            let style = if i == c.cursor {
                t.selected()
            } else {
                Style::default()
            };
            Line::styled(text, style)
        })
        .collect();
    lines.push(hint(
        t,
        &[("↑↓", "choose"), ("Enter", "save"), ("Esc", "cancel")],
    ));
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(
            Block::bordered().title(Span::styled(format!(" {} ", c.field.label()), t.title())),
        ),
        rect,
    );
}

/// The "pin a schedule" form of the Jobs pane.
pub fn pin_form(f: &mut Frame, area: Rect, p: &PinForm, t: &Theme) {
    let rect = popup(area, 64, 10);
    let field = |i: usize, label: &str, value: &str, help: &str| {
        let cursor = if p.field == i { "█" } else { "" };
        let line = Line::from(vec![
            Span::styled(format!("{label:<7}"), t.dim()),
            Span::raw(format!("{}{cursor}", sanitize::line(value))),
            Span::styled(format!("  {help}"), t.dim()),
        ]);
        if p.field == i {
            line.style(t.selected())
        } else {
            line
        }
    };
    let lines = vec![
        field(0, "Days", &p.days, "daily, or Mon, Wed, Fri / Mon-Fri"),
        field(1, "Time", &p.time, "HH:MM"),
        field(2, "Grace", &p.grace, "minutes (empty: default)"),
        Line::raw(""),
        Line::styled("The pinned schedule beats the learned one.", t.dim()),
        Line::raw(""),
        hint(
            t,
            &[("Tab", "next field"), ("Enter", "pin"), ("Esc", "cancel")],
        ),
    ];
    f.render_widget(Clear, rect);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(Span::styled(
            format!(" Pin schedule of {} ", sanitize::line(&p.title)),
            t.title(),
        ))),
        rect,
    );
}
