//! Every renderer checked by content, on the hand-computed model of `domain::report`, with
//! names that need escaping in every format.

use super::{Format, render};
use crate::domain::report::{Report, build, tests::fixture};
use chrono::TimeZone;

const NASTY: &str = "=HYPERLINK(\"x\"), <b>Bad</b> | *ü* & ß";

fn report() -> Report {
    let mut input = fixture(chrono::Utc.with_ymd_and_hms(2026, 11, 5, 8, 0, 0).unwrap());
    if let Some(j) = input.jobs.iter_mut().find(|j| j.name == "Ad hoc") {
        j.name = NASTY.to_string();
    }
    build(&input)
}

/// The text of a PDF as its viewer would extract it, page by page.
fn pdf_text(bytes: &[u8]) -> Vec<String> {
    let doc = lopdf::Document::load_mem(bytes).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    pages
        .iter()
        .map(|p| doc.extract_text(&[*p]).unwrap())
        .collect()
}

/// Fields of an RFC 4180 document (quoted fields, doubled quotes, CRLF records).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "records end in CRLF"),
            (false, '\n') => panic!("a bare LF ends a record"),
            (false, c) => field.push(c),
        }
        if !quoted && c == '\r' {
            row.push(std::mem::take(&mut field));
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last record ends in CRLF"
    );
    rows
}

fn text_of(format: Format) -> String {
    String::from_utf8(render(&report(), format)).unwrap()
}

#[test]
fn the_pdf_has_searchable_text_with_accents_and_the_numbers() {
    let bytes = render(&report(), Format::Pdf);
    assert!(bytes.starts_with(b"%PDF-"));
    let pages = pdf_text(&bytes);
    assert_eq!(pages.len(), 4, "cover, summary, one page per customer");
    assert!(pages[0].contains("Backup report") && pages[0].contains("October 2026"));
    assert!(pages[0].contains("78.9%") && pages[0].contains("-21.1 pp"));
    assert!(pages[1].contains("Ärzte Müller & Söhne") && pages[1].contains("Straße GmbH"));
    assert!(pages[1].contains("80.6%") && pages[1].contains("-19.4 pp"));
    let acme = &pages[2];
    for expected in [
        "Nightly",
        "83.9%",
        "-16.1 pp",
        "Daily at 23:50",
        "streak 3",
        "T20261012.0001",
        "resolved 2026-10-22",
        "T20261028.0001",
        "Listed apart",
        "DSM update",
        "Remarks",
        "R5",
    ] {
        assert!(acme.contains(expected), "{expected} missing from {acme}");
    }
    assert!(pages[3].contains(NASTY), "{}", pages[3]);
    assert!(pages[3].contains("page 4 of 4"));
}

#[test]
fn the_pdf_strip_has_one_coloured_cell_per_day() {
    let bytes = render(&report(), Format::Pdf);
    let mut doc = lopdf::Document::load_mem(&bytes).unwrap();
    doc.decompress();
    let page = *doc.get_pages().get(&3).unwrap();
    let content = String::from_utf8_lossy(&doc.get_page_content(page)).to_string();
    // The Missed colour (#c026d3) fills the three days of Nightly's streak and Weekly's 30th.
    let missed = content.matches("0.7529412 0.14901961 0.827451 rg").count();
    assert_eq!(
        missed,
        4 + 2,
        "four Missed days and the legends of both tables"
    );
}

#[test]
fn html_is_self_contained_escaped_and_has_the_numbers() {
    let html = text_of(Format::Html);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("href="));
    assert!(html.contains("<svg") && html.contains("@media print"));
    assert!(html.contains("=HYPERLINK(&quot;x&quot;), &lt;b&gt;Bad&lt;/b&gt; | *ü* &amp; ß"));
    assert!(!html.contains("<b>Bad</b>"));
    assert!(html.contains("<title>Ärzte Müller &amp; Söhne: 80.6%</title>"));
    let nightly = html.split("<tr><td>Nightly").nth(1).unwrap();
    let row = nightly.split("</tr>").next().unwrap();
    for cell in [
        "data-k=\"expected\">31<",
        "data-k=\"success\">25<",
        "data-k=\"success_override\">1<",
        "data-k=\"failed\">2<",
        "data-k=\"missed\">3<",
        "data-k=\"success_rate\"><b>83.9%</b>",
        "-16.1 pp",
    ] {
        assert!(row.contains(cell), "{cell} missing from {row}");
    }
    assert_eq!(row.matches("class=\"d\"").count(), 31);
    assert!(html.contains("T20261012.0001"));
}

#[test]
fn csv_parses_back_with_stable_columns_and_defused_names() {
    let csv = text_of(Format::Csv);
    let rows = parse_csv(&csv);
    assert_eq!(rows[0], super::csv::COLUMNS.map(String::from).to_vec());
    assert_eq!(rows.len(), 1 + 5, "header and five listed jobs");
    let col = |name: &str| super::csv::COLUMNS.iter().position(|c| *c == name).unwrap();
    let nightly = rows.iter().find(|r| r[col("job")] == "Nightly").unwrap();
    assert_eq!(nightly[col("customer")], "Ärzte Müller & Söhne");
    assert_eq!(nightly[col("expected")], "31");
    assert_eq!(nightly[col("success")], "25");
    assert_eq!(nightly[col("success_rate")], "83.9");
    assert_eq!(nightly[col("change_points")], "-16.1");
    assert_eq!(nightly[col("longest_streak")], "3");
    assert_eq!(nightly[col("streak_from")], "2026-10-12");
    assert_eq!(nightly[col("median_review_minutes")], "60");
    assert_eq!(&nightly[col("days")][9..14], "OSMMM");
    let nasty = rows
        .iter()
        .find(|r| r[col("job")].contains("HYPERLINK"))
        .unwrap();
    assert_eq!(nasty[col("job")], format!("'{NASTY}"));
    let old = rows.iter().find(|r| r[col("job")] == "Old server").unwrap();
    assert_eq!(old[col("kind")], "archived");
}

#[test]
fn markdown_escapes_names_and_has_the_tables() {
    let md = text_of(Format::Markdown);
    assert!(md.contains(r#"=HYPERLINK("x"), \<b\>Bad\</b\> \| \*ü\* \& ß"#));
    assert!(md.contains("## Ärzte Müller \\& Söhne"));
    assert!(md.contains(
        "| Nightly | Daily at 23:50 | 31 | 25 | 1 | 0 | 0 | 2 | 3 | 0 | 0 | 83.9% | -16.1 pp |"
    ));
    assert!(md.contains("| **Total** | 38 | 29 | 1 | 1 | 3 | 4 | 78.9% | -21.1 pp |"));
    assert!(md.contains("**T20261012.0001** (resolved 2026-10-22"));
}

#[test]
fn json_is_the_model() {
    let v: serde_json::Value = serde_json::from_str(&text_of(Format::Json)).unwrap();
    assert_eq!(v["format"], "backupchecks-report");
    assert_eq!(v["period"]["from"], "2026-10-01");
    let nightly = &v["customers"][0]["jobs"][0];
    assert_eq!(nightly["name"], "Nightly");
    assert_eq!(nightly["summary"]["counts"]["expected"], 31);
    assert_eq!(nightly["summary"]["success_rate"], 83.9);
    assert_eq!(nightly["days"][11]["status"], "Missed");
    assert_eq!(nightly["days"][9]["status"], "Success (override)");
    assert_eq!(v["totals"]["success_rate"], 78.9);
    assert_eq!(v["customers"][1]["jobs"][0]["name"], NASTY);
}

#[test]
fn the_shipped_fonts_load_and_cover_accents() {
    for data in [super::pdf::font_files().0, super::pdf::font_files().1] {
        let face = ttf_parser::Face::parse(data, 0).unwrap();
        for ch in "ÄÖÜäöüßéèêçñøåłŁőűčšžă€–…·".chars() {
            assert!(face.glyph_index(ch).is_some(), "{ch} missing");
        }
    }
}
