//! Reading a number written as a string: the locale (which of `.` and `,` is the decimal
//! separator), currency symbols and codes, a fast path for the common case.

use serde_json::Value;

use crate::value::{kind, show};

/// How to read the separators of a number written as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Locale {
    /// `,` present: decimal comma and `.` thousands; else two or more `.`: thousands; else a
    /// single `.` is the decimal point.
    Auto,
    /// `.` thousands, `,` decimal.
    It,
    /// `,` thousands, `.` decimal.
    En,
}

impl Locale {
    fn from_name(name: &str) -> Option<Locale> {
        match name {
            "auto" => Some(Locale::Auto),
            "it" => Some(Locale::It),
            "en" => Some(Locale::En),
            _ => None,
        }
    }
}

/// A number read from a string: sign, the integer digits and the fraction digits (ASCII digits
/// only, possibly empty but not both).
#[derive(Debug, PartialEq)]
pub(super) struct Parsed {
    negative: bool,
    int: String,
    frac: String,
}

impl Parsed {
    fn to_f64(&self) -> Option<f64> {
        let int = if self.int.is_empty() { "0" } else { &self.int };
        let frac = if self.frac.is_empty() {
            "0"
        } else {
            &self.frac
        };
        let f: f64 = format!("{int}.{frac}").parse().ok()?;
        f.is_finite().then_some(if self.negative { -f } else { f })
    }

    /// The integer part (truncated toward zero), exactly.
    pub(super) fn to_i64(&self) -> Option<i64> {
        let digits = self.int.trim_start_matches('0');
        if digits.is_empty() {
            return Some(0);
        }
        let v: i128 = digits.parse().ok()?;
        i64::try_from(if self.negative { -v } else { v }).ok()
    }
}

/// The currency symbols ignored around a number.
fn is_currency_symbol(c: char) -> bool {
    matches!(
        c,
        '€' | '$'
            | '£'
            | '¥'
            | '¢'
            | '₹'
            | '₽'
            | '₩'
            | '₺'
            | '₪'
            | '₫'
            | '₱'
            | '₴'
            | '₦'
            | '₡'
            | '₲'
            | '₵'
            | '₸'
            | '₼'
            | '₾'
            | '₿'
    )
}

/// Removes a currency symbol or a three-letter upper-case code (`EUR`) at the start of `s`.
fn strip_currency_prefix(s: &str) -> &str {
    if let Some(c) = s.chars().next()
        && is_currency_symbol(c)
    {
        return s[c.len_utf8()..].trim_start();
    }
    let b = s.as_bytes();
    if b.len() > 3 && b[..3].iter().all(u8::is_ascii_uppercase) && !b[3].is_ascii_alphabetic() {
        return s[3..].trim_start();
    }
    s
}

/// Removes a currency symbol or a three-letter upper-case code at the end of `s`.
fn strip_currency_suffix(s: &str) -> &str {
    if let Some(c) = s.chars().next_back()
        && is_currency_symbol(c)
    {
        return s[..s.len() - c.len_utf8()].trim_end();
    }
    let b = s.as_bytes();
    let n = b.len();
    if n > 3 && b[n - 3..].iter().all(u8::is_ascii_uppercase) && !b[n - 4].is_ascii_alphabetic() {
        return s[..n - 3].trim_end();
    }
    s
}

/// Reads a number written as a string. `Ok(None)` for an empty (or all-whitespace) string;
/// `Err(())` when the string is not a number.
///
/// Surrounding whitespace and a currency symbol or three-letter upper-case code at either end are ignored
/// (`"49.90 EUR"`, `"€ 12,50"`, `"-€ 3"`); a leading `+` or `-` is allowed. The separators are
/// read according to `locale` (see [`Locale`]); thousands separators may appear only in the
/// integer part and are not checked for group sizes.
pub(super) fn parse_number(s: &str, locale: Locale) -> Result<Option<Parsed>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let mut negative = false;
    let mut signed = false;
    let mut rest = s;
    if let Some(r) = rest.strip_prefix('-') {
        negative = true;
        signed = true;
        rest = r.trim_start();
    } else if let Some(r) = rest.strip_prefix('+') {
        signed = true;
        rest = r.trim_start();
    }
    rest = strip_currency_prefix(rest);
    if !signed {
        if let Some(r) = rest.strip_prefix('-') {
            negative = true;
            rest = r.trim_start();
        } else if let Some(r) = rest.strip_prefix('+') {
            rest = r.trim_start();
        }
    }
    rest = strip_currency_suffix(rest);
    if rest.is_empty()
        || !rest
            .bytes()
            .all(|c| c.is_ascii_digit() || c == b'.' || c == b',')
    {
        return Err(());
    }
    let dots = rest.bytes().filter(|&c| c == b'.').count();
    let has_comma = rest.contains(',');
    // (decimal separator, thousands separator)
    let (dec, thousands) = match locale {
        Locale::Auto if has_comma => (Some(','), '.'),
        Locale::Auto if dots >= 2 => (None, '.'),
        Locale::Auto => (Some('.'), ','),
        Locale::It => (Some(','), '.'),
        Locale::En => (Some('.'), ','),
    };
    let (int_part, frac_part) = match dec.and_then(|d| rest.split_once(d)) {
        Some((i, f)) => (i, f),
        None => (rest, ""),
    };
    if frac_part.contains(['.', ',']) {
        return Err(());
    }
    let int: String = int_part.chars().filter(|&c| c != thousands).collect();
    if !int.bytes().all(|c| c.is_ascii_digit()) || (int.is_empty() && frac_part.is_empty()) {
        return Err(());
    }
    Ok(Some(Parsed {
        negative,
        int,
        frac: frac_part.to_string(),
    }))
}

/// What a readable number looks like, for error messages.
const NUMBER_HINT: &str = "expected 1.234,56 or 1234.56, optionally with a currency";

/// The error for a string that is not a number, in function `f`.
pub(super) fn cannot_read(f: &str, s: &str) -> String {
    format!(
        "{f}: cannot read {} as a number ({NUMBER_HINT})",
        show(&Value::String(s.to_string()))
    )
}

/// The common case of [`parse_number`] without allocating: an optional `-`, digits and
/// separators, at most 40 bytes. `None` means "not that simple": the full parser decides (and
/// gives the same value for everything this accepts).
fn fast_float(s: &str, locale: Locale) -> Option<f64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 40 {
        return None;
    }
    let (neg, digits) = match b[0] {
        b'-' => (true, &b[1..]),
        _ => (false, b),
    };
    let (mut dots, mut commas) = (0, 0);
    for &c in digits {
        match c {
            b'0'..=b'9' => {}
            b'.' => dots += 1,
            b',' => commas += 1,
            _ => return None,
        }
    }
    let (dec, thousands) = match locale {
        Locale::Auto if commas > 0 => (b',', b'.'),
        Locale::Auto if dots >= 2 => (0, b'.'),
        Locale::Auto | Locale::En => (b'.', b','),
        Locale::It => (b',', b'.'),
    };
    let mut buf = [0u8; 48];
    let mut n = 0;
    if neg {
        buf[0] = b'-';
        n = 1;
    }
    let mut seen_dec = false;
    let mut seen_digit = false;
    for &c in digits {
        if c == dec {
            if seen_dec {
                return None;
            }
            seen_dec = true;
            buf[n] = b'.';
            n += 1;
        } else if c == thousands {
            if seen_dec {
                return None;
            }
        } else {
            seen_digit = true;
            buf[n] = c;
            n += 1;
        }
    }
    if !seen_digit {
        return None;
    }
    std::str::from_utf8(&buf[..n]).ok()?.parse::<f64>().ok()
}

/// The float value of a number or numeric string; None for null and empty strings.
pub(super) fn to_float(f: &str, v: &Value, locale: Locale) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("{f}: {n} is not a finite number")),
        Value::String(s) => match fast_float(s, locale) {
            Some(x) => Ok(Some(x)),
            None => match parse_number(s, locale) {
                Ok(None) => Ok(None),
                Ok(Some(p)) => p.to_f64().map(Some).ok_or_else(|| cannot_read(f, s)),
                Err(()) => Err(cannot_read(f, s)),
            },
        },
        other => Err(format!(
            "{f}: cannot convert {} {} to a number (expected a number or a string like \"1.234,56\")",
            kind(other),
            show(other)
        )),
    }
}

/// The `locale` argument of `f`: `"auto"` (also when absent or null), `"it"` or `"en"`.
pub(super) fn locale_arg(f: &str, v: Option<&Value>) -> Result<Locale, String> {
    match v {
        None | Some(Value::Null) => Ok(Locale::Auto),
        Some(Value::String(s)) => {
            Locale::from_name(s).ok_or_else(|| bad_locale(f, &Value::String(s.clone())))
        }
        Some(other) => Err(bad_locale(f, other)),
    }
}

/// The error for an unknown locale `v`.
fn bad_locale(f: &str, v: &Value) -> String {
    format!(
        "{f}: unknown locale {} (use \"auto\", \"it\" for 1.234,56 or \"en\" for 1,234.56)",
        show(v)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_path_agrees_with_the_full_parser() {
        let cases = [
            "752,74",
            "1.137,12",
            "18,000000",
            "1234.56",
            "1.234",
            "1.234.567",
            "-3,5",
            "0",
            "007",
            ",5",
            "5,",
            "1,234.56",
            "1.2.3,4",
            "12,3,4",
            "-",
            ",",
            ".",
            "1e5",
            " 1",
            "€ 3",
            "49.90 EUR",
        ];
        for locale in [Locale::Auto, Locale::It, Locale::En] {
            for c in cases {
                let slow = parse_number(c, locale)
                    .ok()
                    .flatten()
                    .and_then(|p| p.to_f64());
                if let Some(fast) = fast_float(c, locale) {
                    assert_eq!(Some(fast), slow, "{c:?} {locale:?}");
                }
            }
        }
    }
}
