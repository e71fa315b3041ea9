//! HTML to plain text, for `strip_html`: tags removed (inline ones without a space), script,
//! style and comments dropped, entities decoded, whitespace collapsed.
//!
//! Two passes: the tags are removed (the text is borrowed when there are none), then the
//! entities are decoded and the whitespace collapsed together, straight into the result.

use std::borrow::Cow;

/// Finds `needle` (ASCII, lower case) in `hay` ignoring ASCII case.
fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (0..=hay.len() - needle.len()).find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// The end (index after `>`) of a tag starting at `start` (which is `<`), honouring quoted
/// attribute values; None when there is no closing `>`.
fn tag_end(b: &[u8], start: usize) -> Option<usize> {
    let mut quote: Option<u8> = None;
    let mut i = start + 1;
    while i < b.len() {
        let c = b[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == b'"' || c == b'\'' => quote = Some(c),
            None if c == b'>' => return Some(i + 1),
            None => {}
        }
        i += 1;
    }
    None
}

/// Whether the tag named `name` (ASCII letters and digits, any case) is one of those that do
/// not separate words (`a<b>b</b>c` is `abc`).
fn is_inline(name: &[u8]) -> bool {
    let mut lower = [0u8; 6];
    let Some(l) = lower.get_mut(..name.len()) else {
        return false;
    };
    l.copy_from_slice(name);
    l.make_ascii_lowercase();
    matches!(
        &*l,
        b"a" | b"abbr"
            | b"b"
            | b"big"
            | b"cite"
            | b"code"
            | b"del"
            | b"em"
            | b"font"
            | b"i"
            | b"ins"
            | b"mark"
            | b"s"
            | b"small"
            | b"span"
            | b"strike"
            | b"strong"
            | b"sub"
            | b"sup"
            | b"tt"
            | b"u"
            | b"wbr"
    )
}

/// Removes tags from `html`: inline tags vanish, other tags become a space, the content of
/// `script`/`style` and comments is dropped. A `<` that does not start a tag is kept. Borrowed
/// when nothing is removed.
fn remove_tags(html: &str) -> Cow<'_, str> {
    let b = html.as_bytes();
    let mut out = String::new();
    let mut i = 0;
    let mut text_start = 0;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + off;
        let next = b.get(lt + 1).copied();
        // a comment separates no words (`a<!-- x -->b` is `ab`, as a browser shows it)
        if b[lt..].starts_with(b"<!--") {
            out.push_str(&html[text_start..lt]);
            let end =
                memchr::memmem::find(&b[lt + 4..], b"-->").map_or(b.len(), |p| lt + 4 + p + 3);
            i = end;
            text_start = end;
            continue;
        }
        let is_tag = match next {
            Some(c) if c.is_ascii_alphabetic() => true,
            Some(b'/') => b.get(lt + 2).is_some_and(|c| c.is_ascii_alphabetic()),
            Some(b'!') | Some(b'?') => true,
            _ => false,
        };
        let end = if is_tag { tag_end(b, lt) } else { None };
        let Some(end) = end else {
            i = lt + 1;
            continue;
        };
        if out.capacity() == 0 {
            out.reserve(html.len());
        }
        out.push_str(&html[text_start..lt]);
        // tag name
        let name_start = if next == Some(b'/') { lt + 2 } else { lt + 1 };
        let name_len = b[name_start..end]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = &b[name_start..name_start + name_len];
        let closing = next == Some(b'/');
        let self_closing = b[..end - 1].ends_with(b"/");
        let close: Option<&[u8]> = if closing || self_closing {
            None
        } else if name.eq_ignore_ascii_case(b"script") {
            Some(b"</script")
        } else if name.eq_ignore_ascii_case(b"style") {
            Some(b"</style")
        } else {
            None
        };
        if let Some(close) = close {
            let resume = match find_ascii_ci(&b[end..], close) {
                Some(p) => tag_end(b, end + p).unwrap_or(b.len()),
                None => b.len(),
            };
            out.push(' ');
            i = resume;
            text_start = resume;
            continue;
        }
        if !is_inline(name) {
            out.push(' ');
        }
        i = end;
        text_start = end;
    }
    if text_start == 0 {
        return Cow::Borrowed(html);
    }
    out.push_str(&html[text_start..]);
    Cow::Owned(out)
}

/// Whether `c` is an ASCII byte that is not whitespace (`char::is_whitespace`: tab, line
/// feed, vertical tab, form feed, carriage return, space).
fn plain_ascii(c: u8) -> bool {
    c < 0x80 && !matches!(c, b'\t' | b'\n' | 0x0B | 0x0C | b'\r' | b' ')
}

/// Whether the eight bytes of `w` (little-endian) are ASCII from the space up, with no two
/// spaces in a row: text already collapsed (but maybe ending with a space).
fn plain_word(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // a byte below 0x20 (the lowest one borrows) or from 0x80 sets a high bit
    if (w.wrapping_sub(0x20 * ONES) | w) & HIGH != 0 {
        return false;
    }
    // the high bit of each byte that is a space (exact: no byte has its high bit here)
    let x = w ^ (0x20 * ONES);
    let spaces = !((x & !HIGH).wrapping_add(!HIGH) | x) & HIGH;
    spaces & (spaces << 8) == 0
}

/// Text whose whitespace runs (including newlines and no-break spaces: `char::is_whitespace`)
/// become one space, none at either end; fed piece by piece.
struct Collapsed {
    out: String,
    /// Whitespace was fed since the last word.
    space: bool,
}

impl Collapsed {
    /// The length of the whitespace character at `i` of `s`, 0 when it is not one (or `i` is
    /// the end).
    fn space_at(s: &str, i: usize) -> usize {
        match s.as_bytes().get(i) {
            None => 0,
            Some(&c) if c < 0x80 => usize::from(!plain_ascii(c)),
            Some(_) => s[i..]
                .chars()
                .next()
                .filter(|c| c.is_whitespace())
                .map_or(0, char::len_utf8),
        }
    }

    /// The end of the run of `s` starting at `i` (not whitespace) that is already collapsed:
    /// words separated by single spaces, not ending with a space.
    fn run_end(s: &str, mut i: usize) -> usize {
        let b = s.as_bytes();
        loop {
            // eight bytes at a time while they are plain and single spaces
            while let Some(w) = b
                .get(i..i + 8)
                .and_then(|w| <[u8; 8]>::try_from(w).ok())
                .map(u64::from_le_bytes)
                .filter(|&w| plain_word(w))
            {
                // a space at the end may be followed by whitespace: the next step sees it
                i += if w >> 56 == u64::from(b' ') { 7 } else { 8 };
            }
            let Some(&c) = b.get(i) else {
                break;
            };
            if plain_ascii(c) {
                i += 1;
            } else if c == b' ' {
                // one space between two words stays as it is
                match b.get(i + 1) {
                    Some(&d) if plain_ascii(d) => i += 2,
                    Some(&d) if d >= 0x80 && Self::space_at(s, i + 1) == 0 => i += 1,
                    _ => break,
                }
            } else if c < 0x80 {
                break;
            } else {
                match s[i..].chars().next() {
                    Some(ch) if !ch.is_whitespace() => i += ch.len_utf8(),
                    _ => break,
                }
            }
        }
        i
    }

    /// Appends `s`: its words, each after one space when whitespace came before it.
    fn feed(&mut self, s: &str) {
        let mut i = 0;
        while i < s.len() {
            let w = Self::space_at(s, i);
            if w > 0 {
                self.space = true;
                i += w;
                continue;
            }
            let end = Self::run_end(s, i);
            if self.space && !self.out.is_empty() {
                self.out.push(' ');
            }
            self.space = false;
            self.out.push_str(&s[i..end]);
            i = end;
        }
    }
}

/// Decodes the entities of `text` (exactly as `html_escape::decode_html_entities` does) into
/// `to`. An entity runs from a `&` to the next `;` with no `&` between, so the text is cut at
/// each such candidate, which is decoded alone: the same decoding, without a copy of the text.
fn decode_into(text: &str, to: &mut Collapsed) {
    let b = text.as_bytes();
    let mut scratch = String::new();
    let mut literal = 0;
    let mut i = 0;
    while let Some(off) = memchr::memchr(b'&', &b[i..]) {
        let amp = i + off;
        match memchr::memchr2(b';', b'&', &b[amp + 1..]) {
            Some(k) if b[amp + 1 + k] == b';' => {
                let end = amp + k + 2;
                to.feed(&text[literal..amp]);
                scratch.clear();
                to.feed(html_escape::decode_html_entities_to_string(
                    &text[amp..end],
                    &mut scratch,
                ));
                literal = end;
                i = end;
            }
            Some(k) => i = amp + 1 + k,
            None => break,
        }
    }
    to.feed(&text[literal..]);
}

/// HTML to plain text (see the `strip_html` function).
pub fn html_to_text(html: &str) -> String {
    let text = remove_tags(html);
    let mut to = Collapsed {
        out: String::with_capacity(text.len()),
        space: false,
    };
    decode_into(&text, &mut to);
    to.out
}

#[cfg(test)]
mod oracle;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_html_cases() {
        let t = |s: &str| html_to_text(s);
        assert_eq!(t("<p>a</p><p>b</p>"), "a b");
        assert_eq!(t("a<b>b</b>c"), "abc");
        assert_eq!(t("a<span class=\"x\">b</span>c"), "abc");
        assert_eq!(t("a<br>b<br/>c<BR />d"), "a b c d");
        assert_eq!(t("a < b and c > d"), "a < b and c > d");
        assert_eq!(t("1 <2"), "1 <2");
        assert_eq!(t("x<script type='a'>if (a<b) {}</script>y"), "x y");
        assert_eq!(t("x<STYLE>p{}</style>y"), "x y");
        // neither a comment nor a word-break opportunity separates words
        assert_eq!(t("x<!-- <p>hidden</p> -->y"), "xy");
        assert_eq!(t("a<span>b</span>c<wbr>d<WBR/>e"), "abcde");
        assert_eq!(t("&amp; &deg; &#39; &#x27; &lt;b&gt;"), "& ° ' ' <b>");
        assert_eq!(t("a&nbsp;&nbsp;b\n\t c\u{a0}d"), "a b c d");
        assert_eq!(t("<a href=\"x>y\">link</a>"), "link");
        assert_eq!(t("<div>unclosed <b"), "unclosed <b");
        assert_eq!(t("  <ul><li>uno</li><li>due</li></ul>  "), "uno due");
        assert_eq!(
            t("Perfetto per l'inverno<br>\r\n<strong>100%</strong> lana"),
            "Perfetto per l'inverno 100% lana"
        );
        assert_eq!(t(""), "");
    }
}
