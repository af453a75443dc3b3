//! Customers pane work: create, rename, (de)activate, and the Autotask company mapping (search,
//! map, check, remove). Each runs in a spawned task and reports back as an action.

use super::{App, CompanyPicker, InputPurpose, LineInput, Overlay, Pending};
use crate::db::{self, autotask::mapping::MappingStatus};
use crate::domain::company_match;
use crate::psa::company_sync;
use crate::tui::action::Action;
use crate::tui::keymap::{Command, Context, key_of};
use crate::tui::sanitize;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Companies listed per search.
const RESULTS: u32 = 20;
/// Typing pauses this long before a search goes to Autotask.
const DEBOUNCE: Duration = Duration::from_millis(250);

use crate::tui::action::failed;

impl App {
    pub(super) fn new_customer_input(&mut self) {
        self.overlay = Some(Overlay::Input(LineInput {
            purpose: InputPurpose::NewCustomer,
            title: "New customer: name".into(),
            value: crate::tui::input::TextField::default(),
        }));
    }

    pub(super) fn rename_customer_input(&mut self) {
        let Some(c) = self.customers_pane.current() else {
            return;
        };
        self.overlay = Some(Overlay::Input(LineInput {
            purpose: InputPurpose::RenameCustomer(c.id),
            title: format!("Rename {}", sanitize::line(&c.name)),
            value: crate::tui::input::TextField::new(c.name.clone()),
        }));
    }

    /// `@` in Customers: the address the customer's own scheduled report goes to.
    pub(super) fn customer_contact_input(&mut self) {
        let Some(c) = self.customers_pane.current() else {
            return;
        };
        self.overlay = Some(Overlay::Input(LineInput {
            purpose: InputPurpose::CustomerContact(c.id),
            title: format!(
                "Report contact of {} (empty: none)",
                sanitize::line(&c.name)
            ),
            value: crate::tui::input::TextField::new(c.contact_email.clone().unwrap_or_default()),
        }));
    }

    pub(crate) fn set_customer_contact(&mut self, id: i64, address: String) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("set the contact", e),
            };
            let address = Some(address.as_str()).filter(|a| !a.is_empty());
            match db::report_schedules::set_contact_by_id(&mut conn, id, address, &by).await {
                Ok(c) => Action::Done(match c.contact_email {
                    Some(a) => format!("{}: scheduled reports go to {a}", c.name),
                    None => format!("{}: no report contact", c.name),
                }),
                Err(e) => failed("set the contact", e),
            }
        });
    }

    pub(crate) fn create_customer(&mut self, name: String) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("new customer", e),
            };
            match db::customers::add(&mut conn, &name, &by).await {
                Ok(c) => Action::Done(format!("customer {} created", c.name)),
                Err(e) if e.is_duplicate() => {
                    Action::Failed(format!("a customer named {name} exists already"))
                }
                Err(e) => failed("new customer", e),
            }
        });
    }

    pub(crate) fn rename_customer(&mut self, id: i64, name: String) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("rename", e),
            };
            match db::customers::rename(&mut conn, id, &name, &by).await {
                Ok(c) => Action::Done(format!("renamed to {}", c.name)),
                Err(e) if e.is_duplicate() => {
                    Action::Failed(format!("a customer named {name} exists already"))
                }
                Err(e) => failed("rename", e),
            }
        });
    }

    pub(super) fn toggle_active(&mut self) {
        let Some(c) = self.customers_pane.current() else {
            return;
        };
        let (id, active) = (c.id, !c.active);
        let (pool, by) = (self.pool(), self.operator.clone());
        let toggle = key_of(Context::Customers, Command::ToggleActive);
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("(de)activate", e),
            };
            match db::customers::set_active(&mut conn, id, active, &by).await {
                Ok(c) if c.active => Action::Done(format!("{} is active", c.name)),
                Ok(c) => Action::Done(format!(
                    "{} is inactive · {toggle} activates it again",
                    c.name
                )),
                Err(e) => failed("(de)activate", e),
            }
        });
    }

    /// `m`: the company picker, listing active companies until something is typed.
    pub(super) fn open_company_picker(&mut self) {
        let Some(c) = self.customers_pane.current() else {
            return;
        };
        let (customer_id, customer_name) = (c.id, c.name.clone());
        if self.autotask_client().is_none() {
            return;
        }
        let mut p = Box::new(CompanyPicker {
            customer_id,
            customer_name,
            query: String::new(),
            results: Vec::new(),
            cursor: 0,
            searching: false,
            error: None,
            seq: 0,
            latest: Arc::new(AtomicU64::new(0)),
        });
        self.search_companies(&mut p);
        self.overlay = Some(Overlay::CompanyPicker(p));
    }

    /// Starts a search for the picker's query; results arrive as [`Action::CompaniesFound`].
    pub(crate) fn search_companies(&mut self, p: &mut CompanyPicker) {
        let Some(client) = self.services.autotask.clone() else {
            return;
        };
        p.seq += 1;
        p.searching = true;
        p.latest.store(p.seq, Ordering::SeqCst);
        let (seq, latest, query) = (p.seq, p.latest.clone(), p.query.clone());
        self.spawn(async move {
            tokio::time::sleep(DEBOUNCE).await;
            if latest.load(Ordering::SeqCst) != seq {
                return Action::CompaniesFound { seq, result: None };
            }
            let result = client
                .search_companies(&query, RESULTS)
                .await
                .map_err(|e| e.to_string());
            Action::CompaniesFound {
                seq,
                result: Some(result),
            }
        });
    }

    /// Maps a customer to a company, asking first when the company already belongs to another
    /// customer or the names share no word (`company_name` is `None` for an id typed by hand).
    /// Returns the question to show, if any.
    pub(crate) fn map_company_asking(
        &mut self,
        customer_id: i64,
        customer_name: &str,
        company_id: i64,
        company_name: Option<&str>,
    ) -> Option<Overlay> {
        let company = company_name.map_or_else(|| format!("company {company_id}"), str::to_string);
        let mut doubts = Vec::new();
        if let Some(other) = self
            .customers_pane
            .rows
            .iter()
            .find(|c| c.id != customer_id && c.autotask_company_id == Some(company_id))
        {
            doubts.push(format!("{company} is already mapped to {}.", other.name));
        }
        if company_name.is_some_and(|n| !company_match::names_share_a_word(customer_name, n)) {
            doubts.push("The names share no word.".to_string());
        }
        if doubts.is_empty() {
            self.map_company(customer_id, company_id);
            return None;
        }
        Some(Overlay::Confirm {
            question: format!("Map {customer_name} to {company}? {}", doubts.join(" ")),
            then: Pending::MapCompany {
                customer_id,
                company_id,
            },
        })
    }

    pub(crate) fn map_company(&mut self, customer_id: i64, company_id: i64) {
        let Some(client) = self.autotask_client() else {
            return;
        };
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            match company_sync::map_customer(&pool, &client, customer_id, company_id, &by, now)
                .await
            {
                Ok(m) => Action::Done(format!(
                    "{} mapped to {} ({company_id})",
                    m.customer_name,
                    m.company_name.unwrap_or_default()
                )),
                Err(e) => failed("mapping", e),
            }
        });
    }

    pub(super) fn check_mapping(&mut self) {
        let Some(c) = self.customers_pane.current() else {
            return;
        };
        if c.autotask_company_id.is_none() {
            self.error(format!(
                "no company mapped yet: {} maps one",
                key_of(Context::Customers, Command::MapCompany)
            ));
            return;
        }
        let (id, name) = (c.id, c.name.clone());
        let Some(client) = self.autotask_client() else {
            return;
        };
        let (pool, now) = (self.pool(), self.now());
        let map = key_of(Context::Customers, Command::MapCompany);
        self.spawn(async move {
            match company_sync::check_customer(&pool, &client, id, now).await {
                Ok(check) => Action::Done(match check.status {
                    MappingStatus::Renamed => format!(
                        "{name}: renamed in Autotask, now {}",
                        check.company_name.unwrap_or_default()
                    ),
                    MappingStatus::Invalid => format!(
                        "{name}: the company is gone or inactive in Autotask ({map} maps another)"
                    ),
                    s => format!("{name}: mapping {}", s.as_str()),
                }),
                Err(e) => failed("checking the mapping", e),
            }
        });
    }

    pub(super) fn check_all_mappings(&mut self) {
        let Some(client) = self.autotask_client() else {
            return;
        };
        let (pool, now) = (self.pool(), self.now());
        self.toast("checking every mapping in Autotask…");
        self.spawn(async move {
            match company_sync::check_all(&pool, &client, now).await {
                Ok(checks) => {
                    let count = |s: MappingStatus| {
                        checks
                            .iter()
                            .filter(|c| c.as_ref().is_ok_and(|c| c.status == s))
                            .count()
                    };
                    let errors = checks.iter().filter(|c| c.is_err()).count();
                    Action::Done(format!(
                        "checked {} mappings: {} ok, {} renamed, {} invalid{}",
                        checks.len(),
                        count(MappingStatus::Ok),
                        count(MappingStatus::Renamed),
                        count(MappingStatus::Invalid),
                        if errors > 0 {
                            format!(", {errors} could not be checked")
                        } else {
                            String::new()
                        }
                    ))
                }
                Err(e) => failed("checking the mappings", e),
            }
        });
    }

    pub(super) fn remove_mapping(&mut self, customer_id: i64) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("removing the mapping", e),
            };
            match db::autotask::mapping::remove(&mut conn, customer_id, &by).await {
                Ok(()) => Action::Done("Autotask mapping removed".into()),
                Err(e) => failed("removing the mapping", e),
            }
        });
    }

    /// `x` in Customers: asks before removing a mapping.
    pub(super) fn ask_remove_mapping(&mut self) {
        let Some(c) = self.customers_pane.current() else {
            return;
        };
        if c.autotask_company_id.is_none() {
            self.error("this customer has no Autotask company mapped");
            return;
        }
        self.overlay = Some(Overlay::Confirm {
            question: format!(
                "Remove the Autotask mapping of {}? Tickets made before keep their links.",
                crate::tui::sanitize::line(&c.name)
            ),
            then: Pending::RemoveMapping(c.id),
        });
    }
}
