//! Number functions: reading decimal numbers written the Italian or English way, rounding, and
//! aggregates over lists.

mod decimal;
mod exact;
#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use crate::value::{Number, Ty, Value};

use self::decimal::{Locale, cannot_read, locale_arg, no_negative_zero, parse_number, to_float};
use super::{Example, Function, Imp, Param, kind, show};

pub use self::exact::arith;

/// A float result as a JSON value, `-0.0` as `0.0` (see [`super::float`]).
fn float(x: f64) -> Result<Value, String> {
    super::float(no_negative_zero(x))
}

/// The argument type of the aggregates: numbers, lists of numbers, null.
const NUM_OR_LIST: Ty = Ty::NUMBER.or(Ty::LIST).or(Ty::NULL);

/// The number functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "decimal",
        summary: "Reads a number written as text (\"1.234,56\", \"49.90 EUR\", \"€ 12,50\") as a float. Only a well-formed number is read: an optional sign, an optional currency (a symbol or a three-letter code, before or after the digits), digits grouped by the grouping separator in groups of exactly three (the first one 1 to 3 digits, not starting with 0), at most one decimal separator with digits after it. Locale \"it\": `.` groups, `,` is the decimal comma; \"en\": `,` groups, `.` is the decimal point; \"auto\" (the default): the string's separators choose: with both, the last one is the decimal separator; a single `,` or `.` is the decimal separator (so `1.234` and `1,234` are 1.234: use \"it\" for Italian numbers without decimals, \"en\" for English ones, as in WooCommerce and Shopify exports); one repeated groups. Anything else is an error that says what is wrong and, when there is one, the closest valid reading or the locale that reads it. `-0` gives 0.0; an empty string gives null. `int` and `float` read text with the same grammar (locale \"auto\").",
        params: &[
            Param::req("v", Ty::NUMBER.or(Ty::STRING).nullable()),
            Param::opt("locale", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::FLOAT.nullable(),
        examples: &[
            Example {
                title: "Italian format",
                source: r#"decimal("1.234,56")"#,
                result: Ok("1234.56"),
            },
            Example {
                title: "with a currency",
                source: r#"decimal("49.90 EUR")"#,
                result: Ok("49.9"),
            },
            Example {
                title: "many decimals",
                source: r#"decimal("18,000000")"#,
                result: Ok("18.0"),
            },
            Example {
                title: "explicit locale",
                source: r#"decimal("1.234", "it")"#,
                result: Ok("1234.0"),
            },
            Example {
                title: "English grouping, auto",
                source: r#"decimal("1,234.50")"#,
                result: Ok("1234.5"),
            },
            Example {
                title: "English grouping and a currency, auto",
                source: r#"decimal("$12,345,678.90")"#,
                result: Ok("12345678.9"),
            },
            Example {
                title: "a single `,` is a decimal comma in auto",
                source: r#"decimal("1,234")"#,
                result: Ok("1.234"),
            },
            Example {
                title: "English numbers without decimals",
                source: r#"decimal("1,234", "en")"#,
                result: Ok("1234.0"),
            },
            Example {
                title: "currency code before, sign",
                source: r#"decimal("EUR -1.234.567,8")"#,
                result: Ok("-1234567.8"),
            },
            Example {
                title: "minus zero",
                source: r#"decimal("-0,00")"#,
                result: Ok("0.0"),
            },
            Example {
                title: "groups not of three",
                source: r#"decimal("1.2.3,4")"#,
                result: Err(
                    r#"decimal: cannot read "1.2.3,4" as a number: "." separates groups of three digits (as in 1.234.567,89), but "2" has 1 digit; the closest valid reading is 123,4"#,
                ),
            },
            Example {
                title: "the other locale",
                source: r#"decimal("1.234,56", "en")"#,
                result: Err(r#"as an Italian number it is 1234.56: use decimal(x, "it")"#),
            },
            Example {
                title: "the other locale, English",
                source: r#"decimal("1,234.50", "it")"#,
                result: Err(r#"as an English number it is 1234.50: use decimal(x, "en")"#),
            },
            Example {
                title: "not a number",
                source: r#"decimal("abc")"#,
                result: Err(r#"decimal: cannot read "abc" as a number"#),
            },
        ],
        imp: Imp::Reads(decimal),
        check_const: Some(check_decimal),
        foldable: true,
    },
    Function {
        name: "int",
        summary: "Converts a number or numeric string (read like `decimal` with locale \"auto\", the same grammar) to an integer, dropping the fractional part; an empty string gives null.",
        params: &[Param::req("v", Ty::NUMBER.or(Ty::STRING).nullable())],
        variadic: false,
        returns: Ty::INT.nullable(),
        examples: &[
            Example {
                title: "a string",
                source: r#"int("1.234")"#,
                result: Ok("1"),
            },
            Example {
                title: "Italian thousands",
                source: r#"int("1.234.567")"#,
                result: Ok("1234567"),
            },
            Example {
                title: "toward zero",
                source: "int(-7.9)",
                result: Ok("-7"),
            },
            Example {
                title: "empty string",
                source: r#"int("")"#,
                result: Ok("null"),
            },
            Example {
                title: "a bool",
                source: "int(true)",
                result: Err(
                    "argument `v` of `int` must be number or string or null, but this is bool",
                ),
            },
        ],
        imp: Imp::Reads(int),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "float",
        summary: "Converts a number or numeric string (read like `decimal` with locale \"auto\", the same grammar) to a float; `-0` gives 0.0; an empty string gives null.",
        params: &[Param::req("v", Ty::NUMBER.or(Ty::STRING).nullable())],
        variadic: false,
        returns: Ty::FLOAT.nullable(),
        examples: &[
            Example {
                title: "an int",
                source: "float(18)",
                result: Ok("18.0"),
            },
            Example {
                title: "a string",
                source: r#"float("12,5")"#,
                result: Ok("12.5"),
            },
            Example {
                title: "null flows through",
                source: "float(null)",
                result: Ok("null"),
            },
            Example {
                title: "not a number",
                source: r#"float("n/a")"#,
                result: Err(r#"float: cannot read "n/a" as a number"#),
            },
            Example {
                title: "a malformed grouping",
                source: r#"float("12,34,5")"#,
                result: Err(r#"but "34" has 2 digits; the closest valid reading is 12345"#),
            },
        ],
        imp: Imp::Reads(float_fn),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "round",
        summary: "Rounds half away from zero, on the decimal the number is written as (`1.005` is 1.005, not the binary float just below it): to an int (digits 0, the default), to a float with `digits` decimals, or (negative digits) to tens, hundreds... as an int. Never gives -0.0.",
        params: &[
            Param::req("x", Ty::NUMBER.nullable()),
            Param::opt("digits", Ty::INT),
        ],
        variadic: false,
        returns: Ty::NUMBER.nullable(),
        examples: &[
            Example {
                title: "to an int",
                source: "round(2.5)",
                result: Ok("3"),
            },
            Example {
                title: "two decimals",
                source: "round(1.005, 2)",
                result: Ok("1.01"),
            },
            Example {
                title: "negative",
                source: "round(-2.345, 1)",
                result: Ok("-2.3"),
            },
            Example {
                title: "to hundreds",
                source: "round(1249.9, -2)",
                result: Ok("1200"),
            },
            Example {
                title: "no minus zero",
                source: "round(-0.04, 1)",
                result: Ok("0.0"),
            },
            Example {
                title: "a string",
                source: r#"round("2.5")"#,
                result: Err("argument `x` of `round` must be number or null, but this is string"),
            },
        ],
        imp: Imp::Reads(round),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "abs",
        summary: "The absolute value (an int stays an int).",
        params: &[Param::req("x", Ty::NUMBER.nullable())],
        variadic: false,
        returns: Ty::NUMBER.nullable(),
        examples: &[
            Example {
                title: "an int",
                source: "abs(-3)",
                result: Ok("3"),
            },
            Example {
                title: "a float",
                source: "abs(-2.5)",
                result: Ok("2.5"),
            },
            Example {
                title: "null flows through",
                source: "abs(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Pure(abs),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "floor",
        summary: "The largest integer not greater than x, as an int.",
        params: &[Param::req("x", Ty::NUMBER.nullable())],
        variadic: false,
        returns: Ty::INT.nullable(),
        examples: &[
            Example {
                title: "positive",
                source: "floor(2.7)",
                result: Ok("2"),
            },
            Example {
                title: "negative",
                source: "floor(-2.1)",
                result: Ok("-3"),
            },
            Example {
                title: "null flows through",
                source: "floor(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Reads(floor),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "ceil",
        summary: "The smallest integer not less than x, as an int.",
        params: &[Param::req("x", Ty::NUMBER.nullable())],
        variadic: false,
        returns: Ty::INT.nullable(),
        examples: &[
            Example {
                title: "positive",
                source: "ceil(2.1)",
                result: Ok("3"),
            },
            Example {
                title: "negative",
                source: "ceil(-2.7)",
                result: Ok("-2"),
            },
            Example {
                title: "a string",
                source: r#"ceil("2,1")"#,
                result: Err("argument `x` of `ceil` must be number or null, but this is string"),
            },
        ],
        imp: Imp::Reads(ceil),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "min",
        summary: "The smallest of the numbers given (lists are flattened one level, nulls ignored); null when there are none.",
        params: &[Param::req("x", NUM_OR_LIST)],
        variadic: true,
        returns: Ty::NUMBER.nullable(),
        examples: &[
            Example {
                title: "arguments",
                source: "min(3, 1, 2)",
                result: Ok("1"),
            },
            Example {
                title: "a list and a float",
                source: "min([3, null, 2], 2.5)",
                result: Ok("2.0"),
            },
            Example {
                title: "nothing",
                source: "min([], null)",
                result: Ok("null"),
            },
            Example {
                title: "a string",
                source: r#"min(["1,5"])"#,
                result: Err("use decimal(x) first"),
            },
        ],
        imp: Imp::Reads(min),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "max",
        summary: "The largest of the numbers given (lists are flattened one level, nulls ignored); null when there are none.",
        params: &[Param::req("x", NUM_OR_LIST)],
        variadic: true,
        returns: Ty::NUMBER.nullable(),
        examples: &[
            Example {
                title: "arguments",
                source: "max(3, 1, 2)",
                result: Ok("3"),
            },
            Example {
                title: "a list",
                source: "max([1.5, null, 2.25])",
                result: Ok("2.25"),
            },
            Example {
                title: "nothing",
                source: "max(null)",
                result: Ok("null"),
            },
        ],
        imp: Imp::Reads(max),
        check_const: None,
        foldable: true,
    },
    Function {
        name: "sum",
        summary: "The sum of the numbers given (lists are flattened one level, nulls ignored); 0 when there are none. Ints add exactly; with a float, the numbers are added as the decimals they are written as, so no binary noise shows (`0.1 + 0.2` is 0.3).",
        params: &[Param::req("x", NUM_OR_LIST)],
        variadic: true,
        returns: Ty::NUMBER,
        examples: &[
            Example {
                title: "ints",
                source: "sum([1, 2], 3)",
                result: Ok("6"),
            },
            Example {
                title: "with a float",
                source: "sum([1, null, 2.5])",
                result: Ok("3.5"),
            },
            Example {
                title: "no binary noise",
                source: "sum([0.1, 0.2])",
                result: Ok("0.3"),
            },
            Example {
                title: "nothing",
                source: "sum([])",
                result: Ok("0"),
            },
            Example {
                title: "a string",
                source: r#"sum(["4"])"#,
                result: Err("use decimal(x) first"),
            },
        ],
        imp: Imp::Reads(sum),
        check_const: None,
        foldable: true,
    },
];

/// Rejects an unknown constant `locale` before any record is read.
fn check_decimal(args: &[Option<&Value>]) -> Result<(), String> {
    if let Some(Some(v)) = args.get(1) {
        locale_arg("decimal", Some(v))?;
    }
    Ok(())
}

/// Reads a number or a numeric string as a float, with the grammar of `decimal.rs` in the
/// locale given (default `"auto"`); `-0` gives `0.0`.
fn decimal(args: &[&Value]) -> Result<Value, String> {
    let locale = locale_arg("decimal", args.get(1).copied())?;
    match to_float("decimal", args[0], locale)? {
        None => Ok(Value::Null),
        Some(f) => float(f),
    }
}

fn float_fn(args: &[&Value]) -> Result<Value, String> {
    match to_float("float", args[0], Locale::Auto)? {
        None => Ok(Value::Null),
        Some(f) => float(f),
    }
}

/// An integral-valued float as an int; an error when it does not fit in an i64.
fn int_of_f64(f: &str, x: f64) -> Result<Value, String> {
    // i64::MAX as f64 rounds up to 2^63, so the upper bound is exclusive.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    if (-LIMIT..LIMIT).contains(&x) {
        Ok(Value::from(x as i64))
    } else {
        Err(format!("{f}: {x} is too large for an int"))
    }
}

fn int(args: &[&Value]) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Value::Number(n.clone())),
        Value::Number(n) => int_of_f64("int", n.as_f64().unwrap_or(f64::NAN).trunc()),
        Value::String(s) => match parse_number(s, Locale::Auto) {
            Ok(None) => Ok(Value::Null),
            Ok(Some(p)) => p
                .to_i64()
                .map(Value::from)
                .ok_or_else(|| format!("int: {} is too large for an int", show(args[0]))),
            Err(why) => Err(cannot_read("int", s, &why)),
        },
        other => Err(format!(
            "int: cannot convert {} {} to an int (expected a number or a numeric string; use if/else for bools){}",
            kind(other),
            show(other),
            super::element_text(other)
        )),
    }
}

// ---- arithmetic ----

/// A numeric argument: exact integer or float.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn f(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(x) => x,
        }
    }
    fn to_value(self) -> Result<Value, String> {
        match self {
            Num::Int(i) => {
                if let Ok(v) = i64::try_from(i) {
                    Ok(Value::from(v))
                } else if let Ok(v) = u64::try_from(i) {
                    Ok(Value::from(v))
                } else {
                    float(i as f64)
                }
            }
            Num::Float(x) => float(x),
        }
    }
}

/// A JSON number as a [`Num`]: ints (signed or unsigned) exactly.
fn num_of(n: &Number) -> Num {
    if let Some(i) = n.as_i64() {
        Num::Int(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Num::Int(i128::from(u))
    } else {
        Num::Float(n.as_f64().unwrap_or(f64::NAN))
    }
}

/// The error for a non-number argument of `f` (with a hint to `decimal` for strings).
fn not_a_number(f: &str, v: &Value) -> String {
    match v {
        Value::String(_) => format!(
            "{f}: {} is a string, not a number (use decimal(x) first to read it)",
            show(v)
        ),
        _ => format!("{f}: expected a number, got {} {}", kind(v), show(v)),
    }
}

/// The number argument of a one-number function; None for null.
fn one_num(f: &str, v: &Value) -> Result<Option<Num>, String> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(Some(num_of(n))),
        other => Err(not_a_number(f, other)),
    }
}

/// Rounds the decimal representation of `x` to `digits` decimals, half away from zero
/// (`1.005` -> `1.01`, as written rather than as stored in binary).
fn round_decimal(x: f64, digits: u32) -> f64 {
    let text = format!("{}", x.abs());
    let Some((int, frac)) = text.split_once('.') else {
        return x;
    };
    let d = digits as usize;
    if frac.len() <= d {
        return x;
    }
    let mut kept: Vec<u8> = int.bytes().chain(frac.bytes().take(d)).collect();
    if frac.as_bytes()[d] >= b'5' {
        // add one unit in the last kept place, with carry
        let mut i = kept.len();
        loop {
            if i == 0 {
                kept.insert(0, b'1');
                break;
            }
            i -= 1;
            if kept[i] == b'9' {
                kept[i] = b'0';
            } else {
                kept[i] += 1;
                break;
            }
        }
    }
    let split = kept.len() - d;
    let s = format!(
        "{}.{}",
        String::from_utf8_lossy(&kept[..split]),
        String::from_utf8_lossy(&kept[split..])
    );
    let r: f64 = s.parse().unwrap_or(x.abs());
    if x < 0.0 { -r } else { r }
}

fn round(args: &[&Value]) -> Result<Value, String> {
    let Some(x) = one_num("round", args[0])? else {
        return Ok(Value::Null);
    };
    let digits = match args.get(1) {
        None | Some(Value::Null) => 0,
        Some(v) => v.as_i64().ok_or_else(|| {
            format!(
                "round: digits must be a whole number (e.g. 2), got {}",
                show(v)
            )
        })?,
    };
    match x {
        Num::Int(i) if digits >= 0 => {
            if digits == 0 {
                Num::Int(i).to_value()
            } else {
                float(i as f64)
            }
        }
        Num::Int(i) => {
            // round to tens, hundreds...
            let p = 10i128.checked_pow(u32::try_from(-digits).unwrap_or(u32::MAX));
            match p {
                Some(p) => {
                    let q = i.abs() / p;
                    let r = i.abs() % p;
                    let q = if r * 2 >= p { q + 1 } else { q };
                    Num::Int(i.signum() * q * p).to_value()
                }
                None => Ok(Value::from(0)),
            }
        }
        Num::Float(x) if digits == 0 => int_of_f64("round", x.round()),
        Num::Float(x) if digits > 0 => {
            float(round_decimal(x, u32::try_from(digits).unwrap_or(u32::MAX)))
        }
        Num::Float(x) => int_of_f64(
            "round",
            exact::round_to_tens(x, u32::try_from(-digits).unwrap_or(u32::MAX)),
        ),
    }
}

fn abs(args: &mut [Value]) -> Result<Value, String> {
    match one_num("abs", &args[0])? {
        None => Ok(Value::Null),
        Some(Num::Int(i)) => Num::Int(i.abs()).to_value(),
        Some(Num::Float(x)) => float(x.abs()),
    }
}

fn floor(args: &[&Value]) -> Result<Value, String> {
    match one_num("floor", args[0])? {
        None => Ok(Value::Null),
        Some(Num::Int(i)) => Num::Int(i).to_value(),
        Some(Num::Float(x)) => int_of_f64("floor", x.floor()),
    }
}

fn ceil(args: &[&Value]) -> Result<Value, String> {
    match one_num("ceil", args[0])? {
        None => Ok(Value::Null),
        Some(Num::Int(i)) => Num::Int(i).to_value(),
        Some(Num::Float(x)) => int_of_f64("ceil", x.ceil()),
    }
}

/// The numbers of the arguments, lists flattened one level, nulls skipped.
fn collect_nums(f: &str, args: &[&Value]) -> Result<Vec<Num>, String> {
    let count = |a: &&Value| match a {
        Value::Array(items) => items.len(),
        _ => 1,
    };
    let mut out = Vec::with_capacity(args.iter().map(count).sum());
    let mut push = |v: &Value, nested: bool| -> Result<(), String> {
        match v {
            Value::Null => Ok(()),
            Value::Number(n) => {
                out.push(num_of(n));
                Ok(())
            }
            Value::Array(_) if nested => Err(format!(
                "{f}: a list inside a list: {} (use flatten(...) first)",
                show(v)
            )),
            other => Err(not_a_number(f, other)),
        }
    };
    for a in args {
        match a {
            Value::Array(items) => {
                for item in items {
                    push(item, true)?;
                }
            }
            other => push(other, false)?,
        }
    }
    Ok(out)
}

/// The smallest (`want` = Less) or largest (Greater) number: an int when all are ints.
fn extreme(f: &str, args: &[&Value], want: std::cmp::Ordering) -> Result<Value, String> {
    let nums = collect_nums(f, args)?;
    let Some(&first) = nums.first() else {
        return Ok(Value::Null);
    };
    if nums.iter().all(|n| matches!(n, Num::Int(_))) {
        let mut best = first;
        for &n in &nums[1..] {
            if let (Num::Int(a), Num::Int(b)) = (n, best)
                && a.cmp(&b) == want
            {
                best = n;
            }
        }
        return best.to_value();
    }
    let mut best = first.f();
    for n in &nums[1..] {
        let x = n.f();
        if x.total_cmp(&best) == want {
            best = x;
        }
    }
    float(best)
}

fn min(args: &[&Value]) -> Result<Value, String> {
    extreme("min", args, std::cmp::Ordering::Less)
}

fn max(args: &[&Value]) -> Result<Value, String> {
    extreme("max", args, std::cmp::Ordering::Greater)
}

fn sum(args: &[&Value]) -> Result<Value, String> {
    let nums = collect_nums("sum", args)?;
    let ints = nums.iter().try_fold(0i128, |total, n| match n {
        Num::Int(i) => total.checked_add(*i),
        Num::Float(_) => None,
    });
    if let Some(total) = ints {
        return Num::Int(total).to_value();
    }
    let xs: Vec<f64> = nums.iter().map(|n| n.f()).collect();
    float(exact::sum(&xs))
}
