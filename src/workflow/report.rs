//! `clerkmap run --report report.html`: a self-contained HTML page (inline CSS, no script, no
//! external asset) about a run, whatever its outcome: when it ran and with which clerkmap and
//! mapping; whether its feeds were written or the run was refused and why (the feeds left in
//! place are then the previous ones, and the page says from when); per entity the counts, what
//! changed since the previous feed (ids added, removed, changed), each attribute's fill rate
//! (records that have it not empty), value types and distribution (top values, min/median/max),
//! Clerk's required attributes marked, a few sample records; the top reject reasons with
//! example ids and the `clerkmap explain` command to run next; the `where` conditions and what
//! they filtered, the privacy section and the warnings.
//!
//! Everything comes from the run's report (a run with `RunOptions::profile`), never from the
//! files. The page is rendered by minijinja from `report.html.j2` (next to this file), out of a
//! view of the report with every number already formatted.

use std::path::Path;

use serde::Serialize;

use crate::engine::RunReport;
use crate::engine::report::{AttributeSummary, EntityReport, FeedFrom, RefusalCause};

/// The template, built into the binary.
const TEMPLATE: &str = include_str!("report.html.j2");

fn pct(n: u64, total: u64) -> f64 {
    if total == 0 {
        0.0
    } else {
        n as f64 * 100.0 / total as f64
    }
}

/// A number as the page shows it: an integer without decimals, else at most two.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The reject reasons shown, most frequent first; the rest are counted.
const TOP_REJECTS: usize = 20;

/// One span of a bar.
#[derive(Serialize)]
struct Part {
    class: String,
    width: String,
    title: String,
}

fn part(class: &str, width: f64, title: String) -> Part {
    Part {
        class: class.to_string(),
        width: format!("{width:.2}"),
        title,
    }
}

#[derive(Serialize)]
struct Page<'a> {
    mapping: &'a str,
    mapping_sha256: &'a str,
    mapping_sha256_short: String,
    version: &'a str,
    started_at: &'a str,
    finished_at: &'a str,
    output_dir: &'a str,
    /// The feed went to standard output (`--out -`): the output directory was a temporary
    /// one, removed with its rejects file.
    stdout: bool,
    format: &'a str,
    jobs: usize,
    elapsed: String,
    refusal: Option<RefusalView>,
    previous_feeds: bool,
    entities: Vec<Counts<'a>>,
    skipped: Vec<crate::value::Value>,
    tables: &'a [crate::engine::report::TableReport],
    feeds: Vec<FeedView<'a>>,
    diff: &'a [crate::engine::report::FeedDiff],
    coverage: Vec<Coverage<'a>>,
    rejects: Vec<crate::engine::report::RejectGroup>,
    more_rejects: usize,
    privacy: Option<&'a crate::engine::report::Privacy>,
    warnings: Vec<String>,
    files: &'a [String],
}

#[derive(Serialize)]
struct RefusalView {
    reason: &'static str,
    message: String,
    shrinks: Vec<ShrinkView>,
}

#[derive(Serialize)]
struct ShrinkView {
    entity: &'static str,
    against: String,
    before: usize,
    after: usize,
    gone: usize,
    gone_pct: String,
    allowed_pct: String,
    examples: Vec<String>,
}

#[derive(Serialize)]
struct Counts<'a> {
    name: &'static str,
    file: &'a str,
    read: u64,
    written: u64,
    filtered: u64,
    rejected: u64,
    records_per_sec: String,
    bar: Vec<Part>,
}

#[derive(Serialize)]
struct FeedView<'a> {
    file: &'a str,
    from: &'static str,
    from_class: &'static str,
    written_at: &'a str,
}

#[derive(Serialize)]
struct Coverage<'a> {
    name: &'static str,
    profiled: bool,
    records: u64,
    attributes: Vec<AttributeView<'a>>,
    attributes_not_listed: u64,
    samples: Vec<String>,
    filters: &'a [crate::engine::report::FilterCount],
}

#[derive(Serialize)]
struct AttributeView<'a> {
    name: &'a str,
    required: bool,
    present: u64,
    present_pct: String,
    fill_pct: String,
    fill_width: String,
    kinds: String,
    kind_bars: Vec<Part>,
    top: &'a [crate::engine::report::ValueCount],
    distinct: u64,
    many_values: bool,
    numbers: Option<NumbersView>,
}

#[derive(Serialize)]
struct NumbersView {
    min: String,
    median: String,
    max: String,
    estimated: bool,
}

fn refusal(report: &RunReport) -> Option<RefusalView> {
    let r = report.refusal.as_ref()?;
    let (reason, shrinks) = match &r.cause {
        RefusalCause::TooManyRejects { .. } => ("too many rejects", Vec::new()),
        RefusalCause::AllRejected { .. } => ("all of a feed's records rejected", Vec::new()),
        RefusalCause::Shrink { shrinks } => ("a feed would shrink too much", shrinks.clone()),
        RefusalCause::Input => ("an input problem", Vec::new()),
        RefusalCause::Mapping => ("the mapping cannot be used", Vec::new()),
        RefusalCause::Output => ("an output error", Vec::new()),
        RefusalCause::Internal => ("an internal error", Vec::new()),
    };
    Some(RefusalView {
        reason,
        message: r.message.clone(),
        shrinks: shrinks
            .into_iter()
            .map(|s| ShrinkView {
                entity: s.entity.name(),
                gone_pct: format!("{:.1}", pct(s.gone as u64, s.before as u64)),
                allowed_pct: num(s.max_share * 100.0),
                against: s.against,
                before: s.before,
                after: s.after,
                gone: s.gone,
                examples: s.examples,
            })
            .collect(),
    })
}

fn counts(e: &EntityReport) -> Counts<'_> {
    Counts {
        name: e.entity.name(),
        file: &e.file,
        read: e.read,
        written: e.written,
        filtered: e.filtered,
        rejected: e.rejected,
        records_per_sec: format!("{:.0}", e.records_per_sec),
        bar: vec![
            part("written", pct(e.written, e.read), String::new()),
            part("filtered", pct(e.filtered, e.read), String::new()),
            part("rejected", pct(e.rejected, e.read), String::new()),
        ],
    }
}

fn attribute(a: &AttributeSummary, records: u64) -> AttributeView<'_> {
    let total: u64 = a.kinds.values().sum();
    let kind_bars = a
        .kinds
        .iter()
        .map(|(k, c)| part(&format!("t-{k}"), pct(*c, total), format!("{k}: {c}")))
        .collect();
    let kinds: Vec<String> = a
        .kinds
        .iter()
        .map(|(k, c)| {
            if a.kinds.len() == 1 {
                (*k).to_string()
            } else {
                format!("{k} {:.0}%", pct(*c, total))
            }
        })
        .collect();
    // Top values say something when some value repeats, or when they are all there are (3
    // materials in 3 records are not "many distinct values").
    let show_top = a.top_values.first().is_some_and(|v| v.count > 1)
        || a.distinct.is_some_and(|d| d as usize <= a.top_values.len());
    AttributeView {
        name: &a.name,
        required: a.required,
        present: a.present,
        present_pct: format!("{:.1}", pct(a.present, records)),
        fill_pct: format!("{:.1}", pct(a.non_empty, records)),
        fill_width: format!("{:.2}", pct(a.non_empty, records)),
        kinds: kinds.join(", "),
        kind_bars,
        top: if show_top { &a.top_values } else { &[] },
        distinct: a.distinct.unwrap_or(0),
        many_values: a.many_values || (!show_top && !a.top_values.is_empty()),
        numbers: a.numbers.as_ref().map(|n| NumbersView {
            min: num(n.min),
            median: num(n.median),
            max: num(n.max),
            estimated: n.median_estimated,
        }),
    }
}

fn coverage(e: &EntityReport) -> Coverage<'_> {
    let p = e.profile.as_ref();
    Coverage {
        name: e.entity.name(),
        profiled: p.is_some(),
        records: p.map_or(0, |p| p.records),
        attributes: p
            .map(|p| {
                p.attributes
                    .iter()
                    .map(|a| attribute(a, p.records))
                    .collect()
            })
            .unwrap_or_default(),
        attributes_not_listed: p.map_or(0, |p| p.attributes_not_listed),
        samples: p
            .map(|p| {
                p.samples
                    .iter()
                    .map(|s| serde_json::to_string_pretty(s).unwrap_or_default())
                    .collect()
            })
            .unwrap_or_default(),
        filters: &e.filtered_by,
    }
}

/// Where a run's feeds went, as the page tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// Its output directory (`report.output_dir`), with `rejects.ndjson`.
    Dir,
    /// Standard output (`--out -`): the output directory was a temporary one, removed after
    /// the run with its rejects file.
    Stdout,
}

/// The HTML page, from the report of a run (that profiled its records, for the attributes and
/// the reject reasons).
pub fn render(report: &RunReport, to: Destination) -> Result<String, String> {
    let groups = report.reject_groups();
    let page = Page {
        mapping: &report.mapping,
        mapping_sha256: &report.mapping_sha256,
        mapping_sha256_short: report
            .mapping_sha256
            .chars()
            .take("sha256:".len() + 12)
            .collect(),
        version: &report.clerkmap_version,
        started_at: &report.started_at,
        finished_at: &report.finished_at,
        output_dir: &report.output_dir,
        stdout: to == Destination::Stdout,
        format: &report.format,
        jobs: report.jobs,
        elapsed: format!("{:.2}", report.elapsed_ms as f64 / 1000.0),
        refusal: refusal(report),
        previous_feeds: report.feeds.iter().any(|f| f.from == FeedFrom::Previous),
        entities: report.entities.iter().map(counts).collect(),
        skipped: report
            .skipped
            .iter()
            .map(|s| crate::json!({"entity": s.entity.name(), "reason": s.reason}))
            .collect(),
        tables: &report.tables,
        feeds: report
            .feeds
            .iter()
            .map(|f| FeedView {
                file: &f.file,
                from: match f.from {
                    FeedFrom::ThisRun => "this run",
                    FeedFrom::Previous => "a previous run",
                },
                from_class: match f.from {
                    FeedFrom::ThisRun => "this-run",
                    FeedFrom::Previous => "previous",
                },
                written_at: &f.written_at,
            })
            .collect(),
        diff: &report.diff,
        coverage: report.entities.iter().map(coverage).collect(),
        more_rejects: groups.len().saturating_sub(TOP_REJECTS),
        rejects: groups.into_iter().take(TOP_REJECTS).collect(),
        privacy: report.privacy.as_ref(),
        warnings: report.warnings.iter().map(ToString::to_string).collect(),
        files: &report.files,
    };
    let mut env = minijinja::Environment::new();
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::Html);
    // Escape text as the page needs it (`&`, `<`, `>` and quotes), paths left readable.
    env.set_formatter(|out, state, value| match value.as_str() {
        Some(s) if !value.is_safe() => {
            out.write_str(&html_escape::encode_quoted_attribute(s))?;
            Ok(())
        }
        _ => minijinja::escape_formatter(out, state, value),
    });
    env.add_template("report.html", TEMPLATE)
        .map_err(|e| format!("the report template: {e}"))?;
    let template = env
        .get_template("report.html")
        .map_err(|e| format!("the report template: {e}"))?;
    template
        .render(minijinja::value::Serde(&page))
        .map_err(|e| format!("cannot render the report: {e}"))
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
pub fn write(report: &RunReport, path: &Path, to: Destination) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("{}: cannot create: {e}", dir.display()))?;
    }
    std::fs::write(path, render(report, to)?)
        .map_err(|e| format!("{}: cannot write the report: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::report::ValueCount;

    fn summary(values: &[(&str, u64)], distinct: u64) -> AttributeSummary {
        AttributeSummary {
            name: "material".into(),
            required: false,
            present: 3,
            non_empty: 3,
            fill_rate: 1.0,
            kinds: [("string", 3)].into(),
            many_values: false,
            distinct: Some(distinct),
            top_values: values
                .iter()
                .map(|(v, n)| ValueCount {
                    value: v.to_string(),
                    count: *n,
                })
                .collect(),
            numbers: None,
        }
    }

    /// Values that do not repeat are listed when they are all there are (an ERP trial's 3
    /// materials in 3 records were "many distinct values"), not when there are more.
    #[test]
    fn top_values_show_when_they_repeat_or_are_all_there_are() {
        let few = summary(&[("Baumwolle", 1), ("Leder", 1), ("Wolle", 1)], 3);
        let v = attribute(&few, 3);
        assert_eq!((v.top.len(), v.many_values), (3, false));
        let ids = summary(&[("A", 1), ("B", 1), ("C", 1), ("D", 1), ("E", 1)], 30);
        let v = attribute(&ids, 30);
        assert_eq!((v.top.len(), v.many_values), (0, true));
        let repeated = summary(&[("M", 4), ("S", 1)], 9);
        let v = attribute(&repeated, 9);
        assert_eq!((v.top.len(), v.many_values), (2, false));
    }
}
