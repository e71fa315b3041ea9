//! The shipped WooCommerce and Shopify mappings on their example exports, checked from the
//! export itself, independently of the mappings (issue 9): one `--input`, every variation folded
//! into its parent wherever it is in the file, and a complete categories feed (every category id
//! a product names, every parent and every subcategory, is a record of the categories feed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clerkmap::value::Value;

mod support_shops;
use support_shops::*;

/// `clerkmap run mappings/MAPPING --input export=EXPORT --var site_url=... --out OUT`.
fn run(mapping: &str, export: &Path, out: &Path) -> (Vec<Value>, Vec<Value>) {
    let site = ["--var", "site_url=https://shop.example.test"];
    run_with(mapping, &[("export", export)], &site, out)
}

/// Every level of a category path: "A > B > C" gives "A", "A > B", "A > B > C".
fn levels(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path
        .split('>')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    (1..=parts.len()).map(|n| parts[..n].join(" > ")).collect()
}

fn by_id(products: &[Value]) -> BTreeMap<String, &Value> {
    products.iter().map(|p| (p["id"].to_string(), p)).collect()
}

fn wc_kind(row: &BTreeMap<String, String>) -> &str {
    row.get("Type")
        .map_or("", |t| t.split(',').next().unwrap_or("").trim())
}

/// The categories of a WooCommerce row: paths separated by ", ", `\,` an escaped comma.
fn wc_paths(row: &BTreeMap<String, String>) -> Vec<String> {
    row.get("Categories")
        .map(|c| {
            c.replace("\\,", "\u{E000}")
                .split(',')
                .map(|p| p.trim().replace('\u{E000}', ","))
                .filter(|p| !p.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

fn check_woocommerce(export: &Path) {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (products, categories) = run("woocommerce.cmap", export, out.path());
    let data = rows(&read(export), b',');
    let (parents, variations): (Vec<_>, Vec<_>) =
        data.iter().partition(|r| wc_kind(r) != "variation");
    // One product per product row, none per variation.
    assert_eq!(products.len(), parents.len());
    let products_by_id = by_id(&products);
    for p in &parents {
        let id = &p["ID"];
        let product = products_by_id
            .get(id)
            .unwrap_or_else(|| panic!("product {id} is not in the feed"));
        // Every variation but the disabled ones (Published 0) is folded into its parent, in
        // file order; all of them when all are disabled.
        let key = p.get("SKU").cloned().unwrap_or_else(|| format!("id:{id}"));
        let own: Vec<&&BTreeMap<String, String>> = variations
            .iter()
            .filter(|v| v.get("Parent") == Some(&key))
            .collect();
        let enabled: Vec<&&BTreeMap<String, String>> = own
            .iter()
            .copied()
            .filter(|v| v.get("Published").map(String::as_str) != Some("0"))
            .collect();
        let folded = if enabled.is_empty() { own } else { enabled };
        let skus: Vec<String> = folded
            .iter()
            .filter_map(|v| v.get("SKU").cloned())
            .collect();
        assert_eq!(strs(&product["variant_skus"]), skus, "product {id}");
    }
    let ids = assert_complete(&products, &categories);
    // The feed is exactly the levels of the products' paths, no more.
    let expected: BTreeSet<String> = parents
        .iter()
        .flat_map(|r| wc_paths(r))
        .flat_map(|p| levels(&p))
        .map(|l| l.split(" > ").map(slug).collect::<Vec<_>>().join("/"))
        .collect();
    assert_eq!(ids, expected);
}

/// What `slug` does to the names of the fixtures (ASCII letters, digits, the rest `-`).
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

#[test]
fn woocommerce_folds_every_variation_and_its_categories_are_complete() {
    check_woocommerce(&root().join("mappings/examples/woocommerce/wc-product-export.csv"));
}

#[test]
fn woocommerce_row_order_does_not_matter() {
    // The same export with its rows reversed: every variation before its parent.
    let text = read(&root().join("mappings/examples/woocommerce/wc-product-export.csv"));
    let text = text.trim_start_matches('\u{feff}');
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().unwrap_or_else(|e| panic!("{e}")).clone();
    let records: Vec<csv::StringRecord> = r
        .records()
        .map(|x| x.unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let reversed = dir.path().join("reversed.csv");
    let mut w = csv::Writer::from_path(&reversed).unwrap_or_else(|e| panic!("{e}"));
    w.write_record(&header).unwrap_or_else(|e| panic!("{e}"));
    for rec in records.iter().rev() {
        w.write_record(rec).unwrap_or_else(|e| panic!("{e}"));
    }
    w.flush().unwrap_or_else(|e| panic!("{e}"));
    drop(w);
    let (a, b) = (tempfile::tempdir(), tempfile::tempdir());
    let (a, b) = (
        a.unwrap_or_else(|e| panic!("{e}")),
        b.unwrap_or_else(|e| panic!("{e}")),
    );
    let original = root().join("mappings/examples/woocommerce/wc-product-export.csv");
    let (pa, ca) = run("woocommerce.cmap", &original, a.path());
    let (pb, cb) = run("woocommerce.cmap", &reversed, b.path());
    // The same products with the same prices, stock and variants (in the other order).
    let (pa, pb) = (by_id(&pa), by_id(&pb));
    assert_eq!(pa.keys().collect::<Vec<_>>(), pb.keys().collect::<Vec<_>>());
    for (id, a) in &pa {
        let b = pb[id];
        for attr in [
            "name",
            "price",
            "list_price",
            "stock",
            "in_stock",
            "image",
            "index",
        ] {
            assert_eq!(a[attr], b[attr], "product {id}: {attr}");
        }
        for attr in ["variant_skus", "sizes", "colors", "categories"] {
            let (x, y): (BTreeSet<String>, BTreeSet<String>) = (
                strs(&a[attr]).into_iter().collect(),
                strs(&b[attr]).into_iter().collect(),
            );
            assert_eq!(x, y, "product {id}: {attr}");
        }
    }
    let ids = |c: &[Value]| {
        c.iter()
            .map(|x| x["id"].to_string())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(ids(&ca), ids(&cb));
    check_woocommerce(&reversed);
}

#[test]
fn shopify_products_are_their_handles_rows_and_its_categories_are_complete() {
    let export = root().join("mappings/examples/shopify/products_export.csv");
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (products, categories) = run("shopify.cmap", &export, out.path());
    let data = rows(&read(&export), b',');
    let handles: Vec<&String> = data
        .iter()
        .filter(|r| r.contains_key("Title"))
        .map(|r| &r["Handle"])
        .collect();
    assert_eq!(
        products
            .iter()
            .map(|p| p["id"].as_str().unwrap_or_default())
            .collect::<Vec<_>>(),
        handles.iter().map(|h| h.as_str()).collect::<Vec<_>>()
    );
    let products_by_id = by_id(&products);
    for h in &handles {
        // Variant rows are the rows with a price; image-only rows add no variant.
        let variants = data
            .iter()
            .filter(|r| &&r["Handle"] == h && r.contains_key("Variant Price"))
            .count();
        let p = products_by_id[&Value::String(h.to_string().into()).to_string()];
        assert_eq!(strs(&p["variant_prices"]).len(), variants, "product {h}");
    }
    let ids = assert_complete(&products, &categories);
    let expected: BTreeSet<String> = data
        .iter()
        .filter_map(|r| r.get("Product Category"))
        .flat_map(|p| levels(p))
        .map(|l| l.split(" > ").map(slug).collect::<Vec<_>>().join("/"))
        .collect();
    assert_eq!(ids, expected);
}

/// A category path spelled two ways in one export ("Clothing > Hoodies" on one product,
/// "clothing > hoodies" on another) is one id in the products' `categories`, so it is one
/// category record: the categories block is keyed by id, not by the path as spelled (keyed by
/// the path, the second spelling was rejected as a duplicate id and its subcategories lost).
#[test]
fn woocommerce_paths_spelled_two_ways_are_one_category() {
    let text = read(&root().join("mappings/examples/woocommerce/wc-product-export.csv"));
    let changed = text.replacen(
        "\"Clothing > Tshirts, Sale",
        "\"clothing > tshirts, Sale",
        1,
    );
    assert_ne!(changed, text, "the fixture has the path to respell");
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let export = tmp.path().join("wc-product-export.csv");
    std::fs::write(&export, &changed).unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out");
    let (products, categories) = run("woocommerce.cmap", &export, &out);
    assert_complete(&products, &categories);
    let rejects = std::fs::read_to_string(out.join("rejects.ndjson")).unwrap_or_default();
    assert!(rejects.trim().is_empty(), "{rejects}");
    let ids: Vec<&str> = categories.iter().filter_map(|c| c["id"].as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "{ids:?}");
    let clothing = categories
        .iter()
        .find(|c| c["id"] == "clothing")
        .unwrap_or_else(|| panic!("no clothing in {ids:?}"));
    assert!(strs(&clothing["subcategories"]).contains(&"clothing/tshirts".to_string()));
}
