//! Input sources: JSON arrays, NDJSON, CSV and XML, read in chunks of raw records on a reader
//! thread and decoded to values on the workers.
//!
//! Every format streams: memory depends on the chunks in flight, not on the file's size, and a
//! named pipe (or `/dev/stdin`) is read as it is written. Reading is bounded by the limits of
//! [`super::limits`]: a record over the size limit or nested too deep is rejected with its
//! place, and reading goes on after it when the format allows; damage that leaves the rest of a
//! file unreadable (a cut-off document, a quote never closed) ends the input with an error after
//! the records before it.

use std::io::BufRead;
use std::sync::Arc;

use crate::value::{Map, Str, Value};

use super::array::ArrayScanner;
use super::delimited::CsvParser;
use super::input::{Format, Input, Origin};
use super::json::{JsonUnit, KeyHints, decode_projected_hinted};
use super::limits::{DEFAULT_MAX_RECORD_BYTES, FIFO_OPEN_WAIT};
use super::xml::XmlItems;

mod open;
mod read;

use open::open_bytes;
pub use open::open_file;
use read::*;

/// A fatal problem with an input file as a whole.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceError {
    /// The input, as messages name it.
    pub file: String,
    /// The line (or record) where reading stopped, when known.
    pub line: Option<u64>,
    /// What went wrong, and how to fix it.
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for SourceError {}

/// A decoded record: its line (or record number), and the object or why it could not be read.
pub type Decoded = (u64, Result<Value, String>);

/// A CSV record of a [`Chunk::Csv`]: its line, and its fields (a range of the chunk's `ends`)
/// or why it could not be read.
pub type CsvRow = (u64, Result<(usize, usize), String>);

/// A batch of raw records, in input order.
pub enum Chunk {
    /// JSON texts to decode (NDJSON lines, or elements of a JSON array): `buf` holds them back
    /// to back.
    Json {
        /// What each text is (a line, an element), for messages.
        unit: JsonUnit,
        /// The texts' bytes.
        buf: Vec<u8>,
        /// Each text's location (line or record number) and byte range in `buf`.
        spans: Vec<(u64, usize, usize)>,
        /// Records known unreadable before decoding (over the size limit, empty), with why;
        /// in input order, like `spans`.
        unreadable: Vec<(u64, String)>,
    },
    /// CSV records: their fields' bytes back to back in `buf`; field `i` ends at `ends[i]`
    /// and starts where field `i - 1` ends.
    Csv {
        /// The header row, shared by every chunk of the file.
        headers: Arc<Vec<String>>,
        /// The fields' bytes.
        buf: Vec<u8>,
        /// Where each field ends in `buf`.
        ends: Vec<usize>,
        /// Each record's line, and its fields (a range of `ends`) or why it could not be read.
        rows: Vec<CsvRow>,
    },
    /// Records decoded while reading (XML items), with their record numbers.
    Decoded(Vec<Decoded>),
}

impl Chunk {
    /// Records in the chunk.
    pub fn len(&self) -> usize {
        match self {
            Chunk::Json {
                spans, unreadable, ..
            } => spans.len() + unreadable.len(),
            Chunk::Csv { rows, .. } => rows.len(),
            Chunk::Decoded(v) => v.len(),
        }
    }
    /// The bytes of the raw records (0 for records decoded while reading).
    pub fn bytes(&self) -> usize {
        match self {
            Chunk::Json { buf, .. } | Chunk::Csv { buf, .. } => buf.len(),
            Chunk::Decoded(_) => 0,
        }
    }

    /// Whether the chunk holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Decodes every record: `(location, value or reason)`, in input order. Consumes the chunk
    /// so decoded values move rather than copy.
    pub fn decode(self) -> Vec<Decoded> {
        self.decode_only(None).collect()
    }

    /// [`Chunk::decode`] keeping only the top-level `fields` (sorted) of each record: a field
    /// no one reads is skipped as it is read, never built (`None`: whole records). Each record
    /// is decoded as it is taken, so a worker maps it while its values are still in the cache
    /// and frees them before decoding the next (not a whole chunk's values first).
    pub fn decode_only(self, fields: Option<&[String]>) -> Decode<'_> {
        let inner = match self {
            Chunk::Json {
                unit,
                buf,
                spans,
                unreadable,
            } => DecodeInner::Json {
                unit,
                buf,
                spans: spans.into_iter(),
                bad: unreadable.into_iter().peekable(),
                hints: KeyHints::default(),
            },
            Chunk::Csv {
                headers,
                buf,
                ends,
                rows,
            } => DecodeInner::Csv {
                keep: fields.map(|f| headers.iter().map(|h| f.binary_search(h).is_ok()).collect()),
                headers,
                buf,
                ends,
                rows: rows.into_iter(),
            },
            Chunk::Decoded(v) => DecodeInner::Decoded(v.into_iter()),
        };
        Decode { fields, inner }
    }
}

/// The records of a chunk, decoded one at a time ([`Chunk::decode_only`]).
pub struct Decode<'f> {
    fields: Option<&'f [String]>,
    inner: DecodeInner,
}

enum DecodeInner {
    Json {
        unit: JsonUnit,
        buf: Vec<u8>,
        spans: std::vec::IntoIter<(u64, usize, usize)>,
        bad: std::iter::Peekable<std::vec::IntoIter<(u64, String)>>,
        hints: KeyHints,
    },
    Csv {
        headers: Arc<Vec<String>>,
        keep: Option<Vec<bool>>,
        buf: Vec<u8>,
        ends: Vec<usize>,
        rows: std::vec::IntoIter<CsvRow>,
    },
    Decoded(std::vec::IntoIter<Decoded>),
}

impl Iterator for Decode<'_> {
    type Item = Decoded;

    fn next(&mut self) -> Option<Decoded> {
        let fields = self.fields;
        match &mut self.inner {
            DecodeInner::Json {
                unit,
                buf,
                spans,
                bad,
                hints,
            } => {
                // the unreadable records in their place among the others
                let next = spans.as_slice().first().map(|&(loc, _, _)| loc);
                if let Some((l, why)) = bad.next_if(|(l, _)| next.is_none_or(|n| *l < n)) {
                    return Some((l, Err(why)));
                }
                let (loc, s, e) = spans.next()?;
                let bytes = buf.get(s..e).unwrap_or_default();
                Some((loc, decode_projected_hinted(bytes, *unit, fields, hints)))
            }
            DecodeInner::Csv {
                headers,
                keep,
                buf,
                ends,
                rows,
            } => {
                let (line, r) = rows.next()?;
                let row = |(a, b)| decode_csv_row(headers, keep.as_deref(), buf, ends, a, b);
                Some((line, r.and_then(row)))
            }
            DecodeInner::Decoded(v) => {
                let (loc, r) = v.next()?;
                let project = |v| match fields {
                    Some(f) => crate::plan::fields::project(v, f),
                    None => v,
                };
                Some((loc, r.map(project)))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.inner {
            DecodeInner::Json { spans, bad, .. } => spans.len() + bad.size_hint().0,
            DecodeInner::Csv { rows, .. } => rows.len(),
            DecodeInner::Decoded(v) => v.len(),
        };
        (n, Some(n))
    }
}

/// A CSV row (fields `first..last` of `ends`) to an object. Empty cells are left out (a CSV has
/// no other way to say "missing"), so paths on them give null; so are the columns `keep` marks
/// `false` (not read by the mapping), whatever their bytes.
fn decode_csv_row(
    headers: &[String],
    keep: Option<&[bool]>,
    buf: &[u8],
    ends: &[usize],
    first: usize,
    last: usize,
) -> Result<Value, String> {
    let count = last - first;
    if count != headers.len() {
        return Err(width_error(headers.len(), ends, first, last));
    }
    let mut fields = Vec::with_capacity(headers.len());
    let mut start = if first == 0 { 0 } else { ends[first - 1] };
    for (i, (h, &end)) in headers.iter().zip(&ends[first..last]).enumerate() {
        let field = &buf[start..end];
        start = end;
        if field.is_empty() || keep.is_some_and(|k| !k.get(i).copied().unwrap_or(true)) {
            continue;
        }
        let s = std::str::from_utf8(field)
            .map_err(|_| format!("field `{h}` is not valid UTF-8: re-export the file as UTF-8"))?;
        fields.push((Str::from(h.as_str()), Value::String(s.into())));
    }
    // The header names are distinct (`read_headers` refuses one given twice).
    Ok(Value::Object(Map::from_unique(fields)))
}

/// Why a row of another width than the header is not read, with the fix that fits it: a row
/// whose extra fields are all empty (a separator at the end of the line) or a short row can be
/// taken by declaring the input lenient.
#[cold]
fn width_error(width: usize, ends: &[usize], first: usize, last: usize) -> String {
    let count = last - first;
    let mut msg = format!(
        "row has {count} fields but the header has {width}: check the delimiter and the quoting of fields with line breaks"
    );
    let field_len = |i: usize| ends[i] - if i == 0 { 0 } else { ends[i - 1] };
    if count > width && (first + width..last).all(|i| field_len(i) == 0) {
        msg.push_str("; its extra fields are empty: to read such rows, declare the input lenient (`input NAME lenient` in the mapping, or `lenient: trailing` in clerkmap.yaml)");
    } else if count < width {
        msg.push_str(
            "; to read short rows with the missing fields null, declare the input `lenient ragged`",
        );
    }
    msg
}

/// The value of an XML item as a record: it must be an object.
fn xml_record(v: Value) -> Result<Value, String> {
    if v.is_object() {
        Ok(v)
    } else {
        Err(format!(
            "record is {}, not an object",
            crate::value::kind(&v)
        ))
    }
}

/// Reads a source file in chunks. Fatal errors (unreadable file, bad header, damage that ends
/// the file) end the stream, after the records read before them.
pub struct SourceReader {
    file: String,
    inner: Inner,
    chunk_size: usize,
    /// The bytes of the last JSON chunk: the next one's buffer is made that big at once, not
    /// grown (and copied) as it fills.
    last_bytes: usize,
    /// The error that ends the input, given after the chunk read before it.
    pending: Option<SourceError>,
    done: bool,
}

enum Inner {
    Lines {
        reader: Box<dyn BufRead + Send>,
        /// The last line read.
        line: u64,
        max_record_bytes: u64,
    },
    Array {
        reader: Box<dyn BufRead + Send>,
        scanner: ArrayScanner,
    },
    Csv {
        reader: Box<dyn BufRead + Send>,
        parser: CsvParser,
        headers: Arc<Vec<String>>,
    },
    Xml {
        items: XmlItems,
    },
}

/// How a chunk read ended the input.
enum Stop {
    /// At its end.
    End,
    /// On an error.
    Error(SourceError),
}

impl SourceReader {
    /// Opens an input with the default record size limit. Checks now what can be checked
    /// without reading records: that it exists, is not empty, and (CSV) has a valid header;
    /// (JSON) starts an array.
    pub fn open(
        origin: &Origin,
        format: Format,
        chunk_size: usize,
    ) -> Result<SourceReader, SourceError> {
        SourceReader::open_limited(origin, format, chunk_size, DEFAULT_MAX_RECORD_BYTES)
    }

    /// Opens an input with its own record size limit.
    pub fn for_input(
        input: &Input,
        format: Format,
        chunk_size: usize,
    ) -> Result<SourceReader, SourceError> {
        let mut reader =
            SourceReader::open_limited(&input.origin, format, chunk_size, input.max_record_bytes)?;
        if let (
            Inner::Csv {
                parser, headers, ..
            },
            Some(lenient),
        ) = (&mut reader.inner, input.lenient)
        {
            let log = Arc::clone(&input.lenient_log);
            parser.fit_to(headers.len(), lenient, Some(log));
        }
        if let Inner::Xml { items } = &mut reader.inner {
            items.input_name = Some(input.name.clone());
        }
        Ok(reader)
    }

    /// Opens an input whose records may take at most `max_record_bytes` bytes each.
    pub fn open_limited(
        origin: &Origin,
        format: Format,
        chunk_size: usize,
        max_record_bytes: u64,
    ) -> Result<SourceReader, SourceError> {
        let err = |line: Option<u64>, message: String| SourceError {
            file: origin.display(),
            line,
            message,
        };
        let cannot_read = |e: std::io::Error| err(None, format!("cannot read: {e}"));
        let mut reader = open_bytes(origin, FIFO_OPEN_WAIT)?;
        // Emptiness is judged by reading: a pipe has no length.
        if reader.fill_buf().map_err(cannot_read)?.is_empty() {
            return Err(err(None, "the file is empty: refusing to map nothing (Clerk would delete every record a feed omits)".into()));
        }
        let inner = match format {
            Format::Ndjson => {
                skip_bom(reader.as_mut()).map_err(cannot_read)?;
                Inner::Lines {
                    reader,
                    line: 0,
                    max_record_bytes,
                }
            }
            Format::Xml { item, qualified } => Inner::Xml {
                items: XmlItems::new(reader, &item, max_record_bytes).qualified(qualified),
            },
            Format::Json => {
                let mut scanner = ArrayScanner::new(max_record_bytes);
                scanner
                    .begin(reader.as_mut())
                    .map_err(|message| err(None, message))?;
                Inner::Array { reader, scanner }
            }
            Format::Csv { delimiter } => {
                skip_bom(reader.as_mut()).map_err(cannot_read)?;
                let head = reader.fill_buf().map_err(cannot_read)?;
                let delim = delimiter.unwrap_or_else(|| detect_delimiter(head));
                let mut parser = CsvParser::new(delim, max_record_bytes);
                let headers = read_headers(&mut parser, reader.as_mut())
                    .map_err(|(line, m)| err(Some(line), m))?;
                Inner::Csv {
                    reader,
                    parser,
                    headers: Arc::new(headers),
                }
            }
        };
        Ok(SourceReader {
            file: origin.display(),
            inner,
            chunk_size: chunk_size.max(1),
            last_bytes: 0,
            pending: None,
            done: false,
        })
    }

    /// The input, as messages name it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The next chunk, `None` at the end. An error ends the input (after the chunk of the
    /// records read before it).
    pub fn next_chunk(&mut self) -> Option<Result<Chunk, SourceError>> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let n = self.chunk_size;
        // At most 64 MiB ahead of time: a chunk of huge records is not a reason to keep
        // reserving as much.
        let capacity = (n * 512).max((self.last_bytes + self.last_bytes / 8).min(64 << 20));
        let file = self.file.as_str();
        let (chunk, stop) = match &mut self.inner {
            Inner::Lines {
                reader,
                line,
                max_record_bytes,
            } => next_lines(file, reader.as_mut(), line, *max_record_bytes, n, capacity),
            Inner::Array { reader, scanner } => {
                next_elements(file, reader.as_mut(), scanner, n, capacity)
            }
            Inner::Csv {
                reader,
                parser,
                headers,
            } => next_csv_rows(file, reader.as_mut(), parser, headers, n),
            Inner::Xml { items } => next_xml_items(file, items, n),
        };
        match stop {
            None => {}
            Some(Stop::End) => self.done = true,
            Some(Stop::Error(e)) => {
                self.done = true;
                self.pending = Some(e);
            }
        }
        if let Some(Chunk::Json { buf, .. }) = &chunk {
            self.last_bytes = buf.len();
        }
        match chunk {
            Some(c) if !c.is_empty() => Some(Ok(c)),
            _ => self.pending.take().map(Err),
        }
    }
}

/// Reads a whole source, with the default record size limit.
pub fn read_all(origin: &Origin, format: Format) -> Result<Vec<Decoded>, SourceError> {
    collect(SourceReader::open(origin, format, 4096)?)
}

/// Reads a whole input, with its record size limit.
pub fn read_input(input: &Input, format: Format) -> Result<Vec<Decoded>, SourceError> {
    collect(SourceReader::for_input(input, format, 4096)?)
}

fn collect(mut reader: SourceReader) -> Result<Vec<Decoded>, SourceError> {
    let mut out = Vec::new();
    while let Some(chunk) = reader.next_chunk() {
        out.extend(chunk?.decode());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::File;
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::time::Duration;

    pub fn file(name: &str, content: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let p = dir.path().join(name);
        let mut f = File::create(&p).unwrap_or_else(|e| panic!("create: {e}"));
        f.write_all(content)
            .unwrap_or_else(|e| panic!("write: {e}"));
        (dir, p)
    }

    #[test]
    fn csv_with_bom_quotes_newlines_and_bad_rows() {
        let (_d, p) = file(
            "a.csv",
            "\u{feff}codice;html;n\r\nA;\"<p>x\r\ny</p>\";1\r\nB;;2\r\nC;3\r\n".as_bytes(),
        );
        let rows = read_all(&Origin::file(p.clone()), Format::Csv { delimiter: None })
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rows.len(), 3);
        assert_eq!(
            rows[0]
                .1
                .as_ref()
                .ok()
                .and_then(|v| v.get("html"))
                .and_then(Value::as_str),
            Some("<p>x\r\ny</p>")
        );
        assert_eq!(
            rows[0]
                .1
                .as_ref()
                .ok()
                .and_then(|v| v.get("codice"))
                .and_then(Value::as_str),
            Some("A")
        );
        assert!(
            rows[1]
                .1
                .as_ref()
                .ok()
                .is_some_and(|v| v.get("html").is_none()),
            "empty cell is missing"
        );
        assert_eq!(rows[2].0, 5);
        assert!(
            rows[2]
                .1
                .as_ref()
                .is_err_and(|e| e.contains("2 fields but the header has 3"))
        );
    }

    #[test]
    fn a_row_of_another_width_says_when_a_lenient_input_would_take_it() {
        let (_d, p) = file("w.csv", b"a,b\n1,2,\n1,2,3\n1\n1,2\n");
        let rows = read_all(&Origin::file(p), Format::Csv { delimiter: None })
            .unwrap_or_else(|e| panic!("{e}"));
        let errors: Vec<String> = rows
            .iter()
            .filter_map(|(_, r)| r.as_ref().err().cloned())
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].contains("3 fields but the header has 2")
                && errors[0].contains("extra fields are empty")
                && errors[0].contains("`input NAME lenient`"),
            "{}",
            errors[0]
        );
        assert!(
            !errors[1].contains("lenient"),
            "a non-empty extra field: {}",
            errors[1]
        );
        assert!(
            errors[2].contains("1 fields but the header has 2")
                && errors[2].contains("`lenient ragged`"),
            "{}",
            errors[2]
        );
        assert!(rows[3].1.is_ok(), "a row of the header's width is read");
    }

    #[test]
    fn ndjson_reports_bad_lines_with_numbers() {
        let (_d, p) = file("a.ndjson", b"{\"a\":1}\n\n{bad\n[1]\n\xff\xfe\n");
        let rows =
            read_all(&Origin::file(p.clone()), Format::Ndjson).unwrap_or_else(|e| panic!("{e}"));
        let lines: Vec<u64> = rows.iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 3, 4, 5]);
        assert!(
            rows[1]
                .1
                .as_ref()
                .is_err_and(|e| e.contains("malformed JSON"))
        );
        assert!(
            rows[2]
                .1
                .as_ref()
                .is_err_and(|e| e.contains("not an object"))
        );
        assert!(rows[3].1.as_ref().is_err_and(|e| e.contains("UTF-8")));
    }

    #[test]
    fn records_known_unreadable_are_decoded_in_their_place_one_at_a_time() {
        let texts = [r#"{"a":1,"b":2}"#, r#"{"a":3}"#, r#"{"b":4}"#];
        let mut buf = Vec::new();
        let mut spans = Vec::new();
        for (loc, t) in [2u64, 4, 5].into_iter().zip(texts) {
            spans.push((loc, buf.len(), buf.len() + t.len()));
            buf.extend_from_slice(t.as_bytes());
        }
        let chunk = || Chunk::Json {
            unit: JsonUnit::Line,
            buf: buf.clone(),
            spans: spans.clone(),
            unreadable: vec![(1, "first".into()), (3, "third".into()), (7, "last".into())],
        };
        let fields = ["a".to_string()];
        let mut lazy = chunk().decode_only(Some(&fields));
        assert_eq!(lazy.size_hint(), (6, Some(6)));
        let first = lazy.next();
        assert_eq!(first, Some((1, Err("first".into()))));
        assert_eq!(lazy.size_hint(), (5, Some(5)));
        let rest: Vec<Decoded> = lazy.collect();
        let shown: Vec<(u64, String)> = rest
            .iter()
            .map(|(l, r)| (*l, r.as_ref().map_or_else(|e| e.clone(), |v| v.to_string())))
            .collect();
        let want = [
            (2, r#"{"a":1}"#),
            (3, "third"),
            (4, r#"{"a":3}"#),
            (5, "{}"),
            (7, "last"),
        ];
        let want: Vec<(u64, String)> = want.iter().map(|(l, s)| (*l, s.to_string())).collect();
        assert_eq!(shown, want);
        assert_eq!(chunk().decode().len(), 6, "whole records, collected");
    }

    #[test]
    fn empty_and_missing_files_are_errors() {
        let (_d, p) = file("e.ndjson", b"");
        assert!(
            SourceReader::open(&Origin::file(p.clone()), Format::Ndjson, 10)
                .is_err_and(|e| e.message.contains("empty"))
        );
        assert!(
            SourceReader::open(
                &Origin::file(Path::new("/nonexistent/x.csv").to_path_buf()),
                Format::Csv { delimiter: None },
                10
            )
            .is_err()
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_without_a_writer_is_given_up() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
        let p = dir.path().join("p.ndjson");
        let made = std::process::Command::new("mkfifo")
            .arg(&p)
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mkfifo failed");
        let started = std::time::Instant::now();
        let e = open_file(&p, Duration::from_millis(200)).err();
        assert!(
            e.as_deref().is_some_and(
                |e| e.contains("a named pipe that no program opened for writing within 0.2 s")
            ),
            "{e:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(5));
        // A regular file is opened as ever.
        let (_d, f) = file("a.ndjson", b"{}");
        assert!(open_file(&f, Duration::from_millis(1)).is_ok());
    }

    #[test]
    fn emptiness_is_judged_by_reading() {
        let origin = Origin::Memory {
            name: "m.ndjson".into(),
            bytes: Arc::from(&b""[..]),
        };
        assert!(
            SourceReader::open(&origin, Format::Ndjson, 10)
                .is_err_and(|e| e.message.contains("the file is empty"))
        );
        // A file whose length says nothing (/proc) is read: it is not empty.
        let proc = Origin::file(PathBuf::from("/proc/self/status"));
        if proc.path().is_some_and(Path::exists) {
            let r = SourceReader::open(&proc, Format::Csv { delimiter: None }, 10);
            assert!(r.is_ok(), "{:?}", r.err());
        }
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,2;3"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",c,d\n"), b',');
    }
}
