//! `clerkmap fmt`: mapping files in the canonical layout (comments kept).

use std::path::{Path, PathBuf};

use clap::Args;

use super::term::Ui;
use super::{exit, is_stdin};
use crate::diagnostic::{SourceFile, render_all};
use crate::syntax::format::format;

/// The help after the flags: the layout, the exit codes.
fn fmt_help() -> String {
    format!(
        "\
The layout: one statement per line, blocks indented by two spaces, the `=` of consecutive
attributes aligned, long expressions broken at their outermost operators, lists and objects one
item per line with a trailing comma when they do not fit in 100 columns. Comments and blank
lines between statements are kept. Formatting twice gives the same file. `clerkmap fmt -`
formats standard input to standard output.

{}",
        exit::help(exit::FMT)
    )
}

#[derive(Args, Debug)]
#[command(after_help = fmt_help())]
pub struct FmtArgs {
    /// Mapping files or folders of them, `-` for standard input (printed formatted on
    /// standard output; default: the `mapping:` of ./clerkmap.yaml and mappings/*.cmap).
    pub files: Vec<PathBuf>,
    /// Change no file: list those that are not formatted and exit 1 if there are any (for CI).
    #[arg(long)]
    pub check: bool,
    /// Print the formatted text instead of writing the files.
    #[arg(long, conflicts_with = "check")]
    pub stdout: bool,
}

/// The default files: the project's mappings.
pub const DEFAULT_DIR: &str = "mappings";

fn cmap_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: cannot read: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().and_then(|e| e.to_str()) == Some("cmap"))
        .collect();
    found.sort();
    out.extend(found);
    Ok(())
}

fn files(a: &FmtArgs) -> Result<Vec<PathBuf>, String> {
    let mut out = Vec::new();
    if a.files.is_empty() {
        let project = Path::new(super::config::DEFAULT_FILE);
        if project.is_file()
            && let Some(m) = super::config::load(project)?.mapping
        {
            out.push(m);
        }
        let dir = Path::new(DEFAULT_DIR);
        if dir.is_dir() {
            cmap_files(dir, &mut out)?;
        }
        out.dedup();
        if out.is_empty() {
            return Err(format!(
                "no files given, no `mapping:` in ./clerkmap.yaml and no .cmap in {DEFAULT_DIR}/: name the mapping files to format"
            ));
        }
        return Ok(out);
    }
    for f in &a.files {
        if f.is_dir() {
            cmap_files(f, &mut out)?;
        } else {
            out.push(f.clone());
        }
    }
    Ok(out)
}

pub(crate) fn cmd(a: FmtArgs, ui: &Ui) -> u8 {
    if a.files.iter().any(|f| is_stdin(f)) {
        return stdin(&a, ui);
    }
    let files = match files(&a) {
        Ok(f) => f,
        Err(e) => {
            ui.error(e);
            return exit::USAGE;
        }
    };
    let mut worst = exit::OK;
    let mut unformatted = Vec::new();
    for path in &files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                ui.error(format!("{}: cannot read: {e}", path.display()));
                worst = exit::USAGE;
                continue;
            }
        };
        let Some(formatted) = formatted(ui, &path.display().to_string(), text.clone()) else {
            worst = exit::USAGE;
            continue;
        };
        if a.stdout {
            ui.result(&formatted);
            continue;
        }
        if formatted == text {
            continue;
        }
        if a.check {
            unformatted.push(path.display().to_string());
            continue;
        }
        if let Err(e) = std::fs::write(path, &formatted) {
            ui.error(format!("{}: cannot write: {e}", path.display()));
            worst = exit::USAGE;
            continue;
        }
        ui.say(format!("formatted {}", path.display()));
    }
    if a.check && !unformatted.is_empty() {
        for f in &unformatted {
            ui.result(&format!("would reformat {f}\n"));
        }
        ui.note(format!(
            "{} of {} files are not formatted: run `clerkmap fmt {}`",
            unformatted.len(),
            files.len(),
            unformatted.join(" ")
        ));
        return worst.max(exit::FAILURE);
    }
    worst
}

/// The text formatted, or `None` after printing why it cannot be (`name`: the file as
/// messages give it).
fn formatted(ui: &Ui, name: &str, text: String) -> Option<String> {
    match format(&text) {
        Ok(f) => Some(f),
        Err(d) => {
            let internal = d.message.starts_with("internal formatter error");
            let src = SourceFile::new(name, text);
            ui.diagnostics(&render_all(&[d], &src, ui.stderr_color()));
            let why = if internal {
                ""
            } else {
                " (fix the syntax error first)"
            };
            ui.error(format!("{name}: not formatted{why}"));
            None
        }
    }
}

/// `clerkmap fmt -`: standard input formatted on standard output (`--check`: exit 1, printing
/// nothing, when it is not formatted).
fn stdin(a: &FmtArgs, ui: &Ui) -> u8 {
    use std::io::Read;
    if a.files.len() > 1 {
        ui.error("`-` (standard input) cannot be formatted with other files: format it alone");
        return exit::USAGE;
    }
    let mut text = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut text) {
        ui.error(format!("cannot read standard input: {e}"));
        return exit::USAGE;
    }
    let Some(formatted) = formatted(ui, super::STDIN_NAME, text.clone()) else {
        return exit::USAGE;
    };
    if a.check {
        if formatted == text {
            return exit::OK;
        }
        ui.note("standard input is not formatted");
        return exit::FAILURE;
    }
    ui.result(&formatted);
    exit::OK
}
