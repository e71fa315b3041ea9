//! CSV records (RFC 4180, as the `csv` crate reads them by default: `"` quotes, `""` inside
//! quotes is a quote, records end at `\n`, `\r\n` or `\r`, blank lines are skipped), read by a
//! parser of our own so that reading can be bounded and located:
//!
//! - a record's line is the line it starts on, counted the same way for every line ending
//!   (a file with an LF header and CRLF rows included);
//! - a record larger than the record size limit is skipped (its bytes are not kept) and reading
//!   goes on after it;
//! - a quote that is never closed is an error naming the line where it opened, instead of a
//!   field swallowing the rest of the file;
//! - an input declared lenient ([`Lenient`]) has its rows of another width than the header's
//!   fitted to it when they can be (extra empty trailing fields dropped; `ragged`: short rows
//!   padded with empty fields), each such row counted in a [`LenientLog`].

use std::io::BufRead;
use std::sync::{Arc, Mutex};

use super::limits::show_bytes;
pub use crate::plan::Lenient;

/// How many lines of lenient rows a [`LenientLog`] keeps (its count says how many there were).
pub const LENIENT_LINES_KEPT: usize = 3;

/// The rows of a lenient input read with another width than the header's, shared by every
/// reader of the input (a table and a block read the same file: the log keeps the most one
/// reader counted, which is the whole file's once one has read it to its end).
#[derive(Debug, Default)]
pub struct LenientLog(Mutex<LenientRows>);

/// What a [`LenientLog`] holds.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LenientRows {
    /// Rows with extra empty trailing fields, read without them.
    pub trailing: u64,
    /// Short rows, read with the missing fields null.
    pub short: u64,
    /// The lines of the first few.
    pub lines: Vec<u64>,
}

impl LenientRows {
    /// Both kinds.
    pub fn total(&self) -> u64 {
        self.trailing + self.short
    }
}

impl LenientLog {
    /// What the log holds now.
    pub fn rows(&self) -> LenientRows {
        self.0.lock().map(|g| g.clone()).unwrap_or_default()
    }

    /// Keeps `seen` when it counts more rows than the log holds.
    fn publish(&self, seen: &LenientRows) {
        if let Ok(mut g) = self.0.lock()
            && seen.total() > g.total()
        {
            *g = seen.clone();
        }
    }
}

/// Two inputs equal but for what their reads logged are equal.
impl PartialEq for LenientLog {
    fn eq(&self, _: &LenientLog) -> bool {
        true
    }
}

/// What [`CsvParser::read`] found.
#[derive(Debug, PartialEq)]
pub enum Record {
    /// A record starting on `line`: its `count` fields' ends were pushed to `ends`, their bytes
    /// appended to `buf` (field `i` ends at `ends[i]` and starts where the previous one ends).
    Fields {
        /// The line the record starts on.
        line: u64,
        /// Its number of fields.
        count: usize,
    },
    /// A record over the size limit, skipped: its first line and size.
    TooBig {
        /// The line the record starts on.
        line: u64,
        /// Its size in bytes.
        size: u64,
    },
    /// The end of the input.
    End,
}

/// Why a CSV file cannot be read further.
#[derive(Debug, PartialEq)]
pub enum CsvError {
    /// An I/O error, at the line reached.
    Io {
        /// The line reached.
        line: u64,
        /// The error.
        message: String,
    },
    /// A quote opened on `line` is never closed: the rest of the file would be one field.
    Unclosed {
        /// The line where the quote opened.
        line: u64,
    },
}

impl CsvError {
    /// The line to report and the message.
    pub fn located(&self) -> (u64, String) {
        match self {
            CsvError::Io { line, message } => (*line, format!("read error: {message}")),
            CsvError::Unclosed { line } => (
                *line,
                "a quote (\") opens a field on this line and is never closed, so the rest of the file would be read as one field: close the quote, or write a quote inside a quoted field twice (\"\"); the records before it were read".to_string(),
            ),
        }
    }
}

/// The lenient rows of a run's inputs, for its report: one entry per input that had any.
pub fn lenient_reports(inputs: &[super::Input]) -> Vec<super::report::LenientReport> {
    inputs
        .iter()
        .filter_map(|i| {
            let seen = i.lenient_log.rows();
            (seen.total() > 0).then(|| {
                let file = i.display();
                super::report::LenientReport {
                    input: i.name.clone(),
                    at: seen.lines.iter().map(|l| format!("{file}:{l}")).collect(),
                    file,
                    rows: seen.total(),
                    trailing: seen.trailing,
                    short: seen.short,
                }
            })
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    /// At the start of a field.
    FieldStart,
    /// In a field without quotes.
    Unquoted,
    /// In a quoted field.
    Quoted,
    /// Just after a quote inside a quoted field: `"` (an escaped quote), or the field's end.
    QuoteInQuoted,
}

/// Reads CSV records one at a time from a `BufRead`.
pub struct CsvParser {
    delimiter: u8,
    /// The line of the next byte (1-based).
    line: u64,
    /// The last record ended with `\r`: a `\n` right after it is part of the same line end.
    after_cr: bool,
    /// The last record read ended at the end of the file, without a line end.
    unterminated: bool,
    max_record_bytes: u64,
    /// The header's width, once [`CsvParser::fit_to`] gave it (0: rows are taken as read).
    width: usize,
    lenient: Lenient,
    /// The rows fitted so far, published to `log` when the parser is dropped.
    seen: LenientRows,
    log: Option<Arc<LenientLog>>,
}

impl Drop for CsvParser {
    fn drop(&mut self) {
        if let Some(log) = &self.log {
            log.publish(&self.seen);
        }
    }
}

impl CsvParser {
    /// A parser at the start of a file (line 1).
    pub fn new(delimiter: u8, max_record_bytes: u64) -> CsvParser {
        CsvParser {
            delimiter,
            line: 1,
            after_cr: false,
            unterminated: false,
            max_record_bytes,
            width: 0,
            lenient: Lenient::Strict,
            seen: LenientRows::default(),
            log: None,
        }
    }

    /// From now on, fits the rows to `width` fields as `lenient` allows (a strict input's rows
    /// are left as read, for their reader to refuse), counting them in `log`.
    pub fn fit_to(&mut self, width: usize, lenient: Lenient, log: Option<Arc<LenientLog>>) {
        self.width = width;
        self.lenient = lenient;
        self.log = log;
    }

    /// A record of `count` fields (the last `count` of `ends`) fitted to the header's width
    /// when the input is lenient and it can be; its new number of fields.
    fn fit(&mut self, line: u64, count: usize, ends: &mut Vec<usize>) -> usize {
        let width = self.width;
        if width == 0 || count == width || self.lenient == Lenient::Strict {
            return count;
        }
        let first = ends.len() - count;
        if count > width {
            // The extra fields are empty when they all end where the last kept one does.
            let kept_end = ends[first + width - 1];
            if ends[first + width..].iter().any(|&e| e != kept_end) {
                return count;
            }
            ends.truncate(first + width);
            self.seen.trailing += 1;
        } else {
            if self.lenient != Lenient::Ragged {
                return count;
            }
            let end = ends.last().copied().unwrap_or(0);
            ends.resize(first + width, end);
            self.seen.short += 1;
        }
        if self.seen.lines.len() < LENIENT_LINES_KEPT {
            self.seen.lines.push(line);
        }
        width
    }

    /// The line of the next byte to read.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The message of a record over the limit.
    pub fn too_big(&self, size: u64) -> String {
        format!(
            "record is {size} bytes, over the record size limit of {} (max-record-bytes): it was skipped",
            show_bytes(self.max_record_bytes)
        )
    }

    /// Skips blank lines; false at the end of the input.
    fn skip_blank_lines(&mut self, r: &mut dyn BufRead) -> Result<bool, CsvError> {
        loop {
            let avail = r.fill_buf().map_err(|e| self.io(&e))?;
            if avail.is_empty() {
                return Ok(false);
            }
            let mut i = 0;
            while i < avail.len() {
                match avail[i] {
                    b'\n' => {
                        if !self.after_cr {
                            self.line += 1;
                        }
                        self.after_cr = false;
                    }
                    b'\r' => {
                        self.line += 1;
                        self.after_cr = true;
                    }
                    _ => break,
                }
                i += 1;
            }
            let more = i < avail.len();
            r.consume(i);
            if more {
                self.after_cr = false;
                return Ok(true);
            }
        }
    }

    fn io(&self, e: &std::io::Error) -> CsvError {
        CsvError::Io {
            line: self.line,
            message: e.to_string(),
        }
    }

    /// A line end `b` (`\n` or `\r`) was read.
    fn line_end(&mut self, b: u8) {
        self.line += 1;
        self.after_cr = b == b'\r';
    }

    /// Whether the last record read ended at the end of the file, without a line end.
    pub fn unterminated(&self) -> bool {
        self.unterminated
    }

    /// The next record (blank lines and records of one empty field are skipped).
    pub fn read(
        &mut self,
        r: &mut dyn BufRead,
        buf: &mut Vec<u8>,
        ends: &mut Vec<usize>,
    ) -> Result<Record, CsvError> {
        loop {
            let before = buf.len();
            let found = self.read_one(r, buf, ends)?;
            if let Record::Fields { count: 1, .. } = found
                && buf.len() == before
            {
                // One empty field (`""` alone on a line): a blank line.
                ends.pop();
                continue;
            }
            if let Record::Fields { line, count } = found {
                let count = self.fit(line, count, ends);
                return Ok(Record::Fields { line, count });
            }
            return Ok(found);
        }
    }

    fn read_one(
        &mut self,
        r: &mut dyn BufRead,
        buf: &mut Vec<u8>,
        ends: &mut Vec<usize>,
    ) -> Result<Record, CsvError> {
        if !self.skip_blank_lines(r)? {
            return Ok(Record::End);
        }
        let line = self.line;
        let (buf_start, ends_start) = (buf.len(), ends.len());
        let delim = self.delimiter;
        let mut state = State::FieldStart;
        let mut quote_line = line;
        let mut size = 0u64;
        let mut keep = true;
        loop {
            let avail = r.fill_buf().map_err(|e| self.io(&e))?;
            if avail.is_empty() {
                if state == State::Quoted {
                    return Err(CsvError::Unclosed { line: quote_line });
                }
                if keep {
                    ends.push(buf.len());
                }
                self.unterminated = true;
                return Ok(self.finish(line, size, keep, ends_start, ends));
            }
            let mut i = 0;
            let mut done = false;
            while i < avail.len() && !done {
                match state {
                    State::FieldStart => {
                        if avail[i] == b'"' {
                            state = State::Quoted;
                            quote_line = self.line;
                            i += 1;
                        } else {
                            state = State::Unquoted;
                        }
                    }
                    State::Unquoted => match memchr::memchr3(delim, b'\n', b'\r', &avail[i..]) {
                        None => {
                            if keep {
                                buf.extend_from_slice(&avail[i..]);
                            }
                            i = avail.len();
                        }
                        Some(j) => {
                            if keep {
                                buf.extend_from_slice(&avail[i..i + j]);
                                ends.push(buf.len());
                            }
                            let b = avail[i + j];
                            i += j + 1;
                            if b == delim {
                                state = State::FieldStart;
                            } else {
                                self.line_end(b);
                                done = true;
                            }
                        }
                    },
                    State::Quoted => {
                        let rest = &avail[i..];
                        let j = memchr::memchr(b'"', rest).unwrap_or(rest.len());
                        self.line += memchr::memchr_iter(b'\n', &rest[..j]).count() as u64;
                        if keep {
                            buf.extend_from_slice(&rest[..j]);
                        }
                        if j < rest.len() {
                            state = State::QuoteInQuoted;
                            i += j + 1;
                        } else {
                            i = avail.len();
                        }
                    }
                    State::QuoteInQuoted => {
                        let b = avail[i];
                        if b == b'"' {
                            if keep {
                                buf.push(b'"');
                            }
                            state = State::Quoted;
                            i += 1;
                        } else if b == delim || b == b'\n' || b == b'\r' {
                            if keep {
                                ends.push(buf.len());
                            }
                            i += 1;
                            if b == delim {
                                state = State::FieldStart;
                            } else {
                                self.line_end(b);
                                done = true;
                            }
                        } else {
                            // Text after the closing quote is kept, as the csv crate does.
                            state = State::Unquoted;
                        }
                    }
                }
            }
            size += i as u64;
            if keep && size > self.max_record_bytes {
                keep = false;
                buf.truncate(buf_start);
                ends.truncate(ends_start);
            }
            r.consume(i);
            if done {
                return Ok(self.finish(line, size, keep, ends_start, ends));
            }
        }
    }

    fn finish(
        &self,
        line: u64,
        size: u64,
        keep: bool,
        ends_start: usize,
        ends: &[usize],
    ) -> Record {
        if keep {
            Record::Fields {
                line,
                count: ends.len() - ends_start,
            }
        } else {
            Record::TooBig { line, size }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text` (read through a 5-byte buffer): line and fields, or too big.
    fn records(text: &str, max: u64) -> Result<Vec<(u64, Vec<String>)>, CsvError> {
        let mut r = std::io::BufReader::with_capacity(5, text.as_bytes());
        let mut p = CsvParser::new(b';', max);
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            let mut ends = Vec::new();
            match p.read(&mut r, &mut buf, &mut ends)? {
                Record::End => return Ok(out),
                Record::TooBig { line, size } => out.push((line, vec![format!("too big: {size}")])),
                Record::Fields { line, count } => {
                    assert_eq!(count, ends.len());
                    let mut start = 0;
                    let mut fields = Vec::new();
                    for &e in &ends {
                        fields.push(String::from_utf8_lossy(&buf[start..e]).into_owned());
                        start = e;
                    }
                    out.push((line, fields));
                }
            }
        }
    }

    fn row(line: u64, fields: &[&str]) -> (u64, Vec<String>) {
        (line, fields.iter().map(|f| f.to_string()).collect())
    }

    #[test]
    fn fields_quotes_and_line_ends() {
        let got = records(
            "a;b;c\r\n1;\"x;\"\"y\"\"\r\nz\";3\r\n\r\n;;\n\"q\"r;s\rlast;\"\"",
            1 << 20,
        );
        assert_eq!(
            got,
            Ok(vec![
                row(1, &["a", "b", "c"]),
                row(2, &["1", "x;\"y\"\r\nz", "3"]),
                row(5, &["", "", ""]),
                row(6, &["qr", "s"]),
                row(7, &["last", ""]),
            ])
        );
    }

    #[test]
    fn lines_count_the_same_whatever_the_line_ends() {
        // An LF header, CRLF rows: each record on its own line.
        let got = records("h1;h2\nA;1\r\nB;2\r\nC;3\r\n", 1 << 20);
        let lines: Vec<u64> = got.unwrap_or_default().iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 3, 4]);
        let got = records("h1;h2\r\nA;1\nB;2\n\n\nC;3", 1 << 20);
        let lines: Vec<u64> = got.unwrap_or_default().iter().map(|r| r.0).collect();
        assert_eq!(lines, vec![1, 2, 3, 6]);
        // A lone `""` line is blank.
        let got = records("h\n\"\"\nA\n", 1 << 20);
        assert_eq!(got, Ok(vec![row(1, &["h"]), row(3, &["A"])]));
    }

    #[test]
    fn an_unclosed_quote_names_its_line() {
        let got = records("h1;h2\nA;1\nB;\"oops\nC;3\nD;4\n", 1 << 20);
        assert_eq!(got, Err(CsvError::Unclosed { line: 3 }));
        // Also when the record has grown over the limit meanwhile.
        let big = format!("h1;h2\nA;\"{}\nC;3\n", "x".repeat(5000));
        assert_eq!(records(&big, 1024), Err(CsvError::Unclosed { line: 2 }));
    }

    #[test]
    fn big_records_are_skipped() {
        let text = format!(
            "h1;h2\nA;{}\nB;\"{}\n\"\nC;3\n",
            "x".repeat(3000),
            "y".repeat(3000)
        );
        let got = records(&text, 1024);
        assert_eq!(
            got,
            Ok(vec![
                row(1, &["h1", "h2"]),
                row(2, &["too big: 3003"]),
                row(3, &["too big: 3006"]),
                row(5, &["C", "3"]),
            ])
        );
    }

    /// The rows of `text` (header first) as a lenient input reads them.
    fn fitted(text: &str, lenient: Lenient) -> (Vec<(u64, Vec<String>)>, LenientRows) {
        let log = Arc::new(LenientLog::default());
        let mut r = std::io::BufReader::with_capacity(5, text.as_bytes());
        let mut p = CsvParser::new(b';', 1 << 20);
        let mut out = Vec::new();
        let mut width_set = false;
        loop {
            let mut buf = Vec::new();
            let mut ends = Vec::new();
            match p.read(&mut r, &mut buf, &mut ends) {
                Ok(Record::Fields { line, count }) => {
                    let mut start = 0;
                    let fields = ends[ends.len() - count..]
                        .iter()
                        .map(|&e| {
                            let f = String::from_utf8_lossy(&buf[start..e]).to_string();
                            start = e;
                            f
                        })
                        .collect::<Vec<_>>();
                    if !width_set {
                        p.fit_to(count, lenient, Some(Arc::clone(&log)));
                        width_set = true;
                    }
                    out.push((line, fields));
                }
                _ => break,
            }
        }
        drop(p);
        (out, log.rows())
    }

    #[test]
    fn a_lenient_input_drops_extra_empty_trailing_fields_and_pads_short_rows_when_ragged() {
        let text = "a;b;c\n1;2;3\n4;5;6;\n7;8;9;;\n10;11;12;x\n13;14\n";
        let (rows, seen) = fitted(text, Lenient::Strict);
        assert_eq!(rows[2].1.len(), 4);
        assert_eq!(seen, LenientRows::default());
        let (rows, seen) = fitted(text, Lenient::Trailing);
        let widths: Vec<usize> = rows.iter().map(|r| r.1.len()).collect();
        // An extra field that is not empty, and a short row, are left as read.
        assert_eq!(widths, [3, 3, 3, 3, 4, 2]);
        assert_eq!(rows[2].1, ["4", "5", "6"]);
        assert_eq!(
            seen,
            LenientRows {
                trailing: 2,
                short: 0,
                lines: vec![3, 4]
            }
        );
        let (rows, seen) = fitted(text, Lenient::Ragged);
        assert_eq!(rows[5].1, ["13", "14", ""]);
        assert_eq!((seen.trailing, seen.short, seen.total()), (2, 1, 3));
        assert_eq!(seen.lines, [3, 4, 6]);
    }
}
