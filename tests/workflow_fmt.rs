//! `clerkmap fmt`: idempotent, keeps every comment, and the formatted file parses to the same
//! syntax tree (spans aside): for the shipped mappings, the language cases and the mappings of
//! the documentation.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clerkmap::syntax::format::{format, strip_spans};
use clerkmap::syntax::parse;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn clerkmap_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The comments of a mapping: `#` outside strings, to the end of the line, trimmed.
fn comments(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'#' => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                out.push(src[start..i].trim_end().to_string());
            }
            _ => i += 1,
        }
    }
    out
}

/// Every mapping the tests know: shipped, language cases, documentation examples.
fn corpus() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = Vec::new();
    for dir in ["mappings", "mappings/tests/passweb-csv", "tests/cases"] {
        let d = root().join(dir);
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) == Some("cmap") {
                paths.push(p);
            } else if p.join("mapping.cmap").is_file() {
                paths.push(p.join("mapping.cmap"));
            }
        }
    }
    paths.sort();
    for p in paths {
        let t = std::fs::read_to_string(&p).unwrap_or_default();
        out.push((p.display().to_string(), t));
    }
    for doc in ["docs/language.md", "docs/cookbook.md"] {
        let md = std::fs::read_to_string(root().join(doc)).unwrap_or_default();
        let mut body: Option<(usize, String)> = None;
        for (i, line) in md.lines().enumerate() {
            match body.take() {
                None => {
                    let t = line.trim_start();
                    if t.starts_with("```cmap") && !t.contains("eval") {
                        body = Some((i + 1, String::new()));
                    }
                }
                Some((at, mut b)) => {
                    if line.trim() == "```" {
                        out.push((format!("{doc}:{at}"), b));
                    } else {
                        b.push_str(line);
                        b.push('\n');
                        body = Some((at, b));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn idempotent_same_tree_same_comments() {
    let mut checked = 0;
    for (name, src) in corpus() {
        let Ok(before) = parse(&src) else {
            continue; // the syntax-error cases
        };
        let once = format(&src).unwrap_or_else(|d| panic!("{name}: {}", d.message));
        let twice = format(&once).unwrap_or_else(|d| panic!("{name} (formatted): {}", d.message));
        assert_eq!(once, twice, "{name}: formatting is not idempotent");
        let after = parse(&once).unwrap_or_else(|d| panic!("{name}: {}", d.message));
        assert_eq!(
            strip_spans(&format!("{before:?}")),
            strip_spans(&format!("{after:?}")),
            "{name}: the formatted file means something else"
        );
        assert_eq!(
            comments(&src),
            comments(&once),
            "{name}: comments lost or changed"
        );
        assert!(
            once.lines().all(|l| l == l.trim_end()),
            "{name}: trailing blanks"
        );
        checked += 1;
    }
    assert!(checked > 30, "only {checked} mappings formatted");
}

#[test]
fn the_passweb_mapping_formatted() {
    let o = clerkmap_in(&root(), &["fmt", "--stdout", "mappings/passweb.cmap"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    insta::assert_snapshot!(text(&o.stdout));
}

#[test]
fn check_lists_unformatted_files_and_fmt_rewrites_them() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    std::fs::create_dir_all(d.join("mappings")).unwrap_or_else(|e| panic!("{e}"));
    let messy = "# the products\nproducts from articoli{id=.codice;name=.titolo # title\n}\n";
    std::fs::write(d.join("mappings/a.cmap"), messy).unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap_in(d, &["fmt", "--check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stdout).contains("would reformat mappings/a.cmap"));
    assert_eq!(
        std::fs::read_to_string(d.join("mappings/a.cmap")).unwrap_or_default(),
        messy,
        "--check changes nothing"
    );
    let o = clerkmap_in(d, &["fmt"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(d.join("mappings/a.cmap")).unwrap_or_default(),
        "# the products\nproducts from articoli {\n  id   = .codice\n  name = .titolo  # title\n}\n"
    );
    let o = clerkmap_in(d, &["fmt", "--check", "mappings/a.cmap"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn a_file_with_a_syntax_error_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = tmp.path().join("bad.cmap");
    std::fs::write(&p, "products from {\n").unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap_in(tmp.path(), &["fmt", "bad.cmap"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("error[E001]") && err.contains("bad.cmap: not formatted"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&p).unwrap_or_default(),
        "products from {\n"
    );
}
