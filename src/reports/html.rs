//! HTML: one self-contained file (inline CSS, an inline SVG chart, no script, no outside
//! resource) that reads on screen and prints on A4 landscape. Every text from mail or job names
//! is escaped.

use super::text;
use crate::domain::report::{CustomerReport, JobReport, NoteReport, Report, Summary};
use std::fmt::Write;

const STYLE: &str = "
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;color:#111827;margin:2rem;font-size:14px}
h1{font-size:1.6rem;margin:0 0 .3rem}h2{margin-top:2.2rem;border-bottom:2px solid #1f2937;padding-bottom:.2rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}.sub{color:#4b5563;margin:0 0 1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{padding:.25rem .5rem;border-bottom:1px solid #e5e7eb;text-align:left;vertical-align:middle}
th{background:#f3f4f6;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.total td{font-weight:700;border-top:2px solid #1f2937}
.strip{white-space:nowrap}.d{display:inline-block;width:5px;height:14px;margin-right:1px;border-radius:1px}
table.jobs{font-size:.88em}table.jobs td.sched{min-width:7em}
.bad{color:#b91c1c}.good{color:#15803d}.note{color:#4b5563;font-size:.85em}
.legend span.d{vertical-align:middle}.legend{font-size:.85rem;color:#374151}
.d{-webkit-print-color-adjust:exact;print-color-adjust:exact}
@media print{body{margin:0;font-size:10px}h2{break-before:page}section{break-inside:auto}tr{break-inside:avoid}
@page{size:A4 landscape;margin:12mm}}
";

pub fn render(report: &Report) -> String {
    let mut o = String::new();
    let title = format!("Backup report: {}", text::scope(report));
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n",
        esc(&title)
    );
    let _ = writeln!(
        o,
        "<header><h1>{}</h1><p class=\"sub\">{}</p></header>",
        esc(&title),
        esc(&text::subtitle(report))
    );
    summary_table(&mut o, report);
    chart(&mut o, report);
    legend(&mut o);
    for c in &report.customers {
        customer(&mut o, c);
    }
    let _ = writeln!(
        o,
        "<footer><p class=\"note\">{}</p></footer>",
        esc(text::RATE_RULE)
    );
    o.push_str("</body></html>\n");
    o
}

fn num_cells(o: &mut String, s: &Summary) {
    let n = s.counts;
    for (key, v) in [
        ("expected", n.expected),
        ("success", n.success),
        ("success_override", n.success_override),
        ("warning", n.warning),
        ("failed", n.failed),
        ("missed", n.missed),
    ] {
        let _ = write!(o, "<td class=\"n\" data-k=\"{key}\">{v}</td>");
    }
    let class = match s.change {
        Some(c) if c < 0.0 => " bad",
        Some(c) if c > 0.0 => " good",
        _ => "",
    };
    let _ = write!(
        o,
        "<td class=\"n\" data-k=\"success_rate\"><b>{}</b></td><td class=\"n{class}\" data-k=\"change\">{}</td>",
        text::rate(s.success_rate),
        esc(&text::change(s.change))
    );
}

const NUM_HEADS: &str = "<th class=\"n\">Expected</th><th class=\"n\">Success</th>\
<th class=\"n\">Success (override)</th><th class=\"n\">Warning</th><th class=\"n\">Failed</th>\
<th class=\"n\">Missed</th><th class=\"n\">Success rate</th><th class=\"n\">Change</th>";

fn summary_table(o: &mut String, report: &Report) {
    let _ = writeln!(
        o,
        "<table class=\"summary\"><thead><tr><th>Customer</th>{NUM_HEADS}<th class=\"n\">Reviewed</th>\
         <th class=\"n\">Median to review</th></tr></thead><tbody>"
    );
    let rows = report
        .customers
        .iter()
        .map(|c| (c.name.as_str(), &c.summary, ""))
        .chain([("Total", &report.totals, " class=\"total\"")]);
    for (name, s, class) in rows {
        let _ = write!(o, "<tr{class}><td>{}</td>", esc(name));
        num_cells(o, s);
        let _ = writeln!(
            o,
            "<td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            text::rate(s.review.share()),
            text::minutes(s.review.median_minutes)
        );
    }
    o.push_str("</tbody></table>\n");
}

/// Success rate per customer as horizontal bars, the worst first.
fn chart(o: &mut String, report: &Report) {
    let mut rows: Vec<(&str, Option<f64>)> = report
        .customers
        .iter()
        .map(|c| (c.name.as_str(), c.summary.success_rate))
        .collect();
    rows.sort_by(|a, b| match (a.1, b.1) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let (label_w, bar_w, row_h) = (220.0, 420.0, 22.0);
    let height = row_h * rows.len() as f64 + 28.0;
    let _ = write!(
        o,
        "<figure><figcaption><b>Success rate per customer</b>, the worst first</figcaption>\
         <svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{height}\" role=\"img\" \
         aria-label=\"Success rate per customer\" font-size=\"12\" font-family=\"DejaVu Sans,Verdana,sans-serif\">",
        w = label_w + bar_w + 70.0
    );
    for (i, (name, r)) in rows.iter().enumerate() {
        let y = row_h * i as f64;
        let width = r.unwrap_or(0.0) / 100.0 * bar_w;
        let fill = match r {
            Some(r) if *r >= 95.0 => "#22a04b",
            Some(r) if *r >= 80.0 => "#eab308",
            Some(_) => "#dc2626",
            None => "#9ca3af",
        };
        let _ = write!(
            o,
            "<text x=\"{tx}\" y=\"{ty}\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{ry}\" width=\"{bar_w}\" height=\"14\" fill=\"#f3f4f6\"/>\
             <rect x=\"{label_w}\" y=\"{ry}\" width=\"{width:.1}\" height=\"14\" fill=\"{fill}\"><title>{}: {}</title></rect>\
             <text x=\"{vx}\" y=\"{ty}\">{}</text>",
            esc(&shorten(name, 32)),
            esc(name),
            text::rate(*r),
            text::rate(*r),
            tx = label_w - 8.0,
            ty = y + 12.0,
            ry = y + 1.0,
            vx = label_w + bar_w + 6.0,
        );
    }
    let axis_y = row_h * rows.len() as f64 + 4.0;
    for pct in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let x = label_w + pct / 100.0 * bar_w;
        let _ = write!(
            o,
            "<line x1=\"{x}\" y1=\"0\" x2=\"{x}\" y2=\"{axis_y}\" stroke=\"#9ca3af\" stroke-dasharray=\"2 3\"/>\
             <text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\">{pct}%</text>",
            axis_y + 14.0
        );
    }
    o.push_str("</svg></figure>\n");
}

fn legend(o: &mut String) {
    use crate::domain::run_status::RunStatus::*;
    o.push_str("<p class=\"legend\">Days: ");
    for s in [
        Some(Success),
        Some(SuccessOverride),
        Some(Warning),
        Some(Unknown),
        Some(Failed),
        Some(Missed),
        Some(Expected),
        None,
    ] {
        let _ = write!(o, "{} {} &nbsp; ", cell(s, None), text::day_title(s));
    }
    o.push_str("</p>\n");
}

fn cell(s: Option<crate::domain::run_status::RunStatus>, date: Option<String>) -> String {
    let (r, g, b) = text::colour(s);
    let title = match date {
        Some(d) => format!(" title=\"{d}: {}\"", text::day_title(s)),
        None => String::new(),
    };
    format!("<span class=\"d\" style=\"background:#{r:02x}{g:02x}{b:02x}\"{title}></span>")
}

fn customer(o: &mut String, c: &CustomerReport) {
    let s = &c.summary;
    let _ = writeln!(o, "<section class=\"customer\"><h2>{}</h2>", esc(&c.name));
    let _ = writeln!(
        o,
        "<p>Success rate <b>{}</b> ({} against the previous period) · longest failed/missed streak {} · \
         {} of {} runs reviewed ({}), median time to review {}</p>",
        text::rate(s.success_rate),
        esc(&text::change(s.change)),
        esc(&text::streak(s.longest_streak)),
        s.review.reviewed,
        s.review.runs,
        text::rate(s.review.share()),
        text::minutes(s.review.median_minutes),
    );
    if !c.jobs.is_empty() {
        jobs_table(o, &c.jobs);
    }
    if !c.apart.is_empty() {
        o.push_str("<h3>Listed apart, not counted (informational or archived)</h3>\n");
        jobs_table(o, &c.apart);
    }
    notes(o, "Tickets", &c.tickets);
    notes(o, "Remarks", &c.remarks);
    o.push_str("</section>\n");
}

fn jobs_table(o: &mut String, jobs: &[JobReport]) {
    let _ = writeln!(
        o,
        "<table class=\"jobs\"><thead><tr><th>Job</th><th>Schedule</th>{NUM_HEADS}\
         <th>Streak</th><th>Days</th></tr></thead><tbody>"
    );
    for j in jobs {
        let _ = write!(
            o,
            "<tr><td>{}<br><span class=\"note\">{} · {}</span></td><td class=\"sched\">{}</td>",
            esc(&j.name),
            esc(&j.software),
            esc(&j.backup_type),
            esc(&j.schedule)
        );
        num_cells(o, &j.summary);
        match j.summary.longest_streak {
            Some(st) => {
                let dates = text::streak(Some(st));
                let dates = dates.split_once(' ').map_or("", |(_, d)| d);
                let _ = write!(
                    o,
                    "<td>{}<br><span class=\"note\">{}</span></td>",
                    st.length,
                    esc(dates)
                );
            }
            None => o.push_str("<td>–</td>"),
        }
        o.push_str("<td class=\"strip\">");
        for d in &j.days {
            o.push_str(&cell(d.status, Some(d.date.to_string())));
        }
        o.push_str("</td></tr>\n");
    }
    o.push_str("</tbody></table>\n");
}

fn notes(o: &mut String, title: &str, notes: &[NoteReport]) {
    if notes.is_empty() {
        return;
    }
    let _ = writeln!(o, "<h3>{title}</h3><ul>");
    for n in notes {
        let state = match n.resolved_at {
            Some(at) => format!("resolved {}", at.format("%Y-%m-%d")),
            None => "open".to_string(),
        };
        let jobs = if n.jobs.is_empty() {
            "whole customer".to_string()
        } else {
            n.jobs.join(", ")
        };
        let _ = writeln!(
            o,
            "<li><b>{}</b> ({state}, since {}; {}): {}</li>",
            esc(&n.code),
            n.active_from,
            esc(&jobs),
            esc(&n.text)
        );
    }
    o.push_str("</ul>\n");
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Escapes text for HTML element content and quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}
