//! `clerkmap inspect`: the fields found in a source file.

use std::path::PathBuf;

use clap::Args;

use super::exit;
use crate::engine::Format;
use crate::workflow::inspect::{self, DEFAULT_SAMPLE};

#[derive(Args, Debug)]
#[command(after_help = "\
Example:
  clerkmap inspect mappings/sample/articoli.ndjson

Lists every path in the file's records (as a mapping writes it: .a.b, .\"Codice EAN\", lists as
[*]; a CSV's columns in file order, those empty in every row included), its value types, the
share of records that have a value there and the share that have it empty, the number of
distinct values (when there are few) and examples; then hints for text that needs a function
(decimal commas, dates, HTML, URL paths). Large files are sampled: the first records only,
unless --all. --json gives the same as data, with the format as --input-format takes it.")]
pub struct InspectArgs {
    /// The file: .json (array), .ndjson/.jsonl, .csv/.txt, .tsv, .xml.
    pub path: PathBuf,
    /// The format, when the extension does not tell: json, ndjson, csv, tsv, "csv;", "csv,", xml, xml:ITEM.
    #[arg(short, long, value_name = "FORMAT")]
    pub format: Option<String>,
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

pub(crate) fn cmd(a: InspectArgs) -> u8 {
    let format = match &a.format {
        Some(f) => match Format::parse_named("--format", f) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: {e}");
                return exit::USAGE;
            }
        },
        None => match Format::from_path(&a.path) {
            Some(f) => f,
            None => {
                eprintln!(
                    "error: cannot tell the format of `{}` from its extension ({}): give it with --format csv (the formats: {})",
                    a.path.display(),
                    crate::engine::input::EXTENSIONS,
                    crate::engine::input::FORMAT_NAMES
                );
                return exit::USAGE;
            }
        },
    };
    let limit = (!a.all).then_some(a.sample.max(1));
    match inspect::inspect(&a.path, format, limit) {
        Ok(i) => {
            if a.json {
                match serde_json::to_string_pretty(&i) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return exit::FAILURE;
                    }
                }
            } else {
                print!("{}", i.render());
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            exit::INPUT
        }
    }
}
