//! Issue 9: `group by` groups every row of a key wherever it is in the input (a WooCommerce
//! export lists the variations after every product), in the order of each group's first row,
//! with the same result whether the rows stream (consecutive), are read again through the
//! sorter (a file whose rows turn out not to be consecutive), come from a pipe, or spill to
//! temporary files.

mod support_clerk;

use std::path::Path;

use clerkmap::check::{CompileOptions, check};
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{FeedOutput, Input, OutputFormat, RunOptions, run};
use clerkmap::json;
use clerkmap::value::Value;

const MAPPING: &str = r#"
products from woo group by .Parent ?? .SKU where .Published == "1" {
  id          = .SKU
  name        = .Name
  description = .Name
  price       = min(rows[*]."Regular price" | decimal)
  image       = "https://x.test/i.jpg"
  url         = "https://x.test/" ~ .SKU
  categories  = ["C"]
  created_at  = 0
  sizes       = rows[? .Type == "variation"]."Attribute 1 value(s)"
  stock       = sum(rows[*].Stock | decimal) | int
  variants    = len(rows) - 1
}
"#;

/// A WooCommerce-style export: products first, their variations at the end; a product whose
/// price cannot be read (rejected before the variations are reached), a row with no SKU.
const WOO: &str = "\
ID,Type,SKU,Name,Published,Regular price,Parent,Attribute 1 value(s),Stock
10,variable,T1,Tee,1,,,,
11,simple,M1,Mug,1,7.5,,,3
12,variable,H1,Hoodie,1,,,,
13,simple,BAD,Broken,1,abc,,,1
14,simple,,No SKU,1,1,,,1
15,variable,P1,Private,0,,,,
20,variation,T1-S,Tee S,1,10,T1,S,1
21,variation,T1-M,Tee M,1,9.5,T1,M,2
22,variation,H1-L,Hoodie L,1,30,H1,L,4
23,variation,P1-U,Private U,1,5,P1,U,1
24,variation,T1-L,Tee L,1,12,T1,L,0
";

fn program(mapping: &str) -> (clerkmap::plan::Program, SourceFile) {
    let src = SourceFile::new("woo.cmap", mapping.to_string());
    let checked = check(
        &src,
        &CompileOptions {
            env: Some(Default::default()),
            ..Default::default()
        },
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    (checked.program, src)
}

/// Runs over `input`, giving the feed, the rejects (line and first reason) and the accounting.
fn run_with(
    input: Input,
    opts: RunOptions,
    format: OutputFormat,
) -> (Value, Vec<(u64, String)>, String) {
    run_mapping(MAPPING, input, opts, format)
}

/// [`run_with`] for another mapping.
fn run_mapping(
    mapping: &str,
    input: Input,
    opts: RunOptions,
    format: OutputFormat,
) -> (Value, Vec<(u64, String)>, String) {
    let (program, src) = program(mapping);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = FeedOutput {
        format,
        ..FeedOutput::new(tmp.path())
    };
    let opts = RunOptions {
        inputs: vec![input],
        ..opts
    };
    let report = run(&program, &src, &opts, &out).unwrap_or_else(|e| panic!("{e}"));
    let feed = match format {
        OutputFormat::Ndjson => Value::Array(
            read(&tmp.path().join("products.ndjson"))
                .lines()
                .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
                .collect(),
        ),
        _ => serde_json::from_str(&read(&tmp.path().join("products.json")))
            .unwrap_or_else(|e| panic!("{e}")),
    };
    let rejects = read(&tmp.path().join("rejects.ndjson"))
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"));
            let line = v["line"].as_u64().unwrap_or(0);
            (line, v["reasons"][0].as_str().unwrap_or("").to_string())
        })
        .collect();
    let e = &report.entities[0];
    let accounting = format!(
        "rows {:?} read {} = written {} + filtered {} + rejected {}",
        e.rows, e.read, e.written, e.filtered, e.rejected
    );
    // Nothing of the grouping is left behind.
    let state = tmp.path().join(".clerkmap");
    let left: Vec<String> = std::fs::read_dir(&state)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("clerkmap-group-"))
                .collect()
        })
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
    (feed, rejects, accounting)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn expected_feed() -> Value {
    let product = |id: &str, name: &str, price: Value, sizes: Value, stock: i64, variants: i64| {
        json!({
            "id": id, "name": name, "description": name, "price": price,
            "image": "https://x.test/i.jpg", "url": format!("https://x.test/{id}"),
            "categories": ["C"], "created_at": 0, "sizes": sizes, "stock": stock, "variants": variants,
        })
    };
    json!([
        product("T1", "Tee", json!(9.5), json!(["S", "M", "L"]), 3, 3),
        product("M1", "Mug", json!(7.5), json!([]), 3, 0),
        product("H1", "Hoodie", json!(30.0), json!(["L"]), 4, 1),
    ])
}

fn file_input(dir: &Path) -> Input {
    let p = dir.join("woo.csv");
    std::fs::write(&p, WOO).unwrap_or_else(|e| panic!("{e}"));
    Input::file("woo", p)
}

#[test]
fn variations_at_the_end_join_their_product_whatever_the_path() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let base = run_with(
        file_input(dir.path()),
        RunOptions::default(),
        OutputFormat::Json,
    );
    assert_eq!(base.0, expected_feed(), "{:#}", base.0);
    assert_eq!(base.1.len(), 2, "{:?}", base.1);
    assert_eq!(base.1[0].0, 5, "{:?}", base.1);
    assert!(base.1[0].1.contains("decimal"), "{:?}", base.1);
    assert_eq!(
        base.1[1],
        (
            6,
            // placed at the `group by`, as the key's own errors are
            "group key is null: every row needs one to be grouped; rows that belong to the row above them join its group with `group by ... fill down` (at woo.cmap:2:28)".into()
        )
    );
    // 11 rows; groups T1, M1, H1, BAD, P1 and the row without a key.
    assert_eq!(
        base.2,
        "rows Some(11) read 6 = written 3 + filtered 1 + rejected 2"
    );
    same_every_way(MAPPING, dir.path(), WOO, &base);
}

/// Runs `mapping` over `csv` (input `woo`) in small and large chunks, one and two threads,
/// spilling or not, from a file and from memory, to both feed formats: every way gives `base`.
fn same_every_way(
    mapping: &str,
    dir: &Path,
    csv: &str,
    base: &(Value, Vec<(u64, String)>, String),
) {
    let path = dir.join("woo.csv");
    std::fs::write(&path, csv).unwrap_or_else(|e| panic!("{e}"));
    let memory = Input::memory("woo", "woo.csv", csv.as_bytes().to_vec());
    for (chunk_size, jobs, group_memory) in
        [(1, 1, 1 << 20), (2, 2, 1 << 20), (3, 2, 1), (1000, 1, 300)]
    {
        let opts = RunOptions {
            chunk_size,
            jobs,
            group_memory,
            spill_dir: Some(dir.to_path_buf()),
            ..RunOptions::default()
        };
        for input in [Input::file("woo", path.clone()), memory.clone()] {
            for format in [OutputFormat::Json, OutputFormat::Ndjson] {
                let got = run_mapping(mapping, input.clone(), opts.clone(), format);
                assert_eq!(
                    &got, base,
                    "chunk {chunk_size}, jobs {jobs}, memory {group_memory}, {format:?}"
                );
            }
        }
    }
    let left: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("woo.csv")],
        "spill dirs removed"
    );
}

/// `fill down`: rows with no key of their own (a BigCommerce export's `SKU` rows after their
/// `Product` row) join the group of the row above; never a group they may not belong to.
#[test]
fn rows_without_a_key_join_the_group_above_whatever_the_path() {
    const FILLED: &str = r#"
products from woo group by ."Product ID" fill down where ."Item Type" == "Product" {
  id          = key
  name        = .Name
  description = .Name
  price       = min(rows[? ."Item Type" == "SKU"].Price | decimal) ?? (.Price | decimal)
  image       = "https://x.test/i.jpg"
  url         = "https://x.test/" ~ key
  categories  = ["C"]
  created_at  = 0
  skus        = rows[? ."Item Type" == "SKU"].SKU
}
"#;
    // Line 2 comes before any key. Line 7 cannot be read: it may have been a product (the SKU
    // row after it is rejected, not given to product 102) or a row of product 102 (which is
    // rejected rather than written without it). Product 105 starts again at line 14: its rows
    // are rejected, not merged (the sorter groups them).
    const BC: &str = "\
Item Type,Product ID,Name,SKU,Price
Rule,,,,[ADD]1
Product,101,Oxford,OXF,49.95
SKU,,Blue S,OXF-BL-S,49.95
SKU,,Blue M,OXF-BL-M,52.50
Product,102,Mug,MUG,7.5
Product,103
SKU,,Lost,LOST-1,5
Product,104,Cap,CAP,10
SKU,,Cap U,CAP-U,10
Product,105,Tee,TEE,5
SKU,,Tee S,TEE-S,5
Product,106,Sock,SOCK,2
Product,105,Tee again,TEE2,6
";
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("woo.csv");
    std::fs::write(&path, BC).unwrap_or_else(|e| panic!("{e}"));
    let base = run_mapping(
        FILLED,
        Input::file("woo", path),
        RunOptions::default(),
        OutputFormat::Json,
    );
    let product = |id: &str, name: &str, price: f64, skus: Value| {
        json!({
            "id": id, "name": name, "description": name, "price": price,
            "image": "https://x.test/i.jpg", "url": format!("https://x.test/{id}"),
            "categories": ["C"], "created_at": 0, "skus": skus,
        })
    };
    assert_eq!(
        base.0,
        json!([
            product("101", "Oxford", 49.95, json!(["OXF-BL-S", "OXF-BL-M"])),
            product("104", "Cap", 10.0, json!(["CAP-U"])),
            product("106", "Sock", 2.0, json!([])),
        ]),
        "{:#}",
        base.0
    );
    let at = " (at woo.cmap:2:28)";
    let expected = [
        (
            2,
            format!(
                "no group key, and no row above it has one to fill down: the first row must start a group{at}"
            ),
        ),
        (
            6,
            format!(
                "group key \"102\": line 7, after its rows, was rejected and may have been one of them: the group is rejected rather than written without it (mend line 7){at}"
            ),
        ),
        (7, "row has 2 fields but the header has 5".to_string()),
        (
            8,
            format!(
                "no group key to fill down: line 7 above it was rejected and no row since has a key, so the group it belongs to is not known (mend line 7){at}"
            ),
        ),
        (
            11,
            format!(
                "group key \"105\" starts again at line 14, after rows of other keys: with `fill down` a key's rows must follow one another (two first rows with the same key?), so none is written{at}"
            ),
        ),
    ];
    assert_eq!(base.1.len(), expected.len(), "{:?}", base.1);
    for ((line, reason), (want_line, want)) in base.1.iter().zip(&expected) {
        assert_eq!(line, want_line, "{:?}", base.1);
        assert!(reason.starts_with(want.as_str()), "{reason}\n{want}");
    }
    assert_eq!(
        base.2,
        "rows Some(13) read 8 = written 3 + filtered 0 + rejected 5"
    );
    same_every_way(FILLED, dir.path(), BC, &base);
}

/// A failure inside `map(rows, ...)` or a `[? ...]` filter over the group's rows names the row
/// that failed (its line: the record's first, past a quoted line break), not only the group's
/// first row, whether the rows streamed or went through the sorter.
#[test]
fn a_failure_on_one_of_a_groups_rows_names_its_line_whatever_the_path() {
    const ROWS: &str = r#"
products from woo group by .Parent ?? .SKU where .Type != "variation" {
  let variations = rows[? .Type == "variation"]
  id          = key
  name        = .Name
  description = .Name
  price       = min(map(variations, ."Regular price" | decimal)) ?? 1
  image       = "https://x.test/i.jpg"
  url         = "https://x.test/" ~ key
  categories  = ["C"]
  created_at  = 0
  stocked     = rows[? (.Stock | decimal) > 0].SKU
}
"#;
    // T1's variations come after the others (the sorter groups them); its second one has a
    // price that cannot be read (line 8); H1's variation a stock that cannot be (line 6, after
    // the Mug's two-line name).
    const CSV: &str = "\
ID,Type,SKU,Name,Published,Regular price,Parent,Attribute 1 value(s),Stock
10,variable,T1,Tee,1,,,,
11,simple,M1,\"Mug
big\",1,7.5,,,3
12,variable,H1,Hoodie,1,,,,
22,variation,H1-L,Hoodie L,1,30,H1,L,many
20,variation,T1-S,Tee S,1,10,T1,S,1
21,variation,T1-M,Tee M,1,nine,T1,M,2
";
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let path = dir.path().join("woo.csv");
    std::fs::write(&path, CSV).unwrap_or_else(|e| panic!("{e}"));
    let base = run_mapping(
        ROWS,
        Input::file("woo", path),
        RunOptions::default(),
        OutputFormat::Json,
    );
    assert_eq!(base.0.as_array().map(Vec::len), Some(1), "{:#}", base.0);
    let lines: Vec<_> = base.1.iter().map(|(l, r)| (*l, r.as_str())).collect();
    assert_eq!(
        lines,
        [
            (
                2,
                "`price`: line 8: decimal: cannot read \"nine\" as a number (expected 1.234,56 or 1234.56, optionally with a currency) (at woo.cmap:7:37)"
            ),
            (
                5,
                "`stocked`: line 6: decimal: cannot read \"many\" as a number (expected 1.234,56 or 1234.56, optionally with a currency) (at woo.cmap:12:24)"
            ),
        ],
    );
    same_every_way(ROWS, dir.path(), CSV, &base);
}

/// Streamed, a product read before its variations has no price and is rejected: too many such
/// rejects must not abort the run before the rows of the group are all known.
#[test]
fn rejects_of_groups_still_incomplete_do_not_abort_the_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // 200 products, then a variation of each.
    let mut csv = String::from(WOO.lines().next().unwrap_or_default());
    csv.push('\n');
    for i in 0..200 {
        csv.push_str(&format!("{i},variable,P{i},Product {i},1,,,,\n"));
    }
    for i in 0..200 {
        csv.push_str(&format!(
            "{},variation,P{i}-S,Product {i} S,1,5,P{i},S,1\n",
            1000 + i
        ));
    }
    let path = dir.path().join("woo.csv");
    std::fs::write(&path, csv).unwrap_or_else(|e| panic!("{e}"));
    let opts = RunOptions {
        chunk_size: 1,
        jobs: 1,
        max_rejects: Some(5),
        ..RunOptions::default()
    };
    let (feed, rejects, accounting) = run_with(Input::file("woo", path), opts, OutputFormat::Json);
    assert_eq!(feed.as_array().map(Vec::len), Some(200));
    assert_eq!(feed[0]["sizes"], json!(["S"]));
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(
        accounting,
        "rows Some(400) read 200 = written 200 + filtered 0 + rejected 0"
    );
}

#[test]
fn a_pipe_is_grouped_through_the_sorter() {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = dir.path().join("woo.cmap");
    std::fs::write(&mapping, MAPPING).unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let mut child = support_clerk::command(&[
        "run",
        &mapping.display().to_string(),
        "--input",
        "woo=-",
        "--input-format",
        "woo=csv",
        "--out",
        &out.display().to_string(),
    ])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(WOO.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let feed: Value =
        serde_json::from_str(&read(&out.join("products.json"))).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(feed, expected_feed());
}

/// `group by each`: a row joins the group of each of its keys; `key` is the group's key; a row
/// with no key joins none and is counted apart; duplicate keys of one row count once.
#[test]
fn group_by_each_makes_a_record_of_every_key_and_counts_rows_in_no_group() {
    let mapping = r#"
categories from products group by each .cats {
  id            = key | slug
  name          = key
  url           = "https://x.test/c/" ~ (key | slug)
  subcategories = []
  products      = rows[*].sku
}
"#;
    let src = SourceFile::new("each.cmap", mapping.to_string());
    let checked = check(
        &src,
        &CompileOptions {
            env: Some(Default::default()),
            ..Default::default()
        },
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let ndjson = [
        r#"{"sku": "a", "cats": ["Tops", "Sale", "Tops"]}"#,
        r#"{"sku": "b", "cats": []}"#,
        r#"{"sku": "c", "cats": "Home"}"#,
        r#"{"sku": "d", "cats": [{"x": 1}]}"#,
        r#"{"sku": "e", "cats": null}"#,
        r#"{"sku": "f", "cats": ["Sale", null, ""]}"#,
    ]
    .join("\n");
    for group_memory in [1 << 20, 1] {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let opts = RunOptions {
            inputs: vec![Input::memory(
                "products",
                "products.ndjson",
                ndjson.clone().into_bytes(),
            )],
            group_memory,
            chunk_size: 2,
            ..RunOptions::default()
        };
        let report = run(&checked.program, &src, &opts, &FeedOutput::new(tmp.path()))
            .unwrap_or_else(|e| panic!("{e}"));
        let feed: Value = serde_json::from_str(&read(&tmp.path().join("categories.json")))
            .unwrap_or_else(|e| panic!("{e}"));
        let got: Vec<(String, Value)> = feed
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                (
                    c["name"].as_str().unwrap_or("").to_string(),
                    c["products"].clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("Tops".to_string(), json!(["a"])),
                ("Sale".to_string(), json!(["a", "f"])),
                ("Home".to_string(), json!(["c"])),
            ]
        );
        let rejects = read(&tmp.path().join("rejects.ndjson"));
        assert!(
            rejects.contains(r#""line":4"#) && rejects.contains("needs a list of keys"),
            "{rejects}"
        );
        let e = &report.entities[0];
        assert_eq!((e.rows, e.rows_in_no_group), (Some(6), Some(2)));
        assert_eq!((e.read, e.written, e.rejected), (4, 3, 1));
        assert!(
            report
                .to_string()
                .contains("categories: read 4 (6 rows, 2 in no group) = written 3"),
            "{report}"
        );
    }
}

/// A table whose key looks up another table needs that table's input too; the message says
/// through which table.
#[test]
fn a_table_used_by_another_tables_key_needs_its_input() {
    let dir = support_clerk::root().join("tests/cases/lookup_chain");
    let mapping = read(&dir.join("mapping.cmap"));
    let src = SourceFile::new("mapping.cmap", mapping);
    let checked = check(
        &src,
        &CompileOptions {
            env: Some(Default::default()),
            ..Default::default()
        },
    )
    .unwrap_or_else(|d| panic!("{d:?}"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let opts = RunOptions {
        inputs: vec![
            Input::file("articoli", dir.join("articoli.ndjson")),
            Input::file("categorie", dir.join("categorie.csv")),
        ],
        ..RunOptions::default()
    };
    let e = run(&checked.program, &src, &opts, &FeedOutput::new(tmp.path()))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert_eq!(
        e,
        "the `products` block looks up table `rinomina` (through the key of table `categorie`), but no input `rinomina` is given"
    );
}

/// A sink of the library's users that cannot start a block over gets its groups through the
/// sorter: the same records.
#[test]
fn a_sink_that_cannot_roll_back_gets_the_same_groups() {
    use clerkmap::clerk::Entity;
    use clerkmap::engine::output::OutputError;
    use clerkmap::engine::{Memory, Reject, Sink, Written, run_into};

    struct Plain(Memory);
    impl Sink for Plain {
        fn wants_values(&self) -> bool {
            true
        }
        fn begin(&mut self, e: Entity) -> Result<(), OutputError> {
            self.0.begin(e)
        }
        fn record(&mut self, e: Entity, r: Written<'_>) -> Result<(), OutputError> {
            self.0.record(e, r)
        }
        fn reject(&mut self, r: Reject) -> Result<(), OutputError> {
            self.0.reject(r)
        }
        fn end(&mut self, e: Entity) -> Result<(), OutputError> {
            self.0.end(e)
        }
    }
    let (program, src) = program(MAPPING);
    let opts = RunOptions {
        inputs: vec![Input::memory("woo", "woo.csv", WOO.as_bytes().to_vec())],
        chunk_size: 1,
        ..RunOptions::default()
    };
    let mut sink = Plain(Memory::default());
    run_into(&program, &src, &opts, &mut sink).unwrap_or_else(|e| panic!("{e}"));
    let records = sink.0.records(Entity::Products).map(<[Value]>::to_vec);
    assert_eq!(records.map(Value::Array), Some(expected_feed()));
    assert_eq!(sink.0.rejects.len(), 2);
}

/// A block whose keys were not consecutive goes to the sorter at once in the next run into the
/// same output directory (one pass, not a stream started over), with the same feed; once the
/// keys are consecutive again, streaming comes back.
#[test]
fn the_next_run_remembers_keys_that_were_not_consecutive() {
    let (program, src) = program(MAPPING);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out_dir = dir.path().join("out");
    let out = FeedOutput::new(&out_dir);
    let opts = RunOptions {
        inputs: vec![file_input(dir.path())],
        ..RunOptions::default()
    };
    // Two runs: each one's (keys_consecutive, passes), the feed checked.
    let twice = || {
        [(); 2].map(|()| {
            let report = run(&program, &src, &opts, &out).unwrap_or_else(|e| panic!("{e}"));
            let e = &report.entities[0];
            let feed: Value = serde_json::from_str(&read(&out_dir.join("products.json")))
                .unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(feed, expected_feed());
            (e.keys_consecutive, e.passes)
        })
    };
    assert_eq!(twice(), [(Some(false), Some(2)), (Some(false), Some(1))]);
    // The same products, each followed by its variations: consecutive keys.
    let sorted = "\
ID,Type,SKU,Name,Published,Regular price,Parent,Attribute 1 value(s),Stock
10,variable,T1,Tee,1,,,,
20,variation,T1-S,Tee S,1,10,T1,S,1
21,variation,T1-M,Tee M,1,9.5,T1,M,2
24,variation,T1-L,Tee L,1,12,T1,L,0
11,simple,M1,Mug,1,7.5,,,3
12,variable,H1,Hoodie,1,,,,
22,variation,H1-L,Hoodie L,1,30,H1,L,4
";
    std::fs::write(dir.path().join("woo.csv"), sorted).unwrap_or_else(|e| panic!("{e}"));
    // Sorted at once (as the last run said), found consecutive; then streamed.
    assert_eq!(twice(), [(Some(true), Some(1)), (Some(true), Some(1))]);
    // An in-memory run (`test`) has no output directory: nothing remembered.
    let memory = Input::memory("woo", "woo.csv", WOO.as_bytes().to_vec());
    let (_, _, accounting) = run_with(memory, RunOptions::default(), OutputFormat::Json);
    assert!(accounting.starts_with("rows Some(11)"), "{accounting}");
}
