//! The shipped Magento 2, PrestaShop and Google Merchant mappings on their example exports
//! (issue 15), checked from the exports themselves, independently of the mappings: one
//! `--input` per file, every variant folded into its product, and a complete categories feed
//! (every category id a product, a parent or a subcategory names is a record of it). The
//! PrestaShop combination written with a trailing `;` is mapped with the lenient input, and
//! reported with its line without it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Output;

use clerkmap::value::Value;

mod support_shops;
use support_shops::*;

/// `clerkmap run mappings/MAPPING --input NAME=PATH ... --out OUT`.
fn run(mapping: &str, inputs: &[(&str, &Path)], out: &Path) -> (Vec<Value>, Vec<Value>) {
    run_with(mapping, inputs, &[], out)
}

fn example(p: &str) -> PathBuf {
    root().join("mappings/examples").join(p)
}

fn by_id(products: &[Value]) -> BTreeMap<String, &Value> {
    products
        .iter()
        .map(|p| {
            (
                p["id"]
                    .as_str()
                    .map_or_else(|| p["id"].to_string(), str::to_string),
                p,
            )
        })
        .collect()
}

/// Every level of the paths, the root dropped: "Default Category/A/B" gives "A", "A/B".
fn magento_levels(cell: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for path in cell.split(',') {
        let parts: Vec<&str> = path.split('/').skip(1).map(str::trim).collect();
        for n in 1..=parts.len() {
            out.insert(parts[..n].join("/"));
        }
    }
    out
}

#[test]
fn magento2_folds_every_variant_and_its_categories_are_complete() {
    let export = example("magento2/catalog_product.csv");
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (products, categories) = run("magento2.cmap", &[("export", &export)], out.path());
    let data = rows(&read(&export), b',');
    let default_view: Vec<&BTreeMap<String, String>> = data
        .iter()
        .filter(|r| !r.contains_key("store_view_code"))
        .collect();
    let visible: Vec<&&BTreeMap<String, String>> = default_view
        .iter()
        .filter(|r| r.get("visibility").map(String::as_str) != Some("Not Visible Individually"))
        .collect();
    // One product per visible row of the default store view, none per store-view row.
    assert_eq!(products.len(), visible.len());
    let products_by_id = by_id(&products);
    for r in &visible {
        let sku = &r["sku"];
        let p = products_by_id
            .get(sku)
            .unwrap_or_else(|| panic!("product {sku} is not in the feed"));
        let expected: Vec<String> = match r["product_type"].as_str() {
            "configurable" => r["configurable_variations"]
                .split('|')
                .filter_map(|v| v.split(',').find_map(|kv| kv.strip_prefix("sku=")))
                .map(str::to_string)
                .collect(),
            "grouped" => r["associated_skus"]
                .split(',')
                .map(|s| s.split('=').next().unwrap_or("").to_string())
                .collect(),
            "bundle" => r["bundle_values"]
                .split('|')
                .filter_map(|v| v.split(',').find_map(|kv| kv.strip_prefix("sku=")))
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        assert_eq!(strs(&p["variant_skus"]), expected, "product {sku}");
        // Stock is the children's (or its own).
        let stock: f64 = if expected.is_empty() {
            r.get("qty").map_or(0.0, |q| q.parse().unwrap_or(0.0))
        } else {
            expected
                .iter()
                .filter_map(|s| default_view.iter().find(|x| &x["sku"] == s))
                .map(|x| x.get("qty").map_or(0.0, |q| q.parse().unwrap_or(0.0)))
                .sum()
        };
        assert_eq!(p["stock"].as_f64(), Some(stock), "product {sku}");
    }
    // The categories feed: every level of every path of every row, under the root.
    let ids = assert_complete(&products, &categories);
    let levels: BTreeSet<String> = data
        .iter()
        .filter_map(|r| r.get("categories"))
        .flat_map(|c| magento_levels(c))
        .collect();
    assert_eq!(ids.len(), levels.len(), "{ids:?} {levels:?}");
    // A row with six paths gives its product every level of them.
    assert_eq!(strs(&products_by_id["WS03"]["categories"]).len(), 7);
}

const PS_NO_LENIENT: &str = "input combinations lenient\n";

fn prestashop(mapping: &str, out: &Path) -> Output {
    let products = example("prestashop/products.csv");
    let combinations = example("prestashop/combinations.csv");
    clerkmap(&[
        "run",
        mapping,
        "--input",
        &format!("products={}", products.display()),
        "--input",
        &format!("combinations={}", combinations.display()),
        "--out",
        &out.display().to_string(),
    ])
}

#[test]
fn prestashop_folds_every_combination_the_trailing_semicolon_row_included() {
    let combinations = read(&example("prestashop/combinations.csv"));
    // The fixture has its row with one `;` too many (as PrestaShop's own sample).
    let long_rows: Vec<usize> = combinations
        .lines()
        .enumerate()
        .filter(|(_, l)| l.ends_with(';'))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(long_rows, [4]);
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = prestashop("mappings/prestashop.cmap", out.path());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let products = json_file(&out.path().join("products.json"));
    let categories = json_file(&out.path().join("categories.json"));
    let combos = rows(&combinations, b';');
    // Every combination is a variant of its product, in file order.
    let products_by_id = by_id(&products);
    for (id, p) in &products_by_id {
        let expected: Vec<String> = combos
            .iter()
            .filter(|c| c.get("Product ID*") == Some(id))
            .filter_map(|c| c.get("Reference").cloned())
            .collect();
        assert_eq!(strs(&p["variant_skus"]), expected, "product {id}");
    }
    let folded: usize = products
        .iter()
        .map(|p| strs(&p["variant_skus"]).len())
        .sum();
    assert_eq!(folded, combos.len());
    assert_eq!(products_by_id["1"]["stock"], 30);
    assert_complete(&products, &categories);
    let report: Value = serde_json::from_str(&read(&out.path().join("report.json")))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report["lenient"][0]["rows"], 1);
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("combinations: 1 row read leniently"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn prestashop_without_the_lenient_input_reports_the_row_with_its_line() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let strict = dir.path().join("prestashop.cmap");
    let text = read(&root().join("mappings/prestashop.cmap"));
    assert!(text.contains(PS_NO_LENIENT));
    std::fs::write(&strict, text.replace(PS_NO_LENIENT, "")).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let o = prestashop(strict.to_str().unwrap_or(""), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("combinations.csv:4")
            && stderr.contains("row has 25 fields but the header has 24"),
        "{stderr}"
    );
    let products = json_file(&out.join("products.json"));
    let skus = strs(&by_id(&products)["1"]["variant_skus"]);
    assert_eq!(
        skus,
        ["demo_1_s_white", "demo_1_m_white"],
        "the row is lost"
    );
}

#[test]
fn google_merchant_groups_items_and_its_categories_are_complete() {
    let feed = example("google-merchant/feed.xml");
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (products, categories) = run("google-shopping.cmap", &[("feed", &feed)], out.path());
    let by = by_id(&products);
    assert_eq!(
        by.keys().collect::<Vec<_>>(),
        ["BAG5", "CAP3", "HOOD2", "MUG4", "TEE1"]
    );
    // Names without the variant suffixes; both availability spellings are in stock.
    for (id, name, in_stock) in [
        ("TEE1", "Organic Cotton Tee", true),
        ("HOOD2", "Zip Hoodie Recycled", true),
        ("CAP3", "Wool Cap", true),
        ("MUG4", "Enamel Camping Mug", false),
        ("BAG5", "Canvas Tote Bag", false),
    ] {
        assert_eq!(by[id]["name"], name, "{id}");
        assert_eq!(by[id]["in_stock"], in_stock, "{id}");
    }
    assert_eq!(
        strs(&by["TEE1"]["variant_skus"]),
        ["TEE1-BS", "TEE1-BM", "TEE1-WM"]
    );
    assert_eq!(strs(&by["TEE1"]["sizes_available"]), ["S", "M"]);
    assert_eq!(strs(&by["TEE1"]["colors_available"]), ["Black", "White"]);
    assert_eq!(
        (
            by["TEE1"]["price"].as_f64(),
            by["TEE1"]["list_price"].as_f64()
        ),
        (Some(17.99), Some(19.99))
    );
    assert_eq!(by["TEE1"]["currency"], "EUR");
    let ids = assert_complete(&products, &categories);
    assert_eq!(strs(&by["HOOD2"]["categories"]).len(), 4);
    assert!(
        ids.contains("apparel-accessories/clothing/outerwear/hoodies"),
        "{ids:?}"
    );
}
