//! `clerkmap eval` and `clerkmap repl` on the shipped sample: the value and its type, the
//! trace, errors pointing into the expression, a record piped in, a mapping's names in scope,
//! and a repl session piped through standard input (its transcript).

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use support::{clerkmap, root, text};

/// Runs the binary with `input` on its standard input.
fn with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

/// What a command did, for a snapshot: its exit code, stdout, stderr.
fn transcript(o: &Output) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        o.status.code().unwrap_or(-1),
        text(&o.stdout),
        text(&o.stderr)
    )
}

const ARTICOLI: &str = "articoli=mappings/sample/articoli.ndjson";
const CATEGORIE: &str = "categorie=mappings/sample/categorie.csv";

#[test]
fn the_value_and_its_type() {
    let o = clerkmap(&[
        "eval",
        ".titolo | trim",
        "--input",
        ARTICOLI,
        "--id",
        "GON000002",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).ends_with("type: string (checked: string or list or null)\n"));
    insta::assert_snapshot!(transcript(&o));
}

#[test]
fn the_trace_shows_each_step_in_evaluation_order() {
    let o = clerkmap(&[
        "eval",
        "min(.varianti[*].prezzo | decimal) ?? (.prezzo | decimal)",
        "--input",
        ARTICOLI,
        "--record",
        "3",
        "--trace",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    insta::assert_snapshot!(transcript(&o));
}

#[test]
fn errors_point_into_the_expression() {
    let o = clerkmap(&["eval", ".prezzo | decmal", "--input", ARTICOLI]);
    assert_eq!(o.status.code(), Some(2));
    let checked = transcript(&o);
    assert!(checked.contains("error[E003]"), "{checked}");
    let o = clerkmap(&[
        "eval",
        "(.titolo | decimal) * 2",
        "--input",
        ARTICOLI,
        "--trace",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let failed = transcript(&o);
    assert!(failed.contains("failed: decimal: cannot read"), "{failed}");
    insta::assert_snapshot!(format!("{checked}\n{failed}"));
}

#[test]
fn a_record_piped_on_standard_input() {
    let record = r#"{"prezzo": "12,50", "taglie": ["S", "M"]}"#;
    let o = with_stdin(
        &["eval", "(.prezzo | decimal) * len(.taglie)", "--trace"],
        record,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let piped = transcript(&o);
    let ndjson = "{\"id\": \"a\", \"n\": 1}\n{\"id\": \"b\", \"n\": 2}\n";
    let o = with_stdin(&["eval", ".n + 1", "--input", "-", "--id", "b"], ndjson);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("3\n"));
    insta::assert_snapshot!(format!("{piped}\n{}", transcript(&o)));
}

#[test]
fn a_json_file_of_one_record_is_that_record() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let one = dir.path().join("record.json");
    std::fs::write(
        &one,
        "\n  {\"prezzo\": \"12,50\", \"taglie\": [\"S\", \"M\"]}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let arg = format!("r={}", one.display());
    let o = clerkmap(&[
        "eval",
        "(.prezzo | decimal) * len(.taglie)",
        "--input",
        &arg,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("25.0\n"), "{}", text(&o.stdout));
    // Two objects back to back are not one record, nor an array of them: refused as before.
    let two = dir.path().join("two.json");
    std::fs::write(&two, "{\"n\": 1}\n{\"n\": 2}\n").unwrap_or_else(|e| panic!("{e}"));
    let arg = format!("r={}", two.display());
    let o = clerkmap(&["eval", ".n", "--input", &arg]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        text(&o.stderr).contains("must hold an array of records"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_mappings_lets_fns_lookups_and_vars_are_in_scope() {
    let o = clerkmap(&[
        "eval",
        "site ~ \" \" ~ join(ancestors(categorie, .categoriaMerceologica), \" > \")",
        "--mapping",
        "mappings/passweb.cmap",
        "--var",
        "site_url=https://www.example.it",
        "--input",
        ARTICOLI,
        "--input",
        CATEGORIE,
        "--id",
        "BOR000003",
        "--trace",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let lookup = transcript(&o);
    assert!(
        lookup.contains("\"https://www.example.it ACC.BOR > ACC\""),
        "{lookup}"
    );
    let o = clerkmap(&[
        "eval",
        "category_id(\"Donna > Gonne\")",
        "--mapping",
        "mappings/shopify.cmap",
    ]);
    let function = transcript(&o);
    assert_eq!(o.status.code(), Some(0), "{function}");
    // A var the mapping does not read is the expression's.
    let o = clerkmap(&[
        "eval",
        "var(\"n\", 1) + 1",
        "--mapping",
        "mappings/passweb.cmap",
        "--var",
        "n=41",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "42\ntype: int\n");
    // Without the mapping, neither is known.
    let o = clerkmap(&["eval", "site", "--input", ARTICOLI]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("E004"), "{}", text(&o.stderr));
    insta::assert_snapshot!(format!("{lookup}\n{function}"));
}

#[test]
fn a_groups_key_and_rows_are_in_scope() {
    let o = clerkmap(&[
        "eval",
        "key ~ \" has \" ~ len(rows) ~ \" rows\"",
        "--mapping",
        "mappings/woocommerce.cmap",
        "--input",
        "export=mappings/examples/woocommerce/wc-product-export.csv",
        "--record",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "\"woo-vneck-tee has 4 rows\"\ntype: string (checked: string or null)\n"
    );
    // Not a group: no `key`.
    let o = clerkmap(&["eval", "key", "--input", ARTICOLI]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("unknown name `key`"));
}

#[test]
fn now_is_the_commands_time() {
    let o = clerkmap(&["eval", "now()", "--now", "2025-06-01T12:00:00Z"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("1748779200\ntype: int"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn no_such_record_says_what_there_is() {
    let o = clerkmap(&["eval", ".codice", "--input", ARTICOLI, "--id", "NOPE"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("no record has id `NOPE` (40 read; ids look like GON000001"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_repl_session_piped_through_standard_input() {
    let script = "\
.titolo | trim
:record GON000002
:type .prezzo | decimal
:load mappings/passweb.cmap
lookup(categorie, .categoriaMerceologica).nome
:input categorie=mappings/sample/categorie.csv
lookup(categorie, .categoriaMerceologica).nome
:vars
ancestors(categorie, .categoriaMerceologica)
:trace site ~ .url
.prezzo | decmal
(.titolo | decimal) + 1
:record #40
:record NOPE
:help
:quit
.never_evaluated
";
    let o = with_stdin(&["repl", "--input", ARTICOLI], script);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = transcript(&o);
    assert!(!out.contains("never_evaluated"), "{out}");
    insta::assert_snapshot!(out);
}

/// Writes `files` (name, content) into a fresh directory.
fn files(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

#[test]
fn a_table_from_another_input_is_loaded_from_that_input() {
    // `lookup t from tbl`: the rows of `t` are those of the input `tbl`, as `run` reads them.
    let dir = files(&[
        (
            "from.cmap",
            "lookup t from tbl by .k\ncustomers from p { id = .id  name = lookup(t, .k).name }\n",
        ),
        ("p.ndjson", "{\"id\":\"c1\",\"k\":\"x\"}\n"),
        ("tbl.ndjson", "{\"k\":\"x\",\"name\":\"X\"}\n"),
    ]);
    let path = |name: &str| dir.path().join(name).display().to_string();
    let (mapping, p, tbl) = (
        path("from.cmap"),
        format!("p={}", path("p.ndjson")),
        format!("tbl={}", path("tbl.ndjson")),
    );
    let with_tbl = ["--mapping", &mapping, "--input", &p, "--input", &tbl];
    for pick in [&[][..], &["--id", "c1"][..]] {
        let o = clerkmap(&[&["eval", "lookup(t, .k).name"][..], &with_tbl, pick].concat());
        assert_eq!(o.status.code(), Some(0), "{pick:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stdout).starts_with("\"X\"\n"),
            "{}",
            text(&o.stdout)
        );
        assert!(!text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
    }
    // A record of the table's input is picked by the table's key.
    let o = clerkmap(
        &[
            &["eval", ".name"][..],
            &with_tbl,
            &["--from", "tbl", "--id", "x"],
        ]
        .concat(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("\"X\"\n"),
        "{}",
        text(&o.stdout)
    );
    assert!(text(&o.stderr).contains("(id x)"), "{}", text(&o.stderr));
    // Without `tbl`, the warning and the error name the input to give.
    let o = clerkmap(&[
        "eval",
        "lookup(t, .k)",
        "--mapping",
        &mapping,
        "--input",
        &p,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(
            "warning: lookup table `t` (read from input `tbl`) is empty: give its rows with --input tbl=PATH"
        ),
        "{}",
        text(&o.stderr)
    );
    let o = clerkmap(&[
        "eval",
        "lookup(t, .k)",
        "--mapping",
        &mapping,
        "--input",
        &p,
        "--id",
        "c1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains(
            "error: the `customers` block looks up table `t` (read from input `tbl`), but no --input tbl=PATH is given"
        ),
        "{}",
        text(&o.stderr)
    );
    // The repl loads it too, and says which input an empty table wants.
    let o = with_stdin(
        &[
            "repl",
            "--mapping",
            &mapping,
            "--input",
            &p,
            "--input",
            &tbl,
        ],
        ":vars\nlookup(t, .k).name\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("lookup t: 1 row\n"), "{out}");
    assert!(out.contains("\"X\""), "{out}");
    let o = with_stdin(&["repl", "--mapping", &mapping, "--input", &p], ":vars\n");
    assert!(
        text(&o.stdout).contains("lookup t: empty: no input `tbl` is given"),
        "{}",
        text(&o.stdout)
    );
}

/// `--record N` counts the groups a feed can have: a row rejected before mapping (here one
/// without a key) is not one, and the message for N past the end says how many were left out.
#[test]
fn record_numbers_count_groups_not_rows_rejected_before_mapping() {
    let dir = files(&[
        (
            "g.cmap",
            "customers from c group by .id fill down { id = key }\n",
        ),
        ("c.csv", "id;city\n;Orphan\n1;Roma\n;Milano\n2;Pisa\n"),
    ]);
    let m = dir.path().join("g.cmap").display().to_string();
    let input = format!("c={}", dir.path().join("c.csv").display());
    let o = clerkmap(&[
        "eval",
        "len(rows)",
        "--mapping",
        &m,
        "--input",
        &input,
        "--record",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout).lines().next(),
        Some("2"),
        "group 1 is `1`, with its filled row"
    );
    let o = clerkmap(&[
        "eval",
        "key",
        "--mapping",
        &m,
        "--input",
        &input,
        "--record",
        "3",
    ]);
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).contains("no group 3: it holds 2, not counting 1 rejected before mapping"),
        "{}",
        text(&o.stderr)
    );
}

/// A mapping with no file-level names: `:vars` says the mapping is loaded and has none.
#[test]
fn vars_of_a_mapping_without_file_level_names_names_the_mapping() {
    let dir = files(&[("blocks.cmap", "customers from c { id = .id }\n")]);
    let mapping = dir.path().join("blocks.cmap").display().to_string();
    let o = with_stdin(&["repl", "--mapping", &mapping], ":vars\n");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(
        out.contains("has no file-level `let`, `fn` or `lookup`: only the built-in functions"),
        "{out}"
    );
    assert!(!out.contains(":load MAPPING"), "{out}");
}

#[test]
fn a_table_sharing_its_input_with_a_block_is_loaded() {
    // `lookup by_mail from c` and `customers from c`: one input, a block's source and a table.
    let dir = files(&[
        (
            "from.cmap",
            "lookup by_mail from c by .mail\ncustomers from c { id = .id  other = lookup(by_mail, .mail).id }\n",
        ),
        ("c.csv", "id,mail\n1,a@x\n2,b@x\n"),
    ]);
    let mapping = dir.path().join("from.cmap").display().to_string();
    let c = format!("c={}", dir.path().join("c.csv").display());
    let o = clerkmap(&[
        "eval",
        "lookup(by_mail, \"b@x\").id",
        "--mapping",
        &mapping,
        "--input",
        &c,
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("\"2\"\n"),
        "{}",
        text(&o.stdout)
    );
    assert!(!text(&o.stderr).contains("warning"), "{}", text(&o.stderr));
    // The records of `c` are the block's: picked, and named, by the block's id.
    assert!(text(&o.stderr).contains("(id 1)"), "{}", text(&o.stderr));
    let o = clerkmap(&[
        "eval",
        ".mail",
        "--mapping",
        &mapping,
        "--input",
        &c,
        "--id",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("\"b@x\"\n"),
        "{}",
        text(&o.stdout)
    );
}
