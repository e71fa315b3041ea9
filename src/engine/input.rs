//! The inputs of a run: a name (a source after `from`, or a lookup table), where the bytes come
//! from (a file, or memory), and the format. The format of an input is worked out here and only
//! here: stated, else from the file name's extension.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::delimited::{Lenient, LenientLog};
use super::limits::DEFAULT_MAX_RECORD_BYTES;

/// How a source file is read.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// A JSON array of objects (streamed, element by element).
    Json,
    /// One JSON object per line (streamed).
    Ndjson,
    /// CSV with a header row (streamed). `None` detects the delimiter from the header among
    /// `;`, `,` and TAB.
    Csv {
        /// The field delimiter; `None` detects it.
        delimiter: Option<u8>,
    },
    /// XML (streamed): each element named `item` (at any depth) is a record.
    Xml {
        /// The local name of the elements that are records.
        item: String,
        /// Names keep their namespace prefix (`xmlns`): `<content:encoded>` is
        /// `."content:encoded"`, apart from `<excerpt:encoded>` (else both are `.encoded`).
        qualified: bool,
    },
}

/// The format names [`Format::parse`] takes, as the messages and the help list them.
pub const FORMAT_NAMES: &str =
    "json, ndjson, csv, tsv, \"csv;\", \"csv,\", xml, xml:ITEM, xmlns, xmlns:ITEM";

/// The file extensions [`Format::from_path`] knows, as the messages list them.
pub const EXTENSIONS: &str = ".json, .ndjson/.jsonl, .csv/.txt, .tsv/.tab, .xml/.rss";

impl Format {
    /// The format a file name implies.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "json" => Format::Json,
            "ndjson" | "jsonl" => Format::Ndjson,
            "csv" | "txt" => Format::Csv { delimiter: None },
            "xml" | "rss" => Format::Xml {
                item: "item".into(),
                qualified: false,
            },
            "tsv" | "tab" => Format::Csv {
                delimiter: Some(b'\t'),
            },
            _ => return None,
        })
    }

    /// Parses `json`, `ndjson`, `csv`, `tsv`, `csv;`, `csv,`, `xml`, `xml:ITEM`, `xmlns`,
    /// `xmlns:ITEM`.
    pub fn parse(s: &str) -> Option<Format> {
        Some(match s.to_ascii_lowercase().as_str() {
            "json" => Format::Json,
            "ndjson" | "jsonl" => Format::Ndjson,
            "xml" | "xmlns" => Format::Xml {
                item: "item".into(),
                qualified: s.len() == 5,
            },
            x if x.starts_with("xml:") && x.len() > 4 => Format::Xml {
                item: s[4..].to_string(),
                qualified: false,
            },
            x if x.starts_with("xmlns:") && x.len() > 6 => Format::Xml {
                item: s[6..].to_string(),
                qualified: true,
            },
            "csv" => Format::Csv { delimiter: None },
            "tsv" => Format::Csv {
                delimiter: Some(b'\t'),
            },
            "csv;" => Format::Csv {
                delimiter: Some(b';'),
            },
            "csv," => Format::Csv {
                delimiter: Some(b','),
            },
            _ => return None,
        })
    }

    /// [`Format::parse`], with the error a user reads: `what: `x` is not one of ...`.
    pub fn parse_named(what: &str, s: &str) -> Result<Format, String> {
        Format::parse(s).ok_or_else(|| format!("{what}: `{s}` is not one of {FORMAT_NAMES}"))
    }

    /// Whether a record's location is a line number (else a record number).
    pub fn has_lines(&self) -> bool {
        !matches!(self, Format::Json | Format::Xml { .. })
    }

    /// The format as [`Format::parse`] reads it back (`xml:Artikel`, `csv;`), for the commands
    /// a message suggests (to quote for a shell).
    pub fn spec(&self) -> String {
        match self {
            Format::Json => "json".into(),
            Format::Ndjson => "ndjson".into(),
            Format::Csv { delimiter: None } => "csv".into(),
            Format::Csv {
                delimiter: Some(b'\t'),
            } => "tsv".into(),
            Format::Csv { delimiter: Some(d) } => format!("csv{}", char::from(*d)),
            Format::Xml { item, qualified } => {
                let xml = if *qualified { "xmlns" } else { "xml" };
                if item == "item" {
                    xml.into()
                } else {
                    format!("{xml}:{item}")
                }
            }
        }
    }

    /// The usual file extension of the format (`tsv` for a TAB-separated CSV).
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Ndjson => "ndjson",
            Format::Csv {
                delimiter: Some(b'\t'),
            } => "tsv",
            Format::Csv { .. } => "csv",
            Format::Xml { .. } => "xml",
        }
    }
}

/// Where an input's bytes come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    /// A file.
    File {
        /// Where it is.
        path: PathBuf,
        /// How messages name it, when not by `path` (a test case names its files as the case
        /// writes them, so that its snapshot does not depend on where `clerkmap test` runs).
        shown: Option<String>,
    },
    /// Bytes in memory (records written inline in a test case), shown as `name`.
    Memory {
        /// How messages name the input (`articoli.ndjson`).
        name: String,
        /// The input's content.
        bytes: Arc<[u8]>,
    },
}

impl Origin {
    /// A file, named by its path.
    pub fn file(path: impl Into<PathBuf>) -> Origin {
        Origin::File {
            path: path.into(),
            shown: None,
        }
    }

    /// How messages name the input: the path as given, or the memory input's name.
    pub fn display(&self) -> String {
        match self {
            Origin::File {
                shown: Some(shown), ..
            } => shown.clone(),
            Origin::File { path, .. } => path.display().to_string(),
            Origin::Memory { name, .. } => name.clone(),
        }
    }

    /// The path a file input has.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Origin::File { path: p, .. } => Some(p),
            Origin::Memory { .. } => None,
        }
    }
}

/// One input of a run: `NAME=PATH`, with the format from the extension unless stated.
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    /// The source name after `from` in the mapping, or a lookup table's name.
    pub name: String,
    /// Where the bytes come from.
    pub origin: Origin,
    /// The stated format; `None`: from the extension.
    pub format: Option<Format>,
    /// The most bytes one record may take in the file (default
    /// [`DEFAULT_MAX_RECORD_BYTES`]); a run sets it from [`RunOptions`](super::RunOptions).
    pub max_record_bytes: u64,
    /// How a CSV input takes rows of another width than its header's, when the run's
    /// settings say (`lenient:` in clerkmap.yaml); `None`: as the mapping's `input NAME
    /// lenient` says, else strictly.
    pub lenient: Option<Lenient>,
    /// The rows read leniently, counted by every reader of the input.
    pub lenient_log: Arc<LenientLog>,
}

impl Input {
    /// A file input whose format comes from its extension.
    pub fn file(name: impl Into<String>, path: impl Into<PathBuf>) -> Input {
        Input {
            name: name.into(),
            origin: Origin::file(path.into()),
            format: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            lenient: None,
            lenient_log: Arc::default(),
        }
    }

    /// An input held in memory, named `display` in messages (its extension may give the format).
    pub fn memory(name: impl Into<String>, display: impl Into<String>, bytes: Vec<u8>) -> Input {
        Input {
            name: name.into(),
            origin: Origin::Memory {
                name: display.into(),
                bytes: bytes.into(),
            },
            format: None,
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            lenient: None,
            lenient_log: Arc::default(),
        }
    }

    /// Whether the input can be read again from its start: a regular file or bytes in memory
    /// (not a pipe, `/dev/stdin` or a device).
    pub fn can_read_again(&self) -> bool {
        match &self.origin {
            Origin::File { path: p, .. } => std::fs::metadata(p).is_ok_and(|m| m.is_file()),
            Origin::Memory { .. } => true,
        }
    }

    /// The same input with a stated format (`None` keeps the extension's).
    pub fn with_format(mut self, format: Option<Format>) -> Input {
        self.format = format.or(self.format);
        self
    }

    /// The same input named `shown` in messages instead of by its path (files only).
    pub fn shown_as(mut self, shown: impl Into<String>) -> Input {
        if let Origin::File { shown: s, .. } = &mut self.origin {
            *s = Some(shown.into());
        }
        self
    }

    /// The same input read leniently as `lenient` says (`None` keeps its setting).
    pub fn with_lenient(mut self, lenient: Option<Lenient>) -> Input {
        self.lenient = lenient.or(self.lenient);
        self
    }

    /// The same input read leniently as the mapping's `input NAME lenient` says, unless the
    /// run's settings said how already.
    pub fn with_mapping_lenient(mut self, program: &crate::plan::Program) -> Input {
        if self.lenient.is_none() {
            self.lenient = program
                .inputs
                .iter()
                .find(|(n, _)| *n == self.name)
                .map(|(_, l)| *l);
        }
        self
    }

    /// The input as a run of `program` reads it: with the run's record size limit, and the
    /// mapping's `input NAME lenient` unless the run's settings said how already.
    pub fn for_run(&self, program: &crate::plan::Program, max_record_bytes: u64) -> Input {
        self.clone()
            .with_max_record_bytes(max_record_bytes)
            .with_mapping_lenient(program)
    }

    /// The same input with another record size limit.
    pub fn with_max_record_bytes(mut self, max_record_bytes: u64) -> Input {
        self.max_record_bytes = max_record_bytes;
        self
    }

    /// How messages name the input.
    pub fn display(&self) -> String {
        self.origin.display()
    }

    /// The input's format: stated, else the extension's; `None` when neither tells.
    pub fn resolved_format(&self) -> Option<Format> {
        let shown = match &self.origin {
            Origin::File { path: p, .. } => p.clone(),
            Origin::Memory { name, .. } => PathBuf::from(name),
        };
        self.format.clone().or_else(|| Format::from_path(&shown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_is_stated_or_comes_from_the_extension() {
        assert_eq!(
            Input::file("a", "x/a.TSV").resolved_format(),
            Some(Format::Csv {
                delimiter: Some(b'\t')
            })
        );
        assert_eq!(Input::file("a", "a.dat").resolved_format(), None);
        assert_eq!(
            Input::file("a", "a.dat")
                .with_format(Format::parse("xml:entry"))
                .resolved_format(),
            Some(Format::Xml {
                item: "entry".into(),
                qualified: false,
            })
        );
        assert_eq!(
            Input::memory("a", "a.ndjson", b"{}".to_vec()).resolved_format(),
            Some(Format::Ndjson)
        );
    }

    #[test]
    fn format_names_parse_and_errors_list_them() {
        for name in [
            "json",
            "ndjson",
            "csv",
            "tsv",
            "csv;",
            "csv,",
            "xml",
            "xml:entry",
            "xmlns",
            "xmlns:entry",
        ] {
            let format = Format::parse(name);
            assert!(format.is_some(), "{name}");
            // read back as written
            assert_eq!(format.map(|f| f.spec()).as_deref(), Some(name));
        }
        assert!(matches!(
            Format::parse("XMLNS:Artikel"),
            Some(Format::Xml { item, qualified: true }) if item == "Artikel"
        ));
        let e = Format::parse_named("--input-format a", "yaml").err();
        assert_eq!(
            e.as_deref(),
            Some(
                "--input-format a: `yaml` is not one of json, ndjson, csv, tsv, \"csv;\", \"csv,\", xml, xml:ITEM, xmlns, xmlns:ITEM"
            )
        );
    }
}
