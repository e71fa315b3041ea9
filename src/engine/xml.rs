//! XML sources, streamed: every element named like the item (`<item>` by default, any depth)
//! becomes one record. Child elements become fields under their local name (the namespace
//! prefix is dropped: `<g:price>` is `.price`), repeated children become lists, attributes are
//! `@name`, the text of an element with children or attributes is `#text`. Empty elements are
//! left out. A document without a single item says which element its records likely are.
//!
//! Reading is bounded: an item is built without recursion and rejected (reading goes on after
//! its end tag) when it nests deeper than [`MAX_DEPTH`] or grows over the record size limit; a
//! single piece of XML (a text, a tag) over the limit ends the file, as does a document cut off
//! before its last end tag (the items before are read).

use std::io::{BufRead, Read};

use crate::value::{Map, Value};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::limits::{MAX_DEPTH, show_bytes};

/// What [`XmlItems::next_item`] found.
#[derive(Debug, PartialEq)]
pub enum XmlItem {
    /// An item's value (an object, unless the item holds only text).
    Record(Value),
    /// An item that cannot be a record (too deep, too large, a bad attribute), skipped: why.
    Rejected(String),
}

/// The names of the elements open outside items kept for messages (the outermost ones).
const OPEN_NAMES: usize = 32;

/// Counts the bytes consumed since [`Budget::mark`] and fails a read once they pass the
/// limit, so that no single event (a text, a tag) can grow a buffer past it.
struct Budget {
    inner: Box<dyn BufRead + Send>,
    used: u64,
    allowed: u64,
    tripped: bool,
    /// Line breaks consumed (for the line of an error).
    newlines: u64,
}

impl Budget {
    fn mark(&mut self) {
        self.used = 0;
    }
}

impl Read for Budget {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(out.len());
        out[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for Budget {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.used > self.allowed {
            self.tripped = true;
            return Err(std::io::Error::other("over the record size limit"));
        }
        // Never more than one byte past the limit, whatever the inner buffer holds.
        let room =
            usize::try_from((self.allowed - self.used).saturating_add(1)).unwrap_or(usize::MAX);
        let avail = self.inner.fill_buf()?;
        Ok(&avail[..avail.len().min(room)])
    }

    fn consume(&mut self, n: usize) {
        self.used += n as u64;
        // the buffer the `n` bytes were read from (no read happens while it holds them)
        if n > 0
            && let Ok(buf) = self.inner.fill_buf()
        {
            self.newlines += memchr::memchr_iter(b'\n', &buf[..n.min(buf.len())]).count() as u64;
        }
        self.inner.consume(n);
    }
}

/// The items of an XML document, read one at a time.
pub struct XmlItems {
    reader: Reader<Budget>,
    item: String,
    buf: Vec<u8>,
    done: bool,
    max_record_bytes: u64,
    /// The names of the outermost elements open outside items (at most [`OPEN_NAMES`]).
    open: Vec<String>,
    /// How many elements are open outside items.
    depth: u64,
    /// Items met so far.
    count: u64,
    /// The encoding the XML declaration names, if any.
    encoding: Option<String>,
    /// Until the first item: the elements met outside items, by (depth, parent, local name),
    /// with their count (at most [`TALLIED`] names), for a document that has no item.
    tally: Vec<((u64, String, String), u64)>,
    /// The input's name (`--input NAME=...`), for the fixes messages write.
    pub(super) input_name: Option<String>,
    /// Names keep their namespace prefix (`xmlns`).
    qualified: bool,
}

/// The most element names [`XmlItems`] counts before its first item.
const TALLIED: usize = 256;

fn local(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

fn insert(map: &mut Map, key: String, v: Value) {
    match map.get_mut(&key) {
        None => {
            map.insert(key, v);
        }
        Some(Value::Array(items)) => items.push(v),
        Some(existing) => {
            let first = std::mem::take(existing);
            *existing = Value::Array(vec![first, v]);
        }
    }
}

fn attributes(start: &BytesStart, map: &mut Map, qualified: bool) -> Result<(), String> {
    for a in start.attributes() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        let value = a
            .normalized_value(quick_xml::XmlVersion::Implicit1_0)
            .map_err(|e| format!("bad attribute value: {e}"))?;
        let name = if qualified {
            a.key.as_ref().to_string()
        } else {
            local(a.key.as_ref())
        };
        map.insert(format!("@{name}"), Value::String(value.into()));
    }
    Ok(())
}

/// An element's name as a field: its local name, or with its prefix when `qualified`.
fn element_name(start: &BytesStart, qualified: bool) -> String {
    if qualified {
        start.name().as_ref().to_string()
    } else {
        start.local_name().as_ref().to_string()
    }
}

/// An element being read: its name (its key in the parent), fields and text.
struct Frame {
    name: String,
    map: Map,
    text: String,
}

impl Frame {
    /// The element's value: its text alone (null when blank), or its fields with `#text`.
    fn finish(self) -> Value {
        let trimmed = self.text.trim();
        let mut map = self.map;
        if map.is_empty() {
            return if trimmed.is_empty() {
                Value::Null
            } else {
                Value::String(trimmed.into())
            };
        }
        if !trimmed.is_empty() {
            map.insert("#text", Value::String(trimmed.into()));
        }
        Value::Object(map)
    }
}

impl XmlItems {
    /// The same reader, keeping the namespace prefix of element and attribute names
    /// (`."content:encoded"`, `."@xml:lang"`) when `qualified`.
    pub fn qualified(mut self, qualified: bool) -> XmlItems {
        self.qualified = qualified;
        self
    }

    /// Reads the elements named `item` (local name) of a document; an item may take at most
    /// `max_record_bytes` bytes of the file.
    pub fn new(input: Box<dyn BufRead + Send>, item: &str, max_record_bytes: u64) -> XmlItems {
        let budget = Budget {
            inner: input,
            used: 0,
            allowed: max_record_bytes,
            tripped: false,
            newlines: 0,
        };
        XmlItems {
            reader: Reader::from_reader(budget),
            item: local(item),
            buf: Vec::new(),
            done: false,
            max_record_bytes,
            open: Vec::new(),
            depth: 0,
            count: 0,
            encoding: None,
            tally: Vec::new(),
            input_name: None,
            qualified: false,
        }
    }

    /// The next item with its number (from 1), or None at the end of the document. An error
    /// ends the document: XML cannot be resynchronised after it.
    pub fn next_item(&mut self) -> Option<Result<(u64, XmlItem), String>> {
        if self.done {
            return None;
        }
        let mut buf = std::mem::take(&mut self.buf);
        let found = self.scan(&mut buf);
        self.buf = buf;
        match found {
            Ok(Some(item)) => Some(Ok((self.count, item))),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }

    /// The next event into `buf`, each bounded by the record size limit.
    fn event<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<Event<'b>, String> {
        buf.clear();
        self.reader.get_mut().mark();
        match self.reader.read_event_into(buf) {
            Ok(ev) => Ok(ev),
            Err(e) => {
                let at = self.reader.buffer_position();
                Err(if self.reader.get_ref().tripped {
                    format!(
                        "a piece of XML (a text or a tag) near byte {at} is larger than the record size limit of {} (max-record-bytes): the file cannot be read further",
                        show_bytes(self.max_record_bytes)
                    )
                } else {
                    let line = self.reader.get_ref().newlines + 1;
                    match (&e, &self.encoding) {
                        // an ISO-8859-1 export read as UTF-8: not malformed, in another encoding
                        (quick_xml::Error::Encoding(_), Some(declared))
                            if !declared.eq_ignore_ascii_case("utf-8") =>
                        {
                            format!(
                                "not UTF-8 at line {line} (byte {at}): the document declares encoding=\"{declared}\", and XML inputs are read as UTF-8 only: convert the file first, e.g. `iconv -f {declared} -t UTF-8 FILE > FILE-utf8.xml`"
                            )
                        }
                        (quick_xml::Error::Encoding(_), _) => format!(
                            "not UTF-8 at line {line} (byte {at}): XML inputs are read as UTF-8 only: convert the file first, e.g. `iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE-utf8.xml` (for an export in Windows-1252)"
                        ),
                        _ => format!("malformed XML at line {line} (byte {at}): {e}"),
                    }
                })
            }
        }
    }

    /// Reads up to the next item (outside items).
    fn scan(&mut self, buf: &mut Vec<u8>) -> Result<Option<XmlItem>, String> {
        loop {
            let start_at = self.reader.buffer_position();
            let ev = self.event(buf)?;
            let (start, empty) = match &ev {
                Event::Start(s) => (s, false),
                Event::Empty(s) => (s, true),
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    if self.open.len() as u64 > self.depth {
                        self.open.pop();
                    }
                    continue;
                }
                Event::Eof if self.depth > 0 => return Err(self.cut_off()),
                Event::Eof if self.count == 0 && !self.tally.is_empty() => {
                    return Err(self.no_items());
                }
                Event::Eof => return Ok(None),
                Event::Decl(d) => {
                    if let Some(Ok(e)) = d.encoding() {
                        self.encoding = Some(e.to_string());
                    }
                    continue;
                }
                _ => continue,
            };
            if start.local_name().as_ref() != self.item {
                if self.count == 0 {
                    self.count_element(start.local_name().as_ref().to_string());
                }
                if !empty {
                    if self.open.len() < OPEN_NAMES {
                        self.open.push(start.name().as_ref().to_string());
                    }
                    self.depth += 1;
                }
                continue;
            }
            self.count += 1;
            let mut map = Map::new();
            let attrs = attributes(start, &mut map, self.qualified);
            if empty {
                return Ok(Some(match attrs {
                    Ok(()) => XmlItem::Record(Value::Object(map)),
                    Err(e) => XmlItem::Rejected(e),
                }));
            }
            let frame = Frame {
                name: self.item.clone(),
                map,
                text: String::new(),
            };
            return match attrs {
                Ok(()) => self.item_body(buf, frame, start_at),
                Err(e) => self.skip(buf, 1, e),
            }
            .map(Some);
        }
    }

    /// Counts an element met before any item (under the innermost element open).
    fn count_element(&mut self, name: String) {
        let parent = self.open.last().map(|p| local(p)).unwrap_or_default();
        let key = (self.depth, parent, name);
        if let Some((_, n)) = self.tally.iter_mut().find(|(k, _)| *k == key) {
            *n += 1;
        } else if self.tally.len() < TALLIED {
            self.tally.push((key, 1));
        }
    }

    /// The message of a document without a single item: which element its records likely
    /// are (the most repeated at the shallowest depth, `<Artikel>` under `<Export>`), and how
    /// to name it; an element whose name differs from the item's only in case first.
    fn no_items(&self) -> String {
        let item = &self.item;
        let input = self.input_name.as_deref().unwrap_or("NAME");
        let fix = |name: &str| {
            format!(
                "name them with the input's format `xml:{name}` (`--input-format {input}=xml:{name}`, or `format: xml:{name}` in clerkmap.yaml)"
            )
        };
        if let Some(((_, _, name), n)) = self
            .tally
            .iter()
            .filter(|((_, _, name), _)| name.eq_ignore_ascii_case(item))
            .max_by_key(|(_, n)| *n)
        {
            return format!(
                "no `<{item}>` element, the records of this input, but {n} `<{name}>`: element names are case-sensitive; {}",
                fix(name)
            );
        }
        let repeated = self
            .tally
            .iter()
            .filter(|(_, n)| *n > 1)
            .min_by_key(|((depth, _, _), n)| (*depth, std::cmp::Reverse(*n)));
        let likely = repeated.or_else(|| {
            self.tally
                .iter()
                .filter(|((depth, _, _), _)| *depth == 1)
                .max_by_key(|(_, n)| *n)
        });
        match likely {
            Some(((_, parent, name), n)) => format!(
                "no `<{item}>` element, the records of this input: the document holds {n} `<{name}>` in `<{parent}>`; if those are the records, {}",
                fix(name)
            ),
            None => format!(
                "no `<{item}>` element, the records of this input, and no element inside the document's root: the file holds no record"
            ),
        }
    }

    /// The message of a document that ends with elements still open.
    fn cut_off(&self) -> String {
        let mut missing: String = self.open.iter().rev().map(|n| format!("</{n}>")).collect();
        if self.depth > self.open.len() as u64 {
            missing = format!(
                "{} more end tags, then {missing}",
                self.depth - self.open.len() as u64
            );
        }
        let after = match self.count {
            0 => "before any record".to_string(),
            n => format!("after record {n}"),
        };
        format!(
            "the document is cut off: it ends before {missing} ({after}); the records before were read, the rest of the export is missing: export the file again"
        )
    }

    /// Reads the content of an item up to its end tag, without recursion.
    fn item_body(
        &mut self,
        buf: &mut Vec<u8>,
        item: Frame,
        start_at: u64,
    ) -> Result<XmlItem, String> {
        let mut stack = vec![item];
        loop {
            let size = self.reader.buffer_position().saturating_sub(start_at);
            if size > self.max_record_bytes {
                let why = self.too_big();
                return self.skip(buf, stack.len() as u64, why);
            }
            let ev = self.event(buf)?;
            let mut problem = None;
            match ev {
                Event::Start(s) => {
                    if stack.len() >= MAX_DEPTH {
                        problem = Some((1, self.too_deep()));
                    } else {
                        let mut map = Map::new();
                        match attributes(&s, &mut map, self.qualified) {
                            Ok(()) => stack.push(Frame {
                                name: element_name(&s, self.qualified),
                                map,
                                text: String::new(),
                            }),
                            Err(e) => problem = Some((1, e)),
                        }
                    }
                }
                Event::Empty(s) => {
                    if stack.len() >= MAX_DEPTH {
                        problem = Some((0, self.too_deep()));
                    } else {
                        let mut map = Map::new();
                        match attributes(&s, &mut map, self.qualified) {
                            Ok(()) if map.is_empty() => {}
                            Ok(()) => {
                                if let Some(top) = stack.last_mut() {
                                    insert(
                                        &mut top.map,
                                        element_name(&s, self.qualified),
                                        Value::Object(map),
                                    );
                                }
                            }
                            Err(e) => problem = Some((0, e)),
                        }
                    }
                }
                Event::Text(t) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&t.xml10_content());
                    }
                }
                Event::CData(c) => {
                    if let Some(top) = stack.last_mut() {
                        top.text.push_str(&c.into_inner());
                    }
                }
                Event::GeneralRef(r) => {
                    let at = self.reader.buffer_position();
                    if let Some(top) = stack.last_mut() {
                        if r.is_char_ref() {
                            match r.resolve_char_ref() {
                                Ok(Some(c)) => top.text.push(c),
                                _ => {
                                    problem = Some((
                                        0,
                                        format!("bad character reference &{}; at byte {at}", &*r),
                                    ));
                                }
                            }
                        } else {
                            match quick_xml::escape::resolve_xml_entity(&r) {
                                Some(s) => top.text.push_str(s),
                                // Not XML's: an HTML entity (`&nbsp;`, `&euro;`, which many
                                // exports write) is its character, as `strip_html` would
                                // make it; any other is kept as written.
                                None => {
                                    let written = format!("&{};", &*r);
                                    top.text
                                        .push_str(&html_escape::decode_html_entities(&written));
                                }
                            }
                        }
                    }
                }
                Event::End(_) => {
                    let Some(done) = stack.pop() else {
                        return Err("internal error: an end tag outside the item".into());
                    };
                    let name = done.name.clone();
                    let v = done.finish();
                    match stack.last_mut() {
                        Some(parent) => {
                            if !v.is_null() {
                                insert(&mut parent.map, name, v);
                            }
                        }
                        None => {
                            // The end tag may have been the last straw.
                            let size = self.reader.buffer_position().saturating_sub(start_at);
                            if size > self.max_record_bytes {
                                return Ok(XmlItem::Rejected(self.too_big()));
                            }
                            return Ok(XmlItem::Record(v));
                        }
                    }
                }
                Event::Eof => return Err(self.ends_inside()),
                _ => {}
            }
            if let Some((opened, why)) = problem {
                return self.skip(buf, stack.len() as u64 + opened, why);
            }
        }
    }

    fn too_big(&self) -> String {
        format!(
            "record is over the record size limit of {} (max-record-bytes): it was skipped",
            show_bytes(self.max_record_bytes)
        )
    }

    fn too_deep(&self) -> String {
        format!(
            "elements nested deeper than {MAX_DEPTH} levels (near byte {}): clerkmap reads at most {MAX_DEPTH} levels; the record was skipped",
            self.reader.buffer_position()
        )
    }

    fn ends_inside(&self) -> String {
        format!(
            "the file ends inside <{}> (record {}): it is cut off; the records before it were read",
            self.item, self.count
        )
    }

    /// Skips to the end of the current item, `open` elements being open: the item is rejected.
    fn skip(&mut self, buf: &mut Vec<u8>, mut open: u64, why: String) -> Result<XmlItem, String> {
        while open > 0 {
            match self.event(buf)? {
                Event::Start(_) => open += 1,
                Event::End(_) => open -= 1,
                Event::Eof => return Err(self.ends_inside()),
                _ => {}
            }
        }
        Ok(XmlItem::Rejected(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn read(xml: &str, item: &str, max: u64) -> Vec<Result<(u64, XmlItem), String>> {
        let mut r = XmlItems::new(
            Box::new(std::io::Cursor::new(xml.as_bytes().to_vec())),
            item,
            max,
        );
        std::iter::from_fn(|| r.next_item()).collect()
    }

    fn items(xml: &str, item: &str) -> Vec<Result<Value, String>> {
        read(xml, item, 1 << 20)
            .into_iter()
            .map(|r| match r {
                Ok((_, XmlItem::Record(v))) => Ok(v),
                Ok((_, XmlItem::Rejected(e))) | Err(e) => Err(e),
            })
            .collect()
    }

    /// WordPress's export: `<content:encoded>` and `<excerpt:encoded>` are one `.encoded`
    /// (a list, or the excerpt alone in a post without text) unless names keep their prefix.
    #[test]
    fn qualified_names_keep_two_namespaces_apart() {
        let xml = r#"<rss xmlns:content="c" xmlns:excerpt="e" xmlns:wp="w"><channel>
            <item><title>A</title><content:encoded><![CDATA[<p>Text</p>]]></content:encoded>
              <excerpt:encoded>Short</excerpt:encoded><wp:post_type xml:lang="en">post</wp:post_type></item>
            <item><title>B</title><content:encoded></content:encoded><excerpt:encoded>Only</excerpt:encoded></item>
            </channel></rss>"#;
        let local = items(xml, "item");
        assert_eq!(
            local[0],
            Ok(
                json!({"title": "A", "encoded": ["<p>Text</p>", "Short"], "post_type": {"@lang": "en", "#text": "post"}})
            )
        );
        assert_eq!(local[1], Ok(json!({"title": "B", "encoded": "Only"})));
        let mut r = XmlItems::new(
            Box::new(std::io::Cursor::new(xml.as_bytes().to_vec())),
            "item",
            1 << 20,
        )
        .qualified(true);
        let qualified: Vec<Value> = std::iter::from_fn(|| r.next_item())
            .filter_map(|r| match r {
                Ok((_, XmlItem::Record(v))) => Some(v),
                _ => None,
            })
            .collect();
        assert_eq!(
            qualified,
            [
                json!({"title": "A", "content:encoded": "<p>Text</p>", "excerpt:encoded": "Short", "wp:post_type": {"@xml:lang": "en", "#text": "post"}}),
                json!({"title": "B", "excerpt:encoded": "Only"}),
            ]
        );
    }

    #[test]
    fn google_shopping_items() {
        let xml = r#"<?xml version="1.0"?><rss xmlns:g="http://base.google.com/ns/1.0"><channel><title>Shop</title>
<item><g:id>A@S</g:id><g:title>Felpa &amp; co</g:title><g:description>&lt;p&gt;x&lt;/p&gt;</g:description>
<g:additional_image_link>/1.jpg</g:additional_image_link><g:additional_image_link>/2.jpg</g:additional_image_link>
<g:size/><g:price>49.90 EUR</g:price></item>
<item><g:id><![CDATA[B]]></g:id></item></channel></rss>"#;
        let got: Vec<Value> = items(xml, "item")
            .into_iter()
            .map(|r| r.unwrap_or_else(|e| panic!("{e}")))
            .collect();
        assert_eq!(
            got,
            vec![
                json!({"id": "A@S", "title": "Felpa & co", "description": "<p>x</p>", "additional_image_link": ["/1.jpg", "/2.jpg"], "price": "49.90 EUR"}),
                json!({"id": "B"})
            ]
        );
    }

    /// HTML's entities, which XML does not define, are their characters (a name written
    /// `Herren&nbsp;Hemd` came out with `&nbsp;` in it); an unknown one stays as written.
    #[test]
    fn html_entities_are_their_characters() {
        let got = items(
            "<r><item><n>Herren&nbsp;Hemd &euro;&amp;&#233; &zzz;</n></item></r>",
            "item",
        );
        assert_eq!(got, [Ok(json!({"n": "Herren\u{a0}Hemd €&é &zzz;"}))]);
    }

    #[test]
    fn custom_item_names_attributes_and_nesting() {
        let xml = r#"<articoli><articolo codice="A1"><nome>Uno</nome><prezzi><listino>10,00</listino></prezzi></articolo><articolo codice="A2"/></articoli>"#;
        let got: Vec<Value> = items(xml, "articolo")
            .into_iter()
            .map(|r| r.unwrap_or_default())
            .collect();
        assert_eq!(
            got,
            vec![
                json!({"@codice": "A1", "nome": "Uno", "prezzi": {"listino": "10,00"}}),
                json!({"@codice": "A2"})
            ]
        );
    }

    /// A document without a single item says which element its records likely are, and how
    /// to name it (an ERP's `<Artikel>` read as `.xml`, whose records default to `<item>`).
    #[test]
    fn a_document_without_items_names_the_element_its_records_likely_are() {
        let xml = r#"<?xml version="1.0"?><Export xmlns:x="urn:x"><Kopf><Datum>1</Datum></Kopf>
<Artikel nr="1"><Bild>a</Bild><Bild>b</Bild><Bild>c</Bild></Artikel><Artikel nr="2"/><x:Artikel/></Export>"#;
        let got = items(xml, "item");
        assert_eq!(
            got,
            [Err("no `<item>` element, the records of this input: the document holds 3 `<Artikel>` in `<Export>`; if those are the records, name them with the input's format `xml:Artikel` (`--input-format NAME=xml:Artikel`, or `format: xml:Artikel` in clerkmap.yaml)".to_string())]
        );
        let got = items(
            "<Kunden><Kunde id=\"1\"/><Kunde id=\"2\"/></Kunden>",
            "kunde",
        );
        assert!(
            got.len() == 1
                && got[0].as_ref().is_err_and(|e| e.starts_with(
                    "no `<kunde>` element, the records of this input, but 2 `<Kunde>`: element names are case-sensitive; name them with the input's format `xml:Kunde`"
                )),
            "{got:?}"
        );
        // One element, not repeated: the root's child is named.
        let got = items("<r><only>1</only></r>", "item");
        assert!(
            got[0]
                .as_ref()
                .is_err_and(|e| e.contains("holds 1 `<only>` in `<r>`")),
            "{got:?}"
        );
        // A document whose items are all found reads them, whatever came before.
        assert_eq!(
            items("<r><x/><x/><item><a>1</a></item></r>", "item").len(),
            1
        );
    }

    #[test]
    fn malformed_xml_is_an_error_with_a_position() {
        let got = items(
            "<r>\n<item>\n<a>1</a>\n</item>\n<item><a>1</b></item></r>",
            "item",
        );
        assert_eq!(
            got.last(),
            Some(&Err(
                "malformed XML at line 5 (byte 42): ill-formed document: expected `</a>`, but `</b>` was found".to_string()
            )),
            "{got:?}"
        );
        // An export in ISO-8859-1 is not malformed: the message says to convert it.
        let mut latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r><item><a>".to_vec();
        latin.extend(b"Gr\xf6\xdfe</a></item></r>");
        let mut r = XmlItems::new(Box::new(std::io::Cursor::new(latin)), "item", 1 << 20);
        let got: Vec<_> = std::iter::from_fn(|| r.next_item()).collect();
        assert!(
            matches!(got.last(), Some(Err(e)) if e.starts_with("not UTF-8 at line 2") && e.contains("declares encoding=\"ISO-8859-1\"") && e.contains("iconv -f ISO-8859-1 -t UTF-8")),
            "{got:?}"
        );
    }

    fn deep(n: usize) -> String {
        format!(
            "<rss><channel><item><g:id>A</g:id><x>{}v{}</x></item><item><g:id>B</g:id></item></channel></rss>",
            "<a>".repeat(n),
            "</a>".repeat(n)
        )
    }

    #[test]
    fn a_deep_item_is_rejected_and_reading_goes_on() {
        // item, x and 126 <a>: 128 levels, read.
        let got = items(&deep(MAX_DEPTH - 2), "item");
        assert!(got[0].is_ok(), "{:?}", got[0]);
        // One more: rejected, and the next item is read.
        let got = items(&deep(MAX_DEPTH - 1), "item");
        assert!(
            got[0]
                .as_ref()
                .is_err_and(|e| e.contains("nested deeper than 128 levels")),
            "{got:?}"
        );
        assert_eq!(got[1], Ok(json!({"id": "B"})));
        // The issue's 5,000 levels: no stack overflow.
        let got = read(&deep(5000), "item", 1 << 20);
        assert!(matches!(got[0], Ok((1, XmlItem::Rejected(_)))), "{got:?}");
        assert_eq!(got[1], Ok((2, XmlItem::Record(json!({"id": "B"})))));
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn a_cut_off_document_is_an_error_after_its_items() {
        let got = items(
            "<rss><channel><item><g:id>A</g:id></item><item><g:id>B</g:id></item>\n",
            "item",
        );
        assert_eq!(got.len(), 3);
        assert_eq!(got[1], Ok(json!({"id": "B"})));
        assert!(
            got[2]
                .as_ref()
                .is_err_and(|e| e.contains("ends before </channel></rss> (after record 2)")),
            "{got:?}"
        );
        let got = items(
            "<rss><channel><item><g:id>A</g:id></item><item><g:id>B",
            "item",
        );
        assert!(
            got[1]
                .as_ref()
                .is_err_and(|e| e.contains("ends inside <item> (record 2)")),
            "{got:?}"
        );
    }

    #[test]
    fn large_items_and_texts_are_bounded() {
        let big = format!(
            "<r><item><a>{}</a><a>{}</a></item><item><a>1</a></item></r>",
            "x".repeat(800),
            "y".repeat(800)
        );
        let got = read(&big, "item", 1024);
        assert!(
            matches!(&got[0], Ok((1, XmlItem::Rejected(e))) if e.contains("over the record size limit of 1 KiB")),
            "{got:?}"
        );
        assert_eq!(got[1], Ok((2, XmlItem::Record(json!({"a": "1"})))));
        // No limit to speak of: no overflow either.
        let got = read("<r><item><a>1</a></item></r>", "item", u64::MAX);
        assert_eq!(got, vec![Ok((1, XmlItem::Record(json!({"a": "1"}))))]);
        // One text larger than the limit cannot be skipped: the file ends there.
        let huge = format!("<r><item><a>{}</a></item></r>", "x".repeat(1 << 16));
        let got = read(&huge, "item", 1024);
        assert!(
            got[0]
                .as_ref()
                .is_err_and(|e| e.contains("larger than the record size limit")),
            "{got:?}"
        );
    }
}
