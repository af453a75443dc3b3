//! Parsers (pane 0, `:parsers`): every built-in parser and custom rule in the order they are
//! tried, with what it recognises and how much it read lately; on `Tab`, the Unrecognised view:
//! waiting mail no parser read, grouped by sender and subject shape, so the formats worth a rule
//! stand out. An admin's `n` on a group starts a rule from its mails.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::parser_rules::{self, StoredRule, Unrecognised, Usage};
use crate::domain::subject_shape;
use crate::parsers::rules::{JobName, Matcher, Rule};
use crate::parsers::{NormalizedMail, registry};
use crate::tui::action::Action;
use crate::tui::keymap::Context;
use crate::tui::list::{self, ListState};
use crate::tui::sanitize;
use crate::tui::table::{self, Cell, Column, ListTable, Width};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Paragraph, Wrap};
use sqlx::PgPool;
use std::collections::HashMap;

/// Waiting mails read for the Unrecognised view (newest first).
pub const UNRECOGNISED_LIMIT: i64 = 5_000;
/// How far back "lately" counts.
pub const RECENT_DAYS: i64 = 30;

/// One parser or rule as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParserRow {
    /// The parser name mails carry (`veeam_job`, `rule:NAS copy`).
    pub name: String,
    pub software: String,
    pub types: String,
    /// Where it is tried: built-ins by their order, rules after them.
    pub order: String,
    pub informational: bool,
    /// What it looks for, in words.
    pub cues: String,
    pub recent: i64,
    pub last: Option<DateTime<Utc>>,
    /// The rule, for a custom rule (an admin's `e` edits it).
    pub rule: Option<Rule>,
}

/// Waiting mails of one sender and subject shape.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub sender: String,
    pub shape: String,
    pub count: usize,
    pub newest: DateTime<Utc>,
    /// The newest mail's subject, as an example.
    pub example: String,
}

impl Group {
    /// A rule pre-filled from the group: its sender, its subject shape as the pattern, the text
    /// before the first number as the job name, and common result words.
    pub fn draft(&self) -> Rule {
        let stem = subject_shape::stem(&self.shape);
        let software = self
            .sender
            .split('@')
            .nth(1)
            .unwrap_or(&self.sender)
            .to_string();
        Rule {
            name: if stem.is_empty() {
                self.sender.clone()
            } else {
                stem.clone()
            },
            sender: Some(Matcher::Contains(self.sender.clone())),
            subject: Some(Matcher::Regex(subject_shape::pattern(&self.shape))),
            body: None,
            software,
            backup_type: "Backup".into(),
            job_name: JobName::Fixed(if stem.is_empty() {
                self.sender.clone()
            } else {
                stem
            }),
            status: crate::parsers::rules::StatusRule {
                field: crate::parsers::rules::Field::Subject,
                success: Some(Matcher::Regex(
                    r"(?i)\b(success\w*|succeeded|ok|completed|done)\b".into(),
                )),
                warning: Some(Matcher::Regex(r"(?i)\bwarn\w*".into())),
                failed: Some(Matcher::Regex(r"(?i)\b(fail\w*|error\w*)".into())),
            },
            objects: None,
            informational: false,
        }
    }
}

/// Groups unrecognised mail by sender and subject shape, the largest groups first.
pub fn groups(mails: &[Unrecognised]) -> Vec<Group> {
    let mut by: HashMap<(String, String), Group> = HashMap::new();
    for m in mails {
        let shape = subject_shape::shape(&m.subject);
        let g = by
            .entry((m.from_address.clone(), shape.clone()))
            .or_insert_with(|| Group {
                sender: m.from_address.clone(),
                shape,
                count: 0,
                newest: m.received_at,
                example: m.subject.clone(),
            });
        g.count += 1;
        if m.received_at > g.newest {
            g.newest = m.received_at;
            g.example = m.subject.clone();
        }
    }
    let mut out: Vec<Group> = by.into_values().collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.newest.cmp(&a.newest))
            .then(a.sender.cmp(&b.sender))
    });
    out
}

fn matcher_words(what: &str, m: &Option<Matcher>) -> Option<String> {
    match m {
        Some(Matcher::Contains(t)) => Some(format!("{what} contains {t:?}")),
        Some(Matcher::Regex(r)) => Some(format!("{what} ~ /{r}/")),
        None => None,
    }
}

/// The rows of the parser list: built-ins, then rules, with their use since `since`.
pub fn parser_rows(rules: &[StoredRule], usage: &[Usage]) -> Vec<ParserRow> {
    let used: HashMap<&str, &Usage> = usage.iter().map(|u| (u.parser_name.as_str(), u)).collect();
    let count = |name: &str| used.get(name).map_or((0, None), |u| (u.recent, u.last));
    let empty = NormalizedMail::default();
    let mut rows: Vec<ParserRow> = registry()
        .iter()
        .map(|p| {
            let (recent, last) = count(p.name);
            ParserRow {
                name: p.name.to_string(),
                software: p.software.to_string(),
                types: p.backup_types.join(", "),
                order: p.order.to_string(),
                informational: p.informational,
                // A parser checks its cues in turn; on an empty mail the first one is missing.
                cues: match (p.matches)(&empty) {
                    Err(first) => format!("first cue: {first}"),
                    Ok(()) => "any mail".into(),
                },
                recent,
                last,
                rule: None,
            }
        })
        .collect();
    for (i, s) in rules.iter().enumerate() {
        let name = s.rule.parser_name();
        let (recent, last) = count(&name);
        let cues: Vec<String> = [
            matcher_words("sender", &s.rule.sender),
            matcher_words("subject", &s.rule.subject),
            matcher_words("body", &s.rule.body),
        ]
        .into_iter()
        .flatten()
        .collect();
        rows.push(ParserRow {
            name,
            software: s.rule.software.clone(),
            types: s.rule.backup_type.clone(),
            order: format!("rule {}", i + 1),
            informational: s.rule.informational,
            cues: cues.join(" · "),
            recent,
            last,
            rule: Some(s.rule.clone()),
        });
    }
    rows
}

/// What one load of the pane reads.
#[derive(Debug)]
pub struct ParsersData {
    pub rows: Vec<ParserRow>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Default)]
pub struct Parsers {
    pub rows: Vec<ParserRow>,
    pub groups: Vec<Group>,
    pub loaded: bool,
    /// `Tab`: the Unrecognised view instead of the parser list.
    pub show_unrecognised: bool,
    pub list: ListState,
}

impl Parsers {
    /// Indices of the rows shown in the current view (the filter applied).
    pub fn visible(&self) -> Vec<usize> {
        let f = &self.list.filter;
        if self.show_unrecognised {
            (0..self.groups.len())
                .filter(|i| {
                    self.groups
                        .get(*i)
                        .is_some_and(|g| list::matches(f, &[&g.sender, &g.shape, &g.example]))
                })
                .collect()
        } else {
            (0..self.rows.len())
                .filter(|i| {
                    self.rows.get(*i).is_some_and(|r| {
                        list::matches(f, &[&r.name, &r.software, &r.types, &r.cues])
                    })
                })
                .collect()
        }
    }

    pub fn toggle(&mut self) {
        self.show_unrecognised = !self.show_unrecognised;
        self.list.cursor = 0;
        self.list.offset = 0;
    }

    /// The Unrecognised group under the cursor.
    pub fn current_group(&self) -> Option<&Group> {
        if !self.show_unrecognised {
            return None;
        }
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| self.groups.get(*i))
    }

    /// The parser list row under the cursor.
    pub fn current_row(&self) -> Option<&ParserRow> {
        if self.show_unrecognised {
            return None;
        }
        self.visible()
            .get(self.list.cursor)
            .and_then(|i| self.rows.get(*i))
    }

    pub fn set_data(&mut self, d: ParsersData) {
        self.rows = d.rows;
        self.groups = d.groups;
        self.loaded = true;
        let n = self.visible().len();
        self.list.clamp(n);
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Parsers,
    command: "parsers",
    number: None,
    title: "Parsers",
    short_title: "Prs",
    context: Context::Parsers,
    needs: crate::domain::roles::Capability::Browse,
    // An admin's pane, seldom open: where the titles must shorten it gives up its tab (0 and
    // :parsers still go there) so the daily panes keep their names at 80 columns.
    tab_when_narrow: false,
};

impl PaneView for Parsers {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        vec![Box::pin(load(cx.pool.clone(), cx.now))]
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

    fn open(&mut self) -> Vec<Follow> {
        Vec::new()
    }

    fn loaded(&mut self, data: Box<dyn std::any::Any + Send>) -> Vec<Follow> {
        match data.downcast::<ParsersData>() {
            Ok(d) => self.set_data(*d),
            Err(_) => tracing::warn!("the Parsers pane was handed a load result not its own"),
        }
        Vec::new()
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx)
    }
}

pub async fn load(pool: PgPool, now: DateTime<Utc>) -> Action {
    let read = async {
        let rules = parser_rules::list(&pool).await?;
        let usage = parser_rules::usage(&pool, now - Duration::days(RECENT_DAYS)).await?;
        let waiting = parser_rules::unrecognised(&pool, UNRECOGNISED_LIMIT).await?;
        Ok::<_, crate::db::DbError>(ParsersData {
            rows: parser_rows(&rules, &usage),
            groups: groups(&waiting),
        })
    };
    match read.await {
        Ok(d) => Action::PaneLoaded(Pane::Parsers, Box::new(d)),
        Err(e) => crate::tui::action::load_failed("loading the parsers", e),
    }
}

fn day(at: Option<DateTime<Utc>>, tz: Tz) -> String {
    at.map_or("—".into(), |t| {
        t.with_timezone(&tz).format("%Y-%m-%d").to_string()
    })
}

fn draw(f: &mut Frame, area: Rect, s: &mut Parsers, cx: &DrawContext) {
    let (theme, tz) = (cx.theme, cx.tz);
    let [top, foot] = Layout::vertical([Constraint::Min(4), Constraint::Length(3)]).areas(area);
    let vis = s.visible();
    let filtered = !s.list.filter.is_empty();
    let detail;
    if s.show_unrecognised {
        let base = format!(
            " Parsers — unrecognised waiting mail by sender and subject shape ({} groups) · Tab parsers",
            s.groups.len()
        );
        let title = table::title(&base, &s.list.filter, 0, "");
        let columns = vec![
            Column::new("Mails", Width::Fixed(6), |g: &Group| {
                Cell::raw(g.count.to_string())
            })
            .gap(0),
            Column::new("Newest", Width::Fixed(11), move |g: &Group| {
                Cell::styled(day(Some(g.newest), tz), theme.dim())
            }),
            Column::new("Sender", Width::Share(1), |g: &Group| {
                Cell::raw(sanitize::line(&g.sender))
            }),
            Column::new(
                "Subject shape (# = number or date)",
                Width::Share(2),
                |g: &Group| Cell::raw(sanitize::line(&g.shape)),
            ),
        ];
        let mut t = ListTable::new(title, |_: &Group| 0, columns);
        if s.loaded {
            t = t.empty(
                if filtered {
                    "  No group matches the filter (Esc clears it)."
                } else {
                    "  Every waiting mail was recognised."
                },
                theme.dim(),
            );
        }
        t.draw(f, top, theme, &mut s.list, &s.groups, &vis);
        detail = vis
            .get(s.list.cursor)
            .and_then(|i| s.groups.get(*i))
            .map(|g| format!("newest: {}", g.example));
    } else {
        let base = format!(
            " Parsers — in the order tried ({}), mails read in the last {RECENT_DAYS} days · Tab unrecognised mail",
            s.rows.len()
        );
        let title = table::title(&base, &s.list.filter, 0, "");
        let columns = vec![
            Column::new("Order", Width::Fixed(7), |r: &ParserRow| {
                Cell::styled(r.order.as_str(), theme.dim())
            })
            .gap(0),
            Column::new("Parser", Width::Fixed(24), |r: &ParserRow| {
                Cell::raw(sanitize::line(&r.name))
            }),
            Column::new("Software", Width::Fixed(16), |r: &ParserRow| {
                Cell::raw(sanitize::line(&r.software))
            }),
            Column::new("Types", Width::Share(1), |r: &ParserRow| {
                Cell::raw(sanitize::line(&r.types))
            }),
            Column::new("Info", Width::Fixed(4), |r: &ParserRow| {
                Cell::raw(if r.informational { "i" } else { "" })
            }),
            Column::new("30 d", Width::Fixed(5), |r: &ParserRow| {
                Cell::raw(r.recent.to_string())
            }),
            Column::new("Last", Width::Fixed(10), move |r: &ParserRow| {
                Cell::styled(day(r.last, tz), theme.dim())
            }),
        ];
        let mut t = ListTable::new(title, |_: &ParserRow| 0, columns);
        if s.loaded {
            t = t.empty(
                "  No parser matches the filter (Esc clears it).",
                theme.dim(),
            );
        }
        t.draw(f, top, theme, &mut s.list, &s.rows, &vis);
        detail = vis
            .get(s.list.cursor)
            .and_then(|i| s.rows.get(*i))
            .map(|r| format!("{}: {}", r.name, r.cues));
    }
    f.render_widget(
        Paragraph::new(sanitize::line(&detail.unwrap_or_default()))
            .wrap(Wrap { trim: true })
            .block(Block::bordered().border_style(theme.dim())),
        foot,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn mail(id: i64, from: &str, subject: &str, day: u32) -> Unrecognised {
        Unrecognised {
            id,
            from_address: from.into(),
            subject: subject.into(),
            received_at: Utc.with_ymd_and_hms(2026, 11, day, 22, 0, 0).unwrap(),
        }
    }

    #[test]
    fn mail_groups_by_sender_and_subject_shape_largest_first() {
        let g = groups(&[
            mail(1, "a@nas.example", "Copy job done (17-11-2026)", 17),
            mail(2, "a@nas.example", "Copy job done (18-11-2026)", 18),
            mail(3, "b@x.example", "Copy job done (18-11-2026)", 18),
            mail(4, "a@nas.example", "Lunch?", 19),
        ]);
        let rows: Vec<_> = g
            .iter()
            .map(|g| (g.sender.as_str(), g.shape.as_str(), g.count))
            .collect();
        assert_eq!(
            rows,
            [
                ("a@nas.example", "Copy job done (#)", 2),
                ("a@nas.example", "Lunch?", 1),
                ("b@x.example", "Copy job done (#)", 1),
            ]
        );
        assert_eq!(g[0].example, "Copy job done (18-11-2026)");
        let draft = g[0].draft();
        assert_eq!(draft.name, "Copy job done");
        assert_eq!(draft.software, "nas.example");
        assert!(crate::parsers::rules::compile(&draft).is_ok());
    }

    #[test]
    fn every_builtin_parser_is_listed_before_the_rules() {
        let rows = parser_rows(&[], &[]);
        assert_eq!(rows.len(), registry().len());
        assert!(rows.iter().all(|r| r.cues.starts_with("first cue: ")));
    }
}
