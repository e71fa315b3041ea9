//! Compact JSON text of values, written straight into a byte buffer: the bytes
//! `serde_json::to_writer` writes, faster.
//!
//! Writing a feed is mostly copying strings, and a string needs escaping only where it holds a
//! `"`, a `\` or a control character. serde_json looks at each byte through a table; this writer
//! looks at sixteen at a time and copies the runs between escapes whole. Numbers are written by
//! serde_json itself, so their text cannot differ.

use serde::Serialize;

use super::{Str, Value};

/// Appends the compact JSON text of `v` to `out`.
///
/// ```
/// # use clerkmap::{json, value::write_json};
/// let mut out = Vec::new();
/// write_json(&mut out, &json!({"a": [1, 2.5, null], "b": "say \"hi\"\n", "c": {}}));
/// assert_eq!(out, br#"{"a":[1,2.5,null],"b":"say \"hi\"\n","c":{}}"#);
/// ```
pub fn write_json(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => {
            // Writing into a vector cannot fail, and a number always serialises.
            let _ = n.serialize(&mut serde_json::Serializer::new(&mut *out));
        }
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json(out, x);
            }
            out.push(b']');
        }
        Value::Object(m) => write_object(out, m.iter()),
    }
}

/// Appends a JSON object of these fields, in this order.
pub(crate) fn write_object<'a>(
    out: &mut Vec<u8>,
    fields: impl Iterator<Item = (&'a Str, &'a Value)>,
) {
    out.push(b'{');
    for (i, (k, x)) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        write_json(out, x);
    }
    out.push(b'}');
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it: `"` and `\` with a
/// backslash, control characters as `\b \t \n \f \r` or `\u00xx`, nothing else.
///
/// ```
/// # use clerkmap::value::write_str;
/// let mut out = Vec::new();
/// write_str(&mut out, "a\u{1}b\\c\td è");
/// assert_eq!(String::from_utf8(out).unwrap(), r#""a\u0001b\\c\td è""#);
/// ```
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut run = 0; // the first byte not copied yet
    let mut i = 0;
    while i < bytes.len() {
        let rest = &bytes[i..];
        if let Some(block) = rest.first_chunk::<16>() {
            if !needs_escape(block) {
                i += 16;
                continue;
            }
        } else {
            // The last few bytes, checked as one block padded with letters.
            let mut block = [b'a'; 16];
            block[..rest.len()].copy_from_slice(rest);
            if !needs_escape(&block) {
                break;
            }
        }
        let b = bytes[i];
        if b >= 0x20 && b != b'"' && b != b'\\' {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[run..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0c => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        i += 1;
        run = i;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// Whether any of the sixteen bytes is below 0x20, a `"` or a `\\`: without a branch per byte,
/// so that the compiler makes it a few vector instructions.
#[inline]
fn needs_escape(block: &[u8; 16]) -> bool {
    block.iter().fold(false, |any, &b| {
        any | (b < 0x20) | (b == b'"') | (b == b'\\')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn ours(v: &Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, v);
        String::from_utf8(out).unwrap_or_default()
    }

    fn serde_jsons(v: &Value) -> String {
        serde_json::to_string(v).unwrap_or_default()
    }

    #[test]
    fn every_byte_at_every_place_is_escaped_as_serde_json_escapes_it() {
        // Each ASCII character alone, and at each place of strings long enough to cross
        // several eight-byte words, and two of them side by side.
        for c in (0u8..0x80).map(char::from) {
            for len in 0..20 {
                for at in 0..=len {
                    let mut s: String = "abcdefghijklmnopqrstuvwxyz".chars().take(len).collect();
                    s.insert(at, c);
                    let v = Value::String(s.as_str().into());
                    assert_eq!(ours(&v), serde_jsons(&v), "{s:?}");
                    s.insert(at, c);
                    let v = Value::String(s.as_str().into());
                    assert_eq!(ours(&v), serde_jsons(&v), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn non_ascii_text_is_copied_as_it_is() {
        for s in [
            "è",
            "qualità garantita — 30°",
            "日本語のテキスト",
            "😀 emoji \u{7f}\u{80}",
        ] {
            let v = Value::String(s.into());
            assert_eq!(ours(&v), serde_jsons(&v));
        }
    }

    #[test]
    fn documents_are_written_as_serde_json_writes_them() {
        let docs = [
            json!(null),
            json!([]),
            json!({}),
            json!({"a": [1, -2, 2.5, 1e300, -0.0, 18446744073709551615u64, true, false, null]}),
            json!({"nested": {"x": [{"y": "z\u{0}"}], "": ""}, "q\"k": "v\\"}),
            json!([[[]], [{}], "tail"]),
        ];
        for d in docs {
            assert_eq!(ours(&d), serde_jsons(&d));
        }
    }
}
