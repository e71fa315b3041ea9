//! `clerkmap run --report report.html`: a self-contained HTML page (inline CSS, no script, no
//! external asset) about a run: per entity the counts, each attribute's coverage (share of
//! written records that have it) and value types as bars, the top reject reasons with example
//! ids, the `where` conditions and what they filtered, the privacy section and the warnings.
//!
//! Everything comes from the run's report (a run with `RunOptions::profile`): coverage from the
//! profile of the written records, the reject groups from the rejects as the run saw them.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::engine::RunReport;
use crate::engine::report::{EntityReport, FilterCount, Privacy, Profile};

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

fn pct(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    }
}

const STYLE: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2733;margin:2rem auto;max-width:70rem;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d6dde5;padding-bottom:.2rem}
.meta{color:#5b6b7c}code{background:#f1f4f7;padding:0 .25rem;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e8edf2;vertical-align:top}
th{font-weight:600;color:#43525f;background:#f7f9fb}td.n{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:flex;height:.9rem;min-width:12rem;background:#eef1f4;border-radius:3px;overflow:hidden}
.bar span{display:block;height:100%}.written{background:#2f9e66}.filtered{background:#c9a227}.rejected{background:#d64545}
.cov{background:#3b7dd8}.t-string{background:#3b7dd8}.t-int{background:#7a4fd6}.t-float{background:#b0489c}.t-bool{background:#2f9e66}.t-list{background:#c9a227}.t-object{background:#6b7c8c}.t-null{background:#bbb}
.legend span{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin:0 .25rem 0 .8rem;vertical-align:middle}
.warn{color:#8a5a00}.muted{color:#7a8896}
";

/// The HTML page, from the report of a run that profiled its records.
pub fn render(report: &RunReport) -> String {
    let mut h = String::new();
    header(&mut h, report);
    records(&mut h, report);
    for e in &report.entities {
        entity(&mut h, e);
    }
    rejects(&mut h, report);
    privacy(&mut h, report.privacy.as_ref());
    warnings(&mut h, &report.warnings);
    files(&mut h, &report.files);
    let _ = writeln!(h, "</body>\n</html>");
    h
}

/// Opens a table: its `<table>` tag with `attrs` (` id="…"` or ` class="…"`), the header row of
/// `columns`, and `<tbody>`.
fn table_start(h: &mut String, attrs: &str, columns: &[&str]) {
    let _ = write!(h, "<table{attrs}>\n<thead><tr>");
    for c in columns {
        let _ = write!(h, "<th>{c}</th>");
    }
    let _ = writeln!(h, "</tr></thead>\n<tbody>");
}

/// Closes a table opened by [`table_start`].
fn table_end(h: &mut String) {
    let _ = writeln!(h, "</tbody>\n</table>");
}

/// The document head (title, style), the title and the line about the run.
fn header(h: &mut String, report: &RunReport) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>clerkmap report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&report.mapping)
    );
    let _ = writeln!(h, "<h1>clerkmap run report</h1>");
    let _ = writeln!(
        h,
        "<p class=\"meta\">mapping <code>{}</code> · output <code>{}</code> · format {} · {} worker thread{} · {:.2} s</p>",
        esc(&report.mapping),
        esc(&report.output_dir),
        esc(&report.format),
        report.jobs,
        if report.jobs == 1 { "" } else { "s" },
        report.elapsed_ms as f64 / 1000.0
    );
}

/// The counts per entity (read, written, filtered, rejected, as a bar), the skipped blocks and
/// the lookup tables.
fn records(h: &mut String, report: &RunReport) {
    let _ = writeln!(h, "<section id=\"records\">\n<h2>Records</h2>");
    let _ = writeln!(
        h,
        "<p class=\"legend\">every record read is <span class=\"written\"></span>written, <span class=\"filtered\"></span>filtered by a <code>where</code> or <span class=\"rejected\"></span>rejected</p>"
    );
    table_start(
        h,
        " id=\"counts\"",
        &[
            "entity",
            "input",
            "read",
            "written",
            "filtered",
            "rejected",
            "records/s",
            "",
        ],
    );
    for e in &report.entities {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:.0}</td><td><div class=\"bar\"><span class=\"written\" style=\"width:{:.2}%\"></span><span class=\"filtered\" style=\"width:{:.2}%\"></span><span class=\"rejected\" style=\"width:{:.2}%\"></span></div></td></tr>",
            e.entity.name(),
            esc(&e.file),
            e.read,
            e.written,
            e.filtered,
            e.rejected,
            e.records_per_sec,
            pct(e.written, e.read),
            pct(e.filtered, e.read),
            pct(e.rejected, e.read),
        );
    }
    table_end(h);
    for s in &report.skipped {
        let _ = writeln!(
            h,
            "<p class=\"muted\">{}: skipped ({})</p>",
            s.entity.name(),
            esc(&s.reason)
        );
    }
    for t in &report.tables {
        let _ = writeln!(
            h,
            "<p class=\"muted\">lookup table <code>{}</code>: {} rows from <code>{}</code></p>",
            esc(&t.name),
            t.rows,
            esc(&t.file)
        );
    }
    let _ = writeln!(h, "</section>");
}

/// The section of one entity: its attributes' coverage, then what its `where`s filtered.
fn entity(h: &mut String, e: &EntityReport) {
    let name = e.entity.name();
    let _ = writeln!(
        h,
        "<section id=\"coverage-{name}\">\n<h2>{name}: attributes</h2>"
    );
    match e.profile.as_ref() {
        None => {
            let _ = writeln!(
                h,
                "<p class=\"warn\">the run did not profile its records</p>"
            );
        }
        Some(cov) if cov.records == 0 => {
            let _ = writeln!(h, "<p class=\"muted\">no record written</p>");
        }
        Some(cov) => coverage(h, name, cov),
    }
    filters(h, &e.filtered_by);
    let _ = writeln!(h, "</section>");
}

/// The coverage table of an entity that wrote records: per attribute, the records that have it
/// and its value types, as bars.
fn coverage(h: &mut String, entity: &str, cov: &Profile) {
    let _ = writeln!(
        h,
        "<p class=\"legend\">coverage: share of the {} written records that have the attribute; types: <span class=\"t-string\"></span>string<span class=\"t-int\"></span>int<span class=\"t-float\"></span>float<span class=\"t-bool\"></span>bool<span class=\"t-list\"></span>list<span class=\"t-object\"></span>object</p>",
        cov.records
    );
    table_start(
        h,
        &format!(" class=\"coverage\" id=\"coverage-table-{entity}\""),
        &["attribute", "records", "coverage", "", "types", ""],
    );
    for (name, (n, kinds)) in &cov.attributes {
        let (bars, names) = kind_bars(kinds);
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td class=\"n\">{}</td><td class=\"n\">{:.1}%</td><td><div class=\"bar\"><span class=\"cov\" style=\"width:{:.2}%\"></span></div></td><td>{}</td><td><div class=\"bar\">{bars}</div></td></tr>",
            esc(name),
            n,
            pct(*n, cov.records),
            pct(*n, cov.records),
            esc(&names),
        );
    }
    table_end(h);
}

/// The value types of one attribute: the spans of its types bar, and their names (with each
/// one's share when there are several), comma-separated.
fn kind_bars(kinds: &BTreeMap<&'static str, u64>) -> (String, String) {
    let total: u64 = kinds.values().sum();
    let mut bars = String::new();
    let mut names = Vec::new();
    for (k, c) in kinds {
        let _ = write!(
            bars,
            "<span class=\"t-{k}\" style=\"width:{:.2}%\" title=\"{k}: {c}\"></span>",
            pct(*c, total)
        );
        names.push(if kinds.len() == 1 {
            (*k).to_string()
        } else {
            format!("{k} {:.0}%", pct(*c, total))
        });
    }
    (bars, names.join(", "))
}

/// What each `where` condition of an entity filtered out, when any did.
fn filters(h: &mut String, filtered_by: &[FilterCount]) {
    if filtered_by.is_empty() {
        return;
    }
    table_start(h, " class=\"filters\"", &["filtered by", "at", "records"]);
    for f in filtered_by {
        let _ = writeln!(
            h,
            "<tr><td><code>where {}</code></td><td><code>{}</code></td><td class=\"n\">{}</td></tr>",
            esc(&f.condition),
            esc(&f.at),
            f.count
        );
    }
    table_end(h);
}

/// The reject reasons shown, most frequent first; the rest are counted.
const TOP_REJECTS: usize = 20;

/// The top reject reasons of the run, with example ids.
fn rejects(h: &mut String, report: &RunReport) {
    let groups = report.reject_groups();
    let _ = writeln!(h, "<section id=\"rejects\">\n<h2>Top reject reasons</h2>");
    if groups.is_empty() {
        let _ = writeln!(h, "<p class=\"muted\">no record was rejected</p>");
    } else {
        let _ = writeln!(
            h,
            "<p class=\"muted\">every rejected record, with all its reasons, is in <code>rejects.ndjson</code></p>"
        );
        table_start(
            h,
            " id=\"rejects-table\"",
            &["entity", "reason", "records", "example ids"],
        );
        for g in groups.iter().take(TOP_REJECTS) {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td><code>{}</code></td></tr>",
                esc(&g.entity),
                esc(&g.reason),
                g.count,
                esc(&g.examples.join(", "))
            );
        }
        table_end(h);
        if groups.len() > TOP_REJECTS {
            let _ = writeln!(
                h,
                "<p class=\"muted\">and {} more reasons</p>",
                groups.len() - TOP_REJECTS
            );
        }
    }
    let _ = writeln!(h, "</section>");
}

/// The personal data sent and held back, when the run mapped orders or customers.
fn privacy(h: &mut String, privacy: Option<&Privacy>) {
    let _ = writeln!(h, "<section id=\"privacy\">\n<h2>Privacy</h2>");
    match privacy {
        None => {
            let _ = writeln!(
                h,
                "<p class=\"muted\">no orders or customers were mapped: no personal data left</p>"
            );
        }
        Some(p) => {
            table_start(h, " id=\"privacy-table\"", &["what", "records"]);
            for (entity, n) in &p.emails_sent {
                let _ = writeln!(
                    h,
                    "<tr><td>{} sent with an email</td><td class=\"n\">{n}</td></tr>",
                    esc(entity)
                );
            }
            let _ = writeln!(
                h,
                "<tr><td>customers excluded (opt-out or another <code>where</code>)</td><td class=\"n\">{}</td></tr>\n<tr><td>orders dropped (state, date or another <code>where</code>)</td><td class=\"n\">{}</td></tr>",
                p.customers_excluded, p.orders_dropped
            );
            table_end(h);
        }
    }
    let _ = writeln!(h, "</section>");
}

/// The warnings of the run, when there are any.
fn warnings(h: &mut String, warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    let _ = writeln!(h, "<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>");
    for w in warnings {
        let _ = writeln!(h, "<li class=\"warn\">{}</li>", esc(w));
    }
    let _ = writeln!(h, "</ul>\n</section>");
}

/// The files the run wrote.
fn files(h: &mut String, files: &[String]) {
    let _ = writeln!(h, "<section id=\"files\">\n<h2>Files</h2>\n<ul>");
    for f in files {
        let _ = writeln!(h, "<li><code>{}</code></li>", esc(f));
    }
    let _ = writeln!(h, "</ul>\n</section>");
}

/// `report.html` for store `it`: `report-it.html`.
pub fn store_path(path: &Path, store: &str) -> std::path::PathBuf {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{store}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{store}"),
    };
    path.with_file_name(name)
}

/// Renders and writes the page.
pub fn write(report: &RunReport, path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    }
    std::fs::write(path, render(report))
        .map_err(|e| format!("{}: cannot write the report: {e}", path.display()))
}
