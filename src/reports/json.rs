//! JSON: the model as it is, under a format name and version, for scripts.

use crate::domain::report::Report;

#[derive(serde::Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    #[serde(flatten)]
    report: &'a Report,
}

pub fn render(report: &Report) -> String {
    let doc = Document {
        format: "backupchecks-report",
        version: 1,
        report,
    };
    // The model holds only strings, numbers and dates: serialising it cannot fail.
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}
