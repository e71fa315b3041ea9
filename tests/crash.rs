//! A run killed at any moment leaves a consistent output directory: the feeds, `rejects.ndjson`
//! and `report.json` all come from the same run (the previous one or the new one), and the next
//! run removes what the killed one left behind.
//!
//! Two exports alternate (the sample shop replicated `n` times, and a smaller one), each run is
//! killed with SIGKILL after a random delay, and after each kill the report's counts must match
//! the files beside it. `a_killed_run_never_mixes_two_runs` does a few kills on every `cargo
//! test`; the long version: `cargo test --release --test crash -- --ignored --nocapture`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use clerkmap::value::Value;
use support::{read, root};

/// Writes the sample articles replicated `n` times (ids made unique) into `dir`.
fn articoli(dir: &Path, n: usize) -> PathBuf {
    let text = read(&root().join("mappings/sample/articoli.ndjson"));
    let mut out = String::new();
    for rep in 0..n {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut r: Value = serde_json::from_str(line).unwrap_or_default();
            if let Some(Value::String(code)) = r.get_mut("codice") {
                code.push_str(&format!("-{rep}"));
            }
            out.push_str(&r.to_string());
            out.push('\n');
        }
    }
    let path = dir.join(format!("articoli-{n}.ndjson"));
    std::fs::write(&path, out).unwrap_or_else(|e| panic!("{e}"));
    path
}

fn run(articoli: &Path, out: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(["run", "-q", "--allow-shrink", "--input"])
        .arg(format!("articoli={}", articoli.display()))
        .arg("--input")
        .arg(format!(
            "categorie={}",
            root().join("mappings/sample/categorie.csv").display()
        ))
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
}

/// Records in a JSON-array feed.
fn records(path: &Path) -> u64 {
    let v: Value = serde_json::from_str(&read(path)).unwrap_or_default();
    v.as_array().map_or(0, |a| a.len() as u64)
}

/// The report's counts against the files beside it.
fn check_consistent(out: &Path) {
    let Ok(text) = std::fs::read_to_string(out.join("report.json")) else {
        assert!(
            !out.join("products.json").exists(),
            "a feed without a report"
        );
        return;
    };
    let report: Value = serde_json::from_str(&text).unwrap_or_default();
    let mut rejected = 0;
    for e in report["entities"].as_array().into_iter().flatten() {
        let name = e["entity"].as_str().unwrap_or_default();
        let written = e["written"].as_u64().unwrap_or(u64::MAX);
        rejected += e["rejected"].as_u64().unwrap_or(0);
        assert_eq!(
            records(&out.join(format!("{name}.json"))),
            written,
            "{name}.json does not hold what report.json says"
        );
    }
    let lines = read(&out.join("rejects.ndjson")).lines().count() as u64;
    assert_eq!(lines, rejected, "rejects.ndjson does not match report.json");
}

fn leftovers(out: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(out.join(".clerkmap"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("gen-"))
        .collect();
    names.sort();
    names
}

fn kill_runs(kills: usize, big: usize) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inputs = [articoli(dir.path(), big), articoli(dir.path(), 2)];
    let out = dir.path().join("out");
    let mut rng = fastrand::Rng::with_seed(7);
    for i in 0..kills {
        let mut child = run(&inputs[i % 2], &out);
        std::thread::sleep(Duration::from_millis(rng.u64(0..400)));
        let _ = child.kill();
        let _ = child.wait();
        check_consistent(&out);
    }
    // A run that completes removes every leftover generation of the killed ones.
    let status = run(&inputs[0], &out)
        .wait()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(status.success());
    check_consistent(&out);
    assert_eq!(leftovers(&out).len(), 1, "{:?}", leftovers(&out));
    let stray: Vec<String> = std::fs::read_dir(&out)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".clerkmap")
        .collect();
    assert!(stray.is_empty(), "temporary files left: {stray:?}");
}

#[test]
fn a_killed_run_never_mixes_two_runs() {
    kill_runs(6, 20);
}

#[test]
#[ignore = "long: 60 kills over bigger exports"]
fn many_killed_runs_never_mix() {
    kill_runs(60, 100);
}
