//! `:jobs-export PATH` and `:jobs-import PATH`: the job list as a file, from the interface.

use super::App;
use crate::db::jobs_transfer;
use crate::domain::jobs_document;
use crate::tui::action::Action;

impl App {
    /// Runs a `:` command that takes an argument; false when `line` is none of them.
    pub(crate) fn command_with_argument(&mut self, line: &str) -> bool {
        let line = line.trim().trim_start_matches(':');
        let Some((name, arg)) = line.split_once(char::is_whitespace) else {
            return match line {
                "jobs-export" | "jobs-import" => {
                    self.error(format!(":{line} needs a file name, e.g. :{line} jobs.json"));
                    true
                }
                _ => false,
            };
        };
        let path = std::path::PathBuf::from(expand_home(arg.trim()));
        match name {
            "jobs-export" => self.jobs_export(path),
            "jobs-import" => self.jobs_import(path),
            _ => return false,
        }
        true
    }

    fn jobs_export(&mut self, path: std::path::PathBuf) {
        let pool = self.pool();
        self.spawn(async move {
            let jobs = match jobs_transfer::export(&pool).await {
                Ok(j) => j,
                Err(e) => return Action::Failed(format!("jobs export: {e}")),
            };
            let n = jobs.len();
            match tokio::fs::write(&path, jobs_document::write(jobs)).await {
                Ok(()) => Action::Done(format!("{n} jobs written to {}", path.display())),
                Err(e) => Action::Failed(format!("jobs export to {}: {e}", path.display())),
            }
        });
    }

    fn jobs_import(&mut self, path: std::path::PathBuf) {
        let (pool, by, now) = (self.pool(), self.operator.clone(), self.now());
        self.spawn(async move {
            let text = match tokio::fs::read_to_string(&path).await {
                Ok(t) => t,
                Err(e) => return Action::Failed(format!("jobs import: {}: {e}", path.display())),
            };
            let rows = match jobs_document::read(&text) {
                Ok(r) => r,
                Err(e) => return Action::Failed(format!("jobs import: {}: {e}", path.display())),
            };
            let mut conn = match pool.acquire().await {
                Ok(c) => c,
                Err(e) => return Action::Failed(format!("jobs import: {e}")),
            };
            let reports = jobs_transfer::import_rows(&mut conn, rows, &by, now, false).await;
            let (created, existing, invalid) = jobs_transfer::counts(&reports);
            let summary =
                format!("jobs import: created {created}, existing {existing}, invalid {invalid}");
            match reports.iter().find(|r| r.result.is_err()) {
                Some(bad) => Action::PartlyDone(format!("{summary}; first invalid: {bad}")),
                None => Action::Done(summary),
            }
        });
    }
}

/// `~/x` as the home directory's `x`; other paths as given.
fn expand_home(path: &str) -> String {
    match (path.strip_prefix("~/"), std::env::var("HOME")) {
        (Some(rest), Ok(home)) => format!("{home}/{rest}"),
        _ => path.to_string(),
    }
}

impl App {
    /// `x` in Reports: the month on screen as PDF, HTML and CSV in the reports folder (the data
    /// directory's `reports/`), rendered in the background; the toast names the files.
    pub(super) fn export_report(&mut self) {
        let Some(report) = self.reports.report.clone() else {
            self.error("the report is still loading");
            return;
        };
        let Some(dir) = crate::paths::default_data_dir().map(|d| d.join("reports")) else {
            self.error("no data directory to write reports into");
            return;
        };
        self.spawn(async move {
            let written = tokio::task::spawn_blocking(move || write_report(&report, &dir)).await;
            match written {
                Ok(Ok(paths)) => Action::Done(format!("report written: {}", paths.join(", "))),
                Ok(Err(e)) => Action::Failed(format!("writing the report: {e}")),
                Err(e) => Action::Failed(format!("writing the report: {e}")),
            }
        });
    }
}

/// Renders `report` as PDF, HTML and CSV into `dir`; returns the paths written.
fn write_report(
    report: &crate::domain::report::Report,
    dir: &std::path::Path,
) -> std::io::Result<Vec<String>> {
    use crate::reports::Format;
    write_formats(report, dir, &[Format::Pdf, Format::Html, Format::Csv])
}

/// Renders `report` in `formats` into `dir`; returns the paths written.
pub(super) fn write_formats(
    report: &crate::domain::report::Report,
    dir: &std::path::Path,
    formats: &[crate::reports::Format],
) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let stem = format!("backup-report-all-{}", report.period.from.format("%Y-%m"));
    let mut paths = Vec::new();
    for &format in formats {
        let path = dir.join(format!("{stem}.{}", format.extension()));
        // Customer data: readable by the operator only, as `backupchecks report` writes it.
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)?
            .write_all(&crate::reports::render(report, format))?;
        paths.push(path.display().to_string());
    }
    Ok(paths)
}
