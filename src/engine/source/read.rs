//! Reading chunks of raw records, one function per input kind: lines (NDJSON), JSON array
//! elements, CSV records, XML items; each bounded by the record size limit.

use std::io::BufRead;
use std::sync::Arc;

use super::{Chunk, SourceError, Stop, xml_record};
use crate::engine::array::{ArrayScanner, Element};
use crate::engine::delimited::{CsvParser, Record};
use crate::engine::json::JsonUnit;
use crate::engine::limits::show_bytes;
use crate::engine::xml::{XmlItem, XmlItems};

/// The header row of a CSV file: names, trimmed, unique, not empty. An error: its line and why.
pub(super) fn read_headers(
    parser: &mut CsvParser,
    reader: &mut dyn BufRead,
) -> Result<Vec<String>, (u64, String)> {
    let mut buf = Vec::new();
    let mut ends = Vec::new();
    let line = match parser.read(reader, &mut buf, &mut ends) {
        Ok(Record::Fields { line, .. }) => line,
        Ok(Record::TooBig { line, size }) => {
            return Err((
                line,
                format!("cannot read the header row: {}", parser.too_big(size)),
            ));
        }
        Ok(Record::End) => {
            return Err((1, "no header row: the file holds only blank lines".into()));
        }
        Err(e) => {
            let (line, message) = e.located();
            return Err((line, format!("cannot read the header row: {message}")));
        }
    };
    let mut headers = Vec::with_capacity(ends.len());
    let mut start = 0;
    for (i, &end) in ends.iter().enumerate() {
        let h = std::str::from_utf8(&buf[start..end])
            .map_err(|_| (line, format!("header column {} is not valid UTF-8", i + 1)))?;
        start = end;
        let h = h.trim_start_matches('\u{feff}').trim().to_string();
        if h.is_empty() {
            return Err((
                line,
                format!(
                    "header column {} is empty: every column needs a name",
                    i + 1
                ),
            ));
        }
        if headers.contains(&h) {
            return Err((line, format!("header column `{h}` appears twice")));
        }
        headers.push(h);
    }
    Ok(headers)
}

/// What [`read_line`] read.
pub(super) enum LineRead {
    /// A line, appended to the buffer with its line end.
    Line,
    /// A line over the limit, consumed but not kept: its size without the line end.
    TooLong(u64),
    /// The end of the input.
    End,
}

/// Reads one line (with its `\n`) into `buf`, as `read_until` does, except that a line over
/// `max` bytes is consumed to its end without being kept.
pub(super) fn read_line(
    r: &mut dyn BufRead,
    buf: &mut Vec<u8>,
    max: u64,
) -> std::io::Result<LineRead> {
    let start = buf.len();
    let mut size = 0u64;
    let mut keep = true;
    loop {
        let avail = match r.fill_buf() {
            Ok(a) => a,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if avail.is_empty() {
            return Ok(match (size, keep) {
                (0, _) => LineRead::End,
                (_, true) => LineRead::Line,
                (n, false) => LineRead::TooLong(n),
            });
        }
        let (take, found) = match memchr::memchr(b'\n', avail) {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        size += take as u64;
        let content = size - u64::from(found);
        if keep && content > max {
            keep = false;
            buf.truncate(start);
        }
        if keep {
            buf.extend_from_slice(&avail[..take]);
        }
        r.consume(take);
        if found {
            return Ok(if keep {
                LineRead::Line
            } else {
                LineRead::TooLong(content)
            });
        }
    }
}

/// The stop of a file cut off at `line` (its last record unfinished, `why`): the run stops
/// rather than publish a feed without the records after the cut.
fn cut_off(file: &str, line: u64, why: &str) -> Stop {
    Stop::Error(SourceError {
        file: file.to_string(),
        line: Some(line),
        message: format!(
            "the file is cut off: {why} (an export or a copy that stopped early?); a feed is written only from a file read to its end: export it again"
        ),
    })
}

/// Up to `n` non-blank NDJSON lines (`line`: the last line read).
pub(super) fn next_lines(
    file: &str,
    reader: &mut dyn BufRead,
    line: &mut u64,
    max_record_bytes: u64,
    n: usize,
    capacity: usize,
) -> (Option<Chunk>, Option<Stop>) {
    let mut buf = Vec::with_capacity(capacity);
    let mut spans = Vec::with_capacity(n);
    let mut unreadable = Vec::new();
    let mut stop = None;
    while spans.len() + unreadable.len() < n {
        let start = buf.len();
        match read_line(reader, &mut buf, max_record_bytes) {
            Ok(LineRead::End) => {
                stop = Some(Stop::End);
                break;
            }
            Ok(LineRead::Line) => {
                *line += 1;
                let terminated = buf.last() == Some(&b'\n');
                let mut end = buf.len();
                while end > start && matches!(buf[end - 1], b'\n' | b'\r') {
                    end -= 1;
                }
                if buf[start..end].iter().all(u8::is_ascii_whitespace) {
                    buf.truncate(start);
                    continue;
                }
                // The last line, without its newline, and no JSON: the file was cut off (an
                // export or a copy that stopped early), not one bad record; every record
                // after the cut is missing, so the run stops (exit 3) rather than publish a
                // feed without them.
                if !terminated
                    && serde_json::from_slice::<serde::de::IgnoredAny>(&buf[start..end]).is_err()
                {
                    buf.truncate(start);
                    stop = Some(cut_off(
                        file,
                        *line,
                        "its last line ends in the middle of a record, without a newline",
                    ));
                    break;
                }
                spans.push((*line, start, end));
            }
            Ok(LineRead::TooLong(size)) => {
                *line += 1;
                unreadable.push((
                    *line,
                    format!(
                        "line is {size} bytes, over the record size limit of {} (max-record-bytes): it was skipped",
                        show_bytes(max_record_bytes)
                    ),
                ));
            }
            Err(e) => {
                stop = Some(Stop::Error(SourceError {
                    file: file.to_string(),
                    line: Some(*line + 1),
                    message: format!("read error: {e}"),
                }));
                break;
            }
        }
    }
    let chunk = Chunk::Json {
        unit: JsonUnit::Line,
        buf,
        spans,
        unreadable,
    };
    (Some(chunk), stop)
}

/// Up to `n` elements of a JSON array.
pub(super) fn next_elements(
    file: &str,
    reader: &mut dyn BufRead,
    scanner: &mut ArrayScanner,
    n: usize,
    capacity: usize,
) -> (Option<Chunk>, Option<Stop>) {
    let mut buf = Vec::with_capacity(capacity);
    let mut spans = Vec::with_capacity(n);
    let mut unreadable = Vec::new();
    let mut stop = None;
    while spans.len() + unreadable.len() < n {
        match scanner.next(reader, &mut buf) {
            Ok(Element::Bytes { start, end }) => spans.push((scanner.count, start, end)),
            Ok(Element::TooBig(size)) => unreadable.push((scanner.count, scanner.too_big(size))),
            Ok(Element::Empty) => unreadable.push((
                scanner.count,
                "record is empty: a comma with no record after it".to_string(),
            )),
            Ok(Element::End) => {
                stop = Some(Stop::End);
                break;
            }
            Err(message) => {
                stop = Some(Stop::Error(SourceError {
                    file: file.to_string(),
                    line: None,
                    message,
                }));
                break;
            }
        }
    }
    let chunk = Chunk::Json {
        unit: JsonUnit::Element,
        buf,
        spans,
        unreadable,
    };
    (Some(chunk), stop)
}

/// Up to `n` CSV records; a record that cannot be a row is kept with its reason.
pub(super) fn next_csv_rows(
    file: &str,
    reader: &mut dyn BufRead,
    parser: &mut CsvParser,
    headers: &Arc<Vec<String>>,
    n: usize,
) -> (Option<Chunk>, Option<Stop>) {
    let mut buf = Vec::with_capacity(n * 256);
    let mut ends = Vec::with_capacity(n * headers.len());
    let mut rows = Vec::with_capacity(n);
    let mut stop = None;
    while rows.len() < n {
        let first = ends.len();
        match parser.read(reader, &mut buf, &mut ends) {
            // The last row, short of the header's fields and without a line end: the file
            // was cut off (the rows after it are missing), not one short row.
            Ok(Record::Fields { line, count })
                if count < headers.len() && parser.unterminated() =>
            {
                ends.truncate(first);
                stop = Some(cut_off(
                    file,
                    line,
                    &format!(
                        "its last row has {count} of the header's {} fields and no line end",
                        headers.len()
                    ),
                ));
                break;
            }
            Ok(Record::Fields { line, count }) => rows.push((line, Ok((first, first + count)))),
            Ok(Record::TooBig { line, size }) => rows.push((line, Err(parser.too_big(size)))),
            Ok(Record::End) => {
                stop = Some(Stop::End);
                break;
            }
            Err(e) => {
                let (line, message) = e.located();
                stop = Some(Stop::Error(SourceError {
                    file: file.to_string(),
                    line: Some(line),
                    message,
                }));
                break;
            }
        }
    }
    let chunk = Chunk::Csv {
        headers: Arc::clone(headers),
        buf,
        ends,
        rows,
    };
    (Some(chunk), stop)
}

/// Up to `n` items of an XML feed.
pub(super) fn next_xml_items(
    file: &str,
    items: &mut XmlItems,
    n: usize,
) -> (Option<Chunk>, Option<Stop>) {
    let mut out = Vec::with_capacity(n);
    let mut stop = None;
    while out.len() < n {
        match items.next_item() {
            None => {
                stop = Some(Stop::End);
                break;
            }
            Some(Ok((number, XmlItem::Record(v)))) => out.push((number, xml_record(v))),
            Some(Ok((number, XmlItem::Rejected(why)))) => out.push((number, Err(why))),
            Some(Err(message)) => {
                stop = Some(Stop::Error(SourceError {
                    file: file.to_string(),
                    line: None,
                    message,
                }));
                break;
            }
        }
    }
    (Some(Chunk::Decoded(out)), stop)
}

pub(super) fn skip_bom(reader: &mut dyn BufRead) -> std::io::Result<()> {
    let buf = reader.fill_buf()?;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        reader.consume(3);
    }
    Ok(())
}

/// The delimiter among `;`, `,`, TAB that occurs most in the first line (outside quotes).
pub(super) fn detect_delimiter(head: &[u8]) -> u8 {
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
