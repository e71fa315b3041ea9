//! What each fuzz target does with its input, shared by the libFuzzer targets
//! (`tests/fuzz/fuzz_targets/*.rs`, run by `tests/fuzz/run.sh`) and by the corpus replay of every
//! `cargo test` (`tests/fuzz_corpus.rs`). A function returns normally on any input a user could
//! give; a panic is a finding.
#![allow(dead_code)] // each includer uses its own subset

use std::collections::HashMap;
use std::sync::OnceLock;

use clerkmap::check::{CompileOptions, check as check_mapping};
use clerkmap::diagnostic::{SourceFile, render_all};
use clerkmap::engine::source::SourceReader;
use clerkmap::engine::{Format, Origin};
use clerkmap::eval::{Trace, map_record, map_record_traced};
use clerkmap::plan::Program;
use clerkmap::syntax::format::format;
use clerkmap::value::Table;
use clerkmap::value::Value;

/// No environment: `env()` reads nothing from the machine that runs the fuzzer.
fn options() -> CompileOptions {
    CompileOptions {
        env: Some(HashMap::new()),
        ..CompileOptions::default()
    }
}

/// Parses and checks a mapping, and renders its diagnostics: never a panic.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let src = SourceFile::new("fuzz.cmap", text);
    match check_mapping(&src, &options()) {
        Ok(c) => {
            let _ = render_all(&c.warnings, &src, false);
        }
        Err(diags) => {
            let _ = render_all(&diags, &src, false);
        }
    }
}

/// Formats a mapping that parses: the formatter must accept it (it checks itself that the
/// result means the same), and formatting the result again changes nothing.
pub fn fmt(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if clerkmap::syntax::parse(text).is_err() {
        return;
    }
    let once = match format(text) {
        Ok(t) => t,
        Err(d) => panic!(
            "fmt refuses a mapping that parses: {}\n---\n{text}",
            d.message
        ),
    };
    let twice = match format(&once) {
        Ok(t) => t,
        Err(d) => panic!("fmt refuses its own output: {}\n---\n{once}", d.message),
    };
    assert_eq!(once, twice, "fmt is not idempotent on:\n{text}");
}

/// The shipped mappings, checked once.
fn programs() -> &'static [Program] {
    static PROGRAMS: OnceLock<Vec<Program>> = OnceLock::new();
    PROGRAMS.get_or_init(|| {
        [
            include_str!("../../mappings/passweb.cmap"),
            include_str!("../../mappings/passweb-csv.cmap"),
            include_str!("../../mappings/google-shopping.cmap"),
            include_str!("../../mappings/woocommerce.cmap"),
            include_str!("../../mappings/shopify.cmap"),
        ]
        .iter()
        .map(
            |text| match check_mapping(&SourceFile::new("m.cmap", *text), &options()) {
                Ok(c) => c.program,
                // A shipped mapping left out would silently fuzz less.
                Err(d) => panic!("a shipped mapping does not check: {d:?}"),
            },
        )
        .collect()
    })
}

/// Maps a JSON record through every block of the shipped mappings (empty lookup tables):
/// whatever the record holds, each block writes, filters or rejects it, never panics.
pub fn eval(data: &[u8]) {
    let Ok(record @ Value::Object(_)) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let rows = std::slice::from_ref(&record);
    for program in programs() {
        let tables: Vec<Table> = program
            .tables
            .iter()
            .map(|t| Table::build(t.name.clone(), Vec::new(), t.parent.is_some()).0)
            .collect();
        for block in &program.blocks {
            let group: &[Value] = if block.group_by.is_some() { rows } else { &[] };
            // A run's `let`s hold what they pick of the record lent; mapped again with every
            // `let` a copy (a tracer that does not lend), the record must come out the same.
            let lent = map_record(block, &record, group, &tables);
            let copied =
                map_record_traced(block, &record, group, None, &tables, &mut Copying, None);
            assert_eq!(lent, copied, "lent and copied `let`s disagree");
        }
    }
}

/// A tracer that watches nothing and lends nothing: every `let` holds its own value.
struct Copying;

impl Trace for Copying {}

/// Reads every record of `data` as an input of `format`: errors are fine, panics are not.
fn decode(data: &[u8], name: &str, format: Format) {
    let origin = Origin::Memory {
        name: name.into(),
        bytes: data.to_vec().into(),
    };
    let Ok(mut reader) = SourceReader::open(&origin, format, 16) else {
        return;
    };
    while let Some(chunk) = reader.next_chunk() {
        match chunk {
            Ok(c) => {
                let _ = c.decode();
            }
            Err(_) => break,
        }
    }
}

/// The record decoder's own parser against serde_json: the text as a record, whole and projected
/// (a field read, a field skipped), must give the same value or the same message both ways.
pub fn record(data: &[u8]) {
    use clerkmap::engine::json::{JsonUnit, decode_projected, decode_projected_bytes};
    let fields = ["a".to_string(), "b".to_string()];
    let wrapped = [b"{\"a\":".as_slice(), data, b",\"c\":", data, b"}"].concat();
    for text in [data, &wrapped] {
        for f in [None, Some(fields.as_slice())] {
            let ours = decode_projected(text, JsonUnit::Line, f).map(|v| v.to_string());
            let reference = decode_projected_bytes(text, JsonUnit::Line, f).map(|v| v.to_string());
            assert_eq!(
                ours,
                reference,
                "{:?} ({f:?})",
                String::from_utf8_lossy(text)
            );
        }
    }
}

/// The NDJSON decoder.
pub fn ndjson(data: &[u8]) {
    decode(data, "f.ndjson", Format::Ndjson);
}

/// The JSON array decoder.
pub fn json(data: &[u8]) {
    decode(data, "f.json", Format::Json);
}

/// The CSV decoder (delimiter detected).
pub fn csv(data: &[u8]) {
    decode(data, "f.csv", Format::Csv { delimiter: None });
}

/// The XML decoder (`<item>` records).
pub fn xml(data: &[u8]) {
    decode(
        data,
        "f.xml",
        Format::Xml {
            item: "item".into(),
            qualified: false,
        },
    );
}
