//! Who may do what: the four roles of a team and the capabilities each has. PostgreSQL enforces
//! the same matrix with grants (migration 0008); the interface uses this to show each role only
//! what it may use.

use std::fmt;

/// A role, lowest first: a higher role may do everything a lower one may, except that a
/// reporter sees reports rather than the review panes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Reporter,
    Operator,
    Admin,
}

/// Something a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// Read customers, jobs, runs, mail, tickets (every role).
    Read,
    /// The panes of the daily work (every role but the reporter, who sees reports only).
    Browse,
    /// The backup reports (every role).
    Reports,
    /// The Run Checks queue, reviewing and undoing reviews.
    Review,
    /// Approve waiting mail into jobs, parse again, import now.
    Approve,
    /// Delete (soft) and restore mail.
    DeleteMail,
    /// Internal and Autotask tickets, remarks, resolving them.
    Ticket,
    /// Create and edit overrides (deactivate, not delete).
    EditOverrides,
    /// Create, rename and map customers; archive jobs, pin schedules.
    ManageJobs,
    /// Change shared settings.
    Settings,
    /// Read the audit log.
    AuditLog,
    /// See deleted mail and archived jobs.
    SeeDeleted,
    /// Delete for good (after a soft delete), manage users.
    Administer,
    /// Run the background services (import, missed-run check, Autotask polling).
    RunServices,
    /// Write feedback items, vote, reply and attach files (every role: the suggestion box is the
    /// whole team's).
    Feedback,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Reporter, Role::Operator, Role::Admin];

    /// The PostgreSQL group role of this role.
    pub fn group(self) -> &'static str {
        match self {
            Role::Viewer => "backupchecks_viewer",
            Role::Reporter => "backupchecks_reporter",
            Role::Operator => "backupchecks_operator",
            Role::Admin => "backupchecks_admin",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Reporter => "reporter",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }

    /// `viewer`, `operator`, … or the group name itself.
    pub fn parse(s: &str) -> Option<Role> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.name() == s || r.group() == s)
    }

    pub fn can(self, cap: Capability) -> bool {
        use Capability as C;
        match cap {
            C::Read | C::Reports | C::Feedback => true,
            C::Browse => self != Role::Reporter,
            C::Review
            | C::Approve
            | C::DeleteMail
            | C::Ticket
            | C::EditOverrides
            | C::ManageJobs
            | C::RunServices => self >= Role::Operator,
            C::Settings | C::AuditLog | C::SeeDeleted | C::Administer => self == Role::Admin,
        }
    }

    /// What this role may do, in one line (for `doctor` and the role picker).
    pub fn summary(self) -> &'static str {
        match self {
            Role::Viewer => "read customers, jobs, runs, mail and tickets; no changes",
            Role::Reporter => "the backup reports; no changes",
            Role::Operator => {
                "review runs, approve mail, tickets, remarks and overrides, manage customers and jobs"
            }
            Role::Admin => {
                "everything: settings, the audit log, deleted mail, permanent deletes and users"
            }
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What the database says about the login of this seat.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Login {
    pub name: String,
    /// A superuser, or a member of the role owning the tables: everything, as an admin.
    pub owner: bool,
    pub superuser: bool,
    /// The group roles the login is a member of.
    pub groups: Vec<Role>,
}

impl Login {
    /// The roles this login may act as, lowest first. A superuser may act as any; the owner of
    /// the tables is an admin; a login in no group at all may still read.
    pub fn roles(&self) -> Vec<Role> {
        let mut roles: Vec<Role> = if self.superuser {
            Role::ALL.to_vec()
        } else {
            self.groups.clone()
        };
        if self.owner && !roles.contains(&Role::Admin) {
            roles.push(Role::Admin);
        }
        if roles.is_empty() {
            roles.push(Role::Viewer);
        }
        roles.sort();
        roles.dedup();
        roles
    }

    /// The role a seat starts as: the highest it has.
    pub fn default_role(&self) -> Role {
        self.roles().last().copied().unwrap_or(Role::Viewer)
    }

    /// Whether acting as `role` needs `SET ROLE`: the login's own rights are already those of
    /// its default role (an owner's, or the union of its groups, which are all lower).
    pub fn needs_set_role(&self, role: Role) -> bool {
        role != self.default_role()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_operators_and_admins_change_runs_and_only_admins_settings() {
        assert!(!Role::Viewer.can(Capability::Review));
        assert!(!Role::Reporter.can(Capability::Ticket));
        assert!(Role::Operator.can(Capability::Review));
        assert!(Role::Operator.can(Capability::EditOverrides));
        assert!(!Role::Operator.can(Capability::Settings));
        assert!(!Role::Operator.can(Capability::AuditLog));
        assert!(Role::Admin.can(Capability::Administer));
        assert!(Role::ALL.iter().all(|r| r.can(Capability::Read)));
        // A reporter sees the reports, not the panes of the daily work.
        assert!(Role::Reporter.can(Capability::Reports));
        assert!(!Role::Reporter.can(Capability::Browse));
        assert!(Role::Viewer.can(Capability::Browse));
    }

    #[test]
    fn a_login_acts_as_its_highest_role_by_default() {
        let l = Login {
            name: "ann".into(),
            groups: vec![Role::Operator, Role::Viewer],
            ..Login::default()
        };
        assert_eq!(l.roles(), vec![Role::Viewer, Role::Operator]);
        assert_eq!(l.default_role(), Role::Operator);
        assert!(l.needs_set_role(Role::Viewer));
        assert!(!l.needs_set_role(Role::Operator));
        let owner = Login {
            owner: true,
            ..Login::default()
        };
        assert_eq!(owner.roles(), vec![Role::Admin]);
        let su = Login {
            superuser: true,
            ..Login::default()
        };
        assert_eq!(su.roles(), Role::ALL.to_vec());
        assert_eq!(Login::default().roles(), vec![Role::Viewer]);
    }

    #[test]
    fn roles_parse_by_name_or_group() {
        assert_eq!(Role::parse(" Viewer "), Some(Role::Viewer));
        assert_eq!(Role::parse("backupchecks_admin"), Some(Role::Admin));
        assert_eq!(Role::parse("root"), None);
    }
}
