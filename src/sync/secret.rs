//! Clerk's API keys. The private key is wrapped so that it cannot be printed by accident: its
//! `Debug` and `Display` show `***`, and [`Keys::redact`] scrubs both keys out of any text that
//! might echo them (an error from the network stack, a message from the server), in whatever
//! encoding they come back: raw, percent- or form-encoded, JSON-escaped (once or twice), HTML
//! entities, or with their whitespace collapsed ([`mask`]).

use std::fmt;

/// The private API key. Read it with [`Secret::expose`] only to put it on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a key.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The key in clear, to put it on the wire.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// A store's public key and (for pushing) its private key.
#[derive(Clone, Debug)]
pub struct Keys {
    /// The public key (`key` in Clerk's API); it names the store.
    pub public: String,
    /// The private key (`private_key`); none when only serving.
    pub private: Option<Secret>,
}

/// The environment variable the public key is read from unless told otherwise.
pub const PUBLIC_KEY_ENV: &str = "CLERK_PUBLIC_KEY";
/// The environment variable the private key is read from unless told otherwise.
pub const PRIVATE_KEY_ENV: &str = "CLERK_PRIVATE_KEY";

impl Keys {
    /// Reads the keys from the environment. `need_private`: fail when the private key is missing.
    pub fn from_env(
        public_env: &str,
        private_env: &str,
        need_private: bool,
    ) -> Result<Keys, String> {
        let public = match std::env::var(public_env) {
            Ok(v) if !v.trim().is_empty() => v.trim().to_string(),
            _ => {
                return Err(format!(
                    "no Clerk public key: set the environment variable {public_env} (Clerk's my.clerk.io > Settings > API keys)"
                ));
            }
        };
        let private = match std::env::var(private_env) {
            Ok(v) if !v.trim().is_empty() => Some(Secret::new(v.trim())),
            _ if need_private => {
                return Err(format!(
                    "no Clerk private key: set the environment variable {private_env} (never put it in a file or on the command line)"
                ));
            }
            _ => None,
        };
        Ok(Keys { public, private })
    }

    /// `text` with every occurrence of either key, in any encoding [`mask`] knows, replaced
    /// by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut keys = vec![self.public.as_str()];
        if let Some(p) = &self.private {
            keys.push(p.expose());
        }
        mask(text, &keys)
    }
}

/// What masks a key.
const MASK: &str = "***";

/// `text` with every occurrence of each of `secrets` replaced by `***`, whatever the encoding
/// of each of its characters (they may be mixed): raw; `%XX` (either case, also `%25XX`) or `+`
/// for a space; a JSON or Rust escape (`\"`, `\\`, `\/`, `\t`, `\uXXXX` with surrogate
/// pairs, `\u{X}`, `\xXX`), also escaped twice (`\\\"`, `\\t`, ...); an HTML entity
/// (`&amp;`, `&quot;`, `&#39;`, `&#xHH;`); and any run of whitespace for a run of whitespace.
/// Longer secrets are masked first; empty ones are ignored.
pub fn mask(text: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&[u8]> = secrets
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.as_bytes())
        .collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = text.to_string();
    for key in secrets {
        out = mask_one(&out, key);
    }
    out
}

/// `text` with every encoded occurrence of `key` masked.
fn mask_one(text: &str, key: &[u8]) -> String {
    let t = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(t.len());
    let mut i = 0;
    while i < t.len() {
        // Only these can start a key.
        let may_start = t[i] == key[0] || matches!(t[i], b'%' | b'+' | b'\\' | b'&') || {
            t[i].is_ascii_whitespace() && key[0].is_ascii_whitespace()
        };
        match may_start.then(|| match_at(t, i, key)).flatten() {
            Some(end) if end > i => {
                out.extend_from_slice(MASK.as_bytes());
                i = end;
            }
            _ => {
                out.push(t[i]);
                i += 1;
            }
        }
    }
    // Matches start and end on ASCII escapes or on whole characters of the key (UTF-8 is
    // self-synchronising), so the result is UTF-8; lossy only to be safe.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Where an encoded `key` starting at `start` ends, if one does: a search over (position in
/// the text, position in the key), each state visited once.
fn match_at(t: &[u8], start: usize, key: &[u8]) -> Option<usize> {
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![(start, 0usize)];
    while let Some((p, j)) = stack.pop() {
        if j == key.len() {
            return Some(p);
        }
        if p >= t.len() || !seen.insert((p, j)) {
            continue;
        }
        // A run of whitespace stands for a run of whitespace.
        if key[j].is_ascii_whitespace() && t[p].is_ascii_whitespace() {
            let p2 = p + t[p..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            let j2 = j + key[j..]
                .iter()
                .take_while(|b| b.is_ascii_whitespace())
                .count();
            stack.push((p2, j2));
        }
        for (bytes, len) in tokens(t, p) {
            if !bytes.is_empty() && key[j..].starts_with(&bytes) {
                stack.push((p + len, j + bytes.len()));
            }
        }
    }
    None
}

/// The ways the text at `p` can be read: `(bytes meant, bytes of text taken)`, the raw byte
/// first.
fn tokens(t: &[u8], p: usize) -> Vec<(Vec<u8>, usize)> {
    let mut v = vec![(vec![t[p]], 1)];
    let rest = &t[p..];
    match t[p] {
        b'+' => v.push((vec![b' '], 1)),
        b'%' => {
            if let Some(b) = hex_byte(&rest[1..]) {
                v.push((vec![b], 3));
            }
            if rest[1..].starts_with(b"25")
                && let Some(b) = hex_byte(&rest[3..])
            {
                v.push((vec![b], 5));
            }
        }
        b'\\' => {
            if let Some(tok) = escape(&rest[1..], false) {
                v.push((tok.0, tok.1 + 1));
            }
            // Escaped twice: `\\` then an escape whose own backslashes may be doubled.
            if rest.get(1) == Some(&b'\\')
                && let Some(tok) = escape(&rest[2..], true)
            {
                v.push((tok.0, tok.1 + 2));
            }
        }
        b'&' => {
            if let Some(tok) = entity(&rest[1..]) {
                v.push((tok.0, tok.1 + 1));
            }
        }
        _ => {}
    }
    v
}

/// Two hex digits.
fn hex_byte(t: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(t.get(..2)?).ok()?;
    u8::from_str_radix(s, 16).ok()
}

/// `n` hex digits as a number.
fn hex_n(t: &[u8], n: usize) -> Option<u32> {
    let d = t.get(..n)?;
    if !d.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(d).ok()?, 16).ok()
}

/// A character as UTF-8.
fn utf8(c: u32) -> Option<Vec<u8>> {
    let c = char::from_u32(c)?;
    let mut buf = [0u8; 4];
    Some(c.encode_utf8(&mut buf).as_bytes().to_vec())
}

/// The escape after a backslash (`t` starts after it): what it means and its length. `twice`:
/// inside a string escaped a second time, where a `"`, `\` or `/` after the backslash is
/// itself escaped (`\\\"` means `"`).
fn escape(t: &[u8], twice: bool) -> Option<(Vec<u8>, usize)> {
    let (c, clen) = match (twice, t.first()?) {
        (true, b'\\') => (*t.get(1)?, 2),
        (_, c) => (*c, 1),
    };
    if twice && clen == 1 && matches!(c, b'"' | b'\\') {
        // `\\"` would end the outer string: not an escape of the inner one.
        return None;
    }
    let simple = |b: u8| Some((vec![b], clen));
    match c {
        b'"' | b'\\' | b'/' | b'\'' => simple(c),
        b'b' => simple(0x08),
        b'f' => simple(0x0c),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'0' => simple(0),
        b'x' => Some((vec![hex_byte(&t[clen..])?], clen + 2)),
        b'u' if t.get(clen) == Some(&b'{') => {
            let body = &t[clen + 1..];
            let n = body
                .iter()
                .take(7)
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if n == 0 || body.get(n) != Some(&b'}') {
                return None;
            }
            Some((utf8(hex_n(body, n)?)?, clen + n + 2))
        }
        b'u' => {
            let hi = hex_n(&t[clen..], 4)?;
            if (0xD800..0xDC00).contains(&hi) {
                // A surrogate pair: the low half follows as another `\uXXXX` (escaped alike).
                let next = &t[clen + 4..];
                let skip = if twice { 3 } else { 2 };
                let lead: &[u8] = if twice { b"\\\\u" } else { b"\\u" };
                if !next.starts_with(lead) {
                    return None;
                }
                let lo = hex_n(&next[skip..], 4)?;
                if !(0xDC00..0xE000).contains(&lo) {
                    return None;
                }
                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                return Some((utf8(c)?, clen + 4 + skip + 4));
            }
            Some((utf8(hi)?, clen + 4))
        }
        _ => None,
    }
}

/// The HTML entity after a `&` (`t` starts after it): what it means and its length.
fn entity(t: &[u8]) -> Option<(Vec<u8>, usize)> {
    let end = t.iter().take(10).position(|b| *b == b';')?;
    let name = &t[..end];
    let meant = match name {
        b"amp" => vec![b'&'],
        b"quot" => vec![b'"'],
        b"apos" => vec![b'\''],
        b"lt" => vec![b'<'],
        b"gt" => vec![b'>'],
        b"nbsp" => vec![b' '],
        _ => {
            let num = name.strip_prefix(b"#")?;
            let c = match num.first()? {
                b'x' | b'X' => hex_n(&num[1..], num.len() - 1)?,
                _ => std::str::from_utf8(num).ok()?.parse().ok()?,
            };
            utf8(c)?
        }
    };
    Some((meant, end + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_private_key_never_prints() {
        let k = Keys {
            public: "pub".into(),
            private: Some(Secret::new("s3cr3t")),
        };
        assert!(!format!("{k:?}").contains("s3cr3t"));
        assert_eq!(
            k.redact("url?private_key=s3cr3t&x=1"),
            "url?private_key=***&x=1"
        );
    }

    #[test]
    fn every_encoding_of_both_keys_is_masked() {
        let private = "p&r/i v\"a\te+k%ey";
        let k = Keys {
            public: "pub/\u{e9} k\u{1F600}y".into(),
            private: Some(Secret::new(private)),
        };
        let forms = [
            // raw, JSON, PHP's JSON, JSON twice
            r#"p&r/i v"a	e+k%ey"#,
            r#"p&r/i v\"a\te+k%ey"#,
            r#"p&r\/i v\"a\te+k%ey"#,
            r#"p&r/i v\\\"a\\te+k%ey"#,
            r#"p&r\\\/i v\\\"a\\u0009e+k%ey"#,
            // percent (upper, lower, twice), form, a mix
            "p%26r%2Fi%20v%22a%09e%2Bk%25ey",
            "p%26r%2fi%20v%22a%09e%2bk%25ey",
            "p%2526r%252Fi%2520v%2522a%2509e%252Bk%2525ey",
            "p%26r%2Fi+v%22a%09e%2Bk%25ey",
            "p&r/i%20v%22a%09e+k%ey",
            // HTML, Rust's Debug, whitespace collapsed
            "p&amp;r/i v&quot;a&#9;e+k%ey",
            r#"p&r/i v\"a\u{9}e+k%ey"#,
            r#"p&r/i v"a e+k%ey"#,
            // the public key: UTF-8, \u escapes with a surrogate pair
            "pub/\u{e9} k\u{1F600}y",
            r#"pub\/\u00e9 k\ud83d\ude00y"#,
            r#"pub\/\u00E9 k\uD83D\uDE00y"#,
            "pub%2F%C3%A9+k%F0%9F%98%80y",
            "pub/&#233; k&#x1F600;y",
        ];
        for f in forms {
            let text = format!("<{f}>, again: {f}.");
            assert_eq!(k.redact(&text), "<***>, again: ***.", "{f}");
        }
        // Other text is left alone, also when it starts like a key.
        let other = "p&r/i v, %ZZ \\q &amp; \\u{zz} +%";
        assert_eq!(k.redact(other), other);
        assert_eq!(mask("aXa", &["", "a"]), "***X***");
        // The longer key first, when one holds the other.
        assert_eq!(mask("abcd ab", &["ab", "abcd"]), "*** ***");
    }
}
