//! Report mails made up for tests, in the generic key: value format.

/// A generic-format report: `[backupchecks] <job>` with Software/Type/Job/Status lines.
pub fn generic(msgid: &str, from: &str, job: &str, status: &str, date: &str) -> Vec<u8> {
    generic_with_objects(msgid, from, job, status, date, &[])
}

/// The same with `Object: name | status | message` lines.
pub fn generic_with_objects(
    msgid: &str,
    from: &str,
    job: &str,
    status: &str,
    date: &str,
    objects: &[(&str, &str, &str)],
) -> Vec<u8> {
    let mut body = format!("Software: ScriptBackup\nType: Archive\nJob: {job}\nStatus: {status}\n");
    for (name, st, msg) in objects {
        body.push_str(&format!("Object: {name} | {st} | {msg}\n"));
    }
    format!(
        "From: Backup Script <{from}>\r\nTo: backups@msp.example\r\nSubject: [backupchecks] {job}\r\n\
         Date: {date}\r\nMessage-ID: <{msgid}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    )
    .into_bytes()
}
