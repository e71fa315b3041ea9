//! The scanner that cuts a JSON array into its elements as it streams by.
//!
//! The scanner never parses values: it follows strings and brackets to find where each element
//! ends, copies its bytes for a worker to decode, and so reads an array of any size in the memory
//! of a few chunks. An element larger than the record size limit is skipped without being kept.

use std::io::BufRead;

use super::limits::show_bytes;

/// What the scanner found next in a JSON array.
#[derive(Debug, PartialEq)]
pub enum Element {
    /// An element, its bytes (blanks around it trimmed) at `buf[start..end]`.
    Bytes {
        /// Where it starts in the buffer.
        start: usize,
        /// Where it ends.
        end: usize,
    },
    /// An element over the size limit, skipped (nothing of it kept): its size.
    TooBig(u64),
    /// Nothing between two commas, or between a comma and `]`.
    Empty,
    /// The array's end (`]`, then only blanks to the end of the input).
    End,
}

/// Where the scanner is in the array.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Where {
    /// Before the `[`.
    Start,
    /// After `[`: an element or `]` comes next.
    First,
    /// After a comma: an element comes next.
    Next,
    /// After the `]` that ended the last element: only blanks may follow.
    Closed,
    /// After the `]` and the blanks after it.
    Done,
}

/// Cuts a JSON array into elements as the bytes stream by. Elements are numbered from 1.
pub struct ArrayScanner {
    at: Where,
    /// The number of the last element found.
    pub count: u64,
    max_record_bytes: u64,
}

/// Skips blanks; the next byte, if any (not consumed).
fn peek_past_blanks(r: &mut dyn BufRead) -> std::io::Result<Option<u8>> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        match buf.iter().position(|b| !b.is_ascii_whitespace()) {
            Some(i) => {
                let b = buf[i];
                r.consume(i);
                return Ok(Some(b));
            }
            None => {
                let n = buf.len();
                r.consume(n);
            }
        }
    }
}

impl ArrayScanner {
    /// A scanner at the start of a file (a UTF-8 BOM is skipped), with the record size limit.
    pub fn new(max_record_bytes: u64) -> ArrayScanner {
        ArrayScanner {
            at: Where::Start,
            count: 0,
            max_record_bytes,
        }
    }

    /// The next element, its bytes appended to `buf`. An error ends the array: the file cannot
    /// be read further (not an array, cut off, text after the `]`, an I/O error).
    pub fn next(&mut self, r: &mut dyn BufRead, buf: &mut Vec<u8>) -> Result<Element, String> {
        let io = |e: std::io::Error| format!("read error: {e}");
        loop {
            match self.at {
                Where::Done => return Ok(Element::End),
                Where::Closed => return self.end(r),
                Where::Start => self.begin(r)?,
                Where::First | Where::Next => {
                    let Some(b) = peek_past_blanks(r).map_err(io)? else {
                        return Err(self.cut_off(false));
                    };
                    if b == b']' && self.at == Where::First {
                        r.consume(1);
                        return self.end(r);
                    }
                    self.count += 1;
                    let (found, closed) = self.element(r, buf)?;
                    self.at = if closed { Where::Closed } else { Where::Next };
                    return Ok(found);
                }
            }
        }
    }

    /// Reads up to the array's `[` (after a UTF-8 BOM and blanks); an error if the input is
    /// not an array.
    pub fn begin(&mut self, r: &mut dyn BufRead) -> Result<(), String> {
        if self.at != Where::Start {
            return Ok(());
        }
        let io = |e: std::io::Error| format!("read error: {e}");
        let head = r.fill_buf().map_err(io)?;
        if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
            r.consume(3);
        }
        match peek_past_blanks(r).map_err(io)? {
            Some(b'[') => {
                r.consume(1);
                self.at = Where::First;
                Ok(())
            }
            _ => Err(
                "a .json source must hold an array of records; use .ndjson for one record per line"
                    .into(),
            ),
        }
    }

    /// After the `]`: only blanks may follow.
    fn end(&mut self, r: &mut dyn BufRead) -> Result<Element, String> {
        self.at = Where::Done;
        match peek_past_blanks(r).map_err(|e| format!("read error: {e}"))? {
            None => Ok(Element::End),
            Some(_) => Err(format!(
                "text after the array's closing `]` (after record {}): a .json source holds one array",
                self.count
            )),
        }
    }

    fn cut_off(&self, inside: bool) -> String {
        if inside {
            format!(
                "the file ends inside record {}: it is cut off (or a string or bracket is not closed); the records before it were read",
                self.count
            )
        } else {
            format!(
                "the file ends after record {} without the array's closing `]`: it is cut off; the records before it were read",
                self.count
            )
        }
    }

    /// Scans one element from its first byte to the comma or `]` after it (consumed). Returns
    /// what was found and whether the `]` closed the array.
    fn element(
        &mut self,
        r: &mut dyn BufRead,
        buf: &mut Vec<u8>,
    ) -> Result<(Element, bool), String> {
        let start = buf.len();
        let mut size = 0u64;
        let mut keep = true;
        let mut depth = 0u64;
        let mut in_string = false;
        let mut escaped = false;
        loop {
            let avail = r.fill_buf().map_err(|e| format!("read error: {e}"))?;
            if avail.is_empty() {
                return Err(self.cut_off(true));
            }
            let mut i = 0;
            let mut end: Option<(usize, bool)> = None;
            while i < avail.len() {
                if in_string {
                    if escaped {
                        escaped = false;
                        i += 1;
                        continue;
                    }
                    match memchr::memchr2(b'"', b'\\', &avail[i..]) {
                        None => i = avail.len(),
                        Some(j) => {
                            if avail[i + j] == b'\\' {
                                escaped = true;
                            } else {
                                in_string = false;
                            }
                            i += j + 1;
                        }
                    }
                    continue;
                }
                match avail[i] {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b']' if depth == 0 => {
                        end = Some((i, true));
                        break;
                    }
                    b'}' | b']' => depth = depth.saturating_sub(1),
                    b',' if depth == 0 => {
                        end = Some((i, false));
                        break;
                    }
                    _ => {}
                }
                i += 1;
            }
            let taken = end.map_or(avail.len(), |(at, _)| at);
            size += taken as u64;
            if keep && size > self.max_record_bytes {
                keep = false;
                buf.truncate(start);
            }
            if keep {
                buf.extend_from_slice(&avail[..taken]);
            }
            match end {
                None => r.consume(taken),
                Some((at, closed)) => {
                    r.consume(at + 1);
                    let found = if !keep {
                        Element::TooBig(size)
                    } else {
                        let mut e = buf.len();
                        while e > start && buf[e - 1].is_ascii_whitespace() {
                            e -= 1;
                        }
                        buf.truncate(e);
                        if e == start {
                            Element::Empty
                        } else {
                            Element::Bytes { start, end: e }
                        }
                    };
                    return Ok((found, closed));
                }
            }
        }
    }

    /// The message of a record over the limit.
    pub fn too_big(&self, size: u64) -> String {
        format!(
            "record is {} bytes, over the record size limit of {} (max-record-bytes): it was skipped",
            size,
            show_bytes(self.max_record_bytes)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::json::{JsonUnit, decode_record};
    use crate::json;
    use crate::value::Value;

    fn scan(text: &[u8], max: u64) -> (Vec<Result<Value, String>>, Option<String>) {
        let mut r = std::io::BufReader::with_capacity(7, text);
        let mut s = ArrayScanner::new(max);
        let mut out = Vec::new();
        loop {
            let mut buf = Vec::new();
            match s.next(&mut r, &mut buf) {
                Ok(Element::End) => return (out, None),
                Ok(Element::Bytes { start, end }) => {
                    out.push(decode_record(&buf[start..end], JsonUnit::Element));
                }
                Ok(Element::TooBig(n)) => out.push(Err(s.too_big(n))),
                Ok(Element::Empty) => out.push(Err("empty".into())),
                Err(e) => return (out, Some(e)),
            }
        }
    }

    #[test]
    fn arrays_are_cut_into_elements() {
        let (got, err) = scan(
            b"\xEF\xBB\xBF [ {\"a\": \"x,]}\\\"\"}, {\"b\": [1, {\"c\": 2}]} ,{\"d\":{}}\n]\n",
            1 << 20,
        );
        assert_eq!(err, None);
        assert_eq!(
            got,
            vec![
                Ok(json!({"a": "x,]}\""})),
                Ok(json!({"b": [1, {"c": 2}]})),
                Ok(json!({"d": {}}))
            ]
        );
        assert_eq!(scan(b"[]", 10), (vec![], None));
        assert_eq!(scan(b"  [ \n ] ", 10), (vec![], None));
    }

    #[test]
    fn bad_elements_are_rejected_and_reading_goes_on() {
        let (got, err) = scan(b"[{\"a\":1}, {\"a\": tru}, 7, {\"b\":2},]", 1 << 20);
        assert_eq!(err, None);
        assert_eq!(got.len(), 5);
        assert!(got[1].as_ref().is_err_and(|e| e.contains("malformed JSON")));
        assert!(got[2].as_ref().is_err_and(|e| e.contains("not an object")));
        assert_eq!(got[3], Ok(json!({"b": 2})));
        assert_eq!(got[4], Err("empty".into()));
    }

    #[test]
    fn big_elements_are_skipped() {
        let big = format!("[{{\"a\":\"{}\"}},{{\"b\":1}}]", "x".repeat(5000));
        let (got, err) = scan(big.as_bytes(), 1024);
        assert_eq!(err, None);
        assert!(
            got[0]
                .as_ref()
                .is_err_and(|e| e.contains("5008 bytes, over the record size limit of 1 KiB")),
            "{got:?}"
        );
        assert_eq!(got[1], Ok(json!({"b": 1})));
    }

    #[test]
    fn structural_errors_end_the_array() {
        let (got, err) = scan(b"[{\"a\":1},{\"b\":2}", 1 << 20);
        assert_eq!(got.len(), 1);
        assert!(err.is_some_and(|e| e.contains("ends inside record 2")));
        let (got, err) = scan(b"[{\"a\":1},\n", 1 << 20);
        assert_eq!(got.len(), 1);
        assert!(err.is_some_and(|e| e.contains("ends after record 1")));
        let (_, err) = scan(b"[{\"a\":1}] x", 1 << 20);
        assert!(err.is_some_and(|e| e.contains("text after the array")));
        let (_, err) = scan(b"{\"a\":1}", 1 << 20);
        assert!(err.is_some_and(|e| e.contains("must hold an array")));
        let (_, err) = scan(b"[{\"a\":\"open]", 1 << 20);
        assert!(err.is_some_and(|e| e.contains("ends inside record 1")));
    }
}
