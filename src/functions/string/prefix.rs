//! `common_prefix`: the words a list of texts all start with (the product name of a group of
//! variant titles, "Organic Tee - Black / S", "Organic Tee - White / M": "Organic Tee").

use crate::value::{Ty, Value};

use crate::functions::{Example, Function, Imp, Param, kind, show};

/// What a common prefix does not end with: spaces and the separators of variant suffixes.
const TRAILING: &[char] = &['-', '–', '—', '|', ',', '/', ':', '(', '[', '+', '&'];

/// `common_prefix(texts)`.
pub(super) const COMMON_PREFIX: Function = Function {
    name: "common_prefix",
    summary: "The words every text of a list starts with: the longest common beginning, cut back to a whole word, without the spaces and separators (`-`, `–`, `|`, `,`, `/`, `:`, `(`) it would end with. Nulls are ignored; one text (or texts all alike) gives it whole; null when there is none or they share no word. For the product name of a group of variant titles.",
    params: &[Param::req("texts", Ty::LIST.nullable())],
    variadic: false,
    returns: Ty::STRING.nullable(),
    examples: &[
        Example {
            title: "variant titles",
            source: r#"common_prefix(["Organic Tee - Black / S", "Organic Tee - Black / M", "Organic Tee - White / M"])"#,
            result: Ok(r#""Organic Tee""#),
        },
        Example {
            title: "never half a word",
            source: r#"common_prefix(["Wool Scarf Blue", "Wool Scarf Black"])"#,
            result: Ok(r#""Wool Scarf""#),
        },
        Example {
            title: "one title",
            source: r#"common_prefix(["Organic Tee - Black", null])"#,
            result: Ok(r#""Organic Tee - Black""#),
        },
        Example {
            title: "nothing in common",
            source: r#"common_prefix(["Cap", "Hat"])"#,
            result: Ok("null"),
        },
        Example {
            title: "not texts",
            source: "common_prefix([1, 2])",
            result: Err("common_prefix: expected texts, got int 1"),
        },
    ],
    imp: Imp::Pure(common_prefix),
    check_const: None,
    foldable: true,
};

fn common_prefix(args: &mut [Value]) -> Result<Value, String> {
    let items = match std::mem::take(&mut args[0]) {
        Value::Null => return Ok(Value::Null),
        Value::Array(items) => items,
        other => {
            return Err(format!(
                "common_prefix: expected a list, got {} {}",
                kind(&other),
                show(&other)
            ));
        }
    };
    let mut texts: Vec<String> = Vec::with_capacity(items.len());
    for v in items {
        match v {
            Value::Null => {}
            Value::String(s) => texts.push(s.into_string()),
            other => {
                return Err(format!(
                    "common_prefix: expected texts, got {} {}",
                    kind(&other),
                    show(&other)
                ));
            }
        }
    }
    let Some(first) = texts.first() else {
        return Ok(Value::Null);
    };
    if texts.iter().all(|t| t == first) {
        return Ok(Value::String(first.clone().into()));
    }
    // The longest common beginning, in characters.
    let mut end = first.len();
    for t in &texts[1..] {
        end = first[..end]
            .char_indices()
            .zip(t.chars())
            .find(|((_, a), b)| a != b)
            .map_or(end.min(t.len()), |((i, _), _)| i);
    }
    let mut prefix = &first[..end];
    // Cut back to a whole word unless every text goes on with a space or a separator there.
    let whole_word = texts.iter().all(|t| {
        t[end..]
            .chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || TRAILING.contains(&c))
    });
    if !whole_word {
        prefix = prefix.trim_end_matches(|c: char| !c.is_whitespace() && !TRAILING.contains(&c));
    }
    let prefix = prefix.trim_end_matches(|c: char| c.is_whitespace() || TRAILING.contains(&c));
    Ok(if prefix.is_empty() {
        Value::Null
    } else {
        Value::String(prefix.into())
    })
}
