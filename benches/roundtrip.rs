//! The serde_json baseline: the least work any NDJSON -> JSON-array tool can do.
//!
//! Reads an NDJSON file line by line (single-threaded), parses each line into a
//! `serde_json::Value` (with the same `preserve_order` maps clerkmap uses) and serializes it back
//! into one JSON array file laid out like clerkmap's feeds (`[`, records joined by `,\n`, `]`).
//! Prints records/s and MB/s (input bytes / wall time).
//!
//! ```text
//! cargo bench --bench roundtrip -- path/to/articoli.ndjson [--out path/to/out.json]
//! BENCH_FILE=path/to/articoli.ndjson [BENCH_OUT=out.json] cargo bench --bench roundtrip
//! ```
//!
//! Without a file it round-trips the 40-record committed sample once (harmless and quick), so a
//! plain `cargo bench` never fails on it. The output goes to a temp file (deleted) unless
//! `--out`/`BENCH_OUT` is given.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use serde_json::Value;

// The allocator clerkmap's binary uses (src/main.rs), so the comparison is of the work done,
// not of two allocators.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Args {
    input: Option<PathBuf>,
    output: Option<PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    let mut input = std::env::var_os("BENCH_FILE")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let mut output = std::env::var_os("BENCH_OUT")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from);
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        let s = a.to_string_lossy();
        if s == "--out" {
            output = Some(args.next().ok_or("--out needs a path")?.into());
        } else if s.starts_with('-') {
            // `cargo bench` appends `--bench`; criterion-style flags are ignored too.
            continue;
        } else {
            input = Some(a.into());
        }
    }
    Ok(Args { input, output })
}

/// Round-trips `input` into `out`; returns (records, input bytes).
fn roundtrip(input: &File, out: &mut impl Write) -> std::io::Result<(u64, u64)> {
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let mut line = Vec::with_capacity(64 << 10);
    let mut records = 0u64;
    let mut bytes = 0u64;
    let mut record = Vec::with_capacity(64 << 10);
    out.write_all(b"[")?;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            break;
        }
        bytes += n as u64;
        let text = line.trim_ascii();
        if text.is_empty() {
            continue;
        }
        let v: Value = serde_json::from_slice(text).map_err(|e| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("line {}: {e}", records + 1),
            )
        })?;
        record.clear();
        serde_json::to_writer(&mut record, &v)?;
        out.write_all(if records == 0 { b"\n" } else { b",\n" })?;
        out.write_all(&record)?;
        records += 1;
    }
    out.write_all(if records == 0 { b"]\n" } else { b"\n]\n" })?;
    out.flush()?;
    Ok((records, bytes))
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("roundtrip: {e}");
            return ExitCode::from(2);
        }
    };
    let (input, sample) = match args.input {
        Some(p) => (p, false),
        None => (
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("mappings/sample/articoli.ndjson"),
            true,
        ),
    };
    if sample {
        eprintln!(
            "roundtrip: no input given (pass a path after `--` or set BENCH_FILE); using the 40-record sample {}",
            input.display()
        );
    }
    let file = match File::open(&input) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("roundtrip: cannot open {}: {e}", input.display());
            return ExitCode::from(if sample { 0 } else { 3 });
        }
    };
    // Keep the temp file alive until the end so its removal is not timed.
    let (out_file, _tmp) = match &args.output {
        Some(p) => match File::create(p) {
            Ok(f) => (f, None),
            Err(e) => {
                eprintln!("roundtrip: cannot create {}: {e}", p.display());
                return ExitCode::from(1);
            }
        },
        None => match tempfile::NamedTempFile::new() {
            Ok(t) => match t.reopen() {
                Ok(f) => (f, Some(t)),
                Err(e) => {
                    eprintln!("roundtrip: cannot open a temp file: {e}");
                    return ExitCode::from(1);
                }
            },
            Err(e) => {
                eprintln!("roundtrip: cannot create a temp file: {e}");
                return ExitCode::from(1);
            }
        },
    };
    let mut out = BufWriter::with_capacity(1 << 20, out_file);
    let started = Instant::now();
    let (records, bytes) = match roundtrip(&file, &mut out) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("roundtrip: {}: {e}", input.display());
            return ExitCode::from(1);
        }
    };
    drop(out);
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    println!(
        "roundtrip {}: {records} records, {:.1} MB in {secs:.3} s: {:.0} records/s, {:.1} MB/s",
        input.display(),
        bytes as f64 / 1e6,
        records as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    ExitCode::SUCCESS
}
