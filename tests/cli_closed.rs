//! Issue 11, "fail closed": configuration mistakes exit non-zero at once, each said once; the
//! exit codes are the README's (its tables are compared with the code and every `--help`).

mod support_clerk;

use std::collections::BTreeMap;
use std::path::Path;

use clerkmap::cli::exit;
use support_clerk::*;

/// A mapping that checks, with one warning (W002: a lookup nobody reads).
const WARNS: &str = "lookup tabella by .k optional\ncustomers from clienti { id = .id }\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    p.display().to_string()
}

/// `clerkmap ARGS` in `dir`.
fn clerkmap_in(dir: &Path, args: &[&str]) -> std::process::Output {
    command(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

// ------------------------------------------------------------------------------ exit codes

/// The README's exit-code tables, by command: each table follows a line `Exit codes of
/// \`cmd\`, \`cmd\` and \`cmd\`:`.
fn readme_tables() -> BTreeMap<String, Vec<(u8, String)>> {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap_or_default();
    let mut tables = BTreeMap::new();
    let mut lines = readme.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("Exit codes of ") else {
            continue;
        };
        let commands: Vec<String> = rest
            .split('`')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect();
        let mut rows = Vec::new();
        for row in lines.by_ref() {
            if row.trim().is_empty() && rows.is_empty() {
                continue;
            }
            if !row.starts_with('|') {
                break;
            }
            let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
            if let [code, meaning] = cells.as_slice()
                && let Ok(code) = code.parse::<u8>()
            {
                rows.push((code, meaning.to_string()));
            }
        }
        assert!(!rows.is_empty(), "README: no table after `{line}`");
        for c in commands {
            tables.insert(c, rows.clone());
        }
    }
    tables
}

/// The `Exit codes:` section of `clerkmap CMD --help`, one meaning per code, lines joined.
fn help_table(cmd: &str) -> Vec<(u8, String)> {
    let args: Vec<&str> = if cmd.is_empty() {
        vec!["--help"]
    } else {
        vec![cmd, "--help"]
    };
    let help = text(&clerkmap(&args).stdout);
    let section = help
        .split_once("Exit codes:\n")
        .map(|(_, s)| s)
        .unwrap_or_else(|| panic!("`clerkmap {cmd} --help` has no exit codes:\n{help}"));
    let mut rows: Vec<(u8, String)> = Vec::new();
    for line in section.lines() {
        let t = line.trim();
        if t.is_empty() {
            break;
        }
        match t
            .split_once("  ")
            .and_then(|(c, m)| Some((c.parse::<u8>().ok()?, m)))
        {
            Some((code, meaning)) if line.starts_with("  ") && !line.starts_with("   ") => {
                rows.push((code, meaning.trim().to_string()));
            }
            _ => match rows.last_mut() {
                Some((_, m)) => {
                    m.push(' ');
                    m.push_str(t);
                }
                None => panic!("`clerkmap {cmd} --help`: `{line}`"),
            },
        }
    }
    rows
}

fn owned(table: &[(u8, &str)]) -> Vec<(u8, String)> {
    table.iter().map(|(c, m)| (*c, m.to_string())).collect()
}

#[test]
fn the_readme_exit_codes_are_the_code_and_the_help() {
    assert_eq!(
        [
            exit::OK,
            exit::FAILURE,
            exit::USAGE,
            exit::INPUT,
            exit::TOO_MANY_REJECTS
        ],
        [0, 1, 2, 3, 4]
    );
    let readme = readme_tables();
    let code: BTreeMap<&str, &[(u8, &str)]> = [
        ("run", exit::RUN),
        ("check", exit::RUN),
        ("explain", exit::RUN),
        ("inspect", exit::INSPECT),
        ("serve", exit::RUN),
        ("init", exit::RUN),
        ("completions", exit::RUN),
        ("push", exit::PUSH),
        ("test", exit::TEST),
        ("fmt", exit::FMT),
        ("lsp", exit::LSP),
        ("eval", exit::EVAL),
        ("repl", exit::EVAL),
    ]
    .into_iter()
    .collect();
    let documented: Vec<&str> = readme.keys().map(String::as_str).collect();
    let commands: Vec<&str> = code.keys().copied().collect();
    assert_eq!(documented, commands, "the README's exit-code tables");
    for (cmd, table) in &code {
        let readme_rows = &readme[*cmd];
        assert_eq!(readme_rows, &owned(table), "README vs exit::* for `{cmd}`");
        assert_eq!(help_table(cmd), owned(table), "`clerkmap {cmd} --help`");
    }
    assert_eq!(help_table(""), owned(exit::RUN), "`clerkmap --help`");
}

// ------------------------------------------------------------------------------ vars

#[test]
fn an_unknown_var_is_an_error_said_once_with_the_name_meant() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let out = tmp.path().join("out");
    let out_s = out.display().to_string();
    for args in [
        vec!["check", "--var", "site=https://www.negozio.it"],
        vec![
            "run",
            "--var",
            "site=https://www.negozio.it",
            "--input",
            "articoli=mappings/sample/articoli.ndjson",
            "--input",
            "categorie=mappings/sample/categorie.csv",
            "--out",
            &out_s,
        ],
    ] {
        let o = clerkmap(&args);
        let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
        assert_eq!(code(&o), 2, "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}: nothing on stdout");
        assert_eq!(
            stderr
                .matches("variable `site` is set but the mapping never reads it")
                .count(),
            1,
            "{stderr}"
        );
        assert!(stderr.contains("did you mean `site_url`?"), "{stderr}");
        assert!(stderr.contains("it is set by --var site=..."), "{stderr}");
        assert!(
            !stderr.contains(":1:1"),
            "not located in the file: {stderr}"
        );
        insta::assert_snapshot!(format!("unknown_var_{}", args[0]), stderr);
    }
    // No feed: the refused run leaves only its report, saying why.
    assert!(!out.join("products.json").exists(), "no feed was written");
    let report = std::fs::read_to_string(out.join("report.json")).unwrap_or_default();
    assert!(report.contains("\"outcome\": \"refused\""), "{report}");
    // The vars clerkmap sets for each store are not the user's: a store project runs.
    let store_cfg = write(
        tmp.path(),
        "stores.yaml",
        &format!(
            "inputs: {{ articoli: {root}/mappings/sample/articoli.ndjson, categorie: {root}/mappings/sample/categorie.csv }}\nout: out\nstores:\n  - {{ name: it, countries: [IT] }}\n",
            root = root().display()
        ),
    );
    let o = clerkmap(&["check", "-c", &store_cfg]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("passweb.cmap (built in) (store it): ok"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn check_reads_the_project_file_like_the_other_commands() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    write(dir, "mapping.cmap", WARNS);
    write(
        dir,
        "clerkmap.yaml",
        "mapping: mapping.cmap\nvars: { site_url: https://x.test }\nout: out\n",
    );
    // Bare `check` in the project folder checks the project's mapping with its vars.
    let o = clerkmap_in(dir, &["check"]);
    let err = text(&o.stderr);
    assert_eq!(code(&o), 2, "{err}");
    assert!(err.contains("variable `site_url` is set"), "{err}");
    assert!(
        err.contains("it is set by `vars.site_url` in clerkmap.yaml"),
        "{err}"
    );
    // -c names another one; a mapping named on the command line is checked alone.
    write(dir, "other.yaml", "mapping: mapping.cmap\nout: out\n");
    let o = clerkmap_in(dir, &["check", "-c", "other.yaml"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("mapping.cmap: ok (customers from clienti)"));
    let o = clerkmap_in(dir, &["check", "mapping.cmap"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
}

// ------------------------------------------------------------------------------ warnings

#[test]
fn warnings_are_printed_once_on_stderr_and_denied_on_demand() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let mapping = write(dir, "m.cmap", WARNS);
    let input = write(dir, "clienti.ndjson", "{\"id\": 1}\n{\"id\": 2}\n");
    let out = dir.join("out").display().to_string();
    let clienti = format!("clienti={input}");
    let run = ["run", &mapping, "--input", &clienti, "--out", &out];
    let o = clerkmap(&run);
    let (stdout, stderr) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 0, "{stderr}");
    assert_eq!(stderr.matches("W002").count(), 1, "{stderr}");
    assert!(
        !stdout.contains("W002") && !stdout.contains("warning"),
        "{stdout}"
    );
    // report.json keeps it, without a place it does not have.
    let report = std::fs::read_to_string(dir.join("out/report.json")).unwrap_or_default();
    assert!(report.contains("warning[W002]"), "{report}");
    // -q: not even the warning.
    let mut quiet = run.to_vec();
    quiet.push("-q");
    let o = clerkmap(&quiet);
    assert_eq!(code(&o), 0);
    assert_eq!(
        (text(&o.stdout), text(&o.stderr)),
        (String::new(), String::new())
    );
    // --deny-warnings: check and run refuse (run before reading anything).
    let o = clerkmap(&["check", &mapping, "--deny-warnings"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("error[W002]"),
        "{}",
        text(&o.stderr)
    );
    assert!(text(&o.stderr).contains("warnings are errors with --deny-warnings"));
    let out2 = dir.join("out2").display().to_string();
    let o = clerkmap(&[
        "run",
        &mapping,
        "--input",
        &clienti,
        "--out",
        &out2,
        "--deny-warnings",
    ]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    assert!(
        !dir.join("out2").join("clienti.json").exists()
            && !dir.join("out2").join("customers.json").exists(),
        "no feed is written"
    );
}

#[test]
fn a_path_no_record_has_is_an_error_with_deny_warnings() {
    // W003 comes from the inputs' records, not from the mapping alone: --deny-warnings made
    // W002 an error but printed W003 and went on (check said ok, run wrote the feed).
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let mapping = write(
        dir,
        "m.cmap",
        "customers from clienti {\n  id   = .id\n  name = .nmae\n}\n",
    );
    let input = write(dir, "clienti.ndjson", "{\"id\": 1, \"name\": \"A\"}\n");
    let clienti = format!("clienti={input}");
    let check = ["check", &mapping, "--input", &clienti];
    let o = clerkmap(&check);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("warning[W003]"),
        "{}",
        text(&o.stderr)
    );
    let mut deny = check.to_vec();
    deny.push("--deny-warnings");
    let o = clerkmap(&deny);
    let stderr = text(&o.stderr);
    assert_eq!(code(&o), i32::from(exit::USAGE), "{stderr}");
    assert!(stderr.contains("error[W003]"), "{stderr}");
    assert!(
        stderr.contains("warnings are errors with --deny-warnings"),
        "{stderr}"
    );
    assert!(!text(&o.stdout).contains("ok"), "{}", text(&o.stdout));
    // -q: only errors, so not the warning; --message-format json: W003 is one of the
    // diagnostics, and counted.
    let mut quiet = check.to_vec();
    quiet.push("-q");
    let o = clerkmap(&quiet);
    assert_eq!((code(&o), text(&o.stderr)), (0, String::new()));
    let mut json = check.to_vec();
    json.extend(["--message-format", "json"]);
    let o = clerkmap(&json);
    let stdout = text(&o.stdout);
    assert!(stdout.contains("\"code\":\"W003\""), "{stdout}");
    assert!(stdout.contains("\"warnings\":1"), "{stdout}");
    assert_eq!(text(&o.stderr), "");
    // A run refuses before mapping any record: no feed, report.json says why.
    let out = dir.join("out").display().to_string();
    let o = clerkmap(&[
        "run",
        &mapping,
        "--input",
        &clienti,
        "--out",
        &out,
        "--deny-warnings",
    ]);
    let stderr = text(&o.stderr);
    assert_eq!(code(&o), i32::from(exit::USAGE), "{stderr}");
    assert!(stderr.contains("error[W003]"), "{stderr}");
    assert!(!stderr.contains("read 1"), "no record is mapped: {stderr}");
    assert!(
        !dir.join("out/customers.json").exists(),
        "no feed is written"
    );
    let report = std::fs::read_to_string(dir.join("out/report.json")).unwrap_or_default();
    assert!(report.contains("\"outcome\": \"refused\""), "{report}");
    assert!(
        report.contains("no record of its inputs has (W003)"),
        "{report}"
    );
    let o = clerkmap(&[
        "run",
        &mapping,
        "--input",
        &clienti,
        "--out",
        "-",
        "--deny-warnings",
    ]);
    assert_eq!(code(&o), i32::from(exit::USAGE), "{}", text(&o.stderr));
    assert_eq!(text(&o.stdout), "");
    // Without it, the warning only.
    let o = clerkmap(&["run", &mapping, "--input", &clienti, "--out", &out]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("warning[W003]"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn test_cases_fail_closed_too() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    write(dir, "m.cmap", WARNS);
    write(
        dir,
        "cases/warns.yaml",
        "mapping: ../m.cmap\ninputs:\n  clienti:\n    - { id: 1 }\n",
    );
    let cases = dir.join("cases").display().to_string();
    let o = clerkmap(&["test", &cases, "--accept"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let o = clerkmap(&["test", &cases]);
    assert_eq!(code(&o), 0, "{}", text(&o.stdout));
    let o = clerkmap(&["test", &cases, "--deny-warnings"]);
    assert_eq!(code(&o), 1, "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("test warns ... REFUSED"));
    assert!(
        text(&o.stderr).contains("error[W002]"),
        "{}",
        text(&o.stderr)
    );
    // A case setting a var its mapping never reads is refused, --deny-warnings or not.
    write(
        dir,
        "cases/typo.yaml",
        "mapping: ../m.cmap\nvars: { site: x }\ninputs:\n  clienti:\n    - { id: 1 }\n",
    );
    let o = clerkmap(&["test", &cases]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 1, "{out}{err}");
    assert!(out.contains("test typo ... REFUSED"), "{out}");
    assert!(out.contains("test warns ... ok"), "{out}");
    assert!(err.contains("variable `site` is set"), "{err}");
    assert!(err.contains("1 case refused before running"), "{err}");
}

// ------------------------------------------------------------------------------ keys

/// `push --from DIR` against the fake, fast.
fn push(fake: &FakeClerk, dir: &Path, extra: &[&str]) -> std::process::Output {
    let d = dir.display().to_string();
    let mut args = vec![
        "push",
        "--from",
        &d,
        "--api-url",
        &fake.url,
        "--backoff-ms",
        "5",
        "--timeout",
        "2",
    ];
    args.extend_from_slice(extra);
    clerkmap(&args)
}

#[test]
fn refused_keys_are_said_once_exit_2_and_nothing_is_sent() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    run_sample(dir);
    let fake = FakeClerk::start();
    fake.set_keys(PUBLIC, "another-private-key");
    let o = push(&fake, dir, &[]);
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 2, "{out}\n{err}");
    assert_eq!(out, "", "no summary: nothing was pushed");
    assert_eq!(err.lines().count(), 1, "one line:\n{err}");
    assert!(
        err.starts_with("error: Clerk refuses the keys ($CLERK_PUBLIC_KEY, $CLERK_PRIVATE_KEY)"),
        "{err}"
    );
    assert!(
        err.contains("AuthenticationError: Invalid API key"),
        "{err}"
    );
    assert!(err.ends_with("nothing was sent\n"), "{err}");
    assert!(!err.contains("ids"), "no batch, no ids: {err}");
    assert!(!err.contains(PRIVATE), "{err}");
    let log = fake.log();
    assert_eq!(log.key_checks, 1);
    assert_eq!(log.entity_requests(), 0, "{:?}", log.requests);
    // --check-keys: the same question, and only it.
    let o = push(&fake, dir, &["--check-keys"]);
    assert_eq!(code(&o), 2, "{}", text(&o.stderr));
    fake.set_keys(PUBLIC, PRIVATE);
    let o = push(&fake, dir, &["--check-keys"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "Clerk accepts the keys ($CLERK_PUBLIC_KEY, $CLERK_PRIVATE_KEY)\n"
    );
    assert_eq!(
        fake.log().entity_requests(),
        0,
        "--check-keys sends no data"
    );
    assert!(
        !dir.join("clerkmap-state.json").exists(),
        "and keeps no state"
    );
    // An API without the key check: --check-keys cannot tell (1), a push goes on.
    fake.without_key_check();
    let o = push(&fake, dir, &["--check-keys"]);
    assert_eq!(code(&o), 1, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("could not check the keys"));
    let o = push(&fake, dir, &["--entities", "pages"]);
    assert_eq!(code(&o), 0, "{}", text(&o.stderr));
    assert_eq!(fake.log().upserted_ids("pages").len(), 8);
}

#[test]
fn check_keys_asks_for_every_store_of_a_project() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path();
    let cfg = write(
        dir,
        "clerkmap.yaml",
        "out: out\nstores:\n  - { name: it, default: true, countries: [IT], clerk: { public_key_env: IT_PUB, private_key_env: IT_PRIV } }\n  - { name: de, countries: [DE], clerk: { public_key_env: DE_PUB, private_key_env: DE_PRIV } }\n",
    );
    let fake = FakeClerk::start();
    let o = command(&["push", "-c", &cfg, "--api-url", &fake.url, "--check-keys"])
        .env("IT_PUB", PUBLIC)
        .env("IT_PRIV", PRIVATE)
        .env("DE_PUB", "pk_test_de")
        .env("DE_PRIV", "wrong")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert_eq!(code(&o), 2, "{out}{err}");
    assert!(out.contains("== store it"), "{out}");
    assert!(
        out.contains("Clerk accepts the keys ($IT_PUB, $IT_PRIV)"),
        "{out}"
    );
    assert!(
        err.contains("Clerk refuses the keys ($DE_PUB, $DE_PRIV)"),
        "{err}"
    );
    assert_eq!(fake.log().key_checks, 2);
}
