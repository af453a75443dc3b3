//! Feedback items, votes, replies and attachments. Authors are set by PostgreSQL (the login);
//! every change goes into the audit log in the same transaction.

use super::{DbError, audit, settings};
use crate::domain::feedback::{Context, Kind, Status};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgExecutor, PgPool};

/// An item as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: i64,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub status: Status,
    pub context: Context,
    pub author: String,
    pub operator: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub votes: i64,
    /// Whether this login voted for it.
    pub voted: bool,
    pub replies: i64,
    pub attachments: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct ItemRow {
    id: i64,
    kind: String,
    title: String,
    body: String,
    status: String,
    context: serde_json::Value,
    author: String,
    operator: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    deleted_at: Option<DateTime<Utc>>,
    votes: i64,
    voted: bool,
    replies: i64,
    attachments: i64,
}

impl TryFrom<ItemRow> for Item {
    type Error = DbError;

    fn try_from(r: ItemRow) -> Result<Item, DbError> {
        Ok(Item {
            id: r.id,
            kind: Kind::parse(&r.kind)
                .ok_or_else(|| DbError::Invalid(format!("unknown feedback kind {}", r.kind)))?,
            title: r.title,
            body: r.body,
            status: Status::parse(&r.status)
                .ok_or_else(|| DbError::Invalid(format!("unknown feedback status {}", r.status)))?,
            // An unreadable context is shown as empty rather than hiding the item.
            context: serde_json::from_value(r.context).unwrap_or_default(),
            author: r.author,
            operator: r.operator,
            created_at: r.created_at,
            updated_at: r.updated_at,
            deleted_at: r.deleted_at,
            votes: r.votes,
            voted: r.voted,
            replies: r.replies,
            attachments: r.attachments,
        })
    }
}

const ITEM_SELECT: &str = "SELECT i.id, i.kind, i.title, i.body, i.status, i.context, i.author, \
       i.operator, i.created_at, i.updated_at, i.deleted_at, \
       (SELECT count(*) FROM feedback_votes v WHERE v.item_id = i.id) AS votes, \
       EXISTS (SELECT 1 FROM feedback_votes v WHERE v.item_id = i.id \
               AND v.db_user = session_user) AS voted, \
       (SELECT count(*) FROM feedback_replies r WHERE r.item_id = i.id) AS replies, \
       (SELECT count(*) FROM feedback_attachments a WHERE a.item_id = i.id) AS attachments \
     FROM feedback_items i";

/// Items, the most votes first, then the newest; `deleted` lists the deleted ones instead.
pub async fn list(ex: impl PgExecutor<'_>, deleted: bool) -> Result<Vec<Item>, DbError> {
    let rows: Vec<ItemRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE (i.deleted_at IS NOT NULL) = $1 \
         ORDER BY votes DESC, i.created_at DESC, i.id DESC"
    )))
    .bind(deleted)
    .fetch_all(ex)
    .await?;
    rows.into_iter().map(Item::try_from).collect()
}

pub async fn get(ex: impl PgExecutor<'_>, id: i64) -> Result<Item, DbError> {
    let row: Option<ItemRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "{ITEM_SELECT} WHERE i.id = $1"
    )))
    .bind(id)
    .fetch_optional(ex)
    .await?;
    row.ok_or_else(|| DbError::NotFound(format!("feedback item {id}")))?
        .try_into()
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Reply {
    pub id: i64,
    pub body: String,
    pub author: String,
    pub operator: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// An attachment without its content.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AttachmentInfo {
    pub id: i64,
    pub name: String,
    pub media_type: String,
    pub size: i32,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// An item with its replies (oldest first) and attachments.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub item: Item,
    pub replies: Vec<Reply>,
    pub attachments: Vec<AttachmentInfo>,
}

pub async fn detail(pool: &PgPool, id: i64) -> Result<Detail, DbError> {
    let item = get(pool, id).await?;
    let replies = sqlx::query_as(
        "SELECT id, body, author, operator, created_at FROM feedback_replies \
         WHERE item_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let attachments = sqlx::query_as(
        "SELECT id, name, media_type, size, author, created_at FROM feedback_attachments \
         WHERE item_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(Detail {
        item,
        replies,
        attachments,
    })
}

/// An attachment's name, type and content.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub item_id: i64,
    pub name: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

pub async fn attachment(ex: impl PgExecutor<'_>, id: i64) -> Result<Attachment, DbError> {
    sqlx::query_as(
        "SELECT id, item_id, name, media_type, data FROM feedback_attachments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(ex)
    .await?
    .ok_or_else(|| DbError::NotFound(format!("attachment {id}")))
}

/// Every attachment of an item with its content (the export).
pub async fn attachments_of(
    ex: impl PgExecutor<'_>,
    item_id: i64,
) -> Result<Vec<Attachment>, DbError> {
    Ok(sqlx::query_as(
        "SELECT id, item_id, name, media_type, data FROM feedback_attachments \
         WHERE item_id = $1 ORDER BY id",
    )
    .bind(item_id)
    .fetch_all(ex)
    .await?)
}

/// A new item as written.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub context: Context,
}

/// A file or capture to attach.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAttachment {
    pub name: String,
    pub media_type: String,
    pub data: Vec<u8>,
}

/// Checks an attachment against the shared settings, in words.
async fn check_attachment(ex: impl PgExecutor<'_>, a: &NewAttachment) -> Result<(), DbError> {
    let policy = settings::policy(ex).await?;
    policy
        .feedback
        .check(&a.name, &a.media_type, a.data.len())
        .map_err(DbError::Invalid)
}

async fn insert_attachment(
    tx: &mut sqlx::PgConnection,
    operator: &str,
    item_id: i64,
    a: &NewAttachment,
) -> Result<i64, DbError> {
    check_attachment(&mut *tx, a).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO feedback_attachments (item_id, name, media_type, data) \
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(item_id)
    .bind(&a.name)
    .bind(&a.media_type)
    .bind(&a.data)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        operator,
        "feedback.attach",
        Some(("feedback", item_id)),
        json!({ "attachment": id, "name": a.name, "media_type": a.media_type,
                "size": a.data.len() }),
    )
    .await?;
    Ok(id)
}

/// Creates an item with its attachments, all or nothing.
pub async fn create(
    pool: &PgPool,
    operator: &str,
    item: &NewItem,
    attachments: &[NewAttachment],
) -> Result<i64, DbError> {
    if item.title.trim().is_empty() {
        return Err(DbError::Invalid("a feedback item needs a title".into()));
    }
    let mut tx = pool.begin().await?;
    let context = serde_json::to_value(&item.context)
        .map_err(|e| DbError::Invalid(format!("feedback context: {e}")))?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO feedback_items (kind, title, body, context, operator) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(item.kind.name())
    .bind(item.title.trim())
    .bind(&item.body)
    .bind(context)
    .bind(operator)
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut *tx,
        operator,
        "feedback.create",
        Some(("feedback", id)),
        json!({ "kind": item.kind.name(), "title": item.title.trim() }),
    )
    .await?;
    for a in attachments {
        insert_attachment(&mut tx, operator, id, a).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Attaches a file or capture to an item.
pub async fn attach(
    pool: &PgPool,
    operator: &str,
    item_id: i64,
    a: &NewAttachment,
) -> Result<i64, DbError> {
    let mut tx = pool.begin().await?;
    let id = insert_attachment(&mut tx, operator, item_id, a).await?;
    tx.commit().await?;
    Ok(id)
}

/// Votes for an item, or takes this login's vote back; true when it now has the vote.
pub async fn toggle_vote(pool: &PgPool, operator: &str, item_id: i64) -> Result<bool, DbError> {
    let mut tx = pool.begin().await?;
    let removed =
        sqlx::query("DELETE FROM feedback_votes WHERE item_id = $1 AND db_user = session_user")
            .bind(item_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    let voted = removed == 0;
    if voted {
        sqlx::query("INSERT INTO feedback_votes (item_id) VALUES ($1)")
            .bind(item_id)
            .execute(&mut *tx)
            .await?;
    }
    record_and_commit(
        tx,
        operator,
        if voted {
            "feedback.vote"
        } else {
            "feedback.unvote"
        },
        item_id,
        json!({}),
    )
    .await?;
    Ok(voted)
}

pub async fn reply(
    pool: &PgPool,
    operator: &str,
    item_id: i64,
    body: &str,
) -> Result<i64, DbError> {
    if body.trim().is_empty() {
        return Err(DbError::Invalid("the reply is empty".into()));
    }
    let mut tx = pool.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO feedback_replies (item_id, body, operator) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(item_id)
    .bind(body)
    .bind(operator)
    .fetch_one(&mut *tx)
    .await?;
    record_and_commit(
        tx,
        operator,
        "feedback.reply",
        item_id,
        json!({ "reply": id }),
    )
    .await?;
    Ok(id)
}

/// Changes the status (admins: PostgreSQL refuses anyone else).
pub async fn set_status(
    pool: &PgPool,
    operator: &str,
    item_id: i64,
    status: Status,
) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    let old: Option<String> = sqlx::query_scalar(
        "UPDATE feedback_items n SET status = $2, updated_at = now() \
         FROM feedback_items o WHERE n.id = o.id AND n.id = $1 RETURNING o.status",
    )
    .bind(item_id)
    .bind(status.name())
    .fetch_optional(&mut *tx)
    .await?;
    let old = old.ok_or_else(|| DbError::NotFound(format!("feedback item {item_id}")))?;
    record_and_commit(
        tx,
        operator,
        "feedback.status",
        item_id,
        json!({ "from": old, "to": status.name() }),
    )
    .await?;
    Ok(())
}

/// Deletes (soft) or restores an item: its author or an admin.
pub async fn set_deleted(
    pool: &PgPool,
    operator: &str,
    item_id: i64,
    deleted: bool,
) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    let changed = sqlx::query(
        "UPDATE feedback_items SET deleted_at = CASE WHEN $2 THEN now() END, updated_at = now() \
         WHERE id = $1 AND (deleted_at IS NOT NULL) <> $2",
    )
    .bind(item_id)
    .bind(deleted)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        // Row security hides others' items from an update: say which rule applies.
        let state: Option<(String, bool)> = sqlx::query_as(
            "SELECT author, deleted_at IS NOT NULL FROM feedback_items WHERE id = $1",
        )
        .bind(item_id)
        .fetch_optional(&mut *tx)
        .await?;
        return Err(match state {
            None => DbError::NotFound(format!("feedback item {item_id}")),
            Some((_, d)) if d == deleted => DbError::Rejected(format!(
                "feedback item {item_id} is already {}",
                if deleted { "deleted" } else { "restored" }
            )),
            Some((author, _)) => DbError::Rejected(format!(
                "only its author ({author}) or an admin may delete or restore feedback item \
                 {item_id}"
            )),
        });
    }
    record_and_commit(
        tx,
        operator,
        if deleted {
            "feedback.delete"
        } else {
            "feedback.restore"
        },
        item_id,
        json!({}),
    )
    .await?;
    Ok(())
}

/// Removes a deleted item for good with its votes, replies and attachments (admins; the
/// database refuses an item that was not deleted first).
pub async fn purge(pool: &PgPool, operator: &str, item_id: i64) -> Result<(), DbError> {
    let mut tx = pool.begin().await?;
    let title: Option<String> =
        sqlx::query_scalar("DELETE FROM feedback_items WHERE id = $1 RETURNING title")
            .bind(item_id)
            .fetch_optional(&mut *tx)
            .await?;
    let title = title.ok_or_else(|| DbError::NotFound(format!("feedback item {item_id}")))?;
    record_and_commit(
        tx,
        operator,
        "feedback.purge",
        item_id,
        json!({ "title": title }),
    )
    .await?;
    Ok(())
}

/// Audits a change of item `item_id` and commits it with the change.
async fn record_and_commit(
    mut tx: sqlx::Transaction<'_, sqlx::Postgres>,
    operator: &str,
    action: &str,
    item_id: i64,
    detail: serde_json::Value,
) -> Result<(), DbError> {
    audit::record(
        &mut *tx,
        operator,
        action,
        Some(("feedback", item_id)),
        detail,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
