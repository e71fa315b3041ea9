//! Reading a number written as a string: the grammar of a well-formed number per locale (which
//! of `.` and `,` is the decimal separator, groups of three digits between grouping
//! separators), currency symbols and codes, the reason and the closest valid reading when a
//! string is not well formed, and a fast path for the common case.
//!
//! The grammar, after surrounding whitespace is trimmed:
//!
//! ```text
//! number   = [sign] [currency] [sign] body [currency]      (one sign, one currency at most)
//! sign     = "+" | "-"
//! currency = a symbol (€ $ £ ...) | three upper-case letters (EUR)
//! body     = int [D frac] | D frac
//! int      = digits | group1 (G group3)+                    (group1: 1-3 digits, not starting with 0)
//! frac     = digits
//! ```
//!
//! with `G` the grouping separator and `D` the decimal separator of the locale: `.` and `,` in
//! Italian (`it`), `,` and `.` in English (`en`). In `auto`, the separators the string holds
//! choose: both `.` and `,`: the last one is the decimal separator; one `,`: decimal comma; one
//! `.`: decimal point; the same one twice or more: grouping separators.

use crate::value::{Value, kind, show};

/// How to read the separators of a number written as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Locale {
    /// The separators in the string choose (see the module docs).
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

    /// (grouping separator, decimal separator) of an explicit locale.
    fn separators(self) -> (u8, u8) {
        match self {
            Locale::It => (b'.', b','),
            Locale::Auto | Locale::En => (b',', b'.'),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Locale::Auto => "auto",
            Locale::It => "it",
            Locale::En => "en",
        }
    }

    fn other(self) -> Locale {
        match self {
            Locale::It => Locale::En,
            Locale::Auto | Locale::En => Locale::It,
        }
    }

    /// The explicit locale `auto` reads `body` (digits and separators only) with.
    fn resolve(self, body: &[u8]) -> Locale {
        if self != Locale::Auto {
            return self;
        }
        let dots = body.iter().filter(|&&c| c == b'.').count();
        let commas = body.iter().filter(|&&c| c == b',').count();
        let last = body.iter().rev().find(|&&c| c == b'.' || c == b',');
        Locale::of_separators(dots, commas, last == Some(&b','))
    }

    /// The explicit locale `auto` reads a body with `dots` `.` and `commas` `,` with,
    /// `last_comma` telling whether the last separator is a `,` (see the module docs).
    fn of_separators(dots: usize, commas: usize, last_comma: bool) -> Locale {
        match (dots, commas) {
            (0, 0) => Locale::En,
            (_, 0) if dots == 1 => Locale::En,
            (_, 0) => Locale::It,
            (0, 1) => Locale::It,
            (0, _) => Locale::En,
            _ if last_comma => Locale::It,
            _ => Locale::En,
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
    /// The nearest float (never `-0.0`); None when it is too large.
    pub(super) fn to_f64(&self) -> Option<f64> {
        let int = if self.int.is_empty() { "0" } else { &self.int };
        let frac = if self.frac.is_empty() {
            "0"
        } else {
            &self.frac
        };
        let f: f64 = format!("{int}.{frac}").parse().ok()?;
        f.is_finite()
            .then_some(if self.negative { -f } else { f })
            .map(no_negative_zero)
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

    /// The number written in `locale`'s notation, without grouping: `-123,4`.
    fn written(&self, locale: Locale) -> String {
        let (_, dec) = locale.separators();
        let sign = if self.negative { "-" } else { "" };
        let int = if self.int.is_empty() { "0" } else { &self.int };
        if self.frac.is_empty() {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}{}{}", dec as char, self.frac)
        }
    }
}

/// `-0.0` as `0.0`; any other float unchanged.
pub(super) fn no_negative_zero(x: f64) -> f64 {
    if x == 0.0 { 0.0 } else { x }
}

/// Why a string is not a number.
#[derive(Debug, PartialEq)]
pub(super) struct Malformed {
    /// What is wrong with a string that looks like a number; None for one that does not
    /// (no digits, letters, spaces inside).
    reason: Option<String>,
    /// How to read it: the closest valid reading, or the locale that reads it.
    hint: Option<String>,
}

impl Malformed {
    fn not_a_number() -> Malformed {
        Malformed {
            reason: None,
            hint: None,
        }
    }
}

/// The currency symbols allowed around a number.
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
fn strip_currency_prefix(s: &str) -> Option<&str> {
    if let Some(c) = s.chars().next()
        && is_currency_symbol(c)
    {
        return Some(s[c.len_utf8()..].trim_start());
    }
    let b = s.as_bytes();
    if b.len() > 3 && b[..3].iter().all(u8::is_ascii_uppercase) && !b[3].is_ascii_alphabetic() {
        return Some(s[3..].trim_start());
    }
    None
}

/// Removes a currency symbol or a three-letter upper-case code at the end of `s`.
fn strip_currency_suffix(s: &str) -> Option<&str> {
    if let Some(c) = s.chars().next_back()
        && is_currency_symbol(c)
    {
        return Some(s[..s.len() - c.len_utf8()].trim_end());
    }
    let b = s.as_bytes();
    let n = b.len();
    if n > 3 && b[n - 3..].iter().all(u8::is_ascii_uppercase) && !b[n - 4].is_ascii_alphabetic() {
        return Some(s[..n - 3].trim_end());
    }
    None
}

/// Reads a number written as a string. `Ok(None)` for an empty (or all-whitespace) string;
/// `Err` with the reason when the string is not a well-formed number in `locale` (see the
/// module docs for the grammar).
pub(super) fn parse_number(s: &str, locale: Locale) -> Result<Option<Parsed>, Malformed> {
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
    let prefixed = strip_currency_prefix(rest);
    if let Some(r) = prefixed {
        rest = r;
        if !signed {
            if let Some(r) = rest.strip_prefix('-') {
                negative = true;
                rest = r.trim_start();
            } else if let Some(r) = rest.strip_prefix('+') {
                rest = r.trim_start();
            }
        }
    } else if let Some(r) = strip_currency_suffix(rest) {
        rest = r;
    }
    let body = rest.as_bytes();
    if !body.iter().any(u8::is_ascii_digit)
        || !body
            .iter()
            .all(|&c| c.is_ascii_digit() || c == b'.' || c == b',')
    {
        return Err(Malformed::not_a_number());
    }
    let resolved = locale.resolve(body);
    match read_body(rest, resolved) {
        Ok((int, frac)) => Ok(Some(Parsed {
            negative,
            int,
            frac,
        })),
        Err(reason) => {
            let hint = hint_for(rest, negative, resolved);
            Err(Malformed {
                reason: Some(reason),
                hint,
            })
        }
    }
}

/// The closest valid reading of a malformed `body` (digits and separators) read in `resolved`:
/// the other locale's reading when it has one, else the number without its misplaced grouping
/// separators.
fn hint_for(body: &str, negative: bool, resolved: Locale) -> Option<String> {
    let other = resolved.other();
    if let Ok((int, frac)) = read_body(body, other) {
        let p = Parsed {
            negative,
            int,
            frac,
        };
        return Some(format!(
            "as {} number it is {}: use decimal(x, \"{}\")",
            match other {
                Locale::It => "an Italian",
                Locale::Auto | Locale::En => "an English",
            },
            p.written(Locale::En),
            other.name()
        ));
    }
    let (group, dec) = resolved.separators();
    let b = body.as_bytes();
    let decs = b.iter().filter(|&&c| c == dec).count();
    let (int, frac) = match body.split_once(dec as char) {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    if decs > 1 || frac.bytes().any(|c| !c.is_ascii_digit()) {
        return None;
    }
    let int: String = int.chars().filter(|&c| c != group as char).collect();
    if !int.bytes().all(|c| c.is_ascii_digit()) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let p = Parsed {
        negative,
        int: int.trim_start_matches('0').to_string(),
        frac: frac.to_string(),
    };
    Some(format!(
        "the closest valid reading is {}",
        p.written(resolved)
    ))
}

/// The integer and fraction digits of `body` (ASCII digits and separators only) read in the
/// explicit `locale`, or what is wrong with it.
fn read_body(body: &str, locale: Locale) -> Result<(String, String), String> {
    let (group, dec) = locale.separators();
    let (g, d) = (group as char, dec as char);
    let (int, frac) = match body.split_once(d) {
        Some((i, f)) => (i, Some(f)),
        None => (body, None),
    };
    if let Some(frac) = frac {
        if frac.contains(d) {
            return Err(format!("it has more than one decimal separator \"{d}\""));
        }
        if frac.contains(g) {
            return Err(format!(
                "a \"{g}\" after the decimal separator \"{d}\" (write 1{g}234{g}567{d}89)"
            ));
        }
        if frac.is_empty() {
            return Err(format!("no digit after the decimal separator \"{d}\""));
        }
    }
    let frac = frac.unwrap_or("").to_string();
    if !int.contains(g) {
        return Ok((int.to_string(), frac));
    }
    let mut groups = int.split(g);
    let first = groups.next().unwrap_or("");
    let shape = format!("as in 1{g}234{g}567{d}89");
    if first.is_empty() {
        return Err(format!("it starts with the grouping separator \"{g}\""));
    }
    if first.len() > 3 {
        return Err(format!(
            "\"{g}\" separates groups of three digits ({shape}), but {first:?} before the first \"{g}\" has {} digits",
            first.len()
        ));
    }
    if first.starts_with('0') {
        return Err(format!(
            "\"{g}\" separates groups of three digits ({shape}), and a grouped number does not start with 0"
        ));
    }
    let mut digits = first.to_string();
    for grp in groups {
        if grp.len() != 3 {
            return Err(format!(
                "\"{g}\" separates groups of three digits ({shape}), but {grp:?} has {} digit{}",
                grp.len(),
                if grp.len() == 1 { "" } else { "s" }
            ));
        }
        digits.push_str(grp);
    }
    Ok((digits, frac))
}

/// What a readable number looks like, for error messages.
const NUMBER_HINT: &str = "expected 1.234,56 or 1234.56, optionally with a currency";

/// The error for a string `s` that is not a number, in function `f`.
pub(super) fn cannot_read(f: &str, s: &str, why: &Malformed) -> String {
    let shown = show(&Value::String(s.to_string().into()));
    match (&why.reason, &why.hint) {
        (None, _) => format!("{f}: cannot read {shown} as a number ({NUMBER_HINT})"),
        (Some(r), None) => format!("{f}: cannot read {shown} as a number: {r}"),
        (Some(r), Some(h)) => format!("{f}: cannot read {shown} as a number: {r}; {h}"),
    }
}

/// The common case of [`parse_number`] without allocating: an optional `-` and a well-formed
/// body of digits and separators (the same grammar), at most 40 bytes. `None` means "not that
/// simple": the full parser decides (and gives the same value for everything this accepts).
pub(super) fn fast_float(s: &str, locale: Locale) -> Option<f64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 40 {
        return None;
    }
    let negative = b[0] == b'-';
    let body = if negative { &b[1..] } else { b };
    if !body
        .iter()
        .all(|&c| c.is_ascii_digit() || c == b'.' || c == b',')
    {
        return None;
    }
    let (group, dec) = locale.resolve(body).separators();
    let int_end = body.iter().position(|&c| c == dec).unwrap_or(body.len());
    let (int, frac) = (&body[..int_end], body.get(int_end + 1..));
    let mut buf = [0u8; 48];
    let mut n = 0;
    let mut push = |c: u8| {
        buf[n] = c;
        n += 1;
    };
    if negative {
        push(b'-');
    }
    if int.contains(&group) {
        let mut groups = int.split(|&c| c == group);
        let first = groups.next()?;
        if first.is_empty() || first.len() > 3 || first[0] == b'0' {
            return None;
        }
        first.iter().for_each(|&c| push(c));
        for g in groups {
            if g.len() != 3 {
                return None;
            }
            g.iter().for_each(|&c| push(c));
        }
    } else {
        int.iter().for_each(|&c| push(c));
    }
    if int.is_empty() {
        push(b'0');
    }
    match frac {
        Some(f) if !f.is_empty() && f.iter().all(u8::is_ascii_digit) => {
            push(b'.');
            f.iter().for_each(|&c| push(c));
        }
        Some(_) => return None,
        None if int.is_empty() => return None,
        None => {}
    }
    let x = std::str::from_utf8(&buf[..n]).ok()?.parse::<f64>().ok()?;
    x.is_finite().then_some(no_negative_zero(x))
}

/// `10^i` for the `i` whose power is a float exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The largest integer below which every integer is a float exactly (2^53).
const EXACT_INT: u64 = 1 << 53;

/// The commonest case of all, without text: an optional `-` and a well-formed body (the same
/// grammar) whose digits, read as one integer `m` with `k` digits after the separator, have
/// `m <= 2^53` and `k <= 22`. Then `m` and `10^k` are floats exactly and `m / 10^k` is the
/// correctly rounded quotient, which is the nearest float to the number, as `str::parse`
/// gives (Clinger's fast path). `None` means "not that simple": [`fast_float`] decides.
pub(super) fn exact_float(s: &str, locale: Locale) -> Option<f64> {
    let b = s.as_bytes();
    let negative = b.first() == Some(&b'-');
    let body = if negative { &b[1..] } else { b };
    // One pass: the digits as one integer, the separators counted, the digits before the
    // first separator, whether every later separator has three digits since the one before,
    // and the digits after the last one.
    let mut m: u64 = 0;
    let (mut dots, mut commas, mut last) = (0, 0, 0u8);
    let (mut first, mut threes, mut since) = (None, true, 0);
    for &c in body {
        match c {
            b'0'..=b'9' => {
                m = m * 10 + u64::from(c - b'0');
                if m > EXACT_INT {
                    return None;
                }
                since += 1;
            }
            b'.' | b',' => {
                if c == b'.' {
                    dots += 1;
                } else {
                    commas += 1;
                }
                if first.is_none() {
                    first = Some(since);
                } else if since != 3 {
                    threes = false;
                }
                last = c;
                since = 0;
            }
            _ => return None,
        }
    }
    let dec = match locale {
        Locale::Auto => Locale::of_separators(dots, commas, last == b','),
        explicit => explicit,
    }
    .separators()
    .1;
    let (groups, decs) = if dec == b'.' {
        (commas, dots)
    } else {
        (dots, commas)
    };
    // the fraction's digits: one decimal separator at most, the last separator
    let scale = match decs {
        0 => 0,
        1 if last == dec && since > 0 && since < POW10.len() => since,
        _ => return None,
    };
    if groups > 0 {
        // groups of three after a first one of 1-3 digits, not starting with 0
        let first = first?;
        if first == 0 || first > 3 || body.first() == Some(&b'0') || !threes {
            return None;
        }
        if decs == 0 && since != 3 {
            return None;
        }
    } else if decs == 0 && since == 0 {
        return None;
    }
    let x = m as f64 / POW10[scale];
    Some(no_negative_zero(if negative { -x } else { x }))
}

/// The float value of a number or numeric string; None for null and empty strings.
pub(super) fn to_float(f: &str, v: &Value, locale: Locale) -> Result<Option<f64>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => n
            .as_f64()
            .map(|x| Some(no_negative_zero(x)))
            .ok_or_else(|| format!("{f}: {n} is not a finite number")),
        Value::String(s) => match exact_float(s, locale).or_else(|| fast_float(s, locale)) {
            Some(x) => Ok(Some(x)),
            None => match parse_number(s, locale) {
                Ok(None) => Ok(None),
                Ok(Some(p)) => p
                    .to_f64()
                    .map(Some)
                    .ok_or_else(|| format!("{f}: {} is too large for a number", show(v))),
                Err(why) => Err(cannot_read(f, s, &why)),
            },
        },
        other => Err(format!(
            "{f}: cannot convert {} {} to a number (expected a number or a string like \"1.234,56\"){}",
            kind(other),
            show(other),
            super::super::element_text(other)
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

    fn read(s: &str, locale: Locale) -> Option<f64> {
        parse_number(s, locale)
            .ok()
            .flatten()
            .and_then(|p| p.to_f64())
    }

    fn why(s: &str, locale: Locale) -> String {
        match parse_number(s, locale) {
            Err(m) => cannot_read("decimal", s, &m),
            Ok(p) => panic!("{s:?} read as {p:?}"),
        }
    }

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
            "-0",
            "-0,00",
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
            "0.500.000",
            "0.500,5",
            "012.345,6",
            "9007199254740992",
            "9007199254740993",
            "9.007.199.254.740.993",
            "0,30000000000000004",
            "1,0000000000000000000001",
            "0,0000000000000000000001",
            "179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
        ];
        for locale in [Locale::Auto, Locale::It, Locale::En] {
            for c in cases {
                let slow = read(c, locale);
                for fast in [fast_float(c, locale), exact_float(c, locale)]
                    .into_iter()
                    .flatten()
                {
                    assert_eq!(Some(fast), slow, "{c:?} {locale:?}");
                    assert!(fast.is_sign_positive() || fast != 0.0, "{c:?}");
                }
            }
        }
    }

    #[test]
    fn groups_of_three_only() {
        for (s, l, want) in [
            ("1.234.567,89", Locale::It, 1234567.89),
            ("1,234,567.89", Locale::En, 1234567.89),
            ("1,234,567", Locale::Auto, 1234567.0),
            ("1.234.567", Locale::Auto, 1234567.0),
            ("1,234.50", Locale::Auto, 1234.5),
            ("1.234,50", Locale::Auto, 1234.5),
            ("123.456", Locale::It, 123456.0),
            ("1234,5", Locale::It, 1234.5),
        ] {
            assert_eq!(read(s, l), Some(want), "{s} {l:?}");
        }
        for (s, l) in [
            ("1.2.3,4", Locale::Auto),
            ("1.2.3", Locale::Auto),
            ("1.23.456", Locale::It),
            ("1234.567", Locale::It),
            ("0.500", Locale::It),
            ("1.234,5.6", Locale::It),
            ("1,2,3", Locale::It),
            (".123", Locale::It),
            ("1..234", Locale::It),
            ("5,", Locale::Auto),
            ("1.234,56", Locale::En),
            ("1,234.56", Locale::It),
        ] {
            assert!(parse_number(s, l).is_err(), "{s} {l:?}");
        }
    }

    #[test]
    fn reasons_and_hints() {
        assert_eq!(
            why("1.2.3,4", Locale::Auto),
            "decimal: cannot read \"1.2.3,4\" as a number: \".\" separates groups of three digits (as in 1.234.567,89), but \"2\" has 1 digit; the closest valid reading is 123,4"
        );
        assert_eq!(
            why("1,234.56", Locale::It),
            "decimal: cannot read \"1,234.56\" as a number: a \".\" after the decimal separator \",\" (write 1.234.567,89); as an English number it is 1234.56: use decimal(x, \"en\")"
        );
        assert_eq!(
            why("0.500", Locale::It),
            "decimal: cannot read \"0.500\" as a number: \".\" separates groups of three digits (as in 1.234.567,89), and a grouped number does not start with 0; as an English number it is 0.500: use decimal(x, \"en\")"
        );
        assert!(why("1,234.56", Locale::It).contains("use decimal(x, \"en\")"));
        assert!(why("1.234,56", Locale::En).contains("use decimal(x, \"it\")"));
        assert_eq!(
            why("5,", Locale::Auto),
            "decimal: cannot read \"5,\" as a number: no digit after the decimal separator \",\"; the closest valid reading is 5"
        );
        assert_eq!(
            why("1,2,3", Locale::It),
            "decimal: cannot read \"1,2,3\" as a number: it has more than one decimal separator \",\""
        );
        assert_eq!(
            why("abc", Locale::Auto),
            "decimal: cannot read \"abc\" as a number (expected 1.234,56 or 1234.56, optionally with a currency)"
        );
    }

    #[test]
    fn negative_zero_is_zero() {
        for s in ["-0", "-0,00", "-0.0", "- € 0", "-,0"] {
            let x = read(s, Locale::Auto);
            assert_eq!(x, Some(0.0), "{s}");
            assert!(x.is_some_and(f64::is_sign_positive), "{s}");
        }
    }
}
