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
    // No record: exit 3, as a run refuses it (a header only; an XML document whose records
    // are not `<item>` names the element they likely are)
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let header = dir.path().join("h.csv");
    std::fs::write(&header, "a,b\n").unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&["inspect", &header.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("h.csv: holds no record (only a header or blank lines?)"),
        "{}",
        text(&o.stderr)
    );
    let xml = dir.path().join("a.xml");
    std::fs::write(
        &xml,
        "<Liste><Artikel nr=\"1\"/><Artikel nr=\"2\"/></Liste>",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&["inspect", &xml.to_string_lossy()]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("the document holds 2 `<Artikel>` in `<Liste>`; if those are the records, name them with the input's format `xml:Artikel`"),
        "{}",
        text(&o.stderr)
    );
    let o = clerkmap(&[
        "inspect",
        &xml.to_string_lossy(),
        "--input-format",
        "xml:Artikel",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}
