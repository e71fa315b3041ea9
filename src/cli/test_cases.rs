//! `clerkmap test`: mapping test cases against their snapshots (see `workflow::case`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{config, exit};
use crate::workflow::case::{self, CaseRef};
use crate::workflow::diff::Style;
use crate::workflow::runner::{self, Mode, Options};

/// The conventional folder of test cases when neither DIR nor `tests:` says.
pub const DEFAULT_TESTS_DIR: &str = "mappings/tests";

#[derive(Args, Debug)]
#[command(after_help = "\
A case is a YAML file (expected output in NAME.snap or NAME.json beside it) or a folder with
case.yaml: the mapping, its vars, the inputs (files, or records written inline) and the Clerk
records expected. See docs/cookbook.md and mappings/tests/.

Exit codes: 0 every case matches its snapshot (or was accepted), 1 a case differs, has no
snapshot or cannot run, 2 no case found or bad arguments.")]
pub struct TestArgs {
    /// Folders of test cases, or case files (default: `tests:` of clerkmap.yaml, else mappings/tests/).
    pub paths: Vec<PathBuf>,
    /// Go through each difference and accept or reject it (answers are read from stdin).
    #[arg(long, conflicts_with = "accept")]
    pub review: bool,
    /// Accept every difference: the new outputs become the snapshots.
    #[arg(long)]
    pub accept: bool,
    /// Only the cases whose name contains this text.
    #[arg(long, value_name = "TEXT")]
    pub filter: Option<String>,
    /// The project file whose `tests:` lists the cases (default: ./clerkmap.yaml if present).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Where the cases are: the arguments, else the project file's `tests:`, else the convention.
fn roots(a: &TestArgs) -> Result<Vec<PathBuf>, String> {
    if !a.paths.is_empty() {
        return Ok(a.paths.clone());
    }
    let project = match &a.config {
        Some(p) => Some(p.clone()),
        None => Some(PathBuf::from("clerkmap.yaml")).filter(|p| p.is_file()),
    };
    if let Some(p) = project {
        let proj = config::load(&p)?;
        let tests = proj.tests.paths();
        if !tests.is_empty() {
            return Ok(tests);
        }
        let base = p.parent().unwrap_or(Path::new(""));
        let conventional = base.join(DEFAULT_TESTS_DIR);
        if conventional.is_dir() {
            return Ok(vec![conventional]);
        }
        return Err(format!(
            "{}: no `tests:` key and no {} folder: add `tests: tests` (a folder of cases) to it, or pass the folder",
            p.display(),
            conventional.display()
        ));
    }
    let conventional = PathBuf::from(DEFAULT_TESTS_DIR);
    if conventional.is_dir() {
        return Ok(vec![conventional]);
    }
    Err(format!(
        "no test cases here: pass a folder of cases (`clerkmap test tests/`), add `tests:` to clerkmap.yaml, or create {DEFAULT_TESTS_DIR}/"
    ))
}

fn find(a: &TestArgs) -> Result<Vec<CaseRef>, String> {
    let mut all = Vec::new();
    for root in roots(a)? {
        let mut found = case::discover(&root)?;
        if found.is_empty() {
            return Err(format!(
                "{}: no test case in it (a case is a NAME.yaml file or a folder with case.yaml)",
                root.display()
            ));
        }
        all.append(&mut found);
    }
    if let Some(f) = &a.filter {
        all.retain(|c| c.name.contains(f.as_str()));
        if all.is_empty() {
            return Err(format!("no test case name contains `{f}`"));
        }
    }
    Ok(all)
}

pub(crate) fn cmd(a: TestArgs) -> u8 {
    let cases = match find(&a) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mode = if a.accept {
        Mode::Accept
    } else if a.review {
        Mode::Review
    } else {
        Mode::Check
    };
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let opts = Options {
        mode,
        style: Style { color },
    };
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match runner::run(&cases, opts, &mut input, &mut out) {
        Ok(sum) if sum.ok() => exit::OK,
        Ok(_) => exit::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            exit::FAILURE
        }
    }
}
