//! Tickets & Remarks (pane 6): every open ticket and remark (resolved ones on request) with its
//! scopes, state and linked runs; `x` resolves, `y` copies a ticket code. `Tab` switches between
//! the two lists.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::scopes::ListedItem;
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::{Cell, Column, ListTable, Width};
use crate::tui::theme::Theme;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use sqlx::PgPool;

/// Which list the pane shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[default]
    Tickets,
    Remarks,
}

#[derive(Debug, Default)]
pub struct Tickets {
    pub kind: Kind,
    pub tickets: Vec<ListedItem>,
    pub remarks: Vec<ListedItem>,
    pub ticket_list: ListState,
    pub remark_list: ListState,
    pub include_resolved: bool,
    pub loaded: bool,
}

impl Tickets {
    pub fn rows(&self) -> &[ListedItem] {
        match self.kind {
            Kind::Tickets => &self.tickets,
            Kind::Remarks => &self.remarks,
        }
    }

    pub fn list(&self) -> &ListState {
        match self.kind {
            Kind::Tickets => &self.ticket_list,
            Kind::Remarks => &self.remark_list,
        }
    }

    pub fn list_mut(&mut self) -> &mut ListState {
        match self.kind {
            Kind::Tickets => &mut self.ticket_list,
            Kind::Remarks => &mut self.remark_list,
        }
    }

    pub fn visible(&self) -> Vec<usize> {
        let filter = &self.list().filter;
        self.rows()
            .iter()
            .enumerate()
            .filter(|(_, i)| {
                let scopes = i.scopes.join(" ");
                list::matches(
                    filter,
                    &[
                        i.code.as_deref().unwrap_or(""),
                        &i.text,
                        &scopes,
                        &i.created_by,
                    ],
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<&ListedItem> {
        self.visible()
            .get(self.list().cursor)
            .and_then(|i| self.rows().get(*i))
    }

    pub fn switch(&mut self) {
        self.kind = match self.kind {
            Kind::Tickets => Kind::Remarks,
            Kind::Remarks => Kind::Tickets,
        };
    }

    /// Replaces both lists, keeping each cursor on the same item.
    pub fn set_rows(&mut self, tickets: Vec<ListedItem>, remarks: Vec<ListedItem>) {
        let kind = self.kind;
        for (k, rows) in [(Kind::Tickets, tickets), (Kind::Remarks, remarks)] {
            self.kind = k;
            let keep = self.current().map(|i| i.id);
            match k {
                Kind::Tickets => self.tickets = rows,
                Kind::Remarks => self.remarks = rows,
            }
            let ids: Vec<i64> = self
                .visible()
                .into_iter()
                .filter_map(|i| self.rows().get(i).map(|r| r.id))
                .collect();
            let l = self.list_mut();
            l.follow(keep, ids.iter().copied());
            l.clamp(ids.len());
        }
        self.kind = kind;
        self.loaded = true;
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Tickets,
    command: "tickets",
    number: Some(6),
    title: "Tickets & Remarks",
    short_title: "Tkt",
    context: Context::Tickets,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Tickets {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        vec![Box::pin(load(cx.pool.clone(), self.include_resolved))]
    }

    fn list(&self) -> &ListState {
        Tickets::list(self)
    }

    fn list_mut(&mut self) -> &mut ListState {
        Tickets::list_mut(self)
    }

    fn row_count(&self) -> usize {
        self.visible().len()
    }

    /// Run Checks filtered to the jobs of the row.
    fn open(&mut self) -> Vec<Follow> {
        let filter = self.current().and_then(|i| i.scopes.first()).map(|s| {
            // `customer › job [› object]`: the queue filter matches customer and job.
            let s = s.trim_end_matches(" (resolved)");
            s.split(" › ").take(2).collect::<Vec<_>>().join(" ")
        });
        filter
            .map(|f| vec![Follow::ShowInRunChecks(f)])
            .unwrap_or_default()
    }

    fn copy_value(&self) -> Option<String> {
        self.current()
            .filter(|_| self.kind == Kind::Tickets)
            .and_then(|i| i.code.clone())
    }

    fn nothing_to_copy(&self) -> String {
        format!(
            "no ticket here ({} shows the tickets)",
            keymap::key_of(Context::Tickets, keymap::Command::SwitchList)
        )
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx.theme, cx.tz)
    }
}

pub async fn load(pool: PgPool, include_resolved: bool) -> Action {
    let tickets = crate::db::tickets::listed(&pool, include_resolved).await;
    let remarks = crate::db::remarks::listed(&pool, include_resolved).await;
    match (tickets, remarks) {
        (Ok(tickets), Ok(remarks)) => Action::TicketsLoaded {
            include_resolved,
            tickets,
            remarks,
        },
        (Err(e), _) | (_, Err(e)) => {
            crate::tui::action::load_failed("loading Tickets & Remarks", e)
        }
    }
}

/// Open, Deleted (gone from Autotask; no longer on new runs, resolved only here) or resolved.
fn state(i: &ListedItem, tz: Tz) -> String {
    match (i.resolved_at, i.autotask_deleted_at) {
        (None, None) => "open".into(),
        (None, Some(at)) => format!("deleted {}", at.with_timezone(&tz).format("%d %b")),
        (Some(at), _) => format!("resolved {}", at.with_timezone(&tz).format("%d %b")),
    }
}

fn scope_text(i: &ListedItem) -> String {
    if i.scopes.is_empty() {
        "—".into()
    } else {
        i.scopes.join(", ")
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Tickets, theme: &Theme, tz: Tz) {
    let (list_area, detail_area) = if area.width >= 120 {
        let [l, d] = Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)])
            .areas(area);
        (l, d)
    } else {
        let [l, d] = Layout::vertical([Constraint::Min(6), Constraint::Length(8)]).areas(area);
        (l, d)
    };
    draw_list(f, list_area, s, theme, tz);
    draw_detail(f, detail_area, s, theme, tz);
}

fn draw_list(f: &mut Frame, area: Rect, s: &mut Tickets, theme: &Theme, tz: Tz) {
    let tickets = s.kind == Kind::Tickets;
    let what = if tickets { "ticket" } else { "remark" };
    let empty = if !s.list().filter.is_empty() {
        format!("  No {what} matches the filter (Esc clears it).")
    } else if s.include_resolved {
        format!("  No {what}s yet: Run Checks (3) creates them.")
    } else {
        format!(
            "  No open {what}s · {} shows resolved ones · Run Checks ({}) creates them.",
            keymap::key_of(keymap::Context::Tickets, keymap::Command::IncludeResolved),
            keymap::key_of(
                keymap::Context::Global,
                keymap::Command::Goto(Pane::RunChecks)
            )
        )
    };
    let w = area.width.saturating_sub(2) as usize;
    let mut table = ListTable::new(
        String::new(),
        |i: &ListedItem| i.id,
        columns(theme, tz, tickets, w),
    )
    .title_line(list_title(s, theme));
    if s.loaded {
        table = table.empty(&empty, theme.dim());
    }
    let vis = s.visible();
    let (rows, list) = match s.kind {
        Kind::Tickets => (&s.tickets, &mut s.ticket_list),
        Kind::Remarks => (&s.remarks, &mut s.remark_list),
    };
    table.draw(f, area, theme, list, rows, &vis);
}

/// The two lists as tabs (the shown one highlighted), then the live filter.
fn list_title(s: &Tickets, theme: &Theme) -> Line<'static> {
    let open = |rows: &[ListedItem]| rows.iter().filter(|i| i.resolved_at.is_none()).count();
    let tab = |k: Kind, label: String| {
        if s.kind == k {
            Span::styled(label, theme.selected())
        } else {
            Span::styled(label, theme.dim())
        }
    };
    let mut title = vec![
        Span::raw(" "),
        tab(
            Kind::Tickets,
            format!(" Tickets {} open ", open(&s.tickets)),
        ),
        Span::raw(" "),
        tab(
            Kind::Remarks,
            format!(" Remarks {} open ", open(&s.remarks)),
        ),
        Span::styled(
            if s.include_resolved {
                " · resolved shown"
            } else {
                " · Tab switches"
            },
            theme.title(),
        ),
    ];
    if !s.list().filter.is_empty() {
        title.push(Span::styled(
            format!(" · filter: {}", sanitize::line(&s.list().filter)),
            theme.title(),
        ));
    }
    title.push(Span::raw(" "));
    Line::from(title)
}

/// Resolved items are dimmed.
fn plain(theme: &Theme, i: &ListedItem) -> Style {
    if i.resolved_at.is_none() {
        Style::default()
    } else {
        theme.dim()
    }
}

/// Code and Autotask flag (tickets) or text (remarks), state, active from, linked runs and
/// scope, for a list `w` columns wide.
fn columns(theme: &Theme, tz: Tz, tickets: bool, w: usize) -> Vec<Column<'_, ListedItem>> {
    let mut cols = if tickets {
        vec![
            Column::new("Code", Width::Fixed(15), move |i: &ListedItem| {
                Cell::styled(i.code.as_deref().unwrap_or(""), plain(theme, i))
            })
            .gap(0),
            Column::new("AT", Width::Fixed(2), move |i: &ListedItem| {
                let at = if i.autotask_ticket_id.is_some() {
                    "AT"
                } else {
                    ""
                };
                Cell::styled(at, theme.key())
            }),
        ]
    } else {
        // Marker 2, state 16, from 7, runs 5; the text takes half of the rest.
        let tw = w.saturating_sub(2 + 16 + 7 + 5 + 1) / 2;
        vec![
            Column::new("Remark", Width::Fixed(tw), move |i: &ListedItem| {
                Cell::styled(i.text.as_str(), plain(theme, i))
            })
            .gap(0),
        ]
    };
    cols.push(Column::new(
        "State",
        Width::Fixed(15),
        move |i: &ListedItem| {
            let style = if i.resolved_at.is_none() {
                theme.attention()
            } else {
                theme.dim()
            };
            Cell::styled(state(i, tz), style)
        },
    ));
    cols.push(Column::new(
        "From",
        Width::Fixed(6),
        move |i: &ListedItem| {
            Cell::styled(i.active_from.format("%d %b").to_string(), plain(theme, i))
        },
    ));
    cols.push(
        Column::new("Runs", Width::Fixed(4), move |i: &ListedItem| {
            Cell::styled(i.linked_runs.to_string(), plain(theme, i))
        })
        .right(),
    );
    cols.push(Column::new(
        "Scope",
        Width::Share(1),
        move |i: &ListedItem| Cell::styled(scope_text(i), plain(theme, i)),
    ));
    cols
}

fn draw_detail(f: &mut Frame, area: Rect, s: &Tickets, theme: &Theme, tz: Tz) {
    let Some(i) = s.current() else {
        f.render_widget(Block::bordered(), area);
        return;
    };
    let title = match &i.code {
        Some(code) => format!(" {} ", sanitize::line(code)),
        None => " Remark ".into(),
    };
    let label = |l: &str| Span::styled(format!("{l:<10}"), theme.dim());
    let mut lines = vec![Line::raw(if i.text.trim().is_empty() {
        "(no description)".to_string()
    } else {
        sanitize::text(&i.text)
    })];
    lines.push(Line::raw(""));
    if i.scopes.is_empty() {
        lines.push(Line::from(vec![label("Scope"), Span::raw("—")]));
    }
    for (n, scope) in i.scopes.iter().enumerate() {
        lines.push(Line::from(vec![
            label(if n == 0 { "Scope" } else { "" }),
            Span::raw(sanitize::line(scope)),
        ]));
    }
    lines.push(Line::from(vec![
        label("Created"),
        Span::raw(format!(
            "{} by {} · active from {}",
            i.created_at.with_timezone(&tz).format("%d %b %Y %H:%M"),
            sanitize::line(&i.created_by),
            i.active_from.format("%d %b %Y")
        )),
    ]));
    lines.push(Line::from(vec![
        label("State"),
        match (i.resolved_at, &i.resolved_by) {
            (None, _) if i.autotask_deleted_at.is_some() => Span::styled(
                format!(
                    "deleted in Autotask {}: new runs no longer get it",
                    i.autotask_deleted_at
                        .map(|at| at.with_timezone(&tz).format("%d %b %Y %H:%M").to_string())
                        .unwrap_or_default()
                ),
                theme.attention(),
            ),
            (None, _) => Span::styled("open: new runs of its scopes get it", theme.attention()),
            (Some(at), by) => Span::raw(format!(
                "resolved {}{}",
                at.with_timezone(&tz).format("%d %b %Y %H:%M"),
                by.as_deref()
                    .map(|b| format!(" by {}", sanitize::line(b)))
                    .unwrap_or_default()
            )),
        },
    ]));
    lines.push(Line::from(vec![
        label("Runs"),
        Span::raw(format!("linked to {}", i.linked_runs)),
    ]));
    if let Some(id) = i.autotask_ticket_id {
        lines.push(Line::from(vec![
            label("Autotask"),
            Span::raw(format!(
                "ticket {id}{}",
                match (i.resolved_at, i.autotask_deleted_at) {
                    (None, Some(_)) => format!(
                        " · gone from Autotask · {} resolves it here",
                        keymap::key_of(keymap::Context::Tickets, keymap::Command::Resolve)
                    ),
                    (None, None) => format!(
                        " · {} completes it in Autotask",
                        keymap::key_of(keymap::Context::Tickets, keymap::Command::Resolve)
                    ),
                    _ => String::new(),
                }
            )),
        ]));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(Span::styled(title, theme.title()))),
        area,
    );
}
