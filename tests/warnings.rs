//! Warnings of a run come once per kind of problem, on stderr, with how many rows have it and
//! where the first few are, in one location format; `report.json` keeps them the same way.

mod support;

use clerkmap::value::Value;
use support::{clerkmap, code, read, text};

const MAPPING: &str = "lookup cats by .id\nproducts from a {\n  id = .id\n  name = lookup(cats, .c).name ?? \"x\"\n  description = \"d\"\n  price = 1.0\n  image = \"https://x.it/a.jpg\"\n  url = \"https://x.it/a\"\n  categories = []\n  created_at = 0\n}\n";

#[test]
fn a_problem_on_thousands_of_rows_is_one_warning_with_its_count_and_first_places() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    let mut cats = String::from("id,name\n");
    // Lines 2..=2001: every other row has a field too many; then 500 repeated keys.
    for i in 0..2000 {
        if i % 2 == 0 {
            cats.push_str(&format!("{i},n,extra\n"));
        } else {
            cats.push_str(&format!("{i},n\n"));
        }
    }
    for i in 0..500 {
        cats.push_str(&format!("{},again\n", 2 * i + 1));
    }
    let w = |name: &str, s: &str| {
        std::fs::write(d.join(name), s).unwrap_or_else(|e| panic!("{e}"));
        d.join(name).display().to_string()
    };
    let m = w("m.cmap", MAPPING);
    let c = w("cats.csv", &cats);
    let a = w("a.ndjson", "{\"id\":\"p1\",\"c\":\"1\"}\n");
    let out = d.join("out");
    let o = clerkmap(&[
        "run",
        &m,
        "--input",
        &format!("a={a}"),
        "--input",
        &format!("cats={c}"),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let stderr = text(&o.stderr);
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert_eq!(
        warnings,
        [
            format!(
                "warning: row has 3 fields but the header has 2: check the delimiter and the quoting of fields with line breaks (row left out of lookup table `cats`) (1,000 times: {c}:2, {c}:4, {c}:6 and 997 more)"
            ),
            format!(
                "warning: duplicate key in `cats`: the first row is kept (500 times: {c}:2002 (key `1`), {c}:2003 (key `3`), {c}:2004 (key `5`) and 497 more)"
            ),
        ],
        "{stderr}"
    );
    assert!(!text(&o.stdout).contains("warning"), "{}", text(&o.stdout));
    let report: Value =
        serde_json::from_str(&read(&out.join("report.json"))).unwrap_or_else(|e| panic!("{e}"));
    let ws = &report["warnings"];
    assert_eq!(ws.as_array().map(Vec::len), Some(2), "{ws}");
    assert_eq!(ws[1]["count"], 500);
    assert_eq!(
        ws[1]["message"],
        "duplicate key in `cats`: the first row is kept"
    );
    assert_eq!(ws[1]["at"][0], format!("{c}:2002 (key `1`)"));
}
