//! JSON records: the decoder of one record (an NDJSON line, an element of a JSON array; the
//! array itself is cut into elements by [`super::array`]).
//!
//! The decoder builds the same [`Value`] as `serde_json::from_slice` would, with two
//! differences: a key that appears twice in an object is an error naming the key (serde_json
//! keeps the last value silently), and nesting deeper than [`MAX_DEPTH`] is an error (the
//! recursion stops there).

use std::fmt;

use crate::value::{Entry, Map, Number, Str, Value};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::limits::MAX_DEPTH;

/// What a decoded JSON text is to its file, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonUnit {
    /// An NDJSON line.
    Line,
    /// An element of a JSON array.
    Element,
}

/// Decodes one record: a JSON object, without duplicate keys, nested at most [`MAX_DEPTH`]
/// levels. The error says what is wrong and where in the text.
pub fn decode_record(bytes: &[u8], unit: JsonUnit) -> Result<Value, String> {
    decode_projected(bytes, unit, None)
}

/// [`decode_record`] keeping only the top-level `fields` (sorted) of the record: the others
/// are skipped as they are read, without being built (`None`: every field). A skipped field is
/// only checked to be well-formed JSON: a key repeated in it, nesting past [`MAX_DEPTH`] or
/// bad UTF-8 inside it does not reject the record, since no value of it is used.
///
/// A text that is UTF-8 throughout (one quick pass over it) is read by clerkmap's own parser
/// ([`super::direct`]); what it is not sure of (any error among them) is read again by serde_json
/// as a `str` ([`decode_projected_serde`]), which gives the value or the message. Any other text
/// is read as bytes, [`decode_projected_bytes`]. All of them give the same value or the same
/// error (tests/json_decoders.rs, the `record` fuzz target).
pub fn decode_projected(
    bytes: &[u8],
    unit: JsonUnit,
    fields: Option<&[String]>,
) -> Result<Value, String> {
    decode_projected_hinted(bytes, unit, fields, &mut KeyHints::default())
}

/// [`decode_projected`] for one of many records with the same `fields`: `hints` carries where
/// the last one had its keys ([`KeyHints`]).
pub fn decode_projected_hinted(
    bytes: &[u8],
    unit: JsonUnit,
    fields: Option<&[String]>,
    hints: &mut KeyHints,
) -> Result<Value, String> {
    decode_as(bytes, unit, fields, std::str::from_utf8(bytes).ok(), hints)
}

/// [`decode_projected`] without clerkmap's own parser: serde_json reading a UTF-8 text as a
/// `str` (the decoder before the parser, and what reads the texts the parser leaves).
pub fn decode_projected_serde(
    bytes: &[u8],
    unit: JsonUnit,
    fields: Option<&[String]>,
) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).ok();
    decode_serde(bytes, unit, fields, text, &mut KeyHints::default())
}

/// [`decode_projected`] reading the text as bytes, each string checked to be UTF-8 as it is
/// read: what it does with a text that is not UTF-8 throughout, and the reference its `str`
/// reading is tested against.
pub fn decode_projected_bytes(
    bytes: &[u8],
    unit: JsonUnit,
    fields: Option<&[String]>,
) -> Result<Value, String> {
    decode_serde(bytes, unit, fields, None, &mut KeyHints::default())
}

/// Decodes `bytes`, as the `str` `text` when it is given (the same bytes, UTF-8).
fn decode_as(
    bytes: &[u8],
    unit: JsonUnit,
    fields: Option<&[String]>,
    text: Option<&str>,
    hints: &mut KeyHints,
) -> Result<Value, String> {
    // Our own parser first; what it is not sure of (an error among them) goes to serde_json.
    if let Some(text) = text
        && let Some(v) = super::direct::record(text, fields, hints)
    {
        return Ok(v);
    }
    decode_serde(bytes, unit, fields, text, hints)
}

/// Decodes `bytes` with serde_json, as the `str` `text` when it is given (the same bytes).
fn decode_serde(
    bytes: &[u8],
    unit: JsonUnit,
    fields: Option<&[String]>,
    text: Option<&str>,
    hints: &mut KeyHints,
) -> Result<Value, String> {
    let parsed = match fields {
        Some(fields) if first_byte(bytes) == Some(b'{') => {
            parse_with(bytes, text, RecordSeed { fields, hints })
        }
        _ => parse_with(bytes, text, ValueSeed::top()),
    };
    match parsed {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(other) => Err(match unit {
            JsonUnit::Line => format!(
                "line holds a JSON {}, not an object",
                crate::value::kind(&other)
            ),
            JsonUnit::Element => {
                format!("record is {}, not an object", crate::value::kind(&other))
            }
        }),
        Err(e) => Err(describe(bytes, &e, unit)),
    }
}

/// Parses a JSON text with the record decoder's rules (any value at the top).
pub fn parse(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    parse_with(bytes, std::str::from_utf8(bytes).ok(), ValueSeed::top())
}

/// Parses `bytes` with `seed`, as the `str` `text` when it is given (the same bytes, UTF-8).
fn parse_with<'de, S: DeserializeSeed<'de, Value = Value>>(
    bytes: &'de [u8],
    text: Option<&'de str>,
    seed: S,
) -> Result<Value, serde_json::Error> {
    match text {
        Some(text) => parse_from(serde_json::Deserializer::from_str(text), seed),
        None => parse_from(serde_json::Deserializer::from_slice(bytes), seed),
    }
}

fn parse_from<'de, R: serde_json::de::Read<'de>, S: DeserializeSeed<'de, Value = Value>>(
    mut de: serde_json::Deserializer<R>,
    seed: S,
) -> Result<Value, serde_json::Error> {
    // The seed counts the depth itself and stops at MAX_DEPTH, with its own message.
    de.disable_recursion_limit();
    let v = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The first byte that is not JSON whitespace.
fn first_byte(bytes: &[u8]) -> Option<u8> {
    bytes
        .iter()
        .copied()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
}

/// A record (an object) of which only `fields` (sorted) are built: the decoder's rules as a serde
/// seed, which any serde `Deserializer` can drive (`benches/decoders.rs` compares parsers with it).
pub struct RecordSeed<'f> {
    /// The top-level fields kept, sorted.
    pub fields: &'f [String],
    /// What the records decoded before this one (with the same `fields`) had at each place.
    pub hints: &'f mut KeyHints,
}

/// The top-level keys of the last record decoded, by their place in it, each with its place
/// in the kept fields (None: skipped). The records of an export mostly have their keys in the
/// same order, so a key is matched by comparing it with the last record's key at its place
/// instead of searching the kept fields. Valid for one list of kept fields only.
#[derive(Default)]
pub struct KeyHints(Vec<(Str, Option<usize>)>);

impl KeyHints {
    /// Hints are kept for this many keys of a record; keys past it are searched.
    const MAX: usize = 256;

    /// The place of `key`, the record's key number `i`, in `fields`.
    #[inline]
    pub(super) fn find(&mut self, i: usize, key: &str, fields: &[String]) -> Option<usize> {
        if let Some((k, at)) = self.0.get(i)
            && crate::value::same_name(k, key)
        {
            return *at;
        }
        let at = fields.binary_search_by(|f| f.as_str().cmp(key)).ok();
        if let Some(slot) = self.0.get_mut(i) {
            *slot = (Str::from(key), at);
        } else if i == self.0.len() && i < Self::MAX {
            self.0.push((Str::from(key), at));
        }
        at
    }
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RecordSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = ValueSeed::top().inner()?;
        let mut m = Map::with_capacity(self.fields.len());
        // The kept fields seen so far, by their place in `fields` (past 64, the map's own check).
        let mut seen = 0u64;
        let mut i = 0;
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let found = self.hints.find(i, &key, self.fields);
            i += 1;
            let Some(at) = found else {
                map.next_value::<de::IgnoredAny>()?;
                continue;
            };
            let bit = u32::try_from(at)
                .ok()
                .and_then(|i| 1u64.checked_shl(i))
                .unwrap_or(0);
            if seen & bit != 0 || (bit == 0 && m.contains_key(&key)) {
                return Err(twice(&key));
            }
            seen |= bit;
            m.push_unique(Str::from(key), map.next_value_seed(inner)?);
        }
        Ok(Value::Object(m))
    }
}

/// An object's key, borrowed from the text when it has no escape.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v))
    }
}

fn twice<E: de::Error>(key: &str) -> E {
    E::custom(format_args!(
        "key `{key}` appears twice in an object: which value is meant? keep one"
    ))
}

fn describe(bytes: &[u8], e: &serde_json::Error, unit: JsonUnit) -> String {
    if std::str::from_utf8(bytes).is_err() {
        return match unit {
            JsonUnit::Line => "line is not valid UTF-8: re-export the file as UTF-8".to_string(),
            JsonUnit::Element => "record is not valid UTF-8: re-export the file as UTF-8".into(),
        };
    }
    let at = match unit {
        JsonUnit::Line => format!("column {}", e.column()),
        JsonUnit::Element if e.line() > 1 => {
            format!("line {} column {} of the record", e.line(), e.column())
        }
        JsonUnit::Element => format!("column {} of the record", e.column()),
    };
    if e.is_data() {
        // One of the decoder's own rules (duplicate key, nesting): its message, then the place.
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        format!("{message} (at {at})")
    } else {
        // serde's own place is within the record ("at line 1 column 1981"): said once, ours
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        format!("malformed JSON at {at}: {message}")
    }
}

/// A value at `depth` (the record is at depth 1): the decoder's rules (no duplicate key, at most
/// [`MAX_DEPTH`] levels) as a serde seed.
#[derive(Clone, Copy)]
pub struct ValueSeed {
    depth: usize,
}

impl ValueSeed {
    /// The seed of a whole JSON text (a record is at depth 1).
    pub fn top() -> ValueSeed {
        ValueSeed { depth: 1 }
    }

    fn inner<E: de::Error>(self) -> Result<ValueSeed, E> {
        if self.depth > MAX_DEPTH {
            return Err(E::custom(format_args!(
                "values nested deeper than {MAX_DEPTH} levels: clerkmap reads at most {MAX_DEPTH} levels of objects and lists"
            )));
        }
        Ok(ValueSeed {
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v.into()))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(v) = seq.next_element_seed(inner)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.inner()?;
        let mut m = Map::new();
        while let Some(key) = map.next_key_seed(KeySeed)? {
            if m.is_empty() {
                // Room for 7 fields from the first: a vector would grow at the 5th.
                m = Map::with_capacity(7);
            }
            match m.entry(Str::from(key)) {
                Entry::Vacant(slot) => {
                    slot.insert(map.next_value_seed(inner)?);
                }
                Entry::Occupied(o) => return Err(twice(o.key())),
            }
        }
        Ok(Value::Object(m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_decode_like_serde_json() {
        let text =
            br#"{"a": 1, "b": [true, null, 1.5, -2, "x\u00e9"], "c": {"d": 18446744073709551615}}"#;
        let ours = decode_record(text, JsonUnit::Line);
        let theirs: Value = serde_json::from_slice(text).unwrap_or_default();
        assert_eq!(ours, Ok(theirs));
        // Key order is kept.
        let v = decode_record(br#"{"z":1,"a":2}"#, JsonUnit::Line).unwrap_or_default();
        assert_eq!(
            v.as_object()
                .map(|m| m.keys().map(|k| k.to_string()).collect::<Vec<_>>()),
            Some(vec!["z".to_string(), "a".to_string()])
        );
    }

    #[test]
    fn a_projected_record_keeps_only_its_fields_in_input_order() {
        let fields = ["a".to_string(), "c".to_string(), "é".to_string()];
        let text =
            br#"{"c": {"x": [1, {"y": 2}]}, "b": "skip \" me", "a": 1, "\u00e9": 3, "zz": [[[]]]}"#;
        let v = decode_projected(text, JsonUnit::Line, Some(&fields));
        assert_eq!(
            v.map(|v| v.to_string()),
            Ok(r#"{"c":{"x":[1,{"y":2}]},"a":1,"é":3}"#.to_string())
        );
        // Every field asked: the same value as the whole record.
        let all = ["a", "b", "c", "zz", "é"].map(String::from);
        assert_eq!(
            decode_projected(text, JsonUnit::Line, Some(&all)),
            decode_record(text, JsonUnit::Line)
        );
    }

    #[test]
    fn a_projected_record_still_rejects_what_it_reads_and_skips_the_rest_unchecked() {
        let fields = ["id".to_string(), "x".to_string()];
        let dup = decode_projected(
            br#"{"id":"A","x":{"k":1,"k":2}}"#,
            JsonUnit::Line,
            Some(&fields),
        );
        assert!(dup.is_err_and(|e| e.contains("key `k` appears twice")));
        let dup_top = decode_projected(br#"{"id":"A","id":"B"}"#, JsonUnit::Line, Some(&fields));
        assert!(dup_top.is_err_and(|e| e.contains("key `id` appears twice")));
        // A field no one reads: its duplicate keys and its depth do not matter.
        let deep = format!(
            r#"{{"id":"A","skip":{}1{}}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let v = decode_projected(deep.as_bytes(), JsonUnit::Line, Some(&fields));
        assert_eq!(v, Ok(crate::json!({"id": "A"})));
        let v = decode_projected(
            br#"{"id":"A","skip":{"k":1,"k":2}}"#,
            JsonUnit::Line,
            Some(&fields),
        );
        assert_eq!(v, Ok(crate::json!({"id": "A"})));
        // Malformed anywhere is still malformed; a non-object is still named.
        let bad = decode_projected(br#"{"id":"A","skip":[1,}"#, JsonUnit::Line, Some(&fields));
        assert!(bad.is_err_and(|e| e.starts_with("malformed JSON at column")));
        let list = decode_projected(b" [1]", JsonUnit::Line, Some(&fields));
        assert_eq!(
            list,
            Err("line holds a JSON list, not an object".to_string())
        );
    }

    #[test]
    fn key_hints_carried_across_records_change_nothing() {
        // Records whose keys move, appear, vanish and repeat, decoded with the hints of the
        // ones before: each as decoded alone.
        let fields: Vec<String> = ["a", "c", "e"].iter().map(|s| s.to_string()).collect();
        let lines = [
            r#"{"a":1,"b":2,"c":3}"#,
            r#"{"a":1,"b":2,"c":3}"#,
            r#"{"c":3,"a":1,"b":2}"#,
            r#"{"b":2,"a":1}"#,
            r#"{"a":1,"b":2,"c":3,"d":4,"e":5}"#,
            r#"{"a":1,"b":2,"c":3,"d":4,"a":5}"#,
            r#"{"a":1,"b":2,"c":3,"d":4,"e":5}"#,
            r#"{"e":0,"c":9}"#,
            r#"{}"#,
            r#"{"a":1,"b":2,"c":3,"c":4}"#,
        ];
        let mut hints = KeyHints::default();
        for line in lines {
            let alone = decode_projected(line.as_bytes(), JsonUnit::Line, Some(&fields));
            let hinted =
                decode_projected_hinted(line.as_bytes(), JsonUnit::Line, Some(&fields), &mut hints);
            assert_eq!(hinted, alone, "{line}");
        }
        let twice = decode_projected_hinted(
            br#"{"a":1,"b":2,"c":3,"c":4}"#,
            JsonUnit::Line,
            Some(&fields),
            &mut hints,
        );
        assert!(twice.is_err_and(|e| e.contains("`c`")));
    }

    #[test]
    fn a_duplicate_key_is_an_error_naming_it() {
        let e = decode_record(br#"{"id":"A","x":{"k":1,"k":2}}"#, JsonUnit::Line);
        assert_eq!(
            e,
            Err(
                "key `k` appears twice in an object: which value is meant? keep one (at column 24)"
                    .into()
            )
        );
        let e = decode_record(b"{\"id\":\"A\",\n\"id\":\"B\"}", JsonUnit::Element);
        assert!(
            e.as_ref()
                .is_err_and(|e| e.contains("key `id` appears twice") && e.contains("line 2")),
            "{e:?}"
        );
    }

    #[test]
    fn nesting_stops_at_the_limit() {
        let nest = |n: usize| {
            format!(
                "{}{}{}",
                "{\"a\":".repeat(n - 1) + "[",
                "1",
                "]".to_string() + &"}".repeat(n - 1)
            )
        };
        assert!(decode_record(nest(MAX_DEPTH).as_bytes(), JsonUnit::Line).is_ok());
        let e = decode_record(nest(MAX_DEPTH + 1).as_bytes(), JsonUnit::Line);
        assert!(
            e.as_ref()
                .is_err_and(|e| e.starts_with("values nested deeper than 128 levels")),
            "{e:?}"
        );
        // Far deeper: an error, not a stack overflow.
        let deep = "[".repeat(1_000_000);
        assert!(decode_record(deep.as_bytes(), JsonUnit::Line).is_err());
    }

    #[test]
    fn malformed_and_non_objects() {
        assert_eq!(
            decode_record(b"[1]", JsonUnit::Line),
            Err("line holds a JSON list, not an object".into())
        );
        assert_eq!(
            decode_record(b"3", JsonUnit::Element),
            Err("record is int, not an object".into())
        );
        assert_eq!(
            decode_record(b"{bad", JsonUnit::Line),
            Err("malformed JSON at column 2: key must be a string".into())
        );
        // serde's "at line 1 column 7" is not repeated: the line is the file's, said apart
        assert_eq!(
            decode_record(b"{\"a\": 1", JsonUnit::Line),
            Err("malformed JSON at column 7: EOF while parsing an object".into())
        );
    }
}
