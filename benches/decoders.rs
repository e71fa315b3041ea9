//! JSON decoders compared on the record decoder's own job: an NDJSON line -> the projected
//! `serde_json::Value` (only the top-level fields the mapping reads are built, the others
//! skipped; no duplicate key; at most `MAX_DEPTH` levels). Every candidate drives the same
//! serde seeds (`clerkmap::engine::json::{RecordSeed, ValueSeed}`) except where it says so.
//!
//! ```text
//! cargo bench --features compare-decoders --bench decoders -- FILE.ndjson [--runs N] [--only NAME[,NAME..]] [--all-fields]
//!                                 [--fields a,b,c] [--check]
//! ```
//!
//! Prints, per decoder, the best wall time of `--runs` passes over the file (read into memory
//! first), as MB/s of input and ns per record. `--check` first decodes every record with every
//! decoder and requires the same JSON text as clerkmap's decoder (numbers included: `1` and
//! `1.0` differ, so do `0.0` and `-0.0`). For callgrind, run one decoder once and subtract the
//! `none` row (reading and splitting the file):
//!
//! ```text
//! valgrind --tool=callgrind target/release/deps/decoders-HASH FILE --only sonic-rs --runs 1
//! ```
//!
//! The decoders (`--only`): `none` (reading and splitting only), `serde_json-validate` and
//! `sonic-rs-validate` (the text parsed into `IgnoredAny`: each parser's floor),
//! `serde_json-bytes` (clerkmap's decoder until it read UTF-8 lines as `str`), `serde_json`
//! (clerkmap's decoder until it had a parser of its own, `decode_projected_serde`), `clerkmap`
//! (the decoder now, `decode_projected`: its own parser, `engine::direct`, serde_json for what
//! that leaves), `sonic-rs` (`sonic_rs::Deserializer::from_slice`) and
//! `simd-json` (`simd_json::Deserializer::from_slice_with_buffers` on a copy of the line). sonic-rs
//! rounds some floats otherwise than serde_json (see tests/json_decoders.rs): `--check` fails on
//! files with such floats.
//!
//! The default fields are those the built-in Passweb products mapping reads from `articoli`.
//! Without a file it decodes the 40-record committed sample once, so
//! `cargo bench --features compare-decoders` never fails on it.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clerkmap::engine::json::{
    JsonUnit, KeyHints, RecordSeed, ValueSeed, decode_projected, decode_projected_bytes,
    decode_projected_serde,
};
use clerkmap::value::Value;
use serde::de::{DeserializeSeed, IgnoredAny};

// The allocator clerkmap's binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const PASSWEB_FIELDS: &[&str] = &[
    "attributi",
    "catalogo",
    "categoriaMerceologica",
    "categorieSecondarie",
    "codice",
    "dataCreazione",
    "descrizioneHtml",
    "immagini",
    "prezzo",
    "prezzoListino",
    "pubblicato",
    "titolo",
    "unitaInStock",
    "url",
    "varianti",
];

/// The decoders, by name.
const DECODERS: &[&str] = &[
    "none",
    "serde_json-validate",
    "sonic-rs-validate",
    "serde_json-bytes",
    "serde_json",
    "clerkmap",
    "sonic-rs",
    "simd-json",
];

struct Args {
    input: Option<PathBuf>,
    runs: usize,
    only: Option<Vec<String>>,
    fields: Option<Vec<String>>,
    check: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        input: None,
        runs: 5,
        only: None,
        fields: Some(PASSWEB_FIELDS.iter().map(|s| s.to_string()).collect()),
        check: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(s) = args.next() {
        match s.as_str() {
            "--runs" => {
                a.runs = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .ok_or("--runs needs a number")?
            }
            "--only" => {
                a.only = Some(
                    args.next()
                        .ok_or("--only needs names")?
                        .split(',')
                        .map(String::from)
                        .collect(),
                )
            }
            "--fields" => {
                let mut f: Vec<String> = args
                    .next()
                    .ok_or("--fields needs names")?
                    .split(',')
                    .map(String::from)
                    .collect();
                f.sort();
                a.fields = Some(f);
            }
            "--all-fields" => a.fields = None,
            "--check" => a.check = true,
            s if s.starts_with('-') => {} // `cargo bench` appends `--bench`
            s => a.input = Some(s.into()),
        }
    }
    Ok(a)
}

/// Decodes one line with decoder `name`; the scratch buffers are reused between lines.
fn decode(
    name: &str,
    line: &[u8],
    fields: Option<&[String]>,
    s: &mut Scratch,
) -> Result<Value, String> {
    match name {
        "none" => Ok(Value::Null),
        "serde_json-validate" => serde_json::from_slice::<IgnoredAny>(line)
            .map(|_| Value::Null)
            .map_err(|e| e.to_string()),
        "sonic-rs-validate" => sonic_rs::from_slice::<IgnoredAny>(line)
            .map(|_| Value::Null)
            .map_err(|e| e.to_string()),
        // serde_json driving the seeds: the line checked to be UTF-8 once, whole, then read as
        // a `str`.
        "serde_json" => decode_projected_serde(line, JsonUnit::Line, fields),
        // clerkmap's decoder: its own parser, serde_json for what it leaves.
        "clerkmap" => decode_projected(line, JsonUnit::Line, fields),
        // The same seeds reading the line as bytes (clerkmap's decoder before: serde_json
        // checks each string it reads to be UTF-8).
        "serde_json-bytes" => decode_projected_bytes(line, JsonUnit::Line, fields),
        "sonic-rs" => {
            let mut de = sonic_rs::Deserializer::from_slice(line);
            let v = match fields {
                Some(fields) => RecordSeed {
                    fields,
                    hints: &mut KeyHints::default(),
                }
                .deserialize(&mut de),
                None => ValueSeed::top().deserialize(&mut de),
            };
            let v = v.map_err(|e| e.to_string())?;
            de.end().map_err(|e| e.to_string())?;
            Ok(v)
        }
        "simd-json" => {
            // simd-json parses in place: the line is copied into a buffer it may overwrite.
            s.copy.clear();
            s.copy.extend_from_slice(line);
            let mut de = simd_json::Deserializer::from_slice_with_buffers(&mut s.copy, &mut s.simd)
                .map_err(|e| e.to_string())?;
            let v = match fields {
                Some(fields) => RecordSeed {
                    fields,
                    hints: &mut KeyHints::default(),
                }
                .deserialize(&mut de),
                None => ValueSeed::top().deserialize(&mut de),
            };
            v.map_err(|e| e.to_string())
        }
        other => Err(format!("no decoder {other}")),
    }
}

struct Scratch {
    copy: Vec<u8>,
    simd: simd_json::Buffers,
}

fn lines(data: &[u8]) -> Vec<&[u8]> {
    data.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.is_empty())
        .collect()
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("decoders: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = parse_args()?;
    let path = match args.input.take() {
        Some(p) => p,
        None => {
            args.runs = 1;
            PathBuf::from("mappings/sample/articoli.ndjson")
        }
    };
    let data = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let recs = lines(&data);
    let max = recs.iter().map(|l| l.len()).max().unwrap_or(0);
    let fields = args.fields.as_deref();
    let names: Vec<&str> = DECODERS
        .iter()
        .copied()
        .filter(|n| args.only.as_ref().is_none_or(|o| o.iter().any(|x| x == n)))
        .collect();
    let mut s = Scratch {
        copy: Vec::with_capacity(max),
        simd: simd_json::Buffers::new(max),
    };
    println!(
        "{}: {} records, {:.1} MB, fields: {}",
        path.display(),
        recs.len(),
        data.len() as f64 / 1e6,
        fields.map_or("all".to_string(), |f| f.len().to_string())
    );
    if args.check {
        check(&names, &recs, fields, &mut s)?;
    }
    println!(
        "| decoder | best of {} | MB/s | ns/record |\n|---|---|---|---|",
        args.runs
    );
    // The passes are interleaved (each run times every decoder once), so that a change of load
    // on a shared machine falls on all of them alike.
    let mut best = vec![Duration::MAX; names.len()];
    for _ in 0..args.runs {
        for (name, best) in names.iter().zip(best.iter_mut()) {
            let t = Instant::now();
            let mut errors = 0usize;
            for l in &recs {
                match decode(name, l, fields, &mut s) {
                    Ok(v) => drop(std::hint::black_box(v)),
                    Err(_) => errors += 1,
                }
            }
            *best = (*best).min(t.elapsed());
            if errors > 0 {
                return Err(format!("{name}: {errors} records failed"));
            }
        }
    }
    for (name, best) in names.iter().zip(best) {
        println!(
            "| {name} | {:.3} s | {:.0} | {:.0} |",
            best.as_secs_f64(),
            data.len() as f64 / 1e6 / best.as_secs_f64(),
            best.as_nanos() as f64 / recs.len().max(1) as f64
        );
    }
    Ok(())
}

/// Every decoder gives the same JSON text as clerkmap's decoder for every record.
fn check(
    names: &[&str],
    recs: &[&[u8]],
    fields: Option<&[String]>,
    s: &mut Scratch,
) -> Result<(), String> {
    for name in names
        .iter()
        .filter(|n| !n.ends_with("validate") && **n != "none")
    {
        for (i, l) in recs.iter().enumerate() {
            let want = decode_projected(l, JsonUnit::Line, fields).map(|v| v.to_string());
            let got = decode(name, l, fields, s).map(|v| v.to_string());
            if want.is_ok() != got.is_ok() || (want.is_ok() && want != got) {
                return Err(format!(
                    "{name} differs on record {}: {want:?} vs {got:?}",
                    i + 1
                ));
            }
        }
        println!("check: {name} gives the same values on all records");
    }
    Ok(())
}
