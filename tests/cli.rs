//! The `clerkmap` binary: commands, exit codes, messages.

mod support;

use support::{clerkmap, code, root, text};

use std::path::Path;
use std::process::Output;

fn sample_inputs() -> Vec<String> {
    vec![
        "--input".into(),
        "articoli=mappings/sample/articoli.ndjson".into(),
        "--input".into(),
        "categorie=mappings/sample/categorie.csv".into(),
    ]
}

fn run_in(out: &Path, extra: &[&str]) -> Output {
    let mut args: Vec<String> = vec!["run".into()];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.extend(["--out".to_string(), out.display().to_string()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    clerkmap(&refs)
}

#[test]
fn check_passes_on_the_shipped_mapping_and_the_builtin_one() {
    let o = clerkmap(&["check", "mappings/passweb.cmap"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains(
            "mappings/passweb.cmap: ok (products from articoli, categories from categorie, orders from ordini, customers from clienti, pages from pagine)"
        )
    );
    let o = clerkmap(&["check"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("built in"));
}

#[test]
fn builtin_mapping_is_the_shipped_file() {
    let shipped = std::fs::read_to_string(root().join("mappings/passweb.cmap")).unwrap_or_default();
    assert_eq!(clerkmap::cli::BUILTIN_MAPPING, shipped);
}

#[test]
fn a_mapping_with_three_mistakes_gets_three_coded_diagnostics() {
    let o = clerkmap(&["check", "tests/cases/error_three_mistakes/mapping.cmap"]);
    assert_eq!(code(&o), 2);
    let err = text(&o.stderr);
    for (code, at) in [("E007", ":2:1]"), ("E003", ":5:36]"), ("E006", ":10:3]")] {
        assert!(
            err.contains(&format!("error[{code}]")),
            "{code} missing:\n{err}"
        );
        assert!(
            err.contains(&format!(
                "tests/cases/error_three_mistakes/mapping.cmap{at}"
            )),
            "{at} missing:\n{err}"
        );
    }
    assert!(err.contains("3 errors"), "{err}");
    insta::assert_snapshot!(err);
}

#[test]
fn run_writes_feeds_and_prints_the_accounting() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let inputs = sample_inputs();
    let mut args: Vec<&str> = inputs.iter().map(String::as_str).collect();
    args.extend(["--var", "site_url=https://www.negozio.test", "--jobs", "2"]);
    let o = run_in(out.path(), &args);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("products: read 40 = written 39 + filtered 1 + rejected 0"),
        "{stdout}"
    );
    assert!(
        stdout.contains("categories: read 23 = written 23 + filtered 0 + rejected 0"),
        "{stdout}"
    );
    let products = std::fs::read_to_string(out.path().join("products.json")).unwrap_or_default();
    assert!(products.contains("\"url\":\"https://www.negozio.test/"));
    let report: clerkmap::value::Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("report.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    assert_eq!(report["entities"][0]["written"], 39);
    assert!(out.path().join("rejects.ndjson").exists());
}

#[test]
fn missing_and_empty_inputs_stop_before_any_output() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cats = "categorie=mappings/sample/categorie.csv";
    let o = run_in(
        out.path(),
        &["--input", "articoli=nope/articoli.ndjson", "--input", cats],
    );
    assert_eq!(code(&o), 3);
    assert!(
        text(&o.stderr).contains("nope/articoli.ndjson: cannot open"),
        "{}",
        text(&o.stderr)
    );
    let empty = out.path().join("empty.ndjson");
    std::fs::write(&empty, "").unwrap_or_else(|e| panic!("{e}"));
    let arg = format!("articoli={}", empty.display());
    let o = run_in(&out.path().join("o"), &["--input", &arg, "--input", cats]);
    assert_eq!(code(&o), 3);
    assert!(text(&o.stderr).contains("is empty"), "{}", text(&o.stderr));
    assert!(!out.path().join("o/products.json").exists());
}

#[test]
fn unknown_input_names_and_missing_lookup_tables_are_usage_errors() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(
        out.path(),
        &["--input", "articolo=mappings/sample/articoli.ndjson"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("did you mean `articoli`?"),
        "{}",
        text(&o.stderr)
    );
    let o = run_in(
        out.path(),
        &["--input", "articoli=mappings/sample/articoli.ndjson"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("looks up table `categorie`, but no --input categorie=PATH"),
        "{}",
        text(&o.stderr)
    );
}

/// Blocks and tables reading three inputs, some of them twice: `clienti` is two blocks' source
/// and the input of `by_mail`, `tbl` the input of `t`.
const SHARED_INPUTS: &str = r#"lookup by_mail from clienti by .mail
customers from clienti { id = .id  other = lookup(by_mail, .mail).id }
lookup t from tbl by .k
orders from ordini { id = .id  customer = lookup(t, .c).id  time = 0  products = [{id: "p", quantity: 1, price: 1.0}] }
categories from clienti { id = .id  name = "n"  url = "https://x.test/" ~ .id  subcategories = [] }
"#;

#[test]
fn an_unknown_input_is_told_each_input_the_mapping_reads_once() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mapping = dir.path().join("m.cmap");
    std::fs::write(&mapping, SHARED_INPUTS).unwrap_or_else(|e| panic!("{e}"));
    let mapping = mapping.display().to_string();
    let out = dir.path().join("out");
    let o = run_in(&out, &[&mapping, "--input", "zzzz=z.csv"]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        text(&o.stderr),
        "error: --input `zzzz`: the mapping has no source or lookup table of that name; the mapping reads `clienti`, `tbl`, `ordini`\n"
    );
    // A table's name, when the table reads another input: that input is the one to give.
    let table_name = "error: --input `t`: lookup table `t` reads its rows from input `tbl` (`lookup t from tbl`), not from an input of its name; give its file as --input tbl=PATH\n";
    let o = run_in(&out, &[&mapping, "--input", "t=t.csv"]);
    assert_eq!(code(&o), 2);
    assert_eq!(text(&o.stderr), table_name);
    let o = clerkmap(&["check", &mapping, "--input", "t=t.csv"]);
    assert_eq!(code(&o), 2);
    assert_eq!(text(&o.stderr), table_name);
    // Nothing given: each block's source once.
    let o = run_in(&out, &[&mapping]);
    assert_eq!(code(&o), 2);
    assert_eq!(
        text(&o.stderr),
        "error: nothing to do: give at least one of --input clienti=PATH, --input ordini=PATH\n"
    );
}

#[test]
fn an_input_only_a_block_left_out_by_entities_reads_is_accepted_and_not_read() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let write = |name: &str, content: &str| {
        std::fs::write(dir.path().join(name), content).unwrap_or_else(|e| panic!("{e}"));
    };
    write(
        "ent.cmap",
        "orders from o { id = .id  customer = .c  time = 0  products = [{id: \"p\", quantity: 1, price: 1.0}] }\ncustomers from c { id = .id }\n",
    );
    // Broken (a quote never closed): a run that read it would stop.
    write("o.csv", "id,c\n\"1,x\n");
    write("c.csv", "id\nx\n");
    write(
        "clerkmap.yaml",
        "mapping: ent.cmap\ninputs:\n  o: o.csv\n  c: c.csv\nout: out\n",
    );
    let note = "input `o` is not read: the `orders` block that reads it is left out by --entities";
    let in_dir = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_clerkmap"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"))
    };
    let flags = [
        "run",
        "ent.cmap",
        "--input",
        "o=o.csv",
        "--input",
        "c=c.csv",
        "--out",
        "flags",
        "--entities",
        "customers",
    ];
    let project = ["run", "-c", "clerkmap.yaml", "--entities", "customers"];
    for (args, out) in [(&flags[..], "flags"), (&project[..], "out")] {
        let o = in_dir(args);
        assert_eq!(code(&o), 0, "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(note), "{}", text(&o.stderr));
        let feed = support::read(&dir.path().join(out).join("customers.json"));
        assert!(feed.contains("\"x\""), "{feed}");
        assert!(!dir.path().join(out).join("orders.json").exists());
    }
    // A name no block or table reads is still refused, with every input the mapping reads.
    let o = in_dir(&[&flags[..], &["--input", "zzzz=c.csv"]].concat());
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains(
            "error: --input `zzzz`: the mapping has no source or lookup table of that name; the mapping reads `o`, `c`"
        ),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn an_unknown_input_of_the_project_file_is_named_as_the_files() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, content) in [
        ("m.cmap", "customers from c { id = .id }\n"),
        ("c.csv", "id\nx\n"),
        (
            "clerkmap.yaml",
            "mapping: m.cmap\ninputs:\n  c: c.csv\n  zzzz: c.csv\nout: out\n",
        ),
    ] {
        std::fs::write(dir.path().join(name), content).unwrap_or_else(|e| panic!("{e}"));
    }
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(["run", "-c", "clerkmap.yaml"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run clerkmap: {e}"));
    assert_eq!(code(&o), 2);
    // Not `--input `zzzz``: no such flag was given.
    assert_eq!(
        text(&o.stderr),
        "error: input `zzzz` (from clerkmap.yaml): the mapping has no source or lookup table of that name; the mapping reads `c`\n"
    );
}

#[test]
fn max_rejects_aborts_without_replacing_feeds() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(out.path().join("products.json"), "[]\n").unwrap_or_else(|e| panic!("{e}"));
    let bad = out.path().join("articoli.ndjson");
    let mut data =
        std::fs::read_to_string(root().join("mappings/sample/articoli.ndjson")).unwrap_or_default();
    data.push_str("{broken\n");
    std::fs::write(&bad, data).unwrap_or_else(|e| panic!("{e}"));
    let arg = format!("articoli={}", bad.display());
    let o = run_in(
        out.path(),
        &[
            "--input",
            &arg,
            "--input",
            "categorie=mappings/sample/categorie.csv",
            "--max-rejects",
            "0",
        ],
    );
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("aborted: 1 record rejected, more than --max-rejects 0"));
    // The accounting says no feed was written, and which block never ran (a Wix trial read
    // `-> products.json` of a feed that was not written, and no word of its categories).
    let out_text = text(&o.stdout);
    assert!(
        out_text.contains("rejected 1  -> no feed written (")
            && out_text.contains("categories: not run (the run stopped before it)"),
        "{out_text}"
    );
    assert_eq!(
        std::fs::read_to_string(out.path().join("products.json")).unwrap_or_default(),
        "[]\n",
        "old feed kept"
    );
    let rejects = std::fs::read_to_string(out.path().join("rejects.ndjson")).unwrap_or_default();
    assert!(
        rejects.contains("\"line\":41") && rejects.contains("malformed JSON"),
        "{rejects}"
    );
}

#[test]
fn project_file_gives_the_same_settings() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sample = root().join("mappings/sample");
    let yaml = format!(
        "mapping: {}\ninputs:\n  articoli: {}\n  categorie: {{ path: {}, format: csv }}\nout: out\nformat: ndjson\nvars:\n  site_url: https://yaml.test\njobs: 1\n",
        root().join("mappings/passweb.cmap").display(),
        sample.join("articoli.ndjson").display(),
        sample.join("categorie.csv").display()
    );
    let cfg = dir.path().join("clerkmap.yaml");
    std::fs::write(&cfg, yaml).unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&["run", "-c", &cfg.display().to_string()]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let products =
        std::fs::read_to_string(dir.path().join("out/products.ndjson")).unwrap_or_default();
    assert_eq!(products.lines().count(), 39);
    assert!(products.contains("https://yaml.test/"));

    std::fs::write(&cfg, "inputz: {}\n").unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&["run", "-c", &cfg.display().to_string()]);
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("unknown field `inputz`"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let o = clerkmap(&["run", "--help"]);
    let help = text(&o.stdout);
    for line in [
        "Exit codes:",
        "2  the mapping has errors",
        "4  more records rejected than `--max-rejects`",
    ] {
        assert!(help.contains(line), "{help}");
    }
}

#[test]
fn an_input_given_twice_is_refused() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(
        out.path(),
        &[
            "--input",
            "articoli=missing.ndjson",
            "--input",
            "articoli=mappings/sample/articoli.ndjson",
        ],
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o.stderr).contains("--input articoli=... is given twice"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn a_feed_whose_records_are_all_rejected_is_not_written() {
    let out = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let bad = out.path().join("articoli.ndjson");
    std::fs::write(&bad, "{\"codice\":\"A\",\"pubblicato\":\"SI\"}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let arg = format!("articoli={}", bad.display());
    let o = run_in(
        out.path(),
        &[
            "--input",
            &arg,
            "--input",
            "categorie=mappings/sample/categorie.csv",
        ],
    );
    assert_eq!(code(&o), 4, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("all 1 products records were rejected"),
        "{}",
        text(&o.stderr)
    );
    assert!(!out.path().join("products.json").exists());
}

/// A group key with a typo leaves every row in no group: the customers feed would be empty,
/// and Clerk would delete every customer it has, even with no earlier feed to compare with
/// (a user trial got `customers.json` = `[]` and exit 0).
#[test]
fn an_empty_customers_feed_is_refused_even_on_a_first_run() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let orders = dir.path().join("orders.csv");
    std::fs::write(&orders, "Name,Email\n#1,a@x.test\n#2,b@x.test\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let mapping = dir.path().join("m.cmap");
    std::fs::write(
        &mapping,
        "customers from orders group by each [nonempty(.Emial)] {\n  id = key\n  email = key\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let input = format!("orders={}", orders.display());
    let m = mapping.display().to_string();
    let o = run_in(&out, &[&m, "--input", &input]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 4, "{err}");
    assert!(
        err.contains("customers: the feed is empty; Clerk would delete every customer it has")
            && err.contains("if an empty feed is intended, pass --allow-shrink"),
        "{err}"
    );
    assert!(!out.join("customers.json").exists());
    // Told so, the run writes it.
    let o = run_in(&out, &[&m, "--input", &input, "--allow-shrink"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let feed = std::fs::read_to_string(out.join("customers.json")).unwrap_or_default();
    assert_eq!(feed.trim(), "[]");
}

/// `clerkmap run ... 2>&1 | head`: the reader goes after a line. Printing to a closed pipe
/// panicked (exit 101) after the feeds were written; what nobody reads is dropped, and the
/// run ends as it would (`test` said "error: Broken pipe", exit 1).
#[test]
fn a_closed_pipe_on_stdout_and_stderr_is_not_a_failure() {
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let gone = || {
        let (reader, writer) = std::io::pipe().unwrap_or_else(|e| panic!("{e}"));
        drop(reader);
        writer
    };
    let status = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_clerkmap"))
            .args(args)
            .current_dir(root())
            .stdin(Stdio::null())
            .stdout(gone())
            .stderr(gone())
            .status()
            .unwrap_or_else(|e| panic!("{e}"))
            .code()
    };
    let out_arg = out.display().to_string();
    let mut run = vec!["run", "--out", &out_arg];
    let inputs = sample_inputs();
    run.extend(inputs.iter().map(String::as_str));
    assert_eq!(status(&run), Some(0));
    assert!(out.join("products.json").exists());
    assert_eq!(status(&["test"]), Some(0));
    assert_eq!(status(&["check", "mappings/passweb.cmap"]), Some(0));
}

/// Two stores without keys of their own push with the project's one public key: into one
/// Clerk store, each overwriting the other's records (a trial's `it` and `de`). Refused, as
/// two stores writing one directory are.
#[test]
fn two_stores_cannot_share_a_clerk_key_or_an_output_directory() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let yaml = dir.path().join("clerkmap.yaml");
    let stores = "stores:\n  - name: it\n    default: true\n    countries: [IT]\n  - name: de\n    countries: [DE]\n";
    std::fs::write(&yaml, format!("out: out\n{stores}")).unwrap_or_else(|e| panic!("{e}"));
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_clerkmap"))
        .args(["push", "-c", &yaml.display().to_string(), "--dry-run"])
        .env("CLERK_PUBLIC_KEY", "pub")
        .env("CLERK_PRIVATE_KEY", "priv")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("stores `it` and `de` would push to one Clerk store: both have the public key of $CLERK_PUBLIC_KEY"),
        "{err}"
    );
    std::fs::write(
        &yaml,
        "mapping: m.cmap\nout: out\nstores:\n  - name: it\n    default: true\n    out: same\n  - name: de\n    out: same\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&["run", "-c", &yaml.display().to_string()]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(
        err.contains("stores: `it` and `de` have the same `out: "),
        "{err}"
    );
}

#[test]
fn a_project_with_stores_writes_one_directory_per_store_and_routes_by_country() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let s = root().join("mappings/sample");
    let yaml = format!(
        r#"mapping: {mapping}
out: out
inputs:
  articoli: {s}/articoli.ndjson
  categorie: {s}/categorie.csv
  ordini: {s}/ordini.ndjson
  clienti: {s}/clienti.ndjson
stores:
  - name: it
    language: it
    default: true
    countries: [IT, SM]
    vars: {{ site_url: "https://www.negozio.it" }}
  - name: de
    language: de
    countries: [DE, CH]
    vars: {{ site_url: "https://www.negozio.it/de" }}
"#,
        mapping = root().join("mappings/passweb.cmap").display(),
        s = s.display()
    );
    let cfg = dir.path().join("clerkmap.yaml");
    std::fs::write(&cfg, yaml).unwrap_or_else(|e| panic!("{e}"));
    let o = clerkmap(&["run", "-c", &cfg.display().to_string()]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("== store de"),
        "{}",
        text(&o.stdout)
    );
    let load = |store: &str, f: &str| -> Vec<clerkmap::value::Value> {
        let p = dir.path().join("out").join(store).join(f);
        serde_json::from_str(
            &std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())),
        )
        .unwrap_or_else(|e| panic!("{e}"))
    };
    let clients: Vec<clerkmap::value::Value> = std::fs::read_to_string(s.join("clienti.ndjson"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    let country = |id: &clerkmap::value::Value| {
        clients
            .iter()
            .find(|c| &c["id"] == id)
            .map(|c| c["nazione"].as_str().unwrap_or("").to_string())
    };
    let (it, de) = (load("it", "customers.json"), load("de", "customers.json"));
    let sent = clients
        .iter()
        .filter(|c| c["attributi"]["OptOutClerk"] != "S")
        .count();
    assert_eq!(
        it.len() + de.len(),
        sent,
        "every customer in exactly one store"
    );
    for c in &de {
        assert!(
            ["DE", "CH"].contains(&country(&c["id"]).unwrap_or_default().as_str()),
            "{c}"
        );
    }
    for c in &it {
        assert!(
            !["DE", "CH"].contains(&country(&c["id"]).unwrap_or_default().as_str()),
            "{c}"
        );
    }
    let (oit, ode) = (load("it", "orders.json"), load("de", "orders.json"));
    for o in &ode {
        assert!(
            ["DE", "CH"].contains(&country(&o["customer"]).unwrap_or_default().as_str()),
            "{o}"
        );
    }
    let ordini = std::fs::read_to_string(s.join("ordini.ndjson")).unwrap_or_default();
    let kept = ordini
        .lines()
        .filter(|l| !l.contains("Pagamento non confermato"))
        .count();
    assert_eq!(
        oit.len() + ode.len(),
        kept,
        "every order in exactly one store"
    );
    // Products go to every store, each with its own site.
    let (pit, pde) = (load("it", "products.json"), load("de", "products.json"));
    assert_eq!(pit.len(), pde.len());
    assert!(
        pde[0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://www.negozio.it/de/"))
    );
    assert!(
        pit[0]["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://www.negozio.it/") && !u.contains("/de/"))
    );
}
