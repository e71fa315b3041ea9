//! Date functions: local date strings to unix seconds and back, in a named time zone.

use std::fmt::Write as _;

use crate::value::{Ty, Value};
use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use super::{Example, Function, Imp, Param, kind, show};

/// The time zone used when none is given.
pub const DEFAULT_TZ: Tz = chrono_tz::Europe::Rome;

/// The name of the function giving the run's time: the checker replaces each call by the
/// time it is given (the `now` of its options).
pub const NOW: &str = "now";

/// The date functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[
    Function {
        name: "date",
        summary: "Reads a local date/time string as unix seconds (int), with a strftime `format` (default: ISO dates and times, with an offset or not, RFC 3339 and RFC 2822) in time zone `tz` (default \"Europe/Rome\"); ints are returned as they are.",
        params: &[
            Param::req("s", Ty::STRING.or(Ty::NUMBER).nullable()),
            Param::opt("format", Ty::STRING),
            Param::opt("tz", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::INT.nullable(),
        examples: &[
            Example {
                title: "Italian date, midnight in Rome",
                source: r#"date("31/12/2024", "%d/%m/%Y")"#,
                result: Ok("1735599600"),
            },
            Example {
                title: "ISO date and time",
                source: r#"date("2024-07-01 18:30")"#,
                result: Ok("1719851400"),
            },
            Example {
                title: "RFC 3339 keeps its offset",
                source: r#"date("2024-07-01T18:30:00Z")"#,
                result: Ok("1719858600"),
            },
            Example {
                title: "an offset after a space (Shopify's exports)",
                source: r#"date("2024-07-01 20:30:00 +0200")"#,
                result: Ok("1719858600"),
            },
            Example {
                title: "an RSS feed's date (RFC 2822)",
                source: r#"date("Mon, 01 Jul 2024 18:30:00 GMT")"#,
                result: Ok("1719858600"),
            },
            Example {
                title: "a zone's name read with %Z: GMT and UTC only",
                source: r#"date("01/07/2024 18:30 UTC", "%d/%m/%Y %H:%M %Z")"#,
                result: Ok("1719858600"),
            },
            Example {
                title: "another time zone",
                source: r#"date("01/07/2024 18:30", "%d/%m/%Y %H:%M", "UTC")"#,
                result: Ok("1719858600"),
            },
            Example {
                title: "wrong layout",
                source: r#"date("2024-12-31", "%d/%m/%Y")"#,
                result: Err(r#"date: cannot read "2024-12-31" with format "%d/%m/%Y""#),
            },
        ],
        imp: Imp::Reads(date),
        check_const: Some(check_date),
        foldable: true,
    },
    Function {
        name: "format_date",
        summary: "Writes unix seconds as a local date/time string with a strftime `format`, in time zone `tz` (default \"Europe/Rome\").",
        params: &[
            Param::req("unix", Ty::NUMBER.nullable()),
            Param::req("format", Ty::STRING),
            Param::opt("tz", Ty::STRING),
        ],
        variadic: false,
        returns: Ty::STRING.nullable(),
        examples: &[
            Example {
                title: "Italian date",
                source: r#"format_date(1735599600, "%d/%m/%Y")"#,
                result: Ok(r#""31/12/2024""#),
            },
            Example {
                title: "ISO in UTC",
                source: r#"format_date(1719858600, "%Y-%m-%dT%H:%M:%SZ", "UTC")"#,
                result: Ok(r#""2024-07-01T18:30:00Z""#),
            },
            Example {
                title: "null flows through",
                source: r#"format_date(null, "%Y")"#,
                result: Ok("null"),
            },
            Example {
                title: "a string",
                source: r#"format_date("2024-12-31", "%Y")"#,
                result: Err(
                    "argument `unix` of `format_date` must be number or null, but this is string",
                ),
            },
        ],
        imp: Imp::Reads(format_date),
        check_const: Some(check_format_date),
        foldable: true,
    },
    Function {
        name: NOW,
        summary: "The run's time, as unix seconds (int): one value for the whole run, the same in every record (so it is a constant, computed when the mapping is checked). `--now TIME` (RFC 3339 or unix seconds) sets it, else `SOURCE_DATE_EPOCH` when set, else the clock; `clerkmap test` runs each case at its `now:`, else at 2025-01-01T00:00:00Z.",
        params: &[],
        variadic: false,
        returns: Ty::INT,
        examples: &[
            Example {
                title: "a time",
                source: "now() > 1700000000",
                result: Ok("true"),
            },
            Example {
                title: "thirty days ago",
                source: "now() - 30 * 86400 < now()",
                result: Ok("true"),
            },
        ],
        imp: Imp::Pure(now),
        check_const: None,
        foldable: true,
    },
];

// ---- arguments ----

/// The time zone argument (default [`DEFAULT_TZ`]).
fn tz_arg(f: &str, v: Option<&Value>) -> Result<Tz, String> {
    match v {
        None | Some(Value::Null) => Ok(DEFAULT_TZ),
        Some(Value::String(name)) => name.parse::<Tz>().map_err(|_| {
            format!(
                "{f}: unknown time zone {} (use an IANA name such as \"Europe/Rome\" or \"UTC\")",
                show(&Value::String(name.clone()))
            )
        }),
        Some(other) => Err(format!(
            "{f}: the time zone must be a string such as \"Europe/Rome\", got {} {}",
            kind(other),
            show(other)
        )),
    }
}

/// The strftime items of a format, or an error pointing at the bad specifier.
fn format_items<'a>(f: &str, format: &'a str) -> Result<Vec<Item<'a>>, String> {
    let items: Vec<Item<'a>> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(format!(
            "{f}: invalid date format {} (use strftime specifiers such as %d/%m/%Y %H:%M; write %% for a literal %)",
            show(&Value::String(format.to_string().into()))
        ));
    }
    Ok(items)
}

/// The format argument: Ok(None) when absent or null.
fn format_arg<'a>(f: &str, v: Option<&'a Value>) -> Result<Option<&'a str>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => {
            format_items(f, s)?;
            Ok(Some(s))
        }
        Some(other) => Err(format!(
            "{f}: the format must be a string such as \"%d/%m/%Y\", got {} {}",
            kind(other),
            show(other)
        )),
    }
}

/// Checks a constant format (argument 2) and time zone (argument 3) of function `f`.
fn check_format_and_tz(f: &str, args: &[Option<&Value>]) -> Result<(), String> {
    if let Some(Some(v)) = args.get(1) {
        format_arg(f, Some(v))?;
    }
    if let Some(Some(v)) = args.get(2) {
        tz_arg(f, Some(v))?;
    }
    Ok(())
}

fn check_date(args: &[Option<&Value>]) -> Result<(), String> {
    check_format_and_tz("date", args)
}

fn check_format_date(args: &[Option<&Value>]) -> Result<(), String> {
    if let Some(Some(Value::Null)) = args.get(1) {
        return Err("format_date: the format is missing (give one such as \"%d/%m/%Y\")".into());
    }
    check_format_and_tz("format_date", args)
}

// ---- date ----

/// Unix seconds of a local date-time in `tz`: the earlier instant when the time occurs twice
/// (clocks going back), an error when it does not occur (clocks jumping forward).
fn local_to_unix(f: &str, naive: NaiveDateTime, tz: Tz) -> Result<i64, String> {
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|dt| dt.timestamp())
        .ok_or_else(|| {
            format!(
                "{f}: {} does not exist in {} (the clocks jump forward then); check the time or the time zone",
                naive.format("%Y-%m-%d %H:%M:%S"),
                tz.name()
            )
        })
}

/// Parses `s` with an explicit strftime format. A format without a time part means midnight;
/// a format with an offset (`%z`) or a timestamp (`%s`) gives an absolute instant.
fn parse_with_format(s: &str, format: &str, tz: Tz) -> Result<i64, String> {
    // chrono reads `%Z` by skipping the name, which then said nothing of the instant: "14:22
    // GMT" was read as 14:22 in `tz`. GMT and UTC are read as the offset they are; another
    // name (EST, CET: ambiguous in the world) is an error that says how to read it.
    if format.contains("%Z") {
        let mut words: Vec<&str> = s.split(' ').collect();
        let Some(zone) = words
            .iter_mut()
            .find(|w| matches!(w.to_ascii_uppercase().as_str(), "GMT" | "UTC" | "UT" | "Z"))
        else {
            return Err(format!(
                "date: cannot read the time-zone name of {} (`%Z` reads GMT and UTC only: a name like CET or EST may mean more than one zone); write the offset with `%z` if the text has one (+0100), or leave `%Z` out and give the zone as date's third argument",
                show(&Value::String(s.to_string().into()))
            ));
        };
        *zone = "+0000";
        return parse_with_format(&words.join(" "), &format.replace("%Z", "%z"), tz);
    }
    let fail = |why: String| {
        format!(
            "date: cannot read {} with format {} ({why}); check that the format matches the data",
            show(&Value::String(s.to_string().into())),
            show(&Value::String(format.to_string().into()))
        )
    };
    let items = format_items("date", format)?;
    let mut parsed = Parsed::new();
    chrono::format::parse(&mut parsed, s, items.iter()).map_err(|e| fail(e.to_string()))?;
    if parsed.timestamp().is_some() && parsed.offset().is_none() {
        parsed.set_offset(0).map_err(|e| fail(e.to_string()))?;
    }
    if parsed.offset().is_some() {
        return parsed
            .to_datetime()
            .map(|dt| dt.timestamp())
            .map_err(|e| fail(e.to_string()));
    }
    let day = parsed.to_naive_date().map_err(|e| fail(e.to_string()))?;
    let has_time = parsed.hour_div_12().is_some()
        || parsed.hour_mod_12().is_some()
        || parsed.minute().is_some()
        || parsed.second().is_some();
    let time = if has_time {
        parsed.to_naive_time().map_err(|e| fail(e.to_string()))?
    } else {
        NaiveTime::MIN
    };
    local_to_unix("date", day.and_time(time), tz)
}

/// Parses `s` without a format: RFC 3339 and RFC 2822 (their offset wins over `tz`),
/// `YYYY-MM-DD` (midnight),
/// `YYYY-MM-DD HH:MM[:SS[.fff]]` (also with `T`), and that with an offset after a space or
/// not (`2024-03-05 14:22:10 +0100`, as Shopify's exports write it; the offset wins).
fn parse_default(s: &str, tz: Tz) -> Result<i64, String> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.timestamp());
    }
    if let Ok(day) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local_to_unix("date", day.and_time(NaiveTime::MIN), tz);
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return local_to_unix("date", naive, tz);
        }
    }
    // With an offset after the time (tried after the local shapes, which most dates are)
    if s.ends_with(|c: char| c.is_ascii_digit()) && s.len() > 16 {
        for fmt in [
            "%Y-%m-%d %H:%M:%S%.f %z",
            "%Y-%m-%d %H:%M:%S%.f%z",
            "%Y-%m-%dT%H:%M:%S%.f%z",
        ] {
            if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
                return Ok(dt.timestamp());
            }
        }
    }
    // RSS and e-mail dates: `Tue, 05 Mar 2024 14:22:10 +0000` (or `GMT`)
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return Ok(dt.timestamp());
    }
    Err(format!(
        "date: cannot read {} as a date (expected 2024-12-31, 2024-12-31 18:30[:00], that with an offset (+0100), RFC 3339 or RFC 2822; for other layouts give a format, e.g. date(s, \"%d/%m/%Y\"))",
        show(&Value::String(s.to_string().into()))
    ))
}

/// The formats [`fast_local`] reads (each one valid, so not checked call by call).
const FAST_FORMATS: [&str; 4] = [
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
];

/// The local date-time of `s` in one of the [`FAST_FORMATS`] when it has exactly the
/// zero-padded shape (`31/12/2024`, `31/12/2024 18:30`, `2024-12-31`, `2024-12-31 18:30:00`)
/// and is a valid date and time; None otherwise, for chrono's parser to decide (it reads
/// these shapes alike).
fn fast_local(s: &str, format: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    let num = |at: usize, len: usize| {
        b.get(at..at + len)?.iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let at = |i: usize, c: u8| b.get(i) == Some(&c);
    let (y, m, d, time) = match format {
        "%d/%m/%Y" | "%d/%m/%Y %H:%M" if at(2, b'/') && at(5, b'/') => {
            (num(6, 4)?, num(3, 2)?, num(0, 2)?, 10)
        }
        "%Y-%m-%d" | "%Y-%m-%d %H:%M:%S" if at(4, b'-') && at(7, b'-') => {
            (num(0, 4)?, num(5, 2)?, num(8, 2)?, 10)
        }
        _ => return None,
    };
    let day = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)?;
    let (h, min, sec, len) = match format {
        "%d/%m/%Y %H:%M" if at(time, b' ') && at(time + 3, b':') => {
            (num(time + 1, 2)?, num(time + 4, 2)?, 0, time + 6)
        }
        "%Y-%m-%d %H:%M:%S" if at(time, b' ') && at(time + 3, b':') && at(time + 6, b':') => (
            num(time + 1, 2)?,
            num(time + 4, 2)?,
            num(time + 7, 2)?,
            time + 9,
        ),
        "%d/%m/%Y" | "%Y-%m-%d" => (0, 0, 0, time),
        _ => return None,
    };
    (b.len() == len).then_some(())?;
    day.and_hms_opt(h, min, sec)
}

fn date(args: &[&Value]) -> Result<Value, String> {
    let format = match args.get(1).copied() {
        Some(Value::String(f)) if FAST_FORMATS.contains(&f.as_str()) => Some(f.as_str()),
        v => format_arg("date", v)?,
    };
    let tz = tz_arg("date", args.get(2).copied())?;
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(Value::Number(n.clone())),
        Value::Number(n) => match n.as_f64() {
            Some(x) if x.fract() == 0.0 && x.abs() < 1e15 => Ok(Value::from(x as i64)),
            _ => Err(format!(
                "date: {n} is not a whole number of unix seconds (use int(x) to drop the fraction)"
            )),
        },
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() {
                return Ok(Value::Null);
            }
            let unix = match format {
                Some(format) => match fast_local(s, format) {
                    Some(local) => local_to_unix("date", local, tz)?,
                    None => parse_with_format(s, format, tz)?,
                },
                None => parse_default(s, tz)?,
            };
            Ok(Value::from(unix))
        }
        other => Err(format!(
            "date: expected a date string or unix seconds, got {} {}",
            kind(other),
            show(other)
        )),
    }
}

// ---- format_date ----

fn format_date(args: &[&Value]) -> Result<Value, String> {
    let format = match format_arg("format_date", args.get(1).copied())? {
        Some(f) => f,
        None => {
            return Err(
                "format_date: the format is missing (give one such as \"%d/%m/%Y\")".into(),
            );
        }
    };
    let tz = tz_arg("format_date", args.get(2).copied())?;
    let unix = match &args[0] {
        Value::Null => return Ok(Value::Null),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Some(i),
            (None, Some(x)) if x.is_finite() && x.abs() < 1e15 => Some(x.floor() as i64),
            _ => None,
        }
        .ok_or_else(|| format!("format_date: {n} is out of range for unix seconds"))?,
        Value::String(_) => {
            return Err(format!(
                "format_date: expected unix seconds, got the string {} (use date(s) first to read it)",
                show(args[0])
            ));
        }
        other => {
            return Err(format!(
                "format_date: expected unix seconds (an int), got {} {}",
                kind(other),
                show(other)
            ));
        }
    };
    let utc = DateTime::from_timestamp(unix, 0)
        .ok_or_else(|| format!("format_date: {unix} is out of range for unix seconds"))?;
    let local = utc.with_timezone(&tz);
    let items = format_items("format_date", format)?;
    let mut out = String::new();
    write!(out, "{}", local.format_with_items(items.iter())).map_err(|_| {
        format!(
            "format_date: cannot write the date with format {}",
            show(args[1])
        )
    })?;
    Ok(Value::String(out.into()))
}

/// `now()` is replaced by the run's time when the mapping is checked: a call never reaches
/// the evaluator.
fn now(_: &mut [Value]) -> Result<Value, String> {
    Err("now: the run's time is set when the mapping is checked".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use proptest::prelude::*;

    use crate::functions::call_reads;

    fn d(args: Vec<Value>) -> Result<Value, String> {
        call_reads(date, args)
    }

    /// `%Z` was skipped by chrono: "14:22:10 GMT" read as Rome's 14:22:10, two hours off in
    /// summer, in silence (a trial's RSS dates).
    #[test]
    fn a_zone_name_is_read_or_refused_never_skipped() {
        let rss = "%a, %d %b %Y %H:%M:%S %Z";
        assert_eq!(
            d(vec![json!("Fri, 05 Jul 2024 14:22:10 GMT"), json!(rss)]),
            Ok(json!(1720189330))
        );
        assert_eq!(
            d(vec![json!("Fri, 05 Jul 2024 14:22:10 utc"), json!(rss)]),
            Ok(json!(1720189330))
        );
        let est = d(vec![json!("Fri, 05 Jul 2024 14:22:10 EST"), json!(rss)]);
        assert!(
            matches!(&est, Err(e) if e.starts_with("date: cannot read the time-zone name of \"Fri, 05 Jul 2024 14:22:10 EST\" (`%Z` reads GMT and UTC only")),
            "{est:?}"
        );
        // without a format, RFC 2822 (its zone names included) and the instant it says
        assert_eq!(
            d(vec![json!("Fri, 05 Jul 2024 14:22:10 GMT")]),
            Ok(json!(1720189330))
        );
        assert_eq!(
            d(vec![json!("Fri, 05 Jul 2024 16:22:10 +0200")]),
            Ok(json!(1720189330))
        );
        assert_eq!(
            d(vec![json!("2024-07-05 16:22:10 +02:00")]),
            Ok(json!(1720189330))
        );
        assert_eq!(
            d(vec![json!("5 Jul 2024 14:22:10 GMT")]),
            Ok(json!(1720189330))
        );
    }

    #[test]
    fn date_with_format() {
        assert_eq!(
            d(vec![json!("31/12/2024"), json!("%d/%m/%Y")]),
            Ok(json!(1735599600))
        );
        // summer time: UTC+2
        assert_eq!(
            d(vec![json!("01/07/2024 18:30"), json!("%d/%m/%Y %H:%M")]),
            Ok(json!(1719851400))
        );
        assert_eq!(
            d(vec![
                json!("01/07/2024 18:30"),
                json!("%d/%m/%Y %H:%M"),
                json!("UTC")
            ]),
            Ok(json!(1719858600))
        );
        assert_eq!(
            d(vec![json!(" 31/12/2024 "), json!("%d/%m/%Y"), Value::Null]),
            Ok(json!(1735599600))
        );
        assert_eq!(
            d(vec![json!("1719858600"), json!("%s")]),
            Ok(json!(1719858600))
        );
        assert_eq!(
            d(vec![
                json!("2024-07-01 18:30 +0000"),
                json!("%Y-%m-%d %H:%M %z")
            ]),
            Ok(json!(1719858600))
        );
        let e = d(vec![json!("2024-12-31"), json!("%d/%m/%Y")]).unwrap_err();
        assert!(
            e.starts_with(r#"date: cannot read "2024-12-31" with format "%d/%m/%Y""#),
            "{e}"
        );
        let e = d(vec![json!("31/02/2024"), json!("%d/%m/%Y")]).unwrap_err();
        assert!(e.contains("cannot read"), "{e}");
    }

    #[test]
    fn date_default_formats() {
        assert_eq!(d(vec![json!("2024-12-31")]), Ok(json!(1735599600)));
        assert_eq!(d(vec![json!("2024-07-01 18:30")]), Ok(json!(1719851400)));
        assert_eq!(d(vec![json!("2024-07-01 18:30:00")]), Ok(json!(1719851400)));
        assert_eq!(
            d(vec![json!("2024-07-01T18:30:00.250")]),
            Ok(json!(1719851400))
        );
        assert_eq!(
            d(vec![json!("2024-07-01T18:30:00Z")]),
            Ok(json!(1719858600))
        );
        assert_eq!(
            d(vec![
                json!("2024-07-01T20:30:00+02:00"),
                Value::Null,
                json!("UTC")
            ]),
            Ok(json!(1719858600))
        );
        assert_eq!(d(vec![json!("")]), Ok(Value::Null));
        assert_eq!(d(vec![Value::Null]), Ok(Value::Null));
        assert_eq!(d(vec![json!(1719858600)]), Ok(json!(1719858600)));
        assert!(d(vec![json!(1.5)]).is_err());
        assert!(d(vec![json!(true)]).unwrap_err().contains("got bool true"));
        let e = d(vec![json!("31/12/2024")]).unwrap_err();
        assert!(e.contains("give a format"), "{e}");
    }

    #[test]
    fn dst_fold_and_gap() {
        // 2024-10-27 02:30 happens twice in Rome: first at +02:00 (00:30 UTC)
        assert_eq!(d(vec![json!("2024-10-27 02:30")]), Ok(json!(1729989000)));
        // 2024-03-31 02:30 does not exist in Rome
        let e = d(vec![json!("2024-03-31 02:30")]).unwrap_err();
        assert!(e.contains("does not exist in Europe/Rome"), "{e}");
    }

    #[test]
    fn bad_constants() {
        assert!(check_date(&[None, Some(&json!("%d/%m/%Y")), Some(&json!("Europe/Rome"))]).is_ok());
        assert!(check_date(&[None, None, None]).is_ok());
        let e = check_date(&[None, Some(&json!("%d/%m/%Q"))]).unwrap_err();
        assert!(e.contains("invalid date format \"%d/%m/%Q\""), "{e}");
        let e = check_date(&[None, None, Some(&json!("Europe/Roma"))]).unwrap_err();
        assert!(e.contains("unknown time zone \"Europe/Roma\""), "{e}");
        assert!(check_date(&[None, Some(&json!(3))]).is_err());
        assert!(
            check_format_date(&[None, Some(&Value::Null)])
                .unwrap_err()
                .contains("format_date: the format is missing")
        );
        assert!(check_format_date(&[None, Some(&json!("%Y")), Some(&json!("UTC"))]).is_ok());
        assert!(
            d(vec![json!("x"), json!("%Q")])
                .unwrap_err()
                .contains("invalid date format")
        );
    }

    #[test]
    fn formatting() {
        let f = |args: Vec<Value>| call_reads(format_date, args);
        assert_eq!(
            f(vec![json!(1735599600), json!("%d/%m/%Y")]),
            Ok(json!("31/12/2024"))
        );
        assert_eq!(
            f(vec![json!(1719858600), json!("%d/%m/%Y %H:%M")]),
            Ok(json!("01/07/2024 20:30"))
        );
        assert_eq!(
            f(vec![
                json!(1719858600),
                json!("%Y-%m-%dT%H:%M:%SZ"),
                json!("UTC")
            ]),
            Ok(json!("2024-07-01T18:30:00Z"))
        );
        assert_eq!(
            f(vec![json!(1719858600.9), json!("%H:%M:%S"), json!("UTC")]),
            Ok(json!("18:30:00"))
        );
        assert_eq!(f(vec![Value::Null, json!("%Y")]), Ok(Value::Null));
        assert!(
            f(vec![json!("2024"), json!("%Y")])
                .unwrap_err()
                .contains("use date(s) first")
        );
        assert!(
            f(vec![json!(0), json!("%Y %Q")])
                .unwrap_err()
                .contains("invalid date format")
        );
        assert!(
            f(vec![json!(0), Value::Null])
                .unwrap_err()
                .contains("format is missing")
        );
        assert!(
            f(vec![json!(i64::MAX), json!("%Y")])
                .unwrap_err()
                .contains("out of range")
        );
    }

    /// A date-time string shaped like `FAST_FORMATS[f]` (its separators and digits), each part
    /// perturbed now and then: not zero-padded, invalid days, leap years, hours 24 and seconds
    /// 60, other separators, a time too many or too few, spaces around.
    fn date_like(f: usize) -> impl Strategy<Value = String> {
        let two = || {
            prop_oneof![
                6 => "[0-2][0-9]",
                2 => prop::sample::select(vec!["29", "30", "31", "00", "12", "13", "23", "24", "59", "60"])
                    .prop_map(str::to_string),
                1 => "[0-9]{1,3}",
            ]
        };
        let year = prop_oneof![
            6 => "(19|20)[0-9]{2}",
            1 => prop::sample::select(vec!["2000", "1900", "2024", "2023", "2100", "0000", "9999", "+2024", "20245", "24"]).prop_map(str::to_string),
        ];
        let sep = |usual: &'static str| {
            prop_oneof![
                8 => Just(usual),
                1 => prop::sample::select(vec!["/", "-", ":", " ", "", "  "]),
            ]
        };
        let (ds, ts) = if f < 2 { ("/", " ") } else { ("-", " ") };
        let time = prop_oneof![
            3 => Just(String::new()),
            3 => (two(), two(), sep(ts)).prop_map(|(h, m, t)| format!("{t}{h}:{m}")),
            3 => (two(), two(), two(), sep(ts)).prop_map(|(h, m, s, t)| format!("{t}{h}:{m}:{s}")),
            1 => prop::sample::select(vec![" 24:00", " 23:59:60", " 12:30 +0100", " 7:05", "T12:30:00", " 12:30:00.5"]).prop_map(str::to_string),
        ];
        let pad = prop::sample::select(vec!["", "", "", " "]);
        (two(), two(), year, sep(ds), sep(ds), time, pad).prop_map(
            move |(a, b, y, s1, s2, t, pad)| {
                if f < 2 {
                    format!("{pad}{a}{s1}{b}{s2}{y}{t}{pad}")
                } else {
                    format!("{pad}{y}{s1}{a}{s2}{b}{t}{pad}")
                }
            },
        )
    }

    proptest! {
        #![proptest_config(proptest::test_runner::Config { failure_persistence: None, ..Default::default() })]

        /// The hand parser of the common formats gives what chrono's parser gives, and
        /// declines (for chrono to decide) whatever it does not read the same way.
        #[test]
        fn fast_formats_read_as_chrono_reads(
            (f, s) in (0usize..4).prop_flat_map(|f| (Just(f), date_like(f))),
            utc in any::<bool>(),
        ) {
            let format = FAST_FORMATS[f];
            let tz = if utc { chrono_tz::UTC } else { DEFAULT_TZ };
            let trimmed = s.trim();
            if let Some(local) = fast_local(trimmed, format) {
                prop_assert_eq!(
                    local_to_unix("date", local, tz),
                    parse_with_format(trimmed, format, tz),
                    "{:?} {:?}", s, format
                );
            }
            let args = vec![json!(s), json!(format), json!(if utc { "UTC" } else { "Europe/Rome" })];
            let slow = match parse_with_format(trimmed, format, tz) {
                _ if trimmed.is_empty() => Ok(Value::Null),
                r => r.map(Value::from),
            };
            prop_assert_eq!(d(args), slow, "{:?} {:?}", s, format);
        }
    }

    #[test]
    fn fast_formats_are_valid() {
        for f in FAST_FORMATS {
            assert_eq!(format_arg("date", Some(&json!(f))), Ok(Some(f)));
        }
    }
}
