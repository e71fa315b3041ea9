//! Unit tests of the URL functions.

use super::*;
use crate::json;

fn abs(path: Value, base: &str) -> Result<Value, String> {
    let args = [path, json!(base)];
    absolute_url(&args.iter().collect::<Vec<_>>())
}

const BASE: &str = "https://shop.example.it";

#[test]
fn joins_paths() {
    assert_eq!(
        abs(json!("/img/a.jpg"), "https://shop.example.it/"),
        Ok(json!("https://shop.example.it/img/a.jpg"))
    );
    assert_eq!(
        abs(json!("/img/a.jpg"), "https://shop.example.it///"),
        Ok(json!("https://shop.example.it/img/a.jpg"))
    );
    assert_eq!(
        abs(json!("img/a.jpg"), BASE),
        Ok(json!("https://shop.example.it/img/a.jpg"))
    );
    assert_eq!(
        abs(json!("img/a.jpg"), "https://shop.example.it/it/"),
        Ok(json!("https://shop.example.it/it/img/a.jpg"))
    );
    assert_eq!(
        abs(json!("//cdn.example.com/a.jpg"), BASE),
        Ok(json!("https://cdn.example.com/a.jpg"))
    );
    // The scheme and host are written in lower case (the URL's standard form).
    assert_eq!(
        abs(json!("HTTPS://CDN.example.com/a.jpg"), BASE),
        Ok(json!("https://cdn.example.com/a.jpg"))
    );
    assert_eq!(
        abs(json!("  /a.jpg "), BASE),
        Ok(json!("https://shop.example.it/a.jpg"))
    );
    assert_eq!(abs(json!(""), BASE), Ok(Value::Null));
    assert_eq!(abs(json!("   "), BASE), Ok(Value::Null));
    assert_eq!(abs(Value::Null, "bad"), Ok(Value::Null));
    assert!(
        abs(json!("ftp://x/a"), BASE)
            .unwrap_err()
            .contains("not an http(s) link")
    );
    assert!(abs(json!(12), BASE).is_err());
}

#[test]
fn encodes_what_urls_do_not_allow() {
    assert_eq!(
        abs(json!("/img/felpa rossa più.jpg?x=1&y=a|b#top"), BASE),
        Ok(json!(
            "https://shop.example.it/img/felpa%20rossa%20pi%C3%B9.jpg?x=1&y=a%7Cb#top"
        ))
    );
    assert_eq!(
        abs(json!("/a%20b%zz%"), BASE),
        Ok(json!("https://shop.example.it/a%20b%25zz%25"))
    );
    assert_eq!(
        abs(json!("/a\"<>\\^`{}"), BASE),
        Ok(json!("https://shop.example.it/a%22%3C%3E%5C%5E%60%7B%7D"))
    );
}

#[test]
fn resolves_by_rfc_3986() {
    // The cases of issue 14.
    assert_eq!(
        abs(json!("../img/a.jpg"), "https://x.it/shop/"),
        Ok(json!("https://x.it/img/a.jpg"))
    );
    assert_eq!(
        abs(json!("img/a.jpg"), "https://x.it/de/index.html"),
        Ok(json!("https://x.it/de/img/a.jpg"))
    );
    assert_eq!(
        abs(json!("//cdn.x.it/a.jpg"), "https://x.it/de/index.html"),
        Ok(json!("https://cdn.x.it/a.jpg"))
    );
    assert_eq!(
        abs(json!("//cdn.x.it/a.jpg"), "http://x.it"),
        Ok(json!("http://cdn.x.it/a.jpg"))
    );
    // RFC 3986 section 5.4.1, with the base http://a/b/c/d;p?q.
    let base = "http://a/b/c/d;p?q";
    for (r, want) in [
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g/"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        (";x", "http://a/b/c/;x"),
        (".", "http://a/b/c/"),
        ("./", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../g", "http://a/g"),
        ("../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("/../g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        ("..g", "http://a/b/c/..g"),
        ("./../g", "http://a/b/g"),
        ("g/./h", "http://a/b/c/g/h"),
        ("g/../h", "http://a/b/c/h"),
        ("g;x=1/../y", "http://a/b/c/y"),
    ] {
        assert_eq!(abs(json!(r), base), Ok(json!(want)), "{r}");
    }
}

#[test]
fn unusable_links_are_errors_that_say_why() {
    let e = abs(json!("javascript:alert(1)"), BASE).unwrap_err();
    assert!(
        e.contains("is a link with the scheme \"javascript\", not an http(s) link"),
        "{e}"
    );
    assert!(!e.contains("./"), "{e}");
    let e = abs(json!("a:b.jpg"), BASE).unwrap_err();
    assert!(e.contains("write it as \"./a:b.jpg\""), "{e}");
    assert_eq!(
        abs(json!("./a:b.jpg"), BASE),
        Ok(json!("https://shop.example.it/a:b.jpg"))
    );
    // Found by the property tests: a reference `//` (an empty host) is an error, never a guess.
    for bad in [
        "http://",
        "https://exa mple.it/a",
        "https://x.it:70000/",
        "http://[::1/",
        "//",
        "///cdn.it/a.jpg",
        "//?a",
        "https:///cdn.it/a.jpg",
        "http:a.jpg",
        "HTTPS:/cdn.it/a.jpg",
        "//%2F",
    ] {
        let e = abs(json!(bad), BASE).unwrap_err();
        assert!(e.contains("cannot make"), "{bad}: {e}");
        assert!(e.contains("fix the link in the export"), "{bad}: {e}");
    }
}

#[test]
fn one_encoding_rule() {
    // The same link gives the same encoding whatever the base and wherever it is used.
    for base in [
        BASE,
        "https://shop.example.it/de/",
        "https://shop.example.it/x.html",
    ] {
        let got = abs(json!("/p/più blu|x.jpg"), base);
        assert_eq!(
            got,
            Ok(json!("https://shop.example.it/p/pi%C3%B9%20blu%7Cx.jpg"))
        );
    }
    // Escapes already there are kept; a bare % is encoded.
    assert_eq!(
        abs(json!("/a%C3%B9 ù%"), BASE),
        Ok(json!("https://shop.example.it/a%C3%B9%20%C3%B9%25"))
    );
    // Query and fragment.
    assert_eq!(
        abs(json!("/a?q=più blu&x='1'#sez ù"), BASE),
        Ok(json!(
            "https://shop.example.it/a?q=pi%C3%B9%20blu&x=%271%27#sez%20%C3%B9"
        ))
    );
    // A non-ASCII host in punycode; a default port dropped.
    assert_eq!(
        abs(json!("https://negozio-più.it:443/a"), BASE),
        Ok(json!("https://xn--negozio-pi-ldb.it/a"))
    );
    assert_eq!(
        prefixed(json!("/p/più blu|x.jpg"), "https://shop.example.it/"),
        Ok(json!("https://shop.example.it/p/pi%C3%B9%20blu%7Cx.jpg"))
    );
}

fn prefixed(path: Value, prefix: &str) -> Result<Value, String> {
    let args = [path, json!(prefix)];
    prefixed_url(&args.iter().collect::<Vec<_>>())
}

#[test]
fn puts_paths_under_a_prefix() {
    let de = "https://www.negozio.it/de";
    for (p, want) in [
        ("/x", "https://www.negozio.it/de/x"),
        ("x", "https://www.negozio.it/de/x"),
        ("./x/", "https://www.negozio.it/de/x/"),
        ("/a/../x", "https://www.negozio.it/de/x"),
        ("../../x", "https://www.negozio.it/de/x"),
        ("/", "https://www.negozio.it/de/"),
        ("?q=1", "https://www.negozio.it/de/?q=1"),
        ("/x#top", "https://www.negozio.it/de/x#top"),
        ("//cdn.it/a.jpg", "https://cdn.it/a.jpg"),
        ("http://cdn.it/a.jpg", "http://cdn.it/a.jpg"),
    ] {
        assert_eq!(prefixed(json!(p), de), Ok(json!(want)), "{p}");
        assert_eq!(
            prefixed(json!(p), "https://www.negozio.it/de/"),
            Ok(json!(want)),
            "{p}"
        );
    }
    assert_eq!(
        prefixed(json!("/x"), "https://www.negozio.it"),
        Ok(json!("https://www.negozio.it/x"))
    );
    assert_eq!(prefixed(Value::Null, "bad"), Ok(Value::Null));
    assert!(
        prefixed(json!("///x"), de)
            .unwrap_err()
            .contains("its host is empty")
    );
    assert!(
        prefixed(json!("mailto:a@b.it"), de)
            .unwrap_err()
            .contains("not an http(s) link")
    );
    for bad in ["https://x.it/#a", "https://x.it/?a=1", "x.it"] {
        assert!(prefixed(json!("/a"), bad).is_err(), "{bad}");
        assert!(check_prefixed_url(&[None, Some(&json!(bad))]).is_err());
    }
    assert!(check_prefixed_url(&[None, Some(&json!(de))]).is_ok());
}

#[test]
fn each_call_uses_its_own_base() {
    // The last base is kept per thread: a different base is never answered from it.
    for _ in 0..2 {
        assert_eq!(
            abs(json!("a.jpg"), "https://x.it/de/"),
            Ok(json!("https://x.it/de/a.jpg"))
        );
        assert_eq!(
            abs(json!("a.jpg"), "https://x.it/de"),
            Ok(json!("https://x.it/a.jpg"))
        );
        assert!(abs(json!("a.jpg"), "x.it/de").is_err());
        assert_eq!(
            prefixed(json!("a.jpg"), "https://x.it/de"),
            Ok(json!("https://x.it/de/a.jpg"))
        );
    }
}

#[test]
fn rejects_bad_bases() {
    for bad in [
        "shop.example.it",
        "https://",
        "https:///x",
        "ftp://x.it",
        "/x",
        "",
    ] {
        let e = abs(json!("/a"), bad).unwrap_err();
        assert!(
            e.contains("the base must be an absolute http(s) URL"),
            "{bad}: {e}"
        );
        assert!(check_absolute_url(&[None, Some(&json!(bad))]).is_err());
    }
    assert!(abs(json!("/a"), "http://localhost:8080").is_ok());
    assert!(check_absolute_url(&[None, Some(&json!(BASE))]).is_ok());
    assert!(check_absolute_url(&[None, Some(&json!(1))]).is_err());
    assert!(check_absolute_url(&[None, None]).is_ok());
}

#[test]
fn encodes_components() {
    let args = [json!("felpa & più/blu~x_y.z-1")];
    assert_eq!(
        url_encode(&args.iter().collect::<Vec<_>>()),
        Ok(json!("felpa%20%26%20pi%C3%B9%2Fblu~x_y.z-1"))
    );
    let args = [json!(12.5)];
    assert_eq!(
        url_encode(&args.iter().collect::<Vec<_>>()),
        Ok(json!("12.5"))
    );
    let args = [json!([1])];
    assert!(url_encode(&args.iter().collect::<Vec<_>>()).is_err());
}
