//! Issue 11, conventions: `--color` and the colour variables, `-q`/`-v` on every command, one
//! number format, `--message-format json`, `--input-format` everywhere, syntax errors that
//! say what was expected.

mod support_clerk;

use std::process::Output;

use clerkmap::value::Value;
use support_clerk::*;

const COMMANDS: [&str; 10] = [
    "check",
    "run",
    "push",
    "serve",
    "test",
    "explain",
    "inspect",
    "fmt",
    "init",
    "completions",
];

/// `clerkmap ARGS` with these environment variables (and no NO_COLOR unless given).
fn with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = command(args);
    c.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap_or_else(|e| panic!("{e}"))
}

/// The text without its ANSI escape sequences (`ESC [ ... m`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn coloured(o: &Output) -> bool {
    text(&o.stderr).contains('\u{1b}')
}

#[test]
fn colour_follows_the_flag_then_no_color_then_clicolor_force() {
    let bad = ["check", "tests/cases/error_three_mistakes/mapping.cmap"];
    let with = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = bad.to_vec();
        args.extend_from_slice(extra);
        let o = with_env(&args, env);
        assert_eq!(code(&o), 2);
        coloured(&o)
    };
    // Not a terminal: no colour, unless forced.
    assert!(!with(&[], &[]));
    assert!(with(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!with(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    // The flag wins over both.
    assert!(with(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!with(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    // The command line's own messages too, and coloured or not they say the same.
    let plain = with_env(&["run", "--color", "never"], &[]);
    let forced = with_env(&["run", "--color", "always"], &[]);
    assert_eq!(
        text(&plain.stderr),
        "error: no output directory: pass --out DIR (or `out:` in the project file)\n"
    );
    assert!(coloured(&forced));
    assert_eq!(strip_ansi(&text(&forced.stderr)), text(&plain.stderr));
}

#[test]
fn every_command_takes_color_quiet_and_verbose() {
    for cmd in COMMANDS {
        let help = text(&clerkmap(&[cmd, "--help"]).stdout);
        for flag in ["--color <WHEN>", "-q, --quiet", "-v, --verbose"] {
            assert!(help.contains(flag), "`{cmd} --help` lacks {flag}:\n{help}");
        }
    }
    // -q and -v: not both.
    let o = clerkmap(&["check", "-q", "-v"]);
    assert_eq!(code(&o), 2);
}

#[test]
fn quiet_and_verbose_say_less_and_more() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out").display().to_string();
    let run = |extra: &str| {
        clerkmap(&[
            "run",
            extra,
            "--input",
            "articoli=mappings/sample/articoli.ndjson",
            "--input",
            "categorie=mappings/sample/categorie.csv",
            "--out",
            &out,
        ])
    };
    let o = run("-q");
    assert_eq!(code(&o), 0);
    assert_eq!(
        (text(&o.stdout), text(&o.stderr)),
        (String::new(), String::new())
    );
    let o = run("-v");
    assert_eq!(code(&o), 0);
    assert!(
        text(&o.stderr).contains("products.json"),
        "{}",
        text(&o.stderr)
    );
    let o = clerkmap(&["check", "-q"]);
    assert_eq!((code(&o), text(&o.stdout)), (0, String::new()));
    let o = clerkmap(&["check", "-v"]);
    assert!(
        text(&o.stderr).contains("lookup tables: categorie"),
        "{}",
        text(&o.stderr)
    );
    // every var the mapping reads, with its value and where it comes from
    let o = clerkmap(&["check", "-v", "--var", "site_url=https://a.test"]);
    let err = text(&o.stderr);
    assert!(
        err.contains("  vars:\n    site_url = \"https://a.test\" (set)\n"),
        "{err}"
    );
    assert!(
        err.contains("\n    track_parent = false (default)"),
        "{err}"
    );
}

/// `(0.01s, 5,888/s)`: a duration and a whole rate with thousands separated.
fn one_format(line: &str) -> bool {
    let Some(tail) = line.rsplit_once(" (").map(|(_, t)| t) else {
        return false;
    };
    let Some((secs, rate)) = tail.trim_end_matches(')').split_once(", ") else {
        return false;
    };
    let secs_ok = secs.strip_suffix('s').is_some_and(|s| {
        s.split_once('.')
            .is_some_and(|(a, b)| !a.is_empty() && b.len() == 2)
    });
    let rate_ok = rate.strip_suffix("/s").is_some_and(|r| {
        let groups: Vec<&str> = r.split(',').collect();
        groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3)
            && r.chars().all(|c| c.is_ascii_digit() || c == ',')
    });
    secs_ok && rate_ok
}

#[test]
fn counts_and_rates_have_one_format() {
    assert!(one_format("p: read 1 -> p.json (0.01s, 5,888/s)"));
    assert!(one_format("p: read 1 -> p.json (0.01s, 12/s)"));
    assert!(!one_format("p: read 1 -> p.json (0.01s, 5888 records/s)"));
    assert!(!one_format("p: read 1 -> p.json (0.01s, 20,583.4795/s)"));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run_sample(tmp.path());
    let o = clerkmap(&[
        "run",
        "--input",
        "articoli=mappings/sample/articoli.ndjson",
        "--input",
        "categorie=mappings/sample/categorie.csv",
        "--out",
        &tmp.path().display().to_string(),
        "--allow-shrink",
    ]);
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().filter(|l| l.contains(": read ")).collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().all(|l| one_format(l)), "{out}");
    assert!(!out.contains("records/s"), "{out}");
    // The push summary too.
    let fake = FakeClerk::start();
    let d = tmp.path().display().to_string();
    let o = clerkmap(&["push", "--from", &d, "--api-url", &fake.url]);
    let out = text(&o.stdout);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let last = out.lines().last().unwrap_or_default();
    assert!(
        last.contains(" records acknowledged in ")
            && last.contains("/s; batches of up to 500, 4 in flight), 0 retries"),
        "{out}"
    );
    let rate = last
        .split_once(" (")
        .and_then(|(_, r)| r.split_once("/s;"))
        .map(|(r, _)| r)
        .unwrap_or_default();
    assert!(
        !rate.is_empty() && rate.chars().all(|c| c.is_ascii_digit() || c == ','),
        "{last}"
    );
}

fn json_lines(o: &Output) -> Vec<Value> {
    text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn machine_readable_check_test_and_push() {
    // check: a line per diagnostic, then the result.
    let o = clerkmap(&[
        "check",
        "tests/cases/error_three_mistakes/mapping.cmap",
        "--message-format",
        "json",
    ]);
    assert_eq!(code(&o), 2);
    assert_eq!(text(&o.stderr), "", "everything is on stdout");
    let lines = json_lines(&o);
    let codes: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "diagnostic")
        .map(|l| l["code"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(codes, ["E007", "E003", "E006"]);
    let e003 = &lines[1];
    assert_eq!(
        (e003["line"].as_u64(), e003["column"].as_u64()),
        (Some(5), Some(36))
    );
    assert_eq!(e003["hint"], "did you mean `strip_html`?");
    assert!(
        e003["rendered"]
            .as_str()
            .unwrap_or_default()
            .contains("error[E003]")
    );
    assert_eq!(lines[3]["type"], "result");
    assert_eq!(lines[3]["ok"], false);
    assert_eq!(lines[3]["errors"], 3);
    let o = clerkmap(&["check", "--message-format", "json"]);
    assert_eq!(code(&o), 0);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["blocks"][0]["entity"], "products");

    // test: a line per case, then the totals.
    let o = clerkmap(&["test", "mappings/tests", "--message-format", "json"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let lines = json_lines(&o);
    let (cases, summary) = lines.split_at(lines.len() - 1);
    assert!(!cases.is_empty());
    assert!(
        cases
            .iter()
            .all(|c| c["type"] == "case" && c["outcome"] == "ok"),
        "{cases:?}"
    );
    assert_eq!(summary[0]["type"], "summary");
    assert_eq!(summary[0]["passed"], cases.len());

    // push: a line per entity, then the totals; an error is a line too.
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    run_sample(tmp.path());
    let fake = FakeClerk::start();
    let d = tmp.path().display().to_string();
    let push = |extra: &[&str]| {
        let mut args = vec![
            "push",
            "--from",
            &d,
            "--api-url",
            &fake.url,
            "--message-format",
            "json",
        ];
        args.extend_from_slice(extra);
        clerkmap(&args)
    };
    let o = push(&[]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    let lines = json_lines(&o);
    let entities: Vec<&str> = lines
        .iter()
        .filter(|l| l["type"] == "entity")
        .map(|l| l["entity"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        entities,
        ["products", "categories", "orders", "customers", "pages"]
    );
    assert_eq!(lines[0]["sent"], 39);
    let summary = lines.last().cloned().unwrap_or_default();
    assert_eq!(
        (summary["type"].as_str(), summary["ok"].as_bool()),
        (Some("summary"), Some(true))
    );
    let sent: u64 = lines
        .iter()
        .filter(|l| l["type"] == "entity")
        .filter_map(|l| l["sent"].as_u64())
        .sum();
    assert_eq!(summary["sent"].as_u64(), Some(sent));
    let o = push(&["--batch-size", "0"]);
    assert_eq!(code(&o), 2, "clap's own errors stay clap's");
    fake.set_keys(PUBLIC, "other");
    let o = push(&[]);
    assert_eq!(code(&o), 2);
    let lines = json_lines(&o);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["type"], "error");
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Clerk refuses the keys")
    );
}

#[test]
fn inspect_names_the_input_format_as_run_does() {
    let with = |flag: &str| {
        let o = clerkmap(&["inspect", "mappings/sample/categorie.csv", flag, "csv;"]);
        assert_eq!(code(&o), 0, "{flag}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    let named = with("--input-format");
    assert_eq!(with("--format"), named, "the old name still works");
    assert_eq!(with("-f"), named);
    let help = text(&clerkmap(&["inspect", "--help"]).stdout);
    assert!(help.contains("--input-format <FORMAT>"), "{help}");
    assert!(
        !help.contains("-f, --format"),
        "the old names are hidden:\n{help}"
    );
}

#[test]
fn syntax_errors_say_what_was_expected_and_what_is_left_open() {
    let o = with_stdin(
        &["check", "-"],
        b"products from articoli where .pubblicato = \"SI\" {\n  id = .codice\n}\n",
    );
    assert_eq!(code(&o), 2);
    insta::assert_snapshot!("syntax_error_lone_equals", text(&o.stderr));
    let o = with_stdin(
        &["check", "-"],
        b"customers from clienti {\n  id    = .id\n  email = .email\n",
    );
    assert_eq!(code(&o), 2);
    insta::assert_snapshot!("syntax_error_unclosed_block", text(&o.stderr));
}
