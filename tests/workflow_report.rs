//! `clerkmap run --report report.html`: a self-contained page with the counts, the attribute
//! coverage, the reject reasons and the privacy section; rendered by headless Chromium when it
//! is installed (Debian's `chromium`).

mod support;

use support::{clerkmap, root, text};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clerkmap::check::CompileOptions;
use clerkmap::check::check;
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::{FeedOutput, Input, RunOptions, run};
use clerkmap::workflow::report::Destination;

/// A sample with a rejected article (unreadable price) and the personal-data entities.
fn inputs(dir: &Path) -> Vec<(String, PathBuf)> {
    let mut articles =
        std::fs::read_to_string(root().join("mappings/sample/articoli.ndjson")).unwrap_or_default();
    articles.push_str(
        "{\"codice\":\"BAD001\",\"titolo\":\"Prezzo strano\",\"pubblicato\":\"SI\",\"prezzo\":\"su richiesta\",\"url\":\"/x\",\"categoriaMerceologica\":\"ABB\",\"dataCreazione\":\"01/01/2024\"}\n",
    );
    let a = dir.join("articoli.ndjson");
    std::fs::write(&a, articles).unwrap_or_else(|e| panic!("{e}"));
    let s = |f: &str| root().join("mappings/sample").join(f);
    vec![
        ("articoli".into(), a),
        ("categorie".into(), s("categorie.csv")),
        ("ordini".into(), s("ordini.ndjson")),
        ("clienti".into(), s("clienti.ndjson")),
    ]
}

/// `clerkmap run` over [`inputs`] (in `dir`) with `extra` arguments, its report written to
/// `dir/report.html`: the output and the page.
fn run_with_report(dir: &Path, extra: &[&str]) -> (Output, String) {
    let html = dir.join("report.html");
    let mut args: Vec<String> = vec!["run".into()];
    for (n, p) in inputs(dir) {
        args.push("--input".into());
        args.push(format!("{n}={}", p.display()));
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    args.extend(["--report".into(), html.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = clerkmap(&refs);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let page = std::fs::read_to_string(&html).unwrap_or_else(|e| panic!("{e}"));
    (o, page)
}

#[test]
fn run_writes_a_self_contained_report_that_chromium_renders() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out").display().to_string();
    let html = tmp.path().join("report.html");
    let (o, page) = run_with_report(tmp.path(), &["--out", &out]);
    // No progress display when stderr is not a terminal.
    assert!(
        !text(&o.stderr).contains("records/s"),
        "{}",
        text(&o.stderr)
    );
    for bad in ["<script", "<link", " src=", "@import", "url("] {
        assert!(!page.contains(bad), "the page loads something: `{bad}`");
    }
    for want in [
        "<div class=\"outcome written\" id=\"outcome-written\">",
        "<table id=\"counts\">",
        "<table id=\"feeds-table\">",
        "<table id=\"diff-table\">",
        "<table class=\"coverage\" id=\"coverage-table-products\">",
        "<table id=\"rejects-table\">",
        "<table id=\"privacy-table\">",
        "BAD001",
        "clerkmap explain --input articoli=",
    ] {
        assert!(page.contains(want), "`{want}` missing");
    }

    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        println!(
            "notice: /usr/bin/chromium is not installed: the report is not rendered (apt-get install chromium)"
        );
        return;
    }
    let profile = tmp.path().join("chromium-profile");
    let dom = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("file://{}", html.display()),
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run chromium: {e}"));
    assert!(
        dom.status.success(),
        "chromium failed: {}",
        text(&dom.stderr)
    );
    let dom = text(&dom.stdout);
    for want in [
        "<table id=\"counts\">",
        "<td>products</td>",
        "<table class=\"coverage\" id=\"coverage-table-products\">",
        "<code>variant_skus</code>",
        "<table id=\"rejects-table\">",
        "decimal: cannot read \"su richiesta\" as a number",
        "<table id=\"privacy-table\">",
        "customers sent with an email",
    ] {
        assert!(
            dom.contains(want),
            "the rendered DOM lacks `{want}`:\n{dom}"
        );
    }
}

/// The report's explain commands carry the vars and inputs of the run, as the commands printed
/// after it do (a user trial got other URLs from the report's command: it lacked `--var`).
#[test]
fn the_reports_explain_commands_have_the_runs_vars() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out").display().to_string();
    let (o, page) = run_with_report(
        tmp.path(),
        &["--var", "site_url=https://x.test", "--out", &out],
    );
    let command = page
        .lines()
        .find(|l| l.contains("clerkmap explain") && l.contains("BAD001"))
        .unwrap_or_else(|| panic!("no explain command for BAD001"));
    assert!(
        command.contains("--var site_url=https://x.test"),
        "{command}"
    );
    assert!(command.contains("--input articoli="), "{command}");
    // and the command printed after the run has them too
    let printed = text(&o.stderr);
    assert!(
        printed.contains("--var site_url=https://x.test"),
        "{printed}"
    );
}

/// `--out -`: the feed goes to standard output and the output directory is a temporary one,
/// removed with its rejects: the page names neither as a place to look.
#[test]
fn the_report_of_a_run_to_standard_output_names_no_temporary_folder() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let (o, page) = run_with_report(tmp.path(), &["--entities", "products", "--out", "-"]);
    assert!(text(&o.stdout).contains("\"id\""), "the feed is on stdout");
    for want in [
        " · to standard output (<code>--out -</code>) · ",
        "the feed of this run went to standard output",
        "run with <code>--out DIR</code> to have each one",
        "BAD001",
    ] {
        assert!(page.contains(want), "`{want}` missing");
    }
    for gone in [
        "published in",
        "is in <code>rejects.ndjson</code>",
        "clerkmap-out-",
    ] {
        assert!(!page.contains(gone), "`{gone}` in the page");
    }
}

#[test]
fn the_report_of_the_sample() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = SourceFile::new("passweb.cmap", clerkmap::cli::BUILTIN_MAPPING);
    let checked = check(
        &src,
        &CompileOptions {
            env: Some(Default::default()),
            ..Default::default()
        },
    )
    .unwrap_or_else(|_| panic!("the built-in mapping checks"));
    let out = tmp.path().join("out");
    let opts = RunOptions {
        inputs: inputs(tmp.path())
            .into_iter()
            .map(|(name, path)| Input::file(name, path))
            .collect(),
        jobs: 1,
        profile: true,
        ..RunOptions::default()
    };
    let mut report = run(&checked.program, &src, &opts, &FeedOutput::new(&out))
        .unwrap_or_else(|e| panic!("{e}"));
    // What changes from run to run.
    let prefix = format!("{}/", tmp.path().display());
    report.elapsed_ms = 0;
    report.output_dir = "out".into();
    report.clerkmap_version = "0.0.0".into();
    report.started_at = "2025-01-01T02:30:00Z".into();
    report.finished_at = "2025-01-01T02:30:01Z".into();
    report.mapping_sha256 = "sha256:0123456789abcdef".into();
    for f in &mut report.feeds {
        f.written_at = "2025-01-01T02:30:01Z".into();
    }
    for d in &mut report.diff {
        d.against = d.against.replace(&prefix, "");
    }
    for e in &mut report.entities {
        e.records_per_sec = 0.0;
        e.elapsed_ms = 0;
        e.file = e
            .file
            .replace(&prefix, "")
            .replace(&format!("{}/", root().display()), "");
        for g in e.profile.iter_mut().flat_map(|p| &mut p.reject_groups) {
            g.explain = g
                .explain
                .replace(&prefix, "")
                .replace(&format!("{}/", root().display()), "");
        }
    }
    for t in &mut report.tables {
        t.file = t.file.replace(&format!("{}/", root().display()), "");
    }
    for f in &mut report.files {
        *f = f.replace(&prefix, "");
    }
    let page = clerkmap::workflow::report::render(&report, Destination::Dir)
        .unwrap_or_else(|e| panic!("{e}"));
    insta::assert_snapshot!(page);
}
