//! privacy functions: stable pseudonymous ids instead of personal data.

use crate::value::{Ty, Value};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::{Example, Function, Imp, Param, kind};

/// The privacy functions, in documentation order.
pub const FUNCTIONS: &[Function] = &[Function {
    name: "pseudonymize",
    summary: "A stable pseudonym of a value: the hex HMAC-SHA256 of its text under a secret key (take the key from the environment with `env(\"NAME\")`; it is never printed). Normalise first (`| trim | lower`) so that one person gets one pseudonym.",
    params: &[
        Param::req("value", Ty::STRING.or(Ty::NUMBER)),
        Param::req("key", Ty::STRING),
    ],
    variadic: false,
    returns: Ty::STRING.or(Ty::NULL),
    examples: &[
        Example {
            title: "an email",
            source: r#"pseudonymize("mario.rossi@example.it", "secret")"#,
            result: Ok(r#""654fa88e89e36a8eede5372229e162f3efab2b51008c46b1641f738f9b8aa8f6""#),
        },
        Example {
            title: "null stays null",
            source: r#"pseudonymize(null, "secret")"#,
            result: Ok("null"),
        },
        Example {
            title: "an empty key",
            source: r#"pseudonymize("x", "")"#,
            result: Err("pseudonymize: the key is empty"),
        },
    ],
    imp: Imp::Reads(pseudonymize),
    check_const: Some(check_key),
    foldable: true,
}];

fn check_key(args: &[Option<&Value>]) -> Result<(), String> {
    match args.get(1).copied().flatten() {
        Some(Value::String(k)) if k.is_empty() => Err(EMPTY_KEY.into()),
        Some(Value::String(_)) | None => Ok(()),
        Some(other) => Err(format!(
            "pseudonymize: the key must be a string, got {}",
            kind(other)
        )),
    }
}

const EMPTY_KEY: &str = "pseudonymize: the key is empty: set the environment variable the mapping reads it from (e.g. `env(\"CLERKMAP_PSEUDONYM_KEY\")`)";

fn pseudonymize(args: &[&Value]) -> Result<Value, String> {
    let text = match &args[0] {
        Value::Null => return Ok(Value::Null),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string().into(),
        other => {
            return Err(format!(
                "pseudonymize: expected a string or a number, got {}",
                kind(other)
            ));
        }
    };
    // Never echo the key: errors only name its kind.
    let Value::String(key) = &args[1] else {
        return Err(format!(
            "pseudonymize: the key must be a string, got {}",
            kind(args[1])
        ));
    };
    if key.is_empty() {
        return Err(EMPTY_KEY.into());
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes())
        .map_err(|_| "pseudonymize: the key cannot be used".to_string())?;
    mac.update(text.as_bytes());
    Ok(Value::String(
        hex::encode(mac.finalize().into_bytes()).into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn stable_and_key_dependent() {
        let run = |v: Value, k: &str| pseudonymize(&[&v, &json!(k)]);
        assert_eq!(run(json!("a"), "k1"), run(json!("a"), "k1"));
        assert_ne!(run(json!("a"), "k1"), run(json!("a"), "k2"));
        assert_eq!(
            run(json!(5), "k").map(|v| v.as_str().map(str::len)),
            Ok(Some(64))
        );
        let err = run(json!("a"), "").err().unwrap_or_default();
        assert!(err.contains("key is empty"));
    }

    #[test]
    fn errors_never_show_the_key() {
        let err = pseudonymize(&[&json!([1]), &json!("topsecret")])
            .err()
            .unwrap_or_default();
        assert!(!err.contains("topsecret"), "{err}");
    }
}
