//! Report mail as a mailbox holds it: generated mails carry only the headers their sender
//! wrote, delivered mail also the trace and filter headers of every hop, which decoding has to
//! read past and the database has to store.

// Each benchmark is its own crate and uses part of this module.
#![allow(dead_code)]

/// Report mail number `n` as a product sends it and a mailbox holds it: the report `text` as
/// the plain part and the same lines as a styled HTML table (products send HTML, many with a
/// plain alternative), under the sender's headers and the transport headers. About 7 kB, of
/// which 3.7 kB are transport headers; the parsers read the plain part.
pub fn report(
    n: usize,
    from: &str,
    subject: &str,
    date: &str,
    message_id: &str,
    text: &str,
) -> String {
    const CELL: &str =
        "padding: 2px 3px; border: 1px #a7a9ac solid; font-family: Tahoma; font-size: 12px;";
    let rows: String = text
        .lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(key, value)| {
            format!(
                "<tr><td nowrap=\"\" style=\"width: 20%; {CELL}\"><b>{key}</b></td>\
                 <td style=\"{CELL}\">{value}</td></tr>\r\n"
            )
        })
        .collect();
    let boundary = format!("=_report_{n}");
    format!(
        "{headers}From: {from}\r\nTo: backups@msp.example\r\nSubject: {subject}\r\n\
         Date: {date}\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{text}\r\n\
         --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\r\n\
         <style>body {{ font-family: Tahoma, Arial, sans-serif; font-size: 12px; }} \
         .small_label {{ font-size: 10px; color: #626365; }} \
         table.report {{ border-collapse: collapse; width: 100%; }}</style></head>\r\n\
         <body><table class=\"report\" cellspacing=\"0\" cellpadding=\"0\" width=\"100%\" \
         border=\"0\" style=\"border-collapse: collapse;\">\r\n\
         <tr><td colspan=\"2\" style=\"background-color: #00B050; color: White; \
         font-weight: bold; font-size: 16px; height: 70px; vertical-align: bottom; \
         padding: 0 0 17px 15px; font-family: Tahoma;\">{subject}</td></tr>\r\n\
         {rows}<tr><td colspan=\"2\" class=\"small_label\" style=\"padding: 10px 15px;\">\
         Sent {date} by the backup server. The report lists every object of the job and \
         its result.</td></tr>\r\n</table></body></html>\r\n--{boundary}--\r\n",
        headers = transport_headers(n, date),
    )
}

/// `raw` as it lies in a Microsoft 365 mailbox: under the sender's headers, the trace and filter
/// headers the receiving side adds on delivery (a relay hop, three Exchange Online hops, the
/// sender checks, the anti-spam verdicts, the tenant stamps). About 3.7 kB, on the small side of
/// what Exchange Online adds to mail from the internet; `n` makes each mail's identifiers its own.
pub fn as_delivered(raw: &[u8], n: usize) -> Vec<u8> {
    let date = raw
        .split(|&b| b == b'\n')
        .find_map(|line| line.strip_prefix(b"Date: "))
        .map_or_else(String::new, |d| {
            String::from_utf8_lossy(d).trim().to_string()
        });
    let mut out = transport_headers(n, &date).into_bytes();
    out.extend_from_slice(raw);
    out
}

/// The headers [`as_delivered`] puts above mail number `n` sent at `date` (RFC 2822).
pub fn transport_headers(n: usize, date: &str) -> String {
    let id = format!(
        "{:08x}-{:04x}-4c3d-9e2f-{:012x}",
        0x4f0c_2d1e_u32 ^ n as u32,
        n % 0xffff,
        n * 7919
    );
    let host = |prefix: &str| {
        format!(
            "{prefix}{:04}.eurprd0{}.prod.outlook.com",
            1000 + n % 9000,
            n % 8 + 1
        )
    };
    let (mailbox, frontend, edge) = (host("AM9PR02MB"), host("DU2PR04CA"), host("DB1PEPF0005"));
    let ip = format!("203.0.113.{}", n % 250 + 1);
    let headers = format!(
        "Received: from {mailbox} (2603:10a6:20b:3d4::9) by\r\n\
         \x20DB9PR02MB6812.eurprd02.prod.outlook.com with HTTPS; {date}\r\n\
         Received: from {frontend} (2603:10a6:10:231::8) by\r\n\
         \x20{mailbox} (2603:10a6:20b:3d4::9) with Microsoft SMTP\r\n\
         \x20Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id\r\n\
         \x2015.20.8093.21; {date}\r\n\
         Received: from {edge} (2603:10a6:10:231:cafe::2b) by\r\n\
         \x20{frontend} (2603:10a6:10:231::8) with Microsoft SMTP Server\r\n\
         \x20(version=TLS1_3, cipher=TLS_AES_256_GCM_SHA384) id 15.20.8093.21 via Frontend\r\n\
         \x20Transport; {date}\r\n\
         Authentication-Results: spf=pass (sender IP is {ip}) smtp.mailfrom=example;\r\n\
         \x20dkim=none (message not signed) header.d=none;dmarc=bestguesspass\r\n\
         \x20action=none header.from=example;compauth=pass reason=109\r\n\
         Received-SPF: Pass (protection.outlook.com: domain of example designates {ip}\r\n\
         \x20as permitted sender) receiver=protection.outlook.com; client-ip={ip};\r\n\
         \x20helo=mail.example; pr=C\r\n\
         Received: from mail.example ({ip}) by {edge}\r\n\
         \x20(10.167.242.70) with Microsoft SMTP Server id 15.20.8093.14 via Frontend\r\n\
         \x20Transport; {date}\r\n\
         X-MS-Exchange-Organization-ExpirationStartTime: {date}\r\n\
         X-MS-Exchange-Organization-ExpirationStartTimeReason: OriginalSubmit\r\n\
         X-MS-Exchange-Organization-ExpirationInterval: 1:00:00:00.0000000\r\n\
         X-MS-Exchange-Organization-ExpirationIntervalReason: OriginalSubmit\r\n\
         X-MS-Exchange-Organization-Network-Message-Id: {id}\r\n\
         X-EOPAttributedMessage: 0\r\n\
         X-EOPTenantAttributedMessage: 9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d:0\r\n\
         X-MS-Exchange-Organization-MessageDirectionality: Incoming\r\n\
         X-MS-PublicTrafficType: Email\r\n\
         X-MS-TrafficTypeDiagnostic: DB1PEPF000509E8:EE_|AM9PR02MB7041:EE_|DB9PR02MB6812:EE_\r\n\
         X-MS-Exchange-Organization-AuthSource: {edge}\r\n\
         X-MS-Exchange-Organization-AuthAs: Anonymous\r\n\
         X-MS-Office365-Filtering-Correlation-Id: {id}\r\n\
         X-MS-Exchange-Organization-SCL: 1\r\n\
         X-Microsoft-Antispam: BCL:0;ARA:13230040|82310400026|2066899003|8096899003;\r\n\
         X-Forefront-Antispam-Report: CIP:{ip};CTRY:NL;LANG:en;SCL:1;SRV:;IPV:NLI;\r\n\
         \x20SFV:NSPM;H:mail.example;PTR:mail.example;CAT:NONE;\r\n\
         \x20SFS:(13230040)(82310400026)(2066899003)(8096899003);DIR:INB;\r\n\
         X-MS-Exchange-CrossTenant-OriginalArrivalTime: {date}\r\n\
         X-MS-Exchange-CrossTenant-Network-Message-Id: {id}\r\n\
         X-MS-Exchange-CrossTenant-Id: 9a8b7c6d-5e4f-3a2b-1c0d-9e8f7a6b5c4d\r\n\
         X-MS-Exchange-CrossTenant-AuthSource: {edge}\r\n\
         X-MS-Exchange-CrossTenant-AuthAs: Anonymous\r\n\
         X-MS-Exchange-CrossTenant-FromEntityHeader: Internet\r\n\
         X-MS-Exchange-Transport-CrossTenantHeadersStamped: AM9PR02MB7041\r\n\
         X-MS-Exchange-Transport-EndToEndLatency: 00:00:01.2177318\r\n\
         X-MS-Exchange-Processed-By-BccFoldering: 15.20.8093.017\r\n\
         X-Microsoft-Antispam-Mailbox-Delivery: ucf:0;jmr:0;auth:0;dest:I;\r\n\
         \x20ENG:(910001)(944506478)(944626604)(920097)(930097)(3100021)(140003);\r\n\
         X-Microsoft-Antispam-Message-Info:\r\n"
    );
    let mut out = headers;
    // The filter's verdict: an opaque base64 value of some 1.4 kB, folded.
    const DIGITS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for line in 0..18 {
        out.push_str(" =?us-ascii?Q?");
        out.extend((0..62).map(|i| char::from(DIGITS[(i * 7 + line * 13 + n) % 64])));
        out.push_str("?=\r\n");
    }
    out
}
