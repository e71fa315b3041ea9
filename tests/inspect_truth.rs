//! `clerkmap inspect` tells the truth about a file (issue 14): every column of a CSV, in file
//! order, those empty in every row included, with the share of records that have it empty;
//! `--json` gives the delimiter it read the file with and the examples as JSON values.

mod support;

use clerkmap::json;
use clerkmap::value::Value;
use support::{clerkmap, text};

fn inspect(args: &[&str]) -> String {
    let mut all = vec!["inspect"];
    all.extend_from_slice(args);
    let o = clerkmap(&all);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

fn inspect_json(args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = inspect(&all);
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

const WOO: &str = "tests/inspect/woocommerce.csv";

/// WooCommerce's export leaves `Stock`, `Tags`, the sale dates and `Tax class` empty in every
/// row: exactly what an integrator needs to know is empty.
#[test]
fn every_column_in_file_order_with_its_empty_share() {
    let out = inspect(&[WOO]);
    let header = std::fs::read_to_string(support::root().join(WOO))
        .unwrap_or_default()
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    let paths: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("path "))
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split("  ").next())
        .map(str::trim)
        .collect();
    let columns: Vec<String> = header
        .split(',')
        .map(|c| {
            if c.chars().all(|c| c.is_ascii_alphanumeric()) {
                format!(".{c}")
            } else {
                format!(".\"{c}\"")
            }
        })
        .collect();
    assert_eq!(paths, columns, "every column, in file order:\n{out}");
    for empty in [
        ".Stock",
        ".Tags",
        ".\"Tax class\"",
        ".\"Date sale price starts\"",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{empty} ")))
            .unwrap_or_default();
        assert!(line.contains(" 0%   100%"), "`{empty}`: {line}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn json_gives_the_delimiter_and_examples_as_values() {
    let v = inspect_json(&[WOO]);
    assert_eq!(v["format"], "csv,");
    assert_eq!(v["delimiter"], ",");
    let fields = v["fields"].as_array().cloned().unwrap_or_default();
    let field = |p: &str| {
        fields
            .iter()
            .find(|f| f["path"] == p)
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        field(".SKU")["examples"],
        json!(["FEL-001", "CAL-002", "GIA-003"])
    );
    assert_eq!(field(".Stock")["present"], 0);
    assert_eq!(field(".Stock")["empty"], 3);
    assert_eq!(field(".Stock")["examples"], json!([]));
    insta::assert_snapshot!(serde_json::to_string_pretty(&v).unwrap_or_default());

    let v = inspect_json(&["mappings/sample/categorie.csv"]);
    assert_eq!(v["format"], "csv;");
    assert_eq!(v["delimiter"], ";");
    assert_eq!(
        v["fields"][0]["examples"],
        json!(["ABB", "ABB.FEL", "ABB.FEL.U"])
    );

    // Numbers stay numbers; formats without a delimiter have none.
    let v = inspect_json(&["mappings/sample/ordini.ndjson"]);
    assert_eq!(v["format"], "ndjson");
    assert!(v.get("delimiter").is_none(), "{v}");
    let cliente = v["fields"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["path"] == ".cliente"))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(cliente["examples"], json!([1006, 1009, 1008]));
    assert_eq!(cliente["empty"], 1, "one order has `cliente: null`");

    let v = inspect_json(&["mappings/sample/feed-google.xml"]);
    assert_eq!(v["format"], "xml");
}

#[test]
fn a_stated_delimiter_and_a_tab_are_reported_as_read() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let tsv = dir.path().join("a.tsv");
    std::fs::write(&tsv, "codice\tnome\tvuota\nA\tUno\t\nB\t\t\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let p = tsv.display().to_string();
    let v = inspect_json(&[&p]);
    assert_eq!(v["format"], "tsv");
    assert_eq!(v["delimiter"], "\t");
    let paths: Vec<&str> = v["fields"]
        .as_array()
        .map(|f| f.iter().filter_map(|f| f["path"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(paths, [".codice", ".nome", ".vuota"]);
    let v = inspect_json(&[&p, "--format", "csv;"]);
    assert_eq!(v["format"], "csv;");
    assert_eq!(v["delimiter"], ";");
    assert_eq!(v["fields"][0]["path"], ".\"codice\\tnome\\tvuota\"");
}

/// An empty list or object is there without a value: it is not "present".
#[test]
fn empty_lists_count_as_empty_not_present() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let f = dir.path().join("a.ndjson");
    std::fs::write(
        &f,
        "{\"id\":1,\"sizes\":[\"S\"],\"attrs\":{}}\n{\"id\":2,\"sizes\":[]}\n{\"id\":3,\"sizes\":[],\"attrs\":{\"a\":1}}\n{\"id\":4}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let v = inspect_json(&[&f.display().to_string()]);
    let field = |p: &str| {
        v["fields"]
            .as_array()
            .and_then(|f| f.iter().find(|f| f["path"] == p))
            .cloned()
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        (
            field(".sizes")["present"].clone(),
            field(".sizes")["empty"].clone()
        ),
        (json!(1), json!(2))
    );
    assert_eq!(
        (
            field(".attrs")["present"].clone(),
            field(".attrs")["empty"].clone()
        ),
        (json!(1), json!(1))
    );
}
