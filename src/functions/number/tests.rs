//! Unit tests of the number functions.

use super::*;
use crate::json;

use crate::functions::{call, call_reads};

fn dec(s: &str) -> Result<Value, String> {
    call_reads(decimal, vec![json!(s)])
}

fn dec_in(s: &str, locale: &str) -> Result<Value, String> {
    call_reads(decimal, vec![json!(s), json!(locale)])
}

#[test]
fn decimal_auto() {
    assert_eq!(dec("1.234,56"), Ok(json!(1234.56)));
    assert_eq!(dec("18,000000"), Ok(json!(18.0)));
    assert_eq!(dec("1.234.567"), Ok(json!(1234567.0)));
    assert_eq!(dec("1234.56"), Ok(json!(1234.56)));
    assert_eq!(dec("1.234"), Ok(json!(1.234)));
    assert_eq!(dec("49.90 EUR"), Ok(json!(49.9)));
    assert_eq!(dec("€ 12,50"), Ok(json!(12.5)));
    assert_eq!(dec("12,50€"), Ok(json!(12.5)));
    assert_eq!(dec("EUR12,50"), Ok(json!(12.5)));
    assert_eq!(dec("  -3,5 "), Ok(json!(-3.5)));
    assert_eq!(dec("-€ 3"), Ok(json!(-3.0)));
    assert_eq!(dec("€ -3"), Ok(json!(-3.0)));
    assert_eq!(dec("+7"), Ok(json!(7.0)));
    assert_eq!(dec(",5"), Ok(json!(0.5)));
    assert_eq!(dec(""), Ok(Value::Null));
    assert_eq!(dec("   "), Ok(Value::Null));
    assert_eq!(call_reads(decimal, vec![json!(3)]), Ok(json!(3.0)));
    assert_eq!(call_reads(decimal, vec![Value::Null]), Ok(Value::Null));
    for bad in [
        "abc", "abc5", "5 eur", "1,2,3", "1.2,3.4", "12a", "EUR", "1 234", "--1", ".", "1e5", "€",
    ] {
        let e = dec(bad).unwrap_err();
        assert!(e.starts_with("decimal: cannot read"), "{bad}: {e}");
    }
    let e = dec("abc").unwrap_err();
    assert_eq!(
        e,
        "decimal: cannot read \"abc\" as a number (expected 1.234,56 or 1234.56, optionally with a currency)"
    );
    assert!(
        call_reads(decimal, vec![json!(true)])
            .unwrap_err()
            .contains("bool true")
    );
}

#[test]
fn decimal_locales() {
    assert_eq!(dec_in("1.234", "it"), Ok(json!(1234.0)));
    assert_eq!(dec_in("1.234,5", "it"), Ok(json!(1234.5)));
    assert_eq!(dec_in("1,234.5", "en"), Ok(json!(1234.5)));
    assert_eq!(dec_in("1,234", "en"), Ok(json!(1234.0)));
    assert!(dec_in("1.234,5", "en").is_err());
    assert!(
        dec_in("1", "fr")
            .unwrap_err()
            .contains("unknown locale \"fr\"")
    );
    assert!(check_decimal(&[None, Some(&json!("de"))]).is_err());
    assert!(check_decimal(&[None, Some(&json!("it"))]).is_ok());
    assert!(check_decimal(&[None]).is_ok());
}

#[test]
fn int_and_float() {
    assert_eq!(call_reads(int, vec![json!("1.234")]), Ok(json!(1)));
    assert_eq!(call_reads(int, vec![json!("-1.234,99")]), Ok(json!(-1234)));
    assert_eq!(
        call_reads(int, vec![json!("9223372036854775807")]),
        Ok(json!(i64::MAX))
    );
    assert!(call_reads(int, vec![json!("9223372036854775808")]).is_err());
    assert_eq!(call_reads(int, vec![json!(-7.9)]), Ok(json!(-7)));
    assert_eq!(call_reads(int, vec![json!(u64::MAX)]), Ok(json!(u64::MAX)));
    assert!(
        call_reads(int, vec![json!(1e300)])
            .unwrap_err()
            .contains("too large")
    );
    assert_eq!(call_reads(int, vec![json!("")]), Ok(Value::Null));
    assert!(
        call_reads(int, vec![json!(true)])
            .unwrap_err()
            .contains("int: cannot convert bool true")
    );
    assert_eq!(call_reads(float_fn, vec![json!(18)]), Ok(json!(18.0)));
    assert_eq!(call_reads(float_fn, vec![json!("12,5")]), Ok(json!(12.5)));
    assert!(
        call_reads(float_fn, vec![json!("n/a")])
            .unwrap_err()
            .starts_with("float: cannot read \"n/a\"")
    );
}

#[test]
fn rounding() {
    assert_eq!(call_reads(round, vec![json!(2.5)]), Ok(json!(3)));
    assert_eq!(call_reads(round, vec![json!(-2.5)]), Ok(json!(-3)));
    assert_eq!(call_reads(round, vec![json!(7)]), Ok(json!(7)));
    assert_eq!(
        call_reads(round, vec![json!(1.005), json!(2)]),
        Ok(json!(1.01))
    );
    assert_eq!(
        call_reads(round, vec![json!(-2.345), json!(1)]),
        Ok(json!(-2.3))
    );
    assert_eq!(
        call_reads(round, vec![json!(-2.35), json!(1)]),
        Ok(json!(-2.4))
    );
    assert_eq!(
        call_reads(round, vec![json!(9.995), json!(2)]),
        Ok(json!(10.0))
    );
    assert_eq!(
        call_reads(round, vec![json!(0.125), json!(2)]),
        Ok(json!(0.13))
    );
    assert_eq!(
        call_reads(round, vec![json!(1.5), json!(3)]),
        Ok(json!(1.5))
    );
    assert_eq!(call_reads(round, vec![json!(3), json!(2)]), Ok(json!(3.0)));
    assert_eq!(
        call_reads(round, vec![json!(1250), json!(-2)]),
        Ok(json!(1300))
    );
    assert_eq!(
        call_reads(round, vec![json!(-1249), json!(-2)]),
        Ok(json!(-1200))
    );
    assert_eq!(
        call_reads(round, vec![json!(1249.9), json!(-1)]),
        Ok(json!(1250))
    );
    assert_eq!(call_reads(round, vec![Value::Null]), Ok(Value::Null));
    assert!(
        call_reads(round, vec![json!("2.5")])
            .unwrap_err()
            .contains("use decimal(x) first")
    );
    assert!(
        call_reads(round, vec![json!(2.5), json!(1.5)])
            .unwrap_err()
            .contains("digits")
    );
    assert_eq!(round_decimal(1e-7, 3), 0.0);
    assert_eq!(round_decimal(123456789.12345, 4), 123456789.1235);
}

#[test]
fn abs_floor_ceil() {
    assert_eq!(call(abs, vec![json!(-3)]), Ok(json!(3)));
    assert_eq!(
        call(abs, vec![json!(i64::MIN)]),
        Ok(json!(9223372036854775808u64))
    );
    assert_eq!(call(abs, vec![json!(-2.5)]), Ok(json!(2.5)));
    assert_eq!(call_reads(floor, vec![json!(-2.1)]), Ok(json!(-3)));
    assert_eq!(call_reads(ceil, vec![json!(-2.7)]), Ok(json!(-2)));
    assert_eq!(call_reads(ceil, vec![json!(4)]), Ok(json!(4)));
    assert!(
        call_reads(floor, vec![json!(true)])
            .unwrap_err()
            .contains("expected a number, got bool")
    );
}

#[test]
fn aggregates() {
    assert_eq!(
        call_reads(min, vec![json!(3), json!(1), json!(2)]),
        Ok(json!(1))
    );
    assert_eq!(
        call_reads(min, vec![json!([3, null, 2]), json!(2.5)]),
        Ok(json!(2.0))
    );
    assert_eq!(
        call_reads(max, vec![json!([1.5, null, 2.25])]),
        Ok(json!(2.25))
    );
    assert_eq!(
        call_reads(max, vec![json!([]), Value::Null]),
        Ok(Value::Null)
    );
    assert_eq!(
        call_reads(min, vec![json!(-1), json!([-5, 7])]),
        Ok(json!(-5))
    );
    assert_eq!(call_reads(sum, vec![json!([1, 2]), json!(3)]), Ok(json!(6)));
    assert_eq!(call_reads(sum, vec![json!([1, null, 2.5])]), Ok(json!(3.5)));
    assert_eq!(call_reads(sum, vec![json!([])]), Ok(json!(0)));
    assert_eq!(
        call_reads(sum, vec![json!(i64::MAX), json!(1)]),
        Ok(json!(9223372036854775808u64))
    );
    assert!(
        call_reads(sum, vec![json!(["4"])])
            .unwrap_err()
            .contains("use decimal(x) first")
    );
    assert!(
        call_reads(sum, vec![json!([[1]])])
            .unwrap_err()
            .contains("flatten")
    );
    assert!(
        call_reads(max, vec![json!({"a": 1})])
            .unwrap_err()
            .contains("object")
    );
}
