//! HTML to plain text, for `strip_html`: tags removed (inline ones without a space), script,
//! style and comments dropped, entities decoded, whitespace collapsed.

/// Tags that do not separate words (`a<b>b</b>c` is `abc`).
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "big", "cite", "code", "del", "em", "font", "i", "ins", "mark", "s", "small",
    "span", "strike", "strong", "sub", "sup", "tt", "u",
];

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

/// Removes tags from `html`: inline tags vanish, other tags become a space, the content of
/// `script`/`style` and comments is dropped. A `<` that does not start a tag is kept.
fn remove_tags(html: &str) -> String {
    let b = html.as_bytes();
    let mut out = String::with_capacity(html.len());
    let mut i = 0;
    let mut text_start = 0;
    while let Some(off) = memchr::memchr(b'<', &b[i..]) {
        let lt = i + off;
        let next = b.get(lt + 1).copied();
        // comment
        if b[lt..].starts_with(b"<!--") {
            out.push_str(&html[text_start..lt]);
            out.push(' ');
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
        out.push_str(&html[text_start..lt]);
        // tag name
        let name_start = if next == Some(b'/') { lt + 2 } else { lt + 1 };
        let name_len = b[name_start..end]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let name = html[name_start..name_start + name_len].to_ascii_lowercase();
        let closing = next == Some(b'/');
        let self_closing = b[..end - 1].ends_with(b"/");
        if !closing && !self_closing && (name == "script" || name == "style") {
            let close = format!("</{name}");
            let resume = match find_ascii_ci(&b[end..], close.as_bytes()) {
                Some(p) => tag_end(b, end + p).unwrap_or(b.len()),
                None => b.len(),
            };
            out.push(' ');
            i = resume;
            text_start = resume;
            continue;
        }
        if !INLINE_TAGS.contains(&name.as_str()) {
            out.push(' ');
        }
        i = end;
        text_start = end;
    }
    out.push_str(&html[text_start..]);
    out
}

/// Collapses every whitespace run (including newlines and no-break spaces) to one space, trimmed.
fn collapse_whitespace(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split(char::is_whitespace).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// HTML to plain text (see the `strip_html` function).
pub fn html_to_text(html: &str) -> String {
    let text = remove_tags(html);
    let decoded = html_escape::decode_html_entities(&text);
    collapse_whitespace(&decoded)
}

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
        assert_eq!(t("x<!-- <p>hidden</p> -->y"), "x y");
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
