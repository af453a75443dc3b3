//! Overrides (pane 7): the rules that turn matching reports into Success (override), with what
//! they apply to, what they match and when; `x` deactivates one (unreviewed runs are
//! re-evaluated), `i` shows the inactive ones too.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::overrides::ListedOverride;
use crate::domain::overrides::{MatchMode, OverrideLevel};
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
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

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Overrides,
    command: "overrides",
    number: Some(7),
    title: "Overrides",
    short_title: "Ovr",
    context: Context::Overrides,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Overrides {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        vec![Box::pin(load(cx.pool.clone(), self.include_inactive))]
    }

    fn list(&self) -> &ListState {
        &self.list
    }

    fn list_mut(&mut self) -> &mut ListState {
        &mut self.list
    }

    fn row_count(&self) -> usize {
        self.visible().len()
    }

    /// Run Checks filtered to the jobs the rule applies to.
    fn open(&mut self) -> Vec<Follow> {
        let filter = self.current().map(|o| match &o.over.rule.level {
            OverrideLevel::Global {
                software,
                backup_type,
            } => format!("{software} {backup_type}"),
            _ => format!(
                "{} {}",
                o.customer_name.as_deref().unwrap_or(""),
                o.job_name.as_deref().unwrap_or("")
            ),
        });
        filter
            .map(|f| vec![Follow::ShowInRunChecks(f)])
            .unwrap_or_default()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx.theme, cx.tz)
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
        Err(e) => crate::tui::action::load_failed("loading Overrides", e),
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
    let suffix = if s.include_inactive {
        format!(", {} inactive shown", s.rows.len() - active)
    } else {
        format!(
            " · {} shows inactive ones",
            keymap::key_of(keymap::Context::Overrides, keymap::Command::IncludeInactive)
        )
    };
    let base = format!(" Overrides — {active} active{suffix}");
    let title = table::title(&base, &s.list.filter, 0, "");
    let w = area.width.saturating_sub(2) as usize;
    let mut table = ListTable::new(
        title,
        |o: &ListedOverride| o.over.rule.id,
        columns(theme, tz, w),
    );
    if s.loaded {
        table = table.empty(
            if !s.list.filter.is_empty() {
                "  No override matches the filter (Esc clears it)."
            } else {
                "  No overrides: o on a run in Run Checks (3) treats its reports as success."
            },
            theme.dim(),
        );
    }
    let vis = s.visible();
    table.draw(f, area, theme, &mut s.list, &s.rows, &vis);
}

/// Inactive overrides are dimmed.
fn plain(theme: &Theme, o: &ListedOverride) -> Style {
    if o.over.rule.active {
        Style::default()
    } else {
        theme.dim()
    }
}

/// Level, what it applies to, status, message, validity and state; who created it when the list
/// is at least 120 columns wide.
fn columns(theme: &Theme, tz: Tz, w: usize) -> Vec<Column<'_, ListedOverride>> {
    let wide = w >= 120;
    // Fixed: marker 2, level 7, status 8, valid 14, active 9 (+ created 26 when wide); what it
    // applies to takes half of the rest, the message the other half.
    let fixed = 2 + 7 + 8 + 14 + 9 + if wide { 26 } else { 0 };
    let aw = w.saturating_sub(fixed + 2) / 2;
    let text = |header: &str, width: Width, get: fn(&ListedOverride) -> String| {
        Column::new(header, width, move |o: &ListedOverride| {
            Cell::styled(get(o), plain(theme, o))
        })
    };
    let mut cols = vec![
        text("Level", Width::Fixed(6), |o| {
            o.over.rule.level.as_str().into()
        })
        .gap(0),
        text("Applies to", Width::Fixed(aw), applies_to),
        text("Status", Width::Fixed(7), |o| status(o).into()),
        text("Message", Width::Share(1), message),
        Column::new("Valid", Width::Fixed(13), move |o: &ListedOverride| {
            Cell::styled(window(o, tz, false), plain(theme, o))
        }),
        Column::new("Active", Width::Fixed(8), move |o: &ListedOverride| {
            if o.over.rule.active {
                Cell::styled("active", theme.ok())
            } else {
                Cell::styled("inactive", theme.dim())
            }
        }),
    ];
    if wide {
        cols.push(Column::new(
            "Created",
            Width::Fixed(25),
            move |o: &ListedOverride| {
                let at = o.over.created_at.with_timezone(&tz).format("%d %b %H:%M");
                Cell::styled(format!("{} {at}", o.over.created_by), theme.dim())
            },
        ));
    }
    cols
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
