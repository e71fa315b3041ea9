//! `clerkmap fmt`: mapping files in the canonical layout (comments kept).

use std::path::{Path, PathBuf};

use clap::Args;

use super::{color, exit};
use crate::diagnostic::{SourceFile, render_all};
use crate::syntax::format::format;

#[derive(Args, Debug)]
#[command(after_help = "\
The layout: one statement per line, blocks indented by two spaces, the `=` of consecutive
attributes aligned, long expressions broken at their outermost operators, lists and objects one
item per line with a trailing comma when they do not fit in 100 columns. Comments and blank
lines between statements are kept. Formatting twice gives the same file.

Exit codes: 0 formatted (or, with --check, already formatted), 1 with --check: some files would
change, 2 a file does not parse or cannot be read or written.")]
pub struct FmtArgs {
    /// Mapping files or folders of them (default: the `mapping:` of ./clerkmap.yaml and
    /// mappings/*.cmap).
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
        let project = Path::new("clerkmap.yaml");
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

pub(crate) fn cmd(a: FmtArgs) -> u8 {
    let files = match files(&a) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::USAGE;
        }
    };
    let mut worst = exit::OK;
    let mut unformatted = Vec::new();
    for path in &files {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("error: {}: cannot read: {e}", path.display());
                worst = exit::USAGE;
                continue;
            }
        };
        let formatted = match format(&text) {
            Ok(f) => f,
            Err(d) => {
                let internal = d.message.starts_with("internal formatter error");
                let src = SourceFile::new(path.display().to_string(), text);
                eprint!("{}", render_all(&[d], &src, color()));
                let why = if internal {
                    ""
                } else {
                    " (fix the syntax error first)"
                };
                eprintln!("{}: not formatted{why}", path.display());
                worst = exit::USAGE;
                continue;
            }
        };
        if a.stdout {
            print!("{formatted}");
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
            eprintln!("error: {}: cannot write: {e}", path.display());
            worst = exit::USAGE;
            continue;
        }
        println!("formatted {}", path.display());
    }
    if a.check && !unformatted.is_empty() {
        for f in &unformatted {
            println!("would reformat {f}");
        }
        eprintln!(
            "{} of {} files are not formatted: run `clerkmap fmt {}`",
            unformatted.len(),
            files.len(),
            unformatted.join(" ")
        );
        return worst.max(exit::FAILURE);
    }
    worst
}
