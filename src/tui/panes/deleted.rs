//! The deleted view of Customers and Jobs: what was deleted (soft), to restore or, for an
//! admin, to remove for good. The pane that holds it switches to it and back.

use super::Pane;
use crate::db::deletion::{self, Deleted, Kind};
use crate::tui::action::Action;
use crate::tui::list::{self, ListState};
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use crate::tui::theme::Theme;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;
use sqlx::PgPool;

#[derive(Debug)]
pub struct DeletedView {
    pub kind: Kind,
    pub rows: Vec<Deleted>,
    pub list: ListState,
    pub loaded: bool,
}

impl DeletedView {
    pub fn new(kind: Kind) -> DeletedView {
        DeletedView {
            kind,
            rows: Vec::new(),
            list: ListState::default(),
            loaded: false,
        }
    }

    pub fn visible(&self) -> Vec<usize> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, d)| list::matches(&self.list.filter, &[&d.name]))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<&Deleted> {
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| self.rows.get(*i))
    }

    /// Replaces the rows, keeping the cursor on the same one.
    pub fn set_rows(&mut self, rows: Vec<Deleted>) {
        let keep = self.current().map(|d| d.id);
        self.rows = rows;
        self.loaded = true;
        let ids: Vec<i64> = self
            .visible()
            .into_iter()
            .filter_map(|i| self.rows.get(i).map(|d| d.id))
            .collect();
        self.list.follow(keep, ids.iter().copied());
        self.list.clamp(ids.len());
    }

    /// Takes a load result of [`load`]; false when it was something else.
    pub fn take(&mut self, data: Box<dyn std::any::Any + Send>) -> bool {
        match data.downcast::<Vec<Deleted>>() {
            Ok(rows) => {
                self.set_rows(*rows);
                true
            }
            Err(_) => false,
        }
    }

    pub fn draw(&mut self, f: &mut Frame, area: Rect, theme: &Theme, tz: Tz, back: &str) {
        let noun = match self.kind {
            Kind::Customer => "customers",
            Kind::Job => "jobs",
        };
        let base = format!(
            " {} — deleted {noun} ({}) · U restore · X remove for good · {back} back",
            match self.kind {
                Kind::Customer => "Customers",
                Kind::Job => "Jobs",
            },
            self.rows.len()
        );
        let title = table::title(&base, &self.list.filter, 0, "");
        let vis = self.visible();
        let cols = vec![
            Column::new("Name", Width::Share(1), |d: &Deleted| {
                Cell::raw(d.name.as_str())
            })
            .gap(0),
            Column::new("Deleted", Width::Fixed(17), move |d: &Deleted| {
                Cell::styled(
                    d.deleted_at
                        .with_timezone(&tz)
                        .format("%Y-%m-%d %H:%M")
                        .to_string(),
                    theme.dim(),
                )
            }),
        ];
        let mut t = ListTable::new(title, |d: &Deleted| d.id, cols);
        if self.loaded {
            t = t.empty(
                if self.list.filter.is_empty() {
                    "  Nothing is deleted."
                } else {
                    "  Nothing deleted matches the filter (Esc clears it)."
                },
                theme.dim(),
            );
        }
        t.draw(f, area, theme, &mut self.list, &self.rows, &vis);
    }
}

pub async fn load(pool: PgPool, kind: Kind, pane: Pane) -> Action {
    match deletion::deleted(&pool, kind).await {
        Ok(rows) => Action::PaneLoaded(pane, Box::new(rows)),
        Err(e) => crate::tui::action::load_failed("loading deleted rows", e),
    }
}
