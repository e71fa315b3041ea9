//! `clerkmap test`: runs cases, compares with their snapshots, prints the differences, and
//! (with `--accept` or `--review`) updates the snapshots.

use std::io::{BufRead, Write};

use serde_json::Value;

use super::case::{self, CaseRef};
use super::diff::{self, Change, Style};
use super::{exec, snapshot};

/// What to do with differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report them (CI).
    Check,
    /// Write every new output as the snapshot.
    Accept,
    /// Ask, change by change.
    Review,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub mode: Mode,
    pub style: Style,
}

/// What happened to the cases.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    /// Cases whose snapshot was written or updated (all their changes accepted).
    pub updated: usize,
    /// Cases that differ from their snapshot (or have none), after any review.
    pub failed: usize,
    /// Cases that could not run (bad case file, mapping does not check, input missing).
    pub errors: usize,
}

impl Summary {
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.errors == 0
    }
}

/// An answer to a review prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Yes,
    No,
    /// Accept this and the rest of the case.
    All,
    /// Reject the rest of the case.
    Skip,
    Quit,
}

fn ask(prompt: &str, input: &mut dyn BufRead, out: &mut dyn Write) -> std::io::Result<Answer> {
    loop {
        write!(
            out,
            "{prompt} [y]es / [n]o / [a]ll of this case / [s]kip case / [q]uit: "
        )?;
        out.flush()?;
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            writeln!(out, "(no more answers: the rest is left as it is)")?;
            return Ok(Answer::Quit);
        }
        writeln!(out)?;
        match line.trim().to_lowercase().as_str() {
            "y" | "yes" => return Ok(Answer::Yes),
            "n" | "no" | "" => return Ok(Answer::No),
            "a" | "all" => return Ok(Answer::All),
            "s" | "skip" => return Ok(Answer::Skip),
            "q" | "quit" => return Ok(Answer::Quit),
            other => writeln!(out, "`{other}`? answer y, n, a, s or q")?,
        }
    }
}

/// A short account of an output with no snapshot yet.
fn describe(v: &Value) -> String {
    let Value::Object(m) = v else {
        return diff::shown(v);
    };
    let parts: Vec<String> = m
        .iter()
        .map(|(k, v)| match v {
            Value::Array(a) => format!("{k}: {}", a.len()),
            Value::Object(o) => format!("{k}: {}", o.len()),
            _ => k.clone(),
        })
        .collect();
    parts.join(", ")
}

/// Runs the cases, writing the report to `out` and reading review answers from `input`.
pub fn run(
    cases: &[CaseRef],
    opts: Options,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> std::io::Result<Summary> {
    let st = opts.style;
    let mut sum = Summary::default();
    let mut quit = false;
    let mut failures: Vec<String> = Vec::new();
    for r in cases {
        let loaded = case::load(r).and_then(|c| exec::execute(&c).map(|v| (c, v)));
        let (case, actual) = match loaded {
            Ok(x) => x,
            Err(e) => {
                writeln!(out, "test {} ... {}", r.name, st.red("ERROR"))?;
                failures.push(format!("{}: {e}", r.name));
                sum.errors += 1;
                continue;
            }
        };
        let expected = match snapshot::read(&case.expect) {
            Ok(v) => v,
            Err(e) => {
                writeln!(out, "test {} ... {}", r.name, st.red("ERROR"))?;
                failures.push(format!("{}: {e}", r.name));
                sum.errors += 1;
                continue;
            }
        };
        let write = |v: &Value| snapshot::write(&case.expect, v, &case.file);
        let expect_name = case.expect.display().to_string();
        let Some(expected) = expected else {
            // No snapshot yet.
            let accept = match opts.mode {
                Mode::Accept => true,
                Mode::Review if !quit => {
                    writeln!(out, "test {} ... {}", r.name, st.bold("NEW"))?;
                    writeln!(
                        out,
                        "  no snapshot yet ({expect_name}); the case gives {}",
                        describe(&actual)
                    )?;
                    let json = serde_json::to_string_pretty(&actual).unwrap_or_default();
                    for line in json.lines() {
                        writeln!(out, "  {}", st.green(line))?;
                    }
                    match ask("write it as the snapshot?", input, out)? {
                        Answer::Yes | Answer::All => true,
                        Answer::Quit => {
                            quit = true;
                            false
                        }
                        _ => false,
                    }
                }
                _ => false,
            };
            if accept {
                if let Err(e) = write(&actual) {
                    failures.push(format!("{}: {e}", r.name));
                    sum.errors += 1;
                    continue;
                }
                if opts.mode == Mode::Accept {
                    writeln!(out, "test {} ... {}", r.name, st.green("written"))?;
                }
                writeln!(out, "  wrote {expect_name}")?;
                sum.updated += 1;
            } else {
                if opts.mode != Mode::Review {
                    writeln!(out, "test {} ... {}", r.name, st.red("NO SNAPSHOT"))?;
                }
                failures.push(format!(
                    "{}: no snapshot yet ({expect_name}); the case gives {}.\n  Check it with `clerkmap test --review`, or write it with `clerkmap test --accept`.",
                    r.name,
                    describe(&actual)
                ));
                sum.failed += 1;
            }
            continue;
        };
        let changes = diff::diff(&expected, &actual);
        if changes.is_empty() {
            writeln!(out, "test {} ... {}", r.name, st.green("ok"))?;
            sum.passed += 1;
            continue;
        }
        let rendered: String = changes.iter().map(|c| diff::render(c, st)).collect();
        let header = format!(
            "{}: {} from {expect_name} (was: the snapshot, now: this run)",
            r.name,
            plural(changes.len(), "difference")
        );
        match opts.mode {
            Mode::Check => {
                writeln!(out, "test {} ... {}", r.name, st.red("FAILED"))?;
                failures.push(format!("{header}\n{}", rendered.trim_end()));
                sum.failed += 1;
            }
            Mode::Accept => {
                if let Err(e) = write(&actual) {
                    failures.push(format!("{}: {e}", r.name));
                    sum.errors += 1;
                    continue;
                }
                writeln!(out, "test {} ... {}", r.name, st.green("updated"))?;
                write!(out, "{rendered}")?;
                sum.updated += 1;
            }
            Mode::Review => {
                writeln!(out, "test {} ... {}", r.name, st.bold("CHANGED"))?;
                writeln!(out, "{header}")?;
                let accepted = review(&changes, st, input, out, &mut quit)?;
                let taken = accepted.iter().filter(|a| **a).count();
                if taken > 0 {
                    let merged = diff::apply(&expected, &actual, &changes, &accepted);
                    if let Err(e) = write(&merged) {
                        failures.push(format!("{}: {e}", r.name));
                        sum.errors += 1;
                        continue;
                    }
                    writeln!(
                        out,
                        "  accepted {taken} of {}; wrote {expect_name}",
                        changes.len()
                    )?;
                }
                if taken == changes.len() {
                    sum.updated += 1;
                } else {
                    let left: Vec<&Change> = changes
                        .iter()
                        .zip(&accepted)
                        .filter(|(_, a)| !**a)
                        .map(|(c, _)| c)
                        .collect();
                    let text: String = left.iter().map(|c| diff::render(c, st)).collect();
                    failures.push(format!(
                        "{}: {} not accepted\n{}",
                        r.name,
                        plural(left.len(), "change"),
                        text.trim_end()
                    ));
                    sum.failed += 1;
                }
            }
        }
    }
    if !failures.is_empty() {
        writeln!(out, "\nfailures:\n")?;
        for f in &failures {
            writeln!(out, "{f}\n")?;
        }
    }
    let verdict = if sum.ok() {
        st.green("ok")
    } else {
        st.red("FAILED")
    };
    writeln!(
        out,
        "test result: {verdict}. {} passed; {} failed; {} errors; {} written or updated",
        sum.passed, sum.failed, sum.errors, sum.updated
    )?;
    if sum.failed > 0 && opts.mode == Mode::Check {
        writeln!(
            out,
            "If the changes are intended: `clerkmap test --review` to go through them, or `--accept` to take them all."
        )?;
    }
    Ok(sum)
}

fn review(
    changes: &[Change],
    st: Style,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
    quit: &mut bool,
) -> std::io::Result<Vec<bool>> {
    let mut accepted = vec![false; changes.len()];
    let mut all = false;
    for (i, c) in changes.iter().enumerate() {
        if *quit {
            break;
        }
        if all {
            accepted[i] = true;
            continue;
        }
        write!(out, "{}", diff::render(c, st))?;
        let prompt = format!("  change {}/{}: accept?", i + 1, changes.len());
        match ask(&prompt, input, out)? {
            Answer::Yes => accepted[i] = true,
            Answer::No => {}
            Answer::All => {
                all = true;
                accepted[i] = true;
            }
            Answer::Skip => break,
            Answer::Quit => *quit = true,
        }
    }
    Ok(accepted)
}

fn plural(n: usize, w: &str) -> String {
    format!("{n} {w}{}", if n == 1 { "" } else { "s" })
}
