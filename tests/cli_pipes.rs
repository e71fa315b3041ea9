//! Issue 11, pipes and files others can read: `-` for mappings and inputs, `--out -`, and the
//! modes of the files clerkmap writes under a umask.

mod support_clerk;

use std::path::Path;
use std::process::Output;

use support_clerk::*;

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(root().join("mappings/sample").join(name)).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn an_input_read_from_stdin_and_a_feed_written_to_stdout() {
    let o = with_stdin(
        &[
            "run",
            "--input",
            "articoli=-",
            "--input-format",
            "articoli=ndjson",
            "--input",
            "categorie=mappings/sample/categorie.csv",
            "--entities",
            "products",
            "--out",
            "-",
        ],
        &sample("articoli.ndjson"),
    );
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 0, "{err}");
    let records: Vec<clerkmap::value::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(records.len(), 39);
    assert!(
        records
            .iter()
            .all(|r| r["id"].is_string() && r["name"].is_string())
    );
    // The accounting goes to stderr, and says where the records went.
    assert!(
        err.contains(
            "products: read 40 = written 39 + filtered 1 + rejected 0  -> standard output"
        ),
        "{err}"
    );
    assert!(!err.contains("wrote "), "{err}");
    assert!(
        !Path::new("-").exists() && !root().join("-").exists(),
        "no folder named `-`"
    );
}

#[test]
fn out_dash_refuses_two_entities_and_stdin_without_a_format() {
    let o = with_stdin(
        &[
            "run",
            "--input",
            "articoli=mappings/sample/articoli.ndjson",
            "--input",
            "categorie=mappings/sample/categorie.csv",
            "--out",
            "-",
        ],
        b"",
    );
    assert_eq!(code(&o), 2);
    assert_eq!(text(&o.stdout), "");
    assert_eq!(
        text(&o.stderr),
        "error: --out - writes one feed to standard output, but this run would write products and categories: choose one with --entities products or --entities categories\n"
    );
    let o = with_stdin(
        &["run", "--input", "clienti=-", "--out", "-"],
        &sample("clienti.ndjson"),
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains(
            "--input clienti=-: standard input has no extension to tell its format: state it with --input-format clienti=ndjson"
        ),
        "{}",
        text(&o.stderr)
    );
    // Two inputs cannot both read it, nor the mapping and an input.
    let o = clerkmap(&[
        "run",
        "--input",
        "clienti=-",
        "--input",
        "ordini=-",
        "--out",
        "-",
    ]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("only one input can read standard input"));
    let o = clerkmap(&["run", "-", "--input", "clienti=-", "--out", "-"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o.stderr).contains("the mapping and --input clienti both read standard input"));
}

#[test]
fn an_input_both_table_and_source_is_read_from_stdin_once() {
    let o = with_stdin(
        &[
            "run",
            "--input",
            "categorie=-",
            "--input-format",
            "categorie=csv",
            "--out",
            "-",
        ],
        &sample("categorie.csv"),
    );
    let err = text(&o.stderr);
    assert_eq!(code(&o), 0, "{err}");
    assert_eq!(text(&o.stdout).lines().count(), 23);
    assert!(
        err.contains("lookup categorie: 23 rows from <stdin>"),
        "{err}"
    );
}

#[test]
fn mappings_read_from_stdin() {
    let mapping = sample("../passweb.cmap");
    let o = with_stdin(&["check", "-"], &mapping);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("<stdin>: ok (products from articoli"));
    let o = with_stdin(
        &["check", "-"],
        b"products from a where .x = \"SI\" { id = .c }\n",
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("<stdin>:1:26"),
        "{}",
        text(&o.stderr)
    );
    // fmt - prints the formatted text; --check says whether it is formatted.
    let messy = b"customers   from c {id=.id\n email = .email}\n";
    let o = with_stdin(&["fmt", "-"], messy);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let formatted = o.stdout;
    assert_eq!(
        text(&formatted),
        "customers from c {\n  id    = .id\n  email = .email\n}\n"
    );
    let o = with_stdin(&["fmt", "-", "--check"], messy);
    assert_eq!(code(&o), 1);
    assert_eq!(text(&o.stdout), "");
    let o = with_stdin(&["fmt", "-", "--check"], &formatted);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    // And run - maps with it.
    let o = with_stdin(
        &[
            "run",
            "-",
            "--input",
            "c=mappings/sample/clienti.ndjson",
            "--out",
            "-",
        ],
        &formatted,
    );
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout).lines().count(), 10);
}

// ------------------------------------------------------------------------------ modes

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `clerkmap ARGS` under `sh -c 'umask UMASK; exec clerkmap ...'`.
#[cfg(unix)]
fn under_umask(umask: &str, args: &[&str]) -> Output {
    let mut full = vec![
        "-c",
        "umask \"$0\"; exec \"$@\"",
        umask,
        env!("CARGO_BIN_EXE_clerkmap"),
    ];
    full.extend_from_slice(args);
    std::process::Command::new("sh")
        .args(&full)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env("CLERK_PUBLIC_KEY", PUBLIC)
        .env("CLERK_PRIVATE_KEY", PRIVATE)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

#[cfg(unix)]
#[test]
fn files_follow_the_umask() {
    for (umask, file, dir) in [("022", 0o644, 0o755), ("027", 0o640, 0o750)] {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let out = tmp.path().join("out");
        let out_s = out.display().to_string();
        let html = tmp.path().join("report.html");
        let html_s = html.display().to_string();
        let o = under_umask(
            umask,
            &[
                "run",
                "-q",
                "--input",
                "articoli=mappings/sample/articoli.ndjson",
                "--input",
                "categorie=mappings/sample/categorie.csv",
                "--out",
                &out_s,
                "--report",
                &html_s,
            ],
        );
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        for name in [
            "products.json",
            "categories.json",
            "rejects.ndjson",
            "report.json",
        ] {
            // Through the link: the file in the current generation.
            assert_eq!(mode(&out.join(name)), file, "umask {umask}: {name}");
        }
        assert_eq!(mode(&html), file, "umask {umask}: report.html");
        assert_eq!(
            mode(&out.join(".clerkmap/current/")),
            dir,
            "umask {umask}: the generation"
        );
        // The push state (nothing secret in it) follows it too.
        let fake = FakeClerk::start();
        let o = under_umask(
            umask,
            &[
                "push",
                "--from",
                &out_s,
                "--api-url",
                &fake.url,
                "--entities",
                "categories",
            ],
        );
        assert_eq!(code(&o), 0, "{}", text(&o.stderr));
        assert_eq!(
            mode(&out.join("clerkmap-state.json")),
            file,
            "umask {umask}: the push state"
        );
    }
}

#[test]
fn a_bad_mapping_with_out_dash_publishes_nothing_anywhere() {
    // It used to publish its refusal report into a directory named `-`.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("bad.cmap"),
        "products from articoli {\n  id = .codice | nope\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .args([
            "run",
            "bad.cmap",
            "--input",
            "articoli=in.ndjson",
            "--out",
            "-",
        ])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("unknown function `nope`"),
        "{}",
        text(&o.stderr)
    );
    assert!(o.stdout.is_empty());
    assert!(
        !dir.path().join("-").exists(),
        "a directory named `-` was made"
    );
}
