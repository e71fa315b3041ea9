//! `clerkmap inspect`: the fields found in a source file.

use std::path::PathBuf;

use clap::Args;

use super::exit;
use super::term::Ui;
use crate::engine::Format;
use crate::workflow::inspect::{self, DEFAULT_SAMPLE};

#[derive(Args, Debug)]
#[command(after_help = format!("\
Example:
  clerkmap inspect mappings/sample/articoli.ndjson

Lists every path in the file's records (as a mapping writes it: .a.b, .\"Codice EAN\", lists as
[*]; a CSV's columns in file order, those empty in every row included), its value types, the
share of records that have a value there and the share that have it empty, the number of
distinct values (when there are few) and examples; then hints for text that needs a function
(decimal commas, dates, HTML, URL paths). Large files are sampled: the first records only,
unless --all. --json gives the same as data, with the format as --input-format takes it.\n\n{}", super::exit::help(super::exit::INSPECT)))]
pub struct InspectArgs {
    /// The file: .json (array), .ndjson/.jsonl, .csv/.txt, .tsv, .xml.
    pub path: PathBuf,
    /// The file's format, when the extension does not tell: json, ndjson, csv, tsv, "csv;",
    /// "csv,", xml, xml:ITEM, xmlns, xmlns:ITEM (names keep their namespace prefix) (as
    /// `--input-format` of `run`; `-f`/`--format` are its old names).
    #[arg(
        long = "input-format",
        value_name = "FORMAT",
        alias = "format",
        short_alias = 'f'
    )]
    pub input_format: Option<String>,
    /// Records to read.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SAMPLE, conflicts_with = "all")]
    pub sample: usize,
    /// Read every record.
    #[arg(long)]
    pub all: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub(crate) fn cmd(a: InspectArgs, ui: &Ui) -> u8 {
    let format = match &a.input_format {
        Some(f) => match Format::parse_named("--input-format", f) {
            Ok(f) => f,
            Err(e) => {
                ui.error(e);
                return exit::USAGE;
            }
        },
        None => match Format::from_path(&a.path) {
            Some(f) => f,
            None => {
                ui.error(format!(
                    "cannot tell the format of `{}` from its extension ({}): give it with --input-format csv (the formats: {})",
                    a.path.display(),
                    crate::engine::input::EXTENSIONS,
                    crate::engine::input::FORMAT_NAMES
                ));
                return exit::USAGE;
            }
        },
    };
    let limit = (!a.all).then_some(a.sample.max(1));
    match inspect::inspect(&a.path, format, limit) {
        Ok(i) => {
            if a.json {
                match serde_json::to_string_pretty(&i) {
                    Ok(s) => ui.result(&format!("{s}\n")),
                    Err(e) => {
                        ui.error(e);
                        return exit::FAILURE;
                    }
                }
            } else {
                ui.result(&i.render());
            }
            // as a run refuses it: no record to map (a CSV of its header only)
            if i.records == 0 {
                ui.error(match i.unreadable {
                    0 => format!(
                        "{}: holds no record (only a header or blank lines?)",
                        a.path.display()
                    ),
                    n => format!(
                        "{}: holds no readable record ({n} unreadable, listed above)",
                        a.path.display()
                    ),
                });
                return exit::INPUT;
            }
            exit::OK
        }
        Err(e) => {
            ui.error(e);
            exit::INPUT
        }
    }
}
