//! Criterion benchmarks of the engine on the committed sample shop.
//!
//! `mappings/sample/articoli.ndjson` (40 articles) is replicated `REPEAT` times into a temp file,
//! each copy with its `codice` suffixed so ids stay unique (duplicates would be rejected, which is
//! a different code path). Measured:
//!
//! - `engine/run/jobs=1`, `engine/run/jobs=2`: a full `engine::run` (lookup table, parallel
//!   pipeline, products.json + categories.json + rejects + report written to a temp dir);
//! - `check/passweb.cmap`: parsing, checking and compiling the shipped mapping (the built-in
//!   copy, so the bench always matches the library it is compiled with).
//!
//! Run with `cargo bench --bench engine`; the whole file takes about a minute.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clerkmap::check::CompileOptions;
use clerkmap::check::check;
use clerkmap::cli::{BUILTIN_MAPPING, BUILTIN_MAPPING_NAME};
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{self, FeedOutput, Input, RunOptions};
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use serde_json::Value;

/// Copies of the 40 sample articles: 250 copies = 10,000 records (~15 MB of NDJSON), ten of the
/// engine's 1,024-record chunks, so two workers have enough chunks to share.
const REPEAT: usize = 250;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shipped mapping as compiled into the library (`mappings/passweb.cmap`).
fn mapping() -> SourceFile {
    SourceFile::new(BUILTIN_MAPPING_NAME, BUILTIN_MAPPING)
}

/// Writes the replicated shop into `dir`; returns (articoli path, records, bytes).
fn replicate(dir: &Path) -> (PathBuf, u64, u64) {
    let sample = root().join("mappings/sample/articoli.ndjson");
    let text = std::fs::read_to_string(&sample)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", sample.display()));
    let records: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("sample line is JSON"))
        .collect();
    let mut out = Vec::with_capacity(text.len() * REPEAT);
    let mut n = 0u64;
    for rep in 0..REPEAT {
        for r in &records {
            let mut r = r.clone();
            if let Some(Value::String(code)) = r.get_mut("codice") {
                code.push_str(&format!("-{rep}"));
            }
            serde_json::to_writer(&mut out, &r).expect("serializable");
            out.push(b'\n');
            n += 1;
        }
    }
    let path = dir.join("articoli.ndjson");
    std::fs::write(&path, &out).expect("write replicated articoli");
    (path, n, out.len() as u64)
}

fn bench_engine(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (articoli, records, bytes) = replicate(tmp.path());
    let categorie = root().join("mappings/sample/categorie.csv");
    let src = mapping();
    let checked = check(&src, &CompileOptions::default())
        .unwrap_or_else(|_| panic!("the shipped mapping does not check"));

    let mut group = c.benchmark_group("engine");
    group
        .sample_size(10)
        // A run takes a few hundred ms: flat sampling keeps the budget below.
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(12))
        .throughput(Throughput::Elements(records));
    eprintln!(
        "engine bench input: {records} records, {:.1} MB",
        bytes as f64 / 1e6
    );
    for jobs in [1usize, 2] {
        let opts = RunOptions {
            inputs: vec![
                Input::file("articoli", articoli.clone()),
                Input::file("categorie", categorie.clone()),
            ],
            jobs,
            ..RunOptions::default()
        };
        let output = FeedOutput::new(tmp.path().join(format!("out-{jobs}")));
        // One run outside the timing loop: fail loudly (not with a meaningless time) if the
        // mapping stops accepting the sample.
        let report = engine::run(&checked.program, &src, &opts, &output).expect("engine run");
        let products = &report.entities[0];
        assert_eq!(products.read, records, "every replicated record is read");
        assert_eq!(products.rejected, 0, "no replicated record is rejected");
        group.bench_function(format!("run/jobs={jobs}"), |b| {
            b.iter(|| {
                let report =
                    engine::run(&checked.program, &src, &opts, &output).expect("engine run");
                black_box(report)
            })
        });
    }
    group.finish();
}

fn bench_check(c: &mut Criterion) {
    let src = mapping();
    let opts = CompileOptions::default();
    let mut group = c.benchmark_group("check");
    group
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    group.bench_function("passweb.cmap", |b| {
        b.iter(|| {
            let checked = check(black_box(&src), &opts);
            black_box(checked.is_ok())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_engine, bench_check);
criterion_main!(benches);
