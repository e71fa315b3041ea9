//! What the tests of the shipped shop mappings share (tests/shops.rs, tests/more_shops.rs): the
//! binary run on an export, the export's CSV rows, and the completeness of a categories feed.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clerkmap::value::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

pub fn json_file(p: &Path) -> Vec<Value> {
    serde_json::from_str::<Vec<Value>>(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `clerkmap ARGS` in the repository root at 2026-11-30T12:00:00Z.
pub fn clerkmap(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1796040000")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

/// `clerkmap run mappings/MAPPING --input NAME=PATH ... EXTRA --out OUT`, which must succeed;
/// gives (products, categories).
pub fn run_with(
    mapping: &str,
    inputs: &[(&str, &Path)],
    extra: &[&str],
    out: &Path,
) -> (Vec<Value>, Vec<Value>) {
    let mut args = vec!["run".to_string(), format!("mappings/{mapping}")];
    for (name, path) in inputs {
        args.push("--input".into());
        args.push(format!("{name}={}", path.display()));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--out".into(), out.display().to_string()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = clerkmap(&args);
    assert!(
        o.status.success(),
        "{mapping}: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (
        json_file(&out.join("products.json")),
        json_file(&out.join("categories.json")),
    )
}

/// The rows of a CSV (BOM removed) as header -> cell maps (empty cells left out; rows may be
/// longer than the header).
pub fn rows(text: &str, delimiter: u8) -> Vec<BTreeMap<String, String>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = r
        .headers()
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(str::to_string)
        .collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap_or_else(|e| panic!("{e}"));
            header
                .iter()
                .zip(rec.iter())
                .filter(|(_, v)| !v.is_empty())
                .map(|(h, v)| (h.clone(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A list of texts (numbers as their JSON).
pub fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The ids of the categories feed are unique, every id a product, a parent or a subcategory
/// names is one of them, and a category is among its parent's subcategories; gives the ids.
pub fn assert_complete(products: &[Value], categories: &[Value]) -> BTreeSet<String> {
    let ids: BTreeSet<String> = categories
        .iter()
        .map(|c| c["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(ids.len(), categories.len(), "duplicate category ids");
    for p in products {
        for id in strs(&p["categories"]) {
            assert!(
                ids.contains(&id),
                "product {}: category `{id}` is not in the feed",
                p["id"]
            );
        }
    }
    for c in categories {
        for id in strs(&c["subcategories"]) {
            assert!(
                ids.contains(&id),
                "category {}: subcategory `{id}` is not in the feed",
                c["id"]
            );
        }
        if let Some(parent) = c["parent"].as_str() {
            assert!(
                ids.contains(parent),
                "category {}: parent `{parent}` is not in the feed",
                c["id"]
            );
            let siblings = categories
                .iter()
                .find(|x| x["id"] == parent)
                .map(|x| strs(&x["subcategories"]))
                .unwrap_or_default();
            assert!(
                siblings
                    .iter()
                    .any(|s| Some(s.as_str()) == c["id"].as_str()),
                "category {}: not among the subcategories of its parent `{parent}`",
                c["id"]
            );
        }
    }
    ids
}
