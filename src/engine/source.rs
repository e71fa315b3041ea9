//! Input sources: JSON arrays, NDJSON and CSV, read in chunks of raw records on a reader thread
//! and decoded to values on the workers.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use super::input::{Format, Origin};

use serde_json::{Map, Value};

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

/// A batch of raw records, in input order.
pub enum Chunk {
    /// NDJSON lines: `buf` holds them back to back; `spans` has (line number, start, end).
    Lines {
        /// The lines' bytes.
        buf: Vec<u8>,
        /// Each line's number and byte range in `buf`.
        spans: Vec<(u64, usize, usize)>,
    },
    /// CSV rows with their line numbers (or the reason they could not be read).
    Csv {
        /// The header row, shared by every chunk of the file.
        headers: Arc<Vec<String>>,
        /// Each row's line and fields, or why it could not be read.
        rows: Vec<(u64, Result<csv::ByteRecord, String>)>,
    },
    /// Records of a JSON array (1-based record numbers).
    Values(Vec<(u64, Value)>),
}

impl Chunk {
    /// Records in the chunk.
    pub fn len(&self) -> usize {
        match self {
            Chunk::Lines { spans, .. } => spans.len(),
            Chunk::Csv { rows, .. } => rows.len(),
            Chunk::Values(v) => v.len(),
        }
    }
    /// Whether the chunk holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Decodes every record: `(location, value or reason)`. Consumes the chunk so values of a
    /// JSON array move rather than copy.
    pub fn decode(self) -> Vec<Decoded> {
        match self {
            Chunk::Lines { buf, spans } => spans
                .into_iter()
                .map(|(line, s, e)| (line, decode_json_line(&buf[s..e])))
                .collect(),
            Chunk::Csv { headers, rows } => rows
                .into_iter()
                .map(|(line, r)| (line, r.and_then(|rec| decode_csv_row(&headers, &rec))))
                .collect(),
            Chunk::Values(v) => v
                .into_iter()
                .map(|(i, v)| {
                    let r = if v.is_object() {
                        Ok(v)
                    } else {
                        Err(format!(
                            "record is {}, not an object",
                            crate::value::kind(&v)
                        ))
                    };
                    (i, r)
                })
                .collect(),
        }
    }
}

fn decode_json_line(bytes: &[u8]) -> Result<Value, String> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(other) => Err(format!(
            "line holds a JSON {}, not an object",
            crate::value::kind(&other)
        )),
        Err(e) => {
            if std::str::from_utf8(bytes).is_err() {
                Err("line is not valid UTF-8: re-export the file as UTF-8".to_string())
            } else {
                Err(format!("malformed JSON at column {}: {e}", e.column()))
            }
        }
    }
}

/// A CSV row to an object. Empty cells are left out (a CSV has no other way to say "missing"),
/// so paths on them give null.
fn decode_csv_row(headers: &[String], rec: &csv::ByteRecord) -> Result<Value, String> {
    if rec.len() != headers.len() {
        return Err(format!(
            "row has {} fields but the header has {}: check the delimiter and the quoting of fields with line breaks",
            rec.len(),
            headers.len()
        ));
    }
    let mut m = Map::with_capacity(headers.len());
    for (h, field) in headers.iter().zip(rec.iter()) {
        if field.is_empty() {
            continue;
        }
        let s = std::str::from_utf8(field)
            .map_err(|_| format!("field `{h}` is not valid UTF-8: re-export the file as UTF-8"))?;
        m.insert(h.clone(), Value::String(s.to_string()));
    }
    Ok(Value::Object(m))
}

/// Reads a source file in chunks. Fatal errors (unreadable file, bad header) end the stream.
pub struct SourceReader {
    file: String,
    inner: Inner,
    chunk_size: usize,
}

enum Inner {
    Lines {
        reader: Box<dyn BufRead + Send>,
        line: u64,
        done: bool,
    },
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        headers: Arc<Vec<String>>,
        done: bool,
        line_fix: u64,
    },
    Values {
        items: std::vec::IntoIter<Value>,
        next: u64,
    },
    Xml {
        items: super::xml::XmlItems,
        next: u64,
    },
}

/// The bytes of an input, and their length when it is known up front.
fn open(origin: &Origin) -> Result<(Box<dyn Read + Send>, u64), SourceError> {
    match origin {
        Origin::File(path) => {
            let file = File::open(path).map_err(|e| SourceError {
                file: origin.display(),
                line: None,
                message: format!("cannot open: {e}"),
            })?;
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            Ok((Box::new(file), len))
        }
        Origin::Memory { bytes, .. } => Ok((
            Box::new(std::io::Cursor::new(bytes.clone())),
            bytes.len() as u64,
        )),
    }
}

impl SourceReader {
    /// Opens a file. Checks now what can be checked without reading records: that it exists,
    /// is not empty, and (CSV) has a valid header; (JSON) parses as an array.
    pub fn open(
        origin: &Origin,
        format: Format,
        chunk_size: usize,
    ) -> Result<SourceReader, SourceError> {
        let err = |line: Option<u64>, message: String| SourceError {
            file: origin.display(),
            line,
            message,
        };
        let (file, len) = open(origin)?;
        if len == 0 {
            return Err(err(None, "the file is empty: refusing to map nothing (Clerk would delete every record a feed omits)".into()));
        }
        let inner = match format {
            Format::Ndjson => {
                let mut reader: Box<dyn BufRead + Send> =
                    Box::new(BufReader::with_capacity(1 << 20, file));
                skip_bom(&mut reader).map_err(|e| err(None, format!("cannot read: {e}")))?;
                Inner::Lines {
                    reader,
                    line: 0,
                    done: false,
                }
            }
            Format::Xml { item } => {
                let items = super::xml::XmlItems::new(file, &item);
                Inner::Xml { items, next: 1 }
            }
            Format::Json => {
                let reader = BufReader::with_capacity(1 << 20, file);
                let v: Value = serde_json::from_reader(reader)
                    .map_err(|e| err(Some(e.line() as u64), format!("not valid JSON: {e}")))?;
                let Value::Array(items) = v else {
                    return Err(err(None, "a .json source must hold an array of records; use .ndjson for one record per line".into()));
                };
                Inner::Values {
                    items: items.into_iter(),
                    next: 1,
                }
            }
            Format::Csv { delimiter } => {
                let mut buffered = BufReader::with_capacity(1 << 20, file);
                let head = buffered
                    .fill_buf()
                    .map_err(|e| err(None, format!("cannot read: {e}")))?;
                let delim = delimiter.unwrap_or_else(|| detect_delimiter(head));
                // The csv crate counts a CRLF record's line before its LF: correct for it.
                let line_fix = u64::from(
                    memchr::memchr(b'\n', head).is_some_and(|i| i > 0 && head[i - 1] == b'\r'),
                );
                let reader: Box<dyn Read + Send> = Box::new(buffered);
                let mut csv = csv::ReaderBuilder::new()
                    .delimiter(delim)
                    .flexible(true)
                    .has_headers(true)
                    .from_reader(reader);
                let raw = csv
                    .byte_headers()
                    .map_err(|e| err(Some(1), format!("cannot read the header row: {e}")))?
                    .clone();
                let mut headers = Vec::with_capacity(raw.len());
                for (i, h) in raw.iter().enumerate() {
                    let h = std::str::from_utf8(h).map_err(|_| {
                        err(
                            Some(1),
                            format!("header column {} is not valid UTF-8", i + 1),
                        )
                    })?;
                    let h = h.trim_start_matches('\u{feff}').trim().to_string();
                    if h.is_empty() {
                        return Err(err(
                            Some(1),
                            format!(
                                "header column {} is empty: every column needs a name",
                                i + 1
                            ),
                        ));
                    }
                    if headers.contains(&h) {
                        return Err(err(Some(1), format!("header column `{h}` appears twice")));
                    }
                    headers.push(h);
                }
                Inner::Csv {
                    reader: csv,
                    headers: Arc::new(headers),
                    done: false,
                    line_fix,
                }
            }
        };
        Ok(SourceReader {
            file: origin.display(),
            inner,
            chunk_size: chunk_size.max(1),
        })
    }

    /// The input, as messages name it.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The next chunk, `None` at the end.
    pub fn next_chunk(&mut self) -> Option<Result<Chunk, SourceError>> {
        let n = self.chunk_size;
        let file = self.file.as_str();
        match &mut self.inner {
            Inner::Lines { reader, line, done } => next_lines(file, reader.as_mut(), line, done, n),
            Inner::Csv {
                reader,
                headers,
                done,
                line_fix,
            } => next_csv_rows(file, reader, headers, done, *line_fix, n),
            Inner::Xml { items, next } => next_xml_items(file, items, next, n),
            Inner::Values { items, next } => next_values(items, next, n),
        }
    }
}

/// `None` for no record (the end of the input), else the chunk `make` builds of them.
fn chunk<T>(
    records: Vec<T>,
    make: impl FnOnce(Vec<T>) -> Chunk,
) -> Option<Result<Chunk, SourceError>> {
    if records.is_empty() {
        None
    } else {
        Some(Ok(make(records)))
    }
}

/// A read error that ends the input.
fn read_error(
    file: &str,
    line: Option<u64>,
    message: String,
) -> Option<Result<Chunk, SourceError>> {
    Some(Err(SourceError {
        file: file.to_string(),
        line,
        message,
    }))
}

/// Up to `n` non-blank NDJSON lines (`line`: the last line read; `done`: the end was reached).
fn next_lines(
    file: &str,
    reader: &mut dyn BufRead,
    line: &mut u64,
    done: &mut bool,
    n: usize,
) -> Option<Result<Chunk, SourceError>> {
    if *done {
        return None;
    }
    let mut buf = Vec::with_capacity(n * 512);
    let mut spans = Vec::with_capacity(n);
    while spans.len() < n {
        let start = buf.len();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => {
                *done = true;
                break;
            }
            Ok(_) => {
                *line += 1;
                let mut end = buf.len();
                while end > start && matches!(buf[end - 1], b'\n' | b'\r') {
                    end -= 1;
                }
                if buf[start..end].iter().all(u8::is_ascii_whitespace) {
                    buf.truncate(start);
                    continue;
                }
                spans.push((*line, start, end));
            }
            Err(e) => {
                *done = true;
                return read_error(file, Some(*line + 1), format!("read error: {e}"));
            }
        }
    }
    chunk(spans, |spans| Chunk::Lines { buf, spans })
}

/// Up to `n` non-blank CSV rows; a row the csv crate cannot read is kept with its reason, an
/// I/O error ends the input.
fn next_csv_rows(
    file: &str,
    reader: &mut csv::Reader<Box<dyn Read + Send>>,
    headers: &Arc<Vec<String>>,
    done: &mut bool,
    line_fix: u64,
    n: usize,
) -> Option<Result<Chunk, SourceError>> {
    if *done {
        return None;
    }
    let mut rows = Vec::with_capacity(n);
    while rows.len() < n {
        let mut rec = csv::ByteRecord::new();
        match reader.read_byte_record(&mut rec) {
            Ok(false) => {
                *done = true;
                break;
            }
            Ok(true) => {
                let line = rec.position().map_or(0, |p| p.line()) + line_fix;
                if rec.len() == 1 && rec.get(0).is_some_and(|f| f.is_empty()) {
                    continue; // blank line
                }
                rows.push((line, Ok(rec)));
            }
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line()) + line_fix;
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    *done = true;
                    return read_error(file, Some(line), format!("read error: {e}"));
                }
                rows.push((line, Err(format!("unreadable CSV row: {e}"))));
            }
        }
    }
    chunk(rows, |rows| Chunk::Csv {
        headers: headers.clone(),
        rows,
    })
}

/// Up to `n` items of an XML feed (`next`: the number of the next one).
fn next_xml_items(
    file: &str,
    items: &mut super::xml::XmlItems,
    next: &mut u64,
    n: usize,
) -> Option<Result<Chunk, SourceError>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        match items.next_item() {
            None => break,
            Some(Ok(v)) => {
                out.push((*next, v));
                *next += 1;
            }
            Some(Err(message)) => {
                return read_error(file, None, format!("record {}: {message}", *next));
            }
        }
    }
    chunk(out, Chunk::Values)
}

/// Up to `n` records of a JSON array (`next`: the number of the next one).
fn next_values(
    items: &mut std::vec::IntoIter<Value>,
    next: &mut u64,
    n: usize,
) -> Option<Result<Chunk, SourceError>> {
    let mut out = Vec::with_capacity(n);
    for v in items.by_ref().take(n) {
        out.push((*next, v));
        *next += 1;
    }
    chunk(out, Chunk::Values)
}

fn skip_bom(reader: &mut Box<dyn BufRead + Send>) -> std::io::Result<()> {
    let buf = reader.fill_buf()?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    Ok(())
}

/// The delimiter among `;`, `,`, TAB that occurs most in the first line (outside quotes).
fn detect_delimiter(head: &[u8]) -> u8 {
    let line_end = memchr::memchr(b'\n', head).unwrap_or(head.len());
    let mut counts = [(b';', 0usize), (b',', 0), (b'\t', 0)];
    let mut quoted = false;
    for &b in &head[..line_end] {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            for c in counts.iter_mut() {
                if c.0 == b {
                    c.1 += 1;
                }
            }
        }
    }
    counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map_or(b',', |c| c.0)
}

/// Reads a whole source.
pub fn read_all(origin: &Origin, format: Format) -> Result<Vec<Decoded>, SourceError> {
    let mut reader = SourceReader::open(origin, format, 4096)?;
    let mut out = Vec::new();
    while let Some(chunk) = reader.next_chunk() {
        out.extend(chunk?.decode());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::{Path, PathBuf};

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
        let rows = read_all(&Origin::File(p.clone()), Format::Csv { delimiter: None })
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
    fn ndjson_reports_bad_lines_with_numbers() {
        let (_d, p) = file("a.ndjson", b"{\"a\":1}\n\n{bad\n[1]\n\xff\xfe\n");
        let rows =
            read_all(&Origin::File(p.clone()), Format::Ndjson).unwrap_or_else(|e| panic!("{e}"));
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
    fn empty_and_missing_files_are_errors() {
        let (_d, p) = file("e.ndjson", b"");
        assert!(
            SourceReader::open(&Origin::File(p.clone()), Format::Ndjson, 10)
                .is_err_and(|e| e.message.contains("empty"))
        );
        assert!(
            SourceReader::open(
                &Origin::File(Path::new("/nonexistent/x.csv").to_path_buf()),
                Format::Csv { delimiter: None },
                10
            )
            .is_err()
        );
    }

    #[test]
    fn detects_delimiters() {
        assert_eq!(detect_delimiter(b"a;b;c\n1,2;3"), b';');
        assert_eq!(detect_delimiter(b"a\tb\n"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",c,d\n"), b',');
    }
}
