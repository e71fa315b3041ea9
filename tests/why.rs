//! Saying why at once (issue 11): a misspelt field path is found by `check --input` (W003,
//! with the closest real field), the run warns about it too, and after a run (or an abort) the
//! top reject reasons are printed with their counts, an example each and the `clerkmap
//! explain` command that shows it; a required attribute missing from every record names the
//! path that should have given it.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{clerkmap, code, root, text};

/// The built-in mapping with `name` read from a misspelt path.
fn misspelt_mapping(dir: &Path) -> PathBuf {
    let src = std::fs::read_to_string(root().join("mappings/passweb.cmap"))
        .unwrap_or_else(|e| panic!("{e}"));
    let needle = "name        = .titolo | trim";
    assert!(src.contains(needle), "the Passweb mapping changed");
    let p = dir.join("mapping.cmap");
    std::fs::write(&p, src.replacen(needle, "name        = .titlo | trim", 1))
        .unwrap_or_else(|e| panic!("{e}"));
    p
}

/// The output with the temporary directory and timings replaced by fixed words.
fn normalise(s: &str, dir: &Path) -> String {
    let s = s.replace(&dir.display().to_string(), "[TMP]");
    s.lines()
        .map(|l| match l.find(" -> ") {
            Some(i) if l.contains(" records/s)") => format!("{} -> [FILE] ([TIME])", &l[..i]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const ARTICOLI: &str = "articoli=mappings/sample/articoli.ndjson";
const CATEGORIE: &str = "categorie=mappings/sample/categorie.csv";

#[test]
fn check_with_an_input_finds_a_misspelt_path_and_its_closest_field() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = misspelt_mapping(dir.path());
    let ms = m.display().to_string();
    // Without inputs the mapping is fine: nothing says what the records hold.
    let o = clerkmap(&["check", &ms]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("W003"));
    let o = clerkmap(&["check", &ms, "--input", ARTICOLI, "-i", CATEGORIE]);
    assert_eq!(code(&o), 0, "a warning does not fail the check");
    let err = text(&o.stderr);
    for want in [
        "warning[W003]",
        "`.titlo` occurs in no record of mappings/sample/articoli.ndjson (all 40 records read)",
        "help: did you mean `.titolo`?",
        "name        = .titlo | trim",
    ] {
        assert!(err.contains(want), "`{want}` missing:\n{err}");
    }
    insta::assert_snapshot!("check_input_w003", normalise(&err, dir.path()));
    // The shipped mappings read only paths the sample has.
    for (mapping, inputs) in [
        (
            "mappings/passweb.cmap",
            vec![
                ARTICOLI,
                CATEGORIE,
                "ordini=mappings/sample/ordini.ndjson",
                "clienti=mappings/sample/clienti.ndjson",
                "pagine=mappings/sample/pagine.ndjson",
            ],
        ),
        (
            "mappings/passweb-csv.cmap",
            vec!["articoli=mappings/sample/articoli.csv", CATEGORIE],
        ),
        (
            "mappings/google-shopping.cmap",
            vec!["feed=mappings/sample/feed-google.xml"],
        ),
        (
            "mappings/google-shopping.cmap",
            vec!["feed=mappings/examples/google-merchant/feed.xml"],
        ),
        (
            "mappings/magento2.cmap",
            vec!["export=mappings/examples/magento2/catalog_product.csv"],
        ),
        (
            "mappings/prestashop.cmap",
            vec![
                "products=mappings/examples/prestashop/products.csv",
                "combinations=mappings/examples/prestashop/combinations.csv",
            ],
        ),
    ] {
        let mut args = vec!["check", mapping];
        for i in &inputs {
            args.extend(["--input", i]);
        }
        let o = clerkmap(&args);
        assert_eq!(code(&o), 0, "{mapping}: {}", text(&o.stderr));
        assert!(
            !text(&o.stderr).contains("W003"),
            "{mapping}: {}",
            text(&o.stderr)
        );
    }
}

#[test]
fn check_inputs_are_named_as_the_mapping_names_them() {
    let o = clerkmap(&[
        "check",
        "--input",
        "articol=mappings/sample/articoli.ndjson",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("did you mean `articoli`?"),
        "{}",
        text(&o.stderr)
    );
    let o = clerkmap(&["check", "--input", "articoli=nowhere.ndjson"]);
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    let o = clerkmap(&["check", "--input", "articoli=README.md"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("--input-format articoli=csv"));
}

/// Runs a command line the output printed, from the repository root.
fn run_printed(command: &str) -> Output {
    let words: Vec<&str> = command.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"clerkmap"), "{command}");
    assert!(
        !command.contains('\''),
        "no quoting expected here: {command}"
    );
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(&words[1..])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

/// The `clerkmap explain ...` commands of the output.
fn explain_commands(out: &str) -> Vec<String> {
    out.lines()
        .filter_map(|l| l.find("clerkmap explain ").map(|i| l[i..].to_string()))
        .collect()
}

#[test]
fn an_aborted_run_says_why_and_names_the_path() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let m = misspelt_mapping(dir.path());
    let out = dir.path().join("out");
    let o = clerkmap(&[
        "run",
        &m.display().to_string(),
        "--input",
        ARTICOLI,
        "--input",
        CATEGORIE,
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    for want in [
        // Before the run: the path no record has.
        "warning[W003]",
        "error: aborted: all 39 products records were rejected",
        "why 39 records were rejected",
        "39 products: required attribute `name` is missing (it must be a string)",
        // The attribute traced back to its expression and the path it reads.
        "`name = .titlo | trim` ([TMP]/mapping.cmap:37:17) reads `.titlo`, which is in no record of mappings/sample/articoli.ndjson (all 40 records read): did you mean `.titolo`?",
        "e.g. id GON000001: clerkmap explain [TMP]/mapping.cmap --input articoli=mappings/sample/articoli.ndjson --input categorie=mappings/sample/categorie.csv --id GON000001",
    ] {
        assert!(
            normalise(&err, dir.path()).contains(want),
            "`{want}` missing:\n{err}"
        );
    }
    let why = &err[err.find("error: aborted").unwrap_or(0)..];
    insta::assert_snapshot!("aborted_run_why", normalise(why, dir.path()));
    // The command it prints runs, and shows that record.
    let cmds = explain_commands(&err);
    assert_eq!(cmds.len(), 1, "{err}");
    let o = run_printed(&cmds[0]);
    assert_eq!(code(&o), 0, "{}: {}", cmds[0], text(&o.stderr));
    let shown = text(&o.stdout);
    assert!(shown.contains("GON000001"), "{shown}");
    assert!(shown.contains(".titlo"), "{shown}");
}

#[test]
fn a_run_with_some_rejects_lists_the_top_reasons_with_explain_commands() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let o = clerkmap(&[
        "run",
        "tests/cases/rejects/mapping.cmap",
        "--input",
        "articoli=tests/cases/rejects/articoli.ndjson",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("why 6 records were rejected"),
        "the top reasons after a successful run:\n{err}"
    );
    insta::assert_snapshot!("run_with_rejects_why", normalise(&err, dir.path()));
    // Every printed command runs (ids, and `--line` for a record without one).
    let cmds = explain_commands(&err);
    assert!(cmds.len() >= 3, "{err}");
    for c in &cmds {
        let o = run_printed(c);
        assert_eq!(code(&o), 0, "{c}: {}", text(&o.stderr));
        assert!(
            text(&o.stdout).contains("rejected"),
            "{c}: {}",
            text(&o.stdout)
        );
    }
    // -q prints only errors: a run that succeeded has none.
    let o = clerkmap(&[
        "run",
        "-q",
        "tests/cases/rejects/mapping.cmap",
        "--input",
        "articoli=tests/cases/rejects/articoli.ndjson",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(code(&o), 0);
    assert!(!text(&o.stderr).contains("why "), "{}", text(&o.stderr));
}

#[test]
fn a_record_without_an_id_is_shown_by_its_line_and_a_project_file_by_c() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    std::fs::write(
        d.join("m.cmap"),
        "customers from clienti {\n  id = .codice\n  name = .nome\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("clienti.ndjson"),
        "{\"codice\":\"C1\",\"nome\":\"Anna\"}\n{\"codice\":\"C2\"}\nnot json\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.join("clerkmap.yaml"),
        "mapping: m.cmap\ninputs:\n  clienti: clienti.ndjson\nout: out\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let cfg = d.join("clerkmap.yaml").display().to_string();
    let o = clerkmap(&["run", "-c", &cfg]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = normalise(&text(&o.stderr), d);
    assert!(
        err.contains(
            "e.g. line 3: clerkmap explain -c [TMP]/clerkmap.yaml --entity customers --line 3"
        ),
        "{err}"
    );
    for c in explain_commands(&text(&o.stderr)) {
        let o = run_printed(&c);
        assert_eq!(code(&o), 0, "{c}: {}", text(&o.stderr));
    }
}

#[test]
fn a_required_attribute_computed_to_null_does_not_blame_a_path_the_records_have() {
    // Every record has `.varianti`; the price made from it is null for the one whose variants
    // have no price: the path is there, what is computed from it is not.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = dir.path().join("m.cmap");
    std::fs::write(
        &mapping,
        r#"products from articoli {
  id          = .id
  name        = .nome
  description = "d"
  price       = min(map(.varianti, .prezzo))
  image       = "https://x.test/i.jpg"
  url         = "https://x.test/"
  categories  = []
  created_at  = 0
}
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let input = dir.path().join("articoli.ndjson");
    std::fs::write(
        &input,
        "{\"id\": \"A\", \"nome\": \"x\", \"varianti\": [{\"prezzo\": 1}]}\n{\"id\": \"B\", \"varianti\": [{}]}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&[
        "run",
        &mapping.display().to_string(),
        "--input",
        &format!("articoli={}", input.display()),
        "--out",
        &dir.path().join("out").display().to_string(),
    ]);
    let err = text(&o.stderr);
    // `name = .nome`: a bare path, which record B lacks.
    assert!(
        err.contains("it reads `.nome`, which they lack or have empty"),
        "{err}"
    );
    assert!(!err.contains("`.varianti`, which they lack"), "{err}");
    assert!(
        err.contains("gave no value for these records from what it reads (`.varianti`, `.varianti[*].prezzo`) and what is computed from that"),
        "{err}"
    );
}

/// `dir/NAME` written with `text`; its path as an argument.
fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{e}"));
    p.display().to_string()
}

/// The top reasons count a record under each of its reasons: the header says so when they add
/// up to more than the records rejected (a user trial read 23 for 22 records as a fault).
#[test]
fn reasons_that_add_up_to_more_than_the_rejects_say_why() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let m = write(
        d,
        "m.cmap",
        "customers from c {\n  id   = .id\n  a    = .a | decimal\n  b    = .b | int\n}\n",
    );
    let input = format!(
        "c={}",
        write(
            d,
            "c.ndjson",
            "{\"id\":1,\"a\":\"x\",\"b\":\"y\"}\n{\"id\":2,\"a\":\"1\",\"b\":\"2\"}\n"
        )
    );
    let out = d.join("out").display().to_string();
    let o = clerkmap(&["run", &m, "--input", &input, "--out", &out]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("why 1 record was rejected"), "{err}");
    assert!(
        err.contains("(counted by reason: a record rejected for several is counted under each)"),
        "{err}"
    );
}

/// W008: a CSV's values are texts, so `.stato == 1` (or `== true`) is never true; a JSON field
/// that holds numbers compared with a number is fine, and so is a text compared with a text.
#[test]
fn a_text_compared_with_a_number_is_a_warning_before_any_record_is_mapped() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let m = write(
        d,
        "m.cmap",
        "customers from clienti where .stato == 1 {\n  id         = .codice\n  subscribed = .newsletter == true\n  active     = .stato == \"1\"\n  other      = .stato != 2\n}\n",
    );
    let csv = format!(
        "clienti={}",
        write(d, "c.csv", "codice;stato;newsletter\nA1;1;1\nB2;2;0\n")
    );
    let o = clerkmap(&["check", &m, "--input", &csv]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.matches("warning[W008]").count(), 3, "{err}");
    assert!(err.contains("`.stato` holds texts in "), "{err}");
    assert!(
        err.contains("help: compare with the text, `.stato == \"1\"`, or convert the value first"),
        "{err}"
    );
    assert!(err.contains("`.newsletter == \"true\"`"), "{err}");
    assert!(err.contains("`.stato != \"2\"`"), "{err}");
    assert!(
        text(&o.stdout).contains("ok (customers from clienti), 3 warnings"),
        "{}",
        text(&o.stdout)
    );
    // --deny-warnings refuses it
    let o = clerkmap(&["check", &m, "--input", &csv, "--deny-warnings"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    // The run warns before mapping, as for W003.
    let out = d.join("out").display().to_string();
    let o = clerkmap(&["run", &m, "--input", &csv, "--out", &out]);
    assert!(
        text(&o.stderr).contains("warning[W008]"),
        "{}",
        text(&o.stderr)
    );
    // JSON numbers compared with numbers: nothing to say.
    let ndjson = format!(
        "clienti={}",
        write(
            d,
            "c.ndjson",
            "{\"codice\":\"A1\",\"stato\":1,\"newsletter\":true}\n"
        )
    );
    let o = clerkmap(&["check", &m, "--input", &ndjson]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("W008"), "{}", text(&o.stderr));
}

#[test]
fn a_projection_over_an_object_is_not_a_path_no_record_has() {
    // `[*]` takes the values of an object, `[? ]` tests an object itself: both read what the
    // records have (W003 said `.labels[*]` occurs in no record).
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let m = write(
        d,
        "m.cmap",
        "categories from c {\n  id            = .code\n  name          = first(.labels[*])\n  url           = \"https://x.test/c/\" ~ .code\n  subcategories = []\n  kept          = .labels[? .en_US == \"A\"].it_IT\n  typo          = .labels[*].x\n}\n",
    );
    let input = format!(
        "c={}",
        write(
            d,
            "c.ndjson",
            "{\"code\":\"a\",\"labels\":{\"en_US\":\"A\",\"it_IT\":\"B\"}}\n"
        )
    );
    let o = clerkmap(&["check", &m, "--input", &input]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(!err.contains("`.labels[*]` occurs"), "{err}");
    assert!(!err.contains("`.labels[*].it_IT` occurs"), "{err}");
    // A field no value of the object has is still found.
    assert!(
        err.contains("`.labels[*].x` occurs in no record of"),
        "{err}"
    );
    assert_eq!(err.matches("warning[W003]").count(), 1, "{err}");
    // A run reads only as far as it finds the paths: the same verdict.
    let out = d.join("out").display().to_string();
    let o = clerkmap(&["run", &m, "--input", &input, "--out", &out]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.matches("warning[W003]").count(), 1, "{err}");
    assert!(err.contains("`.labels[*].x` occurs"), "{err}");
    let feed =
        std::fs::read_to_string(d.join("out/categories.json")).unwrap_or_else(|e| panic!("{e}"));
    assert!(feed.contains("\"name\":\"A\""), "{feed}");
}

#[test]
fn a_misspelt_field_read_through_rows_is_found_wherever_it_is_read() {
    // `map(rows, ...)` and a `let` bound to rows read the rows' fields too (W003 warned only
    // at `rows[*].skuu`).
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let m = write(
        d,
        "m.cmap",
        r#"orders from o group by .id {
  id       = key
  customer = .c
  time     = 0
  let live = rows[? r => r.skuu != null]
  skus     = rows[*].skuu
  skus2    = map(rows, .skuu)
  skus3    = rows[? .skuu != null].c
  skus4    = live[*].skuu
  products = map(live, {id: .skuu, quantity: 1, price: 1.0})
}
"#,
    );
    let input = format!("o={}", write(d, "o.csv", "id,c,sku\n1,x,A\n"));
    let o = clerkmap(&["check", &m, "--input", &input]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert_eq!(err.matches("warning[W003]").count(), 1, "{err}");
    assert_eq!(err.matches("also read here").count(), 5, "{err}");
    insta::assert_snapshot!("check_input_w003_rows", normalise(&err, d));
}

#[test]
fn a_run_to_standard_output_names_no_file_it_does_not_keep() {
    // `--out -` maps into a temporary directory, gone after the run: the reasons pointed at
    // its rejects.ndjson, and the accounting at a feed file, while the records went to stdout.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path();
    let m = write(
        d,
        "m.cmap",
        "customers from p {\n  id  = .id\n  age = .age | int\n}\n",
    );
    let some = format!(
        "p={}",
        write(
            d,
            "p2.ndjson",
            "{\"id\":\"c1\",\"age\":\"3\"}\n{\"id\":\"c2\",\"age\":\"x\"}\n"
        )
    );
    let o = clerkmap(&["run", &m, "--input", &some, "--out", "-"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert_eq!(text(&o.stdout), "{\"id\":\"c1\",\"age\":3}\n");
    for want in [
        "customers: read 2 = written 1 + filtered 0 + rejected 1  -> standard output (",
        "why 1 record was rejected (`--out DIR` in place of `--out -` keeps each one, with every reason, in DIR/rejects.ndjson):",
    ] {
        assert!(err.contains(want), "`{want}` missing:\n{err}");
    }
    assert!(!err.contains("clerkmap-out-"), "{err}");
    assert!(!err.contains("customers.ndjson"), "{err}");
    // Every record rejected: the run stops, and says where the reasons are.
    let all = format!(
        "p={}",
        write(d, "p1.ndjson", "{\"id\":\"c2\",\"age\":\"x\"}\n")
    );
    let o = clerkmap(&["run", &m, "--input", &all, "--out", "-"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 4, "{err}");
    assert_eq!(text(&o.stdout), "");
    assert!(
        err.contains("error: aborted: all 1 customers records were rejected; an empty feed would make Clerk delete every customer; nothing was written to standard output (the reasons are below)\nwhy 1 record was rejected (`--out DIR` in place"),
        "{err}"
    );
    assert!(!err.contains("see rejects.ndjson"), "{err}");
    assert!(!err.contains("clerkmap-out-"), "{err}");
}
