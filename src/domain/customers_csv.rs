//! The customer list as CSV (RFC 4180): `name`, `active`, `autotask_company_id`. Reading
//! accepts what spreadsheets send: UTF-8 with or without a byte-order mark, `;` or `,` between
//! fields (whichever the header line uses), `true/false`, `yes/no`, `ja/nee`, `1/0` for active,
//! and an empty company id. Every row is read on its own, so one bad row rejects only itself.

/// One customer as the file holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerRecord {
    pub name: String,
    pub active: bool,
    pub autotask_company_id: Option<i64>,
}

/// A data row of a file: its line number (the header is line 1) and what it says, or why it
/// cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRow {
    pub line: usize,
    /// The name as written (trimmed), to say which row a rejection is about.
    pub name: String,
    pub record: Result<CustomerRecord, String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CsvError {
    #[error("the file is not UTF-8 text (save it as \"CSV UTF-8\")")]
    NotUtf8,
    #[error("the file is empty")]
    Empty,
    #[error("the header line needs a column {0:?} (columns: name, active, autotask_company_id)")]
    MissingColumn(&'static str),
    #[error("reading the header line: {0}")]
    Header(String),
}

pub const HEADER: [&str; 3] = ["name", "active", "autotask_company_id"];

/// `;` when the header line has more of them than of `,` (outside quotes), else `,`.
pub fn delimiter(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let (mut semicolons, mut commas, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ';' if !quoted => semicolons += 1,
            ',' if !quoted => commas += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

/// Reads a customer list; the columns may come in any order and in any letter case, and
/// columns it does not know are ignored. An empty company id means "not mapped".
pub fn read(bytes: &[u8]) -> Result<Vec<CsvRow>, CsvError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CsvError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(CsvError::Empty);
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(text))
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| CsvError::Header(e.to_string()))?
        .clone();
    let column = |name: &'static str| {
        header
            .iter()
            .position(|h| normalise_header(h) == name)
            .ok_or(CsvError::MissingColumn(name))
    };
    let (name_at, active_at) = (column("name")?, column("active")?);
    let company_at = column("autotask_company_id")?;
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            // The reader counts the header line as 0.
            .map_or(i + 2, |p| p.line() as usize + 1);
        let (name, record) = match record {
            Ok(r) if r.iter().all(|f| f.trim().is_empty()) => continue,
            Ok(r) => (
                r.get(name_at).unwrap_or("").trim().to_string(),
                row(r.get(name_at), r.get(active_at), r.get(company_at)),
            ),
            Err(e) => (String::new(), Err(format!("unreadable: {e}"))),
        };
        rows.push(CsvRow { line, name, record });
    }
    Ok(rows)
}

/// "Autotask company id" and "autotask_company_id" are one column.
fn normalise_header(h: &str) -> String {
    h.trim()
        .to_lowercase()
        .split(|c: char| c.is_whitespace() || c == '_' || c == '-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

fn row(
    name: Option<&str>,
    active: Option<&str>,
    company: Option<&str>,
) -> Result<CustomerRecord, String> {
    let name = name.map(str::trim).unwrap_or("");
    if name.is_empty() {
        return Err("no name".into());
    }
    if name.chars().any(char::is_control) {
        return Err("the name holds a control character".into());
    }
    let active = match active.map(|a| a.trim().to_lowercase()).as_deref() {
        Some("true" | "yes" | "ja" | "1" | "y" | "j" | "waar" | "active" | "actief") => true,
        Some("false" | "no" | "nee" | "0" | "n" | "onwaar" | "inactive" | "inactief") => false,
        Some("") | None => return Err("no value for active (true or false)".into()),
        Some(other) => return Err(format!("active is {other:?}, not true or false")),
    };
    let autotask_company_id = match company.map(str::trim) {
        None | Some("") => None,
        Some(id) => match id.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                return Err(format!(
                    "Autotask company id {id:?} is not a positive number"
                ));
            }
        },
    };
    Ok(CustomerRecord {
        name: name.to_string(),
        active,
        autotask_company_id,
    })
}

/// Writes a customer list: a header line, `,` between fields, quotes where RFC 4180 needs
/// them, CRLF line ends, no byte-order mark.
pub fn write(records: &[CustomerRecord]) -> String {
    let mut out = String::new();
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    for r in records {
        let company = r
            .autotask_company_id
            .map(|id| id.to_string())
            .unwrap_or_default();
        let fields = [quote(&r.name), r.active.to_string(), company];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', ';', '"', '\r', '\n']) || field.trim() != field {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(name: &str, active: bool, id: Option<i64>) -> CustomerRecord {
        CustomerRecord {
            name: name.into(),
            active,
            autotask_company_id: id,
        }
    }

    #[test]
    fn a_written_list_reads_back_the_same() {
        let records = vec![
            rec("Acme, Inc.", true, Some(123)),
            rec("Bakker \"de Bouw\" B.V.", false, None),
            rec("Café Zoë; Ede", true, Some(9)),
        ];
        let text = write(&records);
        let back: Vec<CustomerRecord> = read(text.as_bytes())
            .unwrap()
            .into_iter()
            .map(|r| r.record.unwrap())
            .collect();
        assert_eq!(back, records);
    }

    #[test]
    fn a_dutch_spreadsheet_export_with_bom_and_semicolons_reads() {
        let text = "\u{feff}Name;Active;Autotask company id\r\n\
                    Tandartspraktijk Één;ja;4711\r\n\
                    \"Bakker; Zonen\";nee;\r\n\
                    ;ja;1\r\n\
                    Garage Müller;misschien;2\r\n\
                    \r\n";
        let rows = read(text.as_bytes()).unwrap();
        assert_eq!(delimiter(text), b';');
        assert_eq!(rows.len(), 4);
        assert_eq!(
            rows[0].record,
            Ok(rec("Tandartspraktijk Één", true, Some(4711)))
        );
        assert_eq!(rows[1].record, Ok(rec("Bakker; Zonen", false, None)));
        assert_eq!(rows[2].record, Err("no name".into()));
        assert_eq!(rows[2].line, 4);
        assert!(rows[3].record.as_ref().unwrap_err().contains("misschien"));
    }

    #[test]
    fn a_missing_column_or_other_text_is_refused_whole() {
        assert_eq!(
            read(b"name,company\nAcme,1\n"),
            Err(CsvError::MissingColumn("active"))
        );
        assert_eq!(
            read(b"name,active\nAcme,true\n"),
            Err(CsvError::MissingColumn("autotask_company_id"))
        );
        assert_eq!(read(b"\xff\xfe"), Err(CsvError::NotUtf8));
        assert_eq!(read("\u{feff}".as_bytes()), Err(CsvError::Empty));
    }
}
