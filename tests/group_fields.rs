//! A grouped block's rows keep only the fields the block reads (`BlockPlan::row_fields`), when
//! every read of a row is a field the mapping names; a row used whole keeps every field. The
//! output is the same either way (the shipped mappings' cases and tests/shops.rs run with it).

use clerkmap::check::{CompileOptions, check};
use clerkmap::diagnostic::SourceFile;

/// The row fields of the (only) block of `src`, which must check.
fn fields(src: &str) -> Option<Vec<String>> {
    let file = SourceFile::new("t.cmap", src.to_string());
    let checked = check(&file, &CompileOptions::default()).unwrap_or_else(|d| panic!("{d:?}"));
    checked.program.blocks[0].row_fields.clone()
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
    assert_eq!(fields(&src), Some(expected.map(String::from).to_vec()));
}

#[test]
fn a_row_used_whole_keeps_every_field() {
    for stmt in [
        "let p = first(rows[? .T != null])",
        "x = len(rows[*])",
        "... omit(., [\"a\"])",
        "x = .[\"a\" ~ key]",
        "x = map(rows, .)",
        "x = rows",
        "x = keys(.)",
    ] {
        let src = format!(
            "categories from e group by .k {{\n  id = key  name = \"n\"  {REQUIRED}\n  {stmt}\n}}"
        );
        assert_eq!(fields(&src), None, "{stmt}");
    }
}

#[test]
fn below_a_field_anything_goes() {
    let src = format!(
        "categories from e group by .k {{\n  id = key  name = \"n\"  {REQUIRED}\n  \
         x = .varianti[? .t == 1][*].u\n  y = map(.righe, .)\n}}"
    );
    let expected = ["k", "righe", "varianti"];
    assert_eq!(fields(&src), Some(expected.map(String::from).to_vec()));
}

#[test]
fn the_shipped_categories_blocks_read_one_column() {
    for (mapping, column) in [
        ("woocommerce.cmap", "Categories"),
        ("shopify.cmap", "Product Category"),
    ] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("mappings")
            .join(mapping);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let file = SourceFile::new(mapping, text);
        let checked = check(&file, &CompileOptions::default()).unwrap_or_else(|d| panic!("{d:?}"));
        let categories = checked
            .program
            .blocks
            .iter()
            .find(|b| b.entity.name() == "categories")
            .unwrap_or_else(|| panic!("{mapping}: no categories block"));
        assert_eq!(
            categories.row_fields,
            Some(vec![column.to_string()]),
            "{mapping}"
        );
    }
}
