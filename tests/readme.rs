//! README.md is checked against the implementation, so that it cannot drift:
//!
//! - every ```` ```console ```` block runs: its `$` lines run one after the other with `sh -c`
//!   in one sandbox (a copy of `mappings/`, with the files of the ```` ``` file=NAME ```` blocks
//!   met so far, `clerkmap` on the `PATH`), and each one's output (stdout and stderr, in order)
//!   must be the lines below it, timings aside (`0.01s`, `5888 records/s`); a line `...` in the
//!   page stands for any lines. A command must exit 0: the page shows a failure with
//!   `; echo "exit $?"`;
//! - the ```` ```cmap ```` mappings (other than `file=` ones) pass `check`;
//! - the flags of the ```` ```text synopsis ```` blocks exist in their command's `--help`, and
//!   every flag of every command is mentioned somewhere in the page;
//! - the exit codes table has the codes `clerkmap --help` lists, and the table of input formats
//!   is the one `Format` implements;
//! - the nightly recipe (the `clerkmap-nightly` script and the cron line) logs every line of
//!   `run` and `push` and exits non-zero on any refusal, run as cron runs it against a fake
//!   Clerk.

mod support_clerk;
#[allow(dead_code)] // the executable-markdown helpers this page does not need
mod support_docs;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use clerkmap::check::{CompileOptions, check};
use clerkmap::diagnostic::SourceFile;
use clerkmap::engine::Format;
use clerkmap::engine::input::{EXTENSIONS, FORMAT_NAMES};
use clerkmap::workflow::inspect::format_name;
use support_clerk::{FakeClerk, PRIVATE, PUBLIC};
use support_docs::{Fence, fences, info_attr};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap_or_else(|e| panic!("README.md: {e}"))
}

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_clerkmap"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|e| panic!("{}: {e}", from.display()))
        .flatten()
    {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap_or_else(|e| panic!("{}: {e}", src.display()));
        }
    }
}

/// A `PATH` with the directory of the binary under test first.
fn path_with_bin() -> String {
    let dir = bin().parent().map(Path::to_path_buf).unwrap_or_default();
    let rest = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
    format!("{}:{rest}", dir.display())
}

// ---------------------------------------------------------------------------------------------
// Matching outputs
// ---------------------------------------------------------------------------------------------

/// A line with its timings made words: `0.01s` -> `Ns`, `5,888/s` -> `N/s` (and the older
/// `5888 records/s` -> `N records/s`).
fn untimed(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let starts_number = chars[i].is_ascii_digit()
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '.'));
        if starts_number {
            let mut j = i;
            while j < chars.len()
                && (chars[j].is_ascii_digit()
                    || chars[j] == '.'
                    || (chars[j] == ',' && chars.get(j + 1).is_some_and(char::is_ascii_digit)))
            {
                j += 1;
            }
            let rest: String = chars[j..].iter().collect();
            let seconds =
                rest.starts_with('s') && !chars.get(j + 1).is_some_and(|c| c.is_alphanumeric());
            if seconds || rest.starts_with(" records/s") || rest.starts_with("/s") {
                out.push('N');
                i = j;
                continue;
            }
            out.extend(&chars[i..j]);
            i = j;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out.trim_end().to_string()
}

/// Whether `line` matches `pattern`, in which `...` stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split("...").collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let Some(rest) = line.strip_prefix(parts[0]) else {
        return false;
    };
    let mut rest = rest;
    for (k, part) in parts.iter().enumerate().skip(1) {
        if k == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `lines` match `pattern` line by line; a pattern line `...` stands for any lines.
fn lines_match(pattern: &[String], lines: &[String]) -> bool {
    match pattern.split_first() {
        None => lines.is_empty(),
        Some((p, rest)) if p == "..." => {
            (0..=lines.len()).any(|skip| lines_match(rest, &lines[skip..]))
        }
        Some((p, rest)) => lines
            .split_first()
            .is_some_and(|(l, more)| line_matches(p, l) && lines_match(rest, more)),
    }
}

/// The lines of an output, untimed, without blank lines.
fn output_lines(s: &str) -> Vec<String> {
    s.lines()
        .map(untimed)
        .filter(|l| !l.trim().is_empty())
        .collect()
}

#[test]
fn matching_ignores_timings_and_takes_wildcards() {
    assert_eq!(
        untimed("products: read 40 -> products.json (0.01s, 5888 records/s)"),
        "products: read 40 -> products.json (Ns, N records/s)"
    );
    assert_eq!(
        untimed("products: read 40 -> products.json (0.01s, 2,921/s)"),
        "products: read 40 -> products.json (Ns, N/s)"
    );
    assert_eq!(
        untimed("2 records in 0.1s (...), 0 retries"),
        "2 records in Ns (...), 0 retries"
    );
    assert_eq!(untimed("v1.2s3 GON000001s"), "v1.2s3 GON000001s");
    assert!(line_matches("a ... b ... c", "a x b y c"));
    assert!(!line_matches("a ... c", "a x b"));
    let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(
        &l(&["a", "...", "d"]),
        &l(&["a", "b", "c", "d"])
    ));
    assert!(lines_match(&l(&["a", "...", "d"]), &l(&["a", "d"])));
    assert!(!lines_match(&l(&["a", "d"]), &l(&["a", "b", "d"])));
}

// ---------------------------------------------------------------------------------------------
// console blocks
// ---------------------------------------------------------------------------------------------

/// The commands of a console block, each with the output the page gives it.
fn commands(body: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in body.lines() {
        match line.strip_prefix("$ ") {
            Some(cmd) => out.push((cmd.to_string(), Vec::new())),
            None => {
                if let Some((_, lines)) = out.last_mut() {
                    lines.push(line.to_string());
                }
            }
        }
    }
    out
}

fn sh(cmd: &str, dir: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("exec 2>&1\n{cmd}"))
        .current_dir(dir)
        .env("PATH", path_with_bin())
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLERK_PUBLIC_KEY")
        .env_remove("CLERK_PRIVATE_KEY")
        .output()
        .unwrap_or_else(|e| panic!("cannot run sh: {e}"))
}

#[test]
fn readme_console_blocks_run_and_give_what_the_page_shows() {
    let md = readme();
    let sandbox = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = sandbox.path();
    copy_dir(&root().join("mappings"), &dir.join("mappings"));
    let mut failures = Vec::new();
    let mut ran = 0;
    for f in fences(&md) {
        if let Some(name) = info_attr(&f.info, "file") {
            std::fs::write(dir.join(name), &f.body).unwrap_or_else(|e| panic!("{name}: {e}"));
            continue;
        }
        if f.info.split_whitespace().next() != Some("console") {
            continue;
        }
        for (cmd, want) in commands(&f.body) {
            ran += 1;
            let o = sh(&cmd, dir);
            let got = text(&o.stdout);
            let at = format!("README.md:{}", f.line);
            if !o.status.success() {
                failures.push(format!(
                    "{at}: `{cmd}` exits {:?} (show a failure with `; echo \"exit $?\"`):\n{got}",
                    o.status.code()
                ));
                continue;
            }
            let want_lines = output_lines(&want.join("\n"));
            if !lines_match(&want_lines, &output_lines(&got)) {
                failures.push(format!(
                    "{at}: `{cmd}` gives another output\n--- README.md\n{}\n--- got\n{got}",
                    want.join("\n")
                ));
            }
        }
    }
    assert!(ran >= 8, "only {ran} commands found in the console blocks");
    assert!(
        failures.is_empty(),
        "{} README.md commands do not hold:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn readme_mappings_check() {
    let md = readme();
    let mut count = 0;
    for f in fences(&md) {
        if f.info.split_whitespace().next() != Some("cmap") || info_attr(&f.info, "file").is_some()
        {
            continue;
        }
        count += 1;
        let src = SourceFile::new("README.md", f.body.clone());
        if let Err(diags) = check(&src, &CompileOptions::default()) {
            let msgs: Vec<String> = diags.iter().map(|d| d.short(&src)).collect();
            panic!(
                "the mapping at README.md:{} does not check:\n{}",
                f.line,
                msgs.join("\n")
            );
        }
    }
    assert!(count >= 1);
}

// ---------------------------------------------------------------------------------------------
// Flags, exit codes, formats
// ---------------------------------------------------------------------------------------------

fn help(args: &[&str]) -> String {
    let o = Command::new(bin())
        .args(args)
        .arg("--help")
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    text(&o.stdout)
}

/// The long flags (`--name`) in a text.
fn long_flags(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(at) = s[i..].find("--") {
        let start = i + at;
        let mut end = start + 2;
        while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'-') {
            end += 1;
        }
        let before_ok = start == 0 || !b[start - 1].is_ascii_alphanumeric();
        if before_ok && end > start + 2 && b[start + 2].is_ascii_alphabetic() {
            out.insert(s[start..end].to_string());
        }
        i = end.max(start + 2);
    }
    out
}

/// The subcommands `clerkmap --help` lists.
fn subcommands() -> Vec<String> {
    help(&[])
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn readme_synopses_name_real_flags_and_every_flag_is_documented() {
    let md = readme();
    let mut failures = Vec::new();
    for f in fences(&md) {
        if f.info != "text synopsis" {
            continue;
        }
        // `clerkmap SUB ...` and its continuation lines, per command.
        let mut current: Option<String> = None;
        for line in f.body.lines() {
            for (k, part) in line.split("clerkmap ").enumerate() {
                if k > 0 {
                    current = part.split_whitespace().next().map(str::to_string);
                } else if line.starts_with("clerkmap ") {
                    continue;
                }
                let Some(sub) = &current else { continue };
                let known = long_flags(&help(&[sub]));
                for flag in long_flags(part) {
                    if !known.contains(&flag) {
                        failures.push(format!(
                            "README.md:{}: `clerkmap {sub}` has no flag {flag}",
                            f.line
                        ));
                    }
                }
            }
        }
    }
    let subs = subcommands();
    assert!(subs.len() >= 8, "{subs:?}");
    for sub in &subs {
        let h = help(&[sub]);
        for line in h.lines() {
            let t = line.trim_start();
            if !t.starts_with('-') {
                continue;
            }
            let short = t
                .strip_prefix('-')
                .filter(|r| !r.starts_with('-'))
                .and_then(|r| r.chars().next());
            let Some(long) = long_flags(t).into_iter().next() else {
                continue;
            };
            if long == "--help" || long == "--version" {
                continue;
            }
            let long_documented = long_flags(&md).contains(&long);
            let short_documented = short
                .is_some_and(|c| md.contains(&format!(" -{c} ")) || md.contains(&format!("`-{c}")));
            if !long_documented && !short_documented {
                failures.push(format!("README.md never mentions `clerkmap {sub} {long}`"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn readme_exit_codes_are_the_ones_the_help_lists() {
    let md = readme();
    let table: BTreeSet<String> = md
        .lines()
        .skip_while(|l| !l.starts_with("### Exit codes"))
        .skip(1)
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|l| l.split('|').nth(1).map(|c| c.trim().to_string()))
        .collect();
    let h = help(&[]);
    let listed: BTreeSet<String> = h
        .lines()
        .skip_while(|l| !l.starts_with("Exit codes:"))
        .skip(1)
        .filter_map(|l| l.strip_prefix("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    assert!(!table.is_empty(), "no exit codes table");
    assert_eq!(
        table, listed,
        "README.md's exit codes against `clerkmap --help`"
    );
}

#[test]
fn readme_lists_the_input_formats_once_as_format_reads_them() {
    let md = readme();
    let rows: Vec<Vec<String>> = md
        .lines()
        .map(str::trim)
        .skip_while(|l| !l.starts_with("| extension | format | `--input-format` |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
        .collect();
    assert!(rows.len() >= 5, "no table of input formats");
    let code_spans = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(|c| c.trim_matches('"').to_string())
            .collect()
    };
    let mut extensions = BTreeSet::new();
    let mut names = BTreeSet::new();
    for row in &rows {
        let (exts, formats) = (code_spans(&row[1]), code_spans(&row[3]));
        for ext in &exts {
            extensions.insert(ext.clone());
            let f = Format::from_path(Path::new(&format!("x{ext}")))
                .unwrap_or_else(|| panic!("README.md lists {ext}, which Format does not know"));
            assert!(
                formats.contains(&format_name(&f)),
                "{ext} reads as `{}`, not as {formats:?}",
                format_name(&f)
            );
        }
        for name in &formats {
            assert!(
                Format::parse(name).is_some(),
                "README.md's `--input-format {name}` does not parse"
            );
            names.insert(name.clone());
        }
    }
    let known: BTreeSet<String> = EXTENSIONS
        .split([',', '/', ' '])
        .filter(|e| e.starts_with('.'))
        .map(str::to_string)
        .collect();
    assert_eq!(
        extensions, known,
        "the extensions of the table and of EXTENSIONS"
    );
    let known: BTreeSet<String> = FORMAT_NAMES
        .split(", ")
        .map(|n| n.trim_matches('"').to_string())
        .collect();
    assert_eq!(
        names, known,
        "the --input-format names of the table and of FORMAT_NAMES"
    );
}

// ---------------------------------------------------------------------------------------------
// The nightly recipe
// ---------------------------------------------------------------------------------------------

/// The body of the fence whose info string is `info`.
fn fence(md: &str, info: &str) -> Fence {
    fences(md)
        .into_iter()
        .find(|f| f.info == info)
        .unwrap_or_else(|| panic!("README.md has no ```{info} block"))
}

/// A machine laid out as the recipe says, in a temporary directory: the project in `srv/`, the
/// keys in `etc/keys.env`, the binaries in `bin/` (`clerkmap` a shim that sends `push` to the
/// fake Clerk), the log in `log/clerkmap.log`.
struct Machine {
    dir: tempfile::TempDir,
    cron_command: String,
}

impl Machine {
    fn new(clerk: &FakeClerk) -> Machine {
        let md = readme();
        let script = fence(&md, "sh file=clerkmap-nightly").body;
        let cron = fence(&md, "cron").body;
        let cron_line = cron
            .lines()
            .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .unwrap_or_else(|| panic!("the cron block has no line"));
        // The command is what follows the five time fields.
        let mut rest = cron_line.trim_start();
        for _ in 0..5 {
            rest = rest
                .split_once(char::is_whitespace)
                .map_or("", |(_, r)| r.trim_start());
        }
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let d = dir.path();
        for sub in ["srv", "etc", "bin", "log"] {
            std::fs::create_dir_all(d.join(sub)).unwrap_or_else(|e| panic!("{e}"));
        }
        let moved = |s: &str| {
            s.replace(
                "/usr/local/bin/clerkmap-nightly",
                &d.join("bin/clerkmap-nightly").display().to_string(),
            )
            .replace(
                "/usr/local/bin/clerkmap",
                &d.join("bin/clerkmap").display().to_string(),
            )
            .replace("/srv/clerkmap", &d.join("srv").display().to_string())
            .replace(
                "/etc/clerkmap/keys.env",
                &d.join("etc/keys.env").display().to_string(),
            )
            .replace(
                "/var/log/clerkmap.log",
                &d.join("log/clerkmap.log").display().to_string(),
            )
        };
        for (name, content) in [
            ("bin/clerkmap-nightly", moved(&script)),
            (
                "bin/clerkmap",
                format!(
                    "#!/bin/sh\nif [ \"$1\" = push ]; then shift; exec '{0}' push --api-url '{1}' \"$@\"; fi\nexec '{0}' \"$@\"\n",
                    bin().display(),
                    clerk.url
                ),
            ),
        ] {
            let p = d.join(name);
            std::fs::write(&p, content).unwrap_or_else(|e| panic!("{e}"));
            let made = Command::new("chmod").arg("755").arg(&p).status();
            assert!(made.is_ok_and(|s| s.success()), "chmod {}", p.display());
        }
        std::fs::write(
            d.join("etc/keys.env"),
            format!("CLERK_PUBLIC_KEY={PUBLIC}\nCLERK_PRIVATE_KEY={PRIVATE}\n"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        copy_dir(&root().join("mappings"), &d.join("srv/mappings"));
        std::fs::copy(
            root().join("mappings/sample/articoli.ndjson"),
            d.join("srv/articoli.ndjson"),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(
            d.join("srv/clerkmap.yaml"),
            "mapping: mappings/passweb.cmap\ninputs:\n  articoli: articoli.ndjson\n  categorie: mappings/sample/categorie.csv\nout: out\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        Machine {
            cron_command: moved(rest),
            dir,
        }
    }

    fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// Runs the cron line's command as cron does: `/bin/sh -c`, cron's environment.
    fn cron(&self) -> (i32, String) {
        let o = Command::new("/bin/sh")
            .arg("-c")
            .arg(&self.cron_command)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("SHELL", "/bin/sh")
            .env("HOME", self.path("srv"))
            .env("LOGNAME", "clerkmap")
            .current_dir(self.path("srv"))
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            o.stdout.is_empty() && o.stderr.is_empty(),
            "cron would mail this (the log should have it):\n{}{}",
            text(&o.stdout),
            text(&o.stderr)
        );
        let log = std::fs::read_to_string(self.path("log/clerkmap.log")).unwrap_or_default();
        (o.status.code().unwrap_or(-1), log)
    }
}

#[test]
fn the_nightly_recipe_logs_both_commands_and_fails_on_any_refusal() {
    let clerk = FakeClerk::start();
    let m = Machine::new(&clerk);
    let md = readme();
    let summary_header = fence(&md, "text push-summary")
        .body
        .lines()
        .next()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();

    // A good night: both commands' lines in the log, exit 0.
    let (status, log) = m.cron();
    assert_eq!(status, 0, "{log}");
    let squeezed: String = log
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n");
    for want in [
        "clerkmap run",
        "products: read 40 = written 39 + filtered 1 + rejected 0",
        "categories: read 23 = written 23",
        "wrote out",
        "clerkmap push",
        summary_header.as_str(),
        "records acknowledged",
        "clerkmap-nightly: exit 0",
    ] {
        assert!(
            squeezed.contains(want),
            "`{want}` is not in the log:\n{log}"
        );
    }
    assert!(!clerk.log().upserted_ids("products").is_empty());

    // The export lost most articles: the run refuses, the push does not start, exit 4.
    let full = std::fs::read_to_string(m.path("srv/articoli.ndjson")).unwrap_or_default();
    let five: String = full.lines().take(5).map(|l| format!("{l}\n")).collect();
    std::fs::write(m.path("srv/articoli.ndjson"), five).unwrap_or_else(|e| panic!("{e}"));
    let requests = clerk.log().entity_requests();
    let (status, log) = m.cron();
    assert_eq!(status, 4, "{log}");
    let night = &log[log.rfind("clerkmap run").unwrap_or(0)..];
    assert!(night.contains("refusing a mass deletion"), "{night}");
    assert!(night.contains("clerkmap-nightly: exit 4"), "{night}");
    assert!(
        !night.contains("clerkmap push"),
        "the push ran after a refusal:\n{night}"
    );
    assert_eq!(clerk.log().entity_requests(), requests, "Clerk was called");

    // The export is back and must all be sent again (the push state is gone), but Clerk
    // refuses the keys: the push fails, the job too.
    std::fs::write(m.path("srv/articoli.ndjson"), full).unwrap_or_else(|e| panic!("{e}"));
    std::fs::remove_file(m.path("srv/out/clerkmap-state.json")).unwrap_or_else(|e| panic!("{e}"));
    clerk.set_keys("another-public-key", "another-private-key");
    let (status, log) = m.cron();
    let night = &log[log.rfind("clerkmap run").unwrap_or(0)..];
    assert_ne!(status, 0, "{night}");
    assert!(night.contains("products: read 40"), "{night}");
    assert!(night.contains("clerkmap push"), "{night}");
    assert!(
        night.contains(&format!("clerkmap-nightly: exit {status}")),
        "{night}"
    );
    assert!(!night.contains(PRIVATE), "a key reached the log");

    // Without the keys file, nothing runs and the job fails.
    std::fs::remove_file(m.path("etc/keys.env")).unwrap_or_else(|e| panic!("{e}"));
    let (status, log) = m.cron();
    assert_ne!(status, 0, "{log}");
}
