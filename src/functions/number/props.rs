//! Property tests of the number functions against a string-exact model: numbers are generated
//! as sign, integer digits and fraction digits, written in each locale's well-formed shapes
//! (grouping, currency before or after, sign before or after a currency), and read back;
//! arithmetic is checked against integer arithmetic on the numbers scaled by a power of ten.
//! `PROPTEST_CASES` sets the number of cases (256 by default: a few seconds in a debug build).

use crate::json;
use crate::value::Value;
use proptest::prelude::*;
use proptest::test_runner::Config;

use super::decimal::{Locale, exact_float, fast_float, parse_number, to_float};
use super::{arith, decimal, float_fn, int, round, sum};
use crate::functions::call_reads;
use crate::syntax::ast::BinOp;

fn config() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// A number as written: sign, integer digits (no leading zero unless "0"), fraction digits.
#[derive(Debug, Clone)]
struct Num {
    negative: bool,
    int: String,
    frac: String,
}

impl Num {
    /// The float it is, by the standard library's correctly rounded parse; never -0.0.
    fn value(&self) -> f64 {
        let frac = if self.frac.is_empty() {
            "0"
        } else {
            &self.frac
        };
        let x: f64 = format!("{}.{frac}", self.int).parse().unwrap_or(f64::NAN);
        let x = if self.negative { -x } else { x };
        if x == 0.0 { 0.0 } else { x }
    }

    /// The integer part, truncated toward zero.
    fn trunc(&self) -> i64 {
        let i: i64 = self.int.parse().unwrap_or(0);
        if self.negative { -i } else { i }
    }
}

fn digits(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(0u8..10, n)
        .prop_map(|v| v.into_iter().map(|d| char::from(b'0' + d)).collect())
}

fn num() -> impl Strategy<Value = Num> {
    num_of(0)
}

/// A number whose integer part has at least `1 + rest` digits when `rest` > 0.
fn num_of(rest: usize) -> impl Strategy<Value = Num> {
    let lead = if rest > 0 { 1u8..10 } else { 0u8..10 };
    (any::<bool>(), lead, digits(rest..=14), digits(0..=6)).prop_map(
        |(negative, lead, rest, frac)| Num {
            negative,
            int: if lead == 0 {
                "0".to_string()
            } else {
                format!("{lead}{rest}")
            },
            frac,
        },
    )
}

/// How a number is written around its digits.
#[derive(Debug, Clone)]
struct Shape {
    group: bool,
    /// (symbol or code, before the digits, a space between)
    currency: Option<(&'static str, bool, bool)>,
    /// With a currency before: the sign before it (`-€ 3`) rather than after (`€ -3`).
    sign_first: bool,
    plus: bool,
}

fn shape() -> impl Strategy<Value = Shape> {
    let currency = prop::option::of((
        prop::sample::select(vec!["€", "$", "£", "EUR", "USD", "CHF"]),
        any::<bool>(),
        any::<bool>(),
    ));
    (any::<bool>(), currency, any::<bool>(), any::<bool>()).prop_map(
        |(group, currency, sign_first, plus)| Shape {
            group,
            currency,
            sign_first,
            plus,
        },
    )
}

/// The integer digits grouped by three from the right.
fn grouped(int: &str, sep: char) -> String {
    let b = int.as_bytes();
    let mut out = String::new();
    for (i, &c) in b.iter().enumerate() {
        if i > 0 && (b.len() - i).is_multiple_of(3) {
            out.push(sep);
        }
        out.push(char::from(c));
    }
    out
}

/// (grouping separator, decimal separator).
fn seps(locale: Locale) -> (char, char) {
    match locale {
        Locale::It => ('.', ','),
        Locale::Auto | Locale::En => (',', '.'),
    }
}

/// The digits and separators of `n` in `locale`.
fn body(n: &Num, locale: Locale, group: bool) -> String {
    let (g, d) = seps(locale);
    let int = if group {
        grouped(&n.int, g)
    } else {
        n.int.clone()
    };
    if n.frac.is_empty() {
        int
    } else {
        format!("{int}{d}{}", n.frac)
    }
}

/// `n` written in `locale` with `shape`.
fn write(n: &Num, locale: Locale, shape: &Shape) -> String {
    let body = body(n, locale, shape.group);
    let sign = if n.negative {
        "-"
    } else if shape.plus {
        "+"
    } else {
        ""
    };
    match shape.currency {
        None => format!("{sign}{body}"),
        Some((c, before, space)) => {
            let sp = if space { " " } else { "" };
            match (before, shape.sign_first) {
                (true, true) => format!("{sign}{c}{sp}{body}"),
                (true, false) => format!("{c}{sp}{sign}{body}"),
                (false, _) => format!("{sign}{body}{sp}{c}"),
            }
        }
    }
}

fn locale_name(l: Locale) -> &'static str {
    match l {
        Locale::Auto => "auto",
        Locale::It => "it",
        Locale::En => "en",
    }
}

fn dec(s: &str, l: Locale) -> Result<Value, String> {
    call_reads(decimal, vec![json!(s), json!(locale_name(l))])
}

/// A float result that must not be -0.0.
fn same(got: &Value, want: f64) -> bool {
    got.as_f64()
        .is_some_and(|x| x == want && (x != 0.0 || x.is_sign_positive()))
}

/// The separators of a body, in order.
fn separators(body: &str) -> Vec<char> {
    body.chars().filter(|c| matches!(c, '.' | ',')).collect()
}

proptest! {
    #![proptest_config(config())]

    /// Every well-formed number reads back exactly in its locale, and in `auto` unless it is
    /// the one ambiguous shape (a single grouping separator and no decimals), where `auto`
    /// reads the separator as the decimal one.
    #[test]
    fn well_formed_numbers_read_back(n in num(), shape in shape(), it in any::<bool>()) {
        let locale = if it { Locale::It } else { Locale::En };
        let s = write(&n, locale, &shape);
        let got = dec(&s, locale);
        prop_assert!(got.as_ref().is_ok_and(|v| same(v, n.value())), "{s:?} {locale:?}: {got:?}");
        let b = body(&n, locale, shape.group);
        let (g, _) = seps(locale);
        let found = separators(&b);
        let want_auto = if found == [g] {
            let x: f64 = b.replace(g, ".").parse().unwrap_or(f64::NAN);
            let x = if n.negative { -x } else { x };
            if x == 0.0 { 0.0 } else { x }
        } else {
            n.value()
        };
        let auto = dec(&s, Locale::Auto);
        prop_assert!(auto.as_ref().is_ok_and(|v| same(v, want_auto)), "{s:?} auto: {auto:?}");
        let f = call_reads(float_fn, vec![json!(s)]);
        prop_assert!(f.as_ref().is_ok_and(|v| same(v, want_auto)), "{s:?} float: {f:?}");
        if found != [g] {
            prop_assert_eq!(call_reads(int, vec![json!(s)]), Ok(json!(n.trunc())), "{:?} int", s);
        }
    }

    /// A grouped number with one group of the wrong size (or a first group of four digits or
    /// starting with 0) is rejected, saying why, with a hint that holds.
    #[test]
    fn malformed_groupings_are_rejected(
        n in num_of(3),
        it in any::<bool>(),
        at in any::<prop::sample::Index>(),
        how in 0u8..4,
    ) {
        let locale = if it { Locale::It } else { Locale::En };
        let (g, d) = seps(locale);
        let grouped = grouped(&n.int, g);
        let mut groups: Vec<String> = grouped.split(g).map(str::to_string).collect();
        let i = 1 + at.index(groups.len() - 1);
        match how {
            0 => { groups[i].pop(); }
            1 => groups[i].push('7'),
            2 => groups[0] = format!("{:0>4}", groups[0]).replacen('0', "1", 1),
            _ => groups[0] = format!("0{}", &groups[0][..groups[0].len().min(2)]),
        }
        let mut s = groups.join(&g.to_string());
        if !n.frac.is_empty() {
            s = format!("{s}{d}{}", n.frac);
        }
        let got = dec(&s, locale);
        let e = match got {
            Err(e) => e,
            Ok(v) => return Err(TestCaseError::fail(format!("{s:?} {locale:?} read as {v}"))),
        };
        prop_assert!(e.contains("separates groups of three digits"), "{s:?}: {e}");
        let other = if it { Locale::En } else { Locale::It };
        if e.contains(&format!("use decimal(x, \"{}\")", locale_name(other))) {
            prop_assert!(dec(&s, other).is_ok(), "{s:?}: {e}");
        } else {
            let digits: String = s.split(d).next().unwrap_or("").chars().filter(|&c| c != g).collect();
            let digits = digits.trim_start_matches('0');
            let digits = if digits.is_empty() { "0" } else { digits };
            let reading = if n.frac.is_empty() {
                digits.to_string()
            } else {
                format!("{digits}{d}{}", n.frac)
            };
            prop_assert!(e.ends_with(&format!("the closest valid reading is {reading}")), "{s:?}: {e}");
        }
        // With two separators or more, `auto` cannot take it for a decimal either.
        if separators(&s).len() >= 2 {
            prop_assert!(dec(&s, Locale::Auto).is_err(), "{s:?} auto");
        }
    }

    /// The allocation-free fast path never disagrees with the full grammar.
    #[test]
    fn fast_path_agrees(s in "[-0-9.,]{0,12}", l in 0u8..3) {
        let locale = [Locale::Auto, Locale::It, Locale::En][usize::from(l)];
        if let Some(x) = fast_float(&s, locale) {
            let full = parse_number(&s, locale).ok().flatten().map(|p| p.to_f64());
            prop_assert_eq!(full, Some(Some(x)), "{:?} {:?}", s, locale);
        }
    }

    /// No text makes the readers panic, and what they accept is a finite number.
    #[test]
    fn any_text_is_read_or_rejected(s in "\\PC{0,16}") {
        for l in ["auto", "it", "en"] {
            if let Ok(v) = call_reads(decimal, vec![json!(s), json!(l)]) {
                prop_assert!(v.is_null() || v.as_f64().is_some_and(f64::is_finite));
            }
        }
        let _ = call_reads(int, vec![json!(s)]);
    }
}

/// A decimal `units / 10^scale`, as its text and as the float that text is.
#[derive(Debug, Clone, Copy)]
struct Dec {
    units: i128,
    scale: u32,
}

impl Dec {
    fn text(self) -> String {
        text(self.units, self.scale)
    }
    fn f(self) -> f64 {
        self.text().parse().unwrap_or(f64::NAN)
    }
    /// The units at a larger scale.
    fn at(self, scale: u32) -> i128 {
        self.units * 10i128.pow(scale - self.scale)
    }
}

/// `units / 10^scale` written out.
fn text(units: i128, scale: u32) -> String {
    let sign = if units < 0 { "-" } else { "" };
    let digits = format!(
        "{:0>width$}",
        units.unsigned_abs(),
        width = scale as usize + 1
    );
    let (int, frac) = digits.split_at(digits.len() - scale as usize);
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

fn model(units: i128, scale: u32) -> f64 {
    let x: f64 = text(units, scale).parse().unwrap_or(f64::NAN);
    if x == 0.0 { 0.0 } else { x }
}

fn dec_num(max_units: i128, max_scale: u32) -> impl Strategy<Value = Dec> {
    (-max_units..max_units, 0..=max_scale).prop_map(|(units, scale)| Dec { units, scale })
}

fn no_neg_zero(x: f64) -> bool {
    x != 0.0 || x.is_sign_positive()
}

proptest! {
    #![proptest_config(config())]

    /// `+ - *` on decimals of up to 12 digits are exact (then rounded once to a float).
    #[test]
    fn add_sub_mul_are_exact(a in dec_num(1_000_000_000_000, 6), b in dec_num(1_000_000_000_000, 6)) {
        let s = a.scale.max(b.scale);
        let add = model(a.at(s) + b.at(s), s);
        let sub = model(a.at(s) - b.at(s), s);
        let mul = model(a.units * b.units, a.scale + b.scale);
        for (op, want) in [(BinOp::Add, add), (BinOp::Sub, sub), (BinOp::Mul, mul)] {
            let got = arith(op, a.f(), b.f());
            prop_assert!(got.is_some_and(|x| x == want && no_neg_zero(x)), "{} {:?} {}: {:?}, want {}", a.text(), op, b.text(), got, want);
        }
    }

    /// `/` undoes an exact `*`, and `%` is the remainder of the decimals (sign of the dividend).
    #[test]
    fn div_rem_are_exact(a in dec_num(1_000_000, 3), b in dec_num(1_000_000, 3)) {
        prop_assume!(b.units != 0);
        let product = Dec { units: a.units * b.units, scale: a.scale + b.scale };
        let got = arith(BinOp::Div, product.f(), b.f());
        prop_assert!(got.is_some_and(|x| x == model(a.units, a.scale) && no_neg_zero(x)), "{} / {}: {:?}", product.text(), b.text(), got);
        let s = a.scale.max(b.scale);
        let want = model(a.at(s) % b.at(s), s);
        let got = arith(BinOp::Rem, a.f(), b.f());
        prop_assert!(got.is_some_and(|x| x == want && no_neg_zero(x)), "{} % {}: {:?}, want {}", a.text(), b.text(), got, want);
    }

    /// `sum` of floats is the exact sum of their decimals.
    #[test]
    fn sum_is_exact(xs in prop::collection::vec(dec_num(1_000_000_000, 4), 1..8)) {
        let s = xs.iter().map(|d| d.scale).max().unwrap_or(0);
        let total: i128 = xs.iter().map(|d| d.at(s)).sum();
        let list: Vec<Value> = xs.iter().map(|d| json!(d.f())).collect();
        let got = call_reads(sum, vec![Value::Array(list)]);
        // A list of integral floats is still a float sum.
        prop_assert!(got.as_ref().is_ok_and(|v| same(v, model(total, s))), "{xs:?}: {got:?}");
    }

    /// `round(x, d)` rounds the decimal half away from zero.
    #[test]
    fn round_is_exact(x in dec_num(10_000_000_000_000, 8), d in 1u32..=6) {
        let want = if d >= x.scale {
            model(x.units, x.scale)
        } else {
            let p = 10i128.pow(x.scale - d);
            let (q, r) = (x.units.abs() / p, x.units.abs() % p);
            let q = if 2 * r >= p { q + 1 } else { q };
            model(x.units.signum() * q, d)
        };
        let got = call_reads(round, vec![json!(x.f()), json!(d)]);
        prop_assert!(got.as_ref().is_ok_and(|v| same(v, want)), "round({}, {d}): {got:?}, want {want}", x.text());
    }
}

/// The reading of a string before the integer fast path ([`exact_float`]): the text fast path,
/// then the full grammar; the test oracle of `to_float` for strings.
fn before(s: &str, locale: Locale) -> Option<Result<Option<f64>, String>> {
    let v = json!(s);
    let old = match fast_float(s, locale) {
        Some(x) => Ok(Some(x)),
        None => match parse_number(s, locale) {
            Ok(None) => Ok(None),
            Ok(Some(p)) => p.to_f64().map(Some).ok_or_else(|| "too large".to_string()),
            Err(why) => Err(super::decimal::cannot_read("decimal", s, &why)),
        },
    };
    let new = to_float("decimal", &v, locale).map_err(|e| {
        if e.ends_with("is too large for a number") {
            "too large".to_string()
        } else {
            e
        }
    });
    (new != old).then_some(old)
}

/// A digit string of `n` digits, weighted toward the digits of halfway and boundary cases.
fn tricky_digits(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![4 => 0u8..10, 1 => Just(0u8), 1 => Just(9u8), 1 => Just(5u8)],
        n,
    )
    .prop_map(|v| v.into_iter().map(|d| char::from(b'0' + d)).collect())
}

proptest! {
    #![proptest_config(config())]

    /// The integer fast path never disagrees with the full grammar, on any mix of digits and
    /// separators (long ones too, beyond 2^53 and 22 decimals).
    #[test]
    fn exact_path_agrees(
        s in prop_oneof!["-?[0-9.,]{0,30}", "-?((0|[0-9]{1,4})[.,]){0,5}[0-9]{0,4}[.,]?[0-9]{0,24}"],
        l in 0u8..3,
    ) {
        let locale = [Locale::Auto, Locale::It, Locale::En][usize::from(l)];
        if let Some(x) = exact_float(&s, locale) {
            let full = parse_number(&s, locale).ok().flatten().map(|p| p.to_f64());
            prop_assert_eq!(full, Some(Some(x)), "{:?} {:?}", s, locale);
            prop_assert!(x != 0.0 || x.is_sign_positive());
        }
        prop_assert_eq!(before(&s, locale), None, "{:?} {:?}", s, locale);
    }

    /// Numbers of up to 17 significant digits and 22 decimals (halfway cases between floats
    /// among them), grouped or not, in each locale: the correctly rounded float, as the
    /// standard library's parse gives it, and as before.
    #[test]
    fn exact_path_is_correctly_rounded(
        neg in any::<bool>(),
        int in tricky_digits(0..=17),
        frac in tricky_digits(0..=23),
        group in any::<bool>(),
        l in 0u8..3,
    ) {
        let int = int.trim_start_matches('0').to_string();
        prop_assume!(!int.is_empty() || !frac.is_empty());
        let locale = [Locale::Auto, Locale::It, Locale::En][usize::from(l)];
        let n = Num {
            negative: neg,
            int: if int.is_empty() { "0".into() } else { int },
            frac,
        };
        let written = if locale == Locale::Auto { Locale::It } else { locale };
        let s = format!("{}{}", if neg { "-" } else { "" }, body(&n, written, group));
        if let Some(x) = exact_float(&s, locale) {
            if locale != Locale::Auto {
                prop_assert_eq!(x, n.value(), "{:?}", s);
            }
            let full = parse_number(&s, locale).ok().flatten().map(|p| p.to_f64());
            prop_assert_eq!(full, Some(Some(x)), "{:?} {:?}", s, locale);
        }
        prop_assert_eq!(before(&s, locale), None, "{:?} {:?}", s, locale);
    }

    /// Any text (signs, spaces, currencies, exponents, letters): `to_float` reads it as it did
    /// before the integer fast path, or fails with the same message.
    #[test]
    fn to_float_is_unchanged(
        s in prop_oneof![
            "\\PC{0,16}",
            "[ +-]{0,2}(€|EUR|\\$)? ?[+-]?[0-9]{0,20}([.,][0-9]{0,24}){0,3}(e[+-]?[0-9]{1,3})? ?(€|EUR)?",
        ],
        l in 0u8..3,
    ) {
        let locale = [Locale::Auto, Locale::It, Locale::En][usize::from(l)];
        prop_assert_eq!(before(&s, locale), None, "{:?} {:?}", s, locale);
    }
}
