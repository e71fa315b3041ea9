//! `clerkmap test`: the shipped cases pass; a changed mapping fails with a diff naming the
//! record, the attribute, the old and the new value; `--review` and `--accept` update snapshots.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn clerkmap_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"));
    if let Some(mut i) = child.stdin.take() {
        let _ = i.write_all(stdin.as_bytes());
    }
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("clerkmap: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn write(p: &Path, s: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, s).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

#[test]
fn the_shipped_cases_pass() {
    let o = clerkmap_in(&root(), &["test"], "");
    assert_eq!(code(&o), 0, "{}{}", text(&o.stdout), text(&o.stderr));
    insta::assert_snapshot!(text(&o.stdout));
}

/// A copy of the passweb products case, with the mapping changed by `edit`.
fn changed_case(edit: impl Fn(String) -> String) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    let mapping = edit(read(&root().join("mappings/passweb.cmap")));
    write(&d.join("passweb.cmap"), &mapping);
    let case = read(&root().join("mappings/tests/passweb/products.yaml"))
        .replace("../../passweb.cmap", "../passweb.cmap")
        .replace(
            "../../sample/categorie.csv",
            &root()
                .join("mappings/sample/categorie.csv")
                .display()
                .to_string(),
        );
    write(&d.join("tests/products.yaml"), &case);
    write(
        &d.join("tests/products.snap"),
        &read(&root().join("mappings/tests/passweb/products.snap")),
    );
    tmp
}

fn brand_and_name_changed() -> tempfile::TempDir {
    changed_case(|m| {
        // Whatever the alignment of the shipped file: edit the lines by their start.
        m.lines()
            .map(|l| match l.trim_start() {
                t if t.starts_with("name ") && t.ends_with(".titolo | trim") => {
                    format!("{l} | upper")
                }
                t if t.starts_with("list_price ") => {
                    "  list_price = (.prezzoListino | decimal) * 2".to_string()
                }
                t if t.starts_with("brand ") => String::new(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    })
}

#[test]
fn a_changed_mapping_fails_with_record_attribute_old_and_new_values() {
    let tmp = brand_and_name_changed();
    let o = clerkmap_in(tmp.path(), &["test", "tests"], "");
    assert_eq!(code(&o), 1, "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    for want in [
        "test products ... FAILED",
        "products \"FEL001\":",
        "name: was \"Felpa con cappuccio\", now \"FELPA CON CAPPUCCIO\"",
        "list_price: was 79.9, now 159.8",
        "brand: was \"Nord&Sud\", now missing",
        "products \"CIN002\":",
    ] {
        assert!(out.contains(want), "`{want}` missing:\n{out}");
    }
    insta::assert_snapshot!(out);
}

#[test]
fn review_accepts_and_rejects_change_by_change_reading_answers_from_stdin() {
    let tmp = brand_and_name_changed();
    let d = tmp.path();
    // Two records changed: accept the first, reject the second.
    let o = clerkmap_in(d, &["test", "--review", "tests"], "y\nn\n");
    assert_eq!(code(&o), 1, "{}{}", text(&o.stdout), text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("change 1/2: accept?"), "{out}");
    assert!(out.contains("accepted 1 of 2"), "{out}");
    // the result line says a snapshot was written, though the case fails
    assert!(
        out.contains("0 written or updated; 1 written in part (some of its changes accepted)"),
        "{out}"
    );
    let snap = read(&d.join("tests/products.snap"));
    assert!(snap.contains("FELPA CON CAPPUCCIO"), "{snap}");
    assert!(
        snap.contains("\"Cintura in pelle\""),
        "the rejected change stays: {snap}"
    );
    // What is left fails, naming only the rejected record.
    let o = clerkmap_in(d, &["test", "tests"], "");
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    assert!(
        out.contains("products \"CIN002\":") && !out.contains("products \"FEL001\":"),
        "{out}"
    );
    // --accept takes everything; then the case passes.
    let o = clerkmap_in(d, &["test", "--accept", "tests"], "");
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let o = clerkmap_in(d, &["test", "tests"], "");
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("test products ... ok"));
}

#[test]
fn review_without_answers_changes_nothing() {
    let tmp = brand_and_name_changed();
    let before = read(&tmp.path().join("tests/products.snap"));
    let o = clerkmap_in(tmp.path(), &["test", "--review", "tests"], "");
    assert_eq!(code(&o), 1);
    assert!(text(&o.stdout).contains("no more answers"));
    assert_eq!(read(&tmp.path().join("tests/products.snap")), before);
}

#[test]
fn a_new_case_needs_its_snapshot_accepted_and_json_expectations_work() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    write(
        &d.join("cases/pages.yaml"),
        "inputs:\n  pagine:\n    - { id: 1, tipo: page, titolo: Chi siamo, testo: \"<p>Noi</p>\", url: /chi-siamo, pubblicato: true, consideraNelFeed: true }\n",
    );
    let o = clerkmap_in(d, &["test", "cases"], "");
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    assert!(out.contains("test pages ... NO SNAPSHOT"), "{out}");
    assert!(out.contains("clerkmap test cases --accept"), "{out}");
    let o = clerkmap_in(d, &["test", "--review", "cases"], "y\n");
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    assert!(d.join("cases/pages.snap").is_file());
    // A plain JSON expectation is used when it exists.
    std::fs::remove_file(d.join("cases/pages.snap")).unwrap_or_else(|e| panic!("{e}"));
    write(
        &d.join("cases/pages.json"),
        r#"{"pages": [{"id": 1, "type": "page", "title": "Chi siamo", "url": "https://shop.example.test/chi-siamo", "text": "Noi"}]}"#,
    );
    let o = clerkmap_in(d, &["test", "cases"], "");
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
}

#[test]
fn broken_cases_say_what_is_wrong() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    write(&d.join("t/typo.yaml"), "input: {}\n");
    write(
        &d.join("t/bad-mapping.yaml"),
        "mapping: m.cmap\ninputs: { articoli: [{ codice: A }] }\n",
    );
    write(
        &d.join("t/m.cmap"),
        "products from articoli { id = .codice | strp }\n",
    );
    write(
        &d.join("t/missing-file.yaml"),
        "inputs: { articoli: nowhere.ndjson }\n",
    );
    let o = clerkmap_in(d, &["test", "t"], "");
    assert_eq!(code(&o), 1);
    let out = text(&o.stdout);
    for want in [
        "test typo ... ERROR",
        "unknown field `input`",
        "the keys of a case are",
        "the mapping does not check",
        "unknown function `strp`",
        "nowhere.ndjson does not exist (paths are relative to the case file)",
        "0 passed; 0 failed; 3 errors",
    ] {
        assert!(out.contains(want), "`{want}` missing:\n{out}");
    }
    let o = clerkmap_in(d, &["test", "nothing-here"], "");
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("no such file or folder"));
}

#[test]
fn the_project_file_names_the_cases() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    write(&d.join("proj/clerkmap.yaml"), "out: out\ntests: [checks]\n");
    write(
        &d.join("proj/checks/one.yaml"),
        "inputs: { pagine: [{ id: 1, tipo: page, titolo: T, testo: x, url: /t, pubblicato: true, consideraNelFeed: true }] }\n",
    );
    let o = clerkmap_in(d, &["test", "--accept", "-c", "proj/clerkmap.yaml"], "");
    assert_eq!(code(&o), 0, "{}{}", text(&o.stdout), text(&o.stderr));
    let o = clerkmap_in(&d.join("proj"), &["test"], "");
    assert_eq!(code(&o), 0, "{}{}", text(&o.stdout), text(&o.stderr));
    assert!(text(&o.stdout).contains("test one ... ok"));
    let o = clerkmap_in(&d.join("proj"), &["test", "--filter", "zzz"], "");
    assert_eq!(code(&o), 2);
}

/// A case accepted as `test cases` passes as `test ./cases/`, from inside the folder and from
/// anywhere else: files the case names (a lookup table with a duplicate key gives a warning
/// naming the file) are named in the snapshot as the case writes them.
#[test]
fn cases_pass_from_any_folder_and_any_spelling_of_the_case_folder() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    write(
        &d.join("m.cmap"),
        "lookup cats by .id\nproducts from a {\n  id = .id\n  name = lookup(cats, .c).name ?? \"x\"\n  description = \"d\"\n  price = 1.0\n  image = \"https://x.it/a.jpg\"\n  url = \"https://x.it/a\"\n  categories = []\n  created_at = 0\n}\n",
    );
    write(&d.join("cases/sub/cats.csv"), "id,name\n1,A\n1,B\n");
    write(
        &d.join("cases/sub/one.yaml"),
        "mapping: ../../m.cmap\ninputs:\n  a:\n    - {id: p1, c: \"1\"}\n  cats: cats.csv\n",
    );
    let o = clerkmap_in(d, &["test", "cases", "--accept"], "");
    assert_eq!(code(&o), 0, "{}{}", text(&o.stdout), text(&o.stderr));
    let snap = read(&d.join("cases/sub/one.snap"));
    assert!(
        snap.contains("\"cats.csv:3 (key `1`): duplicate key in `cats`: the first row is kept\""),
        "{snap}"
    );
    for (dir, arg) in [
        (d.to_path_buf(), "./cases/"),
        (d.join("cases"), "."),
        (d.join("cases/sub"), ".."),
        (
            std::env::temp_dir(),
            d.join("cases").to_str().unwrap_or_default(),
        ),
    ] {
        let o = clerkmap_in(&dir, &["test", arg], "");
        assert_eq!(
            code(&o),
            0,
            "test {arg} from {}: {}{}",
            dir.display(),
            text(&o.stdout),
            text(&o.stderr)
        );
    }
}
