//! Unit tests of the string functions.

use super::*;
use crate::json;

use crate::functions::{call, call_edits, call_reads};

#[test]
fn trim_lower_upper_on_lists() {
    assert_eq!(
        call(trim, vec![json!([" a ", null, 1, "b\n"])]),
        Ok(json!(["a", null, 1, "b"]))
    );
    assert_eq!(call(lower, vec![json!("ÀB")]), Ok(json!("àb")));
    assert_eq!(call(upper, vec![json!(["à"])]), Ok(json!(["À"])));
    assert!(
        call(trim, vec![json!(12)])
            .unwrap_err()
            .contains("expected a string")
    );
}

#[test]
fn trim_lower_upper_agree_with_str_whether_or_not_there_is_anything_to_change() {
    let texts = [
        "",
        "a",
        "ab c",
        " a",
        "a ",
        "\u{a0}a\u{2003}",
        "A",
        "aB",
        "MIXED case",
        "ǅ",
        "ß",
        "Σ ΣΑ",
        "àé",
        "\t\n",
    ];
    for t in texts {
        let s = || vec![json!(t)];
        assert_eq!(call(trim, s()), Ok(json!(t.trim())), "{t:?}");
        assert_eq!(call(lower, s()), Ok(json!(t.to_lowercase())), "{t:?}");
        assert_eq!(call(upper, s()), Ok(json!(t.to_uppercase())), "{t:?}");
    }
}

#[test]
fn split_and_join() {
    assert_eq!(
        call_reads(split, vec![json!("a,,b"), json!(",")]),
        Ok(json!(["a", "", "b"]))
    );
    assert_eq!(
        call_reads(split, vec![json!(""), json!(",")]),
        Ok(json!([]))
    );
    assert_eq!(
        call_reads(join, vec![json!([1, null, 2.5, true, "x"]), json!("/")]),
        Ok(json!("1/2.5/true/x"))
    );
    assert_eq!(
        call_reads(join, vec![json!([null, "a"]), json!(",")]),
        Ok(json!("a"))
    );
    let e = call_reads(join, vec![json!([{"a": 1}]), json!(",")]).unwrap_err();
    assert!(e.contains("element 1 is an object"), "{e}");
}

#[test]
fn truncate_counts_chars() {
    assert_eq!(
        call_reads(truncate, vec![json!("Felpa con cappuccio"), json!(10)]),
        Ok(json!("Felpa c..."))
    );
    assert_eq!(
        call_reads(truncate, vec![json!("àèìòùàèìòù"), json!(10)]),
        Ok(json!("àèìòùàèìòù"))
    );
    assert_eq!(
        call_reads(truncate, vec![json!("àèìòùàèìòùx"), json!(10)]),
        Ok(json!("àèìòùàè..."))
    );
    assert_eq!(
        call_reads(truncate, vec![json!("Felpa con cappuccio"), json!(9)]),
        Ok(json!("Felpa..."))
    );
    assert_eq!(
        call_reads(truncate, vec![json!("abcdef"), json!(2)]),
        Ok(json!("ab"))
    );
    assert_eq!(
        call_reads(truncate, vec![json!("abcdef"), json!(4), json!("")]),
        Ok(json!("abcd"))
    );
    assert_eq!(
        call_reads(truncate, vec![json!("abcdef"), json!(4), Value::Null]),
        Ok(json!("a..."))
    );
    assert!(call_reads(truncate, vec![json!("abc"), json!(1.5)]).is_err());
    assert_eq!(
        call_reads(truncate, vec![Value::Null, json!(1)]),
        Ok(Value::Null)
    );
}

#[test]
fn slugs_and_attribute_names() {
    assert_eq!(
        call_reads(slug, vec![json!("Felpa Unisex – Più Caldo!")]),
        Ok(json!("felpa-unisex-piu-caldo"))
    );
    assert_eq!(
        call_reads(slug, vec![json!("--ÀÀ__b--")]),
        Ok(json!("aa-b"))
    );
    assert_eq!(normalize_attribute_name("Vestibilità"), "vestibilita");
    assert_eq!(normalize_attribute_name("Codice EAN"), "codice_ean");
    assert_eq!(normalize_attribute_name("Taglia/Colore"), "taglia_colore");
    assert_eq!(normalize_attribute_name("  (Peso) kg. "), "peso_kg");
    assert_eq!(normalize_attribute_name("già_usato"), "gia_usato");
    assert_eq!(normalize_attribute_name("a__b"), "a_b");
    assert_eq!(normalize_attribute_name("!!"), "");
}

#[test]
fn string_of_scalars() {
    assert_eq!(call(string, vec![json!(18.0)]), Ok(json!("18.0")));
    assert_eq!(call(string, vec![json!(-3)]), Ok(json!("-3")));
    assert_eq!(call(string, vec![json!(false)]), Ok(json!("false")));
    assert!(
        call(string, vec![json!({"a": 1})])
            .unwrap_err()
            .contains("an object")
    );
}

#[test]
fn replace_and_predicates() {
    assert_eq!(
        call_edits(replace, vec![json!("a.b.c"), json!("."), json!("")]),
        Ok(json!("abc"))
    );
    assert_eq!(
        call_reads(starts_with, vec![json!("abc"), json!("")]),
        Ok(json!(true))
    );
    assert_eq!(
        call_reads(ends_with, vec![Value::Null, json!("x")]),
        Ok(Value::Null)
    );
}

#[test]
fn replace_all_agrees_with_str_replace() {
    let texts = [
        "",
        "a",
        "aaa",
        "aaaa",
        "abcabc",
        "qualità\\, garantita\\,",
        "\\,\\,\\,",
        "no match here",
        "è è è",
        "\u{E000}x\u{E000}",
        "\\\\n and \\n",
    ];
    let pairs = [
        ("a", "b"),
        ("aa", "x"),
        ("aa", ""),
        ("\\,", "\u{E000}"),
        ("\u{E000}", ","),
        ("è", "e"),
        ("abc", "abcabc"),
        ("\\\\n", "\u{E001}"),
        ("\\n", "\n"),
        ("not there", "y"),
    ];
    for t in texts {
        for (from, to) in pairs {
            assert_eq!(
                replaced(t, from, to),
                t.replace(from, to),
                "{t:?} {from:?} {to:?}"
            );
        }
    }
}

/// What `replace` gives: `replace_all`'s text, or the text as it is when it says there is
/// nothing to replace (which must be when `from` is not in it).
fn replaced(t: &str, from: &str, to: &str) -> String {
    let out = super::replace_all(t, from, to);
    assert_eq!(out.is_none(), !t.contains(from), "{t:?} {from:?}");
    out.unwrap_or_else(|| t.to_string())
}

#[test]
fn split_all_agrees_with_str_split() {
    for t in ["", ",", "a,b", ",a,,b,", "aaa", "è,è", "a\\,b,c"] {
        for sep in [",", "aa", "è", "\\,", "not there"] {
            let want: Vec<&str> = t.split(sep).collect();
            assert_eq!(super::split_all(t, sep), want, "{t:?} {sep:?}");
        }
    }
}

proptest::proptest! {
    #[test]
    fn split_all_agrees_with_str_split_anywhere(t in "[ab,è]{0,40}", sep in "[ab,è]{1,12}") {
        let want: Vec<&str> = t.split(sep.as_str()).collect();
        proptest::prop_assert_eq!(super::split_all(&t, &sep), want);
    }

    #[test]
    fn replace_all_agrees_with_str_replace_anywhere(
        t in "[ab\\\\,è]{0,40}",
        from in "[ab\\\\,è]{1,12}",
        to in "[xy\\\\]{0,3}",
    ) {
        proptest::prop_assert_eq!(replaced(&t, &from, &to), t.replace(&from, &to));
    }
}
