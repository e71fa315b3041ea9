//! The fields of their rows a mapping reads from a grouped block's input and from its lookup
//! tables (`BlockPlan::row_fields`, `TablePlan::row_fields`): a run keeps only those. Rows are
//! followed through `let`s, functions, lists and lookups; a row used whole keeps every field.
//! The output is the same either way (the shipped mappings' cases and tests/shops.rs run with
//! it).

use clerkmap::check::{CompileOptions, check};
use clerkmap::diagnostic::SourceFile;
use clerkmap::plan::Program;

fn program(src: &str) -> Program {
    let file = SourceFile::new("t.cmap", src.to_string());
    check(&file, &CompileOptions::default())
        .unwrap_or_else(|d| panic!("{d:?}"))
        .program
}

/// The row fields of the (only) block of `src`, which must check.
fn fields(src: &str) -> Option<Vec<String>> {
    program(src).blocks[0].row_fields.clone()
}

fn strings(v: &[&str]) -> Option<Vec<String>> {
    Some(v.iter().map(|s| s.to_string()).collect())
}

const REQUIRED: &str = "url = \"https://x.test/\" ~ key  subcategories = []";

#[test]
fn literal_fields_of_rows_are_read() {
    let src = format!(
        "categories from e group by each split(.Categories, \",\") where .\"Is ok\" == \"1\" {{\n  \
         id = key  name = first(rows[*].Name)  {REQUIRED}\n  n = len(rows[? .Type != \"x\"])\n  \
         subs = map(rows, .Sub)\n  c = rows[? .K == 1].V\n  f = rows[0][\"F\"]\n}}"
    );
    let expected = ["Categories", "F", "Is ok", "K", "Name", "Sub", "Type", "V"];
    assert_eq!(fields(&src), strings(&expected));
}

#[test]
fn rows_through_named_elements_are_followed() {
    let src = format!(
        "categories from e group by .k {{\n  id = key  name = \"n\"  {REQUIRED}\n  \
         a = map(rows, r => r.A ~ .B)\n  c = rows[? r => r.C == .D].E\n  \
         f = map(rows, r => map(rows, s => r.F ~ s.G))\n}}"
    );
    assert_eq!(
        fields(&src),
        strings(&["A", "B", "C", "D", "E", "F", "G", "k"])
    );
    let src = format!(
        "categories from e group by .k {{\n  id = key  name = \"n\"  {REQUIRED}\n  x = map(rows, r => r)\n}}"
    );
    assert_eq!(fields(&src), None);
}

#[test]
fn a_row_used_whole_keeps_every_field() {
    for stmt in [
        "x = first(rows[? .T != null])",
        "let p = first(rows)  x = string(p)",
        "x = len(rows[0])",
        "... omit(., [\"a\"])",
        "x = .[\"a\" ~ key]",
        "x = map(rows, .)",
        "x = rows",
        "x = keys(.)",
        "x = rows[0] == rows[1]",
    ] {
        let src = format!(
            "categories from e group by .k {{\n  id = key  name = \"n\"  {REQUIRED}\n  {stmt}\n}}"
        );
        assert_eq!(fields(&src), None, "{stmt}");
    }
}

#[test]
fn rows_are_followed_through_lets_functions_and_lookups() {
    let src = format!(
        "fn price(r) = r.Price | decimal\nfn key_of(r) = r.SKU ?? r.ID\n\
         lookup t by if .Type == \"simple\" {{ key_of(.) }}\n\
         categories from e group by key_of(.) {{\n  id = key  name = \"n\"  {REQUIRED}\n  \
         let p = first(rows[? .Type != \"variation\"]) ?? error(\"none\")\n  \
         let offers = nonempty(rows[? .Type == \"variation\"]) ?? lookup_all(t, p.Members) ?? [p]\n  \
         price = min(map(offers, price(.)))\n  n = len(offers[? .Stock != null])\n}}"
    );
    let p = program(&src);
    assert_eq!(
        p.blocks[0].row_fields,
        strings(&["ID", "Members", "Price", "SKU", "Stock", "Type"])
    );
    assert_eq!(
        p.tables[0].row_fields,
        strings(&["ID", "Price", "SKU", "Stock", "Type"])
    );
}

#[test]
fn a_lookup_that_may_give_one_row_is_not_mapped_over() {
    // `map` over a single row would show it in its error: the table keeps whole rows.
    let src = format!(
        "lookup t by .k\ncategories from e group by .k {{\n  id = key  name = \"n\"  {REQUIRED}\n  \
         x = map(lookup(t, .m), .p)\n  y = lookup(t, \"a\").q\n}}"
    );
    let p = program(&src);
    assert_eq!(p.tables[0].row_fields, None);
    assert_eq!(p.blocks[0].row_fields, strings(&["k", "m"]));
}

#[test]
fn below_a_field_anything_goes() {
    let src = format!(
        "categories from e group by .k {{\n  id = key  name = \"n\"  {REQUIRED}\n  \
         x = .varianti[? .t == 1][*].u\n  y = map(.righe, .)\n}}"
    );
    assert_eq!(fields(&src), strings(&["k", "righe", "varianti"]));
}

#[test]
fn the_shipped_grouped_blocks_and_tables_read_only_some_columns() {
    for (mapping, column) in [
        ("woocommerce.cmap", "Categories"),
        ("shopify.cmap", "Product Category"),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("mappings")
            .join(mapping);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let p = program(&text);
        let block = |name: &str| {
            p.blocks
                .iter()
                .find(|b| b.entity.name() == name)
                .unwrap_or_else(|| panic!("{mapping}: no {name} block"))
        };
        assert_eq!(
            block("categories").row_fields,
            strings(&[column]),
            "{mapping}"
        );
        // The products block reads many columns, but never a whole row.
        let products = block("products").row_fields.clone().unwrap_or_default();
        assert!(products.len() > 10, "{mapping}: {products:?}");
    }
    // The WooCommerce table of grouped products' members: only what prices them.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("mappings/woocommerce.cmap"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let expected = [
        "Date sale price ends",
        "Date sale price starts",
        "ID",
        "In stock?",
        "Parent",
        "Regular price",
        "SKU",
        "Sale price",
        "Type",
    ];
    assert_eq!(program(&text).tables[0].row_fields, strings(&expected));
}
