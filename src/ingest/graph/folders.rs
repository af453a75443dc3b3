//! Mail folders named by path (`Inbox/Backups/Processed`) resolved to Graph folder ids.

use super::client::{Call, GraphClient};
use super::errors::GraphError;
use serde::Deserialize;

/// Names Graph accepts wherever a folder id goes; they work whatever the mailbox language
/// ("Posteingang" is still `inbox`).
const WELL_KNOWN: &[&str] = &[
    "inbox",
    "archive",
    "deleteditems",
    "drafts",
    "sentitems",
    "junkemail",
    "outbox",
    "msgfolderroot",
    "clutter",
    "conflicts",
    "conversationhistory",
    "localfailures",
    "recoverableitemsdeletions",
    "scheduled",
    "searchfolders",
    "serverfailures",
    "syncissues",
];

#[derive(Debug, Deserialize)]
struct Folder {
    id: String,
    #[serde(rename = "displayName", default)]
    display_name: String,
}

/// The well-known name for a first path segment: `Inbox`, `Deleted Items`, `sentitems` ...
fn well_known(segment: &str) -> Option<&'static str> {
    let squashed: String = segment
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_lowercase();
    WELL_KNOWN.iter().copied().find(|w| *w == squashed)
}

/// Splits a path on `/`, ignoring empty segments and surrounding spaces.
pub(crate) fn segments(path: &str) -> Vec<&str> {
    path.split('/')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Walks `path` from the mailbox root and returns the folder id of its last segment.
pub(crate) async fn resolve(client: &mut GraphClient, path: &str) -> Result<String, GraphError> {
    let parts = segments(path);
    let Some((first, rest)) = parts.split_first() else {
        return Err(GraphError::Config(format!(
            "mail folder path {path:?} is empty"
        )));
    };
    let not_found = |done: usize, segment: &str| GraphError::FolderNotFound {
        path: parts.join("/"),
        parent: parts[..done].join("/"),
        segment: segment.to_string(),
    };

    let mut id = match well_known(first) {
        Some(name) => {
            let url = client.user_url(&["mailFolders", name]);
            match client.get_json::<Folder>(Call::Lookup, &url).await {
                Ok(f) => f.id,
                // e.g. `archive` in a mailbox where the archive folder was never created.
                Err(e) if e.has_code("ErrorItemNotFound") || e.has_code("ErrorFolderNotFound") => {
                    return Err(not_found(0, first));
                }
                Err(e) => return Err(e),
            }
        }
        None => {
            let url = list_url(client, &["mailFolders"]);
            find(client, url, first)
                .await?
                .ok_or_else(|| not_found(0, first))?
        }
    };
    for (i, segment) in rest.iter().enumerate() {
        let url = list_url(client, &["mailFolders", &id, "childFolders"]);
        id = find(client, url, segment)
            .await?
            .ok_or_else(|| not_found(i + 1, segment))?;
    }
    tracing::debug!(path, id, "mail folder resolved");
    Ok(id)
}

fn list_url(client: &GraphClient, segments: &[&str]) -> reqwest::Url {
    let mut url = client.user_url(segments);
    url.set_query(Some("$select=id,displayName&$top=100"));
    url
}

/// The id of the folder in this collection whose display name matches, case-insensitively.
async fn find(
    client: &mut GraphClient,
    url: reqwest::Url,
    name: &str,
) -> Result<Option<String>, GraphError> {
    let folders: Vec<Folder> = client.get_all(Call::Lookup, url).await?;
    let wanted = name.to_lowercase();
    Ok(folders
        .into_iter()
        .find(|f| f.display_name.trim().to_lowercase() == wanted)
        .map(|f| f.id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn well_known_names_ignore_case_and_spaces() {
        assert_eq!(well_known("Inbox"), Some("inbox"));
        assert_eq!(well_known("Deleted Items"), Some("deleteditems"));
        assert_eq!(well_known("Backups"), None);
        assert_eq!(
            segments(" Inbox / Backups//Processed/"),
            ["Inbox", "Backups", "Processed"]
        );
    }
}
