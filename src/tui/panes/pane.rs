//! [`PaneView`]: what every pane answers, so that `App` and the view handle all panes alike.
//!
//! A new pane is:
//! - one file in `src/tui/panes/` (and its `pub mod` line) with its state, its loader, its
//!   `pub const INFO: PaneInfo` and its `impl PaneView`: the required methods are what it must
//!   provide, the provided ones fit a plain list. Its loader returns
//!   `Action::PaneLoaded(its id, its data)`, which comes back to its [`PaneView::loaded`];
//! - one line in [`super::registry`]'s `panes!` list: its id, field, state type and module
//!   (the tab order is the order of that list);
//! - its keymap rows: a `Context` with its title, the `Goto(Pane::…)` row with its number key,
//!   and the pane's own bindings (with their arms in `App::command`).
//!
//! What a pane cannot do on its own (load the runs of the cursor job, jump to another pane)
//! comes back as [`Follow`]s, which `App::follow` carries out.

use super::Pane;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::ListState;
use crate::tui::theme::Theme;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;
use sqlx::PgPool;
use std::future::Future;
use std::pin::Pin;

/// How long a pane stays out of sight before [`PaneView::release`] drops its rows: longer than
/// a glance at another pane and back, which then shows the rows at once.
pub const RELEASE_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// Rows a page key moves.
pub const PAGE: usize = 10;

/// Who a pane is: its number key, its tab titles and the keymap context of its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaneInfo {
    pub id: Pane,
    /// The `:` command that goes to the pane.
    pub command: &'static str,
    /// Its digit key; `None` for a pane reached only by its `:` command (ten digits, more panes).
    pub number: Option<u8>,
    pub title: &'static str,
    /// The tab label when the full titles do not fit (80 columns).
    pub short_title: &'static str,
    pub context: Context,
    /// What the seat's role needs to see the pane at all (hidden from the tab bar otherwise).
    pub needs: crate::domain::roles::Capability,
    /// Whether its tab stays when the titles must shorten (it always shows while it is open).
    pub tab_when_narrow: bool,
}

/// A background load; its result comes back as an [`Action`].
pub type Load = Pin<Box<dyn Future<Output = Action> + Send>>;

/// What a loader may need.
pub struct LoadContext {
    pub pool: PgPool,
    pub now: DateTime<Utc>,
    pub tz: Tz,
}

/// What drawing may need besides the pane's own state.
pub struct DrawContext<'a> {
    pub theme: &'a Theme,
    pub tz: Tz,
    /// Marks rows dated in the future (a sender's clock ahead).
    pub now: DateTime<Utc>,
}

/// A cursor key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
}

impl Move {
    /// Moves the cursor of a list of `len` rows.
    pub fn apply(self, list: &mut ListState, len: usize) {
        match self {
            Move::Up => list.up(1),
            Move::Down => list.down(1, len),
            Move::Top => list.cursor = 0,
            Move::Bottom => list.cursor = len.saturating_sub(1),
            Move::PageUp => list.up(PAGE),
            Move::PageDown => list.down(PAGE, len),
        }
    }

    /// Scrolls a text (a mail) instead: its end is unknown here, so `Bottom` stays put.
    pub fn scroll(self, s: &mut u16) {
        match self {
            Move::Up => *s = s.saturating_sub(1),
            Move::Down => *s = s.saturating_add(1),
            Move::PageUp => *s = s.saturating_sub(PAGE as u16),
            Move::PageDown => *s = s.saturating_add(PAGE as u16),
            Move::Top => *s = 0,
            Move::Bottom => {}
        }
    }
}

/// Work a pane asks of `App` because it reaches beyond the pane: other panes, the task set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// Run Checks: the runs of the cursor job (the cursor moved to another job).
    LoadRunsOfCursor,
    /// Run Checks: the detail of the cursor run, unless it is on screen already.
    LoadDetailOfCursor,
    /// Inbox: the mail under the cursor.
    LoadMailOfCursor,
    /// Everything again (the Inbox asks for its next page this way).
    Reload,
    /// This pane's loads only (the Inbox searches the database as its filter changes).
    ReloadPane(Pane),
    /// Run Checks on this job, its reviewed runs included.
    OpenInRunChecks(i64),
    /// Run Checks filtered with this text.
    ShowInRunChecks(String),
    /// Daily Jobs filtered with this text.
    ShowInDailyJobs(String),
    /// Jobs with the cursor on this job.
    ShowInJobs(i64),
    /// Jobs of this customer only, under a banner.
    ShowCustomerInJobs {
        id: i64,
        name: String,
    },
    /// The edit dialog of the cursor setting.
    EditSetting,
    /// Jobs: the history strips of these jobs.
    LoadJobStrips(Vec<i64>),
    /// Feedback: ask where to save the attachment under the cursor.
    SaveAttachment,
    Toast(String),
}

/// What `Esc` does to a list: the marks go first, then the filter.
pub fn clear_marks_or_filter(list: &mut ListState) {
    if list.marks.is_empty() {
        list.filter.clear();
        list.banner = None;
    } else {
        list.marks.clear();
    }
}

/// One pane of the interface. Every pane is a list: the keymap's `List` context (cursor keys,
/// Enter, Esc, `/`, Space) applies to all of them.
pub trait PaneView {
    fn info(&self) -> &'static PaneInfo;

    /// Read on every reload whatever pane is shown, because the top line counts it.
    fn always_loaded(&self) -> bool {
        false
    }

    /// When `y` has several values to copy (a run with several tickets): (value, what it is),
    /// the one [`PaneView::copy_value`] copies first. Fewer than two: no choice is offered.
    fn copy_choices(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// The keymap context of the pane as it stands (a pane with views of its own may switch).
    fn context(&self) -> Context {
        self.info().context
    }

    /// What a reload reads for this pane.
    fn loads(&self, cx: &LoadContext) -> Vec<Load>;

    /// The count its tab shows in the top line, if any.
    fn tab_count(&self) -> Option<i64> {
        None
    }

    /// The list the cursor keys, the filter and the marks work on.
    fn list(&self) -> &ListState;
    fn list_mut(&mut self) -> &mut ListState;

    /// Rows shown (the filter applied).
    fn row_count(&self) -> usize;

    /// The id `Space` marks: the cursor row's, in panes that have marks.
    fn mark_id(&self) -> Option<i64> {
        None
    }

    /// The ids `*` marks: every visible row's, in panes that have marks.
    fn mark_ids(&self) -> Vec<i64> {
        Vec::new()
    }

    /// Showing more than its list (a detail with the keys), which `q` and `Esc` leave first.
    fn deeper(&self) -> bool {
        false
    }

    /// `Esc`: clears the marks, else the filter.
    fn back(&mut self) {
        clear_marks_or_filter(self.list_mut());
    }

    /// Drops the rows of a pane that has been out of sight for [`RELEASE_AFTER`]: at 10,000 jobs
    /// the grids hold tens of megabytes. The cursor, filter and marks stay; the next visit loads
    /// the rows again (every visit does anyway).
    fn release(&mut self) {}

    /// Clears what another pane opened this one with (the banner and its filter).
    fn clear_opened(&mut self) {
        let list = self.list_mut();
        list.banner = None;
        list.filter.clear();
        list.cursor = 0;
    }

    /// `Enter`.
    fn open(&mut self) -> Vec<Follow>;

    /// A cursor key.
    fn move_cursor(&mut self, m: Move) -> Vec<Follow> {
        let len = self.row_count();
        m.apply(self.list_mut(), len);
        Vec::new()
    }

    /// The filter text changed: the cursor goes to the first match.
    fn filter_changed(&mut self) -> Vec<Follow> {
        self.list_mut().cursor = 0;
        Vec::new()
    }

    /// The cursor row in words, for the context of a feedback item ("Acme › Nightly").
    fn cursor_words(&self) -> Option<String> {
        None
    }

    /// What `y` copies, when there is something; the hint line offers it.
    fn copy_value(&self) -> Option<String> {
        None
    }

    /// What `y` says when there is nothing to copy.
    fn nothing_to_copy(&self) -> String {
        "nothing to copy here".into()
    }

    /// The mail `e` and `E` open.
    fn mail_id(&self) -> Option<i64> {
        None
    }

    /// Takes the result of one of its loads that came back as [`Action::PaneLoaded`] (what
    /// the loader put in is the pane's own business; anything else is ignored).
    fn loaded(&mut self, _data: Box<dyn std::any::Any + Send>) -> Vec<Follow> {
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext);
}
