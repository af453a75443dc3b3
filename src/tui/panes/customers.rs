//! Customers (pane 5): every customer with its job count, active flag and Autotask company
//! mapping (`ok / renamed / missing / invalid`).

use super::Pane;
use super::deleted::{self, DeletedView};
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::autotask::mapping::MappingStatus;
use crate::db::customers::CustomerRow;
use crate::db::deletion::Kind;
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use crate::tui::theme::Theme;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;
use sqlx::PgPool;

#[derive(Debug, Default)]
pub struct Customers {
    pub rows: Vec<CustomerRow>,
    pub list: ListState,
    pub loaded: bool,
    /// The deleted customers, when shown instead (`D`).
    pub deleted: Option<DeletedView>,
}

/// The mapping as the pane shows it: no company is `missing` whatever was stored.
pub fn mapping_status(c: &CustomerRow) -> MappingStatus {
    match (c.autotask_company_id, c.autotask_mapping_status.as_deref()) {
        (None, _) => MappingStatus::Missing,
        (Some(_), s) => s
            .and_then(MappingStatus::from_db)
            .unwrap_or(MappingStatus::Ok),
    }
}

impl Customers {
    pub fn visible(&self) -> Vec<usize> {
        self.rows
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                list::matches(
                    &self.list.filter,
                    &[&c.name, c.autotask_company_name.as_deref().unwrap_or("")],
                )
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn current(&self) -> Option<&CustomerRow> {
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| self.rows.get(*i))
    }

    /// Replaces the rows, keeping the cursor on the same customer.
    pub fn set_rows(&mut self, rows: Vec<CustomerRow>) {
        let keep = self.current().map(|c| c.id);
        self.rows = rows;
        self.loaded = true;
        let ids: Vec<i64> = self
            .visible()
            .into_iter()
            .filter_map(|i| self.rows.get(i).map(|c| c.id))
            .collect();
        self.list.follow(keep, ids.iter().copied());
        self.list.clamp(ids.len());
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Customers,
    command: "customers",
    number: Some(5),
    title: "Customers",
    short_title: "Cust",
    context: Context::Customers,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Customers {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn context(&self) -> Context {
        if self.deleted.is_some() {
            Context::DeletedCustomers
        } else {
            Context::Customers
        }
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        match &self.deleted {
            Some(_) => vec![Box::pin(deleted::load(
                cx.pool.clone(),
                Kind::Customer,
                Pane::Customers,
            ))],
            None => vec![Box::pin(load(cx.pool.clone()))],
        }
    }

    fn list(&self) -> &ListState {
        match &self.deleted {
            Some(d) => &d.list,
            None => &self.list,
        }
    }

    fn list_mut(&mut self) -> &mut ListState {
        match &mut self.deleted {
            Some(d) => &mut d.list,
            None => &mut self.list,
        }
    }

    fn row_count(&self) -> usize {
        match &self.deleted {
            Some(d) => d.visible().len(),
            None => self.visible().len(),
        }
    }

    fn loaded(&mut self, data: Box<dyn std::any::Any + Send>) -> Vec<Follow> {
        if let Some(d) = &mut self.deleted
            && !d.take(data)
        {
            tracing::warn!("the Customers pane was handed a load result not its own");
        }
        Vec::new()
    }

    /// The customer's jobs.
    fn open(&mut self) -> Vec<Follow> {
        if self.deleted.is_some() {
            return Vec::new();
        }
        self.current()
            .map(|c| {
                vec![Follow::ShowCustomerInJobs {
                    id: c.id,
                    name: c.name.clone(),
                }]
            })
            .unwrap_or_default()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        match &mut self.deleted {
            Some(d) => d.draw(f, area, cx.theme, cx.tz, "D"),
            None => draw(f, area, self, cx.theme, cx.tz),
        }
    }
}

pub async fn load(pool: PgPool) -> Action {
    match crate::db::customers::overview(&pool).await {
        Ok(rows) => Action::CustomersPaneLoaded(rows),
        Err(e) => crate::tui::action::load_failed("loading Customers", e),
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Customers, theme: &Theme, tz: Tz) {
    let inactive = s.rows.iter().filter(|c| !c.active).count();
    let unmapped = s
        .rows
        .iter()
        .filter(|c| c.active && !mapping_status(c).allows_tickets())
        .count();
    let base = format!(
        " Customers — {} ({inactive} inactive) · {unmapped} active without a working Autotask mapping",
        s.rows.len()
    );
    let title = table::title(&base, &s.list.filter, 0, "");
    let wide = area.width.saturating_sub(2) >= 120;
    let vis = s.visible();
    let mut table = ListTable::new(title, |c: &CustomerRow| c.id, columns(theme, tz, wide)).footer(
        Line::styled(
            "  0 jobs: nothing approved yet · Autotask tickets need mapping ok or renamed",
            theme.dim(),
        ),
    );
    if s.loaded {
        table = table.empty(
            if s.list.filter.is_empty() {
                "  No customers yet: n creates one, or approve mail in the Inbox (1)."
            } else {
                "  No customer matches the filter (Esc clears it)."
            },
            theme.dim(),
        );
    }
    table.draw(f, area, theme, &mut s.list, &s.rows, &vis);
}

/// Inactive customers are dimmed in every column.
fn plain(theme: &Theme, c: &CustomerRow) -> Style {
    if c.active {
        Style::default()
    } else {
        theme.dim()
    }
}

/// Name, job count, active flag, Autotask company and mapping; id and last check when wide.
fn columns(theme: &Theme, tz: Tz, wide: bool) -> Vec<Column<'_, CustomerRow>> {
    let mut cols = vec![
        Column::new("Customer", Width::Share(1), move |c: &CustomerRow| {
            Cell::styled(c.name.as_str(), plain(theme, c))
        })
        .gap(0),
        Column::new("Jobs", Width::Fixed(4), move |c: &CustomerRow| {
            let style = if c.jobs == 0 {
                theme.attention()
            } else {
                plain(theme, c)
            };
            Cell::styled(c.jobs.to_string(), style)
        })
        .right(),
        Column::new("Active", Width::Fixed(8), move |c: &CustomerRow| {
            Cell::styled(
                if c.active { "active" } else { "inactive" },
                plain(theme, c),
            )
        })
        .gap(2),
        Column::new(
            "Autotask company",
            Width::Share(1),
            move |c: &CustomerRow| {
                let company = c
                    .autotask_company_name
                    .clone()
                    .or_else(|| c.autotask_company_id.map(|id| format!("company {id}")))
                    .unwrap_or_else(|| "—".into());
                Cell::styled(company, plain(theme, c))
            },
        ),
        Column::new("Mapping", Width::Fixed(10), move |c: &CustomerRow| {
            let (badge, style) = theme.mapping(mapping_status(c));
            Cell::styled(badge, style)
        }),
    ];
    if wide {
        cols.push(
            Column::new("Id", Width::Fixed(9), move |c: &CustomerRow| {
                let id = c.autotask_company_id.map(|i| i.to_string());
                Cell::styled(id.unwrap_or_default(), theme.dim())
            })
            .right(),
        );
        cols.push(Column::new(
            "Checked",
            Width::Fixed(13),
            move |c: &CustomerRow| {
                let checked = c
                    .autotask_last_sync_at
                    .map(|t| t.with_timezone(&tz).format("%d %b %H:%M").to_string());
                Cell::styled(checked.unwrap_or_default(), theme.dim())
            },
        ));
    }
    cols
}
