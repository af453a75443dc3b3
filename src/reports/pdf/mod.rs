//! PDF: A4 pages — a cover with the scope, period and overall numbers; the summary table (one
//! row per customer); per customer its jobs (numbers and the day strip as coloured cells), the
//! jobs listed apart, and the tickets and remarks of the period. Every page has a footer with
//! the period and "page N of M".

mod canvas;
mod font;

use super::text;
use crate::domain::report::{CustomerReport, JobReport, NoteReport, Report, Summary};
use canvas::{BLACK, BOTTOM, Canvas, Fonts, GREY, HEIGHT, LINE, MARGIN, SHADE, WIDTH, Weight};
use pdf_writer::{Date, Filter, Finish, Name, Pdf, Rect, Ref, TextStr};

/// The shipped regular and bold font files.
#[cfg(test)]
pub fn font_files() -> (&'static [u8], &'static [u8]) {
    (font::REGULAR, font::BOLD)
}

const RIGHT: f32 = WIDTH - MARGIN;
const BODY: f32 = 8.5;
const SMALL: f32 = 7.0;

pub fn render(report: &Report) -> Vec<u8> {
    let (Some(regular), Some(bold)) = (
        font::Font::load(font::REGULAR, "DejaVuSans"),
        font::Font::load(font::BOLD, "DejaVuSans-Bold"),
    ) else {
        // The fonts are compiled in and checked by a test; this cannot happen in a build.
        return Vec::new();
    };
    let fonts = Fonts { regular, bold };
    let mut c = Canvas::new(&fonts);
    cover(&mut c, report);
    summary_page(&mut c, report);
    for customer in &report.customers {
        customer_pages(&mut c, report, customer);
    }
    footers(&mut c, report);
    assemble(report, &fonts, c.pages)
}

fn cover(c: &mut Canvas, report: &Report) {
    c.new_page();
    c.rect(0.0, 0.0, WIDTH, 8.0, (0x1f, 0x29, 0x37));
    c.y = 150.0;
    c.text(MARGIN, c.y, 30.0, Weight::Bold, BLACK, "Backup report");
    c.y += 40.0;
    let scope = text::scope(report);
    c.paragraph(MARGIN, 16.0, Weight::Regular, BLACK, &scope, RIGHT - MARGIN);
    c.y += 30.0;
    c.text(
        MARGIN,
        c.y,
        20.0,
        Weight::Bold,
        BLACK,
        &report.period.to_string(),
    );
    c.y += 22.0;
    c.text(
        MARGIN,
        c.y,
        10.0,
        Weight::Regular,
        GREY,
        &format!(
            "{} – {} · time zone {}",
            report.period.from, report.period.to, report.timezone
        ),
    );
    c.y += 60.0;

    let t = &report.totals;
    c.text(MARGIN, c.y, 10.0, Weight::Regular, GREY, "Success rate");
    c.text(
        MARGIN + 190.0,
        c.y,
        10.0,
        Weight::Regular,
        GREY,
        "Change against the previous period",
    );
    c.y += 36.0;
    c.text(
        MARGIN,
        c.y,
        34.0,
        Weight::Bold,
        BLACK,
        &text::rate(t.success_rate),
    );
    c.text(
        MARGIN + 190.0,
        c.y,
        22.0,
        Weight::Bold,
        BLACK,
        &text::change(t.change),
    );
    c.y += 16.0;
    c.text(
        MARGIN + 190.0,
        c.y,
        9.0,
        Weight::Regular,
        GREY,
        &format!(
            "{} ({})",
            report.previous_period,
            text::rate(t.previous_rate)
        ),
    );
    c.y += 36.0;
    let n = t.counts;
    let facts = [
        ("Expected runs", n.expected.to_string()),
        ("Success", n.success.to_string()),
        ("Success (override)", n.success_override.to_string()),
        ("Warning", n.warning.to_string()),
        ("Failed", n.failed.to_string()),
        ("Missed", n.missed.to_string()),
        ("Not yet reported", n.not_yet_reported.to_string()),
        (
            "Reviewed",
            format!(
                "{} of {} runs ({}), median {}",
                t.review.reviewed,
                t.review.runs,
                text::rate(t.review.share()),
                text::minutes(t.review.median_minutes)
            ),
        ),
        (
            "Longest failed/missed streak",
            text::streak(t.longest_streak),
        ),
    ];
    for (label, value) in facts {
        c.text(MARGIN, c.y, 10.0, Weight::Regular, GREY, label);
        c.text(MARGIN + 190.0, c.y, 10.0, Weight::Bold, BLACK, &value);
        c.y += 16.0;
    }
    c.y = BOTTOM - 70.0;
    c.paragraph(
        MARGIN,
        SMALL,
        Weight::Regular,
        GREY,
        text::RATE_RULE,
        RIGHT - MARGIN,
    );
    c.y += 6.0;
    c.paragraph(
        MARGIN,
        SMALL,
        Weight::Regular,
        GREY,
        &format!("Made {}.", report.generated_at.format("%Y-%m-%d %H:%M UTC")),
        RIGHT - MARGIN,
    );
}

/// Right edges of the number columns: Expected, Success, Override, Warning, Failed, Missed,
/// Rate, Change.
const NUMS: [f32; 8] = [
    RIGHT - 262.0,
    RIGHT - 226.0,
    RIGHT - 190.0,
    RIGHT - 154.0,
    RIGHT - 118.0,
    RIGHT - 82.0,
    RIGHT - 44.0,
    RIGHT,
];
const NUM_HEADS: [&str; 8] = [
    "Exp.", "OK", "Ovr.", "Warn", "Fail", "Miss", "Rate", "Change",
];

fn heading(c: &mut Canvas, text: &str, size: f32) {
    c.ensure(size * 3.0);
    c.y += size * 1.6;
    c.text(MARGIN, c.y, size, Weight::Bold, BLACK, text);
    c.y += size * 0.5;
}

fn table_head(c: &mut Canvas, first: &str, second: Option<(f32, &str)>) {
    c.rect(MARGIN, c.y, RIGHT - MARGIN, 15.0, SHADE);
    let base = c.y + 10.5;
    c.text(MARGIN + 3.0, base, SMALL, Weight::Bold, BLACK, first);
    if let Some((x, label)) = second {
        c.text(x, base, SMALL, Weight::Bold, BLACK, label);
    }
    for (right, head) in NUMS.iter().zip(NUM_HEADS) {
        c.text_right(*right - 2.0, base, SMALL, Weight::Bold, BLACK, head);
    }
    c.y += 15.0;
}

fn numbers(c: &mut Canvas, base: f32, s: &Summary, weight: Weight) {
    let n = s.counts;
    let values = [
        n.expected.to_string(),
        n.success.to_string(),
        n.success_override.to_string(),
        n.warning.to_string(),
        n.failed.to_string(),
        n.missed.to_string(),
        text::rate(s.success_rate),
        text::change(s.change),
    ];
    for (right, v) in NUMS.iter().zip(values) {
        c.text_right(*right - 2.0, base, BODY, weight, BLACK, &v);
    }
}

fn summary_page(c: &mut Canvas, report: &Report) {
    c.new_page();
    heading(c, "Summary", 16.0);
    c.paragraph(
        MARGIN,
        BODY,
        Weight::Regular,
        GREY,
        &text::subtitle(report),
        RIGHT - MARGIN,
    );
    c.y += 10.0;
    table_head(c, "Customer", None);
    if report.customers.is_empty() {
        c.y += 14.0;
        c.text(
            MARGIN + 3.0,
            c.y,
            BODY,
            Weight::Regular,
            GREY,
            "No customer in scope.",
        );
    }
    for customer in &report.customers {
        if c.ensure(16.0) {
            table_head(c, "Customer", None);
        }
        let base = c.y + 11.0;
        let fitted = c.fit(
            &customer.name,
            BODY,
            Weight::Regular,
            NUMS[0] - 40.0 - MARGIN,
        );
        c.text(MARGIN + 3.0, base, BODY, Weight::Regular, BLACK, &fitted);
        numbers(c, base, &customer.summary, Weight::Regular);
        c.y += 16.0;
        c.hline(MARGIN, RIGHT, c.y, 0.4, LINE);
    }
    c.ensure(18.0);
    c.hline(MARGIN, RIGHT, c.y, 1.0, BLACK);
    let base = c.y + 12.0;
    c.text(MARGIN + 3.0, base, BODY, Weight::Bold, BLACK, "Total");
    numbers(c, base, &report.totals, Weight::Bold);
    c.y += 18.0;
}

/// Where the day strip of a job starts; it ends before the streak label.
const STRIP_X: f32 = MARGIN + 120.0;

/// Width of one day of the strip.
fn cell_width(days: usize) -> f32 {
    let available = RIGHT - 48.0 - STRIP_X;
    (available / days.max(1) as f32).min(12.0)
}

fn customer_pages(c: &mut Canvas, report: &Report, customer: &CustomerReport) {
    c.new_page();
    heading(c, &customer.name, 16.0);
    let s = &customer.summary;
    let line = format!(
        "{} · success rate {} ({} against {}) · longest failed/missed streak {} · {} of {} runs reviewed ({}), median time to review {}",
        report.period,
        text::rate(s.success_rate),
        text::change(s.change),
        report.previous_period,
        text::streak(s.longest_streak),
        s.review.reviewed,
        s.review.runs,
        text::rate(s.review.share()),
        text::minutes(s.review.median_minutes),
    );
    c.paragraph(MARGIN, BODY, Weight::Regular, GREY, &line, RIGHT - MARGIN);
    c.y += 8.0;
    if customer.jobs.is_empty() {
        c.y += 12.0;
        c.text(MARGIN, c.y, BODY, Weight::Regular, GREY, "No counted job.");
    } else {
        jobs_table(c, report, &customer.jobs);
    }
    if !customer.apart.is_empty() {
        heading(
            c,
            "Listed apart, not counted (informational or archived)",
            10.0,
        );
        jobs_table(c, report, &customer.apart);
    }
    notes(c, "Tickets", &customer.tickets);
    notes(c, "Remarks", &customer.remarks);
}

fn jobs_table(c: &mut Canvas, report: &Report, jobs: &[JobReport]) {
    let name_w = NUMS[0] - 40.0 - MARGIN;
    c.ensure(15.0 + 30.0);
    table_head(c, "Job", None);
    let cw = cell_width(report.period.days() as usize);
    for job in jobs {
        if c.ensure(30.0) {
            table_head(c, "Job", None);
        }
        let base = c.y + 11.0;
        let name = c.fonts.bold.fit(&job.name, BODY, name_w);
        c.text(MARGIN + 3.0, base, BODY, Weight::Bold, BLACK, &name);
        let x = MARGIN + 3.0 + c.fonts.bold.width(&name, BODY) + 5.0;
        let kind = format!("{} · {}", job.software, job.backup_type);
        if x + 30.0 < MARGIN + name_w {
            let fitted = c.fit(&kind, SMALL - 0.5, Weight::Regular, MARGIN + name_w - x);
            c.text(x, base, SMALL - 0.5, Weight::Regular, GREY, &fitted);
        }
        numbers(c, base, &job.summary, Weight::Regular);
        let fitted = c.fit(
            &job.schedule,
            SMALL - 0.5,
            Weight::Regular,
            STRIP_X - MARGIN - 8.0,
        );
        c.text(
            MARGIN + 3.0,
            base + 10.0,
            SMALL - 0.5,
            Weight::Regular,
            GREY,
            &fitted,
        );
        for (i, day) in job.days.iter().enumerate() {
            let x = STRIP_X + i as f32 * cw;
            c.rect(x, base + 3.0, cw - 1.0, 8.0, text::colour(day.status));
        }
        if let Some(streak) = job.summary.longest_streak {
            let label = format!("streak {}", streak.length);
            c.text_right(
                RIGHT - 2.0,
                base + 10.0,
                SMALL - 0.5,
                Weight::Regular,
                GREY,
                &label,
            );
        }
        c.y += 28.0;
        c.hline(MARGIN, RIGHT, c.y, 0.4, LINE);
    }
    legend(c);
}

fn legend(c: &mut Canvas) {
    use crate::domain::run_status::RunStatus::*;
    c.ensure(14.0);
    c.y += 11.0;
    let mut x = MARGIN;
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
        c.rect(x, c.y - 6.0, 7.0, 7.0, text::colour(s));
        let label = text::day_title(s);
        c.text(x + 9.0, c.y, SMALL - 0.5, Weight::Regular, GREY, label);
        x += 14.0 + c.fonts.regular.width(label, SMALL - 0.5);
    }
    c.y += 4.0;
}

fn notes(c: &mut Canvas, title: &str, notes: &[NoteReport]) {
    if notes.is_empty() {
        return;
    }
    heading(c, title, 10.0);
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
        c.ensure(24.0);
        c.y += 12.0;
        c.text(MARGIN, c.y, BODY, Weight::Bold, BLACK, &n.code);
        let x = MARGIN + c.fonts.bold.width(&n.code, BODY) + 6.0;
        let fitted = c.fit(
            &format!("{state} · since {} · {jobs}", n.active_from),
            BODY,
            Weight::Regular,
            RIGHT - x,
        );
        c.text(x, c.y, BODY, Weight::Regular, GREY, &fitted);
        c.paragraph(
            MARGIN + 10.0,
            BODY,
            Weight::Regular,
            BLACK,
            &n.text,
            RIGHT - MARGIN - 10.0,
        );
        c.y += 3.0;
    }
}

fn footers(c: &mut Canvas, report: &Report) {
    let total = c.pages.len();
    let left = format!(
        "Backup report · {} · {}",
        text::scope(report),
        report.period
    );
    let left = c.fonts.regular.fit(&left, SMALL, 380.0);
    for i in 0..total {
        c.select(i);
        let label = format!("page {} of {total}", i + 1);
        c.hline(MARGIN, RIGHT, HEIGHT - 34.0, 0.4, LINE);
        c.text(MARGIN, HEIGHT - 24.0, SMALL, Weight::Regular, GREY, &left);
        c.text_right(RIGHT, HEIGHT - 24.0, SMALL, Weight::Regular, GREY, &label);
    }
}

/// Page contents and fonts are deflated: a report of many customers shrinks about tenfold.
fn deflate(data: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(data, 6)
}

/// Catalog, page tree, fonts, pages and document information.
fn assemble(report: &Report, fonts: &Fonts, pages: Vec<pdf_writer::Content>) -> Vec<u8> {
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let info = Ref::new(3);
    let regular = Ref::new(10);
    let bold = Ref::new(20);
    let first_page = 100;
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first_page + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(i32::try_from(page_ids.len()).unwrap_or(i32::MAX));
    let title = format!("Backup report: {} · {}", text::scope(report), report.period);
    let at = report.generated_at;
    use chrono::{Datelike, Timelike};
    pdf.document_info(info)
        .title(TextStr(&title))
        .producer(TextStr("backupchecks"))
        .creation_date(
            Date::new(u16::try_from(at.year()).unwrap_or(2000))
                .month(u8::try_from(at.month()).unwrap_or(1))
                .day(u8::try_from(at.day()).unwrap_or(1))
                .hour(u8::try_from(at.hour()).unwrap_or(0))
                .minute(u8::try_from(at.minute()).unwrap_or(0))
                .utc_offset_hour(0),
        );
    let mut chunk = pdf_writer::Chunk::new();
    fonts.regular.write(&mut chunk, regular);
    fonts.bold.write(&mut chunk, bold);
    pdf.extend(&chunk);

    for (content, id) in pages.into_iter().zip(&page_ids) {
        let content_id = Ref::new(id.get() + 1);
        let mut page = pdf.page(*id);
        page.parent(tree)
            .media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT))
            .contents(content_id);
        let mut resources = page.resources();
        let mut f = resources.fonts();
        f.pair(Name(b"F1"), regular);
        f.pair(Name(b"F2"), bold);
        f.finish();
        resources.finish();
        page.finish();
        pdf.stream(content_id, &deflate(&content.finish()))
            .filter(Filter::FlateDecode);
    }
    pdf.finish()
}
