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
