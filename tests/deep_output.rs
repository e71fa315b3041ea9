//! `run` never writes a record nested deeper than its feed can be read back with: such a record
//! is rejected with the reason, and a record at the limit is written and read by `push`.

mod support;

use support::{clerkmap, code, text};

fn mapping(levels: usize) -> String {
    let open = "[".repeat(levels);
    let close = "]".repeat(levels);
    format!(
        "products from a {{\n  id = .id\n  name = \"n\"\n  description = \"d\"\n  price = 1\n  image = \"https://x.it/a.jpg\"\n  url = \"https://x.it/a\"\n  categories = []\n  created_at = 0\n  deep = if .id == \"DEEP\" {{ {open}1{close} }} else {{ {} }}\n}}\n",
        format_args!("{}1{}", "[".repeat(125), "]".repeat(125))
    )
}

#[test]
fn a_record_nested_past_the_readers_limit_is_rejected_and_the_feed_reads_back() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = dir.path().join("m.cmap");
    // `deep` is level 2: 125 lists reach 126 (written), 130 go past it (rejected).
    std::fs::write(&m, mapping(130)).unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("a.ndjson");
    std::fs::write(&input, "{\"id\":\"OK\"}\n{\"id\":\"DEEP\"}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let o = clerkmap(&[
        "run",
        &m.display().to_string(),
        "--input",
        &format!("a={}", input.display()),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let rejects = std::fs::read_to_string(out.join("rejects.ndjson")).unwrap_or_default();
    assert!(
        rejects.contains("\"id\":\"DEEP\"") && rejects.contains("deeper than 126 levels"),
        "{rejects}"
    );
    let feed = std::fs::read_to_string(out.join("products.json")).unwrap_or_default();
    let v: clerkmap::value::Value = serde_json::from_str(&feed)
        .unwrap_or_else(|e| panic!("the feed reads back with serde_json's default limit: {e}"));
    assert_eq!(v.as_array().map(Vec::len), Some(1));
}
