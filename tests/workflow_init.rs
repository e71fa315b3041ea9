//! `clerkmap init` in an empty folder, then its own run and test commands succeed at once.

use std::path::Path;
use std::process::{Command, Output};

fn clerkmap_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn init_then_run_and_test_succeed() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = tmp.path();
    let o = clerkmap_in(d, &["init", "shop"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    insta::assert_snapshot!("init_output", text(&o));
    let p = d.join("shop");
    for f in [
        "clerkmap.yaml",
        "mapping.cmap",
        "data/articoli.ndjson",
        "data/categorie.csv",
        "tests/products.yaml",
        "tests/products.snap",
        ".gitignore",
    ] {
        assert!(p.join(f).is_file(), "{f} not created");
    }
    let gitignore = std::fs::read_to_string(p.join(".gitignore")).unwrap_or_default();
    assert!(gitignore.contains("/out/") && gitignore.contains("clerkmap-state.json"));

    let o = clerkmap_in(d, &["run", "-c", "shop/clerkmap.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(
        text(&o).contains("products: read 6 = written 6"),
        "{}",
        text(&o)
    );
    assert!(p.join("out/products.json").is_file());
    assert!(p.join("out/categories.json").is_file());

    for args in [
        vec!["test", "-c", "shop/clerkmap.yaml"],
        vec!["test", "shop/tests"],
    ] {
        let o = clerkmap_in(d, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
        assert!(text(&o).contains("test products ... ok"), "{}", text(&o));
    }
    // Inside the project, the bare commands work too.
    for args in [
        vec!["test"],
        vec!["fmt", "--check"],
        vec!["check", "mapping.cmap"],
    ] {
        let o = clerkmap_in(&p, &args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", text(&o));
    }
    // A second init refuses to overwrite.
    let o = clerkmap_in(d, &["init", "shop"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("already exist"), "{}", text(&o));
}
