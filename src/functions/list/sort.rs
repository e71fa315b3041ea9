//! `sort`: lists of numbers (by value, ints exactly) or of strings (by code point), ascending or
//! descending.

use std::cmp::Ordering;

use crate::value::{Value, kind, show};

use super::list_arg;
use crate::functions::article;

/// The direction of a sort.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Order {
    Asc,
    Desc,
}

/// The `order` argument: `"asc"` (also when absent or null) or `"desc"`.
fn order_arg(v: Option<&Value>) -> Result<Order, String> {
    match v {
        None | Some(Value::Null) => Ok(Order::Asc),
        Some(Value::String(s)) if s == "asc" => Ok(Order::Asc),
        Some(Value::String(s)) if s == "desc" => Ok(Order::Desc),
        Some(other) => Err(format!(
            "sort: unknown order {} (use \"asc\" or \"desc\")",
            show(other)
        )),
    }
}

/// Rejects an unknown constant `order` before any record is read.
pub(super) fn check_sort(args: &[Option<&Value>]) -> Result<(), String> {
    if let Some(Some(v)) = args.get(1) {
        order_arg(Some(v))?;
    }
    Ok(())
}

/// Numbers by value (ints exactly), strings by code point.
fn compare_numbers(a: &Value, b: &Value) -> Ordering {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let exact = |n: &crate::value::Number| {
                n.as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from))
            };
            match (exact(x), exact(y)) {
                (Some(i), Some(j)) => i.cmp(&j),
                _ => x
                    .as_f64()
                    .unwrap_or(f64::NAN)
                    .total_cmp(&y.as_f64().unwrap_or(f64::NAN)),
            }
        }
        _ => Ordering::Equal,
    }
}

/// Sorts a list of numbers or of strings; an error for mixed lists and other elements.
pub(super) fn sort(args: &mut [Value]) -> Result<Value, String> {
    let order = order_arg(args.get(1))?;
    let Some(mut items) = list_arg("sort", std::mem::take(&mut args[0]))? else {
        return Ok(Value::Null);
    };
    let Some(head) = items.first() else {
        return Ok(Value::Array(items));
    };
    let numbers = match head {
        Value::Number(_) => true,
        Value::String(_) => false,
        other => {
            return Err(format!(
                "sort: cannot compare {} {} (only lists of numbers or of strings can be sorted{})",
                article(kind(other)),
                show(other),
                if other.is_null() {
                    "; use compact(...) first to drop nulls"
                } else {
                    ""
                }
            ));
        }
    };
    if let Some((i, bad)) = items.iter().enumerate().find(|(_, v)| {
        if numbers {
            !v.is_number()
        } else {
            !v.is_string()
        }
    }) {
        return Err(format!(
            "sort: cannot compare element {} ({} {}) with element 1 ({} {}): the list must hold only numbers or only strings{}",
            i + 1,
            kind(bad),
            show(bad),
            kind(&items[0]),
            show(&items[0]),
            if bad.is_null() {
                " (use compact(...) first to drop nulls)"
            } else {
                ""
            }
        ));
    }
    if numbers {
        items.sort_by(compare_numbers);
    } else {
        items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    if order == Order::Desc {
        items.reverse();
    }
    Ok(Value::Array(items))
}

#[cfg(test)]
mod tests {
    use crate::json;

    use super::*;
    use crate::functions::call;

    #[test]
    fn sorting() {
        assert_eq!(
            call(sort, vec![json!([3, 1.5, 2, -1])]),
            Ok(json!([-1, 1.5, 2, 3]))
        );
        assert_eq!(
            call(sort, vec![json!([3, 1, 2]), json!("desc")]),
            Ok(json!([3, 2, 1]))
        );
        assert_eq!(
            call(sort, vec![json!(["b", "B", "a"])]),
            Ok(json!(["B", "a", "b"]))
        );
        assert_eq!(call(sort, vec![json!([])]), Ok(json!([])));
        assert_eq!(call(sort, vec![Value::Null]), Ok(Value::Null));
        let e = call(sort, vec![json!([1, "a"])]).unwrap_err();
        assert!(e.contains("sort: cannot compare element 2"), "{e}");
        let e = call(sort, vec![json!(["a", null])]).unwrap_err();
        assert!(e.contains("compact"), "{e}");
        assert!(
            call(sort, vec![json!([1]), json!("up")])
                .unwrap_err()
                .contains(r#"use "asc" or "desc""#)
        );
        assert!(check_sort(&[None, Some(&json!("DESC"))]).is_err());
        assert!(check_sort(&[None, Some(&json!("desc"))]).is_ok());
    }
}
