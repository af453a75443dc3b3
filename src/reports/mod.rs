//! Renderers of the report model (`domain::report`): PDF, HTML, CSV, Markdown and JSON. Each is a
//! pure function from the model to bytes; every number comes from the model and is written by the
//! helpers in `text`, so the formats agree.

mod csv;
mod html;
mod json;
pub mod mail;
mod markdown;
pub mod naming;
mod pdf;
pub mod text;

use crate::domain::report::Report;
use std::fmt;

/// A format a report can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    Pdf,
    Html,
    Csv,
    Markdown,
    Json,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Pdf,
        Format::Html,
        Format::Csv,
        Format::Markdown,
        Format::Json,
    ];

    /// `pdf`, `html`, `csv`, `md` (or `markdown`), `json`.
    pub fn parse(text: &str) -> Option<Format> {
        match text.trim().to_ascii_lowercase().as_str() {
            "pdf" => Some(Format::Pdf),
            "html" | "htm" => Some(Format::Html),
            "csv" => Some(Format::Csv),
            "md" | "markdown" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdf => "pdf",
            Format::Html => "html",
            Format::Csv => "csv",
            Format::Markdown => "md",
            Format::Json => "json",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// The report in `format`.
pub fn render(report: &Report, format: Format) -> Vec<u8> {
    match format {
        Format::Pdf => pdf::render(report),
        Format::Html => html::render(report).into_bytes(),
        Format::Csv => csv::render(report).into_bytes(),
        Format::Markdown => markdown::render(report).into_bytes(),
        Format::Json => json::render(report).into_bytes(),
    }
}

#[cfg(test)]
mod tests;
