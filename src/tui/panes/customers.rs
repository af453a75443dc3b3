//! Customers (pane 5): every customer with its job count, active flag and Autotask company
//! mapping (`ok / renamed / missing / invalid`).

use crate::db::autotask::mapping::MappingStatus;
use crate::db::customers::CustomerRow;
use crate::tui::action::Action;
use crate::tui::list::{self, ListState};
use crate::tui::table::fit;
use crate::tui::theme::Theme;
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use sqlx::PgPool;

#[derive(Debug, Default)]
pub struct Customers {
    pub rows: Vec<CustomerRow>,
    pub list: ListState,
    pub loaded: bool,
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

pub async fn load(pool: PgPool) -> Action {
    match crate::db::customers::overview(&pool).await {
        Ok(rows) => Action::CustomersPaneLoaded(rows),
        Err(e) => crate::tui::action::failed("loading Customers", e),
    }
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Customers, theme: &Theme, tz: Tz) {
    let inactive = s.rows.iter().filter(|c| !c.active).count();
    let unmapped = s
        .rows
        .iter()
        .filter(|c| c.active && !mapping_status(c).allows_tickets())
        .count();
    let mut title = format!(
        " Customers — {} ({inactive} inactive) · {unmapped} active without a working Autotask mapping",
        s.rows.len()
    );
    if !s.list.filter.is_empty() {
        title.push_str(&format!(" · filter: {}", s.list.filter));
    }
    title.push(' ');
    let block = Block::bordered().title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height < 2 {
        return;
    }
    let wide = inner.width >= 120;
    // Fixed columns: marker 2, jobs 5, active 9, status 11 (+ id 10 and last check 14 when wide).
    let fixed = 2 + 5 + 9 + 11 + if wide { 10 + 14 } else { 0 };
    let rest = (inner.width as usize).saturating_sub(fixed + 4);
    let (nw, cw) = (rest / 2, rest - rest / 2);
    let mut header = format!(
        "  {:<nw$} {:>4}  {:<8} {:<cw$} {:<10}",
        "Customer", "Jobs", "Active", "Autotask company", "Mapping"
    );
    if wide {
        header.push_str(&format!(" {:>9} {:<13}", "Id", "Checked"));
    }
    let mut lines = vec![Line::styled(header, theme.dim())];
    let vis = s.visible();
    let height = inner.height.saturating_sub(2) as usize;
    let offset = s.list.scroll(height, vis.len());
    for (pos, idx) in vis.iter().enumerate().skip(offset).take(height) {
        let Some(c) = s.rows.get(*idx) else { continue };
        let cursor = pos == s.list.cursor;
        let plain = if c.active {
            ratatui::style::Style::default()
        } else {
            theme.dim()
        };
        let (badge, badge_style) = theme.mapping(mapping_status(c));
        let company = c
            .autotask_company_name
            .clone()
            .or_else(|| c.autotask_company_id.map(|id| format!("company {id}")))
            .unwrap_or_else(|| "—".into());
        let mut spans = vec![
            Span::raw(if cursor {
                format!("{} ", theme.cursor())
            } else {
                "  ".into()
            }),
            Span::styled(format!("{} ", fit(&c.name, nw)), plain),
            Span::styled(
                format!("{:>4}  ", c.jobs),
                if c.jobs == 0 {
                    theme.attention()
                } else {
                    plain
                },
            ),
            Span::styled(
                format!("{:<8} ", if c.active { "active" } else { "inactive" }),
                plain,
            ),
            Span::styled(format!("{} ", fit(&company, cw)), plain),
            Span::styled(format!("{badge:<10}"), badge_style),
        ];
        if wide {
            let id = c
                .autotask_company_id
                .map(|i| i.to_string())
                .unwrap_or_default();
            let checked = c
                .autotask_last_sync_at
                .map(|t| t.with_timezone(&tz).format("%d %b %H:%M").to_string())
                .unwrap_or_default();
            spans.push(Span::styled(format!(" {id:>9} {checked:<13}"), theme.dim()));
        }
        let mut line = Line::from(spans);
        if cursor {
            line = line.style(theme.selected());
        }
        lines.push(line);
    }
    if vis.is_empty() && s.loaded {
        lines.push(Line::styled(
            if s.list.filter.is_empty() {
                "  No customers yet: n creates one, or approve mail in the Inbox (1)."
            } else {
                "  No customer matches the filter (Esc clears it)."
            },
            theme.dim(),
        ));
    }
    f.render_widget(Paragraph::new(lines), inner);
    let foot = Rect::new(inner.x, inner.y + inner.height - 1, inner.width, 1);
    f.render_widget(
        Paragraph::new(Line::styled(
            "  0 jobs: nothing approved yet · Autotask tickets need mapping ok or renamed",
            theme.dim(),
        )),
        foot,
    );
}
