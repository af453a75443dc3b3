//! The seat: the login this interface runs as and the role it acts as. Panes and keys the role
//! may not use are hidden; `:role NAME` switches to another of the login's roles, and the pool's
//! connections follow with `SET ROLE`, so the database enforces the same.

use super::App;
use crate::db::roles::ActiveRole;
use crate::domain::roles::{Capability, Login, Role};
use crate::tui::keymap::{self, Command};
use crate::tui::panes::Pane;

/// Who sits at this interface.
#[derive(Debug, Clone)]
pub struct Seat {
    pub login: Login,
    pub role: Role,
    /// The switch of the pool's connections; `None` where nothing follows it (tests).
    pub switch: Option<ActiveRole>,
}

impl Default for Seat {
    /// The owner of the database (the single-seat install): an admin.
    fn default() -> Seat {
        Seat {
            login: Login {
                name: "owner".into(),
                owner: true,
                ..Login::default()
            },
            role: Role::Admin,
            switch: None,
        }
    }
}

impl Seat {
    pub fn can(&self, cap: Capability) -> bool {
        self.role.can(cap)
    }

    /// `ann · operator` for the top line.
    pub fn label(&self) -> String {
        format!("{} · {}", self.login.name, self.role)
    }
}

impl App {
    /// Seats the interface: hides what the role may not use and leaves a pane it may not see.
    pub fn set_seat(&mut self, seat: Seat) {
        self.seat = seat;
        self.activity.audit_hidden = !self.seat.can(Capability::AuditLog);
        if self.activity.audit_hidden {
            self.activity.show_tasks = true;
        }
        if !self.seat.can(self.pane.info().needs) {
            self.pane = self.home_pane();
        }
    }

    /// Where the day starts: Run Checks, or the first pane the role may see.
    pub fn home_pane(&self) -> Pane {
        Pane::ALL
            .into_iter()
            .filter(|p| self.seat.can(p.info().needs))
            .find(|p| *p == Pane::RunChecks)
            .or_else(|| {
                Pane::ALL
                    .into_iter()
                    .find(|p| *p != Pane::Inbox && self.seat.can(p.info().needs))
            })
            .unwrap_or(Pane::DailyJobs)
    }

    /// The panes on the tab bar: those the role may see.
    pub fn visible_panes(&self) -> Vec<Pane> {
        Pane::ALL
            .into_iter()
            .filter(|p| self.seat.can(p.info().needs))
            .collect()
    }

    /// Whether the role may run `cmd` here; says why not when it may not.
    pub(super) fn permitted(&mut self, cmd: Command) -> bool {
        let context = self.current_pane().context();
        if keymap::allowed(self.seat.role, context, cmd) {
            return true;
        }
        let what = match cmd {
            Command::Goto(p) => p.info().title.to_string(),
            other => format!(":{}", other.name()),
        };
        self.error(format!(
            "{what} is not available to the {} role",
            self.seat.role
        ));
        false
    }

    /// `:role` lists the login's roles; `:role NAME` acts as one of them from now on.
    pub(super) fn role_command(&mut self, arg: Option<&str>) {
        let roles = self.seat.login.roles();
        let names = roles
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(", ");
        let Some(arg) = arg.map(str::trim).filter(|a| !a.is_empty()) else {
            self.toast(format!(
                "acting as {} ({}); roles of {}: {names} · :role NAME switches",
                self.seat.role,
                self.seat.role.summary(),
                self.seat.login.name
            ));
            return;
        };
        let Some(role) = Role::parse(arg).filter(|r| roles.contains(r)) else {
            self.error(format!(
                "{} cannot act as `{arg}`; roles: {names}",
                self.seat.login.name
            ));
            return;
        };
        if let Some(switch) = &self.seat.switch
            && let Err(e) = crate::db::open::switch_role(&self.seat.login, switch, role)
        {
            self.error(e.to_string());
            return;
        }
        let mut seat = self.seat.clone();
        seat.role = role;
        self.set_seat(seat);
        self.toast(format!("acting as {role}: {}", role.summary()));
        self.reload();
    }

    /// A refusal by the database, said in the seat's terms.
    pub(super) fn explain_refusal(&self, text: String) -> String {
        if text.contains("permission denied") || text.contains("row-level security") {
            format!(
                "the database refused this to the {} role: {text}",
                self.seat.role
            )
        } else {
            text
        }
    }
}
