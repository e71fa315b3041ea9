//! Criterion benchmarks of the engine on the committed sample shop.
//!
//! `mappings/sample/articoli.ndjson` (40 articles) is replicated `REPEAT` times into a temp file,
//! each copy with its `codice` suffixed so ids stay unique (duplicates would be rejected, which is
//! a different code path). Measured:
//!
//! - `engine/run/jobs=1`, `engine/run/jobs=2`: a full `engine::run` (lookup table, parallel
//!   pipeline, products.json + categories.json + rejects + report written to a temp dir);
//! - `stages/decode/{whole,projected}`, `stages/evaluate`, `stages/write`: the three stages a
//!   record goes through, apart, on the same records in one thread, so a regression shows where
//!   it is: decoding every NDJSON line (every field, or only the fields the products block
//!   reads), mapping the decoded records (`eval::map_record`, with the categories table loaded),
//!   and serialising the mapped records with their content hash as the writer does;
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
use clerkmap::engine::ids::content_hash;
use clerkmap::engine::json::{JsonUnit, decode_projected};
use clerkmap::engine::{self, FeedOutput, Input, RunOptions};
use clerkmap::eval::{Outcome, map_record};
use clerkmap::value::Value;
use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};

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

fn bench_stages(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (articoli, records, bytes) = replicate(tmp.path());
    let src = mapping();
    let checked = check(&src, &CompileOptions::default())
        .unwrap_or_else(|_| panic!("the shipped mapping does not check"));
    let program = &checked.program;
    let block = &program.blocks[0];
    let fields = block
        .row_fields
        .clone()
        .expect("the products block reads named fields");
    let text = std::fs::read(&articoli).expect("replicated articoli");
    let lines: Vec<&[u8]> = text
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let inputs = vec![
        Input::file("articoli", articoli.clone()),
        Input::file("categorie", root().join("mappings/sample/categorie.csv")),
    ];
    let resolved = engine::resolve(program, &inputs, Some(block)).expect("inputs resolve");
    let tables = engine::load_tables(program, &resolved.tables, true)
        .expect("tables load")
        .tables;

    let mut group = c.benchmark_group("stages");
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(6))
        .throughput(Throughput::Bytes(bytes));
    for (name, only) in [
        ("decode/whole", None),
        ("decode/projected", Some(&fields[..])),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for l in &lines {
                    n += usize::from(decode_projected(l, JsonUnit::Line, only).is_ok());
                }
                black_box(n)
            })
        });
    }
    let decoded: Vec<Value> = lines
        .iter()
        .map(|l| decode_projected(l, JsonUnit::Line, Some(&fields)).expect("decodes"))
        .collect();
    group.throughput(Throughput::Elements(records));
    group.bench_function("evaluate", |b| {
        b.iter(|| {
            let mut written = 0usize;
            for r in &decoded {
                if let Outcome::Written(m) = map_record(block, r, &[], &tables) {
                    written += m.len();
                }
            }
            black_box(written)
        })
    });
    let mapped: Vec<clerkmap::value::Record> = decoded
        .iter()
        .filter_map(|r| match map_record(block, r, &[], &tables) {
            Outcome::Written(m) => Some(m),
            _ => None,
        })
        .collect();
    // The sample has an unpublished article (filtered) in every 40.
    assert!(mapped.len() as u64 > records * 9 / 10, "most records map");
    group.throughput(Throughput::Elements(mapped.len() as u64));
    group.bench_function("write", |b| {
        let mut buf = Vec::with_capacity(bytes as usize);
        b.iter(|| {
            buf.clear();
            let mut h = 0u64;
            for m in &mapped {
                let start = buf.len();
                serde_json::to_writer(&mut buf, m).expect("serializable");
                h ^= content_hash(&buf[start..]);
                buf.extend_from_slice(b",\n");
            }
            black_box((buf.len(), h))
        })
    });
    group.finish();
}

criterion_group!(benches, bench_engine, bench_stages, bench_check);
criterion_main!(benches);
