//! The record decoder's own JSON parser: a UTF-8 text straight into a [`Value`], keeping only
//! the projected top-level fields, without serde's visitors in between.
//!
//! It is the fast path of [`super::json::decode_projected`] and answers only when it is sure:
//! it gives `Some(value)` for a text it reads completely, and `None` for anything else (malformed
//! JSON, a duplicate key, nesting past [`MAX_DEPTH`], a lone surrogate escape, a number that is
//! not a plain integer it can read itself, ...). On `None` the caller decodes the text again with
//! serde_json, which gives the value or the error message as before; so the two paths agree by
//! construction wherever this one answers (`tests/json_decoders.rs` checks that they do, and
//! that this one answers for well-formed records).
//!
//! What makes it faster than serde_json building the same values: strings scanned sixteen bytes
//! at a time for their end, lists and objects gathered on shared stacks and moved into
//! allocations of their exact size, top-level keys matched through [`KeyHints`], skipped fields
//! only checked, never built.

use std::borrow::Cow;

use crate::value::{Map, Number, Str, Value, map::INDEXED, same_name};

use super::json::KeyHints;
use super::limits::MAX_DEPTH;

/// Skipped values nested deeper than this are left to serde_json (which skips without
/// recursion): this parser recurses, one small frame a level.
const SKIP_DEPTH: usize = 2 * MAX_DEPTH;

/// The record in `text`: only the top-level `fields` (sorted) kept when they are given, every
/// field otherwise; `None` when the text is not a record this parser reads (see the module).
///
/// ```
/// # use clerkmap::engine::{direct, json::KeyHints};
/// let fields = ["a".to_string(), "c".to_string()];
/// let v = direct::record(r#"{"a": [1, "x"], "b": {"deep": true}, "c": "\u00e9"}"#,
///     Some(&fields), &mut KeyHints::default());
/// assert_eq!(v.map(|v| v.to_string()), Some(r#"{"a":[1,"x"],"c":"é"}"#.to_string()));
/// // Anything it is not sure of is left to serde_json.
/// assert_eq!(direct::record(r#"{"a": 1, "a": 2}"#, None, &mut KeyHints::default()), None);
/// assert_eq!(direct::record(r#"{"a": 1.5e3}"#, None, &mut KeyHints::default())
///     .map(|v| v.to_string()), Some(r#"{"a":1500.0}"#.to_string()));
/// assert_eq!(direct::record("[1]", None, &mut KeyHints::default()), None);
/// ```
pub fn record(text: &str, fields: Option<&[String]>, hints: &mut KeyHints) -> Option<Value> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        at: 0,
        buf: String::new(),
        items: Vec::new(),
        entries: Vec::new(),
    };
    p.ws();
    let v = match fields {
        Some(fields) => {
            p.expect(b'{')?;
            p.projected(fields, hints)?
        }
        None => p.value(1)?,
    };
    p.ws();
    (p.at == p.bytes.len() && v.is_object()).then_some(v)
}

/// Where a string's text is: in the input (no escape in it) or in the parser's buffer.
enum Text {
    Input(usize, usize),
    Buf,
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    /// The text of the last string with escapes.
    buf: String,
    /// The elements of the lists being read, innermost last.
    items: Vec<Value>,
    /// The fields of the objects being read, innermost last.
    entries: Vec<(Str, Value)>,
}

impl<'t> Parser<'t> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline]
    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    /// Steps over `b`, or gives `None`.
    #[inline]
    fn expect(&mut self, b: u8) -> Option<()> {
        (self.peek()? == b).then(|| self.at += 1)
    }

    /// The record's fields: those in `fields` built, the others skipped.
    fn projected(&mut self, fields: &[String], hints: &mut KeyHints) -> Option<Value> {
        let mut m = Map::with_capacity(fields.len());
        // The kept fields seen so far, by their place in `fields` (past 64, the map's own check).
        let mut seen = 0u64;
        if self.closes_at_once(b'}')? {
            return Some(Value::Object(m));
        }
        let mut i = 0;
        loop {
            let key = self.field_name()?;
            let found = hints.find(i, &key, fields);
            i += 1;
            match found {
                None => self.skip(1)?,
                Some(at) => {
                    let bit = u32::try_from(at)
                        .ok()
                        .and_then(|i| 1u64.checked_shl(i))
                        .unwrap_or(0);
                    if seen & bit != 0 || (bit == 0 && m.contains_key(&key)) {
                        return None;
                    }
                    seen |= bit;
                    let v = self.value(2)?;
                    m.push_unique(Str::from(key.as_ref()), v);
                }
            }
            if !self.more(b'}')? {
                return Some(Value::Object(m));
            }
        }
    }

    /// After a list's element or an object's field: `true` at a comma, `false` at `close`.
    #[inline]
    fn more(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let b = self.peek()?;
        self.at += 1;
        match b {
            b',' => Some(true),
            _ if b == close => Some(false),
            _ => None,
        }
    }

    /// A value at `depth` (the record is at 1).
    fn value(&mut self, depth: usize) -> Option<Value> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                let t = self.string()?;
                Some(Value::String(Str::from(self.resolve(&t))))
            }
            b'{' if depth <= MAX_DEPTH => {
                self.at += 1;
                self.object(depth + 1)
            }
            b'[' if depth <= MAX_DEPTH => {
                self.at += 1;
                self.list(depth + 1)
            }
            b't' => self.word(b"true", Value::Bool(true)),
            b'f' => self.word(b"false", Value::Bool(false)),
            b'n' => self.word(b"null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn word(&mut self, word: &[u8], v: Value) -> Option<Value> {
        let end = self.at + word.len();
        (self.bytes.get(self.at..end)? == word).then(|| {
            self.at = end;
            v
        })
    }

    /// A number: a plain integer read here, any other left to serde_json (the same reading of
    /// floats and of integers past `u64` as the serde path, by construction).
    fn number(&mut self) -> Option<Value> {
        let start = self.at;
        let end = number_end(self.bytes, start)?;
        self.at = end;
        let digits = &self.bytes[start..end];
        if digits.len() <= 19
            && digits.first() != Some(&b'-')
            && digits.iter().all(u8::is_ascii_digit)
        {
            let n = digits
                .iter()
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0'));
            return Some(Value::Number(Number::from(n)));
        }
        match super::json::parse(digits) {
            Ok(v @ Value::Number(_)) => Some(v),
            _ => None,
        }
    }

    /// An object's next field name and its `:`, with the whitespace around them.
    fn field_name(&mut self) -> Option<Cow<'t, str>> {
        self.ws();
        let key = self.key()?;
        self.ws();
        self.expect(b':')?;
        self.ws();
        Some(key)
    }

    /// Whether the list or object just opened is empty (`close` comes first), past `close`.
    fn closes_at_once(&mut self, close: u8) -> Option<bool> {
        self.ws();
        let empty = self.peek()? == close;
        if empty {
            self.at += 1;
        }
        Some(empty)
    }

    /// A list's elements (after its `[`), at `depth`.
    fn list(&mut self, depth: usize) -> Option<Value> {
        if self.closes_at_once(b']')? {
            return Some(Value::Array(Vec::new()));
        }
        let start = self.items.len();
        loop {
            self.ws();
            let v = self.value(depth)?;
            self.items.push(v);
            if !self.more(b']')? {
                break;
            }
        }
        Some(Value::Array(self.items.split_off(start)))
    }

    /// An object's fields (after its `{`), at `depth`.
    fn object(&mut self, depth: usize) -> Option<Value> {
        if self.closes_at_once(b'}')? {
            return Some(Value::Object(Map::new()));
        }
        let start = self.entries.len();
        // Past INDEXED fields, the map itself (with its index) finds a key seen twice.
        let mut big: Option<Map> = None;
        loop {
            let key = self.field_name()?;
            let v = self.value(depth)?;
            match &mut big {
                Some(m) => {
                    if m.contains_key(&key) {
                        return None;
                    }
                    m.push_unique(Str::from(key.as_ref()), v);
                }
                None => {
                    let fields = &self.entries[start..];
                    if fields.iter().any(|(k, _)| same_name(k, &key)) {
                        return None;
                    }
                    self.entries.push((Str::from(key.as_ref()), v));
                    if self.entries.len() - start > INDEXED {
                        big = Some(Map::from_unique(self.entries.split_off(start)));
                    }
                }
            }
            if !self.more(b'}')? {
                break;
            }
        }
        Some(Value::Object(match big {
            Some(m) => m,
            None => Map::from_unique(self.entries.split_off(start)),
        }))
    }

    /// An object's key (at its opening quote).
    fn key(&mut self) -> Option<Cow<'t, str>> {
        self.expect(b'"')?;
        Some(match self.string()? {
            Text::Input(a, b) => Cow::Borrowed(self.text.get(a..b)?),
            Text::Buf => Cow::Owned(self.buf.clone()),
        })
    }

    #[inline]
    fn resolve(&self, t: &Text) -> &str {
        match *t {
            Text::Input(a, b) => self.text.get(a..b).unwrap_or_default(),
            Text::Buf => &self.buf,
        }
    }

    /// The offset of the next `"`, `\` or control character at or after `self.at`.
    #[inline]
    fn next_special(&self) -> Option<usize> {
        let mut i = self.at;
        loop {
            let rest = self.bytes.get(i..)?;
            let word = match rest.first_chunk::<8>() {
                Some(w) => u64::from_le_bytes(*w),
                None => {
                    // The last few bytes, as one word padded with letters.
                    let mut w = [b'a'; 8];
                    w[..rest.len()].copy_from_slice(rest);
                    u64::from_le_bytes(w)
                }
            };
            let mask = special_in_word(word);
            if mask != 0 {
                let at = i + (mask.trailing_zeros() / 8) as usize;
                return (at < self.bytes.len()).then_some(at);
            }
            if rest.len() <= 8 {
                return None;
            }
            i += 8;
        }
    }

    /// A string's text (after its opening quote), up to and past its closing quote.
    fn string(&mut self) -> Option<Text> {
        let start = self.at;
        let mut i = self.next_special()?;
        if self.bytes[i] == b'"' {
            self.at = i + 1;
            return Some(Text::Input(start, i));
        }
        self.buf.clear();
        self.buf.push_str(self.text.get(start..i)?);
        loop {
            match self.bytes[i] {
                b'"' => {
                    self.at = i + 1;
                    return Some(Text::Buf);
                }
                b'\\' => {
                    self.at = i + 1;
                    self.escape()?;
                }
                _ => return None,
            }
            let from = self.at;
            i = self.next_special()?;
            self.buf.push_str(self.text.get(from..i)?);
        }
    }

    /// One escape (after its backslash) onto `buf`; `None` for a bad one, and for surrogates
    /// that do not make a pair.
    fn escape(&mut self) -> Option<()> {
        let c = match self.peek()? {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                self.at += 1;
                let c = self.unicode()?;
                self.buf.push(c);
                return Some(());
            }
            _ => return None,
        };
        self.at += 1;
        self.buf.push(c);
        Some(())
    }

    /// The character of a `\u` escape (after its `u`), with the low half of a pair.
    fn unicode(&mut self) -> Option<char> {
        let hi = self.hex4()?;
        match hi {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2)? != b"\\u" {
                    return None;
                }
                self.at += 2;
                let lo = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&lo) {
                    return None;
                }
                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
            }
            0xDC00..=0xDFFF => None,
            _ => char::from_u32(hi),
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut n = 0;
        for d in digits {
            n = n * 16 + char::from(*d).to_digit(16)?;
        }
        self.at += 4;
        Some(n)
    }

    /// Steps over a value no one reads, checking that it is well-formed.
    fn skip(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'"' => {
                self.at += 1;
                self.skip_string()
            }
            open @ (b'{' | b'[') if depth <= SKIP_DEPTH => {
                self.at += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                self.ws();
                if self.peek()? == close {
                    self.at += 1;
                    return Some(());
                }
                loop {
                    self.ws();
                    if open == b'{' {
                        self.expect(b'"')?;
                        self.skip_string()?;
                        self.ws();
                        self.expect(b':')?;
                        self.ws();
                    }
                    self.skip(depth + 1)?;
                    if !self.more(close)? {
                        return Some(());
                    }
                }
            }
            b't' => self.word(b"true", Value::Null).map(drop),
            b'f' => self.word(b"false", Value::Null).map(drop),
            b'n' => self.word(b"null", Value::Null).map(drop),
            b'-' | b'0'..=b'9' => {
                self.at = number_end(self.bytes, self.at)?;
                Some(())
            }
            _ => None,
        }
    }

    /// Steps over a string (after its opening quote), checking its escapes.
    fn skip_string(&mut self) -> Option<()> {
        loop {
            let i = self.next_special()?;
            match self.bytes[i] {
                b'"' => {
                    self.at = i + 1;
                    return Some(());
                }
                b'\\' => {
                    self.at = i + 1;
                    // Checked as if read; the buffer is not used.
                    self.buf.clear();
                    self.escape()?;
                }
                _ => return None,
            }
        }
    }
}

/// The high bit of each byte of `word` (little-endian) that is below 0x20, a `"` or a `\\`, and
/// perhaps of bytes after such a byte, so its lowest set bit is exact: eight bytes tested at once
/// with integer arithmetic (each test is `haszero`, whose borrow only reaches higher bytes).
#[inline]
fn special_in_word(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero = |x: u64| x.wrapping_sub(ONES) & !x;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (control | zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\'))))
        & HIGH
}

/// Where the number starting at `start` ends, if it is one by JSON's grammar:
/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, not followed by another digit.
fn number_end(b: &[u8], start: usize) -> Option<usize> {
    let digits = |i: usize| {
        b.get(i..)
            .map_or(0, |r| r.iter().take_while(|d| d.is_ascii_digit()).count())
    };
    let mut i = start;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i)? {
        b'0' => i += 1,
        b'1'..=b'9' => i += digits(i),
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        let n = digits(i + 1);
        if n == 0 {
            return None;
        }
        i += 1 + n;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        let n = digits(i);
        if n == 0 {
            return None;
        }
        i += n;
    }
    match b.get(i) {
        Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-') => None,
        _ => Some(i),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(t: &str) -> Option<String> {
        record(t, None, &mut KeyHints::default()).map(|v| v.to_string())
    }

    #[test]
    fn lists_are_allocated_to_their_size() {
        // the shared stack is split off, not handed over, even when a list starts at its bottom
        let v = record(
            r#"{"a":[1,2,3],"b":[[4],[5,6,7,8,9],{"c":[0]}]}"#,
            None,
            &mut KeyHints::default(),
        );
        let lists = |v: &Value| match v {
            Value::Array(xs) => vec![(xs.len(), xs.capacity())],
            _ => vec![],
        };
        let Some(Value::Object(m)) = v else {
            panic!("not read: {v:?}")
        };
        let mut seen = Vec::new();
        for (_, v) in m.iter() {
            seen.extend(lists(v));
            if let Value::Array(xs) = v {
                xs.iter().for_each(|x| seen.extend(lists(x)));
            }
        }
        assert_eq!(seen.len(), 4);
        assert!(seen.iter().all(|(len, cap)| len == cap), "{seen:?}");
    }

    #[test]
    fn well_formed_records_are_read_here() {
        assert_eq!(
            read(
                r#" {"a" : [ ] , "b":{}, "c":[true,false,null,0,12,-3,"",{"d":"\"\\\/\b\f\n\r\t"}]} "#
            ),
            Some(
                r#"{"a":[],"b":{},"c":[true,false,null,0,12,-3,"",{"d":"\"\\/\b\f\n\r\t"}]}"#
                    .into()
            )
        );
        assert_eq!(
            read(r#"{"s":"\u00e8\ud83d\ude00 and text longer than sixteen bytes \u0041"}"#),
            Some(r#"{"s":"è😀 and text longer than sixteen bytes A"}"#.into())
        );
        assert_eq!(
            read(r#"{"\u006b":1, "n":18446744073709551615, "f":-0.5e-3}"#),
            Some(r#"{"k":1,"n":18446744073709551615,"f":-0.0005}"#.into())
        );
    }

    #[test]
    fn what_it_is_unsure_of_is_left_to_serde_json() {
        for t in [
            r#"{"a":1,"a":2}"#,
            r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00x"}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":01}"#,
            r#"{"a":1.}"#,
            r#"{"a":1e400}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":1} x"#,
            r#"{"a":"open"#,
            "\u{feff}{}",
            "[]",
            "",
        ] {
            assert_eq!(read(t), None, "{t}");
        }
    }

    #[test]
    fn big_objects_still_refuse_a_key_seen_twice() {
        let fields: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let ok = format!("{{\"o\":{{{}}}}}", fields.join(","));
        let twice = format!("{{\"o\":{{{},\"k3\":0}}}}", fields.join(","));
        let v = record(&ok, None, &mut KeyHints::default());
        assert_eq!(v.map(|v| v.to_string()), Some(ok.replace(' ', "")));
        assert_eq!(read(&twice), None);
    }

    #[test]
    fn nesting_past_the_limit_is_left_to_serde_json_and_skipped_deeply_too() {
        let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
        // The record is level 1: lists may open up to MAX_DEPTH levels in all.
        assert!(read(&format!("{{\"a\":{}}}", deep(MAX_DEPTH - 1))).is_some());
        assert_eq!(read(&format!("{{\"a\":{}}}", deep(MAX_DEPTH))), None);
        let fields = ["a".to_string()];
        let skipped = format!("{{\"z\":{},\"a\":1}}", deep(MAX_DEPTH + 5));
        let v = record(&skipped, Some(&fields), &mut KeyHints::default());
        assert_eq!(v.map(|v| v.to_string()), Some(r#"{"a":1}"#.into()));
        let too_deep = format!("{{\"z\":{},\"a\":1}}", deep(SKIP_DEPTH + 1));
        assert_eq!(
            record(&too_deep, Some(&fields), &mut KeyHints::default()),
            None
        );
    }

    #[test]
    fn the_end_of_a_string_is_found_at_every_place() {
        for len in 0..40 {
            for stop in ["\"", "\\", "\n", "\u{1f}"] {
                for at in 0..=len {
                    let mut t = "é".repeat(len / 2) + &"x".repeat(len % 2);
                    let at = t.char_indices().nth(at).map_or(t.len(), |(i, _)| i);
                    t.insert_str(at, stop);
                    let p = Parser {
                        text: &t,
                        bytes: t.as_bytes(),
                        at: 0,
                        buf: String::new(),
                        items: Vec::new(),
                        entries: Vec::new(),
                    };
                    assert_eq!(p.next_special(), Some(at), "{t:?}");
                }
                let plain = "ab\u{7f}é".repeat(len);
                let p = Parser {
                    text: &plain,
                    bytes: plain.as_bytes(),
                    at: 0,
                    buf: String::new(),
                    items: Vec::new(),
                    entries: Vec::new(),
                };
                assert_eq!(p.next_special(), None);
            }
        }
    }

    #[test]
    fn numbers_follow_json_grammar() {
        for (t, end) in [
            ("0", Some(1)),
            ("-0", Some(2)),
            ("12.5e-3,", Some(7)),
            ("1E+2]", Some(4)),
        ] {
            assert_eq!(number_end(t.as_bytes(), 0), end, "{t}");
        }
        for t in ["01", "-", "1.", ".5", "1e", "1e+", "+1", "1.2.3", "-x"] {
            assert_eq!(number_end(t.as_bytes(), 0), None, "{t}");
        }
    }
}
