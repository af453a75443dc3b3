//! Overrides (pane 7): the rules that turn matching reports into Success (override), with what
//! they apply to, what they match and when; `x` deactivates one (unreviewed runs are
//! re-evaluated), `i` shows the inactive ones too.

use crate::db::overrides::ListedOverride;
use crate::domain::overrides::{MatchMode, OverrideLevel};
use crate::tui::action::Action;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::fit;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use sqlx::PgPool;

#[derive(Debug, Default)]
pub struct Overrides {
    pub rows: Vec<ListedOverride>,
    pub list: ListState,
    pub include_inactive: bool,
    pub loaded: bool,
}

impl Overrides {
    pub fn visible(&self) -> Vec<usize> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, o)| {
                list::matches(
                    &self.list.filter,
                    &[
                        o.over.rule.level.as_str(),
                        &applies_to(o),
                        &message(o),
                        &o.over.created_by,
                        o.over.comment.as_deref().unwrap_or(""),
                    ],
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<&ListedOverride> {
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| self.rows.get(*i))
    }

    /// Replaces the rows, keeping the cursor on the same rule.
    pub fn set_rows(&mut self, rows: Vec<ListedOverride>) {
        let keep = self.current().map(|o| o.over.rule.id);
        self.rows = rows;
        self.loaded = true;
        let ids: Vec<i64> = self
            .visible()
            .into_iter()
            .filter_map(|i| self.rows.get(i).map(|o| o.over.rule.id))
            .collect();
        self.list.follow(keep, ids.iter().copied());
        self.list.clamp(ids.len());
    }
}

pub async fn load(pool: PgPool, include_inactive: bool) -> Action {
    let result = async {
        let mut conn = pool.acquire().await?;
        crate::db::overrides::listed(&mut conn, include_inactive).await
    }
    .await;
    match result {
        Ok(rows) => Action::OverridesLoaded {
            include_inactive,
            rows,
        },
        Err(e) => crate::tui::action::failed("loading Overrides", e),
    }
}

/// What a rule applies to: `customer › job`, `customer › job › object` or `every <software>
/// <type> job`.
pub fn applies_to(o: &ListedOverride) -> String {
    let job = || {
        format!(
            "{} › {}",
            o.customer_name.as_deref().unwrap_or("?"),
            o.job_name.as_deref().unwrap_or("?")
        )
    };
    match &o.over.rule.level {
        OverrideLevel::Global {
            software,
            backup_type,
        } => format!("every {software} {backup_type} job"),
        OverrideLevel::Job { .. } => job(),
        OverrideLevel::Object { object_name, .. } => format!("{} › {object_name}", job()),
    }
}

/// The message match: `any message`, or the mode and the text.
pub fn message(o: &ListedOverride) -> String {
    let r = &o.over.rule;
    if r.match_text.trim().is_empty() {
        return "any message".into();
    }
    let mode = match r.match_mode {
        MatchMode::Contains => "contains",
        MatchMode::Exact => "is",
        MatchMode::StartsWith => "starts",
        MatchMode::EndsWith => "ends",
    };
    format!("{mode} \"{}\"", r.match_text)
}

fn status(o: &ListedOverride) -> &'static str {
    o.over
        .rule
        .match_status
        .map(|s| s.as_str())
        .unwrap_or("any")
}

fn window(o: &ListedOverride, tz: Tz, long: bool) -> String {
    let d = |t: DateTime<Utc>| {
        let t = t.with_timezone(&tz);
        if long {
            t.format("%d %b %Y %H:%M").to_string()
        } else {
            t.format("%d %b").to_string()
        }
    };
    match (o.over.rule.valid_from, o.over.rule.valid_until) {
        (None, None) => "always".into(),
        (Some(f), None) => format!("from {}", d(f)),
        (None, Some(u)) => format!("until {}", d(u)),
        (Some(f), Some(u)) => format!("{}–{}", d(f), d(u)),
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Overrides, theme: &Theme, tz: Tz) {
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(6), Constraint::Length(7)]).areas(area);
    draw_list(f, list_area, s, theme, tz);
    draw_detail(f, detail_area, s, theme, tz);
}

fn draw_list(f: &mut Frame, area: Rect, s: &mut Overrides, theme: &Theme, tz: Tz) {
    let active = s.rows.iter().filter(|o| o.over.rule.active).count();
    let mut title = format!(" Overrides — {active} active");
    if s.include_inactive {
        title.push_str(&format!(", {} inactive shown", s.rows.len() - active));
    } else {
        title.push_str(" · i shows inactive ones");
    }
    if !s.list.filter.is_empty() {
        title.push_str(&format!(" · filter: {}", sanitize::line(&s.list.filter)));
    }
    title.push(' ');
    let block = Block::bordered().title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < 2 {
        return;
    }
    let wide = inner.width >= 120;
    // Fixed: marker 2, level 7, status 8, valid 14, active 9 (+ created 26 when wide).
    let fixed = 2 + 7 + 8 + 14 + 9 + if wide { 26 } else { 0 };
    let rest = (inner.width as usize).saturating_sub(fixed + 2);
    let (aw, mw) = (rest / 2, rest - rest / 2);
    let mut header = format!(
        "  {:<6} {:<aw$} {:<7} {:<mw$} {:<13} {:<8}",
        "Level", "Applies to", "Status", "Message", "Valid", "Active"
    );
    if wide {
        header.push_str(&format!(" {:<25}", "Created"));
    }
    let mut lines = vec![Line::styled(header, theme.dim())];
    let vis = s.visible();
    let height = inner.height.saturating_sub(1) as usize;
    let offset = s.list.scroll(height, vis.len());
    for (pos, idx) in vis.iter().enumerate().skip(offset).take(height) {
        let Some(o) = s.rows.get(*idx) else { continue };
        let cursor = pos == s.list.cursor;
        let r = &o.over.rule;
        let plain = if r.active {
            ratatui::style::Style::default()
        } else {
            theme.dim()
        };
        let mut spans = vec![
            Span::raw(if cursor {
                format!("{} ", theme.cursor())
            } else {
                "  ".into()
            }),
            Span::styled(format!("{} ", fit(r.level.as_str(), 6)), plain),
            Span::styled(format!("{} ", fit(&applies_to(o), aw)), plain),
            Span::styled(format!("{} ", fit(status(o), 7)), plain),
            Span::styled(format!("{} ", fit(&message(o), mw)), plain),
            Span::styled(format!("{} ", fit(&window(o, tz, false), 13)), plain),
            Span::styled(
                format!("{:<8}", if r.active { "active" } else { "inactive" }),
                if r.active { theme.ok() } else { theme.dim() },
            ),
        ];
        if wide {
            spans.push(Span::styled(
                format!(
                    " {}",
                    fit(
                        &format!(
                            "{} {}",
                            o.over.created_by,
                            o.over.created_at.with_timezone(&tz).format("%d %b %H:%M")
                        ),
                        25
                    )
                ),
                theme.dim(),
            ));
        }
        let mut line = Line::from(spans);
        if cursor {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if vis.is_empty() && s.loaded {
        lines.push(Line::styled(
            if !s.list.filter.is_empty() {
                "  No override matches the filter (Esc clears it)."
            } else {
                "  No overrides: o on a run in Run Checks (3) treats its reports as success."
            },
            theme.dim(),
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_detail(f: &mut Frame, area: Rect, s: &Overrides, theme: &Theme, tz: Tz) {
    let Some(o) = s.current() else {
        f.render_widget(Block::bordered(), area);
        return;
    };
    let r = &o.over.rule;
    let label = |l: &str| Span::styled(format!("{l:<10}"), theme.dim());
    let mut lines = vec![
        Line::from(vec![
            label("Applies"),
            Span::raw(format!(
                "{} · status {} · {}",
                sanitize::line(&applies_to(o)),
                status(o),
                if r.treat_as_success {
                    "treated as Success (override)"
                } else {
                    "exception: keeps matching problems visible"
                }
            )),
        ]),
        Line::from(vec![
            label("Message"),
            Span::raw(sanitize::line(&message(o))),
        ]),
        Line::from(vec![
            label("Valid"),
            Span::raw(format!(
                "{} · created by {} {}{}",
                window(o, tz, true),
                sanitize::line(&o.over.created_by),
                o.over
                    .created_at
                    .with_timezone(&tz)
                    .format("%d %b %Y %H:%M"),
                o.over
                    .updated_at
                    .map(|t| format!(
                        " · changed {}",
                        t.with_timezone(&tz).format("%d %b %Y %H:%M")
                    ))
                    .unwrap_or_default()
            )),
        ]),
    ];
    if let Some(c) = o.over.comment.as_deref().filter(|c| !c.trim().is_empty()) {
        lines.push(Line::from(vec![
            label("Comment"),
            Span::raw(sanitize::line(c)),
        ]));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(Span::styled(
                format!(
                    " Override {} — {} ",
                    r.id,
                    if r.active { "active" } else { "inactive" }
                ),
                theme.title(),
            ))),
        area,
    );
}
