//! Every input of the fuzz corpora (`tests/fuzz/corpus/TARGET/`), including the crashes the
//! fuzzers found once (kept there as regression cases), replayed through the same harness as
//! the fuzz targets, on stable Rust, on every `cargo test`. Fuzzing itself: `tests/fuzz/run.sh`.

mod support;

#[path = "fuzz/harness.rs"]
mod harness;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = support::root().join("tests/fuzz/corpus").join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{}: an empty corpus", dir.display());
    for f in files {
        let data = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.display().to_string();
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            panic!("{name}: the fuzz target `{target}` fails on it");
        }
    }
}

#[test]
fn check_corpus() {
    replay("check", harness::check);
}

#[test]
fn fmt_corpus() {
    replay("fmt", harness::fmt);
}

#[test]
fn eval_corpus() {
    replay("eval", harness::eval);
}

#[test]
fn record_corpus() {
    replay("record", harness::record);
}

#[test]
fn ndjson_corpus() {
    replay("ndjson", harness::ndjson);
}

#[test]
fn json_corpus() {
    replay("json", harness::json);
}

#[test]
fn csv_corpus() {
    replay("csv", harness::csv);
}

#[test]
fn xml_corpus() {
    replay("xml", harness::xml);
}
