//! `clerkmap test`: runs cases, compares with their snapshots, prints the differences, and
//! (with `--accept` or `--review`) updates the snapshots.

use std::io::{BufRead, Write};

use crate::value::Value;

use super::case::{self, Case, CaseRef};
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

#[derive(Debug, Clone)]
/// How `clerkmap test` runs.
pub struct Options {
    /// What to do with differences.
    pub mode: Mode,
    /// Colours of the report.
    pub style: Style,
    /// The run's time of the cases that set none (`--now`); `None`: [`case::TEST_NOW`].
    pub now: Option<i64>,
    /// The command that runs the same cases again (`clerkmap test tests/ --filter mug`), which
    /// the hints complete with `--review` or `--accept`.
    pub again: String,
}

/// What happened to the cases.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Cases equal to their snapshot.
    pub passed: usize,
    /// Cases whose snapshot was written or updated (all their changes accepted).
    pub updated: usize,
    /// Cases that differ from their snapshot (or have none), after any review.
    pub failed: usize,
    /// Cases that could not run (bad case file, mapping does not check, input missing).
    pub errors: usize,
    /// Cases that failed whose snapshot was written all the same, with the changes accepted
    /// in a review (some, not all: the case is counted in `failed` too).
    pub partly_updated: usize,
}

impl Summary {
    /// Whether every case passed (or was written).
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
            // counts by reason (`filtered`: by each `where`): their sum, records
            Value::Object(o) if o.values().all(|c| c.as_u64().is_some()) => {
                format!("{k}: {}", o.values().filter_map(Value::as_u64).sum::<u64>())
            }
            Value::Object(o) => format!("{k}: {}", o.len()),
            _ => k.to_string(),
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
    let mut runner = Runner {
        opts,
        input,
        out,
        sum: Summary::default(),
        quit: false,
        failures: Vec::new(),
    };
    for r in cases {
        runner.case(r)?;
    }
    runner.summary()
}

/// The state of a `clerkmap test` run, across its cases.
struct Runner<'io> {
    opts: Options,
    input: &'io mut dyn BufRead,
    out: &'io mut dyn Write,
    sum: Summary,
    /// The reviewer quit: nothing more is asked.
    quit: bool,
    /// What is printed after the cases, one entry per case that failed or could not run.
    failures: Vec<String>,
}

/// A case that ran, and where its snapshot is.
struct Ran<'c> {
    name: &'c str,
    case: Case,
    actual: Value,
    /// The snapshot's path, as printed.
    expect_name: String,
}

impl Ran<'_> {
    /// Writes `v` as the case's snapshot.
    fn write(&self, v: &Value) -> Result<(), String> {
        snapshot::write(&self.case.expect, v, &self.case.file)
    }

    /// The first line of a difference report: the case, how many differences (a record that
    /// changed is one, with how many attributes changed in all when that says more), which
    /// snapshot.
    fn differs_header(&self, changes: &[Change]) -> String {
        let attrs: usize = changes
            .iter()
            .map(|c| match &c.kind {
                diff::ChangeKind::Changed { attrs, .. } => attrs.len(),
                _ => 1,
            })
            .sum();
        let count = if attrs > changes.len() {
            format!(
                "{} ({} in all)",
                plural(changes.len(), "difference"),
                plural(attrs, "attribute")
            )
        } else {
            plural(changes.len(), "difference")
        };
        format!(
            "{}: {count} from {} (was: the snapshot, now: this run)",
            self.name, self.expect_name
        )
    }
}

impl Runner<'_> {
    /// Runs one case, compares its output with its snapshot and handles the outcome.
    fn case(&mut self, r: &CaseRef) -> std::io::Result<()> {
        let st = self.opts.style;
        let loaded = case::load(r)
            .map(|c| c.at(self.opts.now))
            .and_then(|c| exec::execute(&c).map(|v| (c, v)));
        let read = loaded.and_then(|(c, v)| snapshot::read(&c.expect).map(|e| (c, v, e)));
        let (case, actual, expected) = match read {
            Ok(x) => x,
            Err(e) => {
                writeln!(self.out, "test {} ... {}", r.name, st.red("ERROR"))?;
                self.error(&r.name, e);
                return Ok(());
            }
        };
        let ran = Ran {
            name: &r.name,
            expect_name: case.expect.display().to_string(),
            case,
            actual,
        };
        let Some(expected) = expected else {
            return self.no_snapshot(&ran);
        };
        let changes = diff::diff(&expected, &ran.actual);
        if changes.is_empty() {
            writeln!(self.out, "test {} ... {}", ran.name, st.green("ok"))?;
            self.sum.passed += 1;
            return Ok(());
        }
        match self.opts.mode {
            Mode::Check => self.differs_check(&ran, &changes),
            Mode::Accept => self.differs_accept(&ran, &changes),
            Mode::Review => self.differs_review(&ran, &expected, &changes),
        }
    }

    /// Counts a case that could not run (or whose snapshot could not be written).
    fn error(&mut self, name: &str, e: String) {
        self.failures.push(format!("{name}: {e}"));
        self.sum.errors += 1;
    }

    /// A case with no snapshot yet: written with `--accept`, shown and asked about with
    /// `--review`, a failure otherwise (or when the reviewer says no).
    fn no_snapshot(&mut self, ran: &Ran) -> std::io::Result<()> {
        let st = self.opts.style;
        let accept = match self.opts.mode {
            Mode::Accept => true,
            Mode::Review if !self.quit => self.review_new(ran)?,
            _ => false,
        };
        if accept {
            if let Err(e) = ran.write(&ran.actual) {
                self.error(ran.name, e);
                return Ok(());
            }
            if self.opts.mode == Mode::Accept {
                writeln!(self.out, "test {} ... {}", ran.name, st.green("written"))?;
            }
            // A snapshot of a run that stopped holds no feed: say so, it is rarely what a case
            // means to keep.
            match ran.actual.get("aborted").and_then(Value::as_str) {
                Some(why) => writeln!(
                    self.out,
                    "  wrote {} (the run stopped: {why})",
                    ran.expect_name
                )?,
                None => writeln!(self.out, "  wrote {}", ran.expect_name)?,
            }
            self.sum.updated += 1;
        } else {
            if self.opts.mode != Mode::Review {
                writeln!(self.out, "test {} ... {}", ran.name, st.red("NO SNAPSHOT"))?;
            }
            self.failures.push(format!(
                "{}: no snapshot yet ({}); the case gives {}.\n  Check it with `{again} --review`, or write it with `{again} --accept`.",
                ran.name,
                ran.expect_name,
                describe(&ran.actual),
                again = self.opts.again,
            ));
            self.sum.failed += 1;
        }
        Ok(())
    }

    /// Shows the output of a case with no snapshot yet, and asks whether to write it.
    fn review_new(&mut self, ran: &Ran) -> std::io::Result<bool> {
        let st = self.opts.style;
        writeln!(self.out, "test {} ... {}", ran.name, st.bold("NEW"))?;
        writeln!(
            self.out,
            "  no snapshot yet ({}); the case gives {}",
            ran.expect_name,
            describe(&ran.actual)
        )?;
        let json = serde_json::to_string_pretty(&ran.actual).unwrap_or_default();
        for line in json.lines() {
            writeln!(self.out, "  {}", st.green(line))?;
        }
        Ok(
            match ask(
                "write it as the snapshot?",
                &mut *self.input,
                &mut *self.out,
            )? {
                Answer::Yes | Answer::All => true,
                Answer::Quit => {
                    self.quit = true;
                    false
                }
                _ => false,
            },
        )
    }

    /// A case that differs from its snapshot, in check mode: a failure, with the differences.
    fn differs_check(&mut self, ran: &Ran, changes: &[Change]) -> std::io::Result<()> {
        let st = self.opts.style;
        writeln!(self.out, "test {} ... {}", ran.name, st.red("FAILED"))?;
        let rendered: String = changes.iter().map(|c| diff::render(c, st)).collect();
        self.failures.push(format!(
            "{}\n{}",
            ran.differs_header(changes),
            rendered.trim_end()
        ));
        self.sum.failed += 1;
        Ok(())
    }

    /// A case that differs from its snapshot, with `--accept`: the output becomes the snapshot
    /// and the differences are printed.
    fn differs_accept(&mut self, ran: &Ran, changes: &[Change]) -> std::io::Result<()> {
        let st = self.opts.style;
        if let Err(e) = ran.write(&ran.actual) {
            self.error(ran.name, e);
            return Ok(());
        }
        writeln!(self.out, "test {} ... {}", ran.name, st.green("updated"))?;
        let rendered: String = changes.iter().map(|c| diff::render(c, st)).collect();
        write!(self.out, "{rendered}")?;
        self.sum.updated += 1;
        Ok(())
    }

    /// A case that differs from its snapshot, with `--review`: each change is asked about, the
    /// accepted ones are written into the snapshot, the others make the case fail.
    fn differs_review(
        &mut self,
        ran: &Ran,
        expected: &Value,
        changes: &[Change],
    ) -> std::io::Result<()> {
        let st = self.opts.style;
        writeln!(self.out, "test {} ... {}", ran.name, st.bold("CHANGED"))?;
        writeln!(self.out, "{}", ran.differs_header(changes))?;
        let accepted = review(
            changes,
            st,
            &mut *self.input,
            &mut *self.out,
            &mut self.quit,
        )?;
        let taken = accepted.iter().filter(|a| **a).count();
        if taken > 0 {
            let merged = diff::apply(expected, &ran.actual, changes, &accepted);
            if let Err(e) = ran.write(&merged) {
                self.error(ran.name, e);
                return Ok(());
            }
            writeln!(
                self.out,
                "  accepted {taken} of {}; wrote {}",
                changes.len(),
                ran.expect_name
            )?;
            if taken < changes.len() {
                self.sum.partly_updated += 1;
            }
        }
        if taken == changes.len() {
            self.sum.updated += 1;
        } else {
            let left: Vec<&Change> = changes
                .iter()
                .zip(&accepted)
                .filter(|(_, a)| !**a)
                .map(|(c, _)| c)
                .collect();
            let text: String = left.iter().map(|c| diff::render(c, st)).collect();
            self.failures.push(format!(
                "{}: {} not accepted\n{}",
                ran.name,
                plural(left.len(), "change"),
                text.trim_end()
            ));
            self.sum.failed += 1;
        }
        Ok(())
    }

    /// Prints the failures and the result line, and gives the counts.
    fn summary(self) -> std::io::Result<Summary> {
        let st = self.opts.style;
        let sum = self.sum;
        if !self.failures.is_empty() {
            writeln!(self.out, "\nfailures:\n")?;
            for f in &self.failures {
                writeln!(self.out, "{f}\n")?;
            }
        }
        let verdict = if sum.ok() {
            st.green("ok")
        } else {
            st.red("FAILED")
        };
        let partly = match sum.partly_updated {
            0 => String::new(),
            n => format!("; {n} written in part (some of its changes accepted)"),
        };
        writeln!(
            self.out,
            "test result: {verdict}. {} passed; {} failed; {} errors; {} written or updated{partly}",
            sum.passed, sum.failed, sum.errors, sum.updated
        )?;
        if sum.failed > 0 && self.opts.mode == Mode::Check {
            writeln!(
                self.out,
                "If the changes are intended: `{again} --review` to go through them, or `--accept` to take them all.",
                again = self.opts.again,
            )?;
        }
        Ok(sum)
    }
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
    crate::value::plural(n as u64, w)
}

#[cfg(test)]
mod tests {
    use super::describe;

    /// `filtered` counts records by `where`: the account says the records (a trial read
    /// "filtered: 1" of 2 records filtered by one condition).
    #[test]
    fn a_new_outputs_account_counts_records() {
        let out = crate::json!({
            "products": [{"id": 1}, {"id": 2}],
            "rejected": [{"line": 3}],
            "filtered": {"products by `.x` (m.cmap:1:2)": 2},
        });
        assert_eq!(describe(&out), "products: 2, rejected: 1, filtered: 2");
    }
}
