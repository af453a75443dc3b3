//! The demo's invented MSP clients and their backup jobs: who sends what, when, and how each job
//! behaves (healthy, flaky, failing, silent). Plain data; the history and the mailbox read it.

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

/// One client of the MSP. Names and domains are invented (`.example` is reserved for that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoCustomer {
    pub name: &'static str,
    pub domain: &'static str,
    /// Already a customer in the database; `false` for a client being onboarded, whose first
    /// reports wait in the Inbox.
    pub existing: bool,
}

/// The product (and report kind) a job mails as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    VeeamBackup,
    VeeamBackupCopy,
    VeeamReplication,
    VeeamAgent,
    VeeamM365,
    SynologyActiveBackup,
    SynologyHyperBackup,
    /// DSM and package update notices: informational.
    SynologyUpdates,
    ProxmoxVzdump,
    PbsVerify,
    PbsGarbageCollection,
    Duplicati,
    Nakivo,
    Acronis,
    /// A home-made script in the generic `[backupchecks]` format.
    Script,
}

impl Product {
    /// Backup software as the parser reports it.
    pub fn software(self) -> &'static str {
        match self {
            Product::VeeamBackup
            | Product::VeeamBackupCopy
            | Product::VeeamReplication
            | Product::VeeamAgent
            | Product::VeeamM365 => "Veeam",
            Product::SynologyActiveBackup
            | Product::SynologyHyperBackup
            | Product::SynologyUpdates => "Synology",
            Product::ProxmoxVzdump => "Proxmox VE",
            Product::PbsVerify | Product::PbsGarbageCollection => "Proxmox Backup Server",
            Product::Duplicati => "Duplicati",
            Product::Nakivo => "NAKIVO",
            Product::Acronis => "Acronis",
            Product::Script => "restic",
        }
    }

    /// Backup type as the parser reports it.
    pub fn backup_type(self) -> &'static str {
        match self {
            Product::VeeamBackup => "Backup Job",
            Product::VeeamBackupCopy => "Backup Copy Job",
            Product::VeeamReplication => "Replication Job",
            Product::VeeamAgent => "Agent Backup Job",
            Product::VeeamM365 => "Microsoft 365 Backup",
            Product::SynologyActiveBackup => "Active Backup for Business",
            Product::SynologyHyperBackup => "Hyper Backup",
            Product::SynologyUpdates => "Updates",
            Product::ProxmoxVzdump => "vzdump",
            Product::PbsVerify => "Verify Job",
            Product::PbsGarbageCollection => "Garbage Collection",
            Product::Duplicati => "Backup",
            Product::Nakivo => "VMware backup job",
            Product::Acronis => "Backup",
            Product::Script => "Snapshot",
        }
    }

    /// Products that send one mail per device rather than one per job run.
    pub fn mail_per_object(self) -> bool {
        matches!(self, Product::SynologyActiveBackup | Product::Acronis)
    }
}

/// When a job runs (local time in the demo's timezone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cadence {
    Daily,
    Weekdays,
    Days(&'static [Weekday]),
    /// One day of the month.
    MonthDay(u32),
    /// Irregular notices, on these days before today.
    DaysAgo(&'static [i64]),
}

impl Cadence {
    /// Whether a run is due on `date`, `days_ago` days before today.
    pub fn is_due(&self, date: NaiveDate, days_ago: i64) -> bool {
        match self {
            Cadence::Daily => true,
            Cadence::Weekdays => date.weekday().number_from_monday() <= 5,
            Cadence::Days(days) => days.contains(&date.weekday()),
            Cadence::MonthDay(d) => date.day() == *d,
            Cadence::DaysAgo(list) => list.contains(&days_ago),
        }
    }
}

/// How a job behaves over the demo's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Almost always fine; now and then a random warning or failure.
    Healthy,
    /// Warns on these weekdays (twice a week).
    Flaky(&'static [Weekday]),
    /// Failed on each of the last `n` days (today included).
    FailingFor(i64),
    /// Sent nothing on the last `n` days (today included): Missed runs.
    SilentFor(i64),
    /// This object warns on every run with the same known message (an override's target).
    KnownWarning(&'static str),
    /// Failed on these days before today, healthy otherwise (a problem that was fixed).
    FailedDaysAgo(&'static [i64]),
    /// This device has been offline for the last `days` days.
    DeviceOffline { device: &'static str, days: i64 },
}

/// One backup job of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoJob {
    /// Index into [`Catalogue::customers`].
    pub customer: usize,
    pub product: Product,
    /// Sender address.
    pub from: String,
    /// Sender display name.
    pub from_name: &'static str,
    /// The product's own name for the job (task, plan, datastore; the host for vzdump and
    /// update notices; without the organisation for Microsoft 365).
    pub name: &'static str,
    /// The machine (NAS, server) or organisation that sends, where the mail names it.
    pub host: &'static str,
    pub objects: &'static [&'static str],
    pub cadence: Cadence,
    pub time: NaiveTime,
    /// Minutes either side of `time` a run may finish.
    pub jitter_minutes: i64,
    pub pattern: Pattern,
    /// Approved while seeding; `false` leaves its mail waiting in the Inbox.
    pub approved: bool,
    /// Reports only from this many days ago (a job set up recently); `None` for the whole history.
    pub since_days: Option<i64>,
}

impl DemoJob {
    /// The job name the parser reports.
    pub fn job_name(&self) -> String {
        match self.product {
            Product::VeeamM365 => format!("{} - {}", self.host, self.name),
            _ => self.name.to_string(),
        }
    }

    /// Whether the job's product only informs (update notices).
    pub fn informational(&self) -> bool {
        self.product == Product::SynologyUpdates
    }

    /// Whether the job sends a report on `date`, `days_ago` days before today.
    pub fn reports_on(&self, date: NaiveDate, days_ago: i64) -> bool {
        if self.since_days.is_some_and(|since| days_ago > since) {
            return false;
        }
        if let Pattern::SilentFor(n) = self.pattern
            && days_ago < n
        {
            return false;
        }
        self.cadence.is_due(date, days_ago)
    }
}

/// Every customer and job of the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    pub customers: Vec<DemoCustomer>,
    pub jobs: Vec<DemoJob>,
}

/// The featured jobs, by index into [`Catalogue::jobs`]: what the demo's story is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Featured {
    /// Proxmox host whose backup storage is full: failed for the last 3 days, has a ticket.
    pub failing: usize,
    /// Duplicati job that warns twice a week, has a remark.
    pub flaky: usize,
    /// Proxmox host that stopped mailing: Missed runs.
    pub silent: usize,
    /// Veeam job whose file server always warns about CBT: overridden to success.
    pub known_warning: usize,
    /// Synology task with one laptop offline.
    pub device_offline: usize,
    /// Monthly Veeam copy job with a pinned schedule.
    pub monthly: usize,
    /// Acronis plan with the ticket resolved weeks ago.
    pub resolved_ticket: usize,
    /// Synology task whose "files in use" warning is overridden job-wide.
    pub files_in_use: usize,
}

const MON_WED_FRI: &[Weekday] = &[Weekday::Mon, Weekday::Wed, Weekday::Fri];

fn at(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

/// A job row of the table below; the rest of the fields get their usual values.
#[allow(clippy::too_many_arguments)]
fn job(
    customer: usize,
    product: Product,
    local: &str,
    from_name: &'static str,
    name: &'static str,
    host: &'static str,
    objects: &'static [&'static str],
    cadence: Cadence,
    time: NaiveTime,
    pattern: Pattern,
) -> DemoJob {
    DemoJob {
        customer,
        product,
        // Completed below, once the customer's domain is known.
        from: local.to_string(),
        from_name,
        name,
        host,
        objects,
        cadence,
        time,
        jitter_minutes: 12,
        pattern,
        approved: true,
        since_days: None,
    }
}

impl Catalogue {
    /// The demo catalogue: 11 customers (one being onboarded) and 50 jobs.
    pub fn standard() -> Catalogue {
        use Cadence::{Daily, Days, DaysAgo, MonthDay, Weekdays};
        use Pattern::{
            DeviceOffline, FailedDaysAgo, FailingFor, Flaky, Healthy, KnownWarning, SilentFor,
        };
        use Product::*;
        let customers = vec![
            c("Bakker Logistiek B.V.", "bakker-logistiek.example"),
            c("Harbourview Dental Care", "harbourview-dental.example"),
            c("Linden & Vos Advocaten", "lindenvos.example"),
            c("Meridian Architects", "meridian-arch.example"),
            c("Noordzee Fysiotherapie", "noordzee-fysio.example"),
            c("Oakridge Accountancy", "oakridge-accountancy.example"),
            c("De Groene Bakkerij", "groenebakkerij.example"),
            c("Stellar Print & Sign", "stellarprint.example"),
            c(
                "Van Dijk Installatietechniek",
                "vandijk-installatie.example",
            ),
            c("Willow Creek Veterinary", "willowcreek-vet.example"),
            DemoCustomer {
                name: "Kestrel Engineering",
                domain: "kestrel-eng.example",
                existing: false,
            },
        ];
        let vms_bakker: &[&str] = &["bl-dc01", "bl-fs01", "bl-sql01", "bl-app01", "bl-print01"];
        #[rustfmt::skip]
        let mut jobs = vec![
            // 0 Bakker Logistiek: Veeam B&R plus Microsoft 365.
            job(0, VeeamBackup, "veeam", "Veeam Backup", "Daily VM Backup", "", vms_bakker, Daily, at(22, 0), KnownWarning("bl-fs01")),
            job(0, VeeamBackupCopy, "veeam", "Veeam Backup", "Offsite Copy", "", &["bl-dc01", "bl-fs01", "bl-sql01", "bl-app01"], Daily, at(5, 30), Healthy),
            job(0, VeeamReplication, "veeam", "Veeam Backup", "Warehouse Replica", "", &["bl-wms01"], Daily, at(2, 0), Healthy),
            job(0, VeeamM365, "vb365", "VB365", "Exchange Online", "bakkerlogistiek.onmicrosoft.com", &["finance@bakker-logistiek.example", "planning@bakker-logistiek.example", "info@bakker-logistiek.example", "directie@bakker-logistiek.example"], Daily, at(23, 30), Healthy),
            job(0, Script, "cron@erp.bakker-logistiek.example", "backup-script", "restic erp", "erp", &["/var/lib/postgresql", "/etc", "/srv/erp"], Daily, at(3, 30), Healthy),
            job(0, VeeamAgent, "bl-laptop-07", "Veeam Agent", "Backup Job BL-LAPTOP-07", "BL-LAPTOP-07", &["BL-LAPTOP-07"], Weekdays, at(12, 30), Healthy),
            // 1 Harbourview Dental Care: Synology.
            job(1, SynologyActiveBackup, "nas-hvd", "NAS-HVD", "Servers", "NAS-HVD", &["HVD-DC01"], Daily, at(21, 0), Healthy),
            job(1, SynologyActiveBackup, "nas-hvd", "NAS-HVD", "Workstations", "NAS-HVD", &["HVD-RECEPTION", "HVD-XRAY01", "HVD-OFFICE"], Weekdays, at(12, 30), Healthy),
            job(1, SynologyHyperBackup, "nas-hvd", "NAS-HVD", "Offsite-C2", "NAS-HVD", &[], Daily, at(3, 0), Healthy),
            job(1, SynologyUpdates, "nas-hvd", "NAS-HVD", "NAS-HVD", "NAS-HVD", &[], DaysAgo(&[26, 9, 1]), at(4, 10), Healthy),
            job(1, VeeamAgent, "hvd-xray01", "Veeam Agent", "Backup Job HVD-XRAY01", "HVD-XRAY01", &["HVD-XRAY01"], Daily, at(19, 30), Healthy),
            // 2 Linden & Vos Advocaten: Veeam.
            job(2, VeeamBackup, "veeam", "Veeam Backup", "Nightly Servers", "", &["lv-dc01", "lv-dms01", "lv-sql01"], Weekdays, at(23, 0), Healthy),
            job(2, VeeamReplication, "veeam", "Veeam Backup", "DR Replica", "", &["lv-dms01", "lv-sql01"], Daily, at(1, 30), Healthy),
            job(2, VeeamM365, "vb365", "VB365", "SharePoint and OneDrive", "lindenvos.onmicrosoft.com", &["https://lindenvos.sharepoint.example/sites/dossiers", "https://lindenvos.sharepoint.example/sites/kantoor", "m.devos@lindenvos.example"], Daily, at(22, 30), Healthy),
            job(2, VeeamAgent, "lv-lt07", "Veeam Agent", "Backup Job LV-LT07", "LV-LT07", &["LV-LT07"], Days(MON_WED_FRI), at(12, 15), Healthy),
            job(2, VeeamAgent, "lv-lt11", "Veeam Agent", "Backup Job LV-LT11", "LV-LT11", &["LV-LT11"], Days(MON_WED_FRI), at(12, 45), Healthy),
            // 3 Meridian Architects: Proxmox VE and Backup Server.
            job(3, ProxmoxVzdump, "root@pve1.meridian-arch.example", "vzdump backup tool", "pve1.meridian-arch.example", "pve1.meridian-arch.example", &["100 mer-dc01", "101 mer-files", "102 mer-cad", "103 mer-vault"], Daily, at(1, 0), FailingFor(3)),
            job(3, ProxmoxVzdump, "root@pve2.meridian-arch.example", "vzdump backup tool", "pve2.meridian-arch.example", "pve2.meridian-arch.example", &["200 mer-web", "201 mer-mail"], Daily, at(1, 30), Healthy),
            job(3, PbsVerify, "root@pbs1.meridian-arch.example", "Proxmox Backup Server", "store1", "pbs1.meridian-arch.example", &[], Days(&[Weekday::Sat]), at(4, 0), Healthy),
            job(3, PbsVerify, "root@pbs1.meridian-arch.example", "Proxmox Backup Server", "store2", "pbs1.meridian-arch.example", &[], Days(&[Weekday::Wed]), at(4, 30), Healthy),
            job(3, PbsGarbageCollection, "root@pbs1.meridian-arch.example", "Proxmox Backup Server", "store1", "pbs1.meridian-arch.example", &[], Daily, at(2, 30), Healthy),
            // 4 Noordzee Fysiotherapie: Duplicati.
            job(4, Duplicati, "duplicati", "Duplicati", "Praktijkserver", "", &[], Daily, at(20, 0), Flaky(&[Weekday::Tue, Weekday::Fri])),
            job(4, Duplicati, "duplicati", "Duplicati", "Balie-PC", "", &[], Weekdays, at(13, 0), Healthy),
            job(4, Duplicati, "duplicati", "Duplicati", "Thuiswerkplek", "", &[], Daily, at(18, 0), Healthy),
            // 5 Oakridge Accountancy: NAKIVO, Veeam.
            job(5, Nakivo, "nakivo", "NAKIVO Backup", "VMware Daily", "", &["oak-dc01", "oak-exchange", "oak-finance", "oak-rds01"], Daily, at(21, 30), Healthy),
            job(5, Nakivo, "nakivo", "NAKIVO Backup", "Weekend Full", "", &["oak-dc01", "oak-exchange", "oak-finance", "oak-rds01"], Days(&[Weekday::Sat]), at(10, 0), Healthy),
            job(5, VeeamM365, "vb365", "VB365", "Exchange and Teams", "oakridgeaccountancy.onmicrosoft.com", &["partners@oakridge-accountancy.example", "payroll@oakridge-accountancy.example", "Team: Year-end 2025"], Daily, at(23, 0), Healthy),
            job(5, SynologyHyperBackup, "nas-oak", "NAS-OAK", "Archief-USB", "NAS-OAK", &[], Days(&[Weekday::Sat]), at(9, 0), Healthy),
            job(5, VeeamAgent, "oak-partner01", "Veeam Agent", "Backup Job OAK-PARTNER01", "OAK-PARTNER01", &["OAK-PARTNER01"], Weekdays, at(13, 15), Healthy),
            // 6 De Groene Bakkerij: Acronis, Synology.
            job(6, Acronis, "noreply@cloud.acronis.example", "Acronis Cyber Protect Cloud", "Bakkerij Kassa", "", &["KASSA-01", "KASSA-02"], Daily, at(21, 15), Healthy),
            job(6, Acronis, "noreply@cloud.acronis.example", "Acronis Cyber Protect Cloud", "Bakkerij Kantoor", "", &["GB-KANTOOR"], Weekdays, at(12, 0), FailedDaysAgo(&[22, 21, 20])),
            job(6, SynologyHyperBackup, "nas-gb", "NAS-GB", "Recepten-Cloud", "NAS-GB", &[], Daily, at(2, 45), Healthy),
            // 7 Stellar Print & Sign: scripts, Duplicati, Veeam Agent, Acronis.
            job(7, Script, "cron@srv01.stellarprint.example", "backup-script", "restic nightly", "srv01", &["/etc", "/home", "/srv/jobs"], Daily, at(2, 0), Healthy),
            job(7, Script, "cron@srv01.stellarprint.example", "backup-script", "restic offsite", "srv01", &["/srv/jobs", "/srv/archive"], Days(MON_WED_FRI), at(4, 15), Healthy),
            job(7, Duplicati, "duplicati", "Duplicati", "Design Files", "", &[], Daily, at(19, 0), Healthy),
            job(7, VeeamAgent, "sp-rip01", "Veeam Agent", "Backup Job SP-RIP01", "SP-RIP01", &["SP-RIP01"], Daily, at(18, 30), Healthy),
            job(7, Acronis, "noreply@cloud.acronis.example", "Acronis Cyber Protect Cloud", "Stellar Werkplekken", "", &["SP-DESIGN01", "SP-DESIGN02"], Weekdays, at(12, 40), Healthy),
            // 8 Van Dijk Installatietechniek: Synology, Veeam.
            job(8, SynologyActiveBackup, "nas-vdi", "NAS-VDI", "Laptops", "NAS-VDI", &["VDI-LT01", "VDI-LT02", "VDI-LT03", "VDI-LT04"], Weekdays, at(12, 0), DeviceOffline { device: "VDI-LT03", days: 6 }),
            job(8, SynologyHyperBackup, "nas-vdi", "NAS-VDI", "USB-Rotation", "NAS-VDI", &[], Days(MON_WED_FRI), at(18, 0), Healthy),
            job(8, SynologyUpdates, "nas-vdi", "NAS-VDI", "NAS-VDI", "NAS-VDI", &[], DaysAgo(&[19, 4]), at(3, 20), Healthy),
            job(8, VeeamBackup, "veeam", "Veeam Backup", "Kantoor VMs", "", &["vdi-dc01", "vdi-erp01"], Daily, at(22, 30), Healthy),
            job(8, VeeamM365, "vb365", "VB365", "Exchange Online", "vandijkinstallatie.onmicrosoft.com", &["planning@vandijk-installatie.example", "service@vandijk-installatie.example", "info@vandijk-installatie.example"], Daily, at(23, 45), Healthy),
            // 9 Willow Creek Veterinary: Veeam, Proxmox, Synology.
            job(9, VeeamBackup, "veeam", "Veeam Backup", "Clinic VMs", "", &["wc-dc01", "wc-pims01", "wc-imaging"], Daily, at(21, 0), Healthy),
            job(9, VeeamBackupCopy, "veeam", "Veeam Backup", "Monthly Archive", "", &["wc-dc01", "wc-pims01", "wc-imaging"], MonthDay(1), at(3, 0), Healthy),
            job(9, ProxmoxVzdump, "root@pve-lab.willowcreek-vet.example", "vzdump backup tool", "pve-lab.willowcreek-vet.example", "pve-lab.willowcreek-vet.example", &["300 wc-lab01", "301 wc-web"], Daily, at(0, 30), SilentFor(3)),
            job(9, SynologyActiveBackup, "nas-wc", "NAS-WC", "Clinic PCs", "NAS-WC", &["WC-EXAM1", "WC-EXAM2"], Weekdays, at(13, 0), Healthy),
            job(9, VeeamM365, "vb365", "VB365", "Mail and OneDrive", "willowcreekvet.onmicrosoft.com", &["frontdesk@willowcreek-vet.example", "dr.hale@willowcreek-vet.example"], Daily, at(22, 15), Healthy),
            // 10 Kestrel Engineering: new client, reports waiting for approval.
            job(10, VeeamBackup, "veeam", "Veeam Backup", "KE Servers", "", &["ke-dc01", "ke-files01", "ke-pdm01"], Daily, at(22, 0), Healthy),
            job(10, VeeamAgent, "ke-cad01", "Veeam Agent", "Backup Job KE-CAD01", "KE-CAD01", &["KE-CAD01"], Daily, at(13, 0), Healthy),
            job(10, SynologyHyperBackup, "nas-ke", "NAS-KE", "Cloud Backup", "NAS-KE", &[], Daily, at(2, 0), Healthy),
        ];
        for j in &mut jobs {
            if !j.from.contains('@') {
                let domain = customers
                    .get(j.customer)
                    .map_or("example.com", |c| c.domain);
                j.from = format!("{}@{domain}", j.from);
            }
        }
        // Set up recently, not approved yet: they wait in the Inbox.
        for j in &mut jobs {
            if j.customer == 10 || j.name == "Thuiswerkplek" {
                j.approved = false;
                j.since_days = Some(2);
            }
        }
        Catalogue { customers, jobs }
    }

    /// The jobs the demo's story is about.
    pub fn featured(&self) -> Featured {
        Featured {
            failing: self.index("pve1.meridian-arch.example"),
            flaky: self.index("Praktijkserver"),
            silent: self.index("pve-lab.willowcreek-vet.example"),
            known_warning: self.index("Daily VM Backup"),
            device_offline: self.index("Laptops"),
            monthly: self.index("Monthly Archive"),
            resolved_ticket: self.index("Bakkerij Kantoor"),
            files_in_use: self.index("Workstations"),
        }
    }

    /// The index of the first job with this product name (0 when there is none).
    pub fn index(&self, name: &str) -> usize {
        self.jobs.iter().position(|j| j.name == name).unwrap_or(0)
    }

    pub fn customer_of(&self, job: &DemoJob) -> Option<&DemoCustomer> {
        self.customers.get(job.customer)
    }
}

fn c(name: &'static str, domain: &'static str) -> DemoCustomer {
    DemoCustomer {
        name,
        domain,
        existing: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn featured_jobs_are_what_they_say() {
        let cat = Catalogue::standard();
        let f = cat.featured();
        let j = |i: usize| &cat.jobs[i];
        assert_eq!(j(f.failing).pattern, Pattern::FailingFor(3));
        assert!(matches!(j(f.flaky).pattern, Pattern::Flaky(_)));
        assert_eq!(j(f.silent).pattern, Pattern::SilentFor(3));
        assert!(matches!(
            j(f.known_warning).pattern,
            Pattern::KnownWarning(_)
        ));
        assert!(matches!(
            j(f.device_offline).pattern,
            Pattern::DeviceOffline { .. }
        ));
        assert_eq!(j(f.monthly).cadence, Cadence::MonthDay(1));
        assert_eq!(j(f.resolved_ticket).product, Product::Acronis);
        assert_eq!(j(f.files_in_use).product, Product::SynologyActiveBackup);
        for i in [
            f.failing,
            f.flaky,
            f.silent,
            f.known_warning,
            f.device_offline,
            f.monthly,
        ] {
            assert!(j(i).approved, "{}", j(i).name);
        }
    }

    #[test]
    fn identities_are_unique_and_senders_complete() {
        let cat = Catalogue::standard();
        assert_eq!(cat.jobs.len(), 50);
        let ids: HashSet<_> = cat
            .jobs
            .iter()
            .map(|j| {
                (
                    j.from.clone(),
                    j.product.software(),
                    j.product.backup_type(),
                    j.job_name(),
                )
            })
            .collect();
        assert_eq!(ids.len(), cat.jobs.len());
        assert!(cat.jobs.iter().all(|j| j.from.contains('@')));
        assert_eq!(cat.jobs.iter().filter(|j| !j.approved).count(), 4);
    }
}
