//! The shipped Passweb mapping on the shipped sample shop: output snapshots, and every rule of
//! Clerk's contract (../shared/domain/clerk.md) checked independently of the engine's own checks.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use clerkmap::check::CompileOptions;
use clerkmap::check::check;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{FeedOutput, Input, OutputFormat, RunOptions, RunReport, run};
use clerkmap::value::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run_sample(out: &Path, jobs: usize, chunk_size: usize, format: OutputFormat) -> RunReport {
    let mapping = root().join("mappings/passweb.cmap");
    let src = SourceFile::new("passweb.cmap", read(&mapping));
    let checked = check(&src, &CompileOptions::default()).unwrap_or_else(|d| panic!("{d:?}"));
    let sample = root().join("mappings/sample");
    let opts = RunOptions {
        inputs: vec![
            Input::file("articoli", sample.join("articoli.ndjson")),
            Input::file("categorie", sample.join("categorie.csv")),
        ],
        jobs,
        chunk_size,
        ..RunOptions::default()
    };
    let output = FeedOutput {
        format,
        ..FeedOutput::new(out)
    };
    run(&checked.program, &src, &opts, &output).unwrap_or_else(|e| panic!("{e}"))
}

fn json(p: &Path) -> Value {
    serde_json::from_str(&read(p)).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn array(v: &Value) -> &Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("not an array: {v}"))
}

fn assert_clerk_values(entity: &str, rec: &clerkmap::value::Map) {
    for (k, v) in rec {
        assert!(
            !k.is_empty() && k.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
            "{entity}: bad attribute name {k:?}"
        );
        let ok = match v {
            Value::Null | Value::Object(_) => false,
            Value::Array(items) => items
                .iter()
                .all(|i| matches!(i, Value::String(_) | Value::Number(_) | Value::Bool(_))),
            _ => true,
        };
        assert!(
            ok,
            "{entity} {}: attribute {k} has a value Clerk does not take: {v}",
            rec["id"]
        );
    }
}

fn absolute(v: &Value) -> bool {
    v.as_str()
        .is_some_and(|s| s.starts_with("https://") || s.starts_with("http://"))
}

/// Categories of the sample, read straight from the CSV: code -> parent code.
fn category_parents() -> BTreeMap<String, String> {
    let mut r = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_path(root().join("mappings/sample/categorie.csv"))
        .unwrap_or_else(|e| panic!("{e}"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap_or_else(|e| panic!("{e}"));
            (rec[0].to_string(), rec[1].to_string())
        })
        .collect()
}

#[test]
fn passweb_mapping_output_honours_clerks_contract() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let report = run_sample(dir.path(), 2, 7, OutputFormat::Json);
    let products = json(&dir.path().join("products.json"));
    let categories = json(&dir.path().join("categories.json"));

    // Accounting: every article accounted for; unpublished ones filtered.
    let articles: Vec<Value> = read(&root().join("mappings/sample/articoli.ndjson"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let published = articles.iter().filter(|a| a["pubblicato"] == "SI").count() as u64;
    let p = &report.entities[0];
    assert!(p.balanced());
    assert_eq!(
        (p.read, p.written, p.filtered, p.rejected),
        (
            articles.len() as u64,
            published,
            articles.len() as u64 - published,
            0
        )
    );
    assert_eq!(array(&products).len() as u64, published);

    let parents = category_parents();
    let mut ids = HashSet::new();
    for prod in array(&products) {
        let rec = prod.as_object().unwrap_or_else(|| panic!("not an object"));
        assert_clerk_values("products", rec);
        assert!(rec["id"].is_string(), "one id type: strings");
        assert!(ids.insert(rec["id"].clone()), "duplicate id {}", rec["id"]);
        for f in ["name", "description"] {
            assert!(rec[f].is_string(), "{f}");
        }
        assert!(rec["price"].is_f64(), "price float: {}", rec["price"]);
        assert!(absolute(&rec["image"]) && absolute(&rec["url"]));
        assert!(rec["created_at"].is_i64());
        assert!(rec["stock"].is_i64() && rec["in_stock"].is_boolean() && rec["index"].is_boolean());
        let cats = array(&rec["categories"]);
        assert!(!cats.is_empty());
        for c in cats {
            let code = c.as_str().unwrap_or_else(|| panic!("category id {c}"));
            assert!(parents.contains_key(code), "unknown category {code}");
            // Every parent of a listed category is listed too.
            let parent = &parents[code];
            assert!(
                parent.is_empty() || cats.iter().any(|x| x == parent.as_str()),
                "{code}'s parent {parent} missing"
            );
        }
        if let Some(lp) = rec.get("list_price") {
            assert_eq!(
                rec["on_sale"],
                Value::Bool(rec["price"].as_f64() < lp.as_f64())
            );
        }
        let desc = rec["description"].as_str().unwrap_or_default();
        assert!(
            !desc.contains('<') && !desc.contains("&amp;") && !desc.contains("  "),
            "stripped: {desc}"
        );
    }

    let mut cat_ids = HashSet::new();
    for cat in array(&categories) {
        let rec = cat.as_object().unwrap_or_else(|| panic!("not an object"));
        assert_clerk_values("categories", rec);
        let id = rec["id"].as_str().unwrap_or_default().to_string();
        assert!(rec["name"].is_string() && absolute(&rec["url"]));
        let children: Vec<&str> = parents
            .iter()
            .filter(|(_, p)| **p == id)
            .map(|(c, _)| c.as_str())
            .collect();
        let mut subs: Vec<&str> = array(&rec["subcategories"])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        subs.sort_unstable();
        assert_eq!(subs, children, "immediate children of {id}");
        if let Some(img) = rec.get("image") {
            assert!(absolute(img));
        }
        cat_ids.insert(id);
    }
    assert_eq!(cat_ids.len(), parents.len());
}

#[test]
fn passweb_mapping_output_snapshot() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run_sample(dir.path(), 2, 16, OutputFormat::Json);
    insta::assert_json_snapshot!("products", json(&dir.path().join("products.json")));
    insta::assert_json_snapshot!("categories", json(&dir.path().join("categories.json")));
}

#[test]
fn output_is_identical_whatever_the_threads_and_chunks() {
    let a = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let b = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run_sample(a.path(), 1, 1000, OutputFormat::Json);
    run_sample(b.path(), 2, 3, OutputFormat::Json);
    for f in ["products.json", "categories.json", "rejects.ndjson"] {
        assert_eq!(
            read(&a.path().join(f)),
            read(&b.path().join(f)),
            "{f} differs"
        );
    }
}

#[test]
fn ndjson_and_legacy_feed_hold_the_same_records() {
    let j = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let n = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let f = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run_sample(j.path(), 2, 8, OutputFormat::Json);
    run_sample(n.path(), 2, 8, OutputFormat::Ndjson);
    run_sample(f.path(), 2, 8, OutputFormat::Feed);
    let products = json(&j.path().join("products.json"));
    let lines: Vec<Value> = read(&n.path().join("products.ndjson"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    assert_eq!(&lines, array(&products));
    let feed = json(&f.path().join("feed.json"));
    assert_eq!(feed["products"], products);
    assert_eq!(feed["categories"], json(&j.path().join("categories.json")));
    assert!(
        feed["config"]["created"]
            .as_i64()
            .is_some_and(|t| t > 1_600_000_000)
    );
    assert_eq!(feed["config"]["strict"], false);
}
