//! What a run and a push print at their end, in the command line's one format for counts,
//! rates and durations ([`super::term`]): the accounting of a run, the table of a push (or
//! its dry-run plan), each error once.

use std::fmt::Write as _;

use crate::engine::RunReport;
use crate::sync::push::PushReport;

use super::term::{count, duration_ms, plural, rate};

/// The accounting of a run, one line per table, entity, `where` and skipped block:
///
/// ```text
/// lookup categorie: 23 rows from mappings/sample/categorie.csv
/// products: read 40 = written 39 + filtered 1 + rejected 0  -> products.json (0.01s, 5,888/s)
///   products filtered 1 by `.pubblicato == "SI"` (passweb.cmap (built in):35:30)
/// orders: skipped (no --input ordini=PATH given)
/// ```
///
/// `to` says where the records went when it is not the feed file they were written to (a
/// temporary directory's): `standard output` for `--out -`, nothing (empty) when nothing is
/// kept (`push --input`).
///
/// The warnings are not in it: they go to stderr ([`run_warnings`]).
pub(crate) fn run_report(r: &RunReport, to: Option<&str>) -> String {
    let mut out = String::new();
    for t in &r.tables {
        let left_out = match t.without_key {
            0 => String::new(),
            n => format!(" ({} without a key left out)", plural(n, "row")),
        };
        let _ = writeln!(
            out,
            "lookup {}: {} from {}{left_out}",
            t.name,
            plural(t.rows as u64, "row"),
            t.file
        );
    }
    for l in &r.lenient {
        let _ = writeln!(
            out,
            "{}: {} read leniently ({} with extra empty fields, {} short): {}{}",
            l.input,
            plural(l.rows, "row"),
            count(l.trailing),
            count(l.short),
            l.at.join(", "),
            if l.rows > l.at.len() as u64 {
                " ..."
            } else {
                ""
            }
        );
    }
    for e in &r.entities {
        let rows = match (e.rows, e.rows_in_no_group) {
            (Some(r), Some(n)) => format!(" ({}, {} in no group)", plural(r, "row"), count(n)),
            (Some(r), None) => format!(" ({})", plural(r, "row")),
            _ => String::new(),
        };
        let to = match to {
            _ if e.output.is_empty() => String::new(),
            None => format!("  -> {}", e.output),
            Some("") => String::new(),
            Some(to) => format!("  -> {to}"),
        };
        let _ = writeln!(
            out,
            "{}: read {}{rows} = written {} + filtered {} + rejected {}{to} ({}, {})",
            e.entity.name(),
            count(e.read),
            count(e.written),
            count(e.filtered),
            count(e.rejected),
            duration_ms(e.elapsed_ms),
            rate(e.records_per_sec)
        );
    }
    for e in &r.entities {
        for fc in &e.filtered_by {
            let _ = writeln!(
                out,
                "  {} filtered {} by `{}` ({})",
                e.entity.name(),
                count(fc.count),
                fc.condition,
                fc.at
            );
        }
    }
    if let Some(p) = &r.privacy {
        let emails: Vec<String> = p
            .emails_sent
            .iter()
            .map(|(e, n)| format!("{} in {e}", count(*n)))
            .collect();
        let _ = writeln!(
            out,
            "privacy: emails sent: {}; customers excluded: {}; orders dropped: {}",
            emails.join(", "),
            count(p.customers_excluded),
            count(p.orders_dropped)
        );
    }
    for s in &r.skipped {
        let _ = writeln!(out, "{}: skipped ({})", s.entity.name(), s.reason);
    }
    out
}

/// The warnings of a run that the checker did not give (`mapping`: its warnings, printed when
/// the mapping was checked): lookup rows left out and the like.
pub(crate) fn run_warnings<'r>(
    r: &'r RunReport,
    mapping: &'r [String],
) -> impl Iterator<Item = &'r crate::engine::Warning> + 'r {
    r.warnings
        .iter()
        .filter(move |w| !(w.at.is_empty() && mapping.contains(&w.message)))
}

/// "1, 2, 3 and 7 more".
fn examples(ids: &[String], total: u64) -> String {
    let mut s = ids.join(", ");
    if total > ids.len() as u64 {
        s.push_str(&format!(" and {} more", count(total - ids.len() as u64)));
    }
    s
}

/// The end of a push: the dry run's plan, or the table of what was done, each error once,
/// why the push stopped (unless that is the last error), and the totals.
pub(crate) fn push_report(r: &PushReport) -> String {
    if r.dry_run {
        push_plan(r)
    } else {
        push_done(r)
    }
}

fn push_plan(r: &PushReport) -> String {
    let mut out = String::from("dry run: nothing was sent, the state file was not changed\n");
    for e in &r.entities {
        match (&e.file, &e.note) {
            (None, Some(note)) => {
                let _ = writeln!(out, "{}: {note}", e.entity);
            }
            _ => {
                let _ = write!(
                    out,
                    "{}: {} records in {}: would send {} (new {}, changed {}), {} unchanged",
                    e.entity,
                    count(e.records),
                    e.file.as_deref().unwrap_or("?"),
                    count(e.new + e.changed),
                    count(e.new),
                    count(e.changed),
                    count(e.unchanged)
                );
                if !e.send_examples.is_empty() {
                    let _ = write!(
                        out,
                        "\n  send: {}",
                        examples(&e.send_examples, e.new + e.changed)
                    );
                }
                if e.to_delete > 0 {
                    let _ = write!(
                        out,
                        "\n  would delete {}: {}",
                        count(e.to_delete),
                        examples(&e.delete_examples, e.to_delete)
                    );
                }
                if let Some(n) = &e.note {
                    let _ = write!(out, "\n  {n}");
                }
                out.push('\n');
            }
        }
    }
    out
}

fn push_done(r: &PushReport) -> String {
    let mut out = format!(
        "{:<12} {:>9} {:>9} {:>9} {:>9}\n",
        "entity", "sent", "unchanged", "deleted", "failed"
    );
    for e in &r.entities {
        let _ = write!(
            out,
            "{:<12} {:>9} {:>9} {:>9} {:>9}",
            e.entity,
            count(e.sent),
            count(e.unchanged),
            count(e.deleted),
            count(e.failed)
        );
        if let Some(n) = &e.note {
            let _ = write!(out, "  ({n})");
        }
        out.push('\n');
    }
    let mut shown: Vec<&str> = Vec::new();
    for e in &r.entities {
        for err in &e.errors {
            if !shown.contains(&err.as_str()) {
                shown.push(err);
                let _ = writeln!(out, "error: {}: {err}", e.entity);
            }
        }
    }
    match &r.stopped {
        Some(s) if shown.contains(&s.as_str()) => {
            let _ = writeln!(
                out,
                "stopped: at the error above; what Clerk acknowledged is kept in the state file, push again to resume"
            );
        }
        Some(s) => {
            let _ = writeln!(out, "stopped: {s}");
        }
        None => {}
    }
    let secs = r.elapsed_ms as f64 / 1000.0;
    let per_sec = if secs > 0.0 {
        r.sent() as f64 / secs
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "{} records acknowledged in {} ({}; batches of up to {}, {} in flight), {} retries; state: {}",
        count(r.sent()),
        duration_ms(r.elapsed_ms),
        rate(per_sec),
        count(r.batch_records as u64),
        r.concurrency,
        count(r.retries),
        r.state_file
    );
    out
}
