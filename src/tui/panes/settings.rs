//! Settings (pane 9): the shared policy and the Autotask ticket defaults (from the cached
//! picklists), with what this seat's configuration says about Autotask — never a secret's value.

use super::Pane;
use super::pane::{DrawContext, Follow, Load, LoadContext, PaneInfo, PaneView};
use crate::db::DbError;
use crate::db::autotask::defaults::{self, AutotaskDefaults};
use crate::db::autotask::picklists::{self, PicklistEntry, TICKET};
use crate::db::settings::{self, Policy, keys};
use crate::tui::action::Action;
use crate::tui::keymap;
use crate::tui::keymap::Context;
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
use serde_json::{Value, json};
use sqlx::PgPool;

/// One editable setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Timezone,
    ImportInterval,
    InboxFolder,
    ProcessedFolder,
    MissedGrace,
    MaxMail,
    RetentionRaw,
    RetentionDeleted,
    RetentionInterval,
    FeedbackMaxKb,
    FeedbackTypes,
    Queue,
    Priority,
    Status,
    Source,
    IssueType,
    SubIssueType,
    DueDays,
    PollInterval,
}

impl Field {
    pub const ALL: [Field; 19] = [
        Field::Timezone,
        Field::ImportInterval,
        Field::InboxFolder,
        Field::ProcessedFolder,
        Field::MissedGrace,
        Field::MaxMail,
        Field::RetentionRaw,
        Field::RetentionDeleted,
        Field::RetentionInterval,
        Field::FeedbackMaxKb,
        Field::FeedbackTypes,
        Field::Queue,
        Field::Priority,
        Field::Status,
        Field::Source,
        Field::IssueType,
        Field::SubIssueType,
        Field::DueDays,
        Field::PollInterval,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Field::Timezone => keys::TIMEZONE,
            Field::ImportInterval => keys::IMPORT_INTERVAL_MINUTES,
            Field::InboxFolder => keys::GRAPH_INBOX_FOLDER,
            Field::ProcessedFolder => keys::GRAPH_PROCESSED_FOLDER,
            Field::MissedGrace => keys::MISSED_GRACE_MINUTES,
            Field::MaxMail => keys::MAX_MAIL_MB,
            Field::RetentionRaw => keys::RETENTION_RAW_DAYS,
            Field::RetentionDeleted => keys::RETENTION_DELETED_DAYS,
            Field::RetentionInterval => keys::RETENTION_INTERVAL_HOURS,
            Field::FeedbackMaxKb => keys::FEEDBACK_ATTACHMENT_MAX_KB,
            Field::FeedbackTypes => keys::FEEDBACK_ATTACHMENT_TYPES,
            Field::Queue => keys::AUTOTASK_QUEUE_ID,
            Field::Priority => keys::AUTOTASK_PRIORITY,
            Field::Status => keys::AUTOTASK_STATUS,
            Field::Source => keys::AUTOTASK_SOURCE,
            Field::IssueType => keys::AUTOTASK_ISSUE_TYPE,
            Field::SubIssueType => keys::AUTOTASK_SUB_ISSUE_TYPE,
            Field::DueDays => keys::AUTOTASK_DUE_DAYS,
            Field::PollInterval => keys::AUTOTASK_POLL_INTERVAL_MINUTES,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::Timezone => "Timezone",
            Field::ImportInterval => "Import interval",
            Field::InboxFolder => "Graph inbox folder",
            Field::ProcessedFolder => "Graph processed folder",
            Field::MissedGrace => "Missed-run grace",
            Field::MaxMail => "Largest mail",
            Field::RetentionRaw => "Keep raw mail",
            Field::RetentionDeleted => "Keep deleted mail",
            Field::RetentionInterval => "Retention interval",
            Field::FeedbackMaxKb => "Feedback file limit",
            Field::FeedbackTypes => "Feedback file types",
            Field::Queue => "Queue",
            Field::Priority => "Priority",
            Field::Status => "Status",
            Field::Source => "Source",
            Field::IssueType => "Issue type",
            Field::SubIssueType => "Sub-issue type",
            Field::DueDays => "Due date offset",
            Field::PollInterval => "Poll interval",
        }
    }

    /// The Autotask ticket field whose picklist holds the choices.
    pub fn picklist(self) -> Option<&'static str> {
        match self {
            Field::Queue => Some("queueID"),
            Field::Priority => Some("priority"),
            Field::Status => Some("status"),
            Field::Source => Some("source"),
            Field::IssueType => Some("issueType"),
            Field::SubIssueType => Some("subIssueType"),
            _ => None,
        }
    }

    /// Picklist fields a ticket can do without (the others Autotask requires).
    fn may_be_unset(self) -> bool {
        matches!(
            self,
            Field::Queue | Field::Source | Field::IssueType | Field::SubIssueType
        )
    }

    fn is_autotask(self) -> bool {
        self.picklist().is_some() || matches!(self, Field::DueDays | Field::PollInterval)
    }
}

/// What this seat's configuration says about Autotask and the mailbox (no secret values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigSummary {
    pub autotask_configured: bool,
    pub autotask_environment: String,
    pub autotask_user: Option<String>,
    pub autotask_secret: bool,
    pub autotask_integration_code: bool,
    /// `autotask.api_url` is set: zone discovery is skipped.
    pub autotask_fixed_url: bool,
    pub graph_configured: bool,
}

impl ConfigSummary {
    pub fn from_config(c: &crate::config::Config) -> ConfigSummary {
        let a = &c.autotask;
        ConfigSummary {
            autotask_configured: a.is_configured(),
            autotask_environment: match a.environment {
                crate::config::AutotaskEnvironment::Production => "production".into(),
                crate::config::AutotaskEnvironment::Sandbox => "sandbox".into(),
            },
            autotask_user: a.username.clone(),
            autotask_secret: a.secret.is_some(),
            autotask_integration_code: a.integration_code.is_some(),
            autotask_fixed_url: a.api_url.as_deref().is_some_and(|u| !u.trim().is_empty()),
            graph_configured: c.graph.is_configured(),
        }
    }
}

/// The stored values and the picklists to choose from.
#[derive(Debug, Clone)]
pub struct SettingsData {
    pub policy: Policy,
    pub defaults: AutotaskDefaults,
    /// `(Autotask field, active values)` from the cache.
    pub picklists: Vec<(String, Vec<PicklistEntry>)>,
    pub refreshed_at: Option<DateTime<Utc>>,
}

impl SettingsData {
    fn id(&self, field: Field) -> Option<i64> {
        let d = &self.defaults;
        match field {
            Field::Queue => d.queue_id,
            Field::Priority => d.priority,
            Field::Status => d.status,
            Field::Source => d.source,
            Field::IssueType => d.issue_type,
            Field::SubIssueType => d.sub_issue_type,
            _ => None,
        }
    }

    fn entries(&self, field: &str) -> &[PicklistEntry] {
        self.picklists
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, v)| v.as_slice())
            .unwrap_or(&[])
    }

    /// The value as the pane shows it.
    pub fn display(&self, field: Field) -> String {
        let p = &self.policy;
        let d = &self.defaults;
        if let Some(list) = field.picklist() {
            return match self.id(field) {
                None => "not set".into(),
                Some(v) => match self.entries(list).iter().find(|e| e.value == v.to_string()) {
                    Some(e) => format!("{} ({v})", e.label),
                    None => v.to_string(),
                },
            };
        }
        match field {
            Field::Timezone => p.timezone.name().to_string(),
            Field::ImportInterval => match p.import_interval_minutes {
                Some(m) => format!("every {m} min"),
                None => "off".into(),
            },
            Field::InboxFolder => p.graph_inbox_folder.clone(),
            Field::ProcessedFolder => p.graph_processed_folder.clone(),
            Field::MissedGrace => format!("{} min", p.missed_grace_minutes),
            Field::MaxMail => format!("{} MB (larger: headers only)", p.max_mail_mb),
            Field::RetentionRaw => match p.retention_raw_days {
                Some(d) => format!("{d} days, then only the parsed mail"),
                None => "for ever".into(),
            },
            Field::RetentionDeleted => match p.retention_deleted_days {
                Some(d) => format!("{d} days after deleting, then removed for good"),
                None => "until removed by an admin".into(),
            },
            Field::RetentionInterval => format!("every {} h", p.retention_interval_hours),
            Field::FeedbackMaxKb => format!("{} KB per attachment", p.feedback.max_kb),
            Field::FeedbackTypes => p.feedback.types.join(", "),
            Field::DueDays => format!("{} day(s) after creation", d.due_days),
            Field::PollInterval => match d.poll_interval_minutes {
                0 => "only when Run Checks opens".into(),
                m => format!("every {m} min"),
            },
            _ => String::new(),
        }
    }

    /// The value to start editing from.
    pub fn raw(&self, field: Field) -> String {
        let p = &self.policy;
        match field {
            Field::Timezone => p.timezone.name().to_string(),
            Field::ImportInterval => p
                .import_interval_minutes
                .map(|m| m.to_string())
                .unwrap_or_default(),
            Field::InboxFolder => p.graph_inbox_folder.clone(),
            Field::ProcessedFolder => p.graph_processed_folder.clone(),
            Field::MissedGrace => p.missed_grace_minutes.to_string(),
            Field::MaxMail => p.max_mail_mb.to_string(),
            Field::RetentionRaw => p
                .retention_raw_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            Field::RetentionDeleted => p
                .retention_deleted_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            Field::RetentionInterval => p.retention_interval_hours.to_string(),
            Field::FeedbackMaxKb => p.feedback.max_kb.to_string(),
            Field::FeedbackTypes => p.feedback.types.join(", "),
            Field::DueDays => self.defaults.due_days.to_string(),
            Field::PollInterval => self.defaults.poll_interval_minutes.to_string(),
            other => self.id(other).map(|v| v.to_string()).unwrap_or_default(),
        }
    }

    /// The picklist choices of `field` (`None` = unset); sub-issue types of the chosen issue
    /// type only. Empty when nothing is cached.
    pub fn choices(&self, field: Field) -> Vec<(Option<i64>, String)> {
        let Some(list) = field.picklist() else {
            return Vec::new();
        };
        let parent = self.defaults.issue_type.map(|v| v.to_string());
        let mut out: Vec<(Option<i64>, String)> = self
            .entries(list)
            .iter()
            .filter(|e| field != Field::SubIssueType || e.parent_value == parent)
            .filter_map(|e| Some((Some(e.value.parse().ok()?), e.label.clone())))
            .collect();
        if !out.is_empty() && field.may_be_unset() {
            out.insert(0, (None, "(not set)".into()));
        }
        out
    }

    /// Where the cursor starts in [`SettingsData::choices`].
    pub fn current_choice(&self, field: Field) -> usize {
        let id = self.id(field);
        self.choices(field)
            .iter()
            .position(|(v, _)| *v == id)
            .unwrap_or(0)
    }
}

/// Turns typed text into the stored value of `field`, or says what is wrong with it.
pub fn parse(field: Field, input: &str) -> Result<Value, String> {
    let input = input.trim();
    let number = |what: &str| {
        input
            .parse::<u32>()
            .map_err(|_| format!("{}: {what}", field.label()))
    };
    match field {
        Field::Timezone => input.parse::<Tz>().map(|tz| json!(tz.name())).map_err(|_| {
            format!("unknown timezone {input:?}: use a name such as Europe/Amsterdam")
        }),
        Field::ImportInterval if input.is_empty() || input == "0" || input == "off" => {
            Ok(Value::Null)
        }
        Field::ImportInterval | Field::MissedGrace | Field::PollInterval => {
            Ok(json!(number("a number of minutes")?))
        }
        Field::DueDays => Ok(json!(number("a number of days")?)),
        Field::RetentionRaw | Field::RetentionDeleted
            if input.is_empty() || input == "0" || input == "off" =>
        {
            Ok(Value::Null)
        }
        Field::RetentionRaw | Field::RetentionDeleted => {
            Ok(json!(number("a number of days (empty or off: keep)")?))
        }
        Field::RetentionInterval => match number("a number of hours, 1 or more")? {
            0 => Err(format!("{}: a number of hours, 1 or more", field.label())),
            n => Ok(json!(n)),
        },
        Field::MaxMail => match number("a size in MB, 1 or more")? {
            0 => Err(format!("{}: a size in MB, 1 or more", field.label())),
            n => Ok(json!(n)),
        },
        Field::FeedbackMaxKb => match number("a size in KB, 1 or more")? {
            0 => Err(format!("{}: a size in KB, 1 or more", field.label())),
            n => Ok(json!(n)),
        },
        Field::FeedbackTypes => {
            let types: Vec<&str> = input
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            match types.iter().find(|t| !t.contains('/') || t.contains(' ')) {
                Some(bad) => Err(format!(
                    "{}: {bad:?} is not a media type such as image/png",
                    field.label()
                )),
                None => Ok(json!(types)),
            }
        }
        Field::InboxFolder | Field::ProcessedFolder if input.is_empty() => Err(format!(
            "{}: a folder path such as Inbox/Processed",
            field.label()
        )),
        Field::InboxFolder | Field::ProcessedFolder => Ok(json!(input)),
        _ if input.is_empty() && field.may_be_unset() => Ok(Value::Null),
        _ => input
            .parse::<i64>()
            .map(|v| json!(v))
            .map_err(|_| format!("{}: the number Autotask uses", field.label())),
    }
}

#[derive(Debug, Default)]
pub struct Settings {
    pub data: Option<SettingsData>,
    pub list: ListState,
    pub config: ConfigSummary,
    /// The last "test connection": what Autotask said.
    pub test: Option<Result<String, String>>,
    pub testing: bool,
}

impl Settings {
    pub fn visible(&self) -> Vec<Field> {
        Field::ALL
            .into_iter()
            .filter(|f| list::matches(&self.list.filter, &[f.label(), f.key()]))
            .collect()
    }

    pub fn current(&self) -> Option<Field> {
        self.visible().get(self.list.cursor).copied()
    }

    pub fn set_data(&mut self, data: SettingsData) {
        self.data = Some(data);
        let n = self.visible().len();
        self.list.clamp(n);
    }
}

pub const INFO: PaneInfo = PaneInfo {
    id: Pane::Settings,
    command: "settings",
    number: Some(9),
    title: "Settings",
    short_title: "Set",
    context: Context::Settings,
    needs: crate::domain::roles::Capability::Browse,
    tab_when_narrow: true,
};

impl PaneView for Settings {
    fn info(&self) -> &'static PaneInfo {
        &INFO
    }

    fn loads(&self, cx: &LoadContext) -> Vec<Load> {
        vec![Box::pin(load(cx.pool.clone()))]
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
        vec![Follow::EditSetting]
    }

    fn draw(&mut self, f: &mut Frame, area: Rect, cx: &DrawContext) {
        draw(f, area, self, cx.theme, cx.tz)
    }
}

pub async fn load(pool: PgPool) -> Action {
    async fn go(pool: &PgPool) -> Result<SettingsData, DbError> {
        let policy = settings::policy(pool).await?;
        let defaults = defaults::read(pool).await?;
        let mut lists = Vec::new();
        for f in Field::ALL.iter().filter_map(|f| f.picklist()) {
            lists.push((
                f.to_string(),
                picklists::list(pool, TICKET, f, false).await?,
            ));
        }
        Ok(SettingsData {
            policy,
            defaults,
            picklists: lists,
            refreshed_at: picklists::refreshed_at(pool, TICKET).await?,
        })
    }
    match go(&pool).await {
        Ok(d) => Action::SettingsLoaded(Box::new(d)),
        Err(e) => crate::tui::action::load_failed("loading Settings", e),
    }
}

fn yes_no(theme: &Theme, ok: bool, yes: &str, no: &str) -> Span<'static> {
    if ok {
        Span::styled(format!("✔ {yes}"), theme.ok())
    } else {
        Span::styled(format!("✖ {no}"), theme.error())
    }
}

/// The Autotask connection as configured on this seat; `compact` fits it in three lines.
fn connection_lines(s: &Settings, theme: &Theme, tz: Tz, compact: bool) -> Vec<Line<'static>> {
    let c = &s.config;
    let mut lines = vec![Line::styled(
        "Autotask connection (config file)",
        theme.title(),
    )];
    if !c.autotask_configured {
        lines.push(Line::styled(
            "  not configured: set autotask.username, autotask.secret and \
             autotask.integration_code (README, Autotask)",
            theme.attention(),
        ));
    }
    let env = Span::raw(format!(
        "{}{}",
        c.autotask_environment,
        if c.autotask_fixed_url {
            " · fixed API URL"
        } else {
            ""
        }
    ));
    let user = Span::raw(
        c.autotask_user
            .as_deref()
            .map(sanitize::line)
            .unwrap_or_else(|| "no API user".into()),
    );
    let secret = yes_no(theme, c.autotask_secret, "secret", "secret missing");
    let code = yes_no(
        theme,
        c.autotask_integration_code,
        "integration code",
        "integration code missing",
    );
    let refreshed = s
        .data
        .as_ref()
        .and_then(|d| d.refreshed_at)
        .map(|t| t.with_timezone(&tz).format("%d %b %H:%M").to_string())
        .unwrap_or_else(|| {
            format!(
                "never ({} fetches them)",
                keymap::key_of(keymap::Context::Settings, keymap::Command::RefreshPicklists)
            )
        });
    let test = match (&s.test, s.testing) {
        (_, true) => Span::styled("testing…", theme.dim()),
        (Some(Ok(m)), _) => Span::styled(format!("✔ {}", sanitize::line(m)), theme.ok()),
        (Some(Err(m)), _) => Span::styled(format!("✖ {}", sanitize::line(m)), theme.error()),
        (None, _) => Span::styled("t tests it", theme.dim()),
    };
    let label = |t: &str| Span::styled(format!("  {t:<12}"), theme.dim());
    if compact {
        lines[0] = Line::from(vec![
            Span::styled("Autotask connection ", theme.title()),
            env,
            Span::raw(" · "),
            user,
        ]);
        // Two lines, so that every setting and the connection fit 80×24.
        lines.push(Line::from(vec![
            Span::raw("  "),
            secret,
            Span::raw("  "),
            code,
            Span::raw(format!(" · picklists {refreshed} · ")),
            test,
        ]));
        return lines;
    }
    lines.push(Line::from(vec![label("environment"), env]));
    lines.push(Line::from(vec![label("API user"), user]));
    lines.push(Line::from(vec![
        label("secrets"),
        secret,
        Span::raw("  "),
        code,
    ]));
    lines.push(Line::from(vec![
        label("picklists"),
        Span::raw(format!("fetched {refreshed}")),
    ]));
    lines.push(Line::from(vec![label("connection"), test]));
    lines
}

pub fn draw(f: &mut Frame, area: Rect, s: &mut Settings, theme: &Theme, tz: Tz) {
    let wide = area.width >= 120;
    let (left, right) = if wide {
        let [l, r] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)])
            .areas(area);
        (l, Some(r))
    } else {
        (area, None)
    };
    let mut title = " Settings — shared by every operator · Enter edit ".to_string();
    if !s.list.filter.is_empty() {
        title.push_str(&format!(
            "· filter: {} ",
            crate::tui::sanitize::line(&s.list.filter)
        ));
    }
    let block = Block::bordered().title(Span::styled(title, theme.title()));
    let inner = block.inner(left);
    f.render_widget(block, left);
    let Some(d) = &s.data else {
        f.render_widget(Paragraph::new("loading…"), inner);
        return;
    };
    let vw = 22usize;
    let value_w = (inner.width as usize).saturating_sub(vw + 3);
    let mut lines = Vec::new();
    let mut section = None;
    let mut cursor_line = 0;
    for (i, field) in s.visible().into_iter().enumerate() {
        if section != Some(field.is_autotask()) {
            section = Some(field.is_autotask());
            lines.push(Line::styled(
                if field.is_autotask() {
                    "Autotask ticket defaults"
                } else {
                    "Shared policy"
                },
                theme.title(),
            ));
        }
        let cursor = i == s.list.cursor;
        let mut line = Line::from(vec![
            Span::raw(if cursor {
                format!("{} ", theme.cursor())
            } else {
                "  ".into()
            }),
            Span::styled(format!("{:<vw$} ", field.label()), theme.dim()),
            Span::raw(fit(&d.display(field), value_w)),
        ]);
        if cursor {
            line = line.style(theme.selected());
            cursor_line = lines.len();
        }
        lines.push(line);
    }
    // On a short terminal the list scrolls so that the cursor row stays in view.
    let scroll =
        u16::try_from((cursor_line + 1).saturating_sub(usize::from(inner.height))).unwrap_or(0);
    let conn = connection_lines(s, theme, tz, right.is_none());
    match right {
        Some(r) => {
            f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
            let block = Block::bordered();
            let rin = block.inner(r);
            f.render_widget(block, r);
            f.render_widget(Paragraph::new(conn).wrap(Wrap { trim: false }), rin);
        }
        None => {
            if lines.len() + conn.len() < usize::from(inner.height) {
                lines.push(Line::raw(""));
            }
            lines.extend(conn);
            f.render_widget(Paragraph::new(lines).scroll((scroll, 0)), inner);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_periods_are_days_or_off_and_the_interval_at_least_an_hour() {
        for off in ["", "0", "off"] {
            assert_eq!(parse(Field::RetentionRaw, off), Ok(Value::Null));
            assert_eq!(parse(Field::RetentionDeleted, off), Ok(Value::Null));
        }
        assert_eq!(parse(Field::RetentionRaw, " 90 "), Ok(json!(90)));
        assert!(parse(Field::RetentionDeleted, "a year").is_err());
        assert_eq!(parse(Field::RetentionInterval, "12"), Ok(json!(12)));
        assert!(parse(Field::RetentionInterval, "0").is_err());
    }
}
