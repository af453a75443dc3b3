//! Storing a batch of imported mails in a few statements, not one per mail: the mails stored
//! before are found in one query, the new ones inserted in one (per 32 MB of mail), their
//! objects in one. Over TLS to a shared server the statement per mail was most of an import.

use super::DbError;
use super::mail::{MailObject, NewMail, ParseResult, Stored};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use std::collections::HashMap;

/// Mail bytes (raw and bodies) bound to one insert at most: a batch of large mails is split so
/// that no statement nears PostgreSQL's 1 GB limit on a value.
const BYTES_PER_INSERT: usize = 32 << 20;

/// Stores each mail with its parse result once, in input order. A mail whose internet message
/// id or source id is stored already, before or earlier in the batch, is left alone and reported
/// as [`Stored::Existing`] with the lowest id of the mails it repeats.
///
/// `jobs` (empty, or one per mail) files a mail under the job whose run the caller creates from
/// it in the same transaction: stored processed at once, not updated afterwards (an update
/// rewrites the whole row, raw mail included, and every index of it).
pub async fn store_all(
    conn: &mut PgConnection,
    mails: &[(&NewMail, &ParseResult)],
    jobs: &[Option<i64>],
    now: DateTime<Utc>,
) -> Result<Vec<Stored>, DbError> {
    let mut stored: Vec<Option<Stored>> = stored_before(conn, mails)
        .await?
        .into_iter()
        .map(|id| id.map(Stored::Existing))
        .collect();
    // Within the batch, a mail that shares a key with an earlier new one is that mail again.
    let mut keys = Keys::default();
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    let mut fresh: Vec<usize> = Vec::new();
    for (i, (m, _)) in mails.iter().enumerate() {
        if stored.get(i).is_some_and(Option::is_some) {
            continue;
        }
        match keys.first_sharing(m) {
            Some(first) => repeats.push((i, first)),
            None => {
                keys.add(m, i);
                fresh.push(i);
            }
        }
    }
    let size = |i: usize| mails.get(i).map_or(0, |(m, _)| mail_bytes(m));
    for part in by_size(&fresh, size, BYTES_PER_INSERT) {
        for (i, id) in insert(conn, mails, part, jobs, &keys, now).await? {
            if let Some(slot) = stored.get_mut(i) {
                *slot = Some(Stored::New(id));
            }
        }
    }
    // A new mail no insert returned was stored by another import meanwhile.
    let raced: Vec<usize> = fresh
        .iter()
        .copied()
        .filter(|&i| stored.get(i).is_some_and(Option::is_none))
        .collect();
    if !raced.is_empty() {
        let theirs: Vec<(&NewMail, &ParseResult)> = raced
            .iter()
            .filter_map(|&i| mails.get(i).copied())
            .collect();
        for (&i, id) in raced.iter().zip(stored_before(conn, &theirs).await?) {
            let id =
                id.ok_or_else(|| DbError::NotFound("the stored copy of a duplicate mail".into()))?;
            stored[i] = Some(Stored::Existing(id));
        }
    }
    for (i, first) in repeats {
        let id = stored.get(first).copied().flatten().map(Stored::id);
        stored[i] = id.map(Stored::Existing);
    }
    let new: Vec<(i64, &[MailObject])> = mails
        .iter()
        .zip(&stored)
        .filter_map(|((_, p), s)| match s {
            Some(Stored::New(id)) => Some((*id, p.objects.as_slice())),
            _ => None,
        })
        .collect();
    insert_objects(conn, &new).await?;
    stored
        .into_iter()
        .map(|s| s.ok_or_else(|| DbError::Task("a mail of the batch was not stored".into())))
        .collect()
}

/// The keys a stored mail is unique by, each with the first new mail of the batch that has it.
#[derive(Default)]
struct Keys<'a> {
    message_ids: HashMap<&'a str, usize>,
    source_ids: HashMap<(&'a str, &'a str), usize>,
}

impl<'a> Keys<'a> {
    fn source_key(m: &'a NewMail) -> Option<(&'a str, &'a str)> {
        m.source_id.as_deref().map(|id| (m.source.as_str(), id))
    }

    fn first_sharing(&self, m: &'a NewMail) -> Option<usize> {
        let by_message = m
            .internet_message_id
            .as_deref()
            .and_then(|k| self.message_ids.get(k));
        let by_source = Self::source_key(m).and_then(|k| self.source_ids.get(&k));
        by_message.into_iter().chain(by_source).min().copied()
    }

    fn add(&mut self, m: &'a NewMail, i: usize) {
        if let Some(k) = m.internet_message_id.as_deref() {
            self.message_ids.insert(k, i);
        }
        if let Some(k) = Self::source_key(m) {
            self.source_ids.insert(k, i);
        }
    }

    /// The new mail a row the insert returned is: by its keys, which no two new mails share.
    fn owner(
        &self,
        message_id: Option<&str>,
        source: &str,
        source_id: Option<&str>,
    ) -> Option<usize> {
        match (message_id, source_id) {
            (Some(k), _) => self.message_ids.get(k).copied(),
            (None, Some(id)) => self.source_ids.get(&(source, id)).copied(),
            (None, None) => None,
        }
    }
}

/// For each mail, the lowest id of a stored mail with its internet message id or source id.
async fn stored_before(
    conn: &mut PgConnection,
    mails: &[(&NewMail, &ParseResult)],
) -> Result<Vec<Option<i64>>, DbError> {
    let message_ids: Vec<Option<&str>> = mails
        .iter()
        .map(|(m, _)| m.internet_message_id.as_deref())
        .collect();
    let sources: Vec<&str> = mails.iter().map(|(m, _)| m.source.as_str()).collect();
    let source_ids: Vec<Option<&str>> = mails.iter().map(|(m, _)| m.source_id.as_deref()).collect();
    let found: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT u.ord, m.id FROM unnest($1::text[]) WITH ORDINALITY AS u(message_id, ord) \
         JOIN mail_messages m ON m.internet_message_id IS NOT NULL \
           AND mail_message_key(m.internet_message_id) = mail_message_key(u.message_id) \
         UNION ALL \
         SELECT u.ord, m.id FROM unnest($2::text[], $3::text[]) WITH ORDINALITY \
           AS u(source, source_id, ord) \
         JOIN mail_messages m ON m.source_id IS NOT NULL AND m.source = u.source \
           AND m.source_id = u.source_id",
    )
    .bind(&message_ids)
    .bind(&sources)
    .bind(&source_ids)
    .fetch_all(&mut *conn)
    .await?;
    let mut lowest: Vec<Option<i64>> = vec![None; mails.len()];
    for (ord, id) in found {
        let slot = usize::try_from(ord - 1)
            .ok()
            .and_then(|i| lowest.get_mut(i));
        if let Some(slot) = slot {
            *slot = Some(slot.map_or(id, |s| s.min(id)));
        }
    }
    Ok(lowest)
}

/// `fresh` in runs of at most `limit` bytes (by `size` of each), at least one mail each.
fn by_size(fresh: &[usize], size: impl Fn(usize) -> usize, limit: usize) -> Vec<&[usize]> {
    let mut parts = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (n, &i) in fresh.iter().enumerate() {
        let s = size(i);
        if n > start && bytes + s > limit {
            parts.extend(fresh.get(start..n));
            (start, bytes) = (n, 0);
        }
        bytes += s;
    }
    parts.extend(fresh.get(start..).filter(|rest| !rest.is_empty()));
    parts
}

/// The bytes of mail a row binds: raw mail and bodies.
fn mail_bytes(m: &NewMail) -> usize {
    m.raw_eml.as_ref().map_or(0, Vec::len)
        + m.html_body.as_ref().map_or(0, String::len)
        + m.text_body.as_ref().map_or(0, String::len)
}

/// Inserts the mails `part` (no two share a key) in one statement; returns (mail index, id)
/// for each row inserted. A mail another import stored meanwhile is skipped, not an error.
async fn insert(
    conn: &mut PgConnection,
    mails: &[(&NewMail, &ParseResult)],
    part: &[usize],
    jobs: &[Option<i64>],
    keys: &Keys<'_>,
    now: DateTime<Utc>,
) -> Result<Vec<(usize, i64)>, DbError> {
    let rows: Vec<(&NewMail, &ParseResult)> =
        part.iter().filter_map(|&i| mails.get(i).copied()).collect();
    let job_ids: Vec<Option<i64>> = part
        .iter()
        .map(|&i| jobs.get(i).copied().flatten())
        .collect();
    let text = |f: fn(&NewMail) -> &str| rows.iter().map(|(m, _)| f(m)).collect::<Vec<_>>();
    let opt = |f: fn(&NewMail) -> Option<&str>| rows.iter().map(|(m, _)| f(m)).collect::<Vec<_>>();
    let parsed =
        |f: fn(&ParseResult) -> Option<&str>| rows.iter().map(|(_, p)| f(p)).collect::<Vec<_>>();
    let received: Vec<DateTime<Utc>> = rows.iter().map(|(m, _)| m.received_at).collect();
    let raw: Vec<Option<&[u8]>> = rows.iter().map(|(m, _)| m.raw_eml.as_deref()).collect();
    let informational: Vec<bool> = rows.iter().map(|(_, p)| p.informational).collect();
    let returned: Vec<(i64, Option<String>, String, Option<String>)> = sqlx::query_as(
        "INSERT INTO mail_messages (source, source_id, internet_message_id, from_address, \
           from_name, subject, received_at, text_body, html_body, raw_eml, parser_name, \
           backup_software, backup_type, job_name, parsed_status, parse_message, informational, \
           parsed_at, parse_error, unparsed_reason, imported_at, job_id, location) \
         SELECT u.source, u.source_id, u.message_id, lower(btrim(u.from_address)), u.from_name, \
           u.subject, u.received_at, u.text_body, u.html_body, u.raw_eml, u.parser_name, \
           u.backup_software, u.backup_type, u.job_name, u.parsed_status, u.parse_message, \
           u.informational, $20, u.parse_error, u.unparsed_reason, $20, u.job_id, \
           CASE WHEN u.job_id IS NULL THEN 'inbox' ELSE 'processed' END \
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], \
           $7::timestamptz[], $8::text[], $9::text[], $10::bytea[], $11::text[], $12::text[], \
           $13::text[], $14::text[], $15::text[], $16::text[], $17::bool[], $18::text[], \
           $19::text[], $21::bigint[]) WITH ORDINALITY AS u(source, source_id, message_id, \
           from_address, from_name, subject, received_at, text_body, html_body, raw_eml, \
           parser_name, backup_software, backup_type, job_name, parsed_status, parse_message, \
           informational, parse_error, unparsed_reason, job_id, ord) \
         ORDER BY u.ord \
         ON CONFLICT DO NOTHING RETURNING id, internet_message_id, source, source_id",
    )
    .bind(text(|m| &m.source))
    .bind(opt(|m| m.source_id.as_deref()))
    .bind(opt(|m| m.internet_message_id.as_deref()))
    .bind(text(|m| &m.from_address))
    .bind(opt(|m| m.from_name.as_deref()))
    .bind(text(|m| &m.subject))
    .bind(&received)
    .bind(opt(|m| m.text_body.as_deref()))
    .bind(opt(|m| m.html_body.as_deref()))
    .bind(&raw)
    .bind(parsed(|p| p.parser_name.as_deref()))
    .bind(parsed(|p| p.backup_software.as_deref()))
    .bind(parsed(|p| p.backup_type.as_deref()))
    .bind(parsed(|p| p.job_name.as_deref()))
    .bind(parsed(|p| p.parsed_status.as_deref()))
    .bind(parsed(|p| p.parse_message.as_deref()))
    .bind(&informational)
    .bind(parsed(|p| p.parse_error.as_deref()))
    .bind(parsed(|p| p.unparsed_reason.as_deref()))
    .bind(now)
    .bind(&job_ids)
    .fetch_all(&mut *conn)
    .await?;
    // Rows with a key are told by it; mails without one cannot conflict, and their ids were
    // drawn in input order.
    let mut keyless = part.iter().copied().filter(|&i| {
        mails
            .get(i)
            .is_some_and(|(m, _)| m.internet_message_id.is_none() && m.source_id.is_none())
    });
    let mut returned = returned;
    returned.sort_by_key(|(id, ..)| *id);
    let mut out = Vec::with_capacity(returned.len());
    for (id, message_id, source, source_id) in returned {
        let owner = match (&message_id, &source_id) {
            (None, None) => keyless.next(),
            _ => keys.owner(message_id.as_deref(), &source, source_id.as_deref()),
        };
        match owner {
            Some(i) => out.push((i, id)),
            None => {
                return Err(DbError::Task(
                    "an inserted mail matches none of the batch".into(),
                ));
            }
        }
    }
    Ok(out)
}

/// The objects of each mail (`mail_id`, objects in order: positions 0, 1, ...), in one statement.
pub(super) async fn insert_objects(
    conn: &mut PgConnection,
    of: &[(i64, &[MailObject])],
) -> Result<(), DbError> {
    let mut mail_ids: Vec<i64> = Vec::new();
    let mut positions: Vec<i32> = Vec::new();
    let mut objects: Vec<&MailObject> = Vec::new();
    for &(id, list) in of {
        for (n, o) in list.iter().enumerate() {
            mail_ids.push(id);
            positions.push(i32::try_from(n).unwrap_or(i32::MAX));
            objects.push(o);
        }
    }
    if objects.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = objects.iter().map(|o| o.name.as_str()).collect();
    let types: Vec<Option<&str>> = objects.iter().map(|o| o.object_type.as_deref()).collect();
    let statuses: Vec<&str> = objects.iter().map(|o| o.status.as_str()).collect();
    let messages: Vec<Option<&str>> = objects.iter().map(|o| o.message.as_deref()).collect();
    sqlx::query(
        "INSERT INTO mail_objects (mail_id, position, name, object_type, status, message) \
         SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::text[], \
           $6::text[])",
    )
    .bind(&mail_ids)
    .bind(&positions)
    .bind(&names)
    .bind(&types)
    .bind(&statuses)
    .bind(&messages)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_inserted_in_parts_of_at_most_the_limit_and_a_larger_mail_alone() {
        let sizes = [10, 20, 30, 100, 5, 5, 0, 40];
        let fresh: Vec<usize> = (0..sizes.len()).collect();
        let parts = by_size(&fresh, |i| sizes[i], 60);
        assert_eq!(parts, [&[0, 1, 2][..], &[3], &[4, 5, 6, 7]]);
        assert_eq!(by_size(&[], |_| 1, 60), Vec::<&[usize]>::new());
        assert_eq!(by_size(&[4, 2], |i| sizes[i], 1000), [&[4, 2][..]]);
    }
}
