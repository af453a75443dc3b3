//! Feedback (`:feedback`): the team's suggestion box. Items ranked by votes, then the newest,
//! filtered by kind and status; Enter opens one with its context, attachments and replies, and
//! Enter on a screen capture shows it as it was, in colour, scrollable.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, Move, PaneInfo, PaneView};
use crate::db::feedback::{self, AttachmentInfo, Detail, Item};
use crate::domain::feedback::{Kind, SCREEN_TYPE, Status, human_size};
use crate::tui::action::Action;
use crate::tui::keymap::{self, Command, Context};
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::screen_capture;
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use sqlx::PgPool;

/// Which statuses the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StatusFilter {
    /// Open and planned: what is still to be done.
    #[default]
    Active,
    Only(Status),
    All,
}

impl StatusFilter {
    /// The next one `o` switches to.
    pub fn next(self) -> StatusFilter {
        match self {
            StatusFilter::Active => StatusFilter::Only(Status::Open),
            StatusFilter::Only(Status::Open) => StatusFilter::Only(Status::Planned),
            StatusFilter::Only(Status::Planned) => StatusFilter::Only(Status::Done),
            StatusFilter::Only(Status::Done) => StatusFilter::Only(Status::Declined),
            StatusFilter::Only(Status::Declined) => StatusFilter::All,
            StatusFilter::All => StatusFilter::Active,
        }
    }

    pub fn shows(self, s: Status) -> bool {
        match self {
            StatusFilter::Active => s.active(),
            StatusFilter::Only(o) => o == s,
            StatusFilter::All => true,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Active => "open and planned",
            StatusFilter::Only(s) => s.name(),
            StatusFilter::All => "every status",
        }
    }
}

/// The kind filter `f` steps through: every kind, then each.
pub fn next_kind(k: Option<Kind>) -> Option<Kind> {
    match k {
        None => Some(Kind::Bug),
        Some(Kind::Bug) => Some(Kind::Idea),
        Some(Kind::Idea) => Some(Kind::Question),
        Some(Kind::Question) => None,
    }
}

/// A capture open in the capture view.
#[derive(Debug, Clone)]
pub struct CaptureView {
    pub attachment_id: i64,
    pub name: String,
    pub screen: Buffer,
    /// Columns and rows scrolled.
    pub scroll: (u16, u16),
}

/// What a load of the pane brings back.
#[derive(Debug)]
pub enum FeedbackData {
    List {
        deleted: bool,
        items: Vec<Item>,
    },
    Detail(Box<Detail>),
    Capture(Box<CaptureView>),
    /// A stored capture that cannot be read: said, and the detail stays.
    Unreadable(String),
}

#[derive(Debug, Default)]
pub struct Feedback {
    pub items: Vec<Item>,
    pub loaded: bool,
    pub list: ListState,
    pub kind: Option<Kind>,
    pub status: StatusFilter,
    /// Deleted items instead (admins).
    pub deleted: bool,
    /// The item open in the detail view, and what was read of it.
    pub open: Option<i64>,
    pub detail: Option<Detail>,
    /// The attachment under the cursor in the detail view.
    pub attachment: usize,
    /// Lines the detail text is scrolled.
    pub scroll: u16,
    /// The capture asked for, until it is loaded into `capture`.
    pub want_capture: Option<i64>,
    pub capture: Option<CaptureView>,
}

impl Feedback {
    /// Indices of the items shown (kind, status and text filter applied).
    pub fn visible(&self) -> Vec<usize> {
        self.items
            .iter()
            .enumerate()
            .filter(|(_, i)| self.kind.is_none_or(|k| i.kind == k))
            .filter(|(_, i)| self.deleted || self.status.shows(i.status))
            .filter(|(_, i)| {
                list::matches(
                    &self.list.filter,
                    &[&i.title, &i.body, &i.author, i.kind.name(), i.status.name()],
                )
            })
            .map(|(n, _)| n)
            .collect()
    }

    /// The item under the cursor, or the one open.
    pub fn current(&self) -> Option<&Item> {
        if let Some(d) = &self.detail
            && self.open == Some(d.item.id)
        {
            return Some(&d.item);
        }
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| self.items.get(*i))
    }

    /// The attachment under the cursor of the detail view.
    pub fn current_attachment(&self) -> Option<&AttachmentInfo> {
        self.open?;
        self.detail
            .as_ref()
            .and_then(|d| d.attachments.get(self.attachment))
    }

    pub fn set_items(&mut self, deleted: bool, items: Vec<Item>) {
        if deleted != self.deleted {
            return;
        }
        self.items = items;
        self.loaded = true;
        let n = self.visible().len();
        self.list.clamp(n);
    }

    /// Opens the item (its detail loads next).
    pub fn open_item(&mut self, id: i64) {
        if self.open != Some(id) {
            self.detail = None;
            self.attachment = 0;
            self.scroll = 0;
        }
        self.open = Some(id);
    }

    fn close_item(&mut self) {
        self.open = None;
        self.detail = None;
        self.capture = None;
        self.want_capture = None;
    }

    pub fn toggle_deleted(&mut self) {
        self.deleted = !self.deleted;
        self.items.clear();
        self.loaded = false;
        self.list.cursor = 0;
        self.close_item();
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Feedback,
    command: "feedback",
    number: None,
    title: "Feedback",
    short_title: "Fbk",
    context: Context::Feedback,
    needs: crate::domain::roles::Capability::Feedback,
    // Reached by :feedback or the capture key; it gives up its tab first at 80 columns.
    tab_when_narrow: false,
};

impl PaneView for Feedback {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn context(&self) -> Context {
        if self.capture.is_some() {
            Context::FeedbackCapture
        } else {
            Context::Feedback
        }
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        let mut loads: Vec<Load> = vec![Box::pin(load_list(cx.pool.clone(), self.deleted))];
        if let Some(id) = self.open {
            loads.push(Box::pin(load_detail(cx.pool.clone(), id)));
        }
        if let Some(id) = self.want_capture {
            loads.push(Box::pin(load_capture(cx.pool.clone(), id)));
        }
        loads
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

    fn deeper(&self) -> bool {
        self.open.is_some()
    }

    fn back(&mut self) {
        if self.capture.is_some() {
            self.capture = None;
        } else if self.open.is_some() {
            self.close_item();
        } else {
            super::pane::clear_marks_or_filter(&mut self.list);
        }
    }

    fn open(&mut self) -> Vec<Follow> {
        if self.capture.is_some() {
            return Vec::new();
        }
        if self.open.is_some() {
            // Enter on an attachment: a capture is shown, a file is saved.
            return match self.current_attachment() {
                Some(a) if a.media_type == SCREEN_TYPE => {
                    self.want_capture = Some(a.id);
                    vec![Follow::ReloadPane(Pane::Feedback)]
                }
                Some(_) => vec![Follow::SaveAttachment],
                None => vec![Follow::Toast("this item has no attachment".into())],
            };
        }
        match self.current().map(|i| i.id) {
            Some(id) => {
                self.open_item(id);
                vec![Follow::ReloadPane(Pane::Feedback)]
            }
            None => Vec::new(),
        }
    }

    fn move_cursor(&mut self, m: Move) -> Vec<Follow> {
        if let Some(c) = &mut self.capture {
            let step = |s: &mut u16, by: u16, up: bool| {
                *s = if up {
                    s.saturating_sub(by)
                } else {
                    s.saturating_add(by)
                }
            };
            let max_y = c.screen.area.height.saturating_sub(1);
            match m {
                Move::Up => step(&mut c.scroll.1, 1, true),
                Move::Down => step(&mut c.scroll.1, 1, false),
                Move::PageUp => step(&mut c.scroll.1, 10, true),
                Move::PageDown => step(&mut c.scroll.1, 10, false),
                Move::Top => c.scroll = (0, 0),
                Move::Bottom => c.scroll.1 = max_y,
            }
            c.scroll.1 = c.scroll.1.min(max_y);
            return Vec::new();
        }
        if self.open.is_some() {
            let n = self.detail.as_ref().map_or(0, |d| d.attachments.len());
            match m {
                Move::Up => self.attachment = self.attachment.saturating_sub(1),
                Move::Down => self.attachment = (self.attachment + 1).min(n.saturating_sub(1)),
                other => other.scroll(&mut self.scroll),
            }
            return Vec::new();
        }
        let len = self.row_count();
        m.apply(&mut self.list, len);
        Vec::new()
    }

    fn cursor_words(&self) -> Option<String> {
        self.current().map(|i| format!("#{} {}", i.id, i.title))
    }

    fn loaded(&mut self, data: Box<dyn std::any::Any + Send>) -> Vec<Follow> {
        match data.downcast::<FeedbackData>().map(|d| *d) {
            Ok(FeedbackData::List { deleted, items }) => self.set_items(deleted, items),
            Ok(FeedbackData::Detail(d)) => {
                if self.open == Some(d.item.id) {
                    self.attachment = self.attachment.min(d.attachments.len().saturating_sub(1));
                    self.detail = Some(*d);
                }
            }
            Ok(FeedbackData::Capture(c)) => {
                if self.want_capture == Some(c.attachment_id) {
                    self.want_capture = None;
                    self.capture = Some(*c);
                }
            }
            Ok(FeedbackData::Unreadable(e)) => {
                self.want_capture = None;
                return vec![Follow::Toast(e)];
            }
            Err(_) => tracing::warn!("the Feedback pane was handed a load result not its own"),
        }
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        if let Some(c) = &self.capture {
            draw_capture(f, area, c, cx);
        } else if self.open.is_some() {
            draw_detail(f, area, self, cx);
        } else {
            draw_list(f, area, self, cx);
        }
    }
}

pub async fn load_list(pool: PgPool, deleted: bool) -> Action {
    match feedback::list(&pool, deleted).await {
        Ok(items) => Action::PaneLoaded(
            Pane::Feedback,
            Box::new(FeedbackData::List { deleted, items }),
        ),
        Err(e) => crate::tui::action::load_failed("loading the feedback", e),
    }
}

pub async fn load_detail(pool: PgPool, id: i64) -> Action {
    match feedback::detail(&pool, id).await {
        Ok(d) => Action::PaneLoaded(Pane::Feedback, Box::new(FeedbackData::Detail(Box::new(d)))),
        Err(e) => crate::tui::action::load_failed("loading the feedback item", e),
    }
}

pub async fn load_capture(pool: PgPool, id: i64) -> Action {
    let a = match feedback::attachment(&pool, id).await {
        Ok(a) => a,
        Err(e) => return crate::tui::action::load_failed("loading the screen capture", e),
    };
    let data = match screen_capture::decode(&a.data) {
        Ok(screen) => FeedbackData::Capture(Box::new(CaptureView {
            attachment_id: a.id,
            name: a.name,
            screen,
            scroll: (0, 0),
        })),
        Err(e) => FeedbackData::Unreadable(format!("{}: {e}", a.name)),
    };
    Action::PaneLoaded(Pane::Feedback, Box::new(data))
}

fn day(at: chrono::DateTime<chrono::Utc>, tz: Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn kind_style(k: Kind, cx: &DrawContext) -> Style {
    match k {
        Kind::Bug => cx.theme.error(),
        Kind::Idea => cx.theme.ok(),
        Kind::Question => cx.theme.attention(),
    }
}

fn draw_list(f: &mut Frame, area: Rect, s: &mut Feedback, cx: &DrawContext) {
    let (theme, tz) = (cx.theme, cx.tz);
    let vis = s.visible();
    let kind = s.kind.map_or("every kind", Kind::name);
    let base = if s.deleted {
        format!(" Feedback — deleted items ({}) ", s.items.len())
    } else {
        format!(
            " Feedback — {kind}, {} ({} of {}) · most votes first ",
            s.status.label(),
            vis.len(),
            s.items.len()
        )
    };
    let title = table::title(&base, &s.list.filter, 0, "");
    let columns = vec![
        Column::new("#", Width::Fixed(5), |i: &Item| Cell::raw(i.id.to_string())).gap(0),
        Column::new("Votes", Width::Fixed(5), |i: &Item| {
            Cell::raw(format!("{}{}", i.votes, if i.voted { "*" } else { "" }))
        }),
        Column::new("Kind", Width::Fixed(8), move |i: &Item| {
            Cell::styled(i.kind.name(), kind_style(i.kind, cx))
        }),
        Column::new("Status", Width::Fixed(8), |i: &Item| {
            Cell::raw(i.status.name())
        }),
        Column::new("Title", Width::Share(1), |i: &Item| {
            Cell::raw(sanitize::line(&i.title))
        }),
        Column::new("By", Width::Fixed(10), |i: &Item| {
            Cell::raw(sanitize::line(&i.author))
        }),
        Column::new("Re", Width::Fixed(3), |i: &Item| {
            Cell::raw(i.replies.to_string())
        }),
        Column::new("Created", Width::Fixed(16), move |i: &Item| {
            Cell::styled(day(i.created_at, tz), theme.dim())
        }),
    ];
    let empty = if s.deleted {
        "  No deleted feedback.".to_string()
    } else {
        format!(
            "  No feedback here. {} writes an item; {} captures the screen into one from any pane.",
            keymap::key_of(Context::Feedback, Command::NewFeedback),
            keymap::key_of(Context::Global, Command::CaptureScreen)
        )
    };
    let mut t = ListTable::new(title, |i: &Item| i.id, columns);
    if s.loaded {
        t = t.empty(&empty, theme.dim());
    }
    t.draw(f, area, theme, &mut s.list, &s.items, &vis);
}

fn draw_detail(f: &mut Frame, area: Rect, s: &Feedback, cx: &DrawContext) {
    let theme = cx.theme;
    let block = Block::bordered().title(Span::styled(
        " Feedback item · Enter shows or saves the attachment · Esc back ",
        theme.title(),
    ));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(d) = &s.detail else {
        f.render_widget(Paragraph::new("loading…"), inner);
        return;
    };
    let i = &d.item;
    let label = |t: &str| Span::styled(format!("{t:<9}"), theme.dim());
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("#{} ", i.id), theme.dim()),
            Span::styled(sanitize::line(&i.title), theme.title()),
        ]),
        Line::from(vec![
            label("kind"),
            Span::styled(i.kind.name(), kind_style(i.kind, cx)),
            Span::raw(format!(
                " · {} · {} vote{}{}",
                i.status,
                i.votes,
                if i.votes == 1 { "" } else { "s" },
                if i.voted { " (yours among them)" } else { "" }
            )),
        ]),
        Line::from(vec![
            label("by"),
            Span::raw(format!(
                "{}{} · {}{}",
                sanitize::line(&i.author),
                i.operator
                    .as_deref()
                    .filter(|o| *o != i.author)
                    .map(|o| format!(" ({})", sanitize::line(o)))
                    .unwrap_or_default(),
                day(i.created_at, cx.tz),
                if i.updated_at > i.created_at {
                    format!(" · changed {}", day(i.updated_at, cx.tz))
                } else {
                    String::new()
                }
            )),
        ]),
        Line::from(vec![
            label("context"),
            Span::raw(sanitize::line(&i.context.summary())),
        ]),
    ];
    if let Some(at) = i.deleted_at {
        lines.push(Line::styled(
            format!("deleted {}", day(at, cx.tz)),
            theme.error(),
        ));
    }
    lines.push(Line::raw(""));
    for l in sanitize::text(&i.body).lines() {
        lines.push(Line::raw(l.to_string()));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("Attachments ({})", d.attachments.len()),
        theme.title(),
    ));
    for (n, a) in d.attachments.iter().enumerate() {
        let what = if a.media_type == SCREEN_TYPE {
            "screen capture".to_string()
        } else {
            a.media_type.clone()
        };
        let text = format!(
            "{} {} · {what} · {}",
            if n == s.attachment {
                theme.cursor()
            } else {
                " "
            },
            sanitize::line(&a.name),
            human_size(usize::try_from(a.size).unwrap_or(0))
        );
        lines.push(if n == s.attachment {
            Line::styled(text, theme.selected())
        } else {
            Line::raw(text)
        });
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("Replies ({})", d.replies.len()),
        theme.title(),
    ));
    for r in &d.replies {
        lines.push(Line::from(vec![Span::styled(
            format!(
                "{} · {}",
                sanitize::line(&r.author),
                day(r.created_at, cx.tz)
            ),
            theme.dim(),
        )]));
        for l in sanitize::text(&r.body).lines() {
            lines.push(Line::raw(format!("  {l}")));
        }
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((s.scroll, 0)),
        inner,
    );
}

fn draw_capture(f: &mut Frame, area: Rect, c: &CaptureView, cx: &DrawContext) {
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let (w, h) = (c.screen.area.width, c.screen.area.height);
    f.render_widget(
        Paragraph::new(Line::styled(
            format!(
                " {} · {w}×{h} · from column {} row {} · arrows scroll · Esc back",
                sanitize::line(&c.name),
                c.scroll.0 + 1,
                c.scroll.1 + 1
            ),
            cx.theme.title(),
        )),
        top,
    );
    screen_capture::draw(f.buffer_mut(), rest, &c.screen, c.scroll);
}

/// Scrolls the capture view sideways.
pub fn scroll_sideways(c: &mut CaptureView, right: bool) {
    let max = c.screen.area.width.saturating_sub(1);
    c.scroll.0 = if right {
        c.scroll.0.saturating_add(8).min(max)
    } else {
        c.scroll.0.saturating_sub(8)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_filter_goes_round() {
        let mut s = StatusFilter::default();
        let mut seen = vec![s];
        for _ in 0..5 {
            s = s.next();
            seen.push(s);
        }
        assert_eq!(seen.last(), Some(&StatusFilter::All));
        assert_eq!(s.next(), StatusFilter::Active);
        assert!(StatusFilter::Active.shows(Status::Planned));
        assert!(!StatusFilter::Active.shows(Status::Declined));
        assert_eq!(next_kind(Some(Kind::Question)), None);
    }
}
