//! The portable form of the custom rules (`rules export|import`): JSON with a format name and a
//! version, so a file of another kind is refused with a clear message.

use super::rules::Rule;
use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "backupchecks-rules";
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Document {
    format: String,
    version: u32,
    rules: Vec<Rule>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("not a rule list: {0}")]
    Json(String),
    #[error("not a rule list (format {0:?}, expected {FORMAT:?})")]
    Format(String),
    #[error("rule list version {0} is not known (this backupchecks reads version {VERSION})")]
    Version(u32),
}

/// The rules as a document, pretty-printed, ending in a newline.
pub fn write(rules: Vec<Rule>) -> String {
    let doc = Document {
        format: FORMAT.to_string(),
        version: VERSION,
        rules,
    };
    // Plain data with string keys cannot fail to serialise.
    let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    text.push('\n');
    text
}

/// The rules of a document, in its order.
pub fn read(text: &str) -> Result<Vec<Rule>, DocumentError> {
    let doc: Document =
        serde_json::from_str(text).map_err(|e| DocumentError::Json(e.to_string()))?;
    if doc.format != FORMAT {
        return Err(DocumentError::Format(doc.format));
    }
    if doc.version != VERSION {
        return Err(DocumentError::Version(doc.version));
    }
    Ok(doc.rules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parsers::rules::{JobName, Matcher, StatusRule};

    #[test]
    fn a_written_document_reads_back_and_others_are_refused() {
        let rule = Rule {
            name: "r".into(),
            sender: Some(Matcher::Contains("@x.example".into())),
            subject: None,
            body: None,
            software: "S".into(),
            backup_type: "T".into(),
            job_name: JobName::Fixed("J".into()),
            status: StatusRule::default(),
            objects: None,
            informational: true,
        };
        let text = write(vec![rule.clone()]);
        assert_eq!(read(&text), Ok(vec![rule]));
        assert_eq!(
            read(r#"{"format":"backupchecks-jobs","version":1,"rules":[]}"#),
            Err(DocumentError::Format("backupchecks-jobs".into()))
        );
        assert_eq!(
            read(r#"{"format":"backupchecks-rules","version":9,"rules":[]}"#),
            Err(DocumentError::Version(9))
        );
        assert!(matches!(read("[]"), Err(DocumentError::Json(_))));
    }
}
