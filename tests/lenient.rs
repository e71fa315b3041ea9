//! Lenient CSV inputs (issue 15): `input NAME lenient [ragged]` in the mapping, `lenient:` of an
//! input in clerkmap.yaml (which wins). Rows with extra empty trailing fields (and, `ragged`,
//! short rows) are read fitted to the header; the report counts them (`lenient` in
//! report.json, a line of the summary); the default stays strict.

mod support;

use std::path::Path;

use clerkmap::value::Value;
use support::{clerkmap, code, read, text};

const MAPPING: &str = r#"input combinations lenient
products from combinations {
  id          = .reference
  name        = .reference
  description = "d"
  price       = 1
  image       = "https://x.test/i.jpg"
  url         = "https://x.test/"
  categories  = []
  created_at  = 0
  stock       = .quantity | int
}
"#;

const CSV: &str = "id_product;reference;quantity\n1;A;3\n1;B;4;\n2;C\n2;D;5;x\n";

fn setup(dir: &Path, mapping: &str) {
    std::fs::write(dir.join("m.cmap"), mapping).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("combinations.csv"), CSV).unwrap_or_else(|e| panic!("{e}"));
}

fn ids(out: &Path) -> Vec<String> {
    let v: Vec<Value> =
        serde_json::from_str(&read(&out.join("products.json"))).unwrap_or_else(|e| panic!("{e}"));
    v.iter()
        .map(|p| p["id"].as_str().unwrap_or("").to_string())
        .collect()
}

fn rejected_lines(out: &Path) -> Vec<u64> {
    read(&out.join("rejects.ndjson"))
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"));
            v["line"].as_u64().unwrap_or(0)
        })
        .collect()
}

fn run(dir: &Path, extra: &[&str], out: &str) -> (std::process::Output, std::path::PathBuf) {
    let out = dir.join(out);
    let mut args = vec!["run"];
    args.extend(extra);
    let (m, c, o) = (
        dir.join("m.cmap").display().to_string(),
        format!("combinations={}", dir.join("combinations.csv").display()),
        out.display().to_string(),
    );
    if extra.is_empty() {
        args.extend([m.as_str(), "--input", c.as_str(), "--out", o.as_str()]);
    }
    (clerkmap(&args), out)
}

#[test]
fn a_lenient_input_reads_rows_with_extra_empty_fields_and_counts_them() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    setup(dir.path(), MAPPING);
    let (o, out) = run(dir.path(), &[], "out");
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(ids(&out), ["A", "B"]);
    // The short row and the row whose extra field is not empty are still refused, with their line.
    assert_eq!(rejected_lines(&out), [4, 5]);
    let stdout = text(&o.stdout) + &text(&o.stderr);
    assert!(
        stdout
            .contains("combinations: 1 row read leniently (1 with extra empty fields, 0 short): "),
        "{stdout}"
    );
    let report: Value =
        serde_json::from_str(&read(&out.join("report.json"))).unwrap_or_else(|e| panic!("{e}"));
    let l = &report["lenient"][0];
    assert_eq!(
        (l["input"].as_str(), l["rows"].as_u64()),
        (Some("combinations"), Some(1))
    );
    assert!(
        l["at"][0]
            .as_str()
            .is_some_and(|a| a.ends_with("combinations.csv:3")),
        "{l}"
    );
    // `explain` reads the input as the run does.
    let m = dir.path().join("m.cmap").display().to_string();
    let c = format!(
        "combinations={}",
        dir.path().join("combinations.csv").display()
    );
    let o = clerkmap(&["explain", &m, "--input", &c, "--line", "3"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("\"B\""), "{}", text(&o.stdout));
}

#[test]
fn ragged_also_pads_short_rows_and_strict_is_the_default() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    setup(dir.path(), &MAPPING.replace("lenient", "lenient ragged"));
    let (o, out) = run(dir.path(), &[], "ragged");
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(ids(&out), ["A", "B", "C"]);
    assert_eq!(rejected_lines(&out), [5]);

    setup(
        dir.path(),
        &MAPPING.replace("input combinations lenient\n", ""),
    );
    let (o, out) = run(dir.path(), &[], "strict");
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(ids(&out), ["A"]);
    assert_eq!(rejected_lines(&out), [3, 4, 5]);
    let report = read(&out.join("report.json"));
    assert!(!report.contains("\"lenient\""), "{report}");
}

#[test]
fn clerkmap_yaml_says_it_per_input_and_wins_over_the_mapping() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    setup(dir.path(), MAPPING);
    let yaml = dir.path().join("clerkmap.yaml");
    for (setting, expected) in [
        ("strict", vec!["A"]),
        ("ragged", vec!["A", "B", "C"]),
        ("true", vec!["A", "B"]),
    ] {
        std::fs::write(
            &yaml,
            format!("mapping: m.cmap\ninputs:\n  combinations: {{path: combinations.csv, lenient: {setting}}}\nout: out-{setting}\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let (o, out) = run(
            dir.path(),
            &["-c", yaml.to_str().unwrap_or("")],
            &format!("out-{setting}"),
        );
        assert_eq!(code(&o), 0, "{setting}: {}", text(&o.stderr));
        assert_eq!(ids(&out), expected, "{setting}");
    }
    std::fs::write(
        &yaml,
        "mapping: m.cmap\ninputs:\n  combinations: {path: combinations.csv, lenient: maybe}\nout: out\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (o, _) = run(dir.path(), &["-c", yaml.to_str().unwrap_or("")], "out");
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr)
            .contains("inputs.combinations: `lenient` is one of strict, trailing, ragged"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn an_input_declaration_names_an_input_of_the_mapping_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    setup(
        dir.path(),
        &format!("input combinations lenient\ninput combinatons lenient\n{MAPPING}"),
    );
    let o = clerkmap(&["check", dir.path().join("m.cmap").to_str().unwrap_or("")]);
    let err = text(&o.stderr) + &text(&o.stdout);
    assert!(
        err.contains("E009") && err.contains("input `combinations` is declared twice"),
        "{err}"
    );
    assert!(
        err.contains("E004") && err.contains("did you mean `combinations`?"),
        "{err}"
    );
}
