//! `clerkmap inspect`: the fields of the sample shop's files.

mod support;

use support::{clerkmap, text};

fn inspect(file: &str) -> String {
    let o = clerkmap(&["inspect", file]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    text(&o.stdout)
}

#[test]
fn nested_ndjson() {
    let out = inspect("mappings/sample/articoli.ndjson");
    for want in [
        "NDJSON, 40 records, all read",
        ".varianti[*].taglia",
        ".attributi.\"Vestibilità\"",
        ".prezzo                    string (decimal comma)",
        "`.prezzo | decimal` reads 1.234,56 as a number",
    ] {
        assert!(out.contains(want), "`{want}` missing:\n{out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn csv() {
    insta::assert_snapshot!(inspect("mappings/sample/categorie.csv"));
}

#[test]
fn xml() {
    insta::assert_snapshot!(inspect("mappings/sample/feed-google.xml"));
}

#[test]
fn orders() {
    insta::assert_snapshot!(inspect("mappings/sample/ordini.ndjson"));
}

#[test]
fn large_files_are_sampled_and_say_so() {
    let o = clerkmap(&["inspect", "mappings/sample/clienti.ndjson", "--sample", "4"]);
    let out = text(&o.stdout);
    assert!(
        out.contains("the first 4 records sampled (the file has more: --all reads everything)"),
        "{out}"
    );
    let o = clerkmap(&["inspect", "mappings/sample/clienti.ndjson", "--json"]);
    let v: clerkmap::value::Value = serde_json::from_slice(&o.stdout).unwrap_or_default();
    assert_eq!(v["records"], 10);
    assert_eq!(v["fields"][0]["path"], ".id");
}

#[test]
fn errors_say_what_to_do() {
    let o = clerkmap(&["inspect", "README.md"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("give it with --input-format csv"));
    let o = clerkmap(&["inspect", "nowhere.csv"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(text(&o.stderr).contains("nowhere.csv: cannot open"));
}
