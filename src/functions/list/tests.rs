//! Unit tests of the list functions.

use super::*;
use crate::json;

use crate::functions::{call, call_lists, call_picks, call_reads};

#[test]
fn first_last() {
    assert_eq!(call_picks(first, json!([1, 2])), json!(1));
    assert_eq!(call_picks(last, json!([1, 2, 3])), json!(3));
    assert_eq!(call_picks(last, json!([])), Value::Null);
    assert_eq!(call_picks(last, json!({"a": 1})), json!({"a": 1}));
    assert_eq!(call_picks(first, Value::Null), Value::Null);
    // a list held as references picks alike
    let (a, b) = (json!("a"), json!("b"));
    assert_eq!(first(Arg::List(&[&a, &b])), Pick::Element(0));
    assert_eq!(last(Arg::List(&[&a, &b])), Pick::Element(1));
    assert_eq!(last(Arg::List(&[])), Pick::Null);
}

#[test]
fn unique_keeps_first_seen() {
    assert_eq!(
        call(
            unique,
            vec![json!([1, "1", 1, 1.0, null, null, [1], [1], {"a": 1, "b": 2}, {"b": 2, "a": 1}])]
        ),
        Ok(json!([1, "1", 1.0, null, [1], {"a": 1, "b": 2}]))
    );
    assert!(
        call(unique, vec![json!("S")])
            .unwrap_err()
            .contains("expected a list, got string \"S\"")
    );
}

#[test]
fn compact_flatten_len() {
    assert_eq!(
        call(compact, vec![json!(["a", null, "", [], 0, false, {}])]),
        Ok(json!(["a", 0, false, {}]))
    );
    assert_eq!(
        call(flatten, vec![json!([[1, 2], 3, [[4]], []])]),
        Ok(json!([1, 2, 3, [4]]))
    );
    assert_eq!(call_lists(len, vec![json!("più")]), Ok(json!(3)));
    assert_eq!(call_lists(len, vec![json!({"a": 1})]), Ok(json!(1)));
    assert!(call_lists(len, vec![json!(true)]).is_err());
}

#[test]
fn contains_cases() {
    assert_eq!(
        call_reads(contains, vec![json!([1, 2]), json!(2.0)]),
        Ok(json!(true))
    );
    assert_eq!(
        call_reads(contains, vec![json!(["a"]), json!("b")]),
        Ok(json!(false))
    );
    assert_eq!(
        call_reads(contains, vec![json!([null]), Value::Null]),
        Ok(json!(true))
    );
    assert_eq!(
        call_reads(contains, vec![json!("Felpa"), json!("elp")]),
        Ok(json!(true))
    );
    assert_eq!(
        call_reads(contains, vec![Value::Null, json!("x")]),
        Ok(json!(false))
    );
    assert_eq!(
        call_reads(contains, vec![json!({"a": 1}), json!("a")]),
        Ok(json!(true))
    );
    assert!(call_reads(contains, vec![json!("12"), json!(1)]).is_err());
    assert!(call_reads(contains, vec![json!(12), json!(1)]).is_err());
}

#[test]
fn objects_and_take() {
    assert_eq!(
        call(keys, vec![json!({"b": 1, "a": 2})]),
        Ok(json!(["b", "a"]))
    );
    assert_eq!(
        call(values, vec![json!({"b": 1, "a": 2})]),
        Ok(json!([1, 2]))
    );
    assert!(
        call(values, vec![json!(1)])
            .unwrap_err()
            .contains("expected an object")
    );
    assert_eq!(call(take, vec![json!([1, 2, 3]), json!(0)]), Ok(json!([])));
    assert_eq!(
        call(take, vec![json!([1, 2, 3]), json!(2)]),
        Ok(json!([1, 2]))
    );
    assert!(
        call(take, vec![json!([1]), json!(-1)])
            .unwrap_err()
            .contains("take: n must be")
    );
    assert!(call(take, vec![json!([1]), json!(1.5)]).is_err());
    assert_eq!(call(reverse, vec![json!([1, 2])]), Ok(json!([2, 1])));
}

#[test]
fn single_shows_two_long_values_around_their_first_difference() {
    let stem = "Tshirt in organic cotton, relaxed fit, long sleeves, ribbed collar and cuffs, side seams, printed logo on the chest";
    let (a, b) = (
        format!("{stem} - Color Black"),
        format!("{stem} - Color White"),
    );
    let err = call(single, vec![json!([a, b])]).unwrap_err();
    // Cut the same way around the difference: never two identical-looking strings.
    assert!(
        err.starts_with(
            r#"single: conflicting values ...ted logo on the chest - Color Black" and ...ted logo on the chest - Color White""#
        ),
        "{err}"
    );
    // Values that differ only past the 40th character, short enough to show whole.
    let err = call(
        single,
        vec![json!([
            "Organic Cotton Tshirt Relaxed Fit - Color Black",
            "Organic Cotton Tshirt Relaxed Fit - Color White"
        ])],
    )
    .unwrap_err();
    assert!(err.contains(r#""Organic Cotton Tshirt Relaxed Fit - Color Black" and "Organic Cotton Tshirt Relaxed Fit - Color White""#), "{err}");
    // A long value against a short one: the short one whole, the long one cut after the window.
    let long = "x".repeat(200);
    let err = call(single, vec![json!(["xy", long])]).unwrap_err();
    assert!(
        err.contains(r#"values "xy" and "x"#) && err.contains("x..."),
        "{err}"
    );
}
