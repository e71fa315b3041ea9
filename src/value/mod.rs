//! The data every stage shares: JSON values as records hold them, their static types
//! ([`Ty`]), lookup keys and tables ([`Table`]), equality by value, and how a value is shown in a
//! message. This module imports no other module of the crate.

mod json;
pub mod map;
mod record;
mod table;
mod ty;
mod write;

pub use record::Record;
pub use table::{Table, TableWarning, key_string};
pub use ty::Ty;

pub use json::{Index, NULL, Str, Value, from_value, to_value};
pub use map::{Entry, Hint, Map};
pub use serde_json::Number;
pub use write::{write_json, write_str};

/// Builds a [`Value`] from JSON syntax, as `serde_json::json!` does.
///
/// ```
/// use clerkmap::json;
/// assert_eq!(json!({"a": [1, "x"]}).to_string(), r#"{"a":[1,"x"]}"#);
/// ```
#[macro_export]
macro_rules! json {
    ($($json:tt)+) => {
        $crate::value::Value::from($crate::value::__serde_json::json!($($json)+))
    };
}
#[doc(hidden)]
pub use serde_json as __serde_json;

/// A short JSON rendering of a value for error messages (cut at 40 characters).
pub fn show(v: &Value) -> String {
    elide(&v.to_string(), 40, "...")
}

/// Two values that differ, rendered for a message: whole when both are short (at most
/// [`PAIR_MAX`] characters of JSON), else each cut to the same window around their first
/// difference, with `...` where text was left out, so that the two never print alike.
///
/// ```
/// use clerkmap::value::show_difference;
/// use clerkmap::json;
/// let a = json!("Tshirt Organic Cotton Relaxed Fit Long Sleeve - Color Black");
/// let b = json!("Tshirt Organic Cotton Relaxed Fit Long Sleeve - Color White");
/// assert_eq!(
///     show_difference(&a, &b),
///     (
///         r#""Tshirt Organic Cotton Relaxed Fit Long Sleeve - Color Black""#.to_string(),
///         r#""Tshirt Organic Cotton Relaxed Fit Long Sleeve - Color White""#.to_string()
///     )
/// );
/// ```
pub fn show_difference(a: &Value, b: &Value) -> (String, String) {
    let (x, y) = (a.to_string(), b.to_string());
    let (xc, yc): (Vec<char>, Vec<char>) = (x.chars().collect(), y.chars().collect());
    if xc.len() <= PAIR_MAX && yc.len() <= PAIR_MAX {
        return (x, y);
    }
    let at = xc.iter().zip(&yc).take_while(|(p, q)| p == q).count();
    let start = at.saturating_sub(PAIR_BEFORE);
    let window = |c: &[char]| {
        let end = (at + PAIR_AFTER).min(c.len());
        let mut out = String::new();
        if start > 0 {
            out.push_str("...");
        }
        out.extend(&c[start.min(c.len())..end]);
        if end < c.len() {
            out.push_str("...");
        }
        out
    };
    (window(&xc), window(&yc))
}

/// The longest JSON text [`show_difference`] shows whole.
pub const PAIR_MAX: usize = 120;
/// Characters [`show_difference`] keeps before the first difference of two long values...
const PAIR_BEFORE: usize = 30;
/// ... and from it on.
const PAIR_AFTER: usize = 50;

/// `s` cut to at most `max` characters, the cut marked by `marker` (counted in `max` when it is
/// ASCII `...`, as the messages have always done; see the callers). Used by every message that
/// shows a value or a text that may be long, so they all cut the same way.
pub fn elide(s: &str, max: usize, marker: &str) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let keep = max.saturating_sub(marker.chars().count());
    let mut out: String = s.chars().take(keep).collect();
    out.push_str(marker);
    out
}

/// `s` cut to its first `max` characters followed by `… (N characters)` when it is longer: for
/// values shown to a person who may want to know how much was left out (`explain`, `test`).
pub fn elide_counted(s: &str, max: usize) -> String {
    let n = s.chars().count();
    if n <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max).collect();
    out.push_str(&format!("… ({n} characters)"));
    out
}

/// A count, with thousands separated: `20,583` (the one number format of every message).
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count and its noun, in the plural unless it is one: `1 row`, `20,583 rows`.
pub fn plural(n: u64, noun: &str) -> String {
    format!("{} {noun}{}", count(n), if n == 1 { "" } else { "s" })
}

/// The name of a value's kind, for error messages.
pub fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// The field `name` of `v` when `v` is an object that has it.
#[inline]
pub fn field<'v>(v: &'v Value, name: &str) -> Option<&'v Value> {
    match v {
        Value::Object(m) => m.get(name),
        _ => None,
    }
}

/// [`field`] through a [`Hint`] of where the field was last found ([`Map::get_hinted`]).
#[inline]
pub fn field_hinted<'v>(v: &'v Value, name: &str, hint: &Hint) -> Option<&'v Value> {
    match v {
        Value::Object(m) => m.get_hinted(name, hint),
        _ => None,
    }
}

/// Whether two names are equal, without a call to `memcmp` for names of up to sixteen bytes
/// (nearly all field names): two overlapping words compared, the first and last four or eight
/// bytes (for names of up to three bytes, the first, middle and last). Longer names compare
/// their first and last bytes before the rest.
///
/// ```
/// use clerkmap::value::same_name;
/// assert!(same_name("prezzo", "prezzo"));
/// assert!(!same_name("prezzo", "prezza"));
/// assert!(!same_name("codice", "taglia"));
/// assert!(!same_name("unitaInStock", "unitaInStack"));
/// assert!(!same_name("", "a"));
/// assert!(same_name("", ""));
/// ```
#[inline]
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => {
            a.first_chunk::<4>() == b.first_chunk::<4>()
                && a.last_chunk::<4>() == b.last_chunk::<4>()
        }
        8..=16 => {
            a.first_chunk::<8>() == b.first_chunk::<8>()
                && a.last_chunk::<8>() == b.last_chunk::<8>()
        }
        _ => a.first() == b.first() && a.last() == b.last() && a == b,
    }
}

/// Structural equality where numbers compare by value (`1 == 1.0`).
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| values_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_differing_at_any_one_byte_of_any_length_are_told_apart() {
        for n in 0..=40 {
            let name: String = (0..n).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(same_name(&name, &name.clone()), "{name:?}");
            for at in 0..n {
                let mut other = name.clone().into_bytes();
                other[at] = b'Z';
                let other = String::from_utf8(other).unwrap_or_default();
                assert!(!same_name(&name, &other), "{name:?} {other:?}");
                assert!(!same_name(&other, &name), "{other:?} {name:?}");
            }
            let longer = format!("{name}a");
            assert!(!same_name(&name, &longer), "{name:?} {longer:?}");
        }
        assert!(same_name("è", "è") && !same_name("è", "é"));
    }

    #[test]
    fn show_cuts_long_values_at_forty_characters() {
        assert_eq!(show(&json!("short")), "\"short\"");
        let long = show(&json!("a".repeat(60)));
        assert_eq!(long.chars().count(), 40);
        assert!(long.ends_with("..."));
    }

    #[test]
    fn elide_keeps_short_text_and_marks_the_cut() {
        assert_eq!(elide("abc", 3, "…"), "abc");
        assert_eq!(elide("abcdef", 4, "…"), "abc…");
        assert_eq!(elide_counted("abcdef", 4), "abcd… (6 characters)");
        assert_eq!(elide_counted("abcd", 4), "abcd");
    }

    #[test]
    fn fields_are_found_in_small_and_big_objects() {
        let small = json!({"a": 1, "b": 2});
        assert_eq!(field(&small, "b"), Some(&json!(2)));
        assert_eq!(field(&small, "c"), None);
        let big: Map = (0..40).map(|i| (format!("k{i}"), json!(i))).collect();
        let big = Value::Object(big);
        assert_eq!(field(&big, "k39"), Some(&json!(39)));
        assert_eq!(field(&big, "k40"), None);
        assert_eq!(field(&json!([1]), "a"), None);
    }

    #[test]
    fn numbers_are_equal_by_value() {
        assert!(values_equal(&json!(1), &json!(1.0)));
        assert!(values_equal(
            &json!([1, {"a": 2}]),
            &json!([1.0, {"a": 2.0}])
        ));
        assert!(!values_equal(&json!("1"), &json!(1)));
    }
}
