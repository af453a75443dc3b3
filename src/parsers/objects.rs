//! Reading per-object rows (name, type, status, details) from HTML report tables by their
//! header words, so column order and extra columns do not matter.

use super::html::Table;
use super::report::ReportObject;
use super::status_words::status_word;
use super::text::{clean_line, is_one_of, message};
use crate::domain::status::Status;

// Header words in English first, then as localized products write them (Italian, Dutch,
// German, French, Spanish).
const NAME: &[&str] = &[
    "name", "object", "vm", "vm name", "mailbox", "computer", "device", "nome", "nome vm",
    "oggetto", "naam", "nom", "nombre", "objekt",
];
const STATUS: &[&str] = &[
    "status",
    "result",
    "state",
    "stato",
    "risultato",
    "resultaat",
    "ergebnis",
    "statut",
    "état",
    "estado",
];
const TYPE: &[&str] = &["type", "object type", "tipo", "typ"];
const DETAILS: &[&str] = &[
    "details",
    "message",
    "error",
    "reason",
    "description",
    "dettagli",
    "messaggio",
    "détails",
    "detalles",
    "bericht",
    "meldung",
];

/// Logical column of the first header cell that is one of `words`, counting `colspan`.
fn column(header: &[super::html::Cell], words: &[&str]) -> Option<usize> {
    let mut at: usize = 0;
    for c in header {
        if is_one_of(c.text.trim(), words) {
            return Some(at);
        }
        at += c.colspan;
    }
    None
}

/// The text of the cell covering logical column `col`.
fn cell_at(row: &[super::html::Cell], col: usize) -> Option<&str> {
    let mut at: usize = 0;
    for c in row {
        if at <= col && col < at + c.colspan {
            return Some(c.text.as_str());
        }
        at += c.colspan;
    }
    None
}

/// First line of a cell: the status word sits above any smaller print.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("").trim()
}

/// Objects from the first table that has a name and a status column header. A single-cell row
/// after an object row is that object's details (the layout Veeam Agent mails use).
pub fn object_rows(tables: &[Table], default_type: Option<&str>) -> Vec<ReportObject> {
    for table in tables {
        let Some(header_at) = table
            .rows
            .iter()
            .position(|row| column(row, NAME).is_some() && column(row, STATUS).is_some())
        else {
            continue;
        };
        let Some(header) = table.rows.get(header_at) else {
            continue;
        };
        let (Some(name_col), Some(status_col)) = (column(header, NAME), column(header, STATUS))
        else {
            continue;
        };
        let type_col = column(header, TYPE);
        let details_col = column(header, DETAILS);
        let mut objects: Vec<ReportObject> = Vec::new();
        for row in table.rows.iter().skip(header_at + 1) {
            if row.len() == 1 {
                let text = row.first().map_or("", |c| c.text.as_str());
                if let Some(last) = objects.last_mut()
                    && !text.trim().eq_ignore_ascii_case("details")
                    && let Some(extra) = message(text)
                {
                    last.message = Some(match last.message.take() {
                        Some(m) => format!("{m}\n{extra}"),
                        None => extra,
                    });
                }
                continue;
            }
            let name = cell_at(row, name_col).map(clean_line).unwrap_or_default();
            let status = cell_at(row, status_col).and_then(|s| status_word(first_line(s)));
            let Some(status) = status else { continue };
            if name.is_empty() {
                continue;
            }
            let object_type = type_col
                .and_then(|c| cell_at(row, c))
                .map(clean_line)
                .filter(|t| !t.is_empty())
                .or_else(|| default_type.map(str::to_string));
            let msg = details_col.and_then(|c| cell_at(row, c)).and_then(message);
            objects.push(ReportObject {
                name,
                object_type,
                status,
                message: msg,
            });
        }
        if !objects.is_empty() {
            return objects;
        }
    }
    Vec::new()
}

/// The cells of a text table row: split at tabs, at ` | ` (our HTML rendering), else at runs of
/// two or more spaces (a fixed-width layout).
fn text_cells(line: &str) -> Vec<&str> {
    let cells: Vec<&str> = if line.contains('\t') {
        line.split('\t').collect()
    } else if line.contains(super::html::CELL_SEPARATOR) {
        line.split(super::html::CELL_SEPARATOR).collect()
    } else {
        line.split("  ").filter(|c| !c.trim().is_empty()).collect()
    };
    cells.into_iter().map(str::trim).collect()
}

fn text_column(cells: &[&str], words: &[&str]) -> Option<usize> {
    cells.iter().position(|c| is_one_of(c, words))
}

/// Objects from a table written as text (a plain-text report, or HTML converted to text by a
/// mail client): the first line with a name and a status column header, then one object per
/// line until a line without a status word in that column.
pub fn text_object_rows(text: &str, default_type: Option<&str>) -> Vec<ReportObject> {
    let lines: Vec<&str> = text.lines().collect();
    let Some((header_at, name_col, status_col, details_col)) =
        lines.iter().enumerate().find_map(|(i, line)| {
            let cells = text_cells(line);
            (cells.len() >= 2).then_some(())?;
            Some((
                i,
                text_column(&cells, NAME)?,
                text_column(&cells, STATUS)?,
                text_column(&cells, DETAILS),
            ))
        })
    else {
        return Vec::new();
    };
    let mut objects = Vec::new();
    for line in lines.iter().skip(header_at + 1) {
        if line.trim().is_empty() {
            if objects.is_empty() {
                continue;
            }
            break;
        }
        let cells = text_cells(line);
        let name = cells
            .get(name_col)
            .map(|c| clean_line(c))
            .unwrap_or_default();
        let Some(status) = cells.get(status_col).and_then(|c| status_word(c)) else {
            break;
        };
        if name.is_empty() {
            continue;
        }
        objects.push(ReportObject {
            name,
            object_type: default_type.map(str::to_string),
            status,
            message: details_col
                .and_then(|c| cells.get(c))
                .and_then(|m| message(m)),
        });
    }
    objects
}

/// The run status when the product states none: the worst object status.
pub fn worst(objects: &[ReportObject]) -> Option<Status> {
    objects.iter().map(|o| o.status).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsers::html::tables;

    #[test]
    fn rows_by_header_words() {
        let html = "<table><tr><td>Name</td><td>Start</td><td>Status</td><td>Details</td></tr>\
            <tr><td>vm1</td><td>1</td><td>Success</td><td></td></tr>\
            <tr><td>vm2</td><td colspan=2>Error</td><td>disk gone</td></tr>\
            <tr><td>TOTAL</td><td></td><td></td><td></td></tr>\
            <tr><td colspan=4>more text</td></tr></table>";
        let objects = object_rows(&tables(html), Some("VM"));
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].status, Status::Success);
        assert_eq!(objects[0].message, None);
        assert_eq!(objects[1].name, "vm2");
        assert_eq!(objects[1].status, Status::Failed);
        assert_eq!(objects[1].message.as_deref(), Some("disk gone\nmore text"));
        assert_eq!(objects[1].object_type.as_deref(), Some("VM"));
        assert_eq!(worst(&objects), Some(Status::Failed));
    }

    #[test]
    fn text_rows_localized() {
        let text = "Dettagli\nNome\tStato\tOra di inizio\tDettagli\n\
            fs01\tAvviso\t22:00:31\tCBT non abilitato\nweb01\tRiuscito\t22:01:00\t\n\nFine";
        let objects = text_object_rows(text, Some("VM"));
        assert_eq!(objects.len(), 2);
        assert_eq!(objects[0].name, "fs01");
        assert_eq!(objects[0].status, Status::Warning);
        assert_eq!(objects[0].message.as_deref(), Some("CBT non abilitato"));
        assert_eq!(objects[1].status, Status::Success);
        assert_eq!(objects[1].message, None);
        let fixed = "Naam     Status    Details\nsrv1     Mislukt   Schijf vol\nTotaal";
        let objects = text_object_rows(fixed, None);
        assert_eq!(objects.len(), 1);
        assert_eq!(objects[0].status, Status::Failed);
        assert!(text_object_rows("no table here", None).is_empty());
    }
}
