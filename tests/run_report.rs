//! `report.json` and `--report report.html` on every outcome of `clerkmap run`: written, and
//! refused for too many rejects, for a feed whose records are all rejected, by the shrink
//! guard, for an input that cannot be read and for a mapping with errors. One output directory
//! goes through them in turn, as a nightly job's would: after each refusal the feeds are the
//! previous ones, and the report says so and from when. The HTML page is checked in headless
//! Chromium (its DOM, no screenshot) for the diff and the fill rates.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use clerkmap::value::Value;
use support::{clerkmap, code, read, root, text};

const CATEGORIES: &str = "categorie=mappings/sample/categorie.csv";

fn articles() -> Vec<Value> {
    read(&root().join("mappings/sample/articoli.ndjson"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

fn write_articles(path: &Path, records: &[Value]) {
    let mut s = String::new();
    for r in records {
        s.push_str(&r.to_string());
        s.push('\n');
    }
    std::fs::write(path, s).unwrap_or_else(|e| panic!("{e}"));
}

/// Runs `clerkmap run` (built-in mapping, one job) with `articoli` into `out`, with the HTML
/// report at `html`; `extra` are more arguments.
fn run(articoli: &Path, out: &Path, html: &Path, extra: &[&str]) -> std::process::Output {
    let a = format!("articoli={}", articoli.display());
    let o = out.display().to_string();
    let h = html.display().to_string();
    let mut args = vec![
        "run", "--jobs", "1", "--input", &a, "--input", CATEGORIES, "--out", &o, "--report", &h,
    ];
    args.extend_from_slice(extra);
    clerkmap(&args)
}

fn report(out: &Path) -> Value {
    serde_json::from_str(&read(&out.join("report.json"))).unwrap_or_else(|e| panic!("{e}"))
}

fn is_timestamp(s: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with('Z')
}

/// What changes from run to run made constant: times, speeds, the version, the temporary
/// directory, the built-in mapping's hash (checked for its form).
fn normalise(v: &mut Value, tmp: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                match k.as_str() {
                    "elapsed_ms" | "records_per_sec" => *x = Value::from(0),
                    "clerkmap_version" => {
                        assert_eq!(x.as_str(), Some(env!("CARGO_PKG_VERSION")));
                        *x = Value::from("<version>");
                    }
                    "mapping_sha256" => {
                        let s = x.as_str().unwrap_or_default();
                        assert!(
                            s.starts_with("sha256:") && s.len() == 7 + 64,
                            "a mapping hash: {s}"
                        );
                        *x = Value::from("sha256:<hash>");
                    }
                    _ => normalise(x, tmp),
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| normalise(x, tmp)),
        Value::String(s) if is_timestamp(s) => *s = "<time>".into(),
        Value::String(s) => *s = s.replace(tmp, "<tmp>").into(),
        _ => {}
    }
}

/// A refusal's report, with the profile of the written records left to the written run's
/// snapshot (its reject groups kept).
fn without_attributes(mut v: Value) -> Value {
    for e in v["entities"].as_array_mut().into_iter().flatten() {
        if let Some(p) = e.get_mut("profile").and_then(Value::as_object_mut) {
            p.shift_remove("attributes");
            p.shift_remove("samples");
        }
    }
    v
}

/// The feeds of the report: name -> (from, written_at).
fn feeds(r: &Value) -> Vec<(String, String, String)> {
    r["feeds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or_default().to_string(),
                f["from"].as_str().unwrap_or_default().to_string(),
                f["written_at"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The DOM headless Chromium makes of a page; `None` when Chromium is not installed.
fn dom(html: &Path, profile: &Path) -> Option<String> {
    let chromium = Path::new("/usr/bin/chromium");
    if !chromium.exists() {
        println!("notice: /usr/bin/chromium is not installed: the report is not rendered");
        return None;
    }
    let o = Command::new(chromium)
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
    assert!(o.status.success(), "chromium failed: {}", text(&o.stderr));
    Some(text(&o.stdout))
}

/// The element of the DOM that starts with `open` (up to its end tag `close`).
fn element<'a>(dom: &'a str, open: &str, close: &str) -> &'a str {
    let start = dom
        .find(open)
        .unwrap_or_else(|| panic!("the rendered DOM lacks `{open}`:\n{dom}"));
    let len = dom[start..].find(close).map_or(0, |i| i + close.len());
    &dom[start..start + len]
}

/// The texts of the cells of a table row of the DOM, tags stripped.
fn cells(row: &str) -> Vec<String> {
    row.split("<td")
        .skip(1)
        .map(|c| {
            let mut out = String::new();
            let mut in_tag = true; // the rest of `<td ...>`
            for ch in c.chars() {
                match ch {
                    '<' => in_tag = true,
                    '>' => in_tag = false,
                    _ if !in_tag => out.push(ch),
                    _ => {}
                }
            }
            out.trim().to_string()
        })
        .collect()
}

struct Nightly {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    out: PathBuf,
    tmp: String,
}

impl Nightly {
    fn new() -> Nightly {
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let dir = tmp.path().to_path_buf();
        Nightly {
            out: dir.join("out"),
            tmp: format!("{}", dir.display()),
            dir,
            _tmp: tmp,
        }
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn snapshot(&self) -> Value {
        let mut r = report(&self.out);
        normalise(&mut r, &self.tmp);
        r
    }
}

#[test]
fn every_outcome_writes_report_json_and_the_html_report() {
    let n = Nightly::new();
    let all = articles();

    // Night 1: the sample, written.
    let a1 = n.file("articoli-1.ndjson");
    write_articles(&a1, &all);
    let o = run(&a1, &n.out, &n.file("night-1.html"), &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let first = report(&n.out);
    assert_eq!(first["outcome"], "written");
    assert_eq!(first["diff"][0]["against"], "no previous feed");
    assert_eq!(first["diff"][0]["added"], 39);

    // Night 2: two articles gone, one renamed, one new: written, with the diff.
    let mut night2: Vec<Value> = all
        .iter()
        .filter(|r| !matches!(r["codice"].as_str(), Some("GON000002" | "BOR000003")))
        .cloned()
        .collect();
    for r in &mut night2 {
        if r["codice"] == "GIA000004" {
            r["titolo"] = Value::from("Giacca oversize nuova");
        }
    }
    let mut new = all[4].clone();
    new["codice"] = Value::from("NEW000999");
    night2.push(new);
    let a2 = n.file("articoli-2.ndjson");
    write_articles(&a2, &night2);
    let html2 = n.file("night-2.html");
    let o = run(&a2, &n.out, &html2, &[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("products: read 39 = written 38"),
        "the accounting on stdout:\n{}",
        text(&o.stdout)
    );
    let written = report(&n.out);
    let written_at = written["finished_at"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(is_timestamp(&written_at), "{written_at}");
    let products = read(&n.out.join("products.json"));
    insta::assert_json_snapshot!("written", n.snapshot());

    // Night 3: an export cut to 12 articles: the shrink guard refuses.
    let a3 = n.file("articoli-3.ndjson");
    write_articles(&a3, &night2[..12]);
    let html3 = n.file("night-3.html");
    let o = run(&a3, &n.out, &html3, &[]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("products: read 12 = written 12"),
        "the accounting goes to stdout on a refusal too:\n{}",
        text(&o.stdout)
    );
    let refused = report(&n.out);
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(
        feeds(&refused),
        vec![
            (
                "products.json".into(),
                "previous".into(),
                written_at.clone()
            ),
            (
                "categories.json".into(),
                "previous".into(),
                written_at.clone()
            ),
        ],
        "the feeds are night 2's, and the report says when they were written"
    );
    assert_eq!(read(&n.out.join("products.json")), products);
    assert_eq!(
        read(&n.out.join("rejects.ndjson")),
        "",
        "this run's rejects (none), not night 2's"
    );
    insta::assert_json_snapshot!("refused_shrink", without_attributes(n.snapshot()));

    // Night 4: a broken line and --max-rejects 0.
    let a4 = n.file("articoli-4.ndjson");
    write_articles(&a4, &night2);
    let mut broken = read(&a4);
    broken.push_str("{broken\n");
    std::fs::write(&a4, broken).unwrap_or_else(|e| panic!("{e}"));
    let o = run(
        &a4,
        &n.out,
        &n.file("night-4.html"),
        &["--max-rejects", "0"],
    );
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    let r = report(&n.out);
    assert_eq!(
        feeds(&r)[0],
        (
            "products.json".into(),
            "previous".into(),
            written_at.clone()
        ),
        "still night 2's, through a refused report"
    );
    assert_eq!(read(&n.out.join("rejects.ndjson")).lines().count(), 1);
    insta::assert_json_snapshot!("refused_too_many_rejects", without_attributes(n.snapshot()));

    // Night 5: every article rejected (no price, no description).
    let a5 = n.file("articoli-5.ndjson");
    let bad: Vec<Value> = ["BAD001", "BAD002"]
        .iter()
        .map(|c| {
            clerkmap::json!({"codice": c, "titolo": "Prezzo strano", "pubblicato": "SI",
                "prezzo": "su richiesta", "url": "/x", "categoriaMerceologica": "ABB",
                "dataCreazione": "01/01/2024"})
        })
        .collect();
    write_articles(&a5, &bad);
    let o = run(&a5, &n.out, &n.file("night-5.html"), &[]);
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    insta::assert_json_snapshot!("refused_all_rejected", without_attributes(n.snapshot()));

    // Night 6: the export is missing.
    let o = run(
        &n.file("missing.ndjson"),
        &n.out,
        &n.file("night-6.html"),
        &[],
    );
    assert_eq!(code(&o), 3, "{}", text(&o.stderr));
    insta::assert_json_snapshot!("refused_input", n.snapshot());

    // Night 7: someone broke the mapping.
    let mapping = n.file("broken.cmap");
    std::fs::write(
        &mapping,
        "products from articoli {\n  id = .codice\n  name = strp(.titolo)\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let a = format!("articoli={}", a2.display());
    let (o_dir, html7) = (
        n.out.display().to_string(),
        n.file("night-7.html").display().to_string(),
    );
    let m = mapping.display().to_string();
    let o = clerkmap(&[
        "run", &m, "--input", &a, "--out", &o_dir, "--report", &html7,
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    insta::assert_json_snapshot!("refused_mapping", n.snapshot());
    for night in 1..=7 {
        assert!(
            n.file(&format!("night-{night}.html")).exists(),
            "the HTML report of night {night}"
        );
    }
    let page = read(&n.file("night-7.html"));
    assert!(page.contains("id=\"outcome-refused\""), "{page}");
    assert_eq!(
        read(&n.out.join("products.json")),
        products,
        "night 2's feed went through every refusal"
    );

    // The pages in Chromium: night 2's diff and fill rates, night 3's refusal.
    let Some(dom2) = dom(&html2, &n.file("chromium")) else {
        return;
    };
    let diff = cells(element(&dom2, "<tr id=\"diff-products\">", "</tr>"));
    assert_eq!(
        diff[..8],
        [
            "products",
            &format!(
                "the previous feed {}",
                n.out.join("products.json").display()
            ),
            "39",
            "38",
            "+1",
            "-2",
            "1",
            "36"
        ],
        "{diff:?}"
    );
    assert!(
        diff[8].contains("added NEW000999")
            && diff[8].contains("removed BOR000003, GON000002")
            && diff[8].contains("changed GIA000004"),
        "{diff:?}"
    );
    let categories = cells(element(&dom2, "<tr id=\"diff-categories\">", "</tr>"));
    assert_eq!(categories[4..8], ["+0", "-0", "0", "23"], "{categories:?}");
    // Fill rates count only non-empty values: an empty `sizes` list is not "present".
    let written: Vec<Value> = serde_json::from_str(&products).unwrap_or_default();
    let filled = written
        .iter()
        .filter(|p| p["sizes"].as_array().is_some_and(|s| !s.is_empty()))
        .count();
    assert!(filled < written.len(), "the sample has empty sizes");
    let sizes = cells(element(&dom2, "<tr id=\"attr-products-sizes\">", "</tr>"));
    assert_eq!(
        sizes[..4],
        [
            "sizes",
            &written.len().to_string(),
            "100.0%",
            &format!("{:.1}%", filled as f64 * 100.0 / written.len() as f64)
        ],
        "{sizes:?}"
    );
    let price = cells(element(&dom2, "<tr id=\"attr-products-price\">", "</tr>"));
    assert!(price[0] == "pricerequired", "{price:?}");
    assert!(
        price[7].starts_with("min ")
            && price[7].contains(" · median ")
            && price[7].contains(" · max "),
        "{price:?}"
    );
    let brand = cells(element(&dom2, "<tr id=\"attr-products-brand\">", "</tr>"));
    assert!(
        brand[7].starts_with("Nord&amp;Sud 12 · Lanificio Bianchi 10 · "),
        "top brands, most frequent first: {brand:?}"
    );

    let Some(dom3) = dom(&html3, &n.file("chromium")) else {
        return;
    };
    let outcome = element(&dom3, "<div class=\"outcome refused\"", "</div>");
    assert!(
        outcome.contains("a feed would shrink too much") && outcome.contains("previous ones"),
        "{outcome}"
    );
    let feeds_table = element(&dom3, "<table id=\"feeds-table\">", "</table>");
    let row = cells(element(feeds_table, "<tr class=\"previous\">", "</tr>"));
    assert_eq!(
        row,
        ["products.json", "a previous run", written_at.as_str()],
        "{feeds_table}"
    );
    let shrink = cells(element(&dom3, "<table id=\"shrinks-table\">", "</table>"));
    assert!(shrink.iter().any(|c| c == "26 (68.4%)"), "{shrink:?}");
}
