//! Inbox (pane 1): mail waiting for approval, unparsed mail with its reason, deleted mail.

use super::Pane;
use super::pane::{
    DrawContext, Follow, Load, LoadContext, Move, PaneInfo, PaneView, clear_marks_or_filter,
};
use crate::db::mail::{Mail, MailObject};
use crate::db::{self, DbError};
use crate::domain::missed::dated_ahead;
use crate::domain::run_status::RunStatus;
use crate::domain::status::Status;
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::{self, Cell, Column, ListTable, Width, fit};
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// Said next to the date of mail dated in the future.
pub const AHEAD_NOTE: &str =
    "  ⚠ dated in the future (sender's clock?): counts for no expected run until then";
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use sqlx::PgPool;

/// Rows fetched per page; the Inbox can hold thousands of mails.
pub const PAGE: i64 = 500;

#[derive(Debug)]
pub struct Inbox {
    pub rows: Vec<Mail>,
    pub list: ListState,
    /// Showing soft-deleted mail instead of waiting mail.
    pub deleted: bool,
    pub waiting: i64,
    /// Waiting mail no parser read, counted in the database (every page, not only this one).
    pub unparsed: i64,
    pub detail: Option<MailDetail>,
    /// The detail takes the screen (narrow terminals) or has the keys (wide ones).
    pub open: bool,
    pub scroll: u16,
    pub loaded: bool,
    /// Rows asked for: grows by a page when the cursor nears the end.
    pub limit: i64,
}

impl Default for Inbox {
    fn default() -> Inbox {
        Inbox {
            rows: Vec::new(),
            list: ListState::default(),
            deleted: false,
            waiting: 0,
            unparsed: 0,
            detail: None,
            open: false,
            scroll: 0,
            loaded: false,
            limit: PAGE,
        }
    }
}

#[derive(Debug, Clone)]
pub struct MailDetail {
    pub mail_id: i64,
    pub objects: Vec<MailObject>,
    pub text: String,
}

impl Inbox {
    pub fn visible(&self) -> Vec<usize> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                list::matches(
                    &self.list.filter,
                    &[
                        &m.from_address,
                        &m.subject,
                        m.backup_software.as_deref().unwrap_or(""),
                        m.job_name.as_deref().unwrap_or(""),
                        // `/failed`, `/unparsed`: the parse outcome as a word.
                        m.parsed_status
                            .as_deref()
                            .unwrap_or(if m.parser_name.is_none() {
                                "unparsed"
                            } else {
                                ""
                            }),
                    ],
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<&Mail> {
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| self.rows.get(*i))
    }

    pub fn set_counts(&mut self, counts: db::mail::WaitingCounts) {
        self.waiting = counts.waiting;
        self.unparsed = counts.unparsed;
    }

    pub fn set_rows(&mut self, rows: Vec<Mail>, deleted: bool, counts: db::mail::WaitingCounts) {
        let keep = if self.deleted == deleted {
            self.current().map(|m| m.id)
        } else {
            None
        };
        self.rows = rows;
        self.deleted = deleted;
        self.set_counts(counts);
        self.loaded = true;
        let ids: Vec<i64> = self
            .visible()
            .into_iter()
            .filter_map(|i| self.rows.get(i).map(|m| m.id))
            .collect();
        self.list.follow(keep, ids.iter().copied());
        self.list.clamp(ids.len());
        // Rows searched with a filter are not all the mail: marks outside it stay.
        if self.list.filter.trim().is_empty() {
            self.list.marks.retain(|id| ids.contains(id));
        }
    }

    /// Switches between waiting and deleted mail, from the top.
    pub fn toggle_deleted(&mut self) {
        self.deleted = !self.deleted;
        self.list = ListState::default();
        self.detail = None;
    }

    /// Shows a loaded mail, unless the cursor has left it meanwhile.
    pub fn set_detail(&mut self, detail: MailDetail) {
        if self.current().map(|m| m.id) == Some(detail.mail_id) {
            self.detail = Some(detail);
        }
    }

    /// Ids the row actions apply to: the marked rows, else the cursor row.
    pub fn targets(&self) -> Vec<i64> {
        if self.list.marks.is_empty() {
            self.current().map(|m| vec![m.id]).unwrap_or_default()
        } else {
            self.list.marks.iter().copied().collect()
        }
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Inbox,
    command: "inbox",
    number: Some(1),
    title: "Inbox",
    short_title: "Inbox",
    context: Context::Inbox,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Inbox {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    /// The top line counts the waiting mail.
    fn always_loaded(&self) -> bool {
        true
    }

    fn context(&self) -> Context {
        if self.deleted {
            Context::DeletedMail
        } else {
            Context::Inbox
        }
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        let filter = self.list.filter.clone();
        vec![Box::pin(load(
            cx.pool.clone(),
            self.deleted,
            filter,
            self.limit,
        ))]
    }

    fn tab_count(&self) -> Option<i64> {
        (self.waiting > 0).then_some(self.waiting)
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

    fn mark_id(&self) -> Option<i64> {
        self.current().map(|m| m.id)
    }

    fn mark_ids(&self) -> Vec<i64> {
        self.visible()
            .into_iter()
            .filter_map(|i| self.rows.get(i).map(|m| m.id))
            .collect()
    }

    fn deeper(&self) -> bool {
        self.open
    }

    fn back(&mut self) {
        if self.open {
            self.open = false;
        } else {
            clear_marks_or_filter(&mut self.list);
        }
    }

    fn open(&mut self) -> Vec<Follow> {
        self.open = self.current().is_some();
        Vec::new()
    }

    /// Scrolls the open mail, else moves in the list and shows the mail under the cursor.
    fn move_cursor(&mut self, m: Move) -> Vec<Follow> {
        if self.open {
            m.scroll(&mut self.scroll);
            return Vec::new();
        }
        let len = self.visible().len();
        m.apply(&mut self.list, len);
        let mut follows = Vec::new();
        // Fetch the next page when the cursor nears the end of what is loaded.
        if self.list.cursor + 50 >= self.rows.len() && self.rows.len() as i64 >= self.limit {
            self.limit += PAGE;
            follows.push(Follow::Reload);
        }
        follows.push(Follow::LoadMailOfCursor);
        follows
    }

    /// The filter searches every mail in the database, not only the rows loaded.
    fn filter_changed(&mut self) -> Vec<Follow> {
        self.list.cursor = 0;
        vec![Follow::LoadMailOfCursor, Follow::ReloadPane(Pane::Inbox)]
    }

    fn mail_id(&self) -> Option<i64> {
        self.current().map(|m| m.id)
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx.theme, cx.tz, cx.now)
    }
}

pub async fn load(pool: PgPool, deleted: bool, filter: String, limit: i64) -> Action {
    let words: Vec<String> = filter
        .to_lowercase()
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let rows = if deleted {
        db::mail::deleted_matching(&pool, &words, limit, 0).await
    } else {
        db::mail::waiting_matching(&pool, &words, limit, 0).await
    };
    let counts = db::mail::waiting_counts(&pool).await;
    match (rows, counts) {
        (Ok(rows), Ok(counts)) => Action::InboxLoaded {
            rows,
            deleted,
            filter,
            counts,
        },
        (Err(e), _) | (_, Err(e)) => crate::tui::action::load_failed("loading the Inbox", e),
    }
}

pub async fn load_detail(pool: PgPool, mail_id: i64) -> Action {
    async fn go(pool: &PgPool, mail_id: i64) -> Result<MailDetail, DbError> {
        let objects = db::mail::objects(pool, mail_id).await?;
        let text = match db::mail::source(pool, mail_id).await? {
            Some(src) => crate::tui::pager::detail_text(&src),
            None => String::new(),
        };
        Ok(MailDetail {
            mail_id,
            objects,
            text,
        })
    }
    match go(&pool, mail_id).await {
        Ok(d) => Action::MailDetailLoaded(Box::new(d)),
        Err(e) => crate::tui::action::load_failed("loading the mail", e),
    }
}

fn parsed_badge(m: &Mail, theme: &Theme) -> (String, Style) {
    match m.parsed_status.as_deref().and_then(Status::from_db) {
        Some(st) => {
            let rs = RunStatus::from_parsed(st, false);
            theme.badge(rs)
        }
        None if m.parse_error.is_some() => ("✖ error".into(), theme.error()),
        None => ("unparsed".into(), theme.dim()),
    }
}

fn reason(m: &Mail) -> String {
    if let Some(e) = &m.parse_error {
        format!("parse error: {e}")
    } else if let Some(r) = &m.unparsed_reason {
        // The reason says it all ("no parser recognises this mail", "too large: …").
        r.clone()
    } else if m.job_deleted {
        "job deleted".into()
    } else if m.informational {
        "informational".into()
    } else {
        "new job".into()
    }
}

/// `now` marks mail dated in the future (a sender's clock ahead).
pub fn draw(f: &mut Frame, area: Rect, s: &mut Inbox, theme: &Theme, tz: Tz, now: DateTime<Utc>) {
    if area.width >= 120 && !s.deleted {
        let [top, bottom] =
            Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
        draw_list(f, top, s, theme, tz, now);
        draw_detail(f, bottom, s, theme, tz, now);
    } else if s.open {
        draw_detail(f, area, s, theme, tz, now);
    } else {
        draw_list(f, area, s, theme, tz, now);
    }
}

fn draw_list(f: &mut Frame, area: Rect, s: &mut Inbox, theme: &Theme, tz: Tz, now: DateTime<Utc>) {
    let vis = s.visible();
    let unparsed = s.unparsed;
    let (base, suffix) = if s.deleted {
        (
            format!(" Inbox — deleted mail ({})", s.rows.len()),
            format!(
                " · {} restores · {} back",
                keymap::key_of(keymap::Context::DeletedMail, keymap::Command::Restore),
                keymap::key_of(keymap::Context::DeletedMail, keymap::Command::ShowDeleted)
            ),
        )
    } else {
        (
            format!(" Inbox — {} waiting ({unparsed} unparsed)", s.waiting),
            String::new(),
        )
    };
    let title = table::title(&base, &s.list.filter, s.list.marks.len(), &suffix);
    let w = area.width.saturating_sub(2) as usize;
    let mut table = ListTable::new(title, |m: &Mail| m.id, columns(theme, tz, now, w));
    if s.loaded {
        table = table.empty(
            if s.deleted {
                "  No deleted mail."
            } else {
                "  The Inbox is empty: every job is approved."
            },
            theme.ok(),
        );
    }
    table.draw(f, area, theme, &mut s.list, &s.rows, &vis);
}

/// Received (with "!" when dated in the future), sender, job or subject and parse status;
/// software, type and the parse result when the list is at least 100 columns wide.
fn columns(theme: &Theme, tz: Tz, now: DateTime<Utc>, w: usize) -> Vec<Column<'_, Mail>> {
    let narrow = w < 100;
    // Fixed: marker 2, received 14, status 11; each other column is followed by a space.
    let fw = if narrow {
        w.saturating_sub(2 + 14 + 11 + 2) / 3
    } else {
        w.saturating_sub(2 + 14 + 11 + 4 + 10 + 12 + 24) * 3 / 10
    };
    let text = |header: &str, width: Width, get: fn(&Mail) -> &str| {
        Column::new(header, width, move |m: &Mail| Cell::raw(get(m)))
    };
    let mut cols = vec![
        Column::new("Received", Width::Fixed(13), move |m: &Mail| {
            let at = m.received_at.with_timezone(&tz).format("%d %b %H:%M");
            if dated_ahead(m.received_at, now) {
                Cell::styled(format!("{at}!"), theme.error())
            } else {
                Cell::raw(at.to_string())
            }
        })
        .gap(0),
        text("From", Width::Fixed(fw), |m| &m.from_address),
    ];
    if !narrow {
        cols.push(text("Software", Width::Fixed(10), |m| {
            m.backup_software.as_deref().unwrap_or("—")
        }));
        cols.push(text("Type", Width::Fixed(12), |m| {
            m.backup_type.as_deref().unwrap_or("—")
        }));
    }
    let job: fn(&Mail) -> &str = |m| m.job_name.as_deref().unwrap_or(&m.subject);
    if narrow {
        cols.push(text("Job / subject", Width::Share(1), job));
    } else {
        let jw = w.saturating_sub(2 + 14 + 11 + 4 + 10 + 12 + 24) - fw;
        cols.push(text("Job / subject", Width::Fixed(jw), job));
    }
    cols.push(Column::new("Status", Width::Fixed(10), move |m: &Mail| {
        let (badge, style) = parsed_badge(m, theme);
        Cell::styled(badge, style)
    }));
    if !narrow {
        cols.push(Column::new("Parsed", Width::Share(1), move |m: &Mail| {
            Cell::styled(reason(m), theme.dim())
        }));
    }
    cols
}

fn draw_detail(
    f: &mut Frame,
    area: Rect,
    s: &mut Inbox,
    theme: &Theme,
    tz: Tz,
    now: DateTime<Utc>,
) {
    let block = Block::bordered().title(Span::styled(" Mail ", theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(m) = s.current().cloned() else {
        return;
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled("From      ", theme.dim()),
            Span::raw(sanitize::line(&m.from_address)),
        ]),
        Line::from(vec![
            Span::styled("Subject   ", theme.dim()),
            Span::raw(sanitize::line(&m.subject)),
        ]),
        Line::from(vec![
            Span::styled("Received  ", theme.dim()),
            Span::raw(
                m.received_at
                    .with_timezone(&tz)
                    .format("%a %d %b %Y %H:%M")
                    .to_string(),
            ),
            Span::styled(
                if dated_ahead(m.received_at, now) {
                    AHEAD_NOTE
                } else {
                    ""
                },
                theme.error(),
            ),
        ]),
        Line::from(vec![
            Span::styled("Parsed    ", theme.dim()),
            Span::raw(match (&m.parser_name, &m.backup_software) {
                (Some(p), Some(sw)) => format!(
                    "{sw} · {} · {} ({p})",
                    sanitize::line(m.backup_type.as_deref().unwrap_or("")),
                    sanitize::line(m.job_name.as_deref().unwrap_or(""))
                ),
                _ => sanitize::line(&reason(&m)),
            }),
        ]),
    ];
    if let Some(d) = s.detail.as_ref().filter(|d| d.mail_id == m.id) {
        if !d.objects.is_empty() {
            lines.push(Line::styled("Objects", theme.title()));
            for o in &d.objects {
                let st = Status::from_db(&o.status)
                    .map(|s| RunStatus::from_parsed(s, false))
                    .unwrap_or(RunStatus::Unknown);
                let (badge, style) = theme.badge(st);
                lines.push(Line::from(vec![
                    Span::raw(format!(
                        "  {} {} ",
                        fit(&o.name, 20),
                        fit(o.object_type.as_deref().unwrap_or(""), 8)
                    )),
                    Span::styled(format!("{badge:<11}"), style),
                    Span::raw(format!(
                        " {}",
                        o.message.as_deref().map(sanitize::line).unwrap_or_default()
                    )),
                ]));
            }
        }
        lines.push(Line::raw(""));
        for l in sanitize::text(&d.text).lines() {
            lines.push(Line::raw(l.to_string()));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((s.scroll, 0)),
        inner,
    );
}
