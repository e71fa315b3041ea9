//! The implementation of `strip_html` before its single-pass rewrite, kept as the test oracle
//! of the differential tests in `html.rs`; changed since only where the behaviour was (a
//! comment and `<wbr>` separate no words).

/// Tags that do not separate words (`a<b>b</b>c` is `abc`).
const INLINE_TAGS: &[&str] = &[
    "a", "abbr", "b", "big", "cite", "code", "del", "em", "font", "i", "ins", "mark", "s", "small",
    "span", "strike", "strong", "sub", "sup", "tt", "u", "wbr",
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
pub(super) fn html_to_text(html: &str) -> String {
    let text = remove_tags(html);
    let decoded = html_escape::decode_html_entities(&text);
    collapse_whitespace(&decoded)
}

mod props {
    use proptest::prelude::*;
    use proptest::test_runner::Config;

    fn config() -> Config {
        Config {
            failure_persistence: None,
            ..Config::default()
        }
    }

    /// Pieces of HTML, malformed ones and entities cut by tags among them.
    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => "\\PC{0,6}",
            2 => "[a-z ]{1,6}",
            1 => prop::sample::select(vec![
                "<p>", "</p>", "<b>", "</B>", "<br/>", "<BR />", "<span class=\"x>y\">", "</span>",
                "<a href='q\"'>", "<script>", "</script>", "<SCRIPT type='a'>", "</ScRiPt >",
                "<style>", "</style", "<!--", "-->", "<!doctype html>", "<?xml?>", "<", ">", "</",
                "< p>", "<1>", "<li>", "</li>", "<ul>", "<div", "\"", "'", "/>", "<b/>", "<style/>",
                "&", ";", "#", "&amp;", "&amp", "&lt;", "&gt;", "&quot;", "&apos;", "&nbsp;",
                "&deg;", "&eacute;", "&Eacute;", "&#39;", "&#x27;", "&#X27;", "&#0;", "&#10;",
                "&#32;", "&#x20;", "&#12288;", "&#xD800;", "&#1114112;", "&#+5;", "&#;", "&#x;",
                "&;", "&&amp;", "&am", "p;", "&nb", "sp;", "&NewLine;", "&Tab;", "&ThickSpace;",
                "&unknown;", "&a b;", "\u{a0}", "\u{3000}", "\u{2028}", "\u{85}", "\u{b}", "\u{c}",
                "\r\n", "\t", "  ", "è", "€", "😀",
            ])
            .prop_map(str::to_string),
        ]
    }

    fn html() -> impl Strategy<Value = String> {
        prop::collection::vec(piece(), 0..24).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(config())]

        /// The eight-byte test of already collapsed text is the byte-by-byte one.
        #[test]
        fn plain_words(w in prop::array::uniform8(prop_oneof![
            4 => 0x21u8..0x7F,
            3 => Just(b' '),
            1 => any::<u8>(),
            1 => prop::sample::select(vec![0x1F, 0x20, 0x21, 0x7F, 0x80, 0xA0, 0xFF, 0x09, 0x0A, 0x0D, 0x00]),
        ])) {
            let bytewise = w.iter().all(|&c| (0x20..0x80).contains(&c))
                && !w.windows(2).any(|p| p == b"  ");
            prop_assert_eq!(super::super::plain_word(u64::from_le_bytes(w)), bytewise, "{:?}", w);
        }

        /// The single-pass `strip_html` gives what the three passes gave, on any text.
        #[test]
        fn strip_html_is_unchanged(s in html()) {
            prop_assert_eq!(super::super::html_to_text(&s), super::html_to_text(&s), "{:?}", s);
        }

        #[test]
        fn strip_html_is_unchanged_on_any_text(s in "\\PC{0,40}") {
            prop_assert_eq!(super::super::html_to_text(&s), super::html_to_text(&s), "{:?}", s);
        }
    }
}
