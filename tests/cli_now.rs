//! `now()`: one time for the whole run, from `--now`, else `SOURCE_DATE_EPOCH`, else the
//! clock; `clerkmap test` runs a case at its `now:`, else at `--now`, else at a fixed time.

use std::path::Path;
use std::process::{Command, Output};

fn clerkmap_in(dir: &Path, args: &[&str], epoch: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_clerkmap"));
    c.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("SOURCE_DATE_EPOCH");
    if let Some(e) = epoch {
        c.env("SOURCE_DATE_EPOCH", e);
    }
    c.output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(p: &Path, s: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, s).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

const MAPPING: &str = "let cutoff = now() - 86400\ncustomers from c {\n  id = .id\n  at = now()\n  fresh = .t > cutoff\n}\n";

/// A project with the mapping and two records, seen a day apart.
fn project() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    write(&tmp.path().join("m.cmap"), MAPPING);
    write(
        &tmp.path().join("c.ndjson"),
        "{\"id\":\"a\",\"t\":1748736000}\n{\"id\":\"b\",\"t\":1748600000}\n",
    );
    tmp
}

/// The `at` and `fresh` of each record a run writes to stdout.
fn run_at(dir: &Path, extra: &[&str], epoch: Option<&str>) -> (i32, String) {
    let mut args = vec!["run", "m.cmap", "--input", "c=c.ndjson", "--out", "-", "-q"];
    args.extend(extra);
    let o = clerkmap_in(dir, &args, epoch);
    (
        o.status.code().unwrap_or(-1),
        text(&o.stdout) + &text(&o.stderr),
    )
}

#[test]
fn every_record_of_a_run_gets_the_time_given() {
    let p = project();
    let (code, out) = run_at(p.path(), &["--now", "2025-06-01T00:00:00Z"], None);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out,
        "{\"id\":\"a\",\"at\":1748736000,\"fresh\":true}\n{\"id\":\"b\",\"at\":1748736000,\"fresh\":false}\n"
    );
    // Unix seconds, an offset, and `--now` before the command.
    let (_, secs) = run_at(p.path(), &["--now", "1748736000"], None);
    assert_eq!(secs, out);
    let (_, offset) = run_at(p.path(), &["--now", "2025-06-01T02:00:00+02:00"], None);
    assert_eq!(offset, out);
}

#[test]
fn source_date_epoch_is_the_default_and_now_wins_over_it() {
    let p = project();
    let (code, out) = run_at(p.path(), &[], Some("1748736000"));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\"at\":1748736000"), "{out}");
    let (_, out) = run_at(p.path(), &["--now", "100"], Some("1748736000"));
    assert!(out.contains("\"at\":100,"), "{out}");
    // Without either: the clock, one value for the run.
    let (_, out) = run_at(p.path(), &[], None);
    let ats: Vec<&str> = out
        .lines()
        .filter_map(|l| l.split("\"at\":").nth(1))
        .collect();
    assert_eq!(ats.len(), 2, "{out}");
    assert_eq!(ats[0].split(',').next(), ats[1].split(',').next(), "{out}");
}

#[test]
fn a_time_that_is_not_one_is_a_usage_error() {
    let p = project();
    let (code, out) = run_at(p.path(), &["--now", "yesterday"], None);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("`yesterday` is not a time"), "{out}");
    let (code, out) = run_at(p.path(), &[], Some("2025-06-01"));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("SOURCE_DATE_EPOCH is `2025-06-01`, not unix seconds"),
        "{out}"
    );
}

#[test]
fn test_cases_run_at_their_now_else_at_the_flag_else_at_a_fixed_time() {
    let p = project();
    let d = p.path();
    let inputs = "inputs:\n  c:\n    - { id: a, t: 1 }\n";
    write(
        &d.join("cases/fixed.yaml"),
        &format!("mapping: ../m.cmap\n{inputs}"),
    );
    write(
        &d.join("cases/own.yaml"),
        &format!("mapping: ../m.cmap\nnow: 2025-06-01T00:00:00Z\n{inputs}"),
    );
    write(
        &d.join("cases/bad.yaml"),
        &format!("mapping: ../m.cmap\nnow: soon\n{inputs}"),
    );
    let o = clerkmap_in(d, &["test", "cases", "--accept"], Some("5"));
    let out = text(&o.stdout) + &text(&o.stderr);
    assert!(out.contains("now: `soon` is not a time"), "{out}");
    let snap = |name: &str| {
        std::fs::read_to_string(d.join("cases").join(name)).unwrap_or_else(|e| panic!("{e}"))
    };
    // 2025-01-01T00:00:00Z, whatever SOURCE_DATE_EPOCH says.
    assert!(
        snap("fixed.snap").contains("\"at\": 1735689600"),
        "{}",
        snap("fixed.snap")
    );
    assert!(
        snap("own.snap").contains("\"at\": 1748736000"),
        "{}",
        snap("own.snap")
    );
    // `--now` for the cases that set none: `fixed` now differs from its snapshot.
    std::fs::remove_file(d.join("cases/bad.yaml")).unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap_in(d, &["test", "cases"], None);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    let o = clerkmap_in(d, &["--now", "7", "test", "cases"], None);
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("fixed") && out.contains('7'), "{out}");
}

#[test]
fn a_legacy_feed_is_created_at_the_runs_time() {
    let p = project();
    let created = |extra: &[&str], epoch: Option<&str>| {
        let mut args = vec!["run", "m.cmap", "--input", "c=c.ndjson", "-q"];
        args.extend(["--format", "feed", "--out", "o"]);
        args.extend(extra);
        let o = clerkmap_in(p.path(), &args, epoch);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let feed =
            std::fs::read_to_string(p.path().join("o/feed.json")).unwrap_or_else(|e| panic!("{e}"));
        let v: serde_json::Value = serde_json::from_str(&feed).unwrap_or_else(|e| panic!("{e}"));
        v["config"]["created"].as_i64()
    };
    assert_eq!(
        created(&["--now", "2025-06-01T00:00:00Z"], None),
        Some(1748736000)
    );
    assert_eq!(created(&[], Some("1700000000")), Some(1700000000));
    // the clock otherwise
    let before = chrono::Utc::now().timestamp();
    assert!(created(&[], None).is_some_and(|t| t >= before));
}
