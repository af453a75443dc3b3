//! `E` and `I` in Customers: the customer list to and from a CSV file. An import runs dry
//! first and asks, naming what would change.

use super::{App, Overlay, Pending};
use crate::db::customers_import;
use crate::domain::customers_csv;
use crate::tui::action::{Action, failed};
use crate::tui::dialogs::{InputPurpose, LineInput};
use crate::tui::sanitize;

impl App {
    pub(super) fn customers_file_input(&mut self, import: bool) {
        self.overlay = Some(Overlay::Input(LineInput {
            purpose: if import {
                InputPurpose::ImportCustomers
            } else {
                InputPurpose::ExportCustomers
            },
            title: if import {
                "Import customers from CSV file".into()
            } else {
                "Export customers to CSV file".into()
            },
            value: "customers.csv".into(),
        }));
    }

    pub(crate) fn export_customers(&mut self, path: String) {
        let pool = self.pool();
        self.spawn(async move {
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("export", e),
            };
            let records = match customers_import::export(&mut conn).await {
                Ok(r) => r,
                Err(e) => return failed("export", e),
            };
            match tokio::fs::write(&path, customers_csv::write(&records)).await {
                Ok(()) => Action::Done(format!("{} customers written to {path}", records.len())),
                Err(e) => Action::Failed(format!("export: writing {path}: {e}")),
            }
        });
    }

    /// A dry run asks before the real import; the real one says what it did.
    pub(crate) fn import_customers(&mut self, path: String, dry_run: bool) {
        let (pool, by) = (self.pool(), self.operator.clone());
        self.spawn(async move {
            let bytes = match tokio::fs::read(&path).await {
                Ok(b) => b,
                Err(e) => return Action::Failed(format!("import: reading {path}: {e}")),
            };
            let rows = match customers_csv::read(&bytes) {
                Ok(r) => r,
                Err(e) => return Action::Failed(format!("import: {path}: {e}")),
            };
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return failed("import", e),
            };
            let reports = match customers_import::import(&mut conn, rows, &by, dry_run).await {
                Ok(r) => r,
                Err(e) => return failed("import", e),
            };
            let (created, updated, unchanged, invalid) = customers_import::counts(&reports);
            let first_invalid = reports
                .iter()
                .find(|r| r.result.is_err())
                .map(|r| format!(" (first: {r})"))
                .unwrap_or_default();
            let summary = format!(
                "created {created}, updated {updated}, unchanged {unchanged}, invalid {invalid}"
            );
            if dry_run {
                Action::Ask {
                    question: sanitize::line(&format!(
                        "Import {path}? It would give: {summary}{first_invalid}. Invalid rows \
                         change nothing."
                    )),
                    then: Pending::ImportCustomers(path),
                }
            } else {
                Action::Done(sanitize::line(&format!("customers imported: {summary}")))
            }
        });
    }
}
