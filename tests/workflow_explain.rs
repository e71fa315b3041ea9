//! `clerkmap explain`: one record, attribute by attribute, on the shipped sample.

mod support;

use support::{clerkmap, root, text};

#[test]
fn a_written_product_shows_every_attribute_its_expression_and_inputs() {
    let o = clerkmap(&[
        "explain",
        "--input",
        "articoli=mappings/sample/articoli.ndjson",
        "--input",
        "categorie=mappings/sample/categorie.csv",
        "--id",
        "GON000002",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    for want in [
        "product \"GON000002\": from `articoli`, mappings/sample/articoli.ndjson line 2",
        "result: written",
        "  price = min(.varianti[*].prezzo | decimal) ?? (.prezzo | decimal)",
        "      reads .varianti[*].prezzo = [",
        "  on_sale = price < list_price",
        "      uses  price = ",
        "the Clerk record:",
    ] {
        assert!(out.contains(want), "`{want}` missing:\n{out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn a_filtered_order_says_which_where() {
    let o = clerkmap(&[
        "explain",
        "--input",
        "ordini=mappings/sample/ordini.ndjson",
        "--id",
        "W2019-000007",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("result: filtered out: `where contains([\"Memorizzato\", \"Sospeso\", \"Evaso\"], .stato)`"),
        "{out}"
    );
    assert!(
        out.contains("reads .stato = \"Pagamento non confermato\""),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn a_rejected_group_says_why_and_shows_its_rows() {
    let o = clerkmap(&[
        "explain",
        "mappings/passweb-csv.cmap",
        "--input",
        "articoli=mappings/tests/passweb-csv/articoli.csv",
        "--input",
        "categorie=mappings/sample/categorie.csv",
        "--line",
        "6",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("(a group of 2 rows)"), "{out}");
    assert!(out.contains("result: rejected:\n  - `name`: single: conflicting values \"Gonna a ruota\" and \"Gonna plissé\""), "{out}");
    assert!(
        out.contains("reads rows[*].titolo = [\"Gonna a ruota\",\"Gonna plissé\"]"),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn a_row_whose_group_key_failed_shows_the_keys_error() {
    let o = clerkmap(&[
        "explain",
        "tests/cases/group_key_error/mapping.cmap",
        "--input",
        "articoli=tests/cases/group_key_error/articoli.ndjson",
        "--line",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    // in no group, and the key's error where the key is shown (it said `= null`, and that
    // its paths read null, of a row it does not keep)
    assert!(
        out.starts_with(
            "product: from `articoli`, tests/cases/group_key_error/articoli.ndjson line 3\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("  group by .modello | int\n      at tests/cases/group_key_error/mapping.cmap:5:33\n      = error: group key: int: cannot read \"uno\""),
        "{out}"
    );
    assert!(!out.contains("reads .modello"), "{out}");
}

/// A line that holds no record says where the records are: the header, past the end.
#[test]
fn a_line_without_a_record_says_where_the_records_are() {
    let explain = |line: &str| {
        let o = clerkmap(&[
            "explain",
            "tests/cases/fill_down/mapping.cmap",
            "--input",
            "ordini=tests/cases/fill_down/ordini.csv",
            "--line",
            line,
        ]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o.stdout));
        text(&o.stderr)
    };
    let header = explain("1");
    assert!(
        header.contains("line 1 comes before the first order record, at line 2 (a CSV's first line is its header)"),
        "{header}"
    );
    let past = explain("99");
    assert!(
        past.contains("line 99 is past the last order record, at line 15"),
        "{past}"
    );
}

/// A group rejected before mapping (`fill down`: its key starts again) is found by its key.
#[test]
fn a_group_rejected_before_mapping_is_explained_by_its_key() {
    let o = clerkmap(&[
        "explain",
        "tests/cases/fill_down/mapping.cmap",
        "--input",
        "ordini=tests/cases/fill_down/ordini.csv",
        "--id",
        "1002",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.starts_with("order: from `ordini`, tests/cases/fill_down/ordini.csv line 6\nresult: rejected:\n  - group key \"1002\" starts again at line 9"),
        "{out}"
    );
}

#[test]
fn an_unknown_id_says_what_ids_look_like() {
    let o = clerkmap(&[
        "explain",
        "--input",
        "articoli=mappings/sample/articoli.ndjson",
        "--input",
        "categorie=mappings/sample/categorie.csv",
        "--id",
        "NOPE",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("no product has id `NOPE` (40 records read; ids look like \"GON000001\""),
        "{err}"
    );
    // the categories' input is given too: their block is named
    assert!(
        err.ends_with("; to look among other records, add `--entity categories`\n"),
        "{err}"
    );
    let o = clerkmap(&[
        "explain",
        "--input",
        "articoli=mappings/sample/articoli.ndjson",
        "--id",
        "X",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("looks up table `categorie`: give it with --input categorie=PATH")
    );
    let o = clerkmap(&[
        "explain",
        "--input",
        "ordini=mappings/sample/ordini.ndjson",
        "--id",
        "X",
        "--entity",
        "product",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("is not a Clerk type"));
}

#[test]
fn a_project_file_gives_the_mapping_inputs_and_vars() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = root().join("mappings/sample");
    let yaml = format!(
        "inputs:\n  articoli: {s}/articoli.ndjson\n  categorie: {s}/categorie.csv\nout: out\nvars:\n  site_url: https://www.negozio.test\n",
        s = s.display()
    );
    let cfg = dir.path().join("clerkmap.yaml");
    std::fs::write(&cfg, yaml).unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&[
        "explain",
        "-c",
        &cfg.display().to_string(),
        "--id",
        "GON000002",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("result: written"), "{out}");
    assert!(
        out.contains("\"https://www.negozio.test/"),
        "the project's vars apply:\n{out}"
    );
}

/// explain groups rows with the run's own code: rows of a key that come back later join its
/// group in both, and the group is the one the run wrote.
#[test]
fn a_group_whose_rows_are_not_consecutive_is_one_record_in_run_and_explain() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = dir.path().join("m.cmap");
    std::fs::write(
        &mapping,
        "products from righe group by .codice {\n  id = .codice\n  name = .nome\n  description = .nome\n  price = 1\n  image = \"https://x.it/a.jpg\"\n  url = \"https://x.it/a\"\n  categories = []\n  created_at = 0\n  sizes = rows[*].taglia\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("righe.csv");
    std::fs::write(
        &csv,
        "codice;nome;taglia\nA;Felpa;S\nA;Felpa;M\nB;Gonna;S\nA;Felpa;L\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (m, input) = (
        mapping.display().to_string(),
        format!("righe={}", csv.display()),
    );
    let out = dir.path().join("out");
    let o = clerkmap(&[
        "run",
        &m,
        "--input",
        &input,
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let rejects = std::fs::read_to_string(out.join("rejects.ndjson")).unwrap_or_default();
    assert_eq!(rejects, "", "nothing rejected");
    let feed = std::fs::read_to_string(out.join("products.json")).unwrap_or_default();
    let feed: clerkmap::value::Value = serde_json::from_str(&feed).unwrap_or_default();
    assert_eq!(feed[0]["id"], "A", "{feed}");
    assert_eq!(feed[0]["sizes"], clerkmap::json!(["S", "M", "L"]), "{feed}");
    assert_eq!(feed[1]["id"], "B", "{feed}");

    // `A`'s group starts at line 2 and holds line 5.
    for pick in [["--line", "2"], ["--id", "A"]] {
        let o = clerkmap(&["explain", &m, "--input", &input, pick[0], pick[1]]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        let shown = text(&o.stdout);
        assert!(shown.contains("line 2 (a group of 3 rows)"), "{shown}");
        assert!(shown.contains("result: written"), "{shown}");
    }
}

/// `clerkmap explain E003`: the code's title and explanation, as `check` numbers them.
#[test]
fn a_diagnostic_code_is_explained() {
    let o = clerkmap(&["explain", "E003"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "E003: unknown function\n\nNo built-in function has this name. The hint suggests the closest one; docs/language.md lists them all.\n"
    );
    let o = clerkmap(&["explain", "w001"]);
    assert!(
        text(&o.stdout).starts_with("W001: variable not used"),
        "{}",
        text(&o.stdout)
    );
}

/// Only the paths the evaluation read are listed: not those of an `else` that did not run,
/// nor the right side of a `??` whose left side had a value.
#[test]
fn reads_are_those_of_the_branches_that_ran() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = dir.path().join("m.cmap");
    std::fs::write(
        &mapping,
        "products from a {\n  id = .id\n  name = if .n != null { .n } else { .fallback }\n  description = .d ?? .other\n  price = 1\n  image = \"https://x.it/a.jpg\"\n  url = \"https://x.it/a\"\n  categories = []\n  created_at = 0\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("a.ndjson");
    std::fs::write(
        &input,
        "{\"id\":\"1\",\"n\":\"x\",\"fallback\":\"F\",\"d\":\"D\",\"other\":\"O\"}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&[
        "explain",
        &mapping.display().to_string(),
        "--input",
        &format!("a={}", input.display()),
        "--id",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("reads .n = \"x\""), "{out}");
    assert!(out.contains("reads .d = \"D\""), "{out}");
    assert!(
        !out.contains(".fallback ="),
        "an else that did not run:\n{out}"
    );
    assert!(
        !out.contains(".other ="),
        "a ?? whose left side had a value:\n{out}"
    );
}

#[test]
fn a_group_by_each_is_shown_as_written() {
    let o = clerkmap(&[
        "explain",
        "mappings/shopify.cmap",
        "--input",
        "export=mappings/examples/shopify/products_export.csv",
        "--entity",
        "categories",
        "--line",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("\n  group by each map(path_levels("), "{out}");
}

#[test]
fn a_line_inside_a_group_explains_the_group() {
    let explain = |entity: &str| {
        clerkmap(&[
            "explain",
            "mappings/shopify.cmap",
            "--input",
            "export=mappings/examples/shopify/products_export.csv",
            "--entity",
            entity,
            "--line",
            "7",
        ])
    };
    // line 7 is a variant row of classic-tee, whose group starts at line 2: it is explained
    let o = explain("products");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let first = text(&o.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        first.starts_with("product \"classic-tee\": from `export`, ")
            && first.ends_with("products_export.csv line 2 (a group of 6 rows, line 7 among them)"),
        "{first}"
    );
    // and it has no category: it joins no category group
    let o = explain("categories");
    assert!(
        text(&o.stderr)
            .contains("line 7 joins no category group (its `group by each` gives no key)"),
        "{}",
        text(&o.stderr)
    );
}

/// A name a later step uses shows its value, or the error of the `let` that failed (it showed
/// `null`), and the group's `key`; a `let` compared inside a filter is shown too (a Wix trial).
#[test]
fn uses_show_a_failed_let_as_its_error_and_the_groups_key() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = dir.path().join("m.cmap");
    std::fs::write(
        &mapping,
        r#"products from export group by .handle {
  let kind = "Product"
  let p = first(rows[? .type == kind]) ?? error("no Product row")
  id          = key
  name        = p.name
  description = "d"
  price       = 1
  image       = "https://x.test/i.jpg"
  url         = "https://x.test/p"
  categories  = []
  created_at  = 0
}
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let csv = dir.path().join("e.csv");
    std::fs::write(&csv, "handle,type,name\nh1,Variant,\n").unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&[
        "explain",
        &mapping.to_string_lossy(),
        "--input",
        &format!("export={}", csv.display()),
        "--line",
        "2",
    ]);
    let out = text(&o.stdout);
    for want in [
        "      uses  kind = \"Product\"",
        "      uses  key = \"h1\"",
        "      uses  p = error: no Product row",
    ] {
        assert!(
            out.contains(want),
            "`{want}` missing:\n{out}\n{}",
            text(&o.stderr)
        );
    }
}
