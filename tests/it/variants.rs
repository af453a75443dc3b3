//! A generated corpus of report mails: every product added for parsing breadth in each of its
//! results, languages, charsets and transfer encodings, and every fixture of every product as it
//! arrives forwarded (subject prefixes and transport tags, or the whole mail attached). The mails
//! and their truth are written here from the documented formats, not from the parsers, and the
//! corpus must parse with no unrecognised mail.

use backupchecks::domain::status::Status;
use backupchecks::parsers::{self, ParseOutcome};
use std::path::Path;

/// What a generated mail must parse to.
#[derive(Debug, Clone, PartialEq)]
struct Want {
    parser: &'static str,
    software: String,
    backup_type: String,
    job: String,
    status: Status,
    /// Object names in report order.
    objects: Vec<String>,
}

struct Case {
    name: String,
    raw: Vec<u8>,
    want: Want,
}

#[derive(Debug, Clone, Copy)]
enum Cte {
    EightBit,
    QuotedPrintable,
    Base64,
}

#[derive(Debug, Clone, Copy)]
enum Charset {
    Utf8,
    Latin1,
}

const ENCODINGS: [(Charset, Cte); 4] = [
    (Charset::Utf8, Cte::EightBit),
    (Charset::Utf8, Cte::Base64),
    (Charset::Latin1, Cte::QuotedPrintable),
    (Charset::Latin1, Cte::Base64),
];

fn bytes_in(text: &str, charset: Charset) -> Vec<u8> {
    match charset {
        Charset::Utf8 => text.as_bytes().to_vec(),
        Charset::Latin1 => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
            .collect(),
    }
}

fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | u32::from(*b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn base64_lines(data: &[u8]) -> String {
    let text = base64(data);
    let mut out = String::new();
    for line in text.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push_str("\r\n");
    }
    out
}

fn quoted_printable(data: &[u8]) -> String {
    let mut out = String::new();
    let mut width = 0;
    for &b in data {
        let piece = match b {
            b'\n' => {
                out.push_str("\r\n");
                width = 0;
                continue;
            }
            b'\r' => continue,
            b'=' | 0x80..=0xff | 0..=0x1f => format!("={b:02X}"),
            _ => (b as char).to_string(),
        };
        if width + piece.len() > 73 {
            out.push_str("=\r\n");
            width = 0;
        }
        width += piece.len();
        out.push_str(&piece);
    }
    out
}

fn encoded_subject(subject: &str) -> String {
    if subject.is_ascii() {
        subject.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", base64(subject.as_bytes()))
    }
}

/// One single-part mail.
fn mail(from: &str, subject: &str, html: bool, charset: Charset, cte: Cte, body: &str) -> Vec<u8> {
    let bytes = bytes_in(&body.replace('\n', "\r\n"), charset);
    let (cte_name, encoded) = match cte {
        Cte::EightBit => ("8bit", bytes),
        Cte::QuotedPrintable => ("quoted-printable", quoted_printable(&bytes).into_bytes()),
        Cte::Base64 => ("base64", base64_lines(&bytes).into_bytes()),
    };
    let mut raw = format!(
        "From: {from}\r\nTo: backups@msp.example\r\nSubject: {}\r\nDate: Tue, 12 Mar 2024 23:15:00 +0100\r\n\
         Message-ID: <{}@variants.example>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/{}; charset={}\r\nContent-Transfer-Encoding: {cte_name}\r\n\r\n",
        encoded_subject(subject),
        base64(subject.as_bytes()).trim_end_matches('='),
        if html { "html" } else { "plain" },
        match charset {
            Charset::Utf8 => "utf-8",
            Charset::Latin1 => "iso-8859-1",
        },
    )
    .into_bytes();
    raw.extend(encoded);
    raw.extend(b"\r\n");
    raw
}

fn want(
    parser: &'static str,
    software: &'static str,
    backup_type: &str,
    job: &str,
    status: Status,
    objects: &[&str],
) -> Want {
    Want {
        parser,
        software: software.to_string(),
        backup_type: backup_type.to_string(),
        job: job.to_string(),
        status,
        objects: objects.iter().map(|o| o.to_string()).collect(),
    }
}

const RESULTS: [Status; 3] = [Status::Success, Status::Warning, Status::Failed];

/// Bacula and Bareos: the default subject and the report block, with dates and numbers in the
/// Director's locale.
fn bacula_cases(out: &mut Vec<Case>) {
    let locales = [
        (
            "12-Mar-2024 23:05:00",
            "1,234,567,890 (1.234 GB)",
            "3,969.6 KB/s",
        ),
        (
            "12-Mär-2024 23:05:00",
            "1.234.567.890 (1,234 GB)",
            "3.969,6 KB/s",
        ),
        (
            "12-mars-2024 23:05:00",
            "1 234 567 890 (1,234 Go)",
            "3 969,6 Ko/s",
        ),
        (
            "12/03/2024 23:05:00",
            "1234567890 (1.234 GB)",
            "3969.6 KB/s",
        ),
    ];
    for (product, parser) in [("Bacula", "bacula"), ("Bareos", "bareos")] {
        for (i, status) in RESULTS.into_iter().enumerate() {
            for (l, (date, bytes, rate)) in locales.iter().enumerate() {
                let (exit, termination, log) = match status {
                    Status::Success => ("OK", "Backup OK", String::new()),
                    Status::Warning => (
                        "OK -- with warnings",
                        "Backup OK -- with warnings",
                        "12-Mar 23:06 fs-fd JobId 7: Warning: Cannot open \"/srv/Büro/a.txt\": ERR=Permission denied\n"
                            .to_string(),
                    ),
                    _ => (
                        "Error",
                        "*** Backup Error ***",
                        "12-Mar 23:05 dir JobId 7: Fatal error: Unable to connect to Client: fs-fd\n"
                            .to_string(),
                    ),
                };
                let job = format!("Server{l}-{i}");
                let client = format!("srv{l}-fd");
                let level = ["Full", "Incremental", "Differential"][(i + l) % 3];
                let dir = format!("{}-dir", product.to_lowercase());
                let body = format!(
                    "{log}12-Mar 23:10 {dir} JobId 7: {product} {dir} 13.0.4 (12Feb24):\n\
                     \x20 Build OS:               x86_64-pc-linux-gnu debian 12\n\
                     \x20 JobId:                  7\n\
                     \x20 Job:                    {job}.2024-03-12_23.05.00_0{l}\n\
                     \x20 Backup Level:           {level}\n\
                     \x20 Client:                 \"{client}\" 13.0.4 (12Feb24) x86_64-pc-linux-gnu\n\
                     \x20 FileSet:                \"Full Set\" {date}\n\
                     \x20 Scheduled time:         {date}\n\
                     \x20 Start time:             {date}\n\
                     \x20 FD Bytes Written:       {bytes}\n\
                     \x20 Rate:                   {rate}\n\
                     \x20 Termination:            {termination}\n"
                );
                let subject = format!("{product}: Backup {exit} of {client} {level}");
                let (charset, cte) = ENCODINGS[(i + l) % ENCODINGS.len()];
                out.push(Case {
                    name: format!("{parser} {status} locale {l}"),
                    raw: mail(
                        &format!("({product}) <{}@example.com>", dir),
                        &subject,
                        false,
                        charset,
                        cte,
                        &body,
                    ),
                    want: want(parser, product, "Backup", &job, status, &[&client]),
                });
            }
        }
    }
}

/// restic through resticprofile (labelled lines and the raw variables) and borgmatic (cron
/// output and hook notifications).
fn restic_and_borgmatic_cases(out: &mut Vec<Case>) {
    for (i, status) in RESULTS.into_iter().enumerate() {
        let (code, word, output) = match status {
            Status::Success => (
                "0",
                "succeeded",
                "processed 12 files, 1.2 GiB in 0:10\nsnapshot 1a2b3c4d saved\n",
            ),
            Status::Warning => (
                "3",
                "finished with warnings",
                "error: open /home/Übersicht.xlsx: permission denied\nsnapshot 1a2b3c4d saved\nWarning: at least one source file could not be read\n",
            ),
            _ => (
                "1",
                "failed",
                "Fatal: unable to open repository at sftp:nas:/restic: connection refused\n",
            ),
        };
        let profile = format!("home-{i}");
        for (s, body) in [
            format!("Profile: {profile}\nCommand: backup\nExit code: {code}\n\n{output}"),
            format!(
                "PROFILE_NAME={profile}\nPROFILE_COMMAND=backup\nERROR_EXIT_CODE={code}\n{output}"
            ),
        ]
        .iter()
        .enumerate()
        {
            let (charset, cte) = ENCODINGS[(i + s) % ENCODINGS.len()];
            out.push(Case {
                name: format!("restic {status} style {s}"),
                raw: mail(
                    "resticprofile <backup@nas.example.com>",
                    &format!("resticprofile {profile} backup {word}"),
                    false,
                    charset,
                    cte,
                    body,
                ),
                want: want("restic", "restic", "Backup", &profile, status, &[]),
            });
        }

        if status != Status::Success {
            // resticprofile's own error script (run-after-fail).
            out.push(Case {
                name: format!("restic error script {status}"),
                raw: mail(
                    "\"resticprofile nas.example.com\" <root@nas.example.com>",
                    &format!("restic failed: \"backup\" in \"{profile}\""),
                    false,
                    Charset::Utf8,
                    Cte::EightBit,
                    &format!(
                        "backup on profile '{profile}': exit status {code}\n\n---- \nCOMMANDLINE:\n\n\
                         \"restic\" \"backup\"\n\n----\nSTDERR:\n\n{output}\n----\nDETAILS:\n\nN/A\n"
                    ),
                ),
                want: want("restic", "restic", "Backup", &profile, status, &[]),
            });
        }
        let config = format!("office{i}");
        let (lines, summary) = match status {
            Status::Success => ("", "Successfully ran configuration file"),
            Status::Warning => (
                "/srv/data/grootboek.xlsx: file changed while we backed it up\n",
                "Successfully ran configuration file",
            ),
            _ => (
                "Command 'borg create ...' returned non-zero exit status 2.\n",
                "An error occurred",
            ),
        };
        let body = format!(
            "{lines}Archive name: office-2024-03-12T01:00:03\nDuration: 4 minutes 5.90 seconds\n\n\
             summary:\n/etc/borgmatic.d/{config}.yaml: {summary}\n"
        );
        let (charset, cte) = ENCODINGS[i % ENCODINGS.len()];
        out.push(Case {
            name: format!("borgmatic cron {status}"),
            raw: mail(
                "Cron Daemon <root@office.example.com>",
                "Cron <root@office> borgmatic --stats",
                false,
                charset,
                cte,
                &body,
            ),
            want: want("borgmatic", "borgmatic", "Backup", &config, status, &[]),
        });
    }
    for (event, status) in [("FINISH", Status::Success), ("FAIL", Status::Failed)] {
        let title = format!("A borgmatic {event} event happened");
        out.push(Case {
            name: format!("borgmatic {event} event"),
            raw: mail(
                "borgmatic <alerts@web01.example.com>",
                &title,
                false,
                Charset::Utf8,
                Cte::QuotedPrintable,
                &title,
            ),
            want: want("borgmatic", "borgmatic", "Backup", "borgmatic", status, &[]),
        });
    }
}

/// Synology Hyper Backup in plain text and Active Backup with typographic quotes, per language.
fn synology_cases(out: &mut Vec<Case>) {
    // (language, task sentence per result, task name)
    let hyper: [(&str, [&str; 3], &str); 3] = [
        (
            "en",
            [
                "Backup task {t} on {h} has completed.",
                "Backup task {t} on {h} partially completed.",
                "Backup task {t} on {h} has failed.",
            ],
            "Offsite-C2",
        ),
        (
            "nl",
            [
                "Back-uptaak {t} op {h} is voltooid.",
                "Back-uptaak {t} op {h} is gedeeltelijk voltooid.",
                "Back-uptaak {t} op {h} is mislukt.",
            ],
            "Kantoor-Offsite",
        ),
        (
            "de",
            [
                "Sicherungsaufgabe {t} auf {h} ist abgeschlossen.",
                "Sicherungsaufgabe {t} auf {h} wurde teilweise abgeschlossen.",
                "Sicherungsaufgabe {t} auf {h} ist fehlgeschlagen.",
            ],
            "Auslagerung-Büro",
        ),
    ];
    for (lang, sentences, task) in hyper {
        for (i, status) in RESULTS.into_iter().enumerate() {
            let host = "NAS01-C06";
            let line = sentences[i].replace("{t}", task).replace("{h}", host);
            let (charset, cte) = ENCODINGS[(i + lang.len()) % ENCODINGS.len()];
            out.push(Case {
                name: format!("hyper backup text {lang} {status}"),
                raw: mail(
                    "NAS01-C06 <nas01-c06@example.com>",
                    &format!("[{host}] {line}"),
                    false,
                    charset,
                    cte,
                    &format!("{line}\n\nStart: 12.03.2024 01:00\n\nFrom {host}\n"),
                ),
                want: want(
                    "synology_hyper_backup",
                    "Synology",
                    "Hyper Backup",
                    task,
                    status,
                    &[],
                ),
            });
        }
    }
    // (language, task word, on, results, device label or sentence, open quote, close quote)
    let abb = [
        (
            "en",
            "Backup task",
            "on",
            ["completed", "partially completed", "failed"],
            "Device: ",
            '“',
            '”',
        ),
        (
            "nl",
            "Back-uptaak",
            "op",
            ["voltooid", "gedeeltelijk voltooid", "mislukt"],
            "Apparaat: ",
            '‘',
            '’',
        ),
        (
            "de",
            "Sicherungsaufgabe",
            "auf",
            ["abgeschlossen", "teilweise abgeschlossen", "fehlgeschlagen"],
            "Die Sicherung von Gerät ",
            '„',
            '“',
        ),
        (
            "it",
            "attività di backup",
            "su",
            ["completata", "parzialmente completata", "non riuscita"],
            "dispositivo ",
            '«',
            '»',
        ),
    ];
    for (lang, word, on, results, device_lead, open, close) in abb {
        for (i, status) in RESULTS.into_iter().enumerate() {
            let task = format!("Kantoor PC's {i}");
            let device = format!("PC-{lang}-{i}");
            let line = format!("{word} {open}{task}{close} {on} NAS02 {}", results[i]);
            let (charset, cte) = ENCODINGS[(i + 1) % 2];
            out.push(Case {
                name: format!("active backup quotes {lang} {status}"),
                raw: mail(
                    "NAS02 <nas02@example.com>",
                    &format!("[NAS02] Active Backup for Business - {line}"),
                    true,
                    charset,
                    cte,
                    &format!(
                        "<div>Active Backup for Business</div><p>{line}</p>\
                         <p>{device_lead}{open}{device}{close}</p><p>From NAS02</p>"
                    ),
                ),
                want: want(
                    "synology_active_backup",
                    "Synology",
                    "Active Backup for Business",
                    &task,
                    status,
                    &[&device],
                ),
            });
        }
    }
    let notices = [
        (
            "[NAS03] Client 203.0.113.9 has been blocked by Account Protection on NAS03",
            "synology_account_protection",
            "Account Protection",
            Status::Warning,
        ),
        (
            "[NAS03] Client 203.0.113.9 is geblokkeerd door Accountbeveiliging op NAS03",
            "synology_account_protection",
            "Account Protection",
            Status::Warning,
        ),
        (
            "[NAS03] Client 203.0.113.9 wurde vom Kontoschutz auf NAS03 gesperrt",
            "synology_account_protection",
            "Account Protection",
            Status::Warning,
        ),
        (
            "[NAS03] A new drive firmware update is available on NAS03",
            "synology_firmware_update",
            "Firmware Update",
            Status::Warning,
        ),
        (
            "[NAS03] The firmware of NAS03 has been updated",
            "synology_firmware_update",
            "Firmware Update",
            Status::Success,
        ),
        (
            "[NAS03] Firmware-Update auf NAS03 fehlgeschlagen",
            "synology_firmware_update",
            "Firmware Update",
            Status::Failed,
        ),
    ];
    for (i, (subject, parser, kind, status)) in notices.into_iter().enumerate() {
        let (charset, cte) = ENCODINGS[i % ENCODINGS.len()];
        out.push(Case {
            name: format!("synology notice {i}"),
            raw: mail(
                "NAS03 <nas03@example.com>",
                subject,
                false,
                charset,
                cte,
                &format!("{subject}\n\nSynology DiskStation\nFrom NAS03\n"),
            ),
            want: want(parser, "Synology", kind, "NAS03", status, &[]),
        });
    }
}

/// Veeam: SureBackup and tape jobs in HTML, and the job report as text in four languages.
fn veeam_cases(out: &mut Vec<Case>) {
    let words = ["Success", "Warning", "Failed"];
    for (kind, backup_type) in [
        ("SureBackup", "SureBackup Job"),
        ("Backup to Tape", "Backup to Tape Job"),
        ("File to Tape", "File to Tape Job"),
    ] {
        for (i, status) in RESULTS.into_iter().enumerate() {
            let job = format!("{kind} Weekly {i}");
            let html = format!(
                "<table><tr><td>{kind} job: {job}<div class=\"jobDescription\">Created by svc</div></td>\
                 <td>{}<div class=\"jobDescription\">2 of 2 VMs processed</div></td></tr></table>\
                 <table class=\"inner\"><tr><td class=\"sessionDetails\" colspan=\"9\">Tuesday</td></tr>\
                 <tr><td><b>Name</b></td><td><b>Status</b></td><td><b>Details</b></td></tr>\
                 <tr><td>obj-a</td><td>{}</td><td>text</td></tr>\
                 <tr><td>obj-b</td><td>Success</td><td></td></tr></table>\
                 <p>Veeam Backup &amp; Replication 12.1.2.172</p>",
                words[i], words[i]
            );
            let (charset, cte) = ENCODINGS[i % 2];
            out.push(Case {
                name: format!("veeam {kind} {status}"),
                raw: mail(
                    "Veeam <veeam@example.com>",
                    &format!("[{}] {job} (2 objects)", words[i]),
                    true,
                    charset,
                    cte,
                    &html,
                ),
                want: want(
                    "veeam_job",
                    "Veeam",
                    backup_type,
                    &job,
                    status,
                    &["obj-a", "obj-b"],
                ),
            });
        }
    }
    // (language, name / status / details headers, result words)
    let languages = [
        (
            "it",
            ["Nome", "Stato", "Dettagli"],
            ["Riuscito", "Avviso", "Errore"],
        ),
        (
            "nl",
            ["Naam", "Status", "Details"],
            ["Geslaagd", "Waarschuwing", "Mislukt"],
        ),
        (
            "de",
            ["Name", "Status", "Details"],
            ["Erfolgreich", "Warnung", "Fehlgeschlagen"],
        ),
        (
            "fr",
            ["Nom", "Statut", "Détails"],
            ["Réussi", "Avertissement", "Échec"],
        ),
    ];
    for (lang, headers, results) in languages {
        for (i, status) in RESULTS.into_iter().enumerate() {
            let job = format!("Backup {lang} {i}");
            let [name, state, details] = headers;
            let body = format!(
                "{job}\n{}\n\n{name}\t{state}\tStart\t{details}\nsrv-{lang}-1\t{}\t22:00:31\tmessage\n\
                 srv-{lang}-2\t{}\t22:01:00\t\n\nVeeam Backup & Replication 12.1.2.172\n",
                results[i], results[i], results[0]
            );
            let (charset, cte) = ENCODINGS[(i + 2) % ENCODINGS.len()];
            out.push(Case {
                name: format!("veeam text {lang} {status}"),
                raw: mail(
                    "Veeam <veeam@example.com>",
                    &format!("[{}] {job} (2 objects)", words[i]),
                    false,
                    charset,
                    cte,
                    &body,
                ),
                want: want(
                    "veeam_job",
                    "Veeam",
                    "Backup Job",
                    &job,
                    status,
                    &[&format!("srv-{lang}-1"), &format!("srv-{lang}-2")],
                ),
            });
        }
    }
}

/// A mail forwarded by a person: the subject gets reply/forward prefixes and a gateway's tag.
fn with_subject_prefix(raw: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(raw);
    let at = text.find("\nSubject: ")? + "\nSubject: ".len();
    let mut out = raw.get(..at)?.to_vec();
    out.extend(b"[EXTERNAL] FW: ");
    out.extend(raw.get(at..)?);
    Some(out)
}

/// The same mail forwarded as an attachment, with the forward's own subject.
fn as_attachment(raw: &[u8]) -> Vec<u8> {
    let mut out = b"From: Servicedesk <servicedesk@msp.example>\r\nTo: backups@msp.example\r\n\
Subject: FW: see attached\r\nDate: Wed, 13 Mar 2024 08:00:00 +0100\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"fwd-boundary\"\r\n\r\n--fwd-boundary\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nPlease check.\r\n--fwd-boundary\r\n\
Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n"
        .to_vec();
    out.extend(raw);
    out.extend(b"\r\n--fwd-boundary--\r\n");
    out
}

fn fixtures(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            fixtures(&path, out);
        } else if path.extension().is_some_and(|e| e == "eml") {
            out.push(path);
        }
    }
}

fn got(raw: &[u8]) -> Option<Want> {
    match parsers::parse_raw(raw) {
        ParseOutcome::Parsed { parser, report } => Some(Want {
            parser,
            software: report.software,
            backup_type: report.backup_type,
            job: report.job_name,
            status: report.status,
            objects: report.objects.into_iter().map(|o| o.name).collect(),
        }),
        _ => None,
    }
}

#[test]
fn every_product_and_variant_parses_with_no_unrecognised_mail() {
    let mut cases = Vec::new();
    bacula_cases(&mut cases);
    restic_and_borgmatic_cases(&mut cases);
    synology_cases(&mut cases);
    veeam_cases(&mut cases);
    // Each generated mail also arrives forwarded, both ways.
    let forwarded: Vec<Case> = cases
        .iter()
        .flat_map(|c| {
            let prefixed = with_subject_prefix(&c.raw).map(|raw| Case {
                name: format!("{} (FW: prefix)", c.name),
                raw,
                want: c.want.clone(),
            });
            let attached = Case {
                name: format!("{} (attached)", c.name),
                raw: as_attachment(&c.raw),
                want: c.want.clone(),
            };
            prefixed.into_iter().chain([attached])
        })
        .collect();
    cases.extend(forwarded);

    let mut unrecognised = Vec::new();
    let mut wrong = Vec::new();
    for case in &cases {
        match got(&case.raw) {
            None => unrecognised.push(case.name.clone()),
            Some(g) if g != case.want => wrong.push(format!(
                "{}\n  want {:?}\n  got  {g:?}",
                case.name, case.want
            )),
            Some(_) => {}
        }
    }
    assert!(cases.len() > 240, "{} mails", cases.len());
    // Cut and damaged, the generated mails never panic either.
    for case in &cases {
        for cut in (0..case.raw.len()).step_by(97) {
            let _ = parsers::parse_raw(case.raw.get(..cut).unwrap());
        }
        let flipped: Vec<u8> = case
            .raw
            .iter()
            .enumerate()
            .map(|(i, b)| if i % 17 == 0 { b ^ 0x5a } else { *b })
            .collect();
        let _ = parsers::parse_raw(&flipped);
    }
    assert!(unrecognised.is_empty(), "unrecognised: {unrecognised:#?}");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));

    // Every fixture of every product that parses, forwarded both ways, parses the same.
    let mut files = Vec::new();
    fixtures(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail"),
        &mut files,
    );
    files.sort();
    let mut checked = 0;
    for path in files {
        let raw = std::fs::read(&path).unwrap();
        let Some(original) = got(&raw) else { continue };
        for (how, variant) in [
            ("attached", Some(as_attachment(&raw))),
            ("FW: prefix", with_subject_prefix(&raw)),
        ] {
            let Some(variant) = variant else { continue };
            assert_eq!(
                got(&variant).as_ref(),
                Some(&original),
                "{} ({how})",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked > 150, "{checked} forwarded fixtures");
}
