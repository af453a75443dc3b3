//! A reader for PostgreSQL's binary `COPY ... TO STDOUT (FORMAT binary)` stream, for the few
//! reads of tens of thousands of small rows (a week of every job's runs). Row by row through the
//! query protocol each row is a message of its own and an allocation in the driver; the copy
//! stream is one buffer read in place, about twice as fast at 50,000 rows.

use super::DbError;
use chrono::{DateTime, TimeDelta, Utc};

/// The signature, flags and extension length that open every binary copy stream.
const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01 UTC).
const PG_EPOCH_MICROS: i64 = 946_684_800_000_000;

fn malformed(what: &str) -> DbError {
    DbError::Sql(sqlx::Error::Protocol(format!("binary copy stream: {what}")))
}

/// The tuples of one binary copy stream.
pub struct Tuples<'a> {
    rest: &'a [u8],
    done: bool,
}

impl<'a> Tuples<'a> {
    /// Checks the header and positions the reader on the first tuple.
    pub fn new(stream: &'a [u8]) -> Result<Tuples<'a>, DbError> {
        let rest = stream
            .strip_prefix(SIGNATURE)
            .ok_or_else(|| malformed("no signature"))?;
        let mut reader = Tuples { rest, done: false };
        let _flags = reader.take(4)?;
        let extension = reader.i32()?;
        reader.take(usize::try_from(extension).map_err(|_| malformed("extension length"))?)?;
        Ok(reader)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DbError> {
        if self.rest.len() < n {
            return Err(malformed("cut short"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn i32(&mut self) -> Result<i32, DbError> {
        let b = self.take(4)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// The fields of the next tuple (`None` for SQL NULL), or `None` after the trailer.
    pub fn next_tuple<const N: usize>(&mut self) -> Result<Option<[Option<&'a [u8]>; N]>, DbError> {
        if self.done {
            return Ok(None);
        }
        let count = self.take(2)?;
        let count = i16::from_be_bytes([count[0], count[1]]);
        if count == -1 {
            self.done = true;
            return Ok(None);
        }
        if usize::try_from(count).ok() != Some(N) {
            return Err(malformed("unexpected field count"));
        }
        let mut fields = [None; N];
        for field in &mut fields {
            let len = self.i32()?;
            if len >= 0 {
                *field = Some(self.take(len as usize)?);
            }
        }
        Ok(Some(fields))
    }
}

/// A non-null `bigint`.
pub fn int8(field: Option<&[u8]>) -> Result<i64, DbError> {
    let bytes: [u8; 8] = field
        .and_then(|f| f.try_into().ok())
        .ok_or_else(|| malformed("bigint"))?;
    Ok(i64::from_be_bytes(bytes))
}

/// A non-null `timestamptz`.
pub fn timestamptz(field: Option<&[u8]>) -> Result<DateTime<Utc>, DbError> {
    let micros = int8(field).map_err(|_| malformed("timestamptz"))?;
    micros
        .checked_add(PG_EPOCH_MICROS)
        .and_then(|m| DateTime::UNIX_EPOCH.checked_add_signed(TimeDelta::microseconds(m)))
        .ok_or_else(|| malformed("timestamptz out of range"))
}

/// A non-null `text`.
pub fn text(field: Option<&[u8]>) -> Result<&str, DbError> {
    std::str::from_utf8(field.ok_or_else(|| malformed("text is null"))?)
        .map_err(|_| malformed("text is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(tuples: &[&[Option<&[u8]>]]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend(0i32.to_be_bytes());
        out.extend(0i32.to_be_bytes());
        for fields in tuples {
            out.extend((fields.len() as i16).to_be_bytes());
            for f in *fields {
                match f {
                    Some(b) => {
                        out.extend((b.len() as i32).to_be_bytes());
                        out.extend(*b);
                    }
                    None => out.extend((-1i32).to_be_bytes()),
                }
            }
        }
        out.extend((-1i16).to_be_bytes());
        out
    }

    #[test]
    fn reads_tuples_nulls_and_the_trailer() {
        let id = 42i64.to_be_bytes();
        // 2000-01-01 00:00:01 UTC.
        let at = 1_000_000i64.to_be_bytes();
        let raw = stream(&[
            &[Some(&id), Some(&at), Some(b"Failed")],
            &[None, None, None],
        ]);
        let mut t = Tuples::new(&raw).unwrap();
        let [a, b, c] = t.next_tuple::<3>().unwrap().unwrap();
        assert_eq!(int8(a).unwrap(), 42);
        assert_eq!(
            timestamptz(b).unwrap().to_rfc3339(),
            "2000-01-01T00:00:01+00:00"
        );
        assert_eq!(text(c).unwrap(), "Failed");
        let [a, _, c] = t.next_tuple::<3>().unwrap().unwrap();
        assert!(int8(a).is_err() && text(c).is_err());
        assert!(t.next_tuple::<3>().unwrap().is_none());
        assert!(t.next_tuple::<3>().unwrap().is_none());
    }

    #[test]
    fn a_cut_or_foreign_stream_is_an_error_not_a_panic() {
        let id = 1i64.to_be_bytes();
        let raw = stream(&[&[Some(&id)]]);
        assert!(Tuples::new(b"PGCOPY").is_err());
        assert!(Tuples::new(b"hello world, not a copy stream").is_err());
        for cut in SIGNATURE.len() + 8..raw.len() - 2 {
            let mut t = Tuples::new(&raw[..cut]).unwrap();
            assert!(t.next_tuple::<1>().is_err(), "cut at {cut}");
        }
        let mut t = Tuples::new(&raw).unwrap();
        assert!(t.next_tuple::<2>().is_err(), "field count checked");
    }
}
