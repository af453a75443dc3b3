//! `backupchecks users …`: the logins of a shared database and their roles, for an admin. Each
//! user is a PostgreSQL login in one or more of the group roles viewer, reporter, operator and
//! admin; PostgreSQL enforces what each may do.

use crate::config;
use crate::db::users;
use crate::domain::roles::Role;
use std::path::Path;
use std::process::ExitCode;

/// Manage who may use a shared database, and as what.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: UsersCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum UsersCommand {
    /// Every login in a backupchecks role, with its roles.
    List,
    /// Create a login in a role (viewer, reporter, operator, admin).
    Add {
        name: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// Ask for the new login's password (read from standard input without a terminal).
        #[arg(long)]
        password_prompt: bool,
    },
    /// Add a role to a login.
    Grant {
        name: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Take a role from a login.
    Revoke {
        name: String,
        #[arg(value_parser = parse_role)]
        role: Role,
    },
    /// Stop a login from connecting (its history stays).
    Disable { name: String },
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s)
        .ok_or_else(|| format!("`{s}` is not a role: viewer, reporter, operator or admin"))
}

pub async fn run(args: Args, explicit: Option<&Path>) -> anyhow::Result<ExitCode> {
    let loaded = config::load(explicit, &|k| std::env::var(k).ok())?;
    let _log = crate::logging::init(&loaded.config.log);
    let db = super::open_database(&loaded.config.database).await?;
    let by = super::interface::operator(&loaded);
    let mut conn = db.pool().acquire().await?;
    match args.command {
        UsersCommand::List => {
            let list = users::list(&mut *conn).await?;
            if list.is_empty() {
                println!("no logins in a backupchecks role yet (`users add NAME --role ROLE`)");
            }
            for u in list {
                let roles: Vec<&str> = u
                    .roles
                    .iter()
                    .filter_map(|g| Role::parse(g).map(Role::name))
                    .collect();
                let state = if u.can_login { "" } else { "  (disabled)" };
                println!("{:<24} {}{state}", u.name, roles.join(", "));
            }
        }
        UsersCommand::Add {
            name,
            role,
            password_prompt,
        } => {
            let password = if password_prompt {
                let label = format!("Password for the new login {name}: ");
                match tokio::task::spawn_blocking(move || super::password::prompt(&label)).await?? {
                    Some(p) if !p.is_empty() => Some(p),
                    _ => anyhow::bail!("no password given; nothing was created"),
                }
            } else {
                None
            };
            users::add(&mut conn, &name, role, password.as_deref(), &by).await?;
            println!("created login {name} as {role}");
        }
        UsersCommand::Grant { name, role } => {
            users::grant(&mut conn, &name, role, &by).await?;
            println!("{name} may now act as {role}");
        }
        UsersCommand::Revoke { name, role } => {
            users::revoke(&mut conn, &name, role, &by).await?;
            println!("{name} may no longer act as {role}");
        }
        UsersCommand::Disable { name } => {
            users::disable(&mut conn, &name, &by).await?;
            println!("{name} can no longer log in");
        }
    }
    drop(conn);
    db.close().await?;
    Ok(ExitCode::SUCCESS)
}
