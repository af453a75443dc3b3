//! Proxmox VE vzdump mails (the classic layout: text table plus HTML table and logs) and Proxmox
//! Backup Server job notices (plain text).

use super::super::catalogue::Product;
use super::super::rng::Rng;
use super::Render;
use crate::demo::mime::{self, Encoding, Part};
use crate::domain::status::Status;
use chrono::TimeDelta;

/// A vzdump run over the host's guests (objects are `<vmid> <name>`).
pub(super) fn vzdump(r: &Render<'_>) -> Vec<u8> {
    let host = r.job.host;
    let mut rng = Rng::for_parts(&[r.at.timestamp() as u64, 31]);
    let failed = r.run.status == Status::Failed;
    let mut text =
        String::from("VMID       NAME                 STATUS       TIME       SIZE  FILENAME\n");
    let mut rows =
        String::from("<tr><td>VMID<td>NAME<td>STATUS<td>TIME<td>SIZE<td>FILENAME</tr>\n");
    let mut logs = String::new();
    let mut clock = r.at - TimeDelta::minutes(12);
    let mut total_secs = 0;
    let mut total_mb = 0;
    for o in &r.run.objects {
        let (vmid, name) = o.name.split_once(' ').unwrap_or(("100", o.name.as_str()));
        let stamp = r.local(clock, "%Y_%m_%d-%H_%M_%S");
        let file = format!("/mnt/pve/backup-nas/dump/vzdump-qemu-{vmid}-{stamp}.vma.zst");
        let log_at = |t| r.local(t, "%Y-%m-%d %H:%M:%S");
        logs.push_str(&format!(
            "{vmid}: {} INFO: Starting Backup of VM {vmid} (qemu)\n",
            log_at(clock)
        ));
        if o.status == Status::Failed {
            let secs = rng.range(2, 9);
            let reason = o.message.as_deref().unwrap_or("backup failed");
            let end = clock + TimeDelta::seconds(secs);
            text.push_str(&format!(
                "{vmid:<10} {name:<20} err      00:00:{secs:02}     0.00MB  -\n"
            ));
            rows.push_str(&format!(
                "<tr><td><font color=red>{vmid}<td><font color=red>{name}<td><font color=red>FAILED\
                 <td><font color=red>00:00:{secs:02}<td colspan=2><font color=red>{reason}</tr>\n"
            ));
            logs.push_str(&format!(
                "{vmid}: {} ERROR: Backup of VM {vmid} failed - {reason}\n",
                log_at(end)
            ));
            clock = end;
            total_secs += secs;
        } else {
            let secs = rng.range(40, 400);
            let mb = rng.range(600, 9000);
            let end = clock + TimeDelta::seconds(secs);
            let size = format!("{:.2}GB", mb as f64 / 1024.0);
            let time = format!("00:{:02}:{:02}", secs / 60, secs % 60);
            text.push_str(&format!(
                "{vmid:<10} {name:<20} ok       {time}  {size:>9}  {file}\n"
            ));
            rows.push_str(&format!(
                "<tr><td>{vmid}<td>{name}<td>OK<td>{time}<td align=right>{size}<td>{file}</tr>\n"
            ));
            logs.push_str(&format!(
                "{vmid}: {} INFO: Finished Backup of VM {vmid} ({time})\n",
                log_at(end)
            ));
            clock = end;
            total_secs += secs;
            total_mb += mb;
        }
    }
    let total = format!(
        "00:{:02}:{:02} {:.2}GB",
        total_secs / 60,
        total_secs % 60,
        total_mb as f64 / 1024.0
    );
    let vmids: Vec<&str> = r
        .run
        .objects
        .iter()
        .map(|o| o.name.split(' ').next().unwrap_or(""))
        .collect();
    let command = format!(
        "vzdump {} --mode snapshot --storage backup-nas --compress zstd --mailnotification always \
         --quiet 1",
        vmids.join(" ")
    );
    text.push_str(&format!(
        "\nTOTAL {total}\n\nDetailed backup logs:\n\n{command}\n\n{logs}"
    ));
    let (t_total, t_size) = total.split_once(' ').unwrap_or((&total, ""));
    let html = format!(
        "<html><body><table border=1 cellpadding=3>\n{rows}<tr><td><td>TOTAL<td><td>{t_total}\
         <td>{t_size}<td></tr></table><br><br>\nDetailed backup logs:<br><br>\n<pre>{logs}</pre>\
         </body></html>"
    );
    let subject = format!(
        "vzdump backup status ({host}) : backup {}",
        if failed { "failed" } else { "successful" }
    );
    mime::alternative(
        &r.envelope(&subject),
        &[
            Part {
                content_type: "text/plain",
                encoding: Encoding::QuotedPrintable,
                body: &text,
            },
            Part {
                content_type: "text/html",
                encoding: Encoding::QuotedPrintable,
                body: &html,
            },
        ],
    )
}

/// A Proxmox Backup Server verify or garbage-collection notice.
pub(super) fn pbs(r: &Render<'_>) -> Vec<u8> {
    let store = r.job.name;
    let host = r.job.host;
    let ok = r.run.status != Status::Failed;
    let word = if ok { "successful" } else { "failed" };
    let mut rng = Rng::for_parts(&[r.at.timestamp() as u64, 43]);
    let (subject, body) = if r.job.product == Product::PbsGarbageCollection {
        (
            format!("Garbage Collect Datastore '{store}' {word}"),
            format!(
                "Datastore:            {store}\nTask ID:              UPID:{}:{:08X}\n\
                 Index file count:     {}\nRemoved garbage:      {}.{} GiB\n\n\
                 Garbage collection {word}.\n",
                host.split('.').next().unwrap_or(host),
                rng.next_u64() as u32,
                40 + rng.below(30),
                rng.below(20),
                rng.below(10)
            ),
        )
    } else {
        (
            format!("Verify Datastore '{store}' {word}"),
            format!(
                "Job ID:    v-{:08x}-{:04x}\nDatastore: {store}\n\nVerification {word}.\n",
                rng.next_u64() as u32,
                rng.next_u64() as u16
            ),
        )
    };
    let body = format!(
        "{body}\nPlease visit the web interface for further details:\n\n\
         <https://{host}:8007/#pbsServerAdministration:tasks>\n"
    );
    mime::single(
        &r.envelope(&subject),
        &Part {
            content_type: "text/plain",
            encoding: Encoding::EightBit,
            body: &body,
        },
    )
}
